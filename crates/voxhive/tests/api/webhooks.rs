//! The webhook receivers: each provider's signature schemes, refusals (recorded or not), group
//! commit under concurrent deliveries, the secret's API and page, and real deliveries from the
//! simulator.

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::Connection;
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::secrets::{database_bytes, owner_token_by_cli, LoggingServer};
use crate::support::{client, csrf_from, spawn_app, spawn_sim, TestApp, PASSWORD};

const OWNER: &str = "ada@example.com";

/// A Vapi end-of-call report, small.
fn vapi_report(call_id: &str) -> String {
    json!({"message": {"type": "end-of-call-report", "call": {"id": call_id}}}).to_string()
}

fn hmac_hex(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The header of Vapi's shared-secret scheme.
fn vapi_secret(secret: &str) -> [(&'static str, String); 1] {
    [("X-Vapi-Secret", secret.to_owned())]
}

/// The headers of Vapi's HMAC scheme: `body` signed under `secret` at `timestamp`.
fn vapi_hmac(secret: &str, timestamp: i64, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-signature", hmac_hex(secret, timestamp, body)),
        ("x-timestamp", timestamp.to_string()),
    ]
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Posts a delivery; returns the status and the JSON answer.
async fn deliver(url: &str, body: &str, headers: &[(&str, String)]) -> (StatusCode, Value) {
    let mut request = client()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let res = request.send().await.expect("POST the webhook");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A stored event as the tests look at it.
#[derive(Debug, sqlx::FromRow)]
struct Stored {
    kind: String,
    status: String,
    reason: Option<String>,
    body: String,
}

/// The events stored for a connection, oldest first, read straight from the database.
async fn stored(app: &TestApp, connection_id: i64) -> Vec<Stored> {
    let sql = format!(
        "SELECT kind, status, reason, body FROM webhook_events WHERE connection_id = {connection_id} ORDER BY id"
    );
    if let Some(pg) = &app.config.database_url {
        let mut conn = sqlx::PgConnection::connect(pg).await.unwrap();
        sqlx::query_as(&sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let path = app.config.data_dir.join("voxhive.db");
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query_as(&sql).fetch_all(&mut conn).await.unwrap()
    }
}

/// An app with an owner of "Acme" and their API token.
async fn app_with_owner() -> (TestApp, String) {
    let app = spawn_app().await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    (app, token)
}

/// An owner's app with one connection to a simulated account of `provider` ("Prod" on Vapi,
/// "Agents" on ElevenLabs).
struct Connected {
    app: TestApp,
    token: String,
    sim: voxhive_sim::SimHandle,
    id: i64,
}

async fn connected(provider: &str) -> Connected {
    let (app, token) = app_with_owner().await;
    let sim = spawn_sim().await;
    let (label, key) = match provider {
        "vapi" => ("Prod", voxhive_sim::DEFAULT_VAPI_KEYS[0]),
        _ => ("Agents", voxhive_sim::DEFAULT_EL_KEY),
    };
    let id = app.connect(&token, provider, label, key, &sim.base_url()).await;
    Connected { app, token, sim, id }
}

impl Connected {
    /// The connection's webhook as the API shows it to the owner.
    async fn webhook(&self) -> Value {
        show_webhook(&self.app, &self.token, self.id).await
    }

    /// The connection's current webhook secret.
    async fn secret(&self) -> String {
        self.webhook().await["secret"].as_str().expect("a secret").to_owned()
    }

    async fn stop(self) {
        self.app.stop().await;
        self.sim.shutdown().await;
    }
}

async fn show_webhook(app: &TestApp, token: &str, id: i64) -> Value {
    let path = format!("/api/v1/connections/{id}/webhook");
    let (status, body) = app.api(token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Reads a counter of the Prometheus text at `/metrics` (0 when not yet counted).
async fn counter(app: &TestApp, name: &str) -> u64 {
    let text = client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0)
}

/// Sends a request and reads its JSON answer.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let res = request.send().await.expect("send");
    res.json().await.expect("a JSON answer")
}

/// Waits until `check` holds of a connection's stored events (20 s at most).
async fn wait_for_events(
    app: &TestApp,
    connection_id: i64,
    what: &str,
    check: impl Fn(&[Stored]) -> bool,
) -> Vec<Stored> {
    for _ in 0..400 {
        let events = stored(app, connection_id).await;
        if check(&events) {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{what} did not arrive within 20 s: {:?}",
        stored(app, connection_id).await
    );
}

#[tokio::test]
async fn a_vapi_delivery_signed_by_each_scheme_is_stored_and_a_wrong_secret_is_recorded_as_rejected() {
    let c = connected("vapi").await;
    let (app, id) = (&c.app, c.id);
    let hook = c.webhook().await;
    assert_eq!(hook["provider"], "vapi");
    assert_eq!(hook["url"], app.url(&format!("/hooks/{id}")));
    let secret = hook["secret"]
        .as_str()
        .expect("a Vapi secret is made on first read")
        .to_owned();
    assert!(secret.len() >= 32);
    assert_eq!(c.secret().await, secret, "the secret stays");
    let url = hook["url"].as_str().unwrap();

    let now = unix_now();
    let signed = vapi_report("call-hmac");
    let schemes: [(String, Vec<(&str, String)>); 3] = [
        (vapi_report("call-header"), vapi_secret(&secret).to_vec()),
        (
            vapi_report("call-bearer"),
            vec![("Authorization", format!("Bearer {secret}"))],
        ),
        (signed.clone(), vapi_hmac(&secret, now, &signed)),
    ];
    for (body, headers) in &schemes {
        let (status, answer) = deliver(url, body, headers).await;
        assert_eq!((status, answer), (StatusCode::OK, json!({"ok": true})), "{headers:?}");
    }
    let (status, answer) = deliver(url, &vapi_report("call-forged"), &vapi_secret("not-the-secret")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer["error"].as_str().unwrap().contains("does not match"), "{answer}");
    let stale = now - 3600;
    let (status, _) = deliver(url, &signed, &vapi_hmac(&secret, stale, &signed)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an old HMAC signature is a replay");

    let events = stored(app, id).await;
    assert_eq!(events.len(), 5, "{events:?}");
    for event in &events[..3] {
        assert_eq!(event.kind, "end-of-call-report");
        assert_ne!(event.status, "rejected", "{event:?}");
    }
    assert!(events[0].body.contains("call-header") && events[2].body.contains("call-hmac"));
    assert_eq!(events[3].status, "rejected");
    assert_eq!(
        events[3].kind, "end-of-call-report",
        "the kind is read even from a refused delivery"
    );
    assert!(events[3].reason.as_deref().unwrap().contains("does not match"));
    assert!(
        events[4].reason.as_deref().unwrap().contains("tolerance"),
        "{:?}",
        events[4]
    );
    c.stop().await;
}

#[tokio::test]
async fn an_elevenlabs_delivery_needs_a_fresh_signature_under_the_pasted_secret() {
    let c = connected("elevenlabs").await;
    let (app, token, id) = (&c.app, c.token.as_str(), c.id);
    let hook = c.webhook().await;
    assert_eq!(
        hook["secret"],
        Value::Null,
        "ElevenLabs makes the secret; none until it is registered or pasted"
    );
    let url = hook["url"].as_str().unwrap().to_owned();
    let body = json!({"type": "post_call_transcription", "event_timestamp": unix_now(), "data": {"conversation_id": "conv_1"}}).to_string();
    let sign = |secret: &str, t: i64| {
        vec![(
            "ElevenLabs-Signature",
            format!("t={t},v0={}", hmac_hex(secret, t, &body)),
        )]
    };

    let (status, answer) = deliver(&url, &body, &sign("wsec_whatever_0123456789", unix_now())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer["error"].as_str().unwrap().contains("Settings"), "{answer}");

    let path = format!("/api/v1/connections/{id}/webhook");
    let (status, answer) = app.api(token, Method::PUT, &path, Some(json!({"secret": " "}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "secret");
    let secret = "wsec_pasted_0123456789abcdef";
    let (status, answer) = app
        .api(token, Method::PUT, &path, Some(json!({"secret": secret})))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["secret"], secret);

    assert_eq!(deliver(&url, &body, &sign(secret, unix_now())).await.0, StatusCode::OK);
    let (status, answer) = deliver(&url, &body, &sign(secret, unix_now() - 31 * 60)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer["error"].as_str().unwrap().contains("30-minute"), "{answer}");
    assert_eq!(deliver(&url, &body, &[]).await.0, StatusCode::UNAUTHORIZED);

    let events = stored(app, id).await;
    let statuses: Vec<(&str, &str)> = events.iter().map(|e| (e.kind.as_str(), e.status.as_str())).collect();
    assert_eq!(statuses.len(), 4, "{events:?}");
    assert_eq!(statuses[0], ("post_call_transcription", "rejected"));
    assert!(events[0].reason.as_deref().unwrap().contains("no webhook secret"));
    assert_ne!(statuses[1].1, "rejected");
    assert_eq!(statuses[2], ("post_call_transcription", "rejected"));
    assert!(events[3].reason.as_deref().unwrap().contains("ElevenLabs-Signature"));
    c.stop().await;
}

#[tokio::test]
async fn oversized_malformed_and_misaddressed_deliveries_are_refused_and_not_stored() {
    let c = connected("vapi").await;
    let (app, id) = (&c.app, c.id);
    let hook = c.webhook().await;
    let url = hook["url"].as_str().unwrap();
    let auth = vapi_secret(hook["secret"].as_str().unwrap());

    let padding = "x".repeat(voxhive_web::WEBHOOK_BODY_LIMIT);
    let big = json!({"message": {"type": "end-of-call-report", "padding": padding}}).to_string();
    let (status, answer) = deliver(url, &big, &auth).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer["error"].as_str().unwrap().contains("larger than"), "{answer}");

    let (status, answer) = deliver(url, "{\"message\": {", &auth).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"].as_str().unwrap().contains("not JSON"), "{answer}");

    for missing in ["/hooks/999999", "/hooks/not-a-number"] {
        let (status, answer) = deliver(&app.url(missing), &vapi_report("c"), &auth).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(answer["error"].is_string());
    }
    assert!(
        stored(app, id).await.is_empty(),
        "nothing refused before the signature check is stored"
    );
    c.stop().await;
}

#[tokio::test]
async fn concurrent_deliveries_are_all_stored_in_fewer_transactions_than_requests() {
    let c = connected("vapi").await;
    let (app, id) = (&c.app, c.id);
    let hook = c.webhook().await;
    let url = hook["url"].as_str().unwrap().to_owned();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    const N: usize = 200;
    let commits_before = counter(app, "webhook_commits_total").await;
    let http = reqwest::Client::new();
    let sends = (0..N).map(|i| {
        let request = http
            .post(&url)
            .header("content-type", "application/json")
            .header("X-Vapi-Secret", &secret)
            .body(vapi_report(&format!("call-{i}")));
        async move { request.send().await.map(|r| r.status()) }
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| matches!(s, Ok(StatusCode::OK))), "{statuses:?}");
    let commits = counter(app, "webhook_commits_total").await - commits_before;
    let events = stored(app, id).await;
    assert_eq!(events.len(), N);
    let mut calls: Vec<&str> = events.iter().map(|e| e.body.as_str()).collect();
    calls.sort_unstable();
    calls.dedup();
    assert_eq!(calls.len(), N, "every delivery stored once");
    // Other tests of this process count too, so this bound is loose; batching makes it far lower.
    assert!(commits <= N as u64 / 4, "{N} deliveries took {commits} transactions");
    c.stop().await;
}

#[tokio::test]
async fn rotating_refuses_the_old_secret_and_only_admins_reach_the_webhook_api() {
    let c = connected("vapi").await;
    let (app, token, id) = (&c.app, c.token.as_str(), c.id);
    let old = c.secret().await;
    let rotate = format!("/api/v1/connections/{id}/webhook/rotate");
    let (status, rotated) = app.api(token, Method::POST, &rotate, None).await;
    assert_eq!(status, StatusCode::OK);
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    let doc = app.openapi().await;
    let schema = response_schema(&doc, "/connections/{id}/webhook/rotate", "post", "200");
    assert_matches_schema(&doc, &schema, &rotated);
    let url = rotated["url"].as_str().unwrap();
    assert_eq!(
        deliver(url, &vapi_report("a"), &vapi_secret(&old)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        deliver(url, &vapi_report("b"), &vapi_secret(new)).await.0,
        StatusCode::OK
    );
    let audit: Vec<String> = app
        .store()
        .audit_entries(app.workspace_id("Acme").await, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.iter().any(|a| a == "connection.webhook_create"), "{audit:?}");
    assert!(audit.iter().any(|a| a == "connection.webhook_rotate"), "{audit:?}");

    let path = format!("/api/v1/connections/{id}/webhook");
    for (email, role) in [("eve@example.com", Role::Editor), ("vic@example.com", Role::Viewer)] {
        app.add_user(email, "Acme", role).await;
        let token = app.token_for(email, "Acme").await;
        for (method, path, body) in [
            (Method::GET, &path, None),
            (Method::POST, &rotate, None),
            (Method::PUT, &path, Some(json!({"secret": "wsec_0123456789abcdef"}))),
        ] {
            let (status, answer) = app.api(&token, method.clone(), path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {method} {path}: {answer}");
        }
    }
    let (status, _) = app
        .api(token, Method::GET, "/api/v1/connections/999999/webhook", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let pasted = json!({"secret": "wsec_0123456789abcdef"});
    let (status, answer) = app.api(token, Method::PUT, &path, Some(pasted)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a Vapi secret is VoxHive's to make: {answer}"
    );
    c.stop().await;
}

/// The receiver keeps a connection's secret for a few seconds; a secret changed by another
/// instance (here: written straight to the database) must be accepted at once all the same.
#[tokio::test]
async fn a_secret_rotated_by_another_instance_is_accepted_at_once() {
    let c = connected("vapi").await;
    let (app, id) = (&c.app, c.id);
    let old = c.secret().await;
    let url = c.webhook().await["url"].as_str().unwrap().to_owned();
    assert_eq!(
        deliver(&url, &vapi_report("kept"), &vapi_secret(&old)).await.0,
        StatusCode::OK
    );

    let new = "another-instance-made-this-secret-0123456789";
    let sealed = app.running.as_ref().unwrap().master_key.seal(new);
    let workspace_id = app.workspace_id("Acme").await;
    app.store()
        .set_webhook_secret(workspace_id, id, Some((&sealed, "…789")))
        .await
        .unwrap();
    assert_eq!(
        deliver(&url, &vapi_report("fresh"), &vapi_secret(new)).await.0,
        StatusCode::OK,
        "the kept secret is checked again against the database before a refusal"
    );
    let (status, _) = deliver(&url, &vapi_report("wrong"), &vapi_secret("not-the-secret")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let rejected: Vec<bool> = stored(app, id).await.iter().map(|e| e.status == "rejected").collect();
    assert_eq!(rejected, [false, false, true]);
    c.stop().await;
}

#[tokio::test]
async fn the_providers_page_shows_the_secret_only_to_an_admin_who_asks() {
    let c = connected("vapi").await;
    let (app, id) = (&c.app, c.id);
    let secret = c.secret().await;
    let last4 = &secret[secret.len() - 4..];

    app.add_user("vic@example.com", "Acme", Role::Viewer).await;
    let viewer = app.signed_in("vic@example.com").await;
    let (_, page) = app.page(&viewer, "/settings/providers").await;
    assert!(
        page.contains(&format!("/hooks/{id}")),
        "the receiver URL is shown to every member"
    );
    assert!(page.contains(&format!("…{last4}")) && !page.contains(&secret));
    assert!(!page.contains("webhook/reveal") && !page.contains("webhook/rotate"));
    let res = app
        .post_form(&viewer, &format!("/settings/providers/{id}/webhook/reveal"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!res.text().await.unwrap().contains(&secret));

    let owner = app.signed_in(OWNER).await;
    let (_, page) = app.page(&owner, "/settings/providers").await;
    assert!(
        page.contains("webhook/reveal") && !page.contains(&secret),
        "hidden until asked for"
    );
    let csrf = csrf_from(&page);
    let res = owner
        .post(app.url(&format!("/settings/providers/{id}/webhook/reveal")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.text().await.unwrap().contains(&secret));
    let res = owner
        .post(app.url(&format!("/settings/providers/{id}/webhook/reveal")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a reveal without the CSRF token is refused"
    );

    let res = owner
        .post(app.url(&format!("/settings/providers/{id}/webhook/rotate")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    let rotated = c.secret().await;
    assert_ne!(rotated, secret);
    assert!(
        page.contains(&rotated) && page.contains("New webhook secret"),
        "the new secret is shown once"
    );
    let (_, page) = app.page(&owner, "/settings/providers").await;
    assert!(!page.contains(&rotated));
    assert!(!page.contains(PASSWORD));
    c.stop().await;
}

/// A simulator whose live calls move quickly.
async fn fast_sim() -> voxhive_sim::SimHandle {
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = 2;
    config.sizes.calls = 5;
    config.sizes.days = 2;
    config.live_step = Duration::from_millis(20);
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

#[tokio::test]
async fn the_simulator_delivers_live_calls_of_both_providers_to_voxhive() {
    let (app, token) = app_with_owner().await;
    let sim = fast_sim().await;
    let http = reqwest::Client::new();

    // ElevenLabs: rotating registers VoxHive's URL with the workspace, as the post-call webhook.
    let el_key = voxhive_sim::DEFAULT_EL_KEY;
    let el = app
        .connect(&token, "elevenlabs", "Agents", el_key, &sim.base_url())
        .await;
    let path = format!("/api/v1/connections/{el}/webhook/rotate");
    let (status, hook) = app.api(&token, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    assert_eq!(
        hook["secret"],
        voxhive_sim::DEFAULT_EL_WEBHOOK_SECRET,
        "the secret ElevenLabs made"
    );
    let el_get = |path: &str| {
        http.get(format!("{}{path}", sim.base_url()))
            .header("xi-api-key", el_key)
    };
    let settings = json_of(el_get("/v1/convai/settings")).await;
    let hooks = json_of(el_get("/v1/workspace/webhooks")).await;
    let ours = hooks["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["webhook_id"] == settings["webhooks"]["post_call_webhook_id"])
        .expect("the post-call webhook is registered");
    assert_eq!(ours["webhook_url"], hook["url"]);
    let agents = json_of(el_get("/v1/convai/agents")).await;
    let numbers = json_of(el_get("/v1/convai/phone-numbers")).await;
    let call = json!({"agent_id": agents["agents"][0]["agent_id"], "agent_phone_number_id": numbers[0]["phone_number_id"], "to_number": "+14155550177"});
    let outbound = http
        .post(format!("{}/v1/convai/twilio/outbound-call", sim.base_url()))
        .header("xi-api-key", el_key)
        .json(&call);
    let started = json_of(outbound).await;
    let conversation = started["conversation_id"].as_str().expect("a call started").to_owned();
    let events = wait_for_events(&app, el, "the post-call webhook", |e| !e.is_empty()).await;
    assert_eq!(events[0].kind, "post_call_transcription");
    assert_ne!(events[0].status, "rejected", "{:?}", events[0].reason);
    assert!(events[0].body.contains(&conversation));

    // Vapi: an assistant whose server URL is VoxHive's receiver, with the secret as a header.
    let vapi_key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let vapi = app.connect(&token, "vapi", "Prod", vapi_key, &sim.base_url()).await;
    let hook = show_webhook(&app, &token, vapi).await;
    let vapi_req = |method: Method, path: &str| {
        http.request(method, format!("{}{path}", sim.base_url()))
            .bearer_auth(vapi_key)
    };
    let server = json!({"url": hook["url"], "headers": {"X-Vapi-Secret": hook["secret"]}});
    let new_assistant =
        json!({"name": "Webhook test", "server": server, "serverMessages": ["status-update", "end-of-call-report"]});
    let assistant = json_of(vapi_req(Method::POST, "/assistant").json(&new_assistant)).await;
    let numbers = json_of(vapi_req(Method::GET, "/phone-number")).await;
    let res = vapi_req(Method::POST, "/call")
        .json(&json!({"assistantId": assistant["id"], "phoneNumberId": numbers[0]["id"], "customer": {"number": "+14155550142"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let events = wait_for_events(&app, vapi, "the end-of-call report", |e| {
        e.iter().any(|e| e.kind == "end-of-call-report")
    })
    .await;
    assert!(events.iter().any(|e| e.kind == "status-update"));
    assert!(events.iter().all(|e| e.status != "rejected"), "{events:?}");
    app.stop().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn no_webhook_secret_appears_in_a_log_line_or_the_database_file() {
    let sim = spawn_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let token = owner_token_by_cli(dir.path());
    let log_path = dir.path().join("server.log");
    let server = LoggingServer::start(dir.path(), &log_path);
    let base = server.url.clone();

    let http = reqwest::Client::new();
    let api = |method: Method, path: &str| http.request(method, format!("{base}/api/v1{path}")).bearer_auth(&token);
    let new_connection = json!({"provider": "vapi", "label": "Prod", "api_key": voxhive_sim::DEFAULT_VAPI_KEYS[0], "base_url": sim.base_url()});
    let connection = json_of(api(Method::POST, "/connections").json(&new_connection)).await;
    let id = connection["id"].as_i64().unwrap();
    let hook = json_of(api(Method::GET, &format!("/connections/{id}/webhook"))).await;
    let (url, first) = (
        hook["url"].as_str().unwrap(),
        hook["secret"].as_str().unwrap().to_owned(),
    );
    let now = unix_now();
    let body = vapi_report("call-1");
    assert_eq!(deliver(url, &body, &vapi_secret(&first)).await.0, StatusCode::OK);
    assert_eq!(
        deliver(url, &body, &vapi_hmac(&first, now, &body)).await.0,
        StatusCode::OK
    );
    let rotated = json_of(api(Method::POST, &format!("/connections/{id}/webhook/rotate"))).await;
    let second = rotated["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        deliver(url, &body, &vapi_secret(&first)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        deliver(url, &body, &[("Authorization", format!("Bearer {second}"))])
            .await
            .0,
        StatusCode::OK
    );

    server.stop();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("webhook delivery rejected"),
        "the server logged at trace level"
    );
    let database = database_bytes(dir.path());
    for secret in [&first, &second] {
        assert!(!logs.contains(secret.as_str()), "a webhook secret in a log line");
        assert!(
            !database.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a webhook secret in the database file"
        );
    }
    sim.shutdown().await;
}
