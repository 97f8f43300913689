//! Starting a simulator for a test and talking to it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use voxhive_sim::{start, SimConfig, SimHandle, Sizes};

/// A fixed end of history, so that tests do not depend on the day they run.
pub fn fixed_now() -> jiff::Timestamp {
    "2026-10-01T00:00:00Z".parse().expect("valid")
}

/// A small configuration: default accounts, fewer calls, a fixed `now`, fast live calls.
pub fn small_config() -> SimConfig {
    SimConfig {
        sizes: Sizes {
            assistants_per_org: 4,
            calls: 600,
            days: 30,
        },
        now: Some(fixed_now()),
        live_step: Duration::from_millis(20),
        ..SimConfig::default()
    }
}

/// A running simulator and a client for it.
pub struct TestSim {
    /// The simulator.
    pub handle: SimHandle,
    /// HTTP client (10 s timeout).
    pub http: reqwest::Client,
}

/// Starts a simulator with `config` on a free port.
pub async fn spawn_sim(config: SimConfig) -> TestSim {
    let handle = start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("simulator starts");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    TestSim { handle, http }
}

impl TestSim {
    /// The first Vapi key.
    pub fn vapi_key(&self) -> String {
        self.handle.vapi_keys()[0].clone()
    }

    /// The first ElevenLabs key.
    pub fn el_key(&self) -> String {
        self.handle.elevenlabs_keys()[0].clone()
    }

    /// A Vapi request with the first organisation's key.
    pub fn vapi(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.handle.base_url()))
            .bearer_auth(self.vapi_key())
    }

    /// `GET /call/{id}` with the first organisation's key.
    pub async fn vapi_call(&self, id: &str) -> Value {
        let (status, call) = send(self.vapi(reqwest::Method::GET, &format!("/call/{id}"))).await;
        assert_eq!(status, 200, "GET /call/{id}: {call}");
        call
    }

    /// `POST /live/{id}/control`, without a key as Vapi's default `controlAuthenticationEnabled: false` allows.
    pub async fn control(&self, id: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/live/{id}/control", self.handle.base_url());
        send(self.http.post(url).json(&body)).await
    }

    /// Points the first assistant's server URL at `url` and returns the assistant's id.
    pub async fn assistant_reporting_to(&self, url: &str) -> String {
        let (_, assistants) = send(self.vapi(reqwest::Method::GET, "/assistant")).await;
        let id = assistants[0]["id"].as_str().expect("an assistant").to_owned();
        let server = json!({"server": {"url": url}});
        send(
            self.vapi(reqwest::Method::PATCH, &format!("/assistant/{id}"))
                .json(&server),
        )
        .await;
        id
    }

    /// An ElevenLabs request with the first workspace's key.
    pub fn el(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.handle.base_url()))
            .header("xi-api-key", self.el_key())
    }
}

/// Sends a request and returns status and JSON body (Null when empty).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, body)
}

/// Waits until `check` returns `Some`, polling every 10 ms, failing after `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What a webhook receiver got: headers and JSON body of each POST, in order.
pub type Inbox = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

/// A webhook receiver on a free port; returns its URL and what it received.
pub async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let store = inbox.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((headers, body));
                Json(json!({}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

/// The Vapi server messages (`body.message`) of `kind` a receiver got so far.
pub fn server_messages(inbox: &Inbox, kind: &str) -> Vec<Value> {
    inbox
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| body["message"].clone())
        .filter(|m| m["type"] == kind)
        .collect()
}
