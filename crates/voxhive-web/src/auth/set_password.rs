//! The one-time set-password page that invited members (and resets) land on.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use voxhive_core::password;
use voxhive_core::secret::digest;

use super::cookies::{self, PreSessionToken};
use super::session::append_cookie;
use crate::assets::{self, AssetUrls};
use crate::error::{AppError, AppResult};
use crate::views::{Flash, Page};
use crate::AppState;

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    csrf: String,
    email: String,
    error: Option<String>,
    assets: &'static AssetUrls,
    min_len: usize,
}

const EXPIRED: &str = "This link has expired or was already used. Ask an admin of your workspace for a new one.";

async fn user_of_link(state: &AppState, token: &str) -> AppResult<voxhive_store::User> {
    let user_id = state
        .store
        .password_token_user(&digest(token))
        .await?
        .ok_or(AppError::NotFound)?;
    state.store.user_by_id(user_id).await?.ok_or(AppError::NotFound)
}

fn link_error(err: AppError) -> AppError {
    match err {
        AppError::NotFound => AppError::BadRequest {
            field: None,
            message: EXPIRED.into(),
        },
        other => other,
    }
}

fn page(state: &AppState, parts: &Parts, email: String, error: Option<String>) -> Response {
    let token = PreSessionToken::of(&parts.headers);
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let tpl = SetPasswordPage {
        csrf: token.value.clone(),
        email,
        error,
        assets: assets::urls(),
        min_len: password::MIN_LEN,
    };
    let mut res = (status, Page(tpl)).into_response();
    token.attach(&mut res, state.config.secure_cookies);
    res
}

pub async fn show_set_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
) -> AppResult<Response> {
    let user = user_of_link(&state, &token).await.map_err(link_error)?;
    Ok(page(&state, &parts, user.email, None))
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn set_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
    Form(form): Form<SetPasswordForm>,
) -> AppResult<Response> {
    let user = user_of_link(&state, &token).await.map_err(link_error)?;
    if let Err(err) = password::check_policy(&form.password) {
        return Ok(page(
            &state,
            &parts,
            user.email,
            Some(crate::views::capitalized(&err.to_string()) + "."),
        ));
    }
    if form.password != form.confirm {
        return Ok(page(
            &state,
            &parts,
            user.email,
            Some("The two passwords differ.".into()),
        ));
    }
    if !state.store.consume_password_token(&digest(&token)).await? {
        return Err(link_error(AppError::NotFound));
    }
    let pw = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AppError::Internal(format!("password hash: {e}")))?;
    state.store.set_password(user.id, &hash).await?;
    tracing::info!(user_id = user.id, "password set through a one-time link");
    let mut res = Redirect::to(&format!("/login?email={}", crate::error::urlencode(&user.email))).into_response();
    let flash = Flash {
        kind: "success",
        message: "Your password is set. Sign in with it.".into(),
        copy: None,
    };
    append_cookie(&mut res, cookies::flash_cookie(&flash, state.config.secure_cookies));
    Ok(res)
}
