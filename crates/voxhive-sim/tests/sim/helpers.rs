//! Starting a simulator for a test and talking to it.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
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
