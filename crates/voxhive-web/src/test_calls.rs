//! Test calls shared by the pages and the JSON API: started at the provider (a phone call from
//! one of the connection's numbers, or a browser call over Vapi's WebSocket transport; a local
//! revision can go as a transient assistant), recorded so any instance can show and control it,
//! controlled through the call's control URL, and read live until it ends and is stored.

use serde_json::json;
use voxhive_core::time::now_ms;
use voxhive_store::{NewTestCall, TestCall};
use voxhive_sync::{CallAction, LiveCall, SyncError, TestAssistant, TestTransport};

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct TestCallRequest {
    pub assistant_id: Option<i64>,
    /// `phone` or `websocket`.
    pub transport: String,
    pub phone_number_id: Option<i64>,
    pub customer_number: Option<String>,
    /// Send the assistant's local revision as a transient assistant (Vapi).
    pub use_local: bool,
}

/// A sync refusal with its field named for the form or the API.
fn named(err: SyncError) -> AppError {
    match err {
        SyncError::Invalid(problems) => {
            let problem = problems.into_iter().next();
            let message = problem.as_ref().map(|p| p.message.clone()).unwrap_or_default();
            let field = match problem.as_ref().map(|p| p.path.as_str()) {
                Some("/customer_number") => "customer_number",
                Some("/transport") => "transport",
                Some("/assistant_id") => "assistant_id",
                Some("/text") => "text",
                Some("/action") => "action",
                _ => return AppError::Unprocessable { field: None, message },
            };
            AppError::field(field, message)
        }
        other => other.into(),
    }
}

/// Starts a test call; returns it as recorded.
pub async fn start(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    request: &TestCallRequest,
) -> AppResult<TestCall> {
    let assistant_id = request
        .assistant_id
        .ok_or_else(|| AppError::field("assistant_id", "choose the assistant to call"))?;
    let assistant = state
        .store
        .assistant(workspace_id, assistant_id)
        .await?
        .ok_or_else(|| AppError::field("assistant_id", "no such assistant in this workspace"))?;
    let connection = connections::find(state, workspace_id, assistant.connection_id).await?;
    let transport = match request.transport.as_str() {
        "phone" => {
            let number_id = request
                .phone_number_id
                .ok_or_else(|| AppError::field("phone_number_id", "choose the number to call from"))?;
            let number = state
                .store
                .phone_number(workspace_id, number_id, now_ms())
                .await?
                .filter(|n| n.connection_id == connection.id)
                .ok_or_else(|| {
                    AppError::field(
                        "phone_number_id",
                        format!(
                            "choose a number of the connection \"{}\" to call from",
                            connection.label
                        ),
                    )
                })?;
            TestTransport::Phone {
                phone_number_remote_id: number.remote_id,
                customer_number: request.customer_number.clone().unwrap_or_default(),
            }
        }
        "websocket" => TestTransport::Websocket,
        other => {
            return Err(AppError::field(
                "transport",
                format!("\"{other}\" is not a way to call: use phone or websocket"),
            ))
        }
    };
    let transient = request.use_local || assistant.remote_id.is_none();
    let test_assistant = if transient {
        TestAssistant::Transient(crate::assistants::local_document(state, &assistant).await?)
    } else {
        TestAssistant::Saved(assistant.remote_id.clone().unwrap_or_default())
    };
    let client = client_for(state, &connection)?;
    let started = voxhive_sync::start_test_call(client.as_ref(), &test_assistant, &transport)
        .await
        .map_err(named)?;
    let transport_name = if transport == TestTransport::Websocket {
        "websocket"
    } else {
        "phone"
    };
    state
        .store
        .record_test_call(&NewTestCall {
            workspace_id,
            connection_id: connection.id,
            assistant_id: Some(assistant.id),
            remote_id: &started.remote_id,
            transport: transport_name,
            transient,
            websocket_url: started.websocket_url.as_deref(),
            started_by: Some(user_id),
        })
        .await?;
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "test_call.start",
            &assistant.name,
            &json!({"assistant_id": assistant.id, "connection_id": connection.id, "call_id": started.remote_id,
                    "transport": transport_name, "transient": transient}),
        )
        .await?;
    find(state, workspace_id, &started.remote_id).await
}

/// A test call of the workspace by the provider's call id, or 404.
pub async fn find(state: &AppState, workspace_id: i64, remote_id: &str) -> AppResult<TestCall> {
    state
        .store
        .test_call(workspace_id, remote_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sends a live test call a control action (`mute`, `unmute`, `say` with `text`, `end`).
pub async fn control(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    remote_id: &str,
    action: &str,
    text: Option<&str>,
) -> AppResult<()> {
    let call = find(state, workspace_id, remote_id).await?;
    let action = CallAction::parse(action, text).map_err(named)?;
    let connection = connections::find(state, workspace_id, call.connection_id).await?;
    provider_kind(&connection.provider)?;
    let client = client_for(state, &connection)?;
    match client.control_call(&call.remote_id, &action.message()).await {
        Ok(()) => {}
        Err(voxhive_providers::ProviderError::NotFound { .. }) => {
            return Err(AppError::Unprocessable {
                field: None,
                message: "the call has already ended".into(),
            })
        }
        Err(other) => return Err(SyncError::from(other).into()),
    }
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "test_call.control",
            &call.remote_id,
            &json!({"call_id": call.remote_id, "message": action.message()}),
        )
        .await?;
    Ok(())
}

/// The call as the provider shows it now; stored once it has ended.
pub async fn live(state: &AppState, workspace_id: i64, remote_id: &str) -> AppResult<LiveCall> {
    let call = find(state, workspace_id, remote_id).await?;
    let connection = connections::find(state, workspace_id, call.connection_id).await?;
    let client = client_for(state, &connection)?;
    Ok(voxhive_sync::read_live_call(&state.store, client.as_ref(), &connection, &call.remote_id).await?)
}
