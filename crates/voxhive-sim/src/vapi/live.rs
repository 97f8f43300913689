//! A live outbound call: queued, ringing, in progress turn by turn, ended; each step sent as a server message.

use std::time::Duration;

use serde_json::{json, Value};

use super::call_doc::{self, render};
use super::server_auth;
use crate::app::AppState;
use crate::seed::personas::{Speaker, PERSONAS};
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

/// Starts moving call `id` of organisation `org` through its life.
pub fn spawn(sim: AppState, org: usize, id: String) {
    tokio::spawn(async move {
        let mut stopping = sim.stopping.clone();
        let step = sim.live_step;
        let wait = |stopping: &mut tokio::sync::watch::Receiver<bool>| {
            let mut stopping = stopping.clone();
            async move {
                tokio::select! {
                    _ = tokio::time::sleep(step) => true,
                    _ = stopping.changed() => false,
                }
            }
        };
        for status in ["ringing", "in-progress"] {
            if !wait(&mut stopping).await || !advance(&sim, org, &id, status).await {
                return;
            }
        }
        loop {
            if !wait(&mut stopping).await {
                return;
            }
            match speak(&sim, org, &id) {
                Some(Some((message, target))) => send(&sim, &target, message).await,
                Some(None) => break,
                None => return,
            }
        }
        advance(&sim, org, &id, "ended").await;
    });
}

fn target(sim: &AppState, org: usize, id: &str) -> Option<(Value, Target)> {
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
    envelope["customer"] = doc["customer"].clone();
    Some((
        envelope,
        Target {
            server,
            wanted,
            credentials: account.credentials.clone(),
        },
    ))
}

/// Moves the call to `status` and sends what that step sends; false when the call is gone.
async fn advance(sim: &AppState, org: usize, id: &str, status: &'static str) -> bool {
    {
        let mut world = sim.world();
        let Some(call) = world.vapi[org].calls.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        let at = now();
        call.status = status;
        call.updated_at = at;
        match status {
            "in-progress" => call.started_at = Some(at),
            "ended" => {
                call.ended_at = Some(at);
                let last_is_agent = call.script.turns(1).last().is_some_and(|t| t.speaker == Speaker::Agent);
                call.ended_reason = Some(if last_is_agent {
                    "assistant-said-end-call-phrase"
                } else {
                    "customer-ended-call"
                });
            }
            _ => {}
        }
    }
    let Some((envelope, target)) = target(sim, org, id) else {
        return false;
    };
    let call = &envelope["call"];
    let mut update = envelope.clone();
    update["type"] = json!("status-update");
    update["status"] = json!(status);
    if status == "ended" {
        update["endedReason"] = call["endedReason"].clone();
    }
    send(sim, &target, update).await;
    if status == "ended" {
        let mut report = envelope.clone();
        report["type"] = json!("end-of-call-report");
        for key in [
            "endedReason",
            "artifact",
            "analysis",
            "cost",
            "costs",
            "startedAt",
            "endedAt",
        ] {
            report[key] = call[key].clone();
        }
        send(sim, &target, report).await;
    }
    true
}

/// Speaks the next line; `Some(None)` when the dialogue is over, `None` when the call is gone.
fn speak(sim: &AppState, org: usize, id: &str) -> Option<Option<(Value, Target)>> {
    let (speaker, text) = {
        let mut world = sim.world();
        let call = world.vapi[org].calls.iter_mut().find(|c| c.id == id)?;
        let persona = &PERSONAS[call.script.persona as usize];
        if call.script.lines as usize >= persona.dialogues[call.script.dialogue as usize].len() {
            return Some(None);
        }
        call.script.lines += 1;
        call.updated_at = now();
        call_doc::turns(call).pop().map(|t| (t.speaker, t.text))?
    };
    let (mut message, target) = target(sim, org, id)?;
    message["type"] = json!("transcript");
    message["role"] = json!(if speaker == Speaker::Agent { "assistant" } else { "user" });
    message["transcriptType"] = json!("final");
    message["transcript"] = json!(text);
    Some(Some((message, target)))
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
