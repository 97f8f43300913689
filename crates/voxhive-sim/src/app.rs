//! The shared simulator state behind every handler, and the router that reads like a table of contents.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::{middleware, Router};
use tokio::sync::watch;

use crate::faults::{self, FaultState};
use crate::state::World;

/// What every handler can reach.
#[derive(Debug)]
pub struct Sim {
    /// All accounts and resources.
    pub world: Mutex<World>,
    /// Fault settings and their bookkeeping.
    pub faults: Mutex<FaultState>,
    /// `http://127.0.0.1:<port>`, used in URLs the simulator hands out.
    pub base_url: String,
    /// Time between two steps of a live call.
    pub live_step: Duration,
    /// Client that delivers webhooks.
    pub http: reqwest::Client,
    /// Turns true when the simulator shuts down; live calls stop then.
    pub stopping: watch::Receiver<bool>,
}

/// Handler state.
pub type AppState = Arc<Sim>;

impl Sim {
    /// Locks the world; a poisoned lock is taken over (a panic never leaves a half-applied write).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The whole router: provider APIs behind the fault layer; the admin API, recordings and live calls beside it.
pub fn router(state: AppState) -> Router {
    let providers = Router::new()
        .merge(crate::vapi::router())
        .nest("/v1", crate::elevenlabs::router())
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject));
    Router::new()
        .merge(providers)
        .merge(crate::admin::router())
        .merge(crate::audio::router())
        .merge(crate::vapi::live_router())
        .with_state(state)
}
