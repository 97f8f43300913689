//! Tool changes shared by the Tools pages and the JSON API: made at the provider first (after the
//! provider's schema), then stored and audited. Attaching and detaching are assistant edits: a
//! new local revision, pushed through the usual review. Deleting a tool assistants use is refused
//! unless the user confirms detaching it from all of them, which pushes those assistants first.

use std::collections::HashMap;

use futures::future::BoxFuture;
use serde_json::{json, Value};
use voxhive_providers::ProviderClient;
use voxhive_store::{Assistant, AssistantFilter, Connection, Store, Tool};
use voxhive_sync::{attached_tool_ids, with_tool, PushOutcome, SyncError};

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::provider_resources::{refresh_each, RefreshOutcome};
use crate::AppState;

/// A tool with the assistants that attach it.
pub struct ToolUse {
    pub tool: Tool,
    /// (id, name), by name.
    pub used_by: Vec<(i64, String)>,
}

/// The tool's parsed document.
pub fn document(tool: &Tool) -> Value {
    serde_json::from_str(&tool.document).unwrap_or(Value::Null)
}

/// Each assistant's attached tool ids, per connection: `(connection, tool id) → assistants`.
async fn uses(
    state: &AppState,
    workspace_id: i64,
    connection_id: Option<i64>,
) -> AppResult<HashMap<(i64, String), Vec<Assistant>>> {
    let filter = AssistantFilter {
        connection_id,
        ..AssistantFilter::default()
    };
    let mut uses: HashMap<(i64, String), Vec<Assistant>> = HashMap::new();
    for assistant in state.store.assistants(workspace_id, &filter).await? {
        let doc = voxhive_sync::local_document(&state.store, &assistant).await?;
        for id in attached_tool_ids(provider_kind(&assistant.provider)?, &doc) {
            uses.entry((assistant.connection_id, id))
                .or_default()
                .push(assistant.clone());
        }
    }
    Ok(uses)
}

/// The workspace's tools (of one connection, if given) with the assistants using each.
pub async fn list(state: &AppState, workspace_id: i64, connection_id: Option<i64>) -> AppResult<Vec<ToolUse>> {
    let tools = state.store.tools(workspace_id, connection_id).await?;
    let mut uses = uses(state, workspace_id, connection_id).await?;
    Ok(tools
        .into_iter()
        .map(|tool| {
            let mut used_by: Vec<(i64, String)> = uses
                .remove(&(tool.connection_id, tool.remote_id.clone()))
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            used_by.sort_by(|a, b| a.1.cmp(&b.1));
            ToolUse { tool, used_by }
        })
        .collect())
}

/// One tool of the workspace with the assistants using it, or 404.
pub async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<ToolUse> {
    let tool = state.store.tool(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    let uses = uses(state, workspace_id, Some(tool.connection_id)).await?;
    let mut used_by: Vec<(i64, String)> = uses
        .get(&(tool.connection_id, tool.remote_id.clone()))
        .into_iter()
        .flatten()
        .map(|a| (a.id, a.name.clone()))
        .collect();
    used_by.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(ToolUse { tool, used_by })
}

/// Re-reads each connection's tools from its provider; each outcome is the connection's label
/// with how many tools it has, or why they could not be read.
pub async fn refresh(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connections: &[Connection],
) -> AppResult<Vec<RefreshOutcome>> {
    refresh_each(state, workspace_id, user_id, connections, "tools.refresh", read_tools).await
}

fn read_tools<'a>(
    store: &'a Store,
    client: &'a dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> BoxFuture<'a, Result<usize, SyncError>> {
    Box::pin(voxhive_sync::refresh_tools(store, client, workspace_id, connection_id))
}

/// Creates a tool on a connection from a whole document; nothing is stored when the provider
/// (or its schema) refuses.
pub async fn create(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    doc: &Value,
) -> AppResult<Tool> {
    let connection = connections::find(state, workspace_id, connection_id).await?;
    let client = client_for(state, &connection)?;
    let id = voxhive_sync::create_tool(&state.store, client.as_ref(), workspace_id, connection.id, doc).await?;
    let tool = state.store.tool(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    audit(state, user_id, "tool.create", &tool).await?;
    Ok(tool)
}

/// Replaces a tool's document at its provider (read-only fields are ignored).
pub async fn change(state: &AppState, workspace_id: i64, user_id: i64, id: i64, doc: &Value) -> AppResult<Tool> {
    let tool = state.store.tool(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    let connection = connections::find(state, workspace_id, tool.connection_id).await?;
    let client = client_for(state, &connection)?;
    voxhive_sync::update_tool(&state.store, client.as_ref(), &tool, doc).await?;
    let changed = state.store.tool(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    audit(state, user_id, "tool.change", &changed).await?;
    Ok(changed)
}

/// Attaches a tool to an assistant of its connection, or detaches it: a new local revision of
/// the assistant (pushed later, after review); false when nothing changed.
pub async fn attach(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    tool_id: i64,
    assistant_id: i64,
    attach: bool,
) -> AppResult<(Assistant, bool)> {
    let tool = state
        .store
        .tool(workspace_id, tool_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let assistant = state
        .store
        .assistant(workspace_id, assistant_id)
        .await?
        .filter(|a| a.connection_id == tool.connection_id)
        .ok_or_else(|| {
            AppError::field(
                "assistant_id",
                format!("choose an assistant of the connection \"{}\"", tool.connection_label),
            )
        })?;
    let doc = crate::assistants::local_document(state, &assistant).await?;
    let Some(changed) = with_tool(provider_kind(&assistant.provider)?, &doc, &tool.remote_id, attach) else {
        return Ok((assistant, false));
    };
    crate::assistants::save_document(state, &assistant, &changed, user_id).await?;
    Ok((assistant, true))
}

/// Deletes a tool at its provider and forgets it. A tool assistants use is refused (409, the
/// assistants named) unless `detach`: then it is detached from each (a local revision) and each
/// is pushed; the tool is deleted only once every push went through.
pub async fn delete(state: &AppState, workspace_id: i64, user_id: i64, id: i64, detach: bool) -> AppResult<Tool> {
    let ToolUse { tool, used_by } = find(state, workspace_id, id).await?;
    if !used_by.is_empty() && !detach {
        let names: Vec<&str> = used_by.iter().map(|(_, name)| name.as_str()).collect();
        return Err(AppError::Conflict(format!(
            "{} is used by {}: detach it from them first, or confirm detaching it from all of them",
            shown(&tool),
            names.join(", ")
        )));
    }
    for (assistant_id, name) in &used_by {
        let (assistant, _) = attach(state, workspace_id, user_id, id, *assistant_id, false).await?;
        let assistant = state
            .store
            .assistant(workspace_id, assistant.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let pushed = crate::assistants::push(state, &assistant, user_id).await.map_err(|e| {
            AppError::Conflict(format!(
                "{name} no longer attaches {} here, but its push failed ({e}); the tool was not deleted",
                shown(&tool)
            ))
        })?;
        if pushed == PushOutcome::Conflict {
            return Err(AppError::Conflict(format!(
                "{name} was changed at the provider meanwhile: resolve its conflict, then delete {} again",
                shown(&tool)
            )));
        }
    }
    let connection = connections::find(state, workspace_id, tool.connection_id).await?;
    let client = client_for(state, &connection)?;
    voxhive_sync::delete_tool(&state.store, client.as_ref(), &tool).await?;
    audit(state, user_id, "tool.delete", &tool).await?;
    Ok(tool)
}

/// How a tool is named in sentences: "book_appointment" or its type.
pub fn shown(tool: &Tool) -> String {
    match &tool.name {
        Some(name) => format!("\"{name}\""),
        None => format!("the {} tool", tool.kind),
    }
}

async fn audit(state: &AppState, user_id: i64, action: &str, tool: &Tool) -> AppResult<()> {
    state
        .store
        .record_audit(
            tool.workspace_id,
            Some(user_id),
            action,
            tool.name.as_deref().unwrap_or(&tool.kind),
            &json!({"tool_id": tool.id, "connection_id": tool.connection_id, "remote_id": tool.remote_id, "kind": tool.kind}),
        )
        .await?;
    Ok(())
}
