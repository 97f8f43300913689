//! Typed views of Vapi assistants and calls (camelCase fields, RFC 3339 timestamps, cost in USD).

use jiff::Timestamp;
use serde_json::Value;

use crate::views::{AssistantView, CallView};

/// The assistant fields VoxHive reads.
pub(crate) fn assistant(id: &str, doc: &Value) -> AssistantView {
    AssistantView {
        id: id.to_owned(),
        name: text(doc, "name"),
        updated_at: timestamp(doc, "updatedAt"),
    }
}

/// The call fields VoxHive reads.
pub(crate) fn call(id: &str, doc: &Value) -> CallView {
    CallView {
        id: id.to_owned(),
        assistant_id: text(doc, "assistantId"),
        status: text(doc, "status"),
        created_at: timestamp(doc, "createdAt"),
        started_at: timestamp(doc, "startedAt"),
        ended_at: timestamp(doc, "endedAt"),
        ended_reason: text(doc, "endedReason"),
        cost_usd: doc.get("cost").and_then(Value::as_number).cloned(),
        cost_credits: None,
    }
}

/// A string field, if present and not empty.
pub(crate) fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An RFC 3339 timestamp field.
pub(crate) fn timestamp(doc: &Value, key: &str) -> Option<Timestamp> {
    doc.get(key)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_call_view_reads_the_cost_as_the_provider_wrote_it() {
        let doc = json!({
            "id": "c1", "assistantId": "a1", "status": "ended", "createdAt": "2026-01-05T10:00:00.000Z",
            "startedAt": "2026-01-05T10:00:01.250Z", "endedAt": "2026-01-05T10:02:01Z",
            "endedReason": "customer-ended-call", "cost": 0.1234
        });
        let view = call("c1", &doc);
        assert_eq!(view.assistant_id.as_deref(), Some("a1"));
        assert_eq!(view.cost_usd.unwrap().to_string(), "0.1234");
        assert_eq!(view.started_at.unwrap().to_string(), "2026-01-05T10:00:01.25Z");
        assert_eq!(view.ended_reason.as_deref(), Some("customer-ended-call"));
    }
}
