//! `/api/v1/files`: the knowledge-base files of the workspace's connections (Vapi files,
//! ElevenLabs documents) with the status their provider last reported; upload (multipart,
//! checked before anything is sent) and delete at the provider.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use voxhive_core::Permission;
use voxhive_providers::FileUpload;
use voxhive_store::KnowledgeFile;

use super::{rfc3339, ErrorBody, RefreshOutcome, RefreshParams};
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::knowledge;
use crate::AppState;

/// A knowledge-base file, as VoxHive last read it from the provider.
#[derive(Serialize, ToSchema)]
pub struct FileView {
    pub id: i64,
    pub connection_id: i64,
    pub connection: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub remote_id: String,
    pub name: String,
    /// `file`, `url` or `text`.
    pub source: String,
    pub mimetype: Option<String>,
    pub bytes: Option<i64>,
    /// `processing`, `done` or `failed`.
    pub status: String,
    pub refreshed_at: String,
}

impl From<KnowledgeFile> for FileView {
    fn from(f: KnowledgeFile) -> Self {
        Self {
            id: f.id,
            connection_id: f.connection_id,
            connection: f.connection_label,
            provider: f.provider,
            remote_id: f.remote_id,
            name: f.name,
            source: f.source,
            mimetype: f.mimetype,
            bytes: f.bytes,
            status: f.status,
            refreshed_at: rfc3339(f.refreshed_at),
        }
    }
}

/// Which files to list.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    pub connection_id: Option<i64>,
}

#[utoipa::path(get, path = "/files", tag = "knowledge base", params(ListParams),
    responses((status = 200, description = "The stored files, by name", body = Vec<FileView>)))]
pub async fn list_files(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<FileView>>, ApiError> {
    let files = knowledge::list(&state, auth.workspace_id, params.connection_id).await?;
    Ok(Json(files.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/files", tag = "knowledge base",
    request_body(content_type = "multipart/form-data", description = "`connection_id`, then one or more `file` parts"),
    responses((status = 201, description = "Uploaded, as the provider answered (each file in order)", body = Vec<FileView>),
              (status = 400, description = "No connection or file, or a file that is empty, over the provider's size limit or of a type it does not take (named); nothing was sent", body = ErrorBody),
              (status = 413, description = "The request is larger than the largest file any provider takes", body = ErrorBody),
              (status = 403, description = "Viewers cannot upload", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused a file; those before it are uploaded", body = ErrorBody)))]
pub async fn upload_files(
    auth: ApiAuth,
    State(state): State<AppState>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Vec<FileView>>), ApiError> {
    auth.require(Permission::Edit)?;
    let malformed = |e: axum::extract::multipart::MultipartError| {
        ApiError(AppError::BadRequest {
            field: None,
            message: format!("the multipart body is malformed: {}", e.body_text()),
        })
    };
    let mut connection_id = None;
    let mut files = Vec::new();
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or_default() {
            "connection_id" => {
                let text = field.text().await.map_err(malformed)?;
                connection_id =
                    Some(text.trim().parse::<i64>().map_err(|_| {
                        ApiError(AppError::field("connection_id", "connection_id is a connection's id"))
                    })?);
            }
            "file" => files.push(FileUpload {
                file_name: field.file_name().unwrap_or("upload").to_owned(),
                content_type: field.content_type().unwrap_or("application/octet-stream").to_owned(),
                bytes: field.bytes().await.map_err(malformed)?.to_vec(),
            }),
            other => {
                return Err(ApiError(AppError::BadRequest {
                    field: None,
                    message: format!("unexpected part \"{other}\": send connection_id and file parts"),
                }))
            }
        }
    }
    let connection_id =
        connection_id.ok_or_else(|| ApiError(AppError::field("connection_id", "connection_id is required")))?;
    if files.is_empty() {
        return Err(ApiError(AppError::field("file", "send at least one file part")));
    }
    knowledge::check_uploads(&state, auth.workspace_id, connection_id, &files).await?;
    let mut uploaded: Vec<FileView> = Vec::with_capacity(files.len());
    for file in files {
        let name = file.file_name.clone();
        match knowledge::upload(&state, auth.workspace_id, auth.user_id, connection_id, file).await {
            Ok(stored) => uploaded.push(stored.into()),
            Err(err) if uploaded.is_empty() => return Err(err.into()),
            Err(err) => {
                // Say which files did go through, so none is uploaded twice.
                let through: Vec<String> = uploaded.iter().map(|f| format!("{} (id {})", f.name, f.id)).collect();
                return Err(ApiError(AppError::Unprocessable {
                    field: Some("file"),
                    message: format!(
                        "{name} was not uploaded: {err}; uploaded before it: {}",
                        through.join(", ")
                    ),
                }));
            }
        }
    }
    Ok((StatusCode::CREATED, Json(uploaded)))
}

#[utoipa::path(get, path = "/files/{id}", tag = "knowledge base", params(("id" = i64, Path, description = "File id")),
    responses((status = 200, description = "The file; one still being parsed is read again from its provider, so polling follows its status", body = FileView),
              (status = 404, description = "No such file in this workspace", body = ErrorBody)))]
pub async fn show_file(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<FileView>, ApiError> {
    Ok(Json(
        knowledge::follow_status(&state, auth.workspace_id, id).await?.into(),
    ))
}

#[utoipa::path(delete, path = "/files/{id}", tag = "knowledge base", params(("id" = i64, Path, description = "File id")),
    responses((status = 204, description = "Deleted at the provider and forgotten"),
              (status = 403, description = "Viewers cannot delete files", body = ErrorBody),
              (status = 404, description = "No such file in this workspace", body = ErrorBody)))]
pub async fn delete_file(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::Edit)?;
    knowledge::delete(&state, auth.workspace_id, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/files/refresh", tag = "knowledge base", params(RefreshParams),
    responses((status = 200, description = "Each connection's files re-read from its provider, with their status", body = Vec<RefreshOutcome>),
              (status = 403, description = "Viewers cannot refresh", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn refresh_files(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<RefreshParams>,
) -> Result<Json<Vec<RefreshOutcome>>, ApiError> {
    auth.require(Permission::Edit)?;
    let connections = params.connections(&state, auth.workspace_id).await?;
    let outcomes = knowledge::refresh(&state, auth.workspace_id, auth.user_id, &connections).await?;
    Ok(Json(RefreshOutcome::all(outcomes)))
}
