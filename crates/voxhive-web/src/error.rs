//! Errors of the web layer: one type, rendered as a page or, wrapped in [`ApiError`], as JSON.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use voxhive_store::StoreError;
use voxhive_sync::FieldProblem;

use crate::views::ErrorPage;

/// Everything a handler can fail with, each with the status it answers.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in to continue")]
    SignInRequired { next: String },
    #[error("not signed in or the token is not valid")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("your account is not a member of any workspace: ask an admin to invite you")]
    NoWorkspace,
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    BadRequest {
        field: Option<&'static str>,
        message: String,
    },
    /// Well-formed input that cannot be accepted, such as an API key the provider refuses.
    #[error("{message}")]
    Unprocessable {
        field: Option<&'static str>,
        message: String,
    },
    /// A document the provider would refuse; each problem names its field by JSON path.
    #[error("{}", FieldProblem::summary(.0))]
    Invalid(Vec<FieldProblem>),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    RateLimited { message: String, retry_after_secs: u64 },
    #[error("this form has expired or did not come from VoxHive: reload the page and try again")]
    CsrfRejected,
    #[error("the database is not answering; try again in a moment")]
    Unavailable,
    #[error("the database's disk is full: nothing can be saved until space is freed (what is saved is safe)")]
    DiskFull,
    #[error("something went wrong on our side; it has been logged")]
    Internal(String),
}

/// Results of handlers.
pub type AppResult<T> = Result<T, AppError>;

/// Logs an internal error answered outside `IntoResponse` (a JSON or event-stream answer), as
/// the page and API answers log theirs.
pub fn log_if_internal(err: &AppError) {
    if let AppError::Internal(detail) = err {
        tracing::error!(%detail, "internal error");
    }
}

impl AppError {
    /// A 400 naming the field at fault.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            field: Some(field),
            message: message.into(),
        }
    }

    /// The field at fault, if the error names one.
    pub fn field_name(&self) -> Option<&'static str> {
        match self {
            AppError::BadRequest { field, .. } | AppError::Unprocessable { field, .. } => *field,
            AppError::Invalid(_) => Some("document"),
            _ => None,
        }
    }

    /// The field the JSON API names: the form field, or for a refused document the JSON
    /// pointer of its first problem (`/model/temperature`).
    fn api_field(&self) -> Option<&str> {
        match self {
            AppError::Invalid(problems) => problems.first().map(|p| p.path.as_str()),
            _ => self.field_name(),
        }
    }

    /// For pages that show one message beside the document: a refused document as a
    /// [`AppError::BadRequest`] on the field "document", its problems in the message (paths as
    /// `model.temperature`). Any other error is returned as it is.
    pub fn at_document_field(self) -> AppError {
        match self {
            AppError::Invalid(problems) => AppError::field("document", FieldProblem::summary(&problems)),
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignInRequired { .. } | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NoWorkspace | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable | AppError::DiskFull => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::SignInRequired { .. } | AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NoWorkspace => "no_workspace",
            AppError::CsrfRejected => "csrf_rejected",
            AppError::NotFound => "not_found",
            AppError::BadRequest { .. } | AppError::Invalid(_) => "bad_request",
            AppError::Unprocessable { .. } => "unprocessable",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::DiskFull => "disk_full",
            AppError::Internal(_) => "internal",
        }
    }

    fn log(&self) {
        match self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Unavailable => tracing::warn!("database unavailable"),
            AppError::DiskFull => tracing::error!("the database's disk is full"),
            _ => {}
        }
    }

    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            AppError::RateLimited { retry_after_secs, .. } => HeaderValue::from_str(&retry_after_secs.to_string()).ok(),
            AppError::Unavailable => Some(HeaderValue::from_static("5")),
            AppError::DiskFull => Some(HeaderValue::from_static("60")),
            _ => None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        if err.is_unavailable() {
            AppError::Unavailable
        } else if err.is_disk_full() {
            AppError::DiskFull
        } else {
            AppError::Internal(err.to_string())
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(format!("template: {err}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if let AppError::SignInRequired { next } = &self {
            let to = format!("/login?next={}", urlencode(next));
            let mut res = Redirect::to(&to).into_response();
            // htmx swaps would otherwise paste the sign-in page into a fragment.
            if let Ok(v) = HeaderValue::from_str(&to) {
                res.headers_mut().insert("HX-Redirect", v);
            }
            return res;
        }
        let status = self.status();
        let retry_after = self.retry_after();
        let mut res = (status, ErrorPage::new(status, &self.to_string())).into_response();
        if let Some(v) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// An [`AppError`] answered as `{"error": {"code", "message", "field"?}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log();
        let mut body = serde_json::json!({"error": {"code": err.code(), "message": err.to_string()}});
        if let Some(field) = err.api_field() {
            body["error"]["field"] = serde_json::Value::from(field);
        }
        let retry_after = err.retry_after();
        let mut res = (err.status(), Json(body)).into_response();
        if let Some(v) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_string())
        .unwrap_or_default()
}
