//! Assistant operations shared by the pages and the API, with their audit entries.

use serde_json::{json, Value};
use voxhive_providers::ProviderClient;
use voxhive_store::{Assistant, Connection};
use voxhive_sync::{PullOutcome, PushOutcome, SyncError};

use crate::connections::client_for;
use crate::error::{AppError, AppResult};
use crate::AppState;

impl From<SyncError> for AppError {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Store(e) => e.into(),
            SyncError::Provider(e) => AppError::Unprocessable {
                field: None,
                message: e.to_string(),
            },
            SyncError::UnknownRemoteIds(_) => AppError::Unprocessable {
                field: Some("remote_ids"),
                message: err.to_string(),
            },
            SyncError::RemoteDeleted | SyncError::NotInConflict => AppError::Conflict(err.to_string()),
            SyncError::Unresolved(message) => AppError::BadRequest {
                field: Some("resolutions"),
                message,
            },
            SyncError::MissingRevision(_) => AppError::Internal(err.to_string()),
            SyncError::Connection(message) => AppError::Unprocessable { field: None, message },
            SyncError::Invalid(problems) => AppError::Invalid(problems),
        }
    }
}

/// [`save_checked`] for pages: a refused document is a `BadRequest` on the field "document".
pub async fn save_document(state: &AppState, assistant: &Assistant, document: &Value, user_id: i64) -> AppResult<bool> {
    save_checked(state, assistant, document, user_id)
        .await
        .map_err(AppError::at_document_field)
}

/// Saves a new local document after checking it: its shape, tools it newly attaches (with the
/// provider, when it answers) and the provider's schema where it changed. A refused document is
/// [`AppError::Invalid`], each problem at its JSON path, and saves nothing. Nothing is sent to
/// the provider.
pub async fn save_checked(state: &AppState, assistant: &Assistant, document: &Value, user_id: i64) -> AppResult<bool> {
    if !document.is_object() {
        return Err(AppError::field("document", "the document must be a JSON object"));
    }
    if document.get("name").is_some_and(|n| !n.is_string()) {
        return Err(AppError::field("document", "\"name\" must be a string"));
    }
    let connection = state
        .store
        .connection(assistant.workspace_id, assistant.connection_id)
        .await?;
    if let Some(client) = connection.as_ref().and_then(|c| tool_checker(state, c)) {
        let previous = local_document(state, assistant).await?;
        voxhive_sync::check_tools(client.as_ref(), &assistant.provider, Some(&previous), document).await?;
    }
    let saved = voxhive_sync::save_local(&state.store, assistant, document, "local", Some(user_id)).await?;
    if saved {
        state
            .store
            .record_audit(
                assistant.workspace_id,
                Some(user_id),
                "assistant.save",
                &assistant.name,
                &json!({"assistant_id": assistant.id}),
            )
            .await?;
    }
    Ok(saved)
}

/// The client that checks attached tools against a connection's account; `None` (logged) when
/// the connection's key cannot be opened: a save does not need the provider.
fn tool_checker(state: &AppState, connection: &Connection) -> Option<std::sync::Arc<dyn ProviderClient>> {
    client_for(state, connection)
        .inspect_err(|err| tracing::warn!(%err, connection = connection.id, "tool ids not checked: no client"))
        .ok()
}

/// The provider client of an assistant's connection.
async fn client_of(state: &AppState, assistant: &Assistant) -> AppResult<std::sync::Arc<dyn ProviderClient>> {
    let connection = state
        .store
        .connection(assistant.workspace_id, assistant.connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    client_for(state, &connection)
}

/// Pushes an assistant (guarded), recording it in the audit log.
pub async fn push(state: &AppState, assistant: &Assistant, user_id: i64) -> AppResult<PushOutcome> {
    let client = client_of(state, assistant).await?;
    Ok(voxhive_sync::audited_push(&state.store, client.as_ref(), assistant, Some(user_id)).await?)
}

/// Pulls an assistant's remote state, recording it in the audit log.
pub async fn pull(state: &AppState, assistant: &Assistant, user_id: i64) -> AppResult<PullOutcome> {
    let client = client_of(state, assistant).await?;
    let outcome = voxhive_sync::pull(&state.store, client.as_ref(), assistant).await?;
    let detail = json!({"assistant_id": assistant.id, "outcome": format!("{outcome:?}")});
    state
        .store
        .record_audit(
            assistant.workspace_id,
            Some(user_id),
            "assistant.pull",
            &assistant.name,
            &detail,
        )
        .await?;
    Ok(outcome)
}

/// The local document of an assistant.
pub async fn local_document(state: &AppState, assistant: &Assistant) -> AppResult<Value> {
    Ok(voxhive_sync::local_document(&state.store, assistant).await?)
}

/// The provider's document as VoxHive last saw it (the remote revision, else the base).
pub async fn remote_document(state: &AppState, assistant: &Assistant) -> AppResult<Option<Value>> {
    let Some(id) = assistant.remote_revision_id.or(assistant.base_revision_id) else {
        return Ok(None);
    };
    let revision = state
        .store
        .revision(assistant.id, id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("revision {id} is missing")))?;
    Ok(Some(
        serde_json::from_str(&revision.document).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

/// Rolls an assistant back to one of its revisions (a new local revision).
pub async fn rollback(state: &AppState, assistant: &Assistant, revision_id: i64, user_id: i64) -> AppResult<bool> {
    state
        .store
        .revision(assistant.id, revision_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let changed = voxhive_sync::rollback(&state.store, assistant, revision_id, Some(user_id)).await?;
    let detail = json!({"assistant_id": assistant.id, "revision_id": revision_id});
    state
        .store
        .record_audit(
            assistant.workspace_id,
            Some(user_id),
            "assistant.rollback",
            &assistant.name,
            &detail,
        )
        .await?;
    Ok(changed)
}

/// Deletes an assistant locally, or at the provider too.
pub async fn delete(state: &AppState, assistant: &Assistant, remote: bool, user_id: i64) -> AppResult<()> {
    let client = client_of(state, assistant).await?;
    voxhive_sync::delete_assistant(&state.store, client.as_ref(), assistant, remote).await?;
    let detail = json!({"assistant_id": assistant.id, "remote": remote, "remote_id": assistant.remote_id});
    state
        .store
        .record_audit(
            assistant.workspace_id,
            Some(user_id),
            "assistant.delete",
            &assistant.name,
            &detail,
        )
        .await?;
    Ok(())
}

/// Resolves a conflict with field-by-field choices, recording a merge revision.
pub async fn resolve(
    state: &AppState,
    assistant: &Assistant,
    choices: &[(String, voxhive_core::doc::Resolution)],
    user_id: i64,
) -> AppResult<()> {
    voxhive_sync::resolve_conflict(&state.store, assistant, choices, Some(user_id)).await?;
    let detail = json!({"assistant_id": assistant.id, "fields": choices.len()});
    state
        .store
        .record_audit(
            assistant.workspace_id,
            Some(user_id),
            "assistant.merge",
            &assistant.name,
            &detail,
        )
        .await?;
    Ok(())
}

/// A revision's document.
pub async fn revision_document(state: &AppState, assistant: &Assistant, revision_id: i64) -> AppResult<Value> {
    let revision = state
        .store
        .revision(assistant.id, revision_id)
        .await?
        .ok_or(AppError::NotFound)?;
    serde_json::from_str(&revision.document).map_err(|e| AppError::Internal(e.to_string()))
}

/// How a new assistant is described: a template and a name, or a whole document.
pub enum NewAssistant<'a> {
    Template { key: &'a str, name: &'a str },
    Document(&'a Value),
}

/// [`create_checked`] for pages: a refused document is a `BadRequest` on the field "document".
pub async fn create(
    state: &AppState,
    workspace_id: i64,
    connection_id: i64,
    what: NewAssistant<'_>,
    user_id: i64,
) -> AppResult<i64> {
    create_checked(state, workspace_id, connection_id, what, user_id)
        .await
        .map_err(AppError::at_document_field)
}

/// Creates an assistant locally ("new" until pushed) and records it in the audit log. The whole
/// document is checked first (tools it attaches with the provider, when it answers, then the
/// provider's schema): a refused one is [`AppError::Invalid`], each problem at its JSON path.
pub async fn create_checked(
    state: &AppState,
    workspace_id: i64,
    connection_id: i64,
    what: NewAssistant<'_>,
    user_id: i64,
) -> AppResult<i64> {
    let connection = state
        .store
        .connection(workspace_id, connection_id)
        .await?
        .ok_or_else(|| AppError::field("connection_id", "choose one of the workspace's connections"))?;
    let document = match what {
        NewAssistant::Template { key, name } => {
            let template = voxhive_sync::TEMPLATES
                .iter()
                .find(|t| t.key == key)
                .ok_or_else(|| AppError::field("template", "choose one of the templates"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(AppError::field("name", "give the assistant a name"));
            }
            if name.chars().count() > 40 {
                return Err(AppError::field(
                    "name",
                    "a name can be at most 40 characters (the providers' limit)",
                ));
            }
            voxhive_sync::template_document(&connection.provider, template, name)
        }
        NewAssistant::Document(doc) => {
            if !doc.is_object() || !doc.get("name").is_some_and(Value::is_string) {
                return Err(AppError::field(
                    "document",
                    "the document must be a JSON object with a \"name\"",
                ));
            }
            doc.clone()
        }
    };
    if let Some(client) = tool_checker(state, &connection) {
        voxhive_sync::check_tools(client.as_ref(), &connection.provider, None, &document).await?;
    }
    let id = voxhive_sync::create_local(
        &state.store,
        workspace_id,
        connection.id,
        &connection.provider,
        &document,
        Some(user_id),
    )
    .await?;
    let name = document["name"].as_str().unwrap_or_default();
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "assistant.create",
            name,
            &json!({"assistant_id": id}),
        )
        .await?;
    Ok(id)
}
