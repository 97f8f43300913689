//! Sign-in, sessions, CSRF protection, API tokens and the sign-in rate limit.

mod api_token;
mod cookies;
mod csrf;
mod login;
mod rate_limit;
mod session;
mod set_password;

pub use api_token::{issue_api_token, ApiAuth};
pub use cookies::flash_cookie;
pub use session::{append_cookie, session_layer, Auth, SignedIn};

use axum::routing::get;
use axum::Router;

use crate::AppState;

/// Sign-in, sign-out and the one-time set-password pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::show_login).post(login::sign_in))
        .route("/logout", axum::routing::post(login::sign_out))
        .route(
            "/set-password/{token}",
            get(set_password::show_set_password).post(set_password::set_password),
        )
}

/// Creates a one-time set-password link for a user, valid for a week; returns the link.
pub async fn issue_password_link(state: &AppState, user_id: i64) -> crate::AppResult<String> {
    let token = voxhive_core::secret::random_token(32);
    let expires = voxhive_core::time::now_ms() + 7 * 24 * 3600 * 1000;
    state
        .store
        .create_password_token(&voxhive_core::secret::digest(&token), user_id, expires)
        .await?;
    Ok(format!(
        "{}/set-password/{token}",
        state.config.public_url.trim_end_matches('/')
    ))
}
