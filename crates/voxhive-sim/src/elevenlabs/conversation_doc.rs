//! Renders a stored conversation to ElevenLabs' list summary and full `GetConversationResponseModel`.

use serde_json::{json, Value};

use crate::seed::dialogue::Turn;
use crate::seed::personas::{Speaker, PERSONAS};
use crate::state::ConvRecord;

/// The conversation's turns, spread over its duration.
pub fn turns(conv: &ConvRecord) -> Vec<Turn> {
    conv.script.turns(conv.duration_secs * 1000)
}

/// Credits charged for the call and for the model: `(call_charge, llm_charge)`.
fn charges(conv: &ConvRecord, turns: &[Turn]) -> (i64, i64) {
    let agent_chars: i64 = turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent)
        .map(|t| t.text.len() as i64)
        .sum();
    (conv.duration_secs * 10, agent_chars / 8)
}

fn summary_text(conv: &ConvRecord, turns: &[Turn]) -> String {
    let persona = &PERSONAS[conv.script.persona as usize];
    if turns.len() == persona.dialogues[conv.script.dialogue as usize].len() {
        persona.summaries[conv.script.dialogue as usize].to_owned()
    } else {
        format!(
            "The conversation ended after {} messages, before the caller's request was resolved.",
            turns.len()
        )
    }
}

fn title(conv: &ConvRecord) -> String {
    let purpose = PERSONAS[conv.script.persona as usize].purpose.replace('-', " ");
    let mut chars = purpose.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// The list entry (`ConversationSummaryResponseModel`); the summary only when asked for.
pub fn summary(conv: &ConvRecord, with_summary: bool) -> Value {
    let turns = turns(conv);
    json!({
        "agent_id": conv.agent_id,
        "agent_name": conv.agent_name,
        "conversation_id": conv.id,
        "start_time_unix_secs": conv.start_unix,
        "call_duration_secs": conv.duration_secs,
        "message_count": turns.len(),
        "status": conv.status,
        "termination_reason": conv.termination_reason,
        "call_successful": conv.call_successful,
        "transcript_summary": if with_summary && !turns.is_empty() { json!(summary_text(conv, &turns)) } else { Value::Null },
        "call_summary_title": if turns.is_empty() { Value::Null } else { json!(title(conv)) },
        "main_language": "en",
        "conversation_initiation_source": if conv.phone.is_some() { "twilio" } else { "react_sdk" },
        "direction": conv.phone.as_ref().map(|p| p.direction),
        "rating": null,
        "tag_ids": [],
    })
}

/// The full document (`GET /v1/convai/conversations/{id}`, and the `data` of a post-call webhook).
pub fn full(conv: &ConvRecord) -> Value {
    let turns = turns(conv);
    let (call_charge, llm_charge) = charges(conv, &turns);
    let credits = call_charge + llm_charge;
    let transcript: Vec<Value> = turns
        .iter()
        .map(|t| {
            json!({
                "role": if t.speaker == Speaker::Agent { "agent" } else { "user" },
                "message": t.text,
                "time_in_call_secs": t.start_ms / 1000,
                "tool_calls": [],
                "tool_results": [],
                "interrupted": false,
                "source_medium": "audio",
            })
        })
        .collect();
    let phone_call = conv.phone.as_ref().map(|p| {
        json!({
            "direction": p.direction, "phone_number_id": p.phone_number_id, "agent_number": p.agent_number,
            "external_number": p.external_number, "type": "twilio", "stream_sid": p.stream_sid, "call_sid": p.call_sid,
        })
    });
    let mut metadata = json!({
        "start_time_unix_secs": conv.start_unix,
        "accepted_time_unix_secs": conv.start_unix,
        "call_duration_secs": conv.duration_secs,
        "cost": credits,
        "cost_fiat": (credits as f64 * 1.2).round() / 10_000.0,
        "authorization_method": if conv.phone.is_some() { "authorization_header" } else { "signed_url" },
        "charging": {
            "dev_discount": false, "is_burst": false, "tier": "creator",
            "llm_price": llm_charge as f64 / 10_000.0, "llm_charge": llm_charge, "call_charge": call_charge,
            "free_minutes_consumed": 0.0, "free_llm_dollars_consumed": 0.0,
        },
        "phone_call": phone_call,
        "termination_reason": conv.termination_reason,
        "warnings": [],
        "main_language": "en",
        "text_only": false,
        "conversation_initiation_source": if conv.phone.is_some() { "twilio" } else { "react_sdk" },
        "queue_wait_secs": 0.0,
    });
    if conv.status == "failed" {
        metadata["error"] = json!({"code": 486, "reason": "Call not answered"});
    }
    let analysis = (!turns.is_empty() && conv.status == "done").then(|| {
        let name = crate::seed::personas::FIRST_NAMES[conv.script.name as usize];
        json!({
            "call_successful": conv.call_successful,
            "transcript_summary": summary_text(conv, &turns),
            "call_summary_title": title(conv),
            "evaluation_criteria_results": {"goal_reached": {
                "criteria_id": "goal_reached", "result": conv.call_successful,
                "rationale": if conv.call_successful == "success" { "The caller's request was completed." } else { "The caller's request was not completed." },
            }},
            "data_collection_results": {"caller_name": {
                "data_collection_id": "caller_name", "value": name, "rationale": format!("The caller introduced themselves as {name}."),
            }},
        })
    });
    let audio = conv.duration_secs > 0;
    json!({
        "agent_id": conv.agent_id,
        "agent_name": conv.agent_name,
        "status": conv.status,
        "user_id": null,
        "branch_id": null,
        "version_id": null,
        "metadata": metadata,
        "analysis": analysis,
        "environment": "production",
        "conversation_id": conv.id,
        "has_audio": audio,
        "has_user_audio": audio,
        "has_response_audio": audio,
        "has_auxiliary_audio": false,
        "transcript": transcript,
        "tag_ids": [],
    })
}
