//! Vapi's REST API at the root of the simulator.

mod analytics;
mod assistants;
mod auth;
pub mod call_doc;
mod calls;
mod control;
mod costs;
pub mod error;
pub mod fields;
pub mod files;
pub mod knowledge_bases;
mod live;
mod phone_numbers;
mod query;
mod server_auth;
mod server_messages;
mod tools;
mod transport;
mod validate;
mod ws_transport;

use axum::Router;

use crate::app::AppState;

/// All Vapi routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assistants::router())
        .merge(calls::router())
        .merge(phone_numbers::router())
        .merge(files::router())
        .merge(knowledge_bases::router())
        .merge(tools::router())
        .merge(analytics::router())
}

/// Routes of live calls (`/live/{callId}/...`): call control and the WebSocket transport. Like Vapi's separate
/// call-websocket host, they take no API key and are never faulted.
pub fn live_router() -> Router<AppState> {
    Router::new().merge(control::router()).merge(ws_transport::router())
}
