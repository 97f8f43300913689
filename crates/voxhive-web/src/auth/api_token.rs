//! Bearer-token authentication of the JSON API.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use voxhive_core::secret::digest;
use voxhive_core::{Permission, Role};

use crate::error::{ApiError, AppError};
use crate::AppState;

/// The prefix of every API token, so that leaked tokens are easy to recognise.
pub const TOKEN_PREFIX: &str = "vh_";

/// The caller of an API request: a user acting in one workspace with their role there.
#[derive(Clone, Debug)]
pub struct ApiAuth {
    pub user_id: i64,
    pub workspace_id: i64,
    pub role: Role,
}

impl ApiAuth {
    /// Refuses with 403 unless the role grants the permission.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(ApiError(AppError::Forbidden))
        }
    }
}

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with(TOKEN_PREFIX))
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let owner = state
            .store
            .api_token_owner(&digest(token))
            .await?
            .ok_or(ApiError(AppError::Unauthenticated))?;
        Ok(ApiAuth {
            user_id: owner.user_id,
            workspace_id: owner.workspace_id,
            role: owner.role,
        })
    }
}

/// Mints a token for a user in a workspace, stores its digest, and returns it: the only time
/// the token itself exists outside the caller.
pub async fn issue_api_token(
    store: &voxhive_store::Store,
    user_id: i64,
    workspace_id: i64,
    name: &str,
) -> voxhive_store::StoreResult<String> {
    let token = format!("{TOKEN_PREFIX}{}", voxhive_core::secret::random_token(32));
    let last4 = &token[token.len() - 4..];
    store
        .create_api_token(&digest(&token), user_id, workspace_id, name, last4)
        .await?;
    Ok(token)
}
