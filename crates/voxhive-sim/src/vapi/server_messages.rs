//! Server messages of a live call (`status-update`, `transcript`, `end-of-call-report`), POSTed to the
//! assistant's server URL (else the phone number's) when the assistant's `serverMessages` names them.

use std::time::Duration;

use serde_json::{json, Value};

use super::call_doc::render;
use super::server_auth;
use crate::app::AppState;
use crate::seed::personas::Speaker;
use crate::state::find;
use crate::time::{iso, now};
use crate::webhook::deliver;

/// The server messages Vapi sends when an assistant names none (from `Assistant.serverMessages`).
const DEFAULT_SERVER_MESSAGES: &[&str] = &[
    "conversation-update",
    "end-of-call-report",
    "function-call",
    "hang",
    "speech-update",
    "status-update",
    "tool-calls",
    "transfer-destination-request",
    "handoff-destination-request",
    "user-interrupted",
    "assistant.started",
];

/// Where a call's server messages go, which ones, and with what headers.
struct Target {
    server: Value,
    wanted: Vec<String>,
    credentials: Vec<Value>,
}

/// The envelope every message of call `id` starts from (call, timestamp, assistant, phone number, customer).
fn envelope(sim: &AppState, org: usize, id: &str) -> Option<(Value, Target)> {
    let world = sim.world();
    let account = &world.vapi[org];
    let call = account.calls.iter().find(|c| c.id == id)?;
    let assistant = match &call.assistant_id {
        Some(aid) => find(&account.assistants, "id", aid).map(|i| account.assistants[i].clone()),
        None => call.request.get("assistant").cloned(),
    }
    .unwrap_or(Value::Null);
    let number = call
        .phone_number_id
        .as_deref()
        .and_then(|pid| find(&account.phone_numbers, "id", pid))
        .map(|i| &account.phone_numbers[i]);
    let server = match (&assistant["server"]["url"], number) {
        (Value::String(_), _) => assistant["server"].clone(),
        (_, Some(number)) => number["server"].clone(),
        _ => Value::Null,
    };
    let wanted = match assistant["serverMessages"].as_array() {
        Some(list) => list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        None => DEFAULT_SERVER_MESSAGES.iter().map(|s| (*s).to_owned()).collect(),
    };
    let doc = render(account, call, &sim.base_url);
    let mut envelope = json!({"call": doc, "timestamp": now().as_millisecond()});
    if !assistant.is_null() {
        envelope["assistant"] = assistant;
    }
    if let Some(number) = number {
        envelope["phoneNumber"] = number.clone();
    }
    if doc.get("customer").is_some() {
        envelope["customer"] = doc["customer"].clone();
    }
    Some((
        envelope,
        Target {
            server,
            wanted,
            credentials: account.credentials.clone(),
        },
    ))
}

/// Sends `status-update` for the call's current status, and the `end-of-call-report` once it ended.
pub async fn status_update(sim: &AppState, org: usize, id: &str) {
    let Some((envelope, target)) = envelope(sim, org, id) else {
        return;
    };
    let call = &envelope["call"];
    let mut update = envelope.clone();
    update["type"] = json!("status-update");
    update["status"] = call["status"].clone();
    let ended = call["status"] == "ended";
    if ended {
        update["endedReason"] = call["endedReason"].clone();
    }
    send(sim, &target, update).await;
    if ended {
        let mut report = envelope.clone();
        report["type"] = json!("end-of-call-report");
        // A call ended before it started (cancelled while queued or ringing) has no artifact yet: an empty one.
        report["artifact"] = call.get("artifact").cloned().unwrap_or_else(|| json!({}));
        for key in ["endedReason", "analysis", "cost", "costs", "startedAt", "endedAt"] {
            if let Some(value) = call.get(key) {
                report[key] = value.clone();
            }
        }
        send(sim, &target, report).await;
    }
}

/// Sends the final `transcript` of a line just spoken.
pub async fn transcript(sim: &AppState, org: usize, id: &str, speaker: Speaker, text: &str) {
    let Some((mut message, target)) = envelope(sim, org, id) else {
        return;
    };
    message["type"] = json!("transcript");
    message["role"] = json!(role(speaker));
    message["transcriptType"] = json!("final");
    message["transcript"] = json!(text);
    send(sim, &target, message).await;
}

/// The `role` of a speaker in transcripts and speech updates.
pub fn role(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Agent => "assistant",
        Speaker::Caller => "user",
    }
}

async fn send(sim: &AppState, target: &Target, message: Value) {
    let kind = message["type"].as_str().unwrap_or_default();
    let wanted = target
        .wanted
        .iter()
        .any(|w| w == kind || (kind == "transcript" && w == "transcript[transcriptType=\"final\"]"));
    let Some(url) = target.server["url"].as_str().filter(|_| wanted) else {
        return;
    };
    let body = serde_json::to_vec(&json!({"message": message})).expect("serialisable");
    let headers = server_auth::headers(&target.server, &target.credentials, &body, now().as_second());
    let timeout = Duration::from_secs_f64(target.server["timeoutSeconds"].as_f64().unwrap_or(20.0));
    deliver(&sim.http, url, body, headers, timeout).await;
    tracing::debug!(kind, at = %iso(now()), "server message sent");
}
