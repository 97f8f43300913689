//! Starting a seeded simulator and building clients for its accounts.

pub mod recorder;
pub mod schemas;

use std::sync::Arc;
use std::time::Duration;

use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind};
use voxhive_sim::{SimConfig, SimHandle, Sizes};

/// A simulator with a small history: 5 assistants per account and 700 calls in all.
pub async fn spawn_sim() -> SimHandle {
    spawn_sim_with(Sizes {
        assistants_per_org: 5,
        calls: 700,
        days: 20,
    })
    .await
}

/// A simulator with the given amount of seeded data.
pub async fn spawn_sim_with(sizes: Sizes) -> SimHandle {
    let config = SimConfig {
        sizes,
        ..SimConfig::default()
    };
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the simulator starts")
}

/// The key of the first account of `kind`.
pub fn key(sim: &SimHandle, kind: ProviderKind) -> String {
    match kind {
        ProviderKind::Vapi => sim.vapi_keys()[0].clone(),
        ProviderKind::ElevenLabs => sim.elevenlabs_keys()[0].clone(),
    }
}

/// A configuration for the first account of `kind`, with small pages so listings span many of them.
pub fn config(sim: &SimHandle, kind: ProviderKind) -> ClientConfig {
    let mut config = ClientConfig::new(kind, key(sim, kind), Some(sim.base_url()));
    config.timeout = Duration::from_secs(5);
    config.page_size = Some(match kind {
        ProviderKind::Vapi => 50,
        ProviderKind::ElevenLabs => 20,
    });
    config
}

/// A client for the first account of `kind`.
pub fn client(sim: &SimHandle, kind: ProviderKind) -> Arc<dyn ProviderClient> {
    build_client(config(sim, kind))
}
