//! `/api/v1/assistants` and `/api/v1/connections/{id}/import`: assistants kept locally, with
//! their sync status and whole documents.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use voxhive_core::Permission;
use voxhive_store::{Assistant, AssistantFilter};
use voxhive_sync::JobSpec;

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::connections::client_for;
use crate::error::{ApiError, AppError};
use crate::jobs::JobView;
use crate::AppState;

/// An assistant as listed.
#[derive(Serialize, ToSchema)]
pub struct AssistantSummary {
    pub id: i64,
    pub connection_id: i64,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// The provider's id; null until the assistant is first pushed.
    pub remote_id: Option<String>,
    pub name: String,
    /// synced, modified, outdated, conflict, new, remote_deleted, syncing or error.
    pub sync_status: String,
    pub base_hash: Option<String>,
    pub local_hash: String,
    pub remote_hash: Option<String>,
    /// The provider's message when the last sync failed.
    pub last_error: Option<String>,
}

/// An assistant with its whole local document.
#[derive(Serialize, ToSchema)]
pub struct AssistantDetail {
    #[serde(flatten)]
    pub summary: AssistantSummary,
    /// The whole local document, as the provider defines it.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

fn summary(a: Assistant) -> AssistantSummary {
    AssistantSummary {
        id: a.id,
        connection_id: a.connection_id,
        provider: a.provider,
        remote_id: a.remote_id,
        name: a.name,
        sync_status: a.sync_status,
        base_hash: a.base_hash,
        local_hash: a.local_hash,
        remote_hash: a.remote_hash,
        last_error: a.last_error,
    }
}

/// Filters of the assistant list.
#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `vapi` or `elevenlabs`.
    pub provider: Option<String>,
    pub connection_id: Option<i64>,
    /// One sync status.
    pub status: Option<String>,
    /// Text in the name.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/assistants", tag = "assistants", params(ListQuery),
    responses((status = 200, description = "The workspace's assistants, by name", body = [AssistantSummary]),
              (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_assistants(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<AssistantSummary>>, ApiError> {
    let filter = AssistantFilter {
        connection_id: q.connection_id,
        provider: q.provider.filter(|p| !p.is_empty()),
        sync_status: q.status.filter(|s| !s.is_empty()),
        text: q.q.filter(|t| !t.trim().is_empty()),
    };
    let rows = state.store.assistants(auth.workspace_id, &filter).await?;
    Ok(Json(rows.into_iter().map(summary).collect()))
}

#[utoipa::path(get, path = "/assistants/{id}", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    responses((status = 200, description = "The assistant and its whole local document", body = AssistantDetail),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody)))]
pub async fn show_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<AssistantDetail>, ApiError> {
    let assistant = state
        .store
        .assistant(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let revision = state
        .store
        .revision(assistant.id, assistant.local_revision_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("assistant {id} has no local revision")))?;
    let document = serde_json::from_str(&revision.document).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(AssistantDetail {
        summary: summary(assistant),
        document,
    }))
}

/// Which assistants to import; all when `remote_ids` is absent.
#[derive(Deserialize, ToSchema, Default)]
pub struct ImportBody {
    pub remote_ids: Option<Vec<String>>,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub total: usize,
    pub created: usize,
    pub pulled: usize,
    pub unchanged: usize,
    pub conflicts: usize,
    pub remote_deleted: usize,
    /// Records of the provider's list that could not be read, with the reason.
    pub skipped: Vec<String>,
}

#[utoipa::path(post, path = "/connections/{id}/import", tag = "assistants",
    params(("id" = i64, Path, description = "Connection id")), request_body(content = ImportBody, description = "Optional: `{\"remote_ids\": [...]}`"),
    responses((status = 200, description = "Imported; importing again is idempotent", body = ImportResult),
              (status = 202, description = "Still importing after a few seconds (or at once with `Prefer: respond-async`): follow the job at `/jobs/{id}`", body = JobView),
              (status = 403, description = "Viewers cannot import", body = ErrorBody),
              (status = 404, description = "No such connection", body = ErrorBody),
              (status = 422, description = "An id the account does not have, or the provider refused or failed; the reason is in the message", body = ErrorBody)))]
pub async fn import_connection(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Option<Json<ImportBody>>,
) -> Result<Response, ApiError> {
    auth.require(Permission::Edit)?;
    let connection = state
        .store
        .connection(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = body.map(|Json(b)| b).unwrap_or_default();
    if let Some(ids) = &body.remote_ids {
        let client = client_for(&state, &connection)?;
        voxhive_sync::check_remote_ids(client.as_ref(), ids).await?;
    }
    let spec = JobSpec::ImportAssistants {
        connection_id: connection.id,
        remote_ids: body.remote_ids,
        user_id: Some(auth.user_id),
    };
    let job = crate::jobs::start(&state, auth.workspace_id, &spec).await?;
    super::jobs::answer_when_done(&state, &headers, auth.workspace_id, job).await
}

/// The assistant of this workspace with the given id, or 404.
async fn find(state: &AppState, auth: &ApiAuth, id: i64) -> Result<Assistant, ApiError> {
    Ok(state
        .store
        .assistant(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?)
}

/// Reads a JSON body, answering 400 with the parser's reason.
fn json_body(body: Result<Json<serde_json::Value>, JsonRejection>) -> Result<serde_json::Value, ApiError> {
    body.map(|Json(v)| v).map_err(|e| {
        ApiError(AppError::BadRequest {
            field: Some("document"),
            message: e.body_text(),
        })
    })
}

#[utoipa::path(patch, path = "/assistants/{id}", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    request_body(content = Object, description = "A JSON merge patch (RFC 7396) applied to the local document"),
    responses((status = 200, description = "Saved as a new local revision; nothing is sent to the provider", body = AssistantDetail),
              (status = 400, description = "Not JSON, not an object, or refused by the provider's schema or tool list: `field` is the JSON pointer of the first problem (`/model/temperature`); nothing is saved", body = ErrorBody),
              (status = 403, description = "Viewers cannot edit", body = ErrorBody),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody)))]
pub async fn patch_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<AssistantDetail>, ApiError> {
    auth.require(Permission::Edit)?;
    let patch = json_body(body)?;
    if !patch.is_object() {
        return Err(AppError::field("document", "a merge patch is a JSON object").into());
    }
    let assistant = find(&state, &auth, id).await?;
    let document =
        voxhive_core::doc::apply_merge_patch(&crate::assistants::local_document(&state, &assistant).await?, &patch);
    crate::assistants::save_checked(&state, &assistant, &document, auth.user_id).await?;
    show_assistant(auth, State(state), Path(id)).await
}

#[utoipa::path(put, path = "/assistants/{id}/document", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    request_body(content = Object, description = "The whole new local document"),
    responses((status = 200, description = "Saved as a new local revision; nothing is sent to the provider", body = AssistantDetail),
              (status = 400, description = "Not JSON, not an object, or refused by the provider's schema or tool list: `field` is the JSON pointer of the first problem (`/model/temperature`); nothing is saved", body = ErrorBody),
              (status = 403, description = "Viewers cannot edit", body = ErrorBody),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody)))]
pub async fn replace_document(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<AssistantDetail>, ApiError> {
    auth.require(Permission::Edit)?;
    let document = json_body(body)?;
    let assistant = find(&state, &auth, id).await?;
    crate::assistants::save_checked(&state, &assistant, &document, auth.user_id).await?;
    show_assistant(auth, State(state), Path(id)).await
}

/// The outcome of a push or a pull, with the assistant after it.
#[derive(Serialize, ToSchema)]
pub struct SyncResult {
    /// Push: created, pushed, unchanged or conflict. Pull: unchanged, pulled, conflict or remote_deleted.
    pub outcome: String,
    pub assistant: AssistantSummary,
}

fn snake(debug: String) -> String {
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[utoipa::path(post, path = "/assistants/{id}/push", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    responses((status = 200, description = "Pushed, created, unchanged, or stopped by a conflict (nothing written)", body = SyncResult),
              (status = 403, description = "Viewers cannot push", body = ErrorBody),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody),
              (status = 409, description = "The provider no longer has the assistant", body = ErrorBody),
              (status = 422, description = "The provider refused or failed; the local revision is kept", body = ErrorBody)))]
pub async fn push_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SyncResult>, ApiError> {
    auth.require(Permission::Edit)?;
    let assistant = find(&state, &auth, id).await?;
    let outcome = crate::assistants::push(&state, &assistant, auth.user_id).await?;
    let after = find(&state, &auth, id).await?;
    Ok(Json(SyncResult {
        outcome: snake(format!("{outcome:?}")),
        assistant: summary(after),
    }))
}

#[utoipa::path(post, path = "/assistants/{id}/pull", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    responses((status = 200, description = "The provider's current state, taken or kept beside a local change", body = SyncResult),
              (status = 403, description = "Viewers cannot pull", body = ErrorBody),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused or failed", body = ErrorBody)))]
pub async fn pull_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SyncResult>, ApiError> {
    auth.require(Permission::Edit)?;
    let assistant = find(&state, &auth, id).await?;
    let outcome = crate::assistants::pull(&state, &assistant, auth.user_id).await?;
    let after = find(&state, &auth, id).await?;
    Ok(Json(SyncResult {
        outcome: snake(format!("{outcome:?}")),
        assistant: summary(after),
    }))
}

/// One revision as listed.
#[derive(Serialize, ToSchema)]
pub struct RevisionView {
    pub id: i64,
    pub hash: String,
    /// import, local, pull, rollback, merge or create.
    pub source: String,
    /// The e-mail of who made it; null for the provider.
    pub author: Option<String>,
    pub created_at: String,
}

#[utoipa::path(get, path = "/assistants/{id}/revisions", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id")),
    responses((status = 200, description = "Every revision, newest first", body = [RevisionView]),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody)))]
pub async fn list_revisions(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RevisionView>>, ApiError> {
    let assistant = find(&state, &auth, id).await?;
    let revisions = state.store.revisions(assistant.id).await?;
    Ok(Json(
        revisions
            .into_iter()
            .map(|r| RevisionView {
                id: r.id,
                hash: r.hash,
                source: r.source,
                author: r.author_email,
                created_at: super::rfc3339(r.created_at),
            })
            .collect(),
    ))
}

/// Which revisions to compare; `to` defaults to the current local one.
#[derive(Deserialize, IntoParams)]
pub struct DiffQuery {
    pub from: i64,
    pub to: Option<i64>,
}

/// One changed field between two documents.
#[derive(Serialize, ToSchema)]
pub struct FieldChange {
    /// The field, such as `model.messages[0].content`.
    pub path: String,
    /// added, removed or changed.
    pub kind: String,
    #[schema(value_type = Object)]
    pub old: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub new: Option<serde_json::Value>,
}

#[utoipa::path(get, path = "/assistants/{id}/diff", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id"), DiffQuery),
    responses((status = 200, description = "The changed fields, read-only fields left out", body = [FieldChange]),
              (status = 404, description = "No such assistant or revision", body = ErrorBody)))]
pub async fn diff_revisions(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Vec<FieldChange>>, ApiError> {
    use voxhive_core::doc::{diff, strip_read_only, ChangeKind};
    let assistant = find(&state, &auth, id).await?;
    let to = q.to.unwrap_or(assistant.local_revision_id);
    let from = strip_read_only(
        &assistant.provider,
        &crate::assistants::revision_document(&state, &assistant, q.from).await?,
    );
    let to = strip_read_only(
        &assistant.provider,
        &crate::assistants::revision_document(&state, &assistant, to).await?,
    );
    let changes = diff(&from, &to)
        .into_iter()
        .map(|c| {
            let path = c.path.to_string();
            match c.kind {
                ChangeKind::Added(new) => FieldChange {
                    path,
                    kind: "added".into(),
                    old: None,
                    new: Some(new),
                },
                ChangeKind::Removed(old) => FieldChange {
                    path,
                    kind: "removed".into(),
                    old: Some(old),
                    new: None,
                },
                ChangeKind::Changed { old, new } => FieldChange {
                    path,
                    kind: "changed".into(),
                    old: Some(old),
                    new: Some(new),
                },
            }
        })
        .collect();
    Ok(Json(changes))
}

/// The revision to roll back to.
#[derive(Deserialize, ToSchema)]
pub struct RollbackBody {
    pub revision_id: i64,
}

#[utoipa::path(post, path = "/assistants/{id}/rollback", tag = "assistants", request_body = RollbackBody,
    params(("id" = i64, Path, description = "Assistant id")),
    responses((status = 200, description = "The revision is the local document again (a new revision)", body = AssistantDetail),
              (status = 403, description = "Viewers cannot roll back", body = ErrorBody),
              (status = 404, description = "No such assistant or revision", body = ErrorBody)))]
pub async fn rollback_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<RollbackBody>,
) -> Result<Json<AssistantDetail>, ApiError> {
    auth.require(Permission::Edit)?;
    let assistant = find(&state, &auth, id).await?;
    crate::assistants::rollback(&state, &assistant, body.revision_id, auth.user_id).await?;
    show_assistant(auth, State(state), Path(id)).await
}

/// Whether to delete at the provider too.
#[derive(Deserialize, IntoParams)]
pub struct DeleteQuery {
    /// `true` deletes the assistant at the provider first.
    #[serde(default)]
    pub remote: bool,
}

#[utoipa::path(delete, path = "/assistants/{id}", tag = "assistants",
    params(("id" = i64, Path, description = "Assistant id"), DeleteQuery),
    responses((status = 204, description = "Deleted (at the provider too with remote=true)"),
              (status = 403, description = "Viewers cannot delete", body = ErrorBody),
              (status = 404, description = "No such assistant in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused; nothing was deleted", body = ErrorBody)))]
pub async fn delete_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DeleteQuery>,
) -> Result<axum::http::StatusCode, ApiError> {
    auth.require(Permission::Edit)?;
    let assistant = find(&state, &auth, id).await?;
    crate::assistants::delete(&state, &assistant, q.remote, auth.user_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A new assistant: a template and a name, or a whole provider document.
#[derive(Deserialize, ToSchema)]
pub struct NewAssistantBody {
    pub connection_id: i64,
    /// receptionist, appointment-booking, lead-qualification or customer-support.
    pub template: Option<String>,
    /// With a template: the assistant's name.
    pub name: Option<String>,
    /// Instead of a template: the whole provider document.
    #[schema(value_type = Object)]
    pub document: Option<serde_json::Value>,
}

#[utoipa::path(post, path = "/assistants", tag = "assistants", request_body = NewAssistantBody,
    responses((status = 201, description = "Created locally (status new); push it to create it at the provider", body = AssistantDetail),
              (status = 400, description = "A field is missing or wrong, or the document is refused by the provider's schema or tool list; the field is named (a JSON pointer such as `/model/temperature` for the document's own fields)", body = ErrorBody),
              (status = 403, description = "Viewers cannot create", body = ErrorBody)))]
pub async fn create_assistant(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<NewAssistantBody>, JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<AssistantDetail>), ApiError> {
    use crate::assistants::NewAssistant;
    auth.require(Permission::Edit)?;
    let Json(body) = body.map_err(|e| {
        ApiError(AppError::BadRequest {
            field: None,
            message: e.body_text(),
        })
    })?;
    let what = match (&body.document, &body.template) {
        (Some(doc), _) => NewAssistant::Document(doc),
        (None, Some(key)) => NewAssistant::Template {
            key,
            name: body.name.as_deref().unwrap_or_default(),
        },
        (None, None) => {
            return Err(AppError::field("template", "give a template and a name, or a whole document").into())
        }
    };
    let id =
        crate::assistants::create_checked(&state, auth.workspace_id, body.connection_id, what, auth.user_id).await?;
    let Json(detail) = show_assistant(auth, State(state), Path(id)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(detail)))
}
