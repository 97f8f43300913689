//! Three `voxhive serve` instances on one PostgreSQL database, with no sticky sessions: a
//! session works on any instance, each job runs once, each webhook is stored once whichever
//! instance receives it (or both), and the rollups stay exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode};

use crate::flood::{assert_stored_once, redeliver, Flood, Receiver};
use crate::process::{signed_in, Database, Server};
use crate::support::csrf_from;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_one_postgresql_share_sessions_jobs_and_webhooks() {
    let db = Database::fresh().await;
    if !db.is_postgres() {
        eprintln!("skipped: instances share a database on PostgreSQL only (set VOXHIVE_TEST_DATABASE_URL)");
        return;
    }
    let sim = crate::quiet_sim().await;
    let token = db.owner_token().await;
    // Started together, as a deployment starts them: each applies the migrations it finds missing.
    let (a, b, c) = tokio::join!(
        Server::start(&db, "a"),
        Server::start(&db, "b"),
        Server::start(&db, "c")
    );
    let bases = vec![a.base.clone(), b.base.clone(), c.base.clone()];

    sessions_work_on_every_instance(&bases).await;

    // Jobs: imports asked of each instance in turn, beside the backfill the connection queued.
    let connection = crate::connect_vapi(&a.base, &token, &sim).await;
    let http = Client::new();
    let mut jobs = Vec::new();
    for i in 0..6 {
        let res = http
            .post(format!("{}/api/v1/connections/{connection}/import", bases[i % 3]))
            .bearer_auth(&token)
            .header("Prefer", "respond-async")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let job: serde_json::Value = res.json().await.unwrap();
        jobs.push(job["id"].as_i64().unwrap());
    }
    for (i, id) in jobs.iter().enumerate() {
        wait_for_job(&http, &bases[(i + 1) % 3], &token, *id).await;
    }
    wait_until_no_job_is_pending(&db).await;
    let runs = db
        .strings("SELECT kind || ' ' || status || ' attempts=' || attempts || ' by ' || COALESCE(locked_by, '-') FROM jobs ORDER BY id")
        .await;
    eprintln!("jobs:\n{}", runs.join("\n"));
    assert!(runs.len() >= 7, "the imports and the backfill ran: {runs:?}");
    for run in &runs {
        assert!(
            run.contains(" done attempts=1 "),
            "each job ran once, to its end: {run}"
        );
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM assistants").await,
        sim.vapi_assistants(voxhive_sim::DEFAULT_VAPI_KEYS[0]).len() as i64,
        "each assistant imported once"
    );

    // Webhooks: a flood spread over the three, then a retry of some to another instance than
    // the one that took them first.
    let receiver = Receiver::of(&a.base, &token, connection).await;
    let next = Arc::new(AtomicU64::new(0));
    let flood = Flood::start(bases.clone(), receiver.clone(), 12, next.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tally = flood.stop().await;
    assert!(
        tally.unacknowledged.is_empty(),
        "every delivery was taken: {:?}",
        tally.answers
    );
    let shifted: Vec<String> = bases.iter().cycle().skip(1).take(3).cloned().collect();
    redeliver(&shifted, &receiver, tally.acknowledged.iter().copied().step_by(4)).await;
    db.wait_until_processed(Duration::from_secs(60)).await;
    let sent = next.load(Ordering::Relaxed);
    eprintln!("{sent} calls sent over three instances");
    assert_stored_once(&db, &b.base, &token, sent, &tally.acknowledged).await;
    db.assert_rollups_exact().await;
    for server in [a, b, c] {
        server.stop().await;
    }
}

/// Signs in on the first instance; the session works on the others, and signing out on the
/// last ends it everywhere.
async fn sessions_work_on_every_instance(bases: &[String]) {
    let browser = signed_in(&bases[0]).await;
    let mut page = String::new();
    for base in bases {
        let res = browser.get(format!("{base}/usage")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "the session works on {base}");
        page = res.text().await.unwrap();
        assert!(page.contains("Usage"), "the Usage page on {base}");
    }
    let last = bases.last().unwrap();
    let res = browser
        .post(format!("{last}/logout"))
        .form(&[("csrf_token", csrf_from(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = browser.get(format!("{}/usage", bases[0])).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "signed out on one instance is signed out on all"
    );
}

/// Polls a job through `base` until it has finished, and asserts it succeeded.
async fn wait_for_job(http: &Client, base: &str, token: &str, id: i64) {
    for _ in 0..600 {
        let job: serde_json::Value = http
            .get(format!("{base}/api/v1/jobs/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["finished"] == true {
            assert_eq!(job["succeeded"], true, "{job}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish within 30 s");
}

/// Waits until every job (the connection's backfill included) has finished.
async fn wait_until_no_job_is_pending(db: &Database) {
    for _ in 0..300 {
        if db
            .count("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
            .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("jobs are still pending after 30 s");
}
