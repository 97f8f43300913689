//! `/api/v1/connections/{id}/webhook`: the receiver URL of a connection and its secret, for owners
//! and admins, who set them up at the provider.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use voxhive_core::Permission;

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::webhooks::secrets::{self, Webhook};
use crate::AppState;

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
    let Json(body) = body.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let webhook = secrets::paste(&state, auth.workspace_id, auth.user_id, id, &body.secret).await?;
    Ok(Json(webhook.into()))
}
