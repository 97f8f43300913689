//! `/api/v1/connections`: provider connections. Keys go in once and never come out: responses
//! carry only their last four characters.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use voxhive_core::Permission;
use voxhive_store::Connection;

use super::{rfc3339, ErrorBody};
use crate::auth::ApiAuth;
use crate::connections::{self, ConnectionInput};
use crate::error::{ApiError, AppError};
use crate::AppState;

/// A provider connection, without its key.
#[derive(Serialize, ToSchema)]
pub struct ConnectionView {
    pub id: i64,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub label: String,
    /// The endpoint in use when not the provider's public one.
    pub base_url: Option<String>,
    /// The last four characters of the API key.
    pub key_last4: String,
    /// When the key last worked, RFC 3339 in UTC.
    pub last_verified_at: Option<String>,
    /// Whether the caller's views are scoped to this connection.
    pub active: bool,
    /// ElevenLabs: the price of one credit in USD, as a decimal string.
    pub usd_per_credit: Option<String>,
    pub created_at: String,
}

fn view(connection: &Connection, active: Option<i64>) -> ConnectionView {
    ConnectionView {
        id: connection.id,
        provider: connection.provider.clone(),
        label: connection.label.clone(),
        base_url: connection.base_url.clone(),
        key_last4: connection.key_last4.clone(),
        last_verified_at: connection.last_verified_at.map(rfc3339),
        active: active == Some(connection.id),
        usd_per_credit: connections::credit_rate(connection),
        created_at: rfc3339(connection.created_at),
    }
}

/// A connection to add; the key is checked with the provider before anything is stored.
#[derive(Deserialize, ToSchema)]
pub struct NewConnectionBody {
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub label: String,
    pub api_key: String,
    pub base_url: Option<String>,
    /// ElevenLabs: the price of one credit in USD, such as "0.00022".
    pub usd_per_credit: Option<String>,
}

/// The outcome of a connection test.
#[derive(Serialize, ToSchema)]
pub struct TestResult {
    pub ok: bool,
    pub connection: ConnectionView,
}

#[utoipa::path(get, path = "/connections", tag = "connections",
    responses((status = 200, description = "The workspace's connections", body = [ConnectionView]),
              (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_connections(
    auth: ApiAuth,
    State(state): State<AppState>,
) -> Result<Json<Vec<ConnectionView>>, ApiError> {
    let active = state.store.active_connection(auth.workspace_id, auth.user_id).await?;
    let all = state.store.connections(auth.workspace_id).await?;
    Ok(Json(all.iter().map(|c| view(c, active)).collect()))
}

#[utoipa::path(post, path = "/connections", tag = "connections", request_body = NewConnectionBody,
    responses((status = 201, description = "Connected: the key works and is stored encrypted", body = ConnectionView),
              (status = 400, description = "A field is missing or malformed", body = ErrorBody),
              (status = 403, description = "Only owners and admins add connections", body = ErrorBody),
              (status = 422, description = "The provider refused the key; its reason is in the message", body = ErrorBody)))]
pub async fn create_connection(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<NewConnectionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<ConnectionView>), ApiError> {
    auth.require(Permission::ManageMembers)?;
    let Json(body) = body.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let input = ConnectionInput {
        provider: body.provider,
        label: body.label,
        api_key: body.api_key,
        base_url: body.base_url,
        usd_per_credit: body.usd_per_credit,
    };
    let connection = connections::add(&state, auth.workspace_id, auth.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&connection, None))))
}

#[utoipa::path(get, path = "/connections/{id}", tag = "connections",
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 200, description = "The connection", body = ConnectionView),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn show_connection(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ConnectionView>, ApiError> {
    let connection = state
        .store
        .connection(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let active = state.store.active_connection(auth.workspace_id, auth.user_id).await?;
    Ok(Json(view(&connection, active)))
}

#[utoipa::path(post, path = "/connections/{id}/test", tag = "connections",
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 200, description = "The key works; last_verified_at is updated", body = TestResult),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused the key or is unreachable", body = ErrorBody)))]
pub async fn test_connection(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TestResult>, ApiError> {
    auth.require(Permission::Edit)?;
    let (connection, _) = connections::test(&state, auth.workspace_id, id).await?;
    let active = state.store.active_connection(auth.workspace_id, auth.user_id).await?;
    Ok(Json(TestResult {
        ok: true,
        connection: view(&connection, active),
    }))
}

#[utoipa::path(delete, path = "/connections/{id}", tag = "connections",
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 204, description = "Removed, with what was imported from it; nothing is deleted at the provider"),
              (status = 403, description = "Only owners and admins remove connections", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn delete_connection(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::ManageMembers)?;
    connections::remove(&state, auth.workspace_id, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
