//! `xi-api-key` authentication: the key picks the workspace whose data a request sees.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ElError;
use crate::app::AppState;

/// The workspace (index into `World::elevenlabs`) of the request's key.
#[derive(Debug, Clone, Copy)]
pub struct Workspace(pub usize);

impl FromRequestParts<AppState> for Workspace {
    type Rejection = ElError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get("xi-api-key")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ElError::unauthorized)?;
        state
            .world()
            .el_by_key(key.trim())
            .map(Workspace)
            .ok_or_else(ElError::unauthorized)
    }
}
