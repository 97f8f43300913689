//! Settings, API tokens: create (shown once), list, revoke.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use voxhive_store::ApiToken;

use super::redirect_with_flash;
use crate::auth::{issue_api_token, Auth};
use crate::error::{AppError, AppResult};
use crate::views::{Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    shell: Shell,
    tokens: Vec<TokenRow>,
}

struct TokenRow {
    token: ApiToken,
    created: String,
    last_used: String,
}

const PATH: &str = "/settings/tokens";

pub async fn show_tokens(auth: Auth, State(state): State<AppState>) -> AppResult<Page<TokensPage>> {
    let shell = auth.shell(&state, "API Tokens", PATH).await?;
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let now = voxhive_core::time::now_ms();
    let tokens = state
        .store
        .api_tokens(auth.workspace_id(), auth.user_id())
        .await?
        .into_iter()
        .map(|token| TokenRow {
            created: voxhive_core::time::format_minute(token.created_at, &zone),
            last_used: token
                .last_used_at
                .map(|t| voxhive_core::time::relative(t, now))
                .unwrap_or_else(|| "never".into()),
            token,
        })
        .collect();
    Ok(Page(TokensPage { shell, tokens }))
}

#[derive(Deserialize)]
pub struct CreateTokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<CreateTokenForm>,
) -> AppResult<Response> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::field(
            "name",
            "give the token a name of 1 to 80 characters, such as \"CI deploys\"",
        ));
    }
    let token = issue_api_token(&state.store, auth.user_id(), auth.workspace_id(), name).await?;
    state
        .store
        .record_audit(
            auth.workspace_id(),
            Some(auth.user_id()),
            "token.create",
            name,
            &json!({}),
        )
        .await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("Token \"{name}\" created. Copy it now: it will not be shown again."),
        Some(token),
    ))
}

pub async fn revoke_token(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    if !state
        .store
        .revoke_api_token(auth.workspace_id(), auth.user_id(), id)
        .await?
    {
        return Err(AppError::NotFound);
    }
    state
        .store
        .record_audit(
            auth.workspace_id(),
            Some(auth.user_id()),
            "token.revoke",
            &id.to_string(),
            &json!({}),
        )
        .await?;
    Ok(redirect_with_flash(&state, PATH, "success", "Token revoked.", None))
}
