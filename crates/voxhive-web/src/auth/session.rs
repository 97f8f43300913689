//! The session middleware (load the session once, check CSRF, slide expiry, clear flash) and
//! the [`Auth`] extractor that signed-in pages take.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use voxhive_core::secret::digest;
use voxhive_core::time::now_ms;
use voxhive_core::{Permission, Role};
use voxhive_store::{SessionRecord, User, WorkspaceRole};

use super::{cookies, csrf};
use crate::error::{AppError, AppResult};
use crate::views::{Flash, Shell};
use crate::AppState;

/// The signed-in user of a request, with the workspace they are working in.
pub struct SignedIn {
    pub session: SessionRecord,
    pub user: User,
    /// `None` when the user belongs to no workspace.
    pub current: Option<WorkspaceRole>,
}

async fn load(state: &AppState, token: &str) -> AppResult<Option<SignedIn>> {
    let Some(session) = state.store.session_by_token_hash(&digest(token)).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.user_by_id(session.user_id).await? else {
        return Ok(None);
    };
    let mut current = match session.workspace_id {
        Some(ws) => state.store.workspace_role(user.id, ws).await?,
        None => None,
    };
    if current.is_none() {
        current = state.store.workspaces_of_user(user.id).await?.into_iter().next();
        if let Some(ws) = &current {
            state.store.set_session_workspace(session.id, ws.workspace.id).await?;
        }
    }
    Ok(Some(SignedIn { session, user, current }))
}

/// Forms shown before sign-in carry the browser's pre-session token, even when a session exists
/// (a sign-in page left open in another tab).
fn is_pre_session_form(path: &str) -> bool {
    path == "/login" || path.starts_with("/set-password/")
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Loads the session of page requests, rejects state-changing requests without the right CSRF
/// token, slides the session's expiry, and clears a flash message once shown.
pub async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = cookies::read(req.headers(), cookies::SESSION);
    let signed_in = match token {
        Some(token) => match load(&state, &token).await {
            Ok(found) => found.map(|s| (token, s)),
            Err(err) => return err.into_response(),
        },
        None => None,
    };
    if is_state_changing(req.method()) {
        let expected = match &signed_in {
            Some((_, s)) if !is_pre_session_form(req.uri().path()) => Some(s.session.csrf_token.clone()),
            _ => cookies::read(req.headers(), cookies::PRE_CSRF),
        };
        req = match csrf::verify(req, expected.as_deref()).await {
            Ok(req) => req,
            Err(err) => return err.into_response(),
        };
    }
    let had_flash = cookies::read(req.headers(), cookies::FLASH).is_some();
    let ttl_ms = state.config.session_ttl.as_millis() as i64;
    let refresh = signed_in.as_ref().and_then(|(token, s)| {
        let remaining = s.session.expires_at - now_ms();
        (remaining < ttl_ms / 2).then(|| (token.clone(), s.session.id))
    });
    if let Some((_, s)) = signed_in {
        req.extensions_mut().insert(Arc::new(s));
    }

    let mut res = next.run(req).await;

    let secure = state.config.secure_cookies;
    if had_flash && !res.status().is_redirection() {
        append_cookie(&mut res, cookies::clear(cookies::FLASH, secure));
    }
    if let Some((token, session_id)) = refresh {
        if state.store.extend_session(session_id, now_ms() + ttl_ms).await.is_ok() {
            append_cookie(&mut res, cookies::build(cookies::SESSION, token, ttl_ms / 1000, secure));
        }
    }
    res
}

/// Adds a `Set-Cookie` header to a response.
pub fn append_cookie(res: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(SET_COOKIE, v);
    }
}

/// A signed-in user working in a workspace: what every workspace page takes.
pub struct Auth {
    pub signed_in: Arc<SignedIn>,
    pub workspace: WorkspaceRole,
    pub flash: Option<Flash>,
}

impl Auth {
    pub fn user_id(&self) -> i64 {
        self.signed_in.user.id
    }

    pub fn workspace_id(&self) -> i64 {
        self.workspace.workspace.id
    }

    pub fn role(&self) -> Role {
        self.workspace.role
    }

    /// Refuses with 403 unless the role grants the permission.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role().allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The layout context of a page titled `title` under the sidebar entry `active`.
    pub async fn shell(&self, state: &AppState, title: &str, active: &'static str) -> AppResult<Shell> {
        let workspaces = state
            .store
            .workspaces_of_user(self.user_id())
            .await?
            .into_iter()
            .map(|w| (w.workspace.id, w.workspace.name))
            .collect();
        Ok(Shell {
            title: title.to_string(),
            active,
            user_email: self.signed_in.user.email.clone(),
            workspace_id: self.workspace_id(),
            workspace: self.workspace.workspace.name.clone(),
            workspaces,
            role: self.role(),
            connections: state
                .store
                .connections(self.workspace_id())
                .await?
                .into_iter()
                .map(|c| (c.id, c.label))
                .collect(),
            active_connection: state
                .store
                .active_connection(self.workspace_id(), self.user_id())
                .await?,
            csrf: self.signed_in.session.csrf_token.clone(),
            flash: self.flash.clone(),
            budget_alert: crate::budgets::banner(state, self.workspace_id()).await?,
            assets: crate::assets::urls(),
            nav: crate::nav::NAV,
        })
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(signed_in) = parts.extensions.get::<Arc<SignedIn>>().cloned() else {
            let next = if parts.method == Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into())
            } else {
                "/".to_string()
            };
            return Err(AppError::SignInRequired { next });
        };
        let workspace = signed_in.current.clone().ok_or(AppError::NoWorkspace)?;
        Ok(Auth {
            signed_in,
            workspace,
            flash: cookies::read_flash(&parts.headers),
        })
    }
}
