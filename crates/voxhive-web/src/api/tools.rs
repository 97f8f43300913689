//! `/api/v1/tools`: the function-calling tools of the workspace's connections, each with the
//! assistants that attach it; create, replace and delete at the provider. Attaching a tool is an
//! assistant edit (`PUT /assistants/{id}/document`), reviewed and pushed like any other.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use voxhive_core::Permission;

use super::{json_body, rfc3339, ErrorBody, RefreshOutcome, RefreshParams};
use crate::auth::ApiAuth;
use crate::error::ApiError;
use crate::tools::{self, ToolUse};
use crate::AppState;

/// An assistant that attaches a tool.
#[derive(Serialize, ToSchema)]
pub struct ToolUser {
    pub assistant_id: i64,
    pub name: String,
}

/// A tool, as VoxHive last read it from the provider.
#[derive(Serialize, ToSchema)]
pub struct ToolView {
    pub id: i64,
    pub connection_id: i64,
    pub connection: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// The provider's id.
    pub remote_id: String,
    /// Vapi's `type` (`function`, `apiRequest`, `transferCall`, `endCall`, `dtmf`, `query`, …);
    /// ElevenLabs' `tool_config.type` (`webhook`, `client`, `system`, `mcp`).
    pub kind: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub server_url: Option<String>,
    /// The provider's document, whole.
    #[schema(value_type = Object)]
    pub document: Value,
    pub used_by: Vec<ToolUser>,
    pub refreshed_at: String,
}

impl From<ToolUse> for ToolView {
    fn from(ToolUse { tool, used_by }: ToolUse) -> Self {
        Self {
            document: tools::document(&tool),
            id: tool.id,
            connection_id: tool.connection_id,
            connection: tool.connection_label,
            provider: tool.provider,
            remote_id: tool.remote_id,
            kind: tool.kind,
            name: tool.name,
            description: tool.description,
            server_url: tool.server_url,
            used_by: used_by
                .into_iter()
                .map(|(assistant_id, name)| ToolUser { assistant_id, name })
                .collect(),
            refreshed_at: rfc3339(tool.refreshed_at),
        }
    }
}

/// Which tools to list.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Only this connection's tools.
    pub connection_id: Option<i64>,
}

#[utoipa::path(get, path = "/tools", tag = "tools", params(ListParams),
    responses((status = 200, description = "The stored tools, by type and name, with the assistants using each", body = Vec<ToolView>)))]
pub async fn list_tools(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<ToolView>>, ApiError> {
    let listed = tools::list(&state, auth.workspace_id, params.connection_id).await?;
    Ok(Json(listed.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/tools/{id}", tag = "tools", params(("id" = i64, Path, description = "Tool id")),
    responses((status = 200, description = "The tool", body = ToolView),
              (status = 404, description = "No such tool in this workspace", body = ErrorBody)))]
pub async fn show_tool(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ToolView>, ApiError> {
    Ok(Json(tools::find(&state, auth.workspace_id, id).await?.into()))
}

/// A tool to create: the provider's document (Vapi's `POST /tool` body; ElevenLabs'
/// `{"tool_config": …}`).
#[derive(Deserialize, ToSchema)]
pub struct NewToolBody {
    pub connection_id: i64,
    #[schema(value_type = Object)]
    pub document: Value,
}

#[utoipa::path(post, path = "/tools", tag = "tools", request_body = NewToolBody,
    responses((status = 201, description = "Created at the provider, as it answered", body = ToolView),
              (status = 400, description = "The provider's schema refuses the document (the first field in `field`); nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot create tools", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused; nothing was stored", body = ErrorBody)))]
pub async fn create_tool(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<NewToolBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ToolView>), ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    let tool = tools::create(
        &state,
        auth.workspace_id,
        auth.user_id,
        body.connection_id,
        &body.document,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(tools::find(&state, auth.workspace_id, tool.id).await?.into()),
    ))
}

/// A tool's new document, whole (read-only fields are ignored).
#[derive(Deserialize, ToSchema)]
pub struct ToolChangeBody {
    #[schema(value_type = Object)]
    pub document: Value,
}

#[utoipa::path(patch, path = "/tools/{id}", tag = "tools", request_body = ToolChangeBody,
    params(("id" = i64, Path, description = "Tool id")),
    responses((status = 200, description = "Changed at the provider, as it answered", body = ToolView),
              (status = 400, description = "The provider's schema refuses the document; nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot change tools", body = ErrorBody),
              (status = 404, description = "No such tool in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused; nothing changed", body = ErrorBody)))]
pub async fn change_tool(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<ToolChangeBody>, JsonRejection>,
) -> Result<Json<ToolView>, ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    tools::change(&state, auth.workspace_id, auth.user_id, id, &body.document).await?;
    Ok(Json(tools::find(&state, auth.workspace_id, id).await?.into()))
}

/// How to delete a tool.
#[derive(Deserialize, IntoParams)]
pub struct DeleteParams {
    /// Detach the tool from every assistant that uses it (each pushed) before deleting it.
    #[serde(default)]
    pub detach: bool,
}

#[utoipa::path(delete, path = "/tools/{id}", tag = "tools", params(("id" = i64, Path, description = "Tool id"), DeleteParams),
    responses((status = 204, description = "Deleted at the provider and forgotten"),
              (status = 403, description = "Viewers cannot delete tools", body = ErrorBody),
              (status = 404, description = "No such tool in this workspace", body = ErrorBody),
              (status = 409, description = "Assistants use it (named in the message); ask again with detach=true", body = ErrorBody)))]
pub async fn delete_tool(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::Edit)?;
    tools::delete(&state, auth.workspace_id, auth.user_id, id, params.detach).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/tools/refresh", tag = "tools", params(RefreshParams),
    responses((status = 200, description = "Each connection's tools re-read from its provider", body = Vec<RefreshOutcome>),
              (status = 403, description = "Viewers cannot refresh", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn refresh_tools(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<RefreshParams>,
) -> Result<Json<Vec<RefreshOutcome>>, ApiError> {
    auth.require(Permission::Edit)?;
    let connections = params.connections(&state, auth.workspace_id).await?;
    let outcomes = tools::refresh(&state, auth.workspace_id, auth.user_id, &connections).await?;
    Ok(Json(RefreshOutcome::all(outcomes)))
}
