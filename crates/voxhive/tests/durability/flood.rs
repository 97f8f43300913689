//! Signed Vapi end-of-call reports sent as a provider sends them, from concurrent senders, with a
//! tally of which calls each answer acknowledged.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// What every reported call costs, in USD and in micro-USD.
pub const CALL_COST_USD: f64 = 0.1234;
pub const CALL_COST_MICROS: i64 = 123_400;

/// A connection's webhook receiver: its path (the same on every instance) and secret.
#[derive(Clone)]
pub struct Receiver {
    pub path: String,
    pub secret: String,
}

impl Receiver {
    /// Reads connection `connection_id`'s receiver through the JSON API of `base`.
    pub async fn of(base: &str, token: &str, connection_id: i64) -> Self {
        let hook: Value = client()
            .get(format!("{base}/api/v1/connections/{connection_id}/webhook"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = hook["url"].as_str().expect("the receiver's URL");
        let path = format!("/hooks/{}", url.split("/hooks/").nth(1).expect("a /hooks/ URL"));
        let secret = hook["secret"].as_str().expect("the webhook secret").to_owned();
        Self { path, secret }
    }

    /// Delivers the report of call `n` to the instance at `base`; the status, or `None` when
    /// no answer came (the connection failed).
    pub async fn deliver(&self, client: &Client, base: &str, n: u64) -> Option<StatusCode> {
        self.deliver_body(client, base, report(n))
            .await
            .map(|(status, _)| status)
    }

    /// Delivers `body`; the status and the answer's text, or `None` when no answer came.
    pub async fn deliver_body(&self, client: &Client, base: &str, body: String) -> Option<(StatusCode, String)> {
        let res = client
            .post(format!("{base}{}", self.path))
            .header("content-type", "application/json")
            .header("x-vapi-secret", &self.secret)
            .body(body)
            .send()
            .await
            .ok()?;
        let status = res.status();
        Some((status, res.text().await.ok()?))
    }
}

/// A client as a provider's sender: short timeouts, no connection reuse across a restart issue.
pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// The provider id of call `n`.
pub fn call_id(n: u64) -> String {
    format!("durable-call-{n:07}")
}

/// An end-of-call report of call `n`, dated within the last 20 days.
pub fn report(n: u64) -> String {
    let started = voxhive_core::time::now_ms() - (n as i64 * 7_919 % (20 * 86_400)) * 1_000 - 3_600_000;
    let iso = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
    let call = json!({
        "id": call_id(n), "orgId": "org-durable", "assistantId": format!("asst-{}", n % 7),
        "type": "inboundPhoneCall", "status": "ended", "createdAt": iso(started - 2_000),
        "updatedAt": iso(started + 62_000), "startedAt": iso(started), "endedAt": iso(started + 60_000),
        "endedReason": "customer-ended-call", "cost": CALL_COST_USD, "customer": {"number": "+14155550100"},
    });
    json!({"message": {
        "type": "end-of-call-report", "timestamp": started + 61_000, "endedReason": "customer-ended-call",
        "call": call, "startedAt": iso(started), "endedAt": iso(started + 60_000), "durationSeconds": 60.0,
        "cost": CALL_COST_USD,
        "costs": [{"type": "model", "cost": 0.1}, {"type": "vapi", "cost": 0.0234}],
        "artifact": {"transcript": format!("AI: Hello, caller {n}.\nUser: I would like to book a table.")},
        "analysis": {"summary": "The caller booked a table."},
    }})
    .to_string()
}

/// Which calls were acknowledged (a 2xx) and which were sent without one.
#[derive(Debug, Default)]
pub struct Tally {
    pub acknowledged: BTreeSet<u64>,
    pub unacknowledged: BTreeSet<u64>,
    /// Answers by status code (`0`: no answer at all).
    pub answers: std::collections::BTreeMap<u16, u64>,
}

/// Senders delivering new calls without pause until stopped.
pub struct Flood {
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Flood {
    /// `senders` concurrent senders; call numbers come from `next`; the instance of each
    /// delivery is taken in turn from `bases`.
    pub fn start(bases: Vec<String>, receiver: Receiver, senders: usize, next: Arc<AtomicU64>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let client = client();
        let tasks = (0..senders)
            .map(|_| {
                let (stop, tally, next, client, bases, receiver) = (
                    stop.clone(),
                    tally.clone(),
                    next.clone(),
                    client.clone(),
                    bases.clone(),
                    receiver.clone(),
                );
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let base = &bases[n as usize % bases.len()];
                        let status = receiver.deliver(&client, base, n).await;
                        let acknowledged = status.is_some_and(|s| s.is_success());
                        {
                            let mut tally = tally.lock().unwrap();
                            *tally.answers.entry(status.map_or(0, |s| s.as_u16())).or_default() += 1;
                            if acknowledged {
                                tally.acknowledged.insert(n);
                            } else {
                                tally.unacknowledged.insert(n);
                            }
                        }
                        if !acknowledged {
                            // A provider backs off after an error.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                })
            })
            .collect();
        Self { stop, tally, tasks }
    }

    /// Stops the senders (each finishes the delivery in hand) and returns the tally.
    pub async fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        Arc::try_unwrap(self.tally).unwrap().into_inner().unwrap()
    }
}

/// Delivers each of `calls` to the instances of `bases` in turn until every one is
/// acknowledged, as a provider retries (giving up after a minute).
pub async fn redeliver(bases: &[String], receiver: &Receiver, calls: impl IntoIterator<Item = u64>) {
    let client = client();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    for (i, n) in calls.into_iter().enumerate() {
        loop {
            let base = &bases[i % bases.len()];
            if receiver.deliver(&client, base, n).await.is_some_and(|s| s.is_success()) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "call {n} is still not acknowledged"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Asserts that the stored calls are exactly calls `0..sent` (once each, every acknowledged one
/// among them) and that the usage totals count each once.
pub async fn assert_stored_once(
    db: &crate::process::Database,
    base: &str,
    token: &str,
    sent: u64,
    acked: &BTreeSet<u64>,
) {
    let stored = db
        .strings("SELECT remote_id FROM calls WHERE remote_id LIKE 'durable-call-%' ORDER BY remote_id")
        .await;
    let expected: Vec<String> = (0..sent).map(call_id).collect();
    let missing: Vec<&String> = expected.iter().filter(|id| stored.binary_search(id).is_err()).collect();
    let lost_acked: Vec<u64> = acked
        .iter()
        .copied()
        .filter(|n| stored.binary_search(&call_id(*n)).is_err())
        .collect();
    assert!(lost_acked.is_empty(), "acknowledged calls lost: {lost_acked:?}");
    assert!(missing.is_empty(), "calls never stored: {missing:?}");
    assert_eq!(stored.len() as u64, sent, "each call is stored once");

    let from = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date() - jiff::Span::new().days(30);
    let usage: Value = client()
        .get(format!("{base}/api/v1/usage?from={from}&group_by=day"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(usage["totals"]["calls"].as_i64(), Some(sent as i64), "{usage}");
    assert_eq!(
        usage["totals"]["cost_micro_usd"].as_i64(),
        Some(sent as i64 * CALL_COST_MICROS),
        "each call's cost is counted once: {usage}"
    );
}
