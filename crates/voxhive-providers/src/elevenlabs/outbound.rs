//! Outbound calls: ElevenLabs starts them on a route per telephony provider of the calling number.

use reqwest::Method;
use serde_json::Value;

use super::collections::EL;
use super::ElevenLabsClient;
use crate::http::{Body, Request};
use crate::{ProviderClient, ProviderError, RemoteDoc, Resource};

/// Starts an outbound call through the route of the calling number's telephony provider.
pub(super) async fn start_call(client: &ElevenLabsClient, body: &Value) -> Result<RemoteDoc, ProviderError> {
    let Some(number_id) = body.get("agent_phone_number_id").and_then(Value::as_str) else {
        return Err(ProviderError::Rejected {
            provider: EL,
            status: 422,
            message: "an outbound call needs `agent_phone_number_id`, `agent_id` and `to_number`".into(),
        });
    };
    let number = client.get(Resource::PhoneNumbers, number_id).await?;
    let route = match number.doc.get("provider").and_then(Value::as_str) {
        Some("sip_trunk") => "/v1/convai/sip-trunk/outbound-call",
        Some("exotel") => "/v1/convai/exotel/outbound-call",
        _ => "/v1/convai/twilio/outbound-call",
    };
    let request = Request::new(Method::POST, route.into()).body(Body::Json(body));
    let answer = client.http.send(&request).await?.json(EL)?;
    if answer.get("success").and_then(Value::as_bool) == Some(false) {
        let message = answer
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the call was not placed");
        return Err(ProviderError::Rejected {
            provider: EL,
            status: 200,
            message: message.to_owned(),
        });
    }
    match answer.get("conversation_id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(RemoteDoc {
            kind: EL,
            resource: Resource::Calls,
            id: id.to_owned(),
            doc: answer,
            complete: false,
        }),
        _ => Err(ProviderError::MalformedResponse {
            provider: EL,
            detail: "the outbound call was placed without a conversation_id".into(),
        }),
    }
}
