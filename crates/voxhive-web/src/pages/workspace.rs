//! Switching the workspace a session works in.

use std::sync::Arc;

use crate::form::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::AppState;

#[derive(Deserialize)]
pub struct SwitchForm {
    workspace_id: i64,
}

/// Makes another of the user's workspaces the current one; 404 for a workspace not theirs.
pub async fn switch_workspace(
    State(state): State<AppState>,
    signed_in: Option<Extension<Arc<SignedIn>>>,
    Form(form): Form<SwitchForm>,
) -> AppResult<Response> {
    let Some(Extension(signed_in)) = signed_in else {
        return Err(AppError::SignInRequired { next: "/usage".into() });
    };
    state
        .store
        .workspace_role(signed_in.user.id, form.workspace_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .set_session_workspace(signed_in.session.id, form.workspace_id)
        .await?;
    Ok(Redirect::to("/usage").into_response())
}
