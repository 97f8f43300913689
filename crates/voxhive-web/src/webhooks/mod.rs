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
use serde_json::{json, Value};
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
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
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
    let mut rejection = check(&state, &target, kind, &headers, &body);
    if found.kept && !matches!(rejection, Ok(None)) {
        // The kept secret may be a few seconds old: refuse only on the database's.
        target = match state.webhook_targets.read(&state.store, connection_id).await {
            Ok(Some(fresh)) => fresh,
            Ok(None) => return refuse(StatusCode::NOT_FOUND, "no connection has this webhook URL"),
            Err(error) => return unavailable(error),
        };
        rejection = check(&state, &target, kind, &headers, &body);
    }
    let rejection = match rejection {
        Ok(rejection) => rejection,
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
        kind: event_kind(kind, &document).to_owned(),
        body: concealed(&state, &target, kind, text),
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

/// The signature check: `Ok(None)` when it passes, `Ok(Some(reason))` when the delivery is to be
/// recorded as rejected, `Err` when the secret cannot be opened (another master key).
fn check(
    state: &AppState,
    target: &WebhookTarget,
    kind: ProviderKind,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<String>, CryptoError> {
    let Some(sealed) = &target.secret_sealed else {
        return Ok(Some(format!(
            "this connection has no webhook secret yet: set up the webhook in VoxHive's Settings, Providers ({})",
            kind.label()
        )));
    };
    let secret = state.master_key.open(sealed)?;
    let now = now_ms() / 1000;
    let verdict = match kind {
        ProviderKind::Vapi => verify::vapi(headers, body, &secret, now),
        ProviderKind::ElevenLabs => verify::elevenlabs(headers, body, &secret, now),
    };
    Ok(verdict.err())
}

/// The body to keep: for Vapi, with the connection's secret (which Vapi echoes in the
/// `X-Vapi-Secret` header of the assistant or number in the message) replaced by the placeholder
/// VoxHive's copies of documents hold, so the event log never shows it.
fn concealed(state: &AppState, target: &WebhookTarget, kind: ProviderKind, text: &str) -> String {
    let secret = match (&target.secret_sealed, kind) {
        (Some(sealed), ProviderKind::Vapi) => state.master_key.open(sealed).ok(),
        _ => None,
    };
    match secret.filter(|s| !s.is_empty()) {
        Some(secret) => text.replace(
            &format!("\"{secret}\""),
            &format!("\"{}\"", voxhive_providers::SECRET_PLACEHOLDER),
        ),
        None => text.to_owned(),
    }
}

/// The event type: Vapi's `message.type`, ElevenLabs' top-level `type`.
fn event_kind(kind: ProviderKind, document: &Value) -> &str {
    let kind = match kind {
        ProviderKind::Vapi => &document["message"]["type"],
        ProviderKind::ElevenLabs => &document["type"],
    };
    kind.as_str().filter(|k| !k.is_empty()).unwrap_or("unknown")
}
