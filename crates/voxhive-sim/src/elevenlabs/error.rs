//! ElevenLabs' error responses: `{"detail": {status, message}}`, and FastAPI's 422 `{"detail": [{loc, msg, type}]}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An error answered in ElevenLabs' shape.
#[derive(Debug)]
pub struct ElError {
    status: StatusCode,
    detail: Value,
}

/// Result of an ElevenLabs handler.
pub type ElResult<T> = Result<T, ElError>;

/// One entry of a 422 body.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// Where: `["body", "agent_id"]`, `["query", "page_size"]`.
    pub loc: Vec<String>,
    /// Pydantic's message, e.g. "Field required".
    pub msg: String,
    /// Pydantic's error type, e.g. `missing`.
    pub kind: &'static str,
    /// The offending input.
    pub input: Value,
}

impl ElError {
    /// 422 listing every invalid field.
    pub fn validation(errors: Vec<Invalid>) -> Self {
        let detail = errors
            .into_iter()
            .map(|e| json!({"type": e.kind, "loc": e.loc, "msg": e.msg, "input": e.input}))
            .collect();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: Value::Array(detail),
        }
    }

    /// 401 for a missing or unknown `xi-api-key`.
    pub fn unauthorized() -> Self {
        Self::with(StatusCode::UNAUTHORIZED, "invalid_api_key", "Invalid API key")
    }

    /// 404 for a resource this workspace does not have.
    pub fn not_found(status: &str, message: impl Into<String>) -> Self {
        Self::with(StatusCode::NOT_FOUND, status, message)
    }

    /// 400 with a status code word and message.
    pub fn bad_request(status: &str, message: impl Into<String>) -> Self {
        Self::with(StatusCode::BAD_REQUEST, status, message)
    }

    fn with(status: StatusCode, word: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: json!({"status": word, "message": message.into()}),
        }
    }
}

/// An error with only a status (used by fault injection).
pub fn status(status: StatusCode) -> ElError {
    let word = match status {
        StatusCode::TOO_MANY_REQUESTS => "rate_limit_exceeded",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        StatusCode::GATEWAY_TIMEOUT => "timeout",
        _ => "internal_server_error",
    };
    ElError::with(status, word, status.canonical_reason().unwrap_or("Error"))
}

impl IntoResponse for ElError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"detail": self.detail}))).into_response()
    }
}
