//! `POST /v1/convai/twilio/outbound-call`: starts a live conversation that ends with a signed post-call webhook.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};

use super::auth::Workspace;
use super::conversation_doc::full;
use super::error::{ElError, ElResult};
use super::validate::{check, parse, Spec, Ty};
use super::webhooks::{post_call_url, signature};
use crate::app::AppState;
use crate::ids;
use crate::seed::dialogue::Script;
use crate::seed::elevenlabs::persona_of;
use crate::seed::personas::PERSONAS;
use crate::state::{find, ConvRecord, PhoneLeg};
use crate::webhook::deliver;

/// Outbound-call route.
pub fn router() -> Router<AppState> {
    Router::new().route("/convai/twilio/outbound-call", post(start_call))
}

const BODY: &[Spec] = &[
    ("agent_id", Ty::Str, true, false),
    ("agent_phone_number_id", Ty::Str, true, false),
    ("to_number", Ty::Str, true, false),
    ("conversation_initiation_client_data", Ty::Dict, false, true),
    ("call_recording_enabled", Ty::Bool, false, true),
    ("telephony_call_config", Ty::Dict, false, false),
];

async fn start_call(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, BODY)?;
    let (agent_id, number_id) = (
        body["agent_id"].as_str().unwrap_or_default(),
        body["agent_phone_number_id"].as_str().unwrap_or_default(),
    );
    let mut world = sim.world();
    let account = &world.elevenlabs[ws];
    let agent = find(&account.agents, "agent_id", agent_id)
        .map(|i| &account.agents[i])
        .ok_or_else(|| ElError::not_found("agent_not_found", format!("Agent {agent_id} not found")))?;
    let number = find(&account.phone_numbers, "phone_number_id", number_id)
        .map(|i| &account.phone_numbers[i])
        .ok_or_else(|| ElError::not_found("phone_number_not_found", format!("Phone number {number_id} not found")))?;
    let (persona, agent_name, agent_number) = (
        persona_of(agent),
        agent["name"].as_str().unwrap_or_default().to_owned(),
        number["phone_number"].as_str().unwrap_or_default().to_owned(),
    );
    let rng = &mut world.rng;
    let record = ConvRecord {
        id: ids::prefixed(rng, "conv"),
        agent_id: agent_id.to_owned(),
        agent_name,
        start_unix: jiff::Timestamp::now().as_second(),
        duration_secs: 0,
        status: "initiated",
        call_successful: "unknown",
        termination_reason: "",
        script: Script {
            persona: persona as u8,
            dialogue: u8::from(rng.random_bool(0.3)),
            lines: 0,
            name: 3,
            day: 2,
            time: 1,
        },
        phone: Some(PhoneLeg {
            direction: "outbound",
            phone_number_id: number_id.to_owned(),
            agent_number,
            external_number: body["to_number"].as_str().unwrap_or_default().to_owned(),
            call_sid: ids::twilio_sid(rng, "CA"),
            stream_sid: ids::twilio_sid(rng, "MZ"),
        }),
    };
    let (id, sid) = (record.id.clone(), record.phone.as_ref().map(|p| p.call_sid.clone()));
    world.elevenlabs[ws].conversations.push(record);
    drop(world);
    spawn(sim.clone(), ws, id.clone());
    Ok(Json(
        json!({"success": true, "message": "Success", "conversation_id": id, "callSid": sid}),
    ))
}

/// Moves conversation `id` through in-progress, processing and done, then sends the post-call webhook.
fn spawn(sim: AppState, ws: usize, id: String) {
    tokio::spawn(async move {
        let mut stopping = sim.stopping.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(sim.live_step) => {}
                _ = stopping.changed() => return,
            }
            let Some(step) = advance(&sim, ws, &id) else { return };
            if let Some((url, secret, data)) = step {
                if let Some(url) = url {
                    let now = jiff::Timestamp::now().as_second();
                    let body = serde_json::to_vec(
                        &json!({"type": "post_call_transcription", "event_timestamp": now, "data": data}),
                    )
                    .expect("serialisable");
                    let headers = vec![("ElevenLabs-Signature".to_owned(), signature(&secret, now, &body))];
                    deliver(&sim.http, &url, body, headers, Duration::from_secs(20)).await;
                }
                return;
            }
        }
    });
}

/// One step of a live conversation: `None` when it is gone, `Some(Some(..))` when it just finished,
/// with the webhook URL, secret and the conversation document.
fn advance(sim: &AppState, ws: usize, id: &str) -> Option<Option<(Option<String>, String, Value)>> {
    let mut world = sim.world();
    let conv = world.elevenlabs[ws].conversations.iter_mut().find(|c| c.id == id)?;
    let persona = &PERSONAS[conv.script.persona as usize];
    let full_len = persona.dialogues[conv.script.dialogue as usize].len() as u8;
    match conv.status {
        "initiated" => conv.status = "in-progress",
        "in-progress" if conv.script.lines < full_len => conv.script.lines += 1,
        "in-progress" => conv.status = "processing",
        _ => {
            conv.status = "done";
            conv.duration_secs = conv.script.natural_ms() / 1000;
            conv.call_successful = if conv.script.dialogue == 0 {
                "success"
            } else {
                "failure"
            };
            conv.termination_reason = "end_call tool was called.";
            let data = full(conv);
            let account = &world.elevenlabs[ws];
            return Some(Some((post_call_url(account), account.webhook_secret.clone(), data)));
        }
    }
    Some(None)
}
