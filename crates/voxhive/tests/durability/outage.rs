//! PostgreSQL unreachable for a few seconds under a webhook flood: requests answer a clear 503,
//! `/healthz` says so, and VoxHive recovers by itself without losing an acknowledged event.
//!
//! The server reaches PostgreSQL through a TCP proxy that the test cuts: every open connection
//! is reset and new ones are refused, which is what a stopped or restarting PostgreSQL looks like
//! to a client, without stopping the server the other tests share.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::flood::{assert_stored_once, redeliver, Flood, Receiver};
use crate::process::{signed_in, Database, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_recovers_without_a_restart() {
    let db = Database::fresh().await;
    if !db.is_postgres() {
        eprintln!("skipped: the database outage is a PostgreSQL test (set VOXHIVE_TEST_DATABASE_URL)");
        return;
    }
    let sim = crate::quiet_sim().await;
    let token = db.owner_token().await;
    let mut url = url::Url::parse(&db.url).unwrap();
    let upstream: SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
        .parse()
        .expect("the test server's address");
    let proxy = Proxy::start(upstream).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let server = Server::start_on(&db, "proxied", url.as_str()).await;
    let connection = crate::connect_vapi(&server.base, &token, &sim).await;
    let receiver = Receiver::of(&server.base, &token, connection).await;
    let browser = signed_in(&server.base).await;
    let next = Arc::new(AtomicU64::new(0));
    let flood = Flood::start(vec![server.base.clone()], receiver.clone(), 8, next.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;

    proxy.cut();
    let cut = Instant::now();
    let health = wait_for_health(&server.base, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(health["status"], "unavailable", "{health}");
    eprintln!("/healthz answered 503 {:?} after the cut", cut.elapsed());
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/usage", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("database is not answering"),
        "{body}"
    );
    let page = browser.get(format!("{}/usage", server.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE, "a page says so too");
    assert!(page.text().await.unwrap().contains("database is not answering"));

    tokio::time::sleep(Duration::from_secs(4).saturating_sub(cut.elapsed())).await;
    proxy.restore();
    let restored = Instant::now();
    wait_for_health(&server.base, StatusCode::OK).await;
    eprintln!("healthy again {:?} after the database returned", restored.elapsed());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tally = flood.stop().await;
    eprintln!("answers during the flood: {:?}", tally.answers);
    assert!(
        tally.answers.get(&503).is_some_and(|n| *n > 0),
        "deliveries during the outage were answered 503: {:?}",
        tally.answers
    );
    assert!(
        tally.answers.keys().all(|s| *s == 200 || *s == 503),
        "no other answer than stored or 'deliver it again': {:?}",
        tally.answers
    );

    redeliver(
        std::slice::from_ref(&server.base),
        &receiver,
        tally.unacknowledged.iter().copied(),
    )
    .await;
    db.wait_until_processed(Duration::from_secs(60)).await;
    let sent = next.load(Ordering::Relaxed);
    assert_stored_once(&db, &server.base, &token, sent, &tally.acknowledged).await;
    db.assert_rollups_exact().await;
    server.stop().await;
}

/// Polls `/healthz` until it answers `status` (within 20 s); returns its body.
async fn wait_for_health(base: &str, status: StatusCode) -> Value {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(res) = http.get(format!("{base}/healthz")).send().await {
            if res.status() == status {
                return res.json().await.unwrap();
            }
        }
        assert!(Instant::now() < deadline, "/healthz never answered {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A TCP proxy to the database that can be cut (connections reset, new ones refused) and
/// restored on the same port.
struct Proxy {
    addr: SocketAddr,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, rx) = watch::channel(true);
        tokio::spawn(serve(listener, upstream, rx));
        Self { addr, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

async fn serve(listener: TcpListener, upstream: SocketAddr, mut up: watch::Receiver<bool>) {
    let addr = listener.local_addr().unwrap();
    let mut listener = Some(listener);
    loop {
        if !*up.borrow_and_update() {
            // Closed: connecting is refused until restored.
            listener = None;
            if up.changed().await.is_err() {
                return;
            }
            continue;
        }
        if listener.is_none() {
            listener = Some(TcpListener::bind(addr).await.expect("the proxy's port again"));
        }
        let open = listener.as_ref().unwrap();
        tokio::select! {
            accepted = open.accept() => {
                if let Ok((client, _)) = accepted {
                    tokio::spawn(pipe(client, upstream, up.clone()));
                }
            }
            changed = up.changed() => if changed.is_err() { return },
        }
    }
}

/// Copies both ways until either side closes or the proxy is cut, which resets both.
async fn pipe(mut client: TcpStream, upstream: SocketAddr, mut up: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = up.wait_for(|up| !*up) => {}
    }
}
