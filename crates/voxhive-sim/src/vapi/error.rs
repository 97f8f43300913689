//! Vapi's error responses: NestJS-style `{statusCode, message, error}`, with `message` an array for validation.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An error answered in Vapi's shape.
#[derive(Debug)]
pub struct VapiError {
    status: StatusCode,
    message: Value,
}

/// Result of a Vapi handler.
pub type VapiResult<T> = Result<T, VapiError>;

impl VapiError {
    /// 400 with one message per invalid field.
    pub fn validation(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: json!(messages),
        }
    }

    /// 400 with a single message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: json!(message.into()),
        }
    }

    /// 401 for a missing or unknown key.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: json!(
                "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa."
            ),
        }
    }

    /// 404 for a resource this organisation does not have.
    pub fn not_found(what: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: json!(format!("{what} not found")),
        }
    }

    /// 404 for a live call that has already ended (live call control, the WebSocket transport).
    pub fn call_ended() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: json!("Call has already ended."),
        }
    }

    /// 409 for a request the resource's state does not allow.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            message: json!(message.into()),
        }
    }
}

/// An error with only a status, its reason phrase as message (used by fault injection).
pub fn status(status: StatusCode) -> VapiError {
    VapiError {
        status,
        message: json!(status.canonical_reason().unwrap_or("Error")),
    }
}

impl IntoResponse for VapiError {
    fn into_response(self) -> Response {
        let body = json!({
            "statusCode": self.status.as_u16(),
            "message": self.message,
            "error": self.status.canonical_reason().unwrap_or("Error"),
        });
        (self.status, Json(body)).into_response()
    }
}
