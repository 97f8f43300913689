//! Sidebar pages whose feature is not built yet: each says so plainly and what it will hold.

use askama::Template;
use axum::extract::State;

use crate::auth::Auth;
use crate::error::AppResult;
use crate::views::{Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "coming_soon.html")]
pub struct ComingSoonPage {
    shell: Shell,
    lead: &'static str,
    planned: &'static [&'static str],
}

async fn render(
    auth: Auth,
    state: &AppState,
    title: &str,
    active: &'static str,
    lead: &'static str,
    planned: &'static [&'static str],
) -> AppResult<Page<ComingSoonPage>> {
    let shell = auth.shell(state, title, active).await?;
    Ok(Page(ComingSoonPage { shell, lead, planned }))
}

macro_rules! coming_soon {
    ($name:ident, $title:literal, $href:literal, $lead:literal, [$($item:literal),* $(,)?]) => {
        #[doc = concat!("The ", $title, " page.")]
        pub async fn $name(auth: Auth, State(state): State<AppState>) -> AppResult<Page<ComingSoonPage>> {
            render(auth, &state, $title, $href, $lead, &[$($item),*]).await
        }
    };
}
coming_soon!(
    knowledge_base,
    "Knowledge Base",
    "/knowledge-base",
    "Upload and manage the files your assistants answer from.",
    [
        "Upload files to Vapi and ElevenLabs",
        "See parsing and indexing status",
        "Attach files to assistants"
    ]
);
