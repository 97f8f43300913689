//! Live call control (`monitor.controlUrl`): `POST /live/{callId}/control` with one bare message (the
//! `{"message": …}` wrapping of `ClientInboundMessage` is accepted too). Unauthenticated, as Vapi is by default
//! (`monitorPlan.controlAuthenticationEnabled: false`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::{VapiError, VapiResult};
use super::fields::{CONTROL_MESSAGE, END_CALL_MESSAGE, SAY_MESSAGE};
use super::validate::{check, parse};
use crate::app::AppState;
use crate::time::now;

/// Why a call ends on `end-call`: someone outside the conversation (an operator, through the API or a
/// dashboard) ended it, neither the assistant nor the customer, which is what `manually-canceled` says;
/// `assistant-ended-call` would claim the assistant decided to hang up.
const CONTROL_ENDED: &str = "manually-canceled";

/// What a control message asks for.
#[derive(Debug, PartialEq)]
enum Command {
    /// `control`, by its `control` value.
    Control(String),
    /// `say`: the line and whether the call ends after it.
    Say(String, bool),
    /// `end-call`.
    EndCall,
}

/// Live call control routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/live/{id}/control", post(control_call))
}

async fn control_call(State(sim): State<AppState>, Path(id): Path<String>, body: Bytes) -> VapiResult<Json<Value>> {
    let command = parse(&body).and_then(|body| command(&body));
    let mut world = sim.world();
    let (org, i) = world.vapi_call(&id).ok_or_else(|| VapiError::not_found("Call"))?;
    let call = &mut world.vapi[org].calls[i];
    if call.status == "ended" {
        return Err(VapiError::call_ended());
    }
    let live = call.live.as_deref_mut().ok_or_else(|| VapiError::not_found("Call"))?;
    let mut undriven_end = false;
    match command? {
        Command::Control(control) => match control.as_str() {
            "mute-assistant" => live.assistant_muted = true,
            "unmute-assistant" => live.assistant_muted = false,
            "mute-customer" => live.customer_muted = true,
            "unmute-customer" => live.customer_muted = false,
            // The simulated assistant always opens with its first message, so there is nothing to trigger.
            _ => {}
        },
        // `interruptAssistantEnabled` and `interruptionsEnabled` change nothing: lines are spoken whole, in turn.
        Command::Say(content, end_after) => live.pending.push_back((content, end_after)),
        Command::EndCall => {
            live.ask_end(CONTROL_ENDED);
            undriven_end = !live.driven;
        }
    }
    let reply = json!({
        "ok": true,
        "callId": id,
        "status": call.status,
        "assistantMuted": live.assistant_muted,
        "customerMuted": live.customer_muted,
    });
    call.updated_at = now();
    drop(world);
    if undriven_end {
        super::live::end_undriven(sim, org, id, CONTROL_ENDED);
    }
    Ok(Json(reply))
}

/// Parses one control message, validated against its `ClientInboundMessage*` schema.
fn command(body: &Value) -> VapiResult<Command> {
    let body = match body.get("message") {
        Some(inner) if body.get("type").is_none() => inner,
        _ => body,
    };
    match body.get("type").and_then(Value::as_str) {
        Some("control") => {
            let fields = check(body, CONTROL_MESSAGE)?;
            Ok(Command::Control(
                fields["control"].as_str().unwrap_or_default().to_owned(),
            ))
        }
        Some("say") => {
            let fields = check(body, SAY_MESSAGE)?;
            let content = fields.get("content").and_then(Value::as_str).unwrap_or_default().trim();
            if content.is_empty() {
                return Err(VapiError::validation(vec!["content should not be empty".into()]));
            }
            let end_after = fields
                .get("endCallAfterSpoken")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Ok(Command::Say(content.to_owned(), end_after))
        }
        Some("end-call") => {
            check(body, END_CALL_MESSAGE)?;
            Ok(Command::EndCall)
        }
        Some(kind @ ("add-message" | "transfer" | "send-transport-message")) => Err(VapiError::bad_request(format!(
            "Control message type {kind} is not supported by the simulator."
        ))),
        _ => Err(VapiError::validation(vec![
            "type must be one of the following values: say, control, end-call".into(),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_bare_or_wrapped() {
        assert_eq!(
            command(&json!({"type": "say", "content": " Hello ", "endCallAfterSpoken": true})).unwrap(),
            Command::Say("Hello".into(), true)
        );
        assert_eq!(
            command(&json!({"message": {"type": "end-call"}})).unwrap(),
            Command::EndCall
        );
        assert_eq!(
            command(&json!({"type": "control", "control": "mute-assistant"})).unwrap(),
            Command::Control("mute-assistant".into())
        );
    }

    #[test]
    fn unknown_types_controls_and_empty_says_are_refused() {
        for body in [
            json!({"type": "dance"}),
            json!({}),
            json!({"type": "control", "control": "mute-everyone"}),
            json!({"type": "control"}),
            json!({"type": "say"}),
            json!({"type": "say", "content": 5}),
            json!({"type": "end-call", "reason": "bored"}),
            json!({"type": "transfer"}),
        ] {
            assert!(command(&body).is_err(), "{body}");
        }
    }
}
