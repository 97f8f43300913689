//! Vapi's REST API at the root of the simulator.

mod analytics;
mod assistants;
mod auth;
pub mod call_doc;
mod calls;
mod costs;
pub mod error;
pub mod fields;
pub mod files;
mod live;
mod phone_numbers;
mod query;
mod server_auth;
mod tools;
mod validate;

use axum::Router;

use crate::app::AppState;

/// All Vapi routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assistants::router())
        .merge(calls::router())
        .merge(phone_numbers::router())
        .merge(files::router())
        .merge(tools::router())
        .merge(analytics::router())
}
