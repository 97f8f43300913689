//! Listing through injected failures and a tight rate limit loses and repeats nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use voxhive_providers::{build_client, Listing, ProviderKind, Resource};
use voxhive_sim::{Faults, SimHandle};

use crate::support::{client, config, key, spawn_sim};

fn unique_ids(listing: &Listing) -> BTreeSet<String> {
    let set: BTreeSet<String> = listing.items.iter().map(|d| d.id.clone()).collect();
    assert_eq!(set.len(), listing.items.len(), "no item is listed twice");
    assert!(listing.skipped.is_empty());
    set
}

/// 30% of requests fail (429 with Retry-After, 500, 503, dropped connections, hangs) and each key
/// may make 8 requests a second.
fn hostile(sim: &SimHandle) {
    sim.set_faults(Faults {
        error_rate: 0.3,
        rate_limit_per_key: Some(8),
        hang_ms: 1_500,
        ..Faults::default()
    });
}

async fn listing_survives_faults(kind: ProviderKind) {
    let sim = spawn_sim().await;
    let calm = client(&sim, kind);
    let (assistants, calls) = (
        calm.list(Resource::Assistants).await.unwrap(),
        calm.list(Resource::Calls).await.unwrap(),
    );
    let (assistants, calls) = (unique_ids(&assistants), unique_ids(&calls));
    let seeded_calls = match kind {
        ProviderKind::Vapi => sim.vapi_call_count(&key(&sim, kind)),
        ProviderKind::ElevenLabs => sim.elevenlabs_conversation_count(&key(&sim, kind)),
    };
    assert_eq!(calls.len(), seeded_calls);

    hostile(&sim);
    let mut config = config(&sim, kind);
    config.timeout = Duration::from_millis(500);
    config.max_retries = 25;
    let stormy = build_client(config);
    let (stormy_assistants, stormy_calls) =
        tokio::join!(stormy.list(Resource::Assistants), stormy.list(Resource::Calls));

    assert_eq!(unique_ids(&stormy_assistants.unwrap()), assistants);
    assert_eq!(unique_ids(&stormy_calls.unwrap()), calls);
}

#[tokio::test]
async fn vapi_listings_through_failures_and_a_rate_limit_return_exactly_the_seeded_items() {
    listing_survives_faults(ProviderKind::Vapi).await;
}

#[tokio::test]
async fn elevenlabs_listings_through_failures_and_a_rate_limit_return_exactly_the_seeded_items() {
    listing_survives_faults(ProviderKind::ElevenLabs).await;
}
