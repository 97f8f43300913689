//! Pointing Vapi assistants and numbers at a server URL from the Webhooks page, against the
//! simulator over HTTP: an assistant pointed at VoxHive's receiver is a local edit that, once
//! pushed, carries the connection's secret at Vapi while VoxHive's copies hold only a
//! placeholder, and the calls it takes reach the receiver verified; a number pointed at another
//! URL with a secret is changed at Vapi at once; a URL that is not http(s) changes nothing.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::support::{csrf_from, spawn_app, spawn_live_sim, TestApp};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const OWNER: &str = "owner@example.com";

async fn point(app: &TestApp, browser: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = app.page(browser, "/webhooks").await;
    let csrf = csrf_from(&html);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    browser
        .post(app.url("/webhooks/point"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_assistant_pointed_at_voxhive_keeps_the_secret_at_vapi_only_and_its_calls_arrive_verified() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(Duration::from_millis(200)).await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    let connection = app
        .connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let (_, assistants) = app.api(&token, Method::GET, "/api/v1/assistants", None).await;
    let assistant = assistants.as_array().unwrap()[0].clone();
    let id = assistant["id"].as_i64().unwrap();
    let remote_id = assistant["remote_id"].as_str().unwrap().to_owned();
    let browser = app.signed_in(OWNER).await;

    let target = format!("assistant:{id}");
    let res = point(&app, &browser, &[("target", &target), ("destination", "voxhive")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/assistants/{id}"),
        "the edit is reviewed on the assistant's page"
    );
    let (status, pushed) = app
        .api(&token, Method::POST, &format!("/api/v1/assistants/{id}/push"), None)
        .await;
    assert!(status.is_success(), "{pushed}");

    let (_, webhook) = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/connections/{connection}/webhook"),
            None,
        )
        .await;
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    let at_vapi = sim.vapi_assistant(KEY, &remote_id).unwrap();
    assert_eq!(at_vapi["server"]["url"], webhook["url"], "{at_vapi}");
    assert_eq!(at_vapi["server"]["headers"]["X-Vapi-Secret"], secret.as_str());

    // VoxHive's copies hold the placeholder, never the secret, and the assistant is in sync.
    for path in [
        format!("/api/v1/assistants/{id}"),
        format!("/api/v1/assistants/{id}/revisions"),
    ] {
        let (_, body) = app.api(&token, Method::GET, &path, None).await;
        let text = body.to_string();
        assert!(!text.contains(&secret), "{path} holds the secret");
    }
    let (_, shown) = app
        .api(&token, Method::GET, &format!("/api/v1/assistants/{id}"), None)
        .await;
    assert!(
        shown.to_string().contains(voxhive_providers::SECRET_PLACEHOLDER),
        "{shown}"
    );
    assert_eq!(shown["sync_status"], "synced", "{shown}");

    // A call it takes sends its events to the receiver, signed: they are verified.
    let (_, numbers) = app.api(&token, Method::GET, "/api/v1/phone-numbers", None).await;
    let number = numbers.as_array().unwrap()[0]["id"].clone();
    let (status, call) = app
        .api(
            &token,
            Method::POST,
            "/api/v1/test-calls",
            Some(
                json!({"assistant_id": id, "transport": "phone", "phone_number_id": number,
                        "customer_number": "+14155550123"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let mut received = Vec::new();
    for _ in 0..100 {
        let (_, list) = app
            .api(&token, Method::GET, "/api/v1/webhooks/deliveries?source=received", None)
            .await;
        received = list.as_array().cloned().unwrap_or_default();
        if received.iter().any(|d| d["event_type"] == "end-of-call-report") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        received.iter().any(|d| d["event_type"] == "end-of-call-report"),
        "the call's report reached the receiver: {received:?}"
    );
    assert!(
        received.iter().all(|d| d["status"] != "rejected"),
        "every delivery was verified: {received:?}"
    );
    // The event log keeps the bodies without the secret Vapi echoes in them.
    let browser_page = app
        .page(&browser, &format!("/webhooks/events/{}", received[0]["id"]))
        .await
        .1;
    assert!(
        browser_page.contains("X-Vapi-Secret"),
        "the body shows the assistant's server"
    );
    assert!(!browser_page.contains(&secret), "the raw body holds the secret");
    app.stop().await;
}

#[tokio::test]
async fn a_number_is_pointed_at_any_url_with_a_secret_and_a_bad_url_changes_nothing() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(Duration::from_millis(200)).await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let (_, numbers) = app.api(&token, Method::GET, "/api/v1/phone-numbers", None).await;
    let number = numbers.as_array().unwrap()[0].clone();
    let target = format!("number:{}", number["id"]);
    let browser = app.signed_in(OWNER).await;

    let res = point(
        &app,
        &browser,
        &[
            ("target", &target),
            ("destination", "url"),
            ("url", "ftp://hooks.example.com"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("starts with https://"),
        "the refusal says what a server URL looks like"
    );
    assert!(
        html.contains("value=\"ftp://hooks.example.com\""),
        "what was typed is kept"
    );
    let numbers_at_vapi: Vec<Value> = crate::support::client()
        .get(format!("{}/phone-number", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let before = numbers_at_vapi
        .iter()
        .find(|n| n["id"] == number["remote_id"])
        .unwrap()
        .clone();

    let res = point(
        &app,
        &browser,
        &[
            ("target", &target),
            ("destination", "url"),
            ("url", "https://hooks.example.com/vapi"),
            ("secret", "their-own-secret"),
        ],
    )
    .await;
    assert_eq!(location(&res), "/webhooks");
    let numbers_at_vapi: Vec<Value> = crate::support::client()
        .get(format!("{}/phone-number", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after = numbers_at_vapi.iter().find(|n| n["id"] == number["remote_id"]).unwrap();
    assert_ne!(before["server"], after["server"]);
    assert_eq!(after["server"]["url"], "https://hooks.example.com/vapi");
    assert_eq!(after["server"]["headers"]["X-Vapi-Secret"], "their-own-secret");
    let (_, stored) = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/phone-numbers/{}", number["id"]),
            None,
        )
        .await;
    assert_eq!(stored["server_url"], "https://hooks.example.com/vapi", "{stored}");
    app.stop().await;
}

#[tokio::test]
async fn an_elevenlabs_workspaces_post_call_webhook_is_listed_as_its_default() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(Duration::from_millis(200)).await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    let connection = app
        .connect_and_import(
            &token,
            "elevenlabs",
            "Voice",
            voxhive_sim::DEFAULT_EL_KEY,
            &sim.base_url(),
        )
        .await;
    let (status, webhook) = app
        .api(
            &token,
            Method::POST,
            &format!("/api/v1/connections/{connection}/webhook/rotate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{webhook}");
    let browser = app.signed_in(OWNER).await;
    let (_, html) = app.page(&browser, "/webhooks").await;
    let row = html
        .split("<tr>")
        .find(|row| row.contains("Workspace default"))
        .expect("the workspace's post-call webhook is listed");
    assert!(row.contains(webhook["url"].as_str().unwrap()), "{row}");
    assert!(row.contains(">VoxHive<"), "marked as VoxHive's receiver: {row}");
    app.stop().await;
}
