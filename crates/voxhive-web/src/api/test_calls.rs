//! `/api/v1/test-calls`: start a phone or browser (WebSocket) test call and read it live;
//! `/api/v1/calls/{id}/control`: mute, unmute, say a line or end a live test call.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use voxhive_core::Permission;
use voxhive_store::TestCall;
use voxhive_sync::LiveCall;

use super::{json_body, rfc3339, ErrorBody};
use crate::auth::ApiAuth;
use crate::error::ApiError;
use crate::test_calls::{self, TestCallRequest};
use crate::AppState;

/// A test call to start.
#[derive(Deserialize, ToSchema)]
pub struct TestCallBody {
    /// The assistant to call (VoxHive's id).
    pub assistant_id: Option<i64>,
    /// `phone` (from `phone_number_id` to `customer_number`) or `websocket` (audio streamed to
    /// `websocket_url`, Vapi only).
    pub transport: String,
    /// One of the connection's numbers (VoxHive's id), for a phone call.
    pub phone_number_id: Option<i64>,
    /// The number to call, E.164, for a phone call.
    pub customer_number: Option<String>,
    /// Send the assistant's local revision as a transient assistant, to try edits before they
    /// are pushed (Vapi).
    #[serde(default)]
    pub use_local: bool,
}

/// A started test call.
#[derive(Serialize, ToSchema)]
pub struct TestCallView {
    /// The provider's call id: the id of the control and live routes, and of the call in Call
    /// History once it has ended.
    pub call_id: String,
    pub connection_id: i64,
    pub assistant_id: Option<i64>,
    /// `phone` or `websocket`.
    pub transport: String,
    /// The local revision went as a transient assistant.
    pub transient: bool,
    /// Where to stream audio (16 kHz mono 16-bit PCM both ways), for a WebSocket call.
    pub websocket_url: Option<String>,
    /// The page showing the call live.
    pub live_page: String,
    pub started_at: String,
}

impl From<TestCall> for TestCallView {
    fn from(call: TestCall) -> Self {
        Self {
            live_page: format!("/test-calls/{}", call.remote_id),
            call_id: call.remote_id,
            connection_id: call.connection_id,
            assistant_id: call.assistant_id,
            transport: call.transport,
            transient: call.transient,
            websocket_url: call.websocket_url,
            started_at: rfc3339(call.created_at),
        }
    }
}

#[utoipa::path(post, path = "/test-calls", tag = "test calls", request_body = TestCallBody,
    responses((status = 201, description = "The provider started the call", body = TestCallView),
              (status = 400, description = "A field is missing or malformed (named in `field`): no assistant, no number to call or one that is not E.164, a number of another connection, an unknown transport; nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot place calls", body = ErrorBody),
              (status = 422, description = "The provider refused the call; its reason is in the message", body = ErrorBody)))]
pub async fn start_test_call(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<TestCallBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TestCallView>), ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    let request = TestCallRequest {
        assistant_id: body.assistant_id,
        transport: body.transport,
        phone_number_id: body.phone_number_id,
        customer_number: body.customer_number,
        use_local: body.use_local,
    };
    let call = test_calls::start(&state, auth.workspace_id, auth.user_id, &request).await?;
    Ok((StatusCode::CREATED, Json(call.into())))
}

/// A test call as its provider shows it now.
#[derive(Serialize, ToSchema)]
pub struct LiveCallView {
    /// `queued`, `ringing`, `in-progress`, `ended`…
    pub status: String,
    /// The transcript so far: `{role, text, seconds}` per turn.
    #[schema(value_type = Vec<Object>)]
    pub turns: Vec<serde_json::Value>,
    pub cost_micro_usd: i64,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    /// The call has ended and is stored: `call_history_id` is its id in `/api/v1/calls`.
    pub finished: bool,
    pub call_history_id: Option<i64>,
}

impl From<LiveCall> for LiveCallView {
    fn from(call: LiveCall) -> Self {
        Self {
            status: call.status,
            turns: call.turns,
            cost_micro_usd: call.cost_micro_usd,
            duration_ms: call.duration_ms,
            ended_reason: call.ended_reason,
            finished: call.finished,
            call_history_id: call.stored_id,
        }
    }
}

#[utoipa::path(get, path = "/test-calls/{id}", tag = "test calls", params(("id" = String, Path, description = "The provider's call id")),
    responses((status = 200, description = "The call now, read from its provider; an ended call is stored in the call history", body = LiveCallView),
              (status = 404, description = "No test call with this id in this workspace", body = ErrorBody)))]
pub async fn show_test_call(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<LiveCallView>, ApiError> {
    Ok(Json(test_calls::live(&state, auth.workspace_id, &id).await?.into()))
}

/// What to do to a live call.
#[derive(Deserialize, ToSchema)]
pub struct ControlBody {
    /// `mute` or `unmute` (the assistant), `say` (speak `text`), `end`.
    pub action: String,
    pub text: Option<String>,
}

#[utoipa::path(post, path = "/calls/{id}/control", tag = "test calls", request_body = ControlBody,
    params(("id" = String, Path, description = "The provider's id of a live test call")),
    responses((status = 204, description = "The provider took the action"),
              (status = 400, description = "An unknown action, or `say` without text (named in `field`)", body = ErrorBody),
              (status = 403, description = "Viewers cannot control calls", body = ErrorBody),
              (status = 404, description = "No test call with this id in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused, for example because the call has ended", body = ErrorBody)))]
pub async fn control_call(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ControlBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    test_calls::control(
        &state,
        auth.workspace_id,
        auth.user_id,
        &id,
        &body.action,
        body.text.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
