//! `GET /api/v1/me`: who the token acts as.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::AppState;

/// The caller: user, workspace and role.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: MeUser,
    pub workspace: MeWorkspace,
    /// owner, admin, editor or viewer.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeUser {
    pub id: i64,
    pub email: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeWorkspace {
    pub id: i64,
    pub name: String,
    /// The IANA time zone dates are shown and grouped in.
    pub time_zone: String,
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "account",
    responses(
        (status = 200, description = "The token's user, workspace and role", body = Me),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
    )
)]
pub async fn show_me(auth: ApiAuth, State(state): State<AppState>) -> Result<Json<Me>, ApiError> {
    let user = state
        .store
        .user_by_id(auth.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let ws = state
        .store
        .workspace_role(auth.user_id, auth.workspace_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(Json(Me {
        user: MeUser {
            id: user.id,
            email: user.email,
            name: user.name,
        },
        workspace: MeWorkspace {
            id: ws.workspace.id,
            name: ws.workspace.name,
            time_zone: ws.workspace.time_zone,
        },
        role: auth.role.to_string(),
    }))
}
