//! A form extractor whose rejections are 400 pages naming the field at fault.

use axum::extract::{FromRequest, Request};

use crate::error::AppError;

/// Like `axum::Form`, but a malformed form answers 400 with the field named.
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    axum::Form<T>: FromRequest<S, Rejection = axum::extract::rejection::FormRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => {
                let detail = rejection.body_text();
                let detail = detail
                    .strip_prefix("Failed to deserialize form body: ")
                    .unwrap_or(&detail);
                Err(AppError::BadRequest {
                    field: None,
                    message: format!("the form is malformed: {detail}"),
                })
            }
        }
    }
}
