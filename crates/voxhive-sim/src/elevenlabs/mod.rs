//! ElevenLabs' agents-platform API under `/v1/`.

mod agents;
mod auth;
mod conversation_doc;
mod conversations;
pub mod error;
mod knowledge_base;
mod outbound;
mod page;
mod phone_numbers;
mod tools;
mod validate;
pub mod webhooks;

use axum::Router;

use crate::app::AppState;

pub use agents::merge;
pub use conversation_doc::full as conversation_document;

/// All ElevenLabs routes, relative to `/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(agents::router())
        .merge(conversations::router())
        .merge(phone_numbers::router())
        .merge(knowledge_base::router())
        .merge(tools::router())
        .merge(outbound::router())
        .merge(webhooks::router())
}
