//! The page shell shared by signed-in pages, flash messages, and the error page.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use voxhive_core::Role;

use crate::assets::{self, AssetUrls};
use crate::nav::NavGroup;

/// A rendered askama template as a response.
pub struct Page<T: Template>(pub T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => Html(html).into_response(),
            Err(err) => crate::error::AppError::from(err).into_response(),
        }
    }
}

/// A one-shot message shown at the top of the next page.
#[derive(Clone, Debug)]
pub struct Flash {
    /// `success` or `error`: the colour of the banner.
    pub kind: &'static str,
    pub message: String,
    /// A value worth copying, such as a one-time link, shown under the message.
    pub copy: Option<String>,
}

/// What the layout needs on every signed-in page.
pub struct Shell {
    pub title: String,
    /// The sidebar entry to highlight.
    pub active: &'static str,
    pub user_email: String,
    pub workspace_id: i64,
    pub workspace: String,
    /// Every workspace the user belongs to, for the switcher: (id, name).
    pub workspaces: Vec<(i64, String)>,
    pub role: Role,
    /// The workspace's connections for the switcher: (id, label).
    pub connections: Vec<(i64, String)>,
    /// The connection views are scoped to; `None` is all of them.
    pub active_connection: Option<i64>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// The month's most serious budget alert, shown as a banner on every page.
    pub budget_alert: Option<String>,
    pub assets: &'static AssetUrls,
    pub nav: &'static [NavGroup],
}

impl Shell {
    /// Whether the current user may change things (editor and above).
    pub fn can_edit(&self) -> bool {
        self.role.allows(voxhive_core::Permission::Edit)
    }

    /// Whether the current user manages members (admin and above).
    pub fn can_manage(&self) -> bool {
        self.role.allows(voxhive_core::Permission::ManageMembers)
    }
}

/// The error page: a status and a sentence saying what to do.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
    pub assets: &'static AssetUrls,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: &str) -> Self {
        let heading = match status.as_u16() {
            401 => "Sign in required",
            403 => "Not allowed",
            404 => "Not found",
            400 | 422 => "Check your input",
            429 => "Slow down",
            503 => "Temporarily unavailable",
            _ => "Something went wrong",
        };
        Self {
            status: status.as_u16(),
            heading,
            message: message.to_string(),
            assets: assets::urls(),
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        match self.render() {
            Ok(html) => Html(html).into_response(),
            Err(_) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                self.message,
            )
                .into_response(),
        }
    }
}

/// The time zone a workspace shows times in (UTC when its setting is not a known zone).
pub fn zone_of(workspace: &voxhive_store::Workspace) -> jiff::tz::TimeZone {
    voxhive_core::time::parse_zone(&workspace.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The text with its first letter capitalised, to open a sentence.
pub fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
