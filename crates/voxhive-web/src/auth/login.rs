//! Sign in and sign out.

use crate::form::Form;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use std::sync::Arc;
use voxhive_core::secret::{digest, random_token};
use voxhive_core::time::now_ms;
use voxhive_core::{password, Email};
use voxhive_store::NewSession;

use super::cookies::PreSessionToken;
use super::rate_limit::{self, LoginKeys};
use super::session::append_cookie;
use super::{cookies, SignedIn};
use crate::assets::{self, AssetUrls};
use crate::error::{AppError, AppResult};
use crate::views::Flash;
use crate::AppState;

/// The one message for every failed sign-in, whether or not the account exists.
const GENERIC_FAILURE: &str = "Incorrect e-mail or password.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
    flash: Option<Flash>,
    assets: &'static AssetUrls,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    email: Option<String>,
}

/// Only same-site paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/usage".to_string(),
    }
}

pub async fn show_login(
    State(state): State<AppState>,
    signed_in: Option<Extension<Arc<SignedIn>>>,
    Query(q): Query<LoginQuery>,
    parts: Parts,
) -> Response {
    if signed_in.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let token = PreSessionToken::of(&parts.headers);
    let page = LoginPage {
        csrf: token.value.clone(),
        email: q.email.unwrap_or_default(),
        next: safe_next(q.next.as_deref()),
        error: None,
        flash: cookies::read_flash(&parts.headers),
        assets: assets::urls(),
    };
    respond(&state, page, &token, StatusCode::OK)
}

fn respond(state: &AppState, page: LoginPage, token: &PreSessionToken, status: StatusCode) -> Response {
    let mut res = (status, crate::views::Page(page)).into_response();
    token.attach(&mut res, state.config.secure_cookies);
    res
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn sign_in(State(state): State<AppState>, parts: Parts, Form(form): Form<LoginForm>) -> AppResult<Response> {
    let ip = rate_limit::client_ip(&parts, state.config.trust_proxy);
    let keys = LoginKeys::new(&ip, &form.email);
    let next = safe_next(form.next.as_deref());
    let token = PreSessionToken::of(&parts.headers);
    let fail = |error: &str, status| {
        let page = LoginPage {
            csrf: token.value.clone(),
            email: form.email.trim().to_string(),
            next: next.clone(),
            error: Some(error.to_string()),
            flash: None,
            assets: assets::urls(),
        };
        respond(&state, page, &token, status)
    };
    if let Err(err) = rate_limit::check(&state, &keys).await {
        let AppError::RateLimited { retry_after_secs, .. } = &err else {
            return Err(err);
        };
        let mut res = fail(&err.to_string(), err.status());
        res.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
        return Ok(res);
    }
    let user = match Email::parse(&form.email) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let given = form.password.clone();
    let password_ok = tokio::task::spawn_blocking(move || password::verify(&given, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let Some(user) = user.filter(|u| password_ok && u.password_hash.is_some()) else {
        rate_limit::record_failure(&state, &keys).await?;
        tracing::info!(ip, "sign-in failed");
        return Ok(fail(GENERIC_FAILURE, StatusCode::UNAUTHORIZED));
    };
    rate_limit::clear(&state, &keys).await?;

    let token = random_token(32);
    let workspace_id = state
        .store
        .workspaces_of_user(user.id)
        .await?
        .first()
        .map(|w| w.workspace.id);
    let ttl = state.config.session_ttl.as_millis() as i64;
    state
        .store
        .create_session(&NewSession {
            token_hash: &digest(&token),
            user_id: user.id,
            workspace_id,
            csrf_token: &random_token(32),
            expires_at: now_ms() + ttl,
        })
        .await?;
    tracing::info!(user_id = user.id, "signed in");
    let mut res = Redirect::to(&next).into_response();
    append_cookie(
        &mut res,
        cookies::build(cookies::SESSION, token, ttl / 1000, state.config.secure_cookies),
    );
    Ok(res)
}

pub async fn sign_out(
    State(state): State<AppState>,
    signed_in: Option<Extension<Arc<SignedIn>>>,
) -> AppResult<Response> {
    if let Some(Extension(s)) = signed_in {
        state.store.delete_session(s.session.id).await?;
    }
    let secure = state.config.secure_cookies;
    let mut res = Redirect::to("/login").into_response();
    append_cookie(&mut res, cookies::clear(cookies::SESSION, secure));
    let flash = Flash {
        kind: "success",
        message: "You are signed out.".into(),
        copy: None,
    };
    append_cookie(&mut res, cookies::flash_cookie(&flash, secure));
    Ok(res)
}
