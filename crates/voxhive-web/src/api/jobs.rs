//! `/api/v1/jobs/{id}` and the bulk push: work that may outlast a request.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use voxhive_core::Permission;
use voxhive_sync::JobSpec;

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::jobs::JobView;
use crate::AppState;

/// How long a request waits for its job before answering 202 with the job instead.
const PATIENCE: Duration = Duration::from_secs(10);

/// The job's result with 200 once done within [`PATIENCE`]; its reason with 422 if it failed;
/// otherwise 202 with the job, to be followed at `/api/v1/jobs/{id}`. A client that sends
/// `Prefer: respond-async` (RFC 7240) gets the 202 at once.
pub async fn answer_when_done(
    state: &AppState,
    headers: &HeaderMap,
    workspace_id: i64,
    id: i64,
) -> Result<Response, ApiError> {
    let respond_async = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("respond-async")));
    let patience = if respond_async { Duration::ZERO } else { PATIENCE };
    let job = crate::jobs::wait(state, workspace_id, id, patience).await?;
    let view = JobView::of(&job);
    match (job.status.as_str(), view.result.clone()) {
        ("done", Some(result)) => Ok(Json(result).into_response()),
        ("failed" | "cancelled", _) => Err(AppError::Unprocessable {
            field: None,
            message: view.error.unwrap_or(view.summary),
        }
        .into()),
        _ => {
            let location = format!("/api/v1/jobs/{id}");
            Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(view)).into_response())
        }
    }
}

#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, description = "The job, with its progress, and its result once done", body = JobView),
              (status = 404, description = "No such job in this workspace", body = ErrorBody)))]
pub async fn show_job(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<JobView>, ApiError> {
    let job = state
        .store
        .job(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(JobView::of(&job)))
}

/// What a bulk push did (the job's result).
#[derive(serde::Serialize, ToSchema)]
pub struct PushResult {
    /// Sent to the provider (updated or created there).
    pub pushed: usize,
    /// Already the same at the provider.
    pub unchanged: usize,
    /// Names of assistants changed at the provider meanwhile: not pushed, now in conflict.
    pub conflicts: Vec<String>,
    /// Assistants the provider refused or that failed; their local revisions are kept.
    pub failed: Vec<PushFailure>,
}

/// One assistant a bulk push could not send, with the provider's reason.
#[derive(serde::Serialize, ToSchema)]
pub struct PushFailure {
    pub name: String,
    pub message: String,
}

/// The assistants to push.
#[derive(Deserialize, ToSchema)]
pub struct PushBody {
    pub ids: Vec<i64>,
}

#[utoipa::path(post, path = "/assistants/push", tag = "assistants",
    request_body = PushBody,
    responses((status = 200, description = "Pushed each assistant (guarded); conflicts and failures are listed, their local revisions kept", body = PushResult),
              (status = 202, description = "Still pushing after a few seconds (or at once with `Prefer: respond-async`): follow the job at `/jobs/{id}`", body = JobView),
              (status = 400, description = "No ids", body = ErrorBody),
              (status = 403, description = "Viewers cannot push", body = ErrorBody),
              (status = 404, description = "An id that is not an assistant of this workspace", body = ErrorBody)))]
pub async fn push_many(
    auth: ApiAuth,
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<PushBody>,
) -> Result<Response, ApiError> {
    auth.require(Permission::Edit)?;
    if body.ids.is_empty() {
        return Err(AppError::BadRequest {
            field: Some("ids"),
            message: "name at least one assistant to push".into(),
        }
        .into());
    }
    for id in &body.ids {
        state
            .store
            .assistant(auth.workspace_id, *id)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let spec = JobSpec::PushAssistants {
        assistant_ids: body.ids,
        user_id: Some(auth.user_id),
    };
    let job = crate::jobs::start(&state, auth.workspace_id, &spec).await?;
    answer_when_done(&state, &headers, auth.workspace_id, job).await
}
