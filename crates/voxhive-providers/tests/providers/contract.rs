//! The request bodies the clients send validate against the providers' official request schemas.

use serde_json::json;
use voxhive_providers::{build_client, ProviderKind, Resource};

use crate::support::schemas::Contract;
use crate::support::{config, recorder, spawn_sim};

/// Runs the client's writes of `kind` through a recording proxy and checks every JSON body sent.
async fn check_bodies(kind: ProviderKind, writes: impl AsyncFnOnce(&dyn voxhive_providers::ProviderClient)) {
    let sim = spawn_sim().await;
    let proxy = recorder::start(sim.base_url()).await;
    let mut config = config(&sim, kind);
    config.base_url = Some(proxy.base_url.clone());
    let provider = build_client(config);
    writes(&*provider).await;

    let contract = Contract::load(kind);
    let sent = proxy.requests();
    assert!(sent.len() >= 5, "{sent:?}");
    let problems: Vec<String> = sent
        .iter()
        .flat_map(|r| {
            contract
                .check(r.method.as_str(), &r.path, &r.body)
                .into_iter()
                .map(move |p| format!("{} {}: {p}", r.method, r.path))
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn request_bodies_sent_to_vapi_match_its_official_schemas() {
    check_bodies(ProviderKind::Vapi, async |vapi| {
        let assistants = vapi.list(Resource::Assistants).await.unwrap();
        let seeded = vapi.get(Resource::Assistants, &assistants.items[0].id).await.unwrap();
        vapi.update(Resource::Assistants, &seeded.id, &seeded.doc)
            .await
            .unwrap();
        vapi.create(Resource::Assistants, &seeded.doc).await.unwrap();
        vapi.create(Resource::Assistants, &json!({"name": "Minimal", "firstMessage": "Hi."}))
            .await
            .unwrap();
        let tool = vapi.list(Resource::Tools).await.unwrap().items.remove(0);
        vapi.update(Resource::Tools, &tool.id, &tool.doc).await.unwrap();
        let number = vapi.list(Resource::PhoneNumbers).await.unwrap().items.remove(0);
        vapi.update(Resource::PhoneNumbers, &number.id, &json!({"name": "Front desk"}))
            .await
            .unwrap();
        let body =
            json!({"assistantId": seeded.id, "phoneNumberId": number.id, "customer": {"number": "+14155550123"}});
        let call = vapi.create(Resource::Calls, &body).await.unwrap();
        vapi.update(Resource::Calls, &call.id, &json!({"name": "Contract test"}))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn request_bodies_sent_to_elevenlabs_match_its_official_schemas() {
    check_bodies(ProviderKind::ElevenLabs, async |el| {
        let agents = el.list(Resource::Assistants).await.unwrap();
        let seeded = el.get(Resource::Assistants, &agents.items[0].id).await.unwrap();
        el.update(Resource::Assistants, &seeded.id, &seeded.doc).await.unwrap();
        el.create(Resource::Assistants, &seeded.doc).await.unwrap();
        let tool = el.list(Resource::Tools).await.unwrap().items.remove(0);
        el.update(Resource::Tools, &tool.id, &tool.doc).await.unwrap();
        let text = el
            .create(Resource::Files, &json!({"name": "Hours", "text": "Open 8 to 6."}))
            .await
            .unwrap();
        el.update(Resource::Files, &text.id, &text.doc).await.unwrap();
        let number = el.list(Resource::PhoneNumbers).await.unwrap().items.remove(0);
        el.update(Resource::PhoneNumbers, &number.id, &number.doc)
            .await
            .unwrap();
        let body = json!({"agent_id": seeded.id, "agent_phone_number_id": number.id, "to_number": "+14155550123"});
        el.create(Resource::Calls, &body).await.unwrap();
    })
    .await;
}
