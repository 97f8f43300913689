//! Phone numbers, tools, files and outbound calls on both providers.

use serde_json::{json, Value};
use voxhive_providers::{FileUpload, ProviderClient, ProviderKind, Resource};

use crate::support::{client, spawn_sim};

async fn first_id(provider: &dyn ProviderClient, resource: Resource) -> String {
    let listing = provider.list(resource).await.unwrap();
    assert!(listing.skipped.is_empty());
    let first = listing
        .items
        .first()
        .unwrap_or_else(|| panic!("{} has seeded {resource}", provider.kind()));
    assert_eq!(provider.get(resource, &first.id).await.unwrap().id, first.id);
    first.id.clone()
}

fn text_file() -> FileUpload {
    FileUpload {
        file_name: "returns-policy.txt".into(),
        content_type: "text/plain".into(),
        bytes: b"Returns are accepted within 30 days.\n".to_vec(),
    }
}

#[tokio::test]
async fn vapi_phone_numbers_tools_and_files_can_be_listed_read_and_written() {
    let sim = spawn_sim().await;
    let vapi = client(&sim, ProviderKind::Vapi);

    let number = first_id(&*vapi, Resource::PhoneNumbers).await;
    let renamed = vapi
        .update(Resource::PhoneNumbers, &number, &json!({"name": "Front desk"}))
        .await
        .unwrap();
    assert_eq!(renamed.doc["name"], "Front desk");

    first_id(&*vapi, Resource::Tools).await;
    let tool = json!({"type": "function", "function": {
        "name": "lookup_order", "description": "Finds an order by its number.",
        "parameters": {"type": "object", "properties": {"number": {"type": "string"}}, "required": ["number"]}
    }});
    let created = vapi.create(Resource::Tools, &tool).await.unwrap();
    assert_eq!(created.doc["function"]["name"], "lookup_order");
    vapi.delete(Resource::Tools, &created.id).await.unwrap();

    first_id(&*vapi, Resource::Files).await;
    let uploaded = vapi.upload_file(text_file()).await.unwrap();
    assert_eq!(uploaded.doc["bytes"], 37);
    let files = vapi.list(Resource::Files).await.unwrap();
    assert!(files.items.iter().any(|f| f.id == uploaded.id));
    vapi.delete(Resource::Files, &uploaded.id).await.unwrap();
}

#[tokio::test]
async fn elevenlabs_phone_numbers_tools_and_documents_can_be_listed_read_and_written() {
    let sim = spawn_sim().await;
    let el = client(&sim, ProviderKind::ElevenLabs);

    let number = first_id(&*el, Resource::PhoneNumbers).await;
    let relabelled = el
        .update(Resource::PhoneNumbers, &number, &json!({"label": "Front desk"}))
        .await
        .unwrap();
    assert_eq!(relabelled.doc["label"], "Front desk");

    first_id(&*el, Resource::Tools).await;
    let tool = json!({"tool_config": {
        "type": "webhook", "name": "lookup_order", "description": "Finds an order by its number.",
        "api_schema": {"url": "https://hooks.example.com/orders", "method": "GET"}
    }});
    let created = el.create(Resource::Tools, &tool).await.unwrap();
    let updated = el.update(Resource::Tools, &created.id, &created.doc).await.unwrap();
    assert_eq!(updated.doc["tool_config"]["name"], "lookup_order");
    el.delete(Resource::Tools, &created.id).await.unwrap();

    first_id(&*el, Resource::Files).await;
    let text = el
        .create(Resource::Files, &json!({"name": "Hours", "text": "Open 8 to 6."}))
        .await
        .unwrap();
    let renamed = el
        .update(Resource::Files, &text.id, &json!({"name": "Opening hours"}))
        .await
        .unwrap();
    assert_eq!(renamed.doc["name"], "Opening hours");
    let uploaded = el.upload_file(text_file()).await.unwrap();
    let documents = el.list(Resource::Files).await.unwrap();
    assert!(documents.items.iter().any(|d| d.id == uploaded.id));
    el.delete(Resource::Files, &uploaded.id).await.unwrap();
}

#[tokio::test]
async fn outbound_calls_are_started_on_both_providers() {
    let sim = spawn_sim().await;
    let vapi = client(&sim, ProviderKind::Vapi);
    let assistant = first_id(&*vapi, Resource::Assistants).await;
    let number = first_id(&*vapi, Resource::PhoneNumbers).await;
    let body = json!({"assistantId": assistant, "phoneNumberId": number, "customer": {"number": "+14155550123"}});
    let call = vapi.create(Resource::Calls, &body).await.unwrap();
    assert_eq!(call.call().unwrap().assistant_id.as_deref(), Some(assistant.as_str()));

    let el = client(&sim, ProviderKind::ElevenLabs);
    let agent = first_id(&*el, Resource::Assistants).await;
    let number = first_id(&*el, Resource::PhoneNumbers).await;
    let body = json!({"agent_id": agent, "agent_phone_number_id": number, "to_number": "+14155550123"});
    let started = el.create(Resource::Calls, &body).await.unwrap();
    let conversation = el.get(Resource::Calls, &started.id).await.unwrap();
    assert_eq!(conversation.doc["agent_id"], Value::String(agent));
}
