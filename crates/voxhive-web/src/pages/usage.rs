//! Usage & Cost, the landing page after sign-in.

use askama::Template;
use axum::extract::State;

use crate::auth::Auth;
use crate::error::AppResult;
use crate::views::{Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "usage.html")]
pub struct UsagePage {
    shell: Shell,
}

pub async fn show_usage(auth: Auth, State(state): State<AppState>) -> AppResult<Page<UsagePage>> {
    let shell = auth.shell(&state, "Usage & Cost", "/usage").await?;
    Ok(Page(UsagePage { shell }))
}
