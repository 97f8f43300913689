//! Calls (Vapi) and conversations (ElevenLabs): listed to the end, filtered, read whole.

use std::collections::BTreeSet;

use voxhive_providers::{CallQuery, Listing, ProviderKind, Resource};

use crate::support::{client, key, spawn_sim};

fn ids(listing: &Listing) -> Vec<String> {
    listing.items.iter().map(|d| d.id.clone()).collect()
}

fn unique(ids: &[String]) -> BTreeSet<String> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "no call is listed twice");
    set
}

#[tokio::test]
async fn every_seeded_vapi_call_is_listed_once() {
    let sim = spawn_sim().await;
    let key = key(&sim, ProviderKind::Vapi);
    let listing = client(&sim, ProviderKind::Vapi).list(Resource::Calls).await.unwrap();

    let listed = unique(&ids(&listing));
    assert_eq!(listed.len(), sim.vapi_call_count(&key));
    assert!(listed.iter().all(|id| sim.vapi_call(&key, id).is_some()));
    assert!(listing.skipped.is_empty());
}

#[tokio::test]
async fn every_seeded_elevenlabs_conversation_is_listed_once() {
    let sim = spawn_sim().await;
    let key = key(&sim, ProviderKind::ElevenLabs);
    let listing = client(&sim, ProviderKind::ElevenLabs)
        .list(Resource::Calls)
        .await
        .unwrap();

    let listed = unique(&ids(&listing));
    assert_eq!(listed.len(), sim.elevenlabs_conversation_count(&key));
    assert!(listed.iter().all(|id| sim.elevenlabs_conversation(&key, id).is_some()));
}

async fn calls_are_filtered_by_watermark_and_assistant(kind: ProviderKind) {
    let sim = spawn_sim().await;
    let provider = client(&sim, kind);
    let all = provider.list(Resource::Calls).await.unwrap();
    let views: Vec<_> = all.items.iter().map(|d| d.call().unwrap()).collect();
    let mut times: Vec<_> = views.iter().filter_map(|v| v.created_at).collect();
    times.sort();
    let watermark = times[times.len() / 2];
    let assistant = views.iter().find_map(|v| v.assistant_id.clone()).unwrap();

    let since = provider
        .list_calls(CallQuery {
            created_after: Some(watermark),
            ..CallQuery::default()
        })
        .await
        .unwrap();
    let expected: BTreeSet<String> = views
        .iter()
        .filter(|v| v.created_at.is_some_and(|t| t >= watermark))
        .map(|v| v.id.clone())
        .collect();
    assert_eq!(unique(&ids(&since)), expected);

    let query = CallQuery {
        assistant_id: Some(assistant.clone()),
        ..CallQuery::default()
    };
    let of_one = provider.list_calls(query).await.unwrap();
    let expected: BTreeSet<String> = views
        .iter()
        .filter(|v| v.assistant_id.as_deref() == Some(&assistant))
        .map(|v| v.id.clone())
        .collect();
    assert_eq!(unique(&ids(&of_one)), expected);
}

#[tokio::test]
async fn vapi_calls_are_listed_from_a_watermark_and_for_one_assistant() {
    calls_are_filtered_by_watermark_and_assistant(ProviderKind::Vapi).await;
}

#[tokio::test]
async fn elevenlabs_conversations_are_listed_from_a_watermark_and_for_one_agent() {
    calls_are_filtered_by_watermark_and_assistant(ProviderKind::ElevenLabs).await;
}

#[tokio::test]
async fn a_call_is_read_whole_with_its_cost_and_ended_reason() {
    let sim = spawn_sim().await;
    for kind in [ProviderKind::Vapi, ProviderKind::ElevenLabs] {
        let provider = client(&sim, kind);
        let listing = provider.list(Resource::Calls).await.unwrap();
        let ended = listing
            .items
            .iter()
            .find(|d| d.call().unwrap().ended_at.is_some())
            .unwrap_or_else(|| panic!("{kind} has an ended call"));
        let call = provider.get(Resource::Calls, &ended.id).await.unwrap();
        let view = call.call().unwrap();
        assert!(call.complete);
        assert!(view.started_at.is_some() && view.ended_at.is_some(), "{kind}: {view:?}");
        assert!(view.assistant_id.is_some(), "{kind}: {view:?}");
        assert!(view.cost_usd.is_some(), "{kind}: {view:?}");
        if kind == ProviderKind::ElevenLabs {
            assert!(view.cost_credits.is_some(), "{view:?}");
        }
    }
}
