//! Typed views of ElevenLabs agents and conversations, from list summaries or whole documents.

use jiff::Timestamp;
use serde_json::Value;

use crate::views::{AssistantView, CallView};

/// The agent fields VoxHive reads; `updated_at` only from a whole document's `metadata`.
pub(crate) fn assistant(id: &str, doc: &Value) -> AssistantView {
    AssistantView {
        id: id.to_owned(),
        name: text(doc, "name"),
        updated_at: unix(doc.pointer("/metadata/updated_at_unix_secs")),
    }
}

/// The conversation fields VoxHive reads, from a summary (top-level) or a whole document (`metadata`).
pub(crate) fn call(id: &str, doc: &Value) -> CallView {
    let meta = doc.get("metadata");
    let field = |key: &str| meta.and_then(|m| m.get(key)).or_else(|| doc.get(key));
    let started_at = unix(field("start_time_unix_secs"));
    let status = text(doc, "status");
    let finished = matches!(status.as_deref(), Some("done" | "failed"));
    let ended_at = match (started_at, field("call_duration_secs").and_then(Value::as_i64)) {
        (Some(start), Some(secs)) if finished => start.checked_add(jiff::SignedDuration::from_secs(secs)).ok(),
        _ => None,
    };
    CallView {
        id: id.to_owned(),
        assistant_id: text(doc, "agent_id"),
        status,
        created_at: started_at,
        started_at,
        ended_at,
        ended_reason: field("termination_reason")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        cost_usd: meta
            .and_then(|m| m.get("cost_fiat"))
            .and_then(Value::as_number)
            .cloned(),
        cost_credits: meta.and_then(|m| m.get("cost")).and_then(Value::as_number).cloned(),
    }
}

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn unix(value: Option<&Value>) -> Option<Timestamp> {
    Timestamp::from_second(value?.as_i64()?).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_conversation_view_reads_a_list_summary() {
        let summary = json!({
            "agent_id": "agent_1", "conversation_id": "conv_1", "start_time_unix_secs": 1767607200,
            "call_duration_secs": 90, "message_count": 4, "status": "done", "call_successful": "success",
            "termination_reason": ""
        });
        let view = call("conv_1", &summary);
        assert_eq!(view.assistant_id.as_deref(), Some("agent_1"));
        assert_eq!(view.started_at.unwrap().to_string(), "2026-01-05T10:00:00Z");
        assert_eq!(view.ended_at.unwrap().to_string(), "2026-01-05T10:01:30Z");
        assert_eq!(view.ended_reason, None);
        assert_eq!(view.cost_usd, None);
    }

    #[test]
    fn a_conversation_view_reads_both_costs_from_a_whole_document() {
        let doc = json!({
            "agent_id": "agent_1", "conversation_id": "conv_1", "status": "in-progress",
            "metadata": {"start_time_unix_secs": 1767607200, "call_duration_secs": 12, "cost": 296, "cost_fiat": 0.0837,
                         "termination_reason": "end_call tool"}
        });
        let view = call("conv_1", &doc);
        assert_eq!(view.ended_at, None);
        assert_eq!(view.cost_credits.unwrap().to_string(), "296");
        assert_eq!(view.cost_usd.unwrap().to_string(), "0.0837");
        assert_eq!(view.ended_reason.as_deref(), Some("end_call tool"));
    }

    #[test]
    fn an_agent_view_has_an_update_time_only_from_a_whole_document() {
        let summary = json!({"agent_id": "agent_1", "name": "Front desk", "created_at_unix_secs": 1767607200});
        assert_eq!(assistant("agent_1", &summary).updated_at, None);
        let doc =
            json!({"agent_id": "agent_1", "name": "Front desk", "metadata": {"updated_at_unix_secs": 1767607200}});
        assert_eq!(
            assistant("agent_1", &doc).updated_at.unwrap().to_string(),
            "2026-01-05T10:00:00Z"
        );
    }
}
