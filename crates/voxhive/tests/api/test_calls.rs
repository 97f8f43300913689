//! Test calls through the JSON API, against the simulator over HTTP: a phone test call from one
//! of the connection's numbers, muted (the transcript holds), given a line to say, unmuted and
//! ended through the call's control URL, then found in the call history; a local revision sent
//! as a transient assistant; a browser call answered with its WebSocket URL; bad input refused
//! with the field named and nothing sent; a control after the end refused in plain words.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{client, spawn_app, spawn_live_sim, TestApp};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const STEP: Duration = Duration::from_millis(250);

async fn sim_calls(sim: &voxhive_sim::SimHandle) -> Vec<Value> {
    client()
        .get(format!("{}/call?limit=1000", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Reads the test call until `done` says so; panics after 20 seconds.
async fn live_until(app: &TestApp, token: &str, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (status, call) = app
            .api(token, Method::GET, &format!("/api/v1/test-calls/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{call}");
        if done(&call) {
            return call;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the test call never reached: {what}");
}

fn turns(call: &Value) -> usize {
    call["turns"].as_array().map_or(0, Vec::len)
}

async fn control(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(token, Method::POST, &format!("/api/v1/calls/{id}/control"), Some(body))
        .await
}

#[tokio::test]
async fn a_phone_test_call_is_muted_told_what_to_say_ended_and_found_in_the_call_history() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(STEP).await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let (_, assistants) = app.api(&token, Method::GET, "/api/v1/assistants", None).await;
    let assistant = assistants.as_array().unwrap()[0].clone();
    let (_, numbers) = app.api(&token, Method::GET, "/api/v1/phone-numbers", None).await;
    let number = numbers.as_array().unwrap()[0]["id"].clone();
    let calls_before = sim_calls(&sim).await.len();

    // Bad input: the field named, nothing sent to the provider.
    for (body, field) in [
        (
            json!({"transport": "phone", "phone_number_id": number, "customer_number": "+14155550123"}),
            "assistant_id",
        ),
        (
            json!({"assistant_id": assistant["id"], "transport": "phone", "customer_number": "+14155550123"}),
            "phone_number_id",
        ),
        (
            json!({"assistant_id": assistant["id"], "transport": "phone", "phone_number_id": number}),
            "customer_number",
        ),
        (
            json!({"assistant_id": assistant["id"], "transport": "phone", "phone_number_id": number, "customer_number": "555-0123"}),
            "customer_number",
        ),
        (
            json!({"assistant_id": assistant["id"], "transport": "fax"}),
            "transport",
        ),
    ] {
        let (status, error) = app.api(&token, Method::POST, "/api/v1/test-calls", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    assert_eq!(sim_calls(&sim).await.len(), calls_before, "nothing reached Vapi");

    let doc = app.openapi().await;
    let (status, started) = app
        .api(
            &token,
            Method::POST,
            "/api/v1/test-calls",
            Some(json!({"assistant_id": assistant["id"], "transport": "phone",
                        "phone_number_id": number, "customer_number": "+14155550123"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert_matches_schema(&doc, &response_schema(&doc, "/test-calls", "post", "201"), &started);
    assert_eq!(started["transient"], false);
    let id = started["call_id"].as_str().unwrap().to_owned();
    let on_sim = sim_calls(&sim)
        .await
        .into_iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        on_sim["assistantId"], assistant["remote_id"],
        "the pushed assistant was called"
    );
    assert_eq!(on_sim["customer"]["number"], "+14155550123");

    let live = live_until(&app, &token, &id, "in progress with a first line", |c| {
        c["status"] == "in-progress" && turns(c) > 0
    })
    .await;
    assert_matches_schema(&doc, &response_schema(&doc, "/test-calls/{id}", "get", "200"), &live);

    // Muted, the assistant's lines are held: the transcript stops growing.
    assert_eq!(
        control(&app, &token, &id, json!({"action": "mute"})).await.0,
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(STEP * 4).await;
    let held = live_until(&app, &token, &id, "read", |_| true).await;
    tokio::time::sleep(STEP * 4).await;
    let still = live_until(&app, &token, &id, "read", |_| true).await;
    assert_eq!(turns(&held), turns(&still), "nothing said while muted: {still}");
    assert_eq!(still["status"], "in-progress");

    // A line to say, then unmuted: it is said, and the dialogue goes on.
    let (status, error) = control(&app, &token, &id, json!({"action": "say"})).await;
    assert_eq!(
        (status, error["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("text")),
        "{error}"
    );
    let line = "One moment while I check the diary.";
    assert_eq!(
        control(&app, &token, &id, json!({"action": "say", "text": line}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        control(&app, &token, &id, json!({"action": "unmute"})).await.0,
        StatusCode::NO_CONTENT
    );
    live_until(&app, &token, &id, "the line said", |c| {
        c["turns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["role"] == "assistant" && t["text"] == line)
    })
    .await;

    // Ended: stored, and found in the call history with its transcript.
    assert_eq!(
        control(&app, &token, &id, json!({"action": "end"})).await.0,
        StatusCode::NO_CONTENT
    );
    let ended = live_until(&app, &token, &id, "ended and stored", |c| c["finished"] == true).await;
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["ended_reason"], "manually-canceled");
    let stored = ended["call_history_id"].as_i64().expect("stored in the call history");
    let (status, call) = app
        .api(&token, Method::GET, &format!("/api/v1/calls/{stored}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{call}");
    assert!(
        call.to_string().contains(line),
        "the stored transcript has the line: {call}"
    );

    let (status, error) = control(&app, &token, &id, json!({"action": "end"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("already ended"),
        "{error}"
    );
    let (status, _) = control(&app, &token, "no-such-call", json!({"action": "end"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn local_edits_go_as_a_transient_assistant_and_a_browser_call_gets_its_socket() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(STEP).await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let (_, assistants) = app.api(&token, Method::GET, "/api/v1/assistants", None).await;
    let assistant = assistants.as_array().unwrap()[0].clone();
    let path = format!("/api/v1/assistants/{}", assistant["id"]);
    let (status, _) = app
        .api(
            &token,
            Method::PATCH,
            &path,
            Some(json!({"firstMessage": "Trying my new greeting."})),
        )
        .await;
    assert!(status.is_success(), "{status}");

    let (status, started) = app
        .api(
            &token,
            Method::POST,
            "/api/v1/test-calls",
            Some(json!({"assistant_id": assistant["id"], "transport": "websocket", "use_local": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert_eq!(started["transient"], true);
    let socket = started["websocket_url"].as_str().unwrap();
    assert!(socket.starts_with("ws://"), "{socket}");
    let id = started["call_id"].as_str().unwrap();
    let on_sim = sim_calls(&sim).await.into_iter().find(|c| c["id"] == id).unwrap();
    assert_eq!(on_sim["type"], "vapi.websocketCall");
    assert_eq!(
        on_sim["assistant"]["firstMessage"], "Trying my new greeting.",
        "{on_sim}"
    );
    assert!(
        on_sim.get("assistantId").is_none_or(Value::is_null),
        "the local revision went whole"
    );
    // Nobody connected: it waits, and ending it works all the same.
    let queued = live_until(&app, &token, id, "read", |_| true).await;
    assert_eq!(queued["status"], "queued");
    assert_eq!(
        control(&app, &token, id, json!({"action": "end"})).await.0,
        StatusCode::NO_CONTENT
    );
    live_until(&app, &token, id, "ended", |c| c["finished"] == true).await;
    app.stop().await;
}

#[tokio::test]
async fn viewers_cannot_place_control_or_upload_and_pages_refuse_them_too() {
    let app = spawn_app().await;
    let sim = spawn_live_sim(STEP).await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    let owner = app.token_for("owner@example.com", "Acme").await;
    let connection = app
        .connect_and_import(&owner, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let (_, assistants) = app.api(&owner, Method::GET, "/api/v1/assistants", None).await;
    let assistant = assistants.as_array().unwrap()[0]["id"].clone();
    let (status, started) = app
        .api(
            &owner,
            Method::POST,
            "/api/v1/test-calls",
            Some(json!({"assistant_id": assistant, "transport": "websocket"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let id = started["call_id"].as_str().unwrap().to_owned();
    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let calls_before = sim_calls(&sim).await.len();

    let (status, _) = app
        .api(
            &viewer,
            Method::POST,
            "/api/v1/test-calls",
            Some(json!({"assistant_id": assistant, "transport": "websocket"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = control(&app, &viewer, &id, json!({"action": "end"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let upload = client()
        .post(app.url("/api/v1/files"))
        .bearer_auth(&viewer)
        .multipart(
            reqwest::multipart::Form::new()
                .text("connection_id", connection.to_string())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"Open 8 to 6.".to_vec()).file_name("hours.txt"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    assert_eq!(sim_calls(&sim).await.len(), calls_before, "nothing reached Vapi");

    // The live page shows a viewer the call, but not its audio socket nor its controls.
    let browser = app.signed_in("viewer@example.com").await;
    let (status, html) = app.page(&browser, &format!("/test-calls/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("data-websocket-url"), "no audio for a viewer");
    assert!(!html.contains("End the call"), "no controls for a viewer");
    let (status, _) = app.page(&browser, "/test-calls/new").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}
