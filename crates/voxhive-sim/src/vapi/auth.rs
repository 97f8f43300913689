//! Bearer-key authentication: the key picks the organisation whose data a request sees.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

use super::error::VapiError;
use crate::app::AppState;

/// The organisation (index into `World::vapi`) of the request's key.
#[derive(Debug, Clone, Copy)]
pub struct Org(pub usize);

impl FromRequestParts<AppState> for Org {
    type Rejection = VapiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(VapiError::unauthorized)?;
        state
            .world()
            .vapi_by_key(key.trim())
            .map(Org)
            .ok_or_else(VapiError::unauthorized)
    }
}
