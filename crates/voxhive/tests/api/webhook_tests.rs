//! Test deliveries (`POST /api/v1/webhooks/test` and the Webhooks page): to a receiver of the
//! test's own that checks each provider's signature as the provider documents it; to a port where
//! nothing listens, to one that never answers, to one that redirects, to a plain-HTTP port over
//! https; to VoxHive's own receiver signed with the connection's secret (recorded, not made a
//! call); the last deliveries kept per URL; bad input refused before anything is sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{csrf_from, location, spawn_app, spawn_app_with, spawn_sim, TestApp};

const OWNER: &str = "owner@example.com";
const SECRET: &str = "whsec-test-0123456789";

/// What the test's receiver saw: the signature verdict, the event type, the headers.
#[derive(Clone, Debug)]
struct Seen {
    verified: bool,
    kind: String,
}

/// ElevenLabs' documented check: `ElevenLabs-Signature: t=<unix>,v0=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
/// the timestamp within 30 minutes.
fn elevenlabs_verified(headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(header) = headers.get("elevenlabs-signature").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut t = None;
    let mut v0 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v0", value)) => v0 = Some(value.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v0)) = (t, v0) else { return false };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - t.parse::<i64>().unwrap_or(0)).abs() > 30 * 60 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes()) == v0
}

/// A receiver on 127.0.0.1 that checks Vapi's `X-Vapi-Secret` and ElevenLabs' signature, answers
/// 200 with a header and a long body, and records what it saw.
async fn own_receiver() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let log = log.clone();
                async move {
                    let doc: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let (verified, kind) = match doc.pointer("/message/type") {
                        Some(kind) => (
                            headers.get("x-vapi-secret").and_then(|v| v.to_str().ok()) == Some(SECRET),
                            kind.as_str().unwrap_or_default().to_owned(),
                        ),
                        None => (
                            elevenlabs_verified(&headers, &body),
                            doc["type"].as_str().unwrap_or_default().to_owned(),
                        ),
                    };
                    log.lock().unwrap().push(Seen { verified, kind });
                    let status = if verified {
                        AxumStatus::OK
                    } else {
                        AxumStatus::UNAUTHORIZED
                    };
                    (status, [("x-receiver", "test")], "x".repeat(10_000)).into_response()
                }
            }),
        )
        .route(
            "/moved",
            axum::routing::post(|| async { (AxumStatus::FOUND, [("location", "https://elsewhere.example/hook")]) }),
        )
        .route(
            "/slow",
            axum::routing::post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// An owner's app whose test deliveries may reach this machine (the test's receivers).
async fn owner() -> (TestApp, String) {
    let app = spawn_app_with(|c| c.webhook_tests_private = true).await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    (app, token)
}

async fn test_delivery(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.api(token, Method::POST, "/api/v1/webhooks/test", Some(body)).await
}

#[tokio::test]
async fn deliveries_are_signed_as_each_provider_signs_and_their_answers_kept() {
    let (app, token) = owner().await;
    let (base, seen) = own_receiver().await;
    let url = format!("{base}/hook");
    let doc = app.openapi().await;
    for event in ["status-update", "end-of-call-report", "tool-calls", "assistant-request"] {
        let (status, test) = test_delivery(
            &app,
            &token,
            json!({"url": url, "provider": "vapi", "event_type": event, "secret": SECRET}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{test}");
        assert_matches_schema(&doc, &response_schema(&doc, "/webhooks/test", "post", "200"), &test);
        assert_eq!(
            (test["succeeded"].as_bool(), test["status"].as_i64()),
            (Some(true), Some(200)),
            "{test}"
        );
        assert!(test["signed"].as_bool().unwrap());
        assert!(test["response_headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["x-receiver", "test"])));
        assert_eq!(
            test["response_body"].as_str().unwrap().len(),
            4096,
            "the body is cut at 4 KB"
        );
        assert_eq!(test["body_truncated"], true);
    }
    let (_, signed) = test_delivery(
        &app,
        &token,
        json!({"url": url, "provider": "elevenlabs", "event_type": "post_call_transcription", "secret": SECRET}),
    )
    .await;
    assert_eq!(signed["succeeded"], true, "{signed}");
    // A wrong secret: the receiver refuses it, and the answer says so.
    let (_, refused) = test_delivery(
        &app,
        &token,
        json!({"url": url, "provider": "elevenlabs", "event_type": "post_call_transcription", "secret": "not-it"}),
    )
    .await;
    assert_eq!(
        (refused["succeeded"].as_bool(), refused["status"].as_i64()),
        (Some(false), Some(401))
    );
    assert!(refused["problem"].as_str().unwrap().contains("HTTP 401"), "{refused}");
    let seen = seen.lock().unwrap().clone();
    let kinds: Vec<&str> = seen.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "status-update",
            "end-of-call-report",
            "tool-calls",
            "assistant-request",
            "post_call_transcription",
            "post_call_transcription"
        ]
    );
    assert_eq!(
        seen.iter().map(|s| s.verified).collect::<Vec<_>>(),
        [true, true, true, true, true, false]
    );

    // The last deliveries per URL, newest first.
    let (_, listed) = app
        .api(
            &token,
            Method::GET,
            &format!(
                "/api/v1/webhooks/deliveries?source=test&url={}",
                crate::support::urlencode(&url)
            ),
            None,
        )
        .await;
    assert_matches_schema(
        &doc,
        &response_schema(&doc, "/webhooks/deliveries", "get", "200"),
        &listed,
    );
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 6);
    assert_eq!(listed[0]["id"], refused["id"]);
    app.stop().await;
}

#[tokio::test]
async fn no_answer_is_explained_refused_timeout_redirect_and_tls() {
    let (app, token) = owner().await;
    let (base, _) = own_receiver().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let plain = base.replace("http://", "https://");
    let cases = [
        (format!("http://{closed}/hook"), "connection was refused"),
        (format!("{base}/slow"), "no answer within 1 s"),
        (
            format!("{base}/moved"),
            "redirects (HTTP 302) to https://elsewhere.example/hook",
        ),
        (format!("{plain}/hook"), "TLS"),
    ];
    for (url, expected) in cases {
        let (status, test) = test_delivery(
            &app,
            &token,
            json!({"url": url, "provider": "vapi", "event_type": "status-update", "timeout_secs": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{test}");
        assert_eq!(test["succeeded"], false, "{url}: {test}");
        let problem = test["problem"].as_str().unwrap_or_default();
        assert!(
            problem.contains(expected),
            "{url}: expected {expected:?} in {problem:?}"
        );
    }
    // Bad input: the field named, nothing sent or kept.
    for (body, field) in [
        (
            json!({"url": "ftp://example.com/hook", "provider": "vapi", "event_type": "status-update"}),
            "url",
        ),
        (
            json!({"url": "not a url", "provider": "vapi", "event_type": "status-update"}),
            "url",
        ),
        (
            json!({"url": "https://x.test", "provider": "vapi", "event_type": "post_call_transcription"}),
            "event_type",
        ),
        (
            json!({"url": "https://x.test", "provider": "bland", "event_type": "status-update"}),
            "provider",
        ),
        (
            json!({"url": "https://x.test", "provider": "vapi", "event_type": "status-update", "timeout_secs": 600}),
            "timeout_secs",
        ),
    ] {
        let (status, error) = test_delivery(&app, &token, body.clone()).await;
        assert_eq!(
            (status, &error["error"]["field"]),
            (StatusCode::BAD_REQUEST, &json!(field)),
            "{body}"
        );
    }
    let (_, listed) = app
        .api(&token, Method::GET, "/api/v1/webhooks/deliveries?source=test", None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 4, "only the deliveries sent are kept");
    app.stop().await;
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed_but_voxhives_own_receiver_is_not() {
    let app = spawn_app().await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    let (base, seen) = own_receiver().await;
    for url in [
        format!("{base}/hook"),
        "http://10.0.0.1/hook".to_owned(),
        "http://[::1]:9/hook".to_owned(),
    ] {
        let (status, error) = test_delivery(
            &app,
            &token,
            json!({"url": url, "provider": "vapi", "event_type": "status-update", "secret": SECRET}),
        )
        .await;
        assert_eq!(
            (status, &error["error"]["field"]),
            (StatusCode::BAD_REQUEST, &json!("url")),
            "{url}: {error}"
        );
        assert!(
            error["error"]["message"].as_str().unwrap().contains("private network"),
            "{error}"
        );
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    app.stop().await;
}

#[tokio::test]
async fn a_test_to_voxhives_own_receiver_is_signed_with_its_secret_and_not_made_a_call() {
    // Default settings: VoxHive's own receiver is reachable though it is on 127.0.0.1.
    let app = spawn_app().await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    let sim = spawn_sim().await;
    let connection = app
        .connect(
            &token,
            "vapi",
            "Prod",
            voxhive_sim::DEFAULT_VAPI_KEYS[0],
            &sim.base_url(),
        )
        .await;
    let (_, webhook) = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/connections/{connection}/webhook"),
            None,
        )
        .await;
    let receiver = webhook["url"].as_str().unwrap().to_owned();
    let (_, test) = test_delivery(
        &app,
        &token,
        json!({"url": receiver, "provider": "vapi", "event_type": "end-of-call-report"}),
    )
    .await;
    assert_eq!(
        (test["succeeded"].as_bool(), test["signed"].as_bool()),
        (Some(true), Some(true)),
        "{test}"
    );

    // Listed as received and processed, as a test: no call is made of it.
    let mut received = Value::Null;
    for _ in 0..200 {
        let (_, listed) = app.api(&token, Method::GET, "/api/v1/webhooks/deliveries", None).await;
        if listed[0]["status"] == "processed" {
            received = listed[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(received["event_type"], "end-of-call-report", "{received}");
    assert!(
        received["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("test delivery"),
        "{received}"
    );
    let sent: Value = serde_json::from_str(test["request_body"].as_str().unwrap()).unwrap();
    let call_id = sent["message"]["call"]["id"].as_str().unwrap();
    assert!(
        app.store()
            .call_by_remote_id(connection, call_id)
            .await
            .unwrap()
            .is_none(),
        "a test delivery is not a call"
    );

    // The Webhooks page lists the receiver, the test and the delivery, with its raw body.
    let browser = app.signed_in(OWNER).await;
    let (status, html) = app.page(&browser, "/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&receiver) && html.contains("end-of-call-report"));
    let (status, raw) = app
        .page(&browser, &format!("/webhooks/events/{}", received["id"]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(raw.contains("voxhive-test-"), "{raw}");

    // The page's form sends a test and comes back to the URL's deliveries with the outcome.
    let res = browser
        .post(app.url("/webhooks/test"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("url", receiver.as_str()),
            ("event", "vapi:status-update"),
            ("secret", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/webhooks?url="), "{}", location(&res));
    let (_, after) = app.page(&browser, &location(&res)).await;
    assert!(
        after.contains("accepted the status-update event"),
        "the flash tells the outcome"
    );
    app.stop().await;
}
