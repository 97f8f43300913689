//! Assistants (Vapi) and agents (ElevenLabs): list, get, create, update, delete.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use voxhive_providers::{ProviderError, ProviderKind, Resource};

use crate::support::{client, key, spawn_sim};

fn ids_of(docs: &[Value], id_key: &str) -> BTreeSet<String> {
    docs.iter().map(|d| d[id_key].as_str().unwrap().to_owned()).collect()
}

/// `doc` without the fields the provider rewrites on every write.
fn content(mut doc: Value, volatile: &[&str]) -> Value {
    for pointer in volatile {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
            map.remove(key);
        }
    }
    doc
}

#[tokio::test]
async fn vapi_assistants_can_be_listed_read_created_updated_and_deleted() {
    let sim = spawn_sim().await;
    let key = key(&sim, ProviderKind::Vapi);
    let vapi = client(&sim, ProviderKind::Vapi);

    let listing = vapi.list(Resource::Assistants).await.unwrap();
    let listed: BTreeSet<String> = listing.items.iter().map(|d| d.id.clone()).collect();
    assert_eq!(listed, ids_of(&sim.vapi_assistants(&key), "id"));
    assert_eq!(listing.items.len(), listed.len());
    assert!(listing.skipped.is_empty());

    let first = vapi.get(Resource::Assistants, &listing.items[0].id).await.unwrap();
    assert_eq!(Some(&first.doc), sim.vapi_assistant(&key, &first.id).as_ref());
    assert_eq!(first.assistant().unwrap().name.as_deref(), first.doc["name"].as_str());

    let created = vapi
        .create(
            Resource::Assistants,
            &json!({"name": "VoxHive test", "firstMessage": "Hello from the test."}),
        )
        .await
        .unwrap();
    assert_eq!(
        sim.vapi_assistant(&key, &created.id).unwrap()["firstMessage"],
        "Hello from the test."
    );

    let renamed = vapi
        .update(Resource::Assistants, &created.id, &json!({"name": "Renamed"}))
        .await
        .unwrap();
    assert_eq!(renamed.assistant().unwrap().name.as_deref(), Some("Renamed"));

    vapi.delete(Resource::Assistants, &created.id).await.unwrap();
    assert_eq!(sim.vapi_assistant(&key, &created.id), None);
    let gone = vapi.get(Resource::Assistants, &created.id).await.unwrap_err();
    assert!(matches!(gone, ProviderError::NotFound { .. }), "{gone:?}");
}

#[tokio::test]
async fn a_vapi_assistant_sent_back_whole_keeps_every_field() {
    let sim = spawn_sim().await;
    let vapi = client(&sim, ProviderKind::Vapi);
    let id = vapi.list(Resource::Assistants).await.unwrap().items[0].id.clone();
    let before = vapi.get(Resource::Assistants, &id).await.unwrap();

    let after = vapi.update(Resource::Assistants, &id, &before.doc).await.unwrap();

    assert_eq!(
        content(after.doc, &["/updatedAt"]),
        content(before.doc, &["/updatedAt"])
    );
}

#[tokio::test]
async fn elevenlabs_agents_can_be_listed_read_created_updated_and_deleted() {
    let sim = spawn_sim().await;
    let key = key(&sim, ProviderKind::ElevenLabs);
    let el = client(&sim, ProviderKind::ElevenLabs);

    let listing = el.list(Resource::Assistants).await.unwrap();
    let listed: BTreeSet<String> = listing.items.iter().map(|d| d.id.clone()).collect();
    assert_eq!(listed, ids_of(&sim.elevenlabs_agents(&key), "agent_id"));
    assert_eq!(listing.items.len(), listed.len());
    assert!(listing.items.iter().all(|d| !d.complete), "agent lists carry summaries");

    let first = el.get(Resource::Assistants, &listing.items[0].id).await.unwrap();
    assert!(first.complete);
    assert_eq!(
        first.doc["conversation_config"],
        sim.elevenlabs_agent(&key, &first.id).unwrap()["conversation_config"]
    );
    assert!(first.assistant().unwrap().updated_at.is_some());

    let body = json!({
        "name": "VoxHive test",
        "conversation_config": {"agent": {"first_message": "Hello from the test.", "prompt": {"prompt": "Be brief."}}}
    });
    let created = el.create(Resource::Assistants, &body).await.unwrap();
    assert!(created.complete, "the created agent is read back whole");
    assert_eq!(
        created.doc["conversation_config"]["agent"]["first_message"],
        "Hello from the test."
    );

    let renamed = el
        .update(Resource::Assistants, &created.id, &json!({"name": "Renamed"}))
        .await
        .unwrap();
    assert_eq!(renamed.assistant().unwrap().name.as_deref(), Some("Renamed"));

    el.delete(Resource::Assistants, &created.id).await.unwrap();
    assert_eq!(sim.elevenlabs_agent(&key, &created.id), None);
    let gone = el.get(Resource::Assistants, &created.id).await.unwrap_err();
    assert!(matches!(gone, ProviderError::NotFound { .. }), "{gone:?}");
}

#[tokio::test]
async fn an_elevenlabs_agent_sent_back_whole_keeps_every_field() {
    let sim = spawn_sim().await;
    let el = client(&sim, ProviderKind::ElevenLabs);
    let id = el.list(Resource::Assistants).await.unwrap().items[0].id.clone();
    let before = el.get(Resource::Assistants, &id).await.unwrap();

    let after = el.update(Resource::Assistants, &id, &before.doc).await.unwrap();

    let volatile = ["/metadata/updated_at_unix_secs", "/phone_numbers"];
    assert_eq!(content(after.doc, &volatile), content(before.doc, &volatile));
}
