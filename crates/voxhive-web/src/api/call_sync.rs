//! `POST /api/v1/connections/{id}/sync-calls`: reads a connection's calls from its provider now,
//! as a job (a poll from the watermark, or the whole history), followed at `/api/v1/jobs/{id}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use voxhive_core::Permission;

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::jobs::JobView;
use crate::AppState;

/// Which calls to read.
#[derive(Deserialize, ToSchema, Default)]
pub struct SyncCallsBody {
    /// The whole history instead of the calls since the last poll (default false).
    #[serde(default)]
    pub backfill: bool,
}

#[utoipa::path(post, path = "/connections/{id}/sync-calls", tag = "calls", request_body(content = SyncCallsBody, description = "Optional; `{}` polls from the last watermark"),
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 202, description = "The sync job (a sync already queued or running for the connection is answered instead of a second one)", body = JobView),
              (status = 403, description = "Viewers cannot start a sync", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn sync_calls(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    auth.require(Permission::Edit)?;
    // The body is optional: none at all polls from the watermark.
    let body: SyncCallsBody = if body.iter().all(u8::is_ascii_whitespace) {
        SyncCallsBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
            field: Some("backfill"),
            message: format!("the body must be {{\"backfill\": true|false}}: {e}"),
        })?
    };
    state
        .store
        .connection(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let job_id = voxhive_sync::start_call_sync(&state.store, auth.workspace_id, id, body.backfill).await?;
    state.job_wake.notify_one();
    let job = state
        .store
        .job(auth.workspace_id, job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let location = format!("/api/v1/jobs/{job_id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(JobView::of(&job)),
    )
        .into_response())
}
