//! One HTTP client per voice-AI provider (Vapi, ElevenLabs Agents) behind the `ProviderClient` trait.
//!
//! Documents are kept whole as JSON with small typed views beside them; requests are retried with
//! backoff as their method allows, limited in concurrency, and failures become `ProviderError`s a
//! user can act on. No error, log line or `Debug` output contains the API key.
//!
//! [`schema`] checks assistant documents against the providers' official request schemas.

mod capabilities;
mod client;
mod config;
mod doc;
mod elevenlabs;
mod error;
mod error_body;
mod http;
mod kind;
mod pager;
mod resource;
pub mod schema;
mod secret_keeping;
mod vapi;
mod views;
mod writable;

use std::sync::Arc;

pub use capabilities::Capabilities;
pub use client::{AccountSummary, AudioBody, CallQuery, FileContent, FileUpload, ProviderClient};
pub use config::ClientConfig;
pub use doc::{Listing, RemoteDoc, SkippedRecord};
pub use error::ProviderError;
pub use kind::{ProviderKind, UnknownProvider};
pub use pager::Pager;
pub use resource::Resource;
pub use secret_keeping::{keeping_secret, SECRET_PLACEHOLDER};
pub use views::{AssistantView, CallView};

/// The client for the provider and account of `config`.
pub fn build_client(config: ClientConfig) -> Arc<dyn ProviderClient> {
    match config.kind {
        ProviderKind::Vapi => Arc::new(vapi::VapiClient::new(&config)),
        ProviderKind::ElevenLabs => Arc::new(elevenlabs::ElevenLabsClient::new(&config)),
    }
}
