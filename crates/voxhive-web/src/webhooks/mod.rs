//! The webhook receivers: `POST /hooks/{connection_id}`, one URL per connection. A delivery is
//! checked (size, JSON, the provider's signature), written durably, and only then acknowledged;
//! the job runner is woken to process it. A delivery with a bad signature is recorded as rejected.
//! Outside the session and CSRF layer: providers authenticate with the connection's secret.

pub mod secrets;
mod targets;
mod verify;
mod writer;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use voxhive_core::crypto::CryptoError;
use voxhive_core::time::now_ms;
use voxhive_providers::ProviderKind;
use voxhive_store::WebhookTarget;

use crate::AppState;
pub use targets::WebhookTargets;
use writer::Delivery;
pub use writer::WebhookWriter;

/// The largest delivery accepted: post-call transcripts are far smaller; larger bodies (such as
/// ElevenLabs' audio webhooks, which VoxHive does not ask for) answer 413 and are not stored.
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// The receiver routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hooks/{connection_id}", post(receive))
        .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
}

/// An answer to the provider: `{"error": "..."}` with a status.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let mut res = (status, Json(json!({"error": message.into()}))).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

#[tracing::instrument(skip_all, fields(connection_id = %connection_id))]
async fn receive(
    State(state): State<AppState>,
    Path(connection_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {WEBHOOK_BODY_LIMIT} bytes"),
            )
        }
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "the body is not UTF-8 JSON");
    };
    let kinds = match EventKinds::read(text) {
        Ok(kinds) => kinds,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")),
    };
    let Ok(connection_id) = connection_id.parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND, "no connection has this webhook URL");
    };
    let unavailable = |error: voxhive_store::StoreError| {
        tracing::warn!(%error, "webhook target lookup failed");
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is not answering; try again",
        )
    };
    let found = match state.webhook_targets.get(&state.store, connection_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "no connection has this webhook URL"),
        Err(error) => return unavailable(error),
    };
    let mut target = found.target;
    let Ok(kind) = target.provider.parse::<ProviderKind>() else {
        return refuse(StatusCode::NOT_FOUND, "no connection has this webhook URL");
    };
    let mut checked = check(&state, &target, kind, &headers, &body);
    if found.kept && !matches!(checked, Ok(Checked { rejection: None, .. })) {
        // The kept secret may be a few seconds old: refuse only on the database's.
        target = match state.webhook_targets.read(&state.store, connection_id).await {
            Ok(Some(fresh)) => fresh,
            Ok(None) => return refuse(StatusCode::NOT_FOUND, "no connection has this webhook URL"),
            Err(error) => return unavailable(error),
        };
        checked = check(&state, &target, kind, &headers, &body);
    }
    let Checked { rejection, secret } = match checked {
        Ok(checked) => checked,
        Err(error) => {
            tracing::error!(%error, "cannot open a webhook secret");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the webhook secret cannot be read; it has been logged",
            );
        }
    };
    let delivery = Delivery {
        workspace_id: target.workspace_id,
        connection_id: target.connection_id,
        received_at: now_ms(),
        kind: kinds.of(kind).to_owned(),
        body: concealed(secret.as_deref(), kind, text),
        rejection: rejection.clone(),
    };
    let stored = state.webhook_writer.record(delivery).await;
    if let Some(reason) = rejection {
        tracing::warn!(%reason, stored = stored.is_ok(), "webhook delivery rejected");
        return refuse(StatusCode::UNAUTHORIZED, reason);
    }
    match stored {
        Ok(()) => {
            state.job_wake.notify_one();
            Json(json!({"ok": true})).into_response()
        }
        Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, format!("{e}; deliver it again")),
    }
}

/// The outcome of the signature check, with the connection's secret opened for it.
struct Checked {
    /// `None` when the check passed, else why the delivery is recorded as rejected.
    rejection: Option<String>,
    secret: Option<String>,
}

/// The signature check; `Err` when the secret cannot be opened (another master key).
fn check(
    state: &AppState,
    target: &WebhookTarget,
    kind: ProviderKind,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Checked, CryptoError> {
    let Some(sealed) = &target.secret_sealed else {
        return Ok(Checked {
            rejection: Some(format!(
                "this connection has no webhook secret yet: set up the webhook in VoxHive's Settings, Providers ({})",
                kind.label()
            )),
            secret: None,
        });
    };
    let secret = state.master_key.open(sealed)?;
    let now = now_ms() / 1000;
    let verdict = match kind {
        ProviderKind::Vapi => verify::vapi(headers, body, &secret, now),
        ProviderKind::ElevenLabs => verify::elevenlabs(headers, body, &secret, now),
    };
    Ok(Checked {
        rejection: verdict.err(),
        secret: Some(secret),
    })
}

/// The body to keep: for Vapi, with the connection's secret (which Vapi echoes in the
/// `X-Vapi-Secret` header of the assistant or number in the message) replaced by the placeholder
/// VoxHive's copies of documents hold, so the event log never shows it.
fn concealed(secret: Option<&str>, kind: ProviderKind, text: &str) -> String {
    match secret.filter(|s| !s.is_empty() && kind == ProviderKind::Vapi) {
        Some(secret) => text.replace(
            &format!("\"{secret}\""),
            &format!("\"{}\"", voxhive_providers::SECRET_PLACEHOLDER),
        ),
        None => text.to_owned(),
    }
}

/// The event types a delivery names: ElevenLabs' top-level `type` and Vapi's `message.type`.
#[derive(Debug, Default, PartialEq, Eq)]
struct EventKinds<'a> {
    top: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
}

/// The usual shape of a delivery, read without building the document (a delivery is a few
/// kilobytes, and receiving is the hot path); the fields skipped are still checked to be JSON.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<MessageKind<'a>>,
}

#[derive(Deserialize)]
struct MessageKind<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
}

impl<'a> EventKinds<'a> {
    /// Both kinds of a JSON body, borrowed from it where they hold no escapes; an error when it
    /// is not JSON.
    fn read(text: &'a str) -> Result<Self, serde_json::Error> {
        if let Ok(envelope) = serde_json::from_str::<Envelope>(text) {
            return Ok(Self {
                top: envelope.kind,
                message: envelope.message.and_then(|m| m.kind),
            });
        }
        // Any other JSON (a type that is not a string, a message that is not an object, a key
        // given twice) is read whole, as such a body always was.
        let document: Value = serde_json::from_str(text)?;
        let text_of = |v: &Value| v.as_str().map(|s| Cow::Owned(s.to_owned()));
        Ok(Self {
            top: text_of(&document["type"]),
            message: text_of(&document["message"]["type"]),
        })
    }

    /// The event type for the provider: Vapi's `message.type`, ElevenLabs' top-level `type`.
    fn of(&self, kind: ProviderKind) -> &str {
        let named = match kind {
            ProviderKind::Vapi => &self.message,
            ProviderKind::ElevenLabs => &self.top,
        };
        named.as_deref().filter(|k| !k.is_empty()).unwrap_or("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_type_is_read_from_the_usual_shape_and_from_any_other_json() {
        let usual =
            EventKinds::read(r#"{"message": {"type": "end-of-call-report", "call": {"id": "c\"1"}}, "x": [1, {}]}"#)
                .unwrap();
        assert_eq!(usual.of(ProviderKind::Vapi), "end-of-call-report");
        assert_eq!(usual.of(ProviderKind::ElevenLabs), "unknown");
        let escaped = EventKinds::read(r#"{"type": "post_call_\u0074ranscription", "data": {}}"#).unwrap();
        assert_eq!(escaped.of(ProviderKind::ElevenLabs), "post_call_transcription");

        // Shapes the envelope does not take are still JSON, read as before.
        let odd = EventKinds::read(r#"{"type": 5, "message": {"type": "status-update"}}"#).unwrap();
        assert_eq!(odd.of(ProviderKind::Vapi), "status-update");
        assert_eq!(odd.of(ProviderKind::ElevenLabs), "unknown");
        let twice = EventKinds::read(r#"{"message": {"type": "a"}, "message": {"type": "b"}}"#).unwrap();
        assert_eq!(twice.of(ProviderKind::Vapi), "b");
        for other in [r#"[1, 2]"#, r#""text""#, r#"{"message": "hi"}"#] {
            let kinds = EventKinds::read(other).unwrap();
            assert_eq!(kinds, EventKinds::default(), "{other}");
            assert_eq!(kinds.of(ProviderKind::Vapi), "unknown");
        }
        let empty = EventKinds::read(r#"{"type": ""}"#).unwrap();
        assert_eq!(empty.of(ProviderKind::ElevenLabs), "unknown");
        for broken in [r#"{"message": {"type": "a"}"#, r#"{"message": {"type": "a"}} x"#, ""] {
            assert!(EventKinds::read(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn only_a_vapi_body_has_its_secret_replaced() {
        let body = r#"{"message": {"headers": {"X-Vapi-Secret": "s3cret"}}}"#;
        let kept = concealed(Some("s3cret"), ProviderKind::Vapi, body);
        assert!(!kept.contains("s3cret") && kept.contains(voxhive_providers::SECRET_PLACEHOLDER));
        assert_eq!(concealed(Some("s3cret"), ProviderKind::ElevenLabs, body), body);
        assert_eq!(concealed(Some(""), ProviderKind::Vapi, body), body);
        assert_eq!(concealed(None, ProviderKind::Vapi, body), body);
    }
}
