//! CSRF protection: every state-changing page request carries the session's token, in the
//! `X-CSRF-Token` header (htmx) or the `csrf_token` field of a urlencoded form.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use voxhive_core::secret::constant_time_eq;

use crate::error::AppError;

/// The form field holding the token.
pub const FIELD: &str = "csrf_token";
/// The header holding the token.
pub const HEADER: &str = "x-csrf-token";
/// The largest form body read while looking for the token.
const FORM_LIMIT: usize = 1024 * 1024;

/// Passes the request on when its token equals `expected`; rejects it otherwise.
pub async fn verify(req: Request, expected: Option<&str>) -> Result<Request, AppError> {
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return Err(AppError::CsrfRejected);
    };
    if let Some(given) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(given, expected) {
            Ok(req)
        } else {
            Err(AppError::CsrfRejected)
        };
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::CsrfRejected);
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, FORM_LIMIT).await.map_err(|_| AppError::BadRequest {
        field: None,
        message: "the form is larger than 1 MB".into(),
    })?;
    let given = form_field(&bytes, FIELD);
    match given {
        Some(given) if constant_time_eq(&given, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(AppError::CsrfRejected),
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}
