//! The onboarding route: choose a provider, import or create, connect with an API key.

use askama::Template;
use axum::extract::State;

use crate::auth::Auth;
use crate::error::AppResult;
use crate::views::{Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "start.html")]
pub struct StartPage {
    shell: Shell,
}

pub async fn show_start(auth: Auth, State(state): State<AppState>) -> AppResult<Page<StartPage>> {
    let shell = auth.shell(&state, "Get started", "/start").await?;
    Ok(Page(StartPage { shell }))
}
