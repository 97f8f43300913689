//! Sample events for test deliveries, in each provider's wire format: Vapi server messages
//! (`{"message": {"type": …}}`) and ElevenLabs' post-call webhook. Their call ids start with
//! [`TEST_CALL_PREFIX`], so VoxHive's own receiver records them without making a call of them.

use serde_json::{json, Value};
use voxhive_providers::ProviderKind;

/// The start of every sample's call (conversation) id.
pub const TEST_CALL_PREFIX: &str = "voxhive-test-";

/// The event types a test delivery can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestEvent {
    StatusUpdate,
    EndOfCallReport,
    ToolCalls,
    AssistantRequest,
    PostCallTranscription,
}

impl TestEvent {
    /// Every event type, Vapi's first.
    pub const ALL: [TestEvent; 5] = [
        TestEvent::StatusUpdate,
        TestEvent::EndOfCallReport,
        TestEvent::ToolCalls,
        TestEvent::AssistantRequest,
        TestEvent::PostCallTranscription,
    ];

    /// The provider's name of the event (`status-update`, `post_call_transcription`).
    pub fn api_name(self) -> &'static str {
        match self {
            TestEvent::StatusUpdate => "status-update",
            TestEvent::EndOfCallReport => "end-of-call-report",
            TestEvent::ToolCalls => "tool-calls",
            TestEvent::AssistantRequest => "assistant-request",
            TestEvent::PostCallTranscription => "post_call_transcription",
        }
    }

    /// The provider that sends this event.
    pub fn provider(self) -> ProviderKind {
        match self {
            TestEvent::PostCallTranscription => ProviderKind::ElevenLabs,
            _ => ProviderKind::Vapi,
        }
    }

    /// The event named `name`, if it is one.
    pub fn parse(name: &str) -> Option<TestEvent> {
        TestEvent::ALL.into_iter().find(|e| e.api_name() == name)
    }

    /// The sample body, at `now_ms`, for the call `call_id`.
    pub fn sample(self, now_ms: i64, call_id: &str) -> Value {
        let at = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let started = at - jiff::SignedDuration::from_secs(95);
        let call = json!({
            "id": call_id, "orgId": "voxhive-test-org", "type": "inboundPhoneCall",
            "assistantId": "voxhive-test-assistant", "phoneNumberId": "voxhive-test-number",
            "customer": {"number": "+14155550123"}, "status": "in-progress",
            "createdAt": started.to_string(), "startedAt": started.to_string(),
        });
        let message = |fields: Value| {
            let mut message = json!({"timestamp": now_ms, "call": call});
            if let (Some(message), Some(fields)) = (message.as_object_mut(), fields.as_object()) {
                message.extend(fields.clone());
            }
            json!({ "message": message })
        };
        let transcript = [
            (
                "assistant",
                "bot",
                "Thanks for calling Acme Dental, how can I help?",
                0.6,
            ),
            ("user", "user", "I'd like to move my cleaning to Friday.", 4.1),
            ("assistant", "bot", "Friday at 10 AM is free. Shall I book it?", 8.3),
            ("user", "user", "Yes please.", 11.9),
        ];
        match self {
            TestEvent::StatusUpdate => message(json!({"type": "status-update", "status": "in-progress"})),
            TestEvent::EndOfCallReport => message(json!({
                "type": "end-of-call-report",
                "endedReason": "customer-ended-call",
                "startedAt": started.to_string(), "endedAt": at.to_string(), "durationSeconds": 95,
                "cost": 0, "costBreakdown": {"transport": 0, "stt": 0, "llm": 0, "tts": 0, "vapi": 0, "total": 0},
                "summary": "The caller moved a cleaning to Friday at 10 AM.",
                "transcript": transcript.iter().map(|(_, who, text, _)| format!("{}: {text}", if *who == "bot" { "AI" } else { "User" })).collect::<Vec<_>>().join("\n"),
                "messages": transcript.iter().map(|(_, who, text, secs)| json!({"role": who, "message": text, "secondsFromStart": secs})).collect::<Vec<_>>(),
                "analysis": {"summary": "The caller moved a cleaning to Friday at 10 AM.", "successEvaluation": "true"},
                "artifact": {"messages": [], "transcript": ""},
            })),
            TestEvent::ToolCalls => message(json!({
                "type": "tool-calls",
                "toolCallList": [{"id": "call_voxhive_test", "type": "function",
                                  "function": {"name": "book_appointment", "arguments": {"day": "Friday", "time": "10:00"}}}],
                "toolWithToolCallList": [{"type": "function", "function": {"name": "book_appointment"},
                                          "toolCall": {"id": "call_voxhive_test", "type": "function",
                                                       "function": {"name": "book_appointment", "arguments": {"day": "Friday", "time": "10:00"}}}}],
            })),
            TestEvent::AssistantRequest => message(json!({
                "type": "assistant-request",
                "phoneNumber": {"id": "voxhive-test-number", "number": "+14155550100"},
                "customer": {"number": "+14155550123"},
            })),
            TestEvent::PostCallTranscription => json!({
                "type": "post_call_transcription",
                "event_timestamp": now_ms / 1000,
                "data": {
                    "agent_id": "voxhive-test-agent", "conversation_id": call_id, "status": "done",
                    "transcript": transcript.iter().map(|(role, _, text, secs)| json!({"role": if *role == "assistant" { "agent" } else { "user" }, "message": text, "time_in_call_secs": *secs as i64})).collect::<Vec<_>>(),
                    "metadata": {"start_time_unix_secs": started.as_second(), "call_duration_secs": 95, "cost": 0},
                    "analysis": {"call_successful": "success", "transcript_summary": "The caller moved a cleaning to Friday at 10 AM."},
                },
            }),
        }
    }
}

/// Whether a received body is a VoxHive test delivery (by its call or conversation id).
pub fn is_test_delivery(body: &Value) -> bool {
    [body.pointer("/message/call/id"), body.pointer("/data/conversation_id")]
        .into_iter()
        .flatten()
        .any(|id| id.as_str().is_some_and(|id| id.starts_with(TEST_CALL_PREFIX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_recognised_as_a_test_and_names_its_type() {
        for event in TestEvent::ALL {
            let body = event.sample(1_780_000_000_000, "voxhive-test-1");
            assert!(is_test_delivery(&body), "{event:?}");
            let kind = body
                .pointer("/message/type")
                .or_else(|| body.pointer("/type"))
                .and_then(Value::as_str);
            assert_eq!(kind, Some(event.api_name()));
            assert_eq!(TestEvent::parse(event.api_name()), Some(event));
        }
        assert!(!is_test_delivery(&json!({"message": {"call": {"id": "real"}}})));
    }
}
