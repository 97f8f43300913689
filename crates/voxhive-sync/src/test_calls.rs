//! Test calls: the provider's body for a phone or browser (WebSocket) test call, started through
//! the connection's client; the control messages of a live call; and a live call read into what a
//! live view shows, stored like any other call once it has ended.

use serde_json::{json, Value};
use voxhive_providers::{ProviderClient, ProviderKind, RemoteDoc, Resource};
use voxhive_store::{Connection, NewCall, Store};

use crate::calls::{call_document, is_final};
use crate::{FieldProblem, SyncError};

/// How a test call reaches the assistant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestTransport {
    /// A phone call from one of the connection's numbers to `customer_number`.
    Phone {
        phone_number_remote_id: String,
        customer_number: String,
    },
    /// Audio streamed from the browser over Vapi's WebSocket transport.
    Websocket,
}

/// Which assistant takes the call.
#[derive(Clone, Debug, PartialEq)]
pub enum TestAssistant {
    /// The assistant as pushed, by the provider's id.
    Saved(String),
    /// A local document sent whole as a transient assistant (Vapi), to try edits before pushing.
    Transient(Value),
}

/// A test call the provider has accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct StartedCall {
    pub remote_id: String,
    /// Where the browser streams audio (WebSocket calls).
    pub websocket_url: Option<String>,
}

/// The audio the browser sends and plays on a WebSocket test call: 16 kHz mono 16-bit PCM (the
/// live page's script uses the same rate).
const BROWSER_SAMPLE_RATE: u32 = 16_000;

/// Fields of an assistant's document the provider sets, left out of a transient assistant.
const ASSISTANT_READ_ONLY: [&str; 6] = [
    "id",
    "orgId",
    "createdAt",
    "updatedAt",
    "latestVersion",
    "isServerUrlSecretSet",
];

fn refused(path: &str, message: impl Into<String>) -> SyncError {
    SyncError::Invalid(vec![FieldProblem {
        path: path.into(),
        message: message.into(),
    }])
}

/// The provider's body for a test call, after checking what the provider would refuse.
pub fn test_call_body(
    kind: ProviderKind,
    assistant: &TestAssistant,
    transport: &TestTransport,
) -> Result<Value, SyncError> {
    if let TestTransport::Phone { customer_number, .. } = transport {
        if customer_number.trim().is_empty() {
            return Err(refused(
                "/customer_number",
                "give the number to call, in E.164 form such as +14155550123",
            ));
        }
        if !crate::is_e164(customer_number.trim()) {
            return Err(refused(
                "/customer_number",
                format!("the number to call, {customer_number}, is not an E.164 number such as +14155550123"),
            ));
        }
    }
    match kind {
        ProviderKind::Vapi => {
            let mut body = match assistant {
                TestAssistant::Saved(id) => json!({"assistantId": id}),
                TestAssistant::Transient(doc) => {
                    let mut doc = doc.clone();
                    if let Some(fields) = doc.as_object_mut() {
                        for key in ASSISTANT_READ_ONLY {
                            fields.remove(key);
                        }
                    }
                    json!({"assistant": doc})
                }
            };
            match transport {
                TestTransport::Phone {
                    phone_number_remote_id,
                    customer_number,
                } => {
                    body["phoneNumberId"] = json!(phone_number_remote_id);
                    body["customer"] = json!({"number": customer_number.trim()});
                }
                TestTransport::Websocket => {
                    body["transport"] = json!({
                        "provider": "vapi.websocket",
                        "audioFormat": {"format": "pcm_s16le", "container": "raw", "sampleRate": BROWSER_SAMPLE_RATE},
                    });
                }
            }
            Ok(body)
        }
        ProviderKind::ElevenLabs => {
            let TestAssistant::Saved(agent_id) = assistant else {
                return Err(refused(
                    "/assistant_id",
                    "ElevenLabs calls use the agent as pushed: push the local edits first",
                ));
            };
            match transport {
                TestTransport::Phone {
                    phone_number_remote_id,
                    customer_number,
                } => Ok(json!({
                    "agent_id": agent_id,
                    "agent_phone_number_id": phone_number_remote_id,
                    "to_number": customer_number.trim(),
                })),
                TestTransport::Websocket => Err(refused(
                    "/transport",
                    "browser test calls go over Vapi's WebSocket transport; call an ElevenLabs agent by phone",
                )),
            }
        }
    }
}

/// Starts a test call at the provider.
pub async fn start_test_call(
    client: &dyn ProviderClient,
    assistant: &TestAssistant,
    transport: &TestTransport,
) -> Result<StartedCall, SyncError> {
    let body = test_call_body(client.kind(), assistant, transport)?;
    let RemoteDoc { id, doc, .. } = client.create(Resource::Calls, &body).await?;
    Ok(StartedCall {
        websocket_url: doc
            .pointer("/transport/websocketCallUrl")
            .and_then(Value::as_str)
            .map(str::to_owned),
        remote_id: id,
    })
}

/// What the user can do to a live call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallAction {
    Mute,
    Unmute,
    Say(String),
    End,
}

impl CallAction {
    /// The action named `action` (`mute`, `unmute`, `say` with `text`, `end`).
    pub fn parse(action: &str, text: Option<&str>) -> Result<CallAction, SyncError> {
        match action {
            "mute" => Ok(CallAction::Mute),
            "unmute" => Ok(CallAction::Unmute),
            "end" => Ok(CallAction::End),
            "say" => match text.map(str::trim).filter(|t| !t.is_empty()) {
                Some(text) => Ok(CallAction::Say(text.to_owned())),
                None => Err(refused("/text", "write the line for the assistant to say")),
            },
            other => Err(refused(
                "/action",
                format!("\"{other}\" is not an action: use mute, unmute, say or end"),
            )),
        }
    }

    /// Vapi's live call control message for the action.
    pub fn message(&self) -> Value {
        match self {
            CallAction::Mute => json!({"type": "control", "control": "mute-assistant"}),
            CallAction::Unmute => json!({"type": "control", "control": "unmute-assistant"}),
            CallAction::Say(text) => json!({"type": "say", "content": text}),
            CallAction::End => json!({"type": "end-call"}),
        }
    }
}

/// A live call as a live view shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveCall {
    pub status: String,
    /// Turns as `{role, text, seconds}`.
    pub turns: Vec<Value>,
    pub cost_micro_usd: i64,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    /// The call ended and is stored.
    pub finished: bool,
    /// The stored call's id, once finished.
    pub stored_id: Option<i64>,
}

/// Reads a live call from its provider; once it has ended it is stored like any polled call, so
/// it shows in Call History.
pub async fn read_live_call(
    store: &Store,
    client: &dyn ProviderClient,
    connection: &Connection,
    remote_id: &str,
) -> Result<LiveCall, SyncError> {
    let doc = client.get(Resource::Calls, remote_id).await?.doc;
    let call: NewCall = call_document(connection, &doc).map_err(|reason| refused("/call", reason))?;
    let finished = is_final(&call.status);
    let stored_id = if finished {
        Some(store.upsert_call(&call).await?.id)
    } else {
        None
    };
    let duration_ms = if call.ended_at.is_some() || call.duration_ms > 0 {
        call.duration_ms
    } else if call.status == "in-progress" {
        (voxhive_core::time::now_ms() - call.started_at).max(0)
    } else {
        0
    };
    Ok(LiveCall {
        turns: call
            .transcript
            .as_ref()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        status: call.status,
        cost_micro_usd: call.cost_micro_usd,
        duration_ms,
        ended_reason: call.ended_reason,
        finished,
        stored_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_gets_its_own_body_and_bad_input_is_named() {
        let phone = TestTransport::Phone {
            phone_number_remote_id: "pn1".into(),
            customer_number: "+14155550123".into(),
        };
        let saved = TestAssistant::Saved("a1".into());
        assert_eq!(
            test_call_body(ProviderKind::Vapi, &saved, &phone).unwrap(),
            json!({"assistantId": "a1", "phoneNumberId": "pn1", "customer": {"number": "+14155550123"}})
        );
        let transient = TestAssistant::Transient(json!({"id": "a1", "orgId": "o", "name": "Try"}));
        let ws = test_call_body(ProviderKind::Vapi, &transient, &TestTransport::Websocket).unwrap();
        assert_eq!(ws["assistant"], json!({"name": "Try"}));
        assert_eq!(ws["transport"]["provider"], "vapi.websocket");
        assert_eq!(
            test_call_body(ProviderKind::ElevenLabs, &saved, &phone).unwrap(),
            json!({"agent_id": "a1", "agent_phone_number_id": "pn1", "to_number": "+14155550123"})
        );
        for (number, said) in [("", "give the number to call"), ("555-0123", "not an E.164")] {
            let bad = TestTransport::Phone {
                phone_number_remote_id: "pn1".into(),
                customer_number: number.into(),
            };
            let err = test_call_body(ProviderKind::Vapi, &saved, &bad).unwrap_err();
            assert!(err.to_string().contains(said), "{err}");
        }
        assert!(test_call_body(ProviderKind::ElevenLabs, &saved, &TestTransport::Websocket).is_err());
        assert!(test_call_body(ProviderKind::ElevenLabs, &transient, &phone).is_err());
    }

    #[test]
    fn actions_become_vapis_control_messages() {
        assert_eq!(
            CallAction::parse("mute", None).unwrap().message(),
            json!({"type": "control", "control": "mute-assistant"})
        );
        assert_eq!(
            CallAction::parse("say", Some(" Hello ")).unwrap().message(),
            json!({"type": "say", "content": "Hello"})
        );
        assert!(CallAction::parse("say", Some("  ")).is_err());
        assert!(CallAction::parse("hold", None)
            .unwrap_err()
            .to_string()
            .contains("hold"));
    }
}
