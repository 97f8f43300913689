//! The provider simulator: Vapi's and ElevenLabs' wire APIs on one port, seeded data, fault injection and webhooks.
//!
//! Vapi's paths are served at the root, ElevenLabs' under `/v1/`, the simulator's own admin API under `/__sim/`.
//! Everything is in memory; the same seed (and the same `now`) gives byte-identical responses.

mod admin;
mod app;
mod args;
mod audio;
mod config;
mod elevenlabs;
mod faults;
mod handle;
mod ids;
mod listener;
mod seed;
mod speech;
mod state;
mod time;
mod vapi;
mod voice;
mod webhook;

pub use args::{run, SimArgs};
pub use config::{
    ElevenLabsWorkspaceConfig, FaultMix, Faults, SimConfig, Sizes, VapiOrgConfig, DEFAULT_EL_KEY,
    DEFAULT_EL_WEBHOOK_SECRET, DEFAULT_VAPI_KEYS,
};
pub use handle::{start, SimHandle};
pub use vapi::files::{FILE_TYPES as VAPI_FILE_TYPES, PARSING_MS as VAPI_FILE_PARSING_MS};
pub use vapi::knowledge_bases::INDEXING_MS as VAPI_KB_INDEXING_MS;
