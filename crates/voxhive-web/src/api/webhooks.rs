//! `/api/v1/connections/{id}/webhook`: the receiver URL of a connection and its secret, for owners
//! and admins, who set them up at the provider; `/api/v1/webhooks`: test deliveries to any URL,
//! and the deliveries the receivers got.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use voxhive_core::Permission;

use super::{json_body, rfc3339, ErrorBody};
use crate::auth::ApiAuth;
use crate::delivery_tests::{self, headers_of, TestAsk};
use crate::error::{ApiError, AppError};
use crate::webhooks::secrets::{self, Webhook};
use crate::AppState;
use voxhive_store::{ReceivedDelivery, WebhookTest};

/// Where a provider delivers a connection's call events, and the secret that authenticates them.
#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    /// The receiver: set it as the Vapi server URL; VoxHive registers it with ElevenLabs.
    pub url: String,
    /// Vapi: send it as `X-Vapi-Secret` (or a bearer or HMAC credential). ElevenLabs: the HMAC
    /// secret of the post-call webhook; `null` until registered or pasted.
    pub secret: Option<String>,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
}

impl From<Webhook> for WebhookView {
    fn from(webhook: Webhook) -> Self {
        Self {
            url: webhook.url,
            secret: webhook.secret,
            provider: webhook.kind.as_str().to_owned(),
        }
    }
}

/// The secret an ElevenLabs webhook was created with.
#[derive(Deserialize, ToSchema)]
pub struct WebhookSecretBody {
    pub secret: String,
}

#[utoipa::path(get, path = "/connections/{id}/webhook", tag = "connections",
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 200, description = "The receiver URL and secret; a Vapi connection gets a secret on first read", body = WebhookView),
              (status = 403, description = "Only owners and admins see webhook secrets", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn show_webhook(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<WebhookView>, ApiError> {
    auth.require(Permission::ManageMembers)?;
    let webhook = secrets::read(&state, auth.workspace_id, auth.user_id, id, true).await?;
    Ok(Json(webhook.into()))
}

#[utoipa::path(post, path = "/connections/{id}/webhook/rotate", tag = "connections",
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 200, description = "A new secret; the old one is refused from now on. ElevenLabs: the URL is registered as the post-call webhook", body = WebhookView),
              (status = 403, description = "Only owners and admins rotate webhook secrets", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused to register the webhook; its reason is in the message", body = ErrorBody)))]
pub async fn rotate_webhook(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<WebhookView>, ApiError> {
    auth.require(Permission::ManageMembers)?;
    let webhook = secrets::rotate(&state, auth.workspace_id, auth.user_id, id).await?;
    Ok(Json(webhook.into()))
}

#[utoipa::path(put, path = "/connections/{id}/webhook", tag = "connections", request_body = WebhookSecretBody,
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 200, description = "The secret is stored (ElevenLabs connections only)", body = WebhookView),
              (status = 400, description = "Not an ElevenLabs connection, or the secret is empty or malformed", body = ErrorBody),
              (status = 403, description = "Only owners and admins set webhook secrets", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn set_webhook_secret(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<WebhookSecretBody>, JsonRejection>,
) -> Result<Json<WebhookView>, ApiError> {
    auth.require(Permission::ManageMembers)?;
    let body = json_body(body)?;
    let webhook = secrets::paste(&state, auth.workspace_id, auth.user_id, id, &body.secret).await?;
    Ok(Json(webhook.into()))
}

/// A test delivery to send.
#[derive(Deserialize, ToSchema)]
pub struct WebhookTestBody {
    /// An http(s) URL.
    pub url: String,
    /// `vapi` or `elevenlabs`: whose format and signature to use.
    pub provider: String,
    /// Vapi: `status-update`, `end-of-call-report`, `tool-calls`, `assistant-request`.
    /// ElevenLabs: `post_call_transcription`.
    pub event_type: String,
    /// Vapi: sent as `X-Vapi-Secret`; ElevenLabs: the HMAC key of `ElevenLabs-Signature`. Left
    /// out for one of the workspace's VoxHive receivers, its own secret is used.
    pub secret: Option<String>,
    /// Seconds to wait for the answer, 1 to 60 (20 when left out).
    pub timeout_secs: Option<u64>,
}

/// A test delivery and its answer.
#[derive(Serialize, ToSchema)]
pub struct WebhookTestView {
    pub id: i64,
    pub url: String,
    pub event_type: String,
    /// Whether a secret signed it.
    pub signed: bool,
    /// Whether the URL accepted it (a 2xx answer).
    pub succeeded: bool,
    /// The answer's status; `null` when none came.
    pub status: Option<i64>,
    pub duration_ms: i64,
    /// The answer's headers as `[name, value]` pairs.
    pub response_headers: Vec<(String, String)>,
    /// The start of the answer's body (at most 4 KB).
    pub response_body: String,
    pub body_truncated: bool,
    /// Why it did not succeed: a timeout, a refused connection, a TLS error, a redirect, a
    /// status other than 2xx.
    pub problem: Option<String>,
    /// The body sent.
    pub request_body: String,
    pub sent_at: String,
}

impl From<WebhookTest> for WebhookTestView {
    fn from(test: WebhookTest) -> Self {
        Self {
            id: test.id,
            response_headers: headers_of(&test),
            succeeded: test.problem.is_none(),
            url: test.url,
            event_type: test.event_type,
            signed: test.signed,
            status: test.status_code,
            duration_ms: test.duration_ms,
            response_body: test.response_body,
            body_truncated: test.body_truncated,
            problem: test.problem,
            request_body: test.request_body,
            sent_at: rfc3339(test.sent_at),
        }
    }
}

#[utoipa::path(post, path = "/webhooks/test", tag = "webhooks", request_body = WebhookTestBody,
    responses((status = 200, description = "Sent; `succeeded` and `problem` tell how the URL answered", body = WebhookTestView),
              (status = 400, description = "A field is missing or malformed (named in `field`); nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot send test deliveries", body = ErrorBody)))]
pub async fn test_webhook(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<WebhookTestBody>, JsonRejection>,
) -> Result<Json<WebhookTestView>, ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    let ask = TestAsk {
        url: body.url,
        provider: body.provider,
        event_type: body.event_type,
        secret: body.secret,
        timeout_secs: body.timeout_secs,
    };
    let test = delivery_tests::send(&state, auth.workspace_id, auth.user_id, &ask).await?;
    Ok(Json(test.into()))
}

/// A delivery one of the workspace's receivers got.
#[derive(Serialize, ToSchema)]
pub struct ReceivedDeliveryView {
    pub id: i64,
    pub connection_id: i64,
    pub connection: String,
    pub provider: String,
    pub received_at: String,
    /// The event type (Vapi's `message.type`, ElevenLabs' `type`).
    pub event_type: String,
    /// `received` (waiting), `processed`, `rejected` (bad signature) or `failed`.
    pub status: String,
    /// Why it was rejected, failed or ignored.
    pub reason: Option<String>,
    pub processed_at: Option<String>,
    /// The body's length in characters.
    pub size: i64,
}

impl From<ReceivedDelivery> for ReceivedDeliveryView {
    fn from(d: ReceivedDelivery) -> Self {
        Self {
            id: d.id,
            connection_id: d.connection_id,
            connection: d.connection_label,
            provider: d.provider,
            received_at: rfc3339(d.received_at),
            event_type: d.kind,
            status: d.status,
            reason: d.reason,
            processed_at: d.processed_at.map(rfc3339),
            size: d.size,
        }
    }
}

/// Which deliveries to list.
#[derive(Deserialize, IntoParams)]
pub struct DeliveriesParams {
    /// `received` (by VoxHive's receivers, the default) or `test` (test deliveries sent).
    pub source: Option<String>,
    /// Test deliveries to this URL only.
    pub url: Option<String>,
    /// Received deliveries of this connection only.
    pub connection_id: Option<i64>,
    /// At most this many, newest first (1 to 200, 50 by default).
    pub limit: Option<i64>,
}

/// Deliveries of one kind or the other.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum DeliveriesView {
    Received(Vec<ReceivedDeliveryView>),
    Tests(Vec<WebhookTestView>),
}

#[utoipa::path(get, path = "/webhooks/deliveries", tag = "webhooks", params(DeliveriesParams),
    responses((status = 200, description = "Received deliveries (without bodies), or test deliveries, newest first", body = DeliveriesView),
              (status = 400, description = "An unknown source or a limit out of range", body = ErrorBody)))]
pub async fn list_deliveries(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<DeliveriesParams>,
) -> Result<Json<DeliveriesView>, ApiError> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError(AppError::field("limit", "limit is between 1 and 200")));
    }
    let view = match params.source.as_deref().unwrap_or("received") {
        "received" => DeliveriesView::Received(
            state
                .store
                .received_deliveries(auth.workspace_id, params.connection_id, limit)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        "test" => DeliveriesView::Tests(
            state
                .store
                .webhook_tests(auth.workspace_id, params.url.as_deref(), limit)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        _ => {
            return Err(ApiError(AppError::field(
                "source",
                "source is \"received\" or \"test\"",
            )))
        }
    };
    Ok(Json(view))
}
