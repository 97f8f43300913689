//! Knowledge-base file changes shared by the Knowledge Base page and the JSON API: uploaded
//! (checked first) and deleted at the provider, then stored and audited.

use futures::future::BoxFuture;
use serde_json::json;
use voxhive_providers::{FileUpload, ProviderClient};
use voxhive_store::{Connection, KnowledgeFile, Store};
use voxhive_sync::SyncError;

use crate::connections::client_for;
use crate::error::{AppError, AppResult};
use crate::provider_resources::{refresh_each, RefreshOutcome};
use crate::AppState;

/// The workspace's files (of one connection, if given).
pub async fn list(state: &AppState, workspace_id: i64, connection_id: Option<i64>) -> AppResult<Vec<KnowledgeFile>> {
    Ok(state.store.knowledge_files(workspace_id, connection_id).await?)
}

/// One file of the workspace, or 404.
pub async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<KnowledgeFile> {
    state
        .store
        .knowledge_file(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Re-reads each connection's files from its provider.
pub async fn refresh(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connections: &[Connection],
) -> AppResult<Vec<RefreshOutcome>> {
    refresh_each(
        state,
        workspace_id,
        user_id,
        connections,
        "knowledge_files.refresh",
        read_files,
    )
    .await
}

fn read_files<'a>(
    store: &'a Store,
    client: &'a dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> BoxFuture<'a, Result<usize, SyncError>> {
    Box::pin(voxhive_sync::refresh_knowledge_files(
        store,
        client,
        workspace_id,
        connection_id,
    ))
}

/// Uploads a file to a connection's provider; nothing is stored when the check or the provider
/// refuses it.
pub async fn upload(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    file: FileUpload,
) -> AppResult<KnowledgeFile> {
    let connection = state
        .store
        .connection(workspace_id, connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(state, &connection)?;
    let id = voxhive_sync::upload_knowledge_file(&state.store, client.as_ref(), workspace_id, connection.id, file)
        .await
        .map_err(|err| match err {
            SyncError::Invalid(problems) => {
                AppError::field("file", problems.first().map(|p| p.message.clone()).unwrap_or_default())
            }
            other => other.into(),
        })?;
    let stored = find(state, workspace_id, id).await?;
    audit(state, user_id, "knowledge_file.upload", &stored).await?;
    Ok(stored)
}

/// Deletes a file at its provider and forgets it.
pub async fn delete(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<KnowledgeFile> {
    let file = find(state, workspace_id, id).await?;
    let connection = state
        .store
        .connection(workspace_id, file.connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(state, &connection)?;
    voxhive_sync::delete_knowledge_file(&state.store, client.as_ref(), &file).await?;
    audit(state, user_id, "knowledge_file.delete", &file).await?;
    Ok(file)
}

async fn audit(state: &AppState, user_id: i64, action: &str, file: &KnowledgeFile) -> AppResult<()> {
    state
        .store
        .record_audit(
            file.workspace_id,
            Some(user_id),
            action,
            &file.name,
            &json!({"file_id": file.id, "connection_id": file.connection_id, "remote_id": file.remote_id}),
        )
        .await?;
    Ok(())
}
