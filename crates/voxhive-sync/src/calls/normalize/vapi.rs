//! Vapi: a `Call` document, and the server messages `end-of-call-report` and `status-update`.
//!
//! Cost components come from `costs[]` (else `costBreakdown`): transport, transcriber (STT),
//! model (LLM), voice (TTS), and `vapi` as the platform fee. Analysis items (summary, success
//! evaluation, structured data) are model calls Vapi makes after the call, so they count as LLM;
//! any other item type counts as platform.

use serde_json::Value;
use voxhive_store::NewCall;

use super::{count_at, instant_at, micros_at, settle, text_at, transcript_text, turn, EventCall};

/// Fields of an `end-of-call-report` message that complete or replace its `call`.
const REPORT_FIELDS: [&str; 11] = [
    "endedReason",
    "artifact",
    "analysis",
    "cost",
    "costs",
    "costBreakdown",
    "startedAt",
    "endedAt",
    "recordingUrl",
    "summary",
    "messages",
];

/// Reads a server message body `{"message": {...}}`.
pub(super) fn server_message(connection_id: i64, body: &Value) -> Result<EventCall, String> {
    let message = body.get("message").filter(|m| m.is_object()).unwrap_or(body);
    let kind = message
        .get("type")
        .and_then(Value::as_str)
        .ok_or("the server message has no `type`")?;
    let call_of = || {
        message
            .get("call")
            .filter(|c| c.is_object())
            .cloned()
            .ok_or_else(|| format!("the {kind} message has no `call`"))
    };
    match kind {
        "end-of-call-report" => {
            let mut doc = call_of()?;
            for key in REPORT_FIELDS {
                if let Some(value) = message.get(key).filter(|v| !v.is_null()) {
                    doc[key] = value.clone();
                }
            }
            doc["status"] = "ended".into();
            let call = call(connection_id, &doc)?;
            Ok(EventCall::Call {
                call: Box::new(call),
                live: false,
            })
        }
        "status-update" => {
            let mut doc = call_of()?;
            if let Some(status) = message.get("status").filter(|s| s.is_string()) {
                doc["status"] = status.clone();
            }
            if let Some(reason) = message.get("endedReason").filter(|r| r.is_string()) {
                doc["endedReason"] = reason.clone();
            }
            let call = call(connection_id, &doc)?;
            let live = !super::is_final(&call.status);
            Ok(EventCall::Call {
                call: Box::new(call),
                live,
            })
        }
        other => Ok(EventCall::Ignored(format!("ignored: {other}"))),
    }
}

/// Reads a whole `Call` document.
pub(super) fn call(connection_id: i64, doc: &Value) -> Result<NewCall, String> {
    let remote_id = text_at(doc, "/id").ok_or("the call has no `id`")?;
    let created_at = instant_at(doc, "/createdAt");
    let started = instant_at(doc, "/startedAt");
    let ended_at = instant_at(doc, "/endedAt");
    let started_at = started
        .or(created_at)
        .ok_or_else(|| format!("call {remote_id} has neither `startedAt` nor `createdAt`"))?;
    let ended_reason = text_at(doc, "/endedReason");
    let costs = Costs::read(doc).map_err(|e| format!("call {remote_id}: {e}"))?;
    let turns = turns(doc);
    Ok(NewCall {
        connection_id,
        remote_assistant_id: text_at(doc, "/assistantId"),
        assistant_revision_id: None,
        status: status(text_at(doc, "/status").as_deref(), ended_reason.as_deref()),
        direction: direction(doc),
        customer_number: text_at(doc, "/customer/number"),
        remote_phone_number_id: text_at(doc, "/phoneNumberId"),
        started_at,
        ended_at,
        created_at,
        remote_updated_at: instant_at(doc, "/updatedAt"),
        duration_ms: match (started, ended_at) {
            (Some(s), Some(e)) if e > s => e - s,
            _ => 0,
        },
        success: success(doc.pointer("/analysis/successEvaluation")),
        cost_micro_usd: costs.total,
        cost_credits: 0,
        cost_transport_micro_usd: costs.parts[0],
        cost_stt_micro_usd: costs.parts[1],
        cost_llm_micro_usd: costs.parts[2],
        cost_tts_micro_usd: costs.parts[3],
        cost_platform_micro_usd: costs.parts[4],
        llm_prompt_tokens: costs.prompt_tokens,
        llm_completion_tokens: costs.completion_tokens,
        tts_characters: costs.tts_characters,
        summary: text_at(doc, "/analysis/summary").or_else(|| text_at(doc, "/summary")),
        transcript_text: transcript_text(&turns),
        transcript: (!turns.is_empty()).then_some(Value::Array(turns)),
        analysis: doc.get("analysis").filter(|a| !a.is_null()).cloned(),
        recording_url: text_at(doc, "/artifact/recordingUrl").or_else(|| text_at(doc, "/recordingUrl")),
        ended_reason,
        remote_id,
        document: doc.clone(),
    })
}

/// Vapi's status (`scheduled`, `queued`, `ringing`, `in-progress`, `forwarding`, `ended`)
/// normalised; an ended call whose reason is an error counts as failed.
fn status(status: Option<&str>, ended_reason: Option<&str>) -> String {
    let failed = ended_reason.is_some_and(|r| r.contains("error") || r.contains("failed") || r.contains("fault"));
    match status {
        Some("scheduled" | "queued") => "queued",
        Some("ringing") => "ringing",
        Some("in-progress" | "forwarding") => "in-progress",
        Some("ended") if failed => "failed",
        Some("ended") => "ended",
        Some(other) => return other.to_owned(),
        None if ended_reason.is_some() => "ended",
        None => "queued",
    }
    .to_owned()
}

fn direction(doc: &Value) -> Option<String> {
    let direction = match doc.get("type")?.as_str()? {
        "inboundPhoneCall" => "inbound",
        "outboundPhoneCall" => "outbound",
        _ => "web",
    };
    Some(direction.to_owned())
}

/// `analysis.successEvaluation`, a string or a boolean; rubrics that are not pass/fail (scores,
/// grades) count as not evaluated.
fn success(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "pass" | "passed" | "success" | "yes" => Some(true),
            "false" | "fail" | "failed" | "failure" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The transcript turns, from `artifact.messages` (else `messages`).
fn turns(doc: &Value) -> Vec<Value> {
    let messages = doc
        .pointer("/artifact/messages")
        .or_else(|| doc.get("messages"))
        .and_then(Value::as_array);
    let Some(messages) = messages else {
        return Vec::new();
    };
    messages
        .iter()
        .filter_map(|m| {
            let role = match m.get("role")?.as_str()? {
                "bot" | "assistant" => "assistant",
                "user" => "user",
                "system" => "system",
                _ => "tool",
            };
            let text = m.get("message").or_else(|| m.get("result")).and_then(Value::as_str);
            let text = match text {
                Some(text) => text.to_owned(),
                None => tool_names(m)?,
            };
            Some(turn(role, text, m.get("secondsFromStart")))
        })
        .collect()
}

/// The tools a `tool_calls` message called, by name.
fn tool_names(message: &Value) -> Option<String> {
    let names: Vec<&str> = message
        .get("toolCalls")?
        .as_array()?
        .iter()
        .filter_map(|c| c.pointer("/function/name").and_then(Value::as_str))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// A call's money and usage, in micro-USD and counts.
struct Costs {
    total: i64,
    /// transport, stt, llm, tts, platform.
    parts: [i64; 5],
    prompt_tokens: i64,
    completion_tokens: i64,
    tts_characters: i64,
}

impl Costs {
    fn read(doc: &Value) -> Result<Self, String> {
        let mut costs = match doc.get("costs").and_then(Value::as_array).filter(|c| !c.is_empty()) {
            Some(items) => Self::from_items(items)?,
            None => Self::from_breakdown(doc)?,
        };
        if let Some(b) = doc.get("costBreakdown").filter(|b| b.is_object()) {
            // The breakdown's counters cover the whole call; take them when it has them.
            let pick = |key: &str, current: i64| match count_at(b, &format!("/{key}")) {
                0 => current,
                n => n,
            };
            costs.prompt_tokens = pick("llmPromptTokens", costs.prompt_tokens);
            costs.completion_tokens = pick("llmCompletionTokens", costs.completion_tokens);
            costs.tts_characters = pick("ttsCharacters", costs.tts_characters);
        }
        costs.total = match doc.get("cost") {
            None | Some(Value::Null) => costs.parts.iter().sum(),
            Some(_) => micros_at(doc, "/cost")?,
        };
        settle(costs.total, &mut costs.parts);
        Ok(costs)
    }

    fn from_items(items: &[Value]) -> Result<Self, String> {
        let mut costs = Costs {
            total: 0,
            parts: [0; 5],
            prompt_tokens: 0,
            completion_tokens: 0,
            tts_characters: 0,
        };
        for item in items {
            let slot = match item.get("type").and_then(Value::as_str).unwrap_or_default() {
                "transport" => 0,
                "transcriber" => 1,
                "model" => {
                    costs.prompt_tokens += count_at(item, "/promptTokens");
                    costs.completion_tokens += count_at(item, "/completionTokens");
                    2
                }
                "analysis" => 2,
                "voice" => {
                    costs.tts_characters += count_at(item, "/characters");
                    3
                }
                _ => 4,
            };
            costs.parts[slot] += micros_at(item, "/cost")?;
        }
        Ok(costs)
    }

    fn from_breakdown(doc: &Value) -> Result<Self, String> {
        let b = |key: &str| micros_at(doc, &format!("/costBreakdown/{key}"));
        let analysis = b("analysisCostBreakdown/summary")?
            + b("analysisCostBreakdown/structuredData")?
            + b("analysisCostBreakdown/successEvaluation")?;
        Ok(Costs {
            total: 0,
            parts: [b("transport")?, b("stt")?, b("llm")? + analysis, b("tts")?, b("vapi")?],
            prompt_tokens: 0,
            completion_tokens: 0,
            tts_characters: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn statuses_are_normalised() {
        assert_eq!(status(Some("scheduled"), None), "queued");
        assert_eq!(status(Some("forwarding"), None), "in-progress");
        assert_eq!(status(Some("ended"), Some("customer-ended-call")), "ended");
        assert_eq!(
            status(Some("ended"), Some("pipeline-error-openai-llm-failed")),
            "failed"
        );
    }

    #[test]
    fn success_reads_strings_and_booleans() {
        assert_eq!(success(Some(&json!("true"))), Some(true));
        assert_eq!(success(Some(&json!(false))), Some(false));
        assert_eq!(success(Some(&json!("8/10"))), None);
        assert_eq!(success(None), None);
    }

    #[test]
    fn the_breakdown_is_used_without_cost_items_and_analysis_counts_as_llm() {
        let doc = json!({
            "id": "c1", "createdAt": "2026-01-05T10:00:00Z", "status": "ended", "cost": 0.1,
            "costBreakdown": {"transport": 0.01, "stt": 0.02, "llm": 0.03, "tts": 0.01, "vapi": 0.02,
                "analysisCostBreakdown": {"summary": 0.005, "successEvaluation": 0.005}, "llmPromptTokens": 10}
        });
        let call = call(1, &doc).unwrap();
        assert_eq!(call.cost_micro_usd, 100_000);
        assert_eq!(
            [
                call.cost_transport_micro_usd,
                call.cost_stt_micro_usd,
                call.cost_llm_micro_usd,
                call.cost_tts_micro_usd,
                call.cost_platform_micro_usd
            ],
            [10_000, 20_000, 40_000, 10_000, 20_000]
        );
        assert_eq!(call.llm_prompt_tokens, 10);
    }

    #[test]
    fn a_cost_that_is_not_a_number_is_refused_with_its_field() {
        let doc = json!({"id": "c1", "createdAt": "2026-01-05T10:00:00Z", "cost": "cheap"});
        assert_eq!(
            call(1, &doc).unwrap_err(),
            "call c1: `/cost` is not a number but \"cheap\""
        );
        assert_eq!(
            call(1, &json!({"id": "c2"})).unwrap_err(),
            "call c2 has neither `startedAt` nor `createdAt`"
        );
    }

    #[test]
    fn other_server_messages_are_ignored_by_kind() {
        let body = json!({"message": {"type": "speech-update", "status": "started"}});
        assert!(matches!(server_message(1, &body), Ok(EventCall::Ignored(r)) if r == "ignored: speech-update"));
        let body = json!({"message": {"type": "end-of-call-report"}});
        assert_eq!(
            server_message(1, &body).unwrap_err(),
            "the end-of-call-report message has no `call`"
        );
    }
}
