//! Webhook events processed: genuine Vapi server messages captured from a live simulator call
//! (its assistant's `server.url` points at a small capture server), ElevenLabs post-call bodies
//! built as the simulator's webhook sender builds them (`data` is the conversation document).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use serde_json::{json, Value};
use voxhive_core::time::now_ms;
use voxhive_providers::ProviderKind;
use voxhive_store::{Connection, NewWebhookEvent, Store};
use voxhive_sync::{process_webhook_events, sync_calls, EventsReport};

use crate::world::{json_of, live_world, micro_usd, sim_cost, world, World};

/// Starts a capture server, points an assistant at it, places a live call and returns the
/// server messages it received, in order, once the end-of-call report arrived.
async fn live_call_messages(w: &World) -> Vec<Value> {
    let captured: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = captured.clone();
    let app = axum::Router::new().route(
        "/",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let key = w.key(ProviderKind::Vapi);
    let assistant = w.sim.vapi_assistants(&key)[0]["id"].as_str().unwrap().to_owned();
    w.sim
        .vapi_edit_assistant(
            &key,
            &assistant,
            json!({"server": {"url": url}, "serverMessages": ["status-update", "end-of-call-report", "transcript"]}),
        )
        .unwrap();
    let http = reqwest::Client::new();
    let base = w.sim.base_url();
    let numbers = json_of(http.get(format!("{base}/phone-number")).bearer_auth(&key)).await;
    let created = http
        .post(format!("{base}/call"))
        .bearer_auth(&key)
        .json(&json!({"assistantId": assistant, "phoneNumberId": numbers[0]["id"], "customer": {"number": "+14155550123"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    for _ in 0..500 {
        let messages = captured.lock().unwrap().clone();
        if messages.iter().any(|m| m["message"]["type"] == "end-of-call-report") {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no end-of-call-report within 10 s");
}

fn kind_of(body: &Value) -> &str {
    body["message"]["type"].as_str().or(body["type"].as_str()).unwrap()
}

/// An accepted delivery of `body` to a connection of workspace 1, received now.
fn event<'a>(connection_id: i64, kind: &'a str, body: &'a str) -> NewWebhookEvent<'a> {
    NewWebhookEvent {
        workspace_id: 1,
        connection_id,
        received_at: now_ms(),
        kind,
        body,
        rejection: None,
    }
}

async fn insert(store: &Store, connection: &Connection, bodies: &[Value]) -> Vec<i64> {
    let texts: Vec<String> = bodies.iter().map(Value::to_string).collect();
    let events: Vec<NewWebhookEvent<'_>> = bodies
        .iter()
        .zip(&texts)
        .map(|(b, text)| event(connection.id, kind_of(b), text))
        .collect();
    store.insert_webhook_events(&events).await.unwrap()
}

/// Stores `bodies` as deliveries to `connection`, then processes every pending event.
async fn deliver(w: &World, connection: &Connection, bodies: &[Value]) -> Vec<i64> {
    let ids = insert(&w.store, connection, bodies).await;
    process_webhook_events(&w.store).await.unwrap();
    ids
}

fn of_kind<'a>(messages: &'a [Value], kind: &str, status: Option<&str>) -> &'a Value {
    messages
        .iter()
        .find(|m| m["message"]["type"] == kind && status.is_none_or(|s| m["message"]["status"] == s))
        .unwrap_or_else(|| panic!("no {kind} {status:?} message"))
}

#[tokio::test]
async fn replayed_server_messages_and_a_poll_store_the_call_once() {
    let w = live_world("vh_calls_ev_replay").await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let messages = live_call_messages(&w).await;
    assert!(messages.iter().any(|m| m["message"]["type"] == "transcript"));
    let report = of_kind(&messages, "end-of-call-report", None);
    let call_id = report["message"]["call"]["id"].as_str().unwrap();

    let mut twice = messages.clone();
    twice.extend(messages.clone());
    let ids = insert(&w.store, &connection, &twice).await;
    let done = process_webhook_events(&w.store).await.unwrap();
    let transcripts = twice.iter().filter(|m| m["message"]["type"] == "transcript").count();
    assert_eq!(done.ignored, transcripts);
    assert_eq!(done.failed, 0);
    assert_eq!(done.stored, twice.len() - transcripts);
    for id in ids {
        let event = w.store.webhook_event(1, id).await.unwrap().unwrap();
        assert_eq!(event.status, "processed", "event {id}: {:?}", event.reason);
        if event.kind == "transcript" {
            assert_eq!(event.reason.as_deref(), Some("ignored: transcript"));
        }
    }

    let stored = w.stored_call(connection.id, call_id).await;
    let sim_doc = w.sim.vapi_call(&w.key(ProviderKind::Vapi), call_id).unwrap();
    assert_eq!(stored.status, "ended");
    assert_eq!(stored.cost_micro_usd, micro_usd(&sim_doc, "/cost"));
    assert!(stored.cost_micro_usd > 0);
    assert_eq!(
        stored.recording_url.as_deref(),
        sim_doc["artifact"]["recordingUrl"].as_str()
    );
    let totals = w.totals(connection.id).await;
    assert_eq!((totals.calls, totals.cost_micro_usd), (1, stored.cost_micro_usd));

    let client = w.client(ProviderKind::Vapi);
    let polled = sync_calls(&w.store, client.as_ref(), &connection, false, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((polled.read, polled.created, polled.updated), (1, 0, 0), "{polled:?}");
    assert_eq!(w.totals(connection.id).await, totals);
    assert!(w.store.recompute_rollups(1).await.unwrap().is_clean());

    let again = deliver(&w, &connection, &messages).await;
    assert_eq!(w.totals(connection.id).await, totals, "a third replay changes nothing");
    assert_eq!(
        w.store.webhook_event(1, again[0]).await.unwrap().unwrap().status,
        "processed"
    );
}

#[tokio::test]
async fn a_status_update_after_the_end_of_call_report_does_not_bring_the_call_back() {
    let w = live_world("vh_calls_ev_order").await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let messages = live_call_messages(&w).await;
    let report = of_kind(&messages, "end-of-call-report", None).clone();
    let in_progress = of_kind(&messages, "status-update", Some("in-progress")).clone();
    let ringing = of_kind(&messages, "status-update", Some("ringing")).clone();
    let call_id = report["message"]["call"]["id"].as_str().unwrap();

    // A live status alone stores a live call.
    deliver(&w, &connection, std::slice::from_ref(&ringing)).await;
    let live = w.stored_call(connection.id, call_id).await;
    assert_eq!((live.status.as_str(), live.cost_micro_usd), ("ringing", 0));

    deliver(&w, &connection, std::slice::from_ref(&report)).await;
    let ended = w.stored_call(connection.id, call_id).await;
    assert_eq!(ended.status, "ended");
    let totals = w.totals(connection.id).await;

    // Later, in a batch of its own; then in one batch with the report before it.
    let late = deliver(&w, &connection, std::slice::from_ref(&in_progress)).await;
    deliver(&w, &connection, &[report.clone(), in_progress.clone(), ringing.clone()]).await;

    let after = w.stored_call(connection.id, call_id).await;
    assert_eq!(after.status, "ended");
    assert_eq!(after.cost_micro_usd, ended.cost_micro_usd);
    assert_eq!(after.updated_at, ended.updated_at, "the stored row was not touched");
    assert_eq!(w.totals(connection.id).await, totals);
    let late = w.store.webhook_event(1, late[0]).await.unwrap().unwrap();
    assert_eq!(late.status, "processed");
    assert_eq!(late.reason.as_deref(), Some("ignored: the call had already ended"));
    assert!(w.store.recompute_rollups(1).await.unwrap().is_clean());
}

#[tokio::test]
async fn a_body_that_cannot_be_read_fails_once_with_its_reason() {
    let w = world("vh_calls_ev_bad", 0).await;
    let vapi = w.connect(ProviderKind::Vapi).await;
    let not_json = "{not json";
    let bad_cost = r#"{"message": {"type": "end-of-call-report", "call": {"id": "c1", "createdAt": "2026-01-05T10:00:00Z", "cost": "a lot"}}}"#;
    let events = [
        event(vapi.id, "end-of-call-report", not_json),
        event(vapi.id, "end-of-call-report", bad_cost),
    ];
    let ids = w.store.insert_webhook_events(&events).await.unwrap();
    let report = process_webhook_events(&w.store).await.unwrap();
    assert_eq!(
        report,
        EventsReport {
            stored: 0,
            ignored: 0,
            failed: 2
        }
    );
    let first = w.store.webhook_event(1, ids[0]).await.unwrap().unwrap();
    assert_eq!(first.status, "failed");
    assert!(first.reason.unwrap().starts_with("the body is not JSON"));
    let second = w.store.webhook_event(1, ids[1]).await.unwrap().unwrap();
    assert_eq!(
        second.reason.as_deref(),
        Some("call c1: `/cost` is not a number but \"a lot\"")
    );
    assert_eq!(
        process_webhook_events(&w.store).await.unwrap(),
        EventsReport::default(),
        "never retried"
    );
    assert_eq!(w.totals(vapi.id).await.calls, 0);
}

#[tokio::test]
async fn elevenlabs_post_call_webhooks_replayed_and_polled_store_each_conversation_once() {
    let w = world("vh_calls_ev_el", 30).await;
    let connection = w.connect(ProviderKind::ElevenLabs).await;
    let docs = w.sim_calls(ProviderKind::ElevenLabs).await;
    let key = w.key(ProviderKind::ElevenLabs);
    let mut bodies = Vec::new();
    for doc in docs.iter().take(3) {
        let id = doc["conversation_id"].as_str().unwrap();
        let data = w.sim.elevenlabs_conversation(&key, id).unwrap();
        bodies.push(json!({"type": "post_call_transcription", "event_timestamp": 1767607200, "data": data}));
    }
    bodies.push(json!({"type": "post_call_audio", "event_timestamp": 1767607200, "data": {"conversation_id": "x"}}));
    let mut twice = bodies.clone();
    twice.extend(bodies.clone());
    insert(&w.store, &connection, &twice).await;
    let report = process_webhook_events(&w.store).await.unwrap();
    assert_eq!(
        report,
        EventsReport {
            stored: 6,
            ignored: 2,
            failed: 0
        }
    );
    let expected: i64 = docs.iter().take(3).map(|d| sim_cost(ProviderKind::ElevenLabs, d)).sum();
    let totals = w.totals(connection.id).await;
    assert_eq!((totals.calls, totals.cost_micro_usd), (3, expected));

    let client = w.client(ProviderKind::ElevenLabs);
    let polled = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(polled.read, docs.len());
    assert_eq!(
        polled.created,
        docs.len() - 3,
        "the webhook's conversations were not stored again"
    );
    assert_eq!(polled.updated, 0);
    let all: i64 = docs.iter().map(|d| sim_cost(ProviderKind::ElevenLabs, d)).sum();
    assert_eq!(w.totals(connection.id).await.cost_micro_usd, all);
    assert!(w.store.recompute_rollups(1).await.unwrap().is_clean());
}
