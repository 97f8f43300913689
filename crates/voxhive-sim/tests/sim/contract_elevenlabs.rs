//! Every ElevenLabs response the simulator produces matches the schema of its operation in the contract.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{send, small_config, spawn_sim, TestSim};
use crate::schema::{assert_response, Api};

async fn call(sim: &TestSim, method: Method, path: &str, template: &str, body: Option<Value>) -> Value {
    let mut request = sim.el(method.clone(), path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let (status, answer) = send(request).await;
    assert_eq!(status, 200, "{method} {path}: {answer}");
    assert_response(Api::ElevenLabs, template, &method.as_str().to_lowercase(), 200, &answer);
    answer
}

#[tokio::test]
async fn seeded_elevenlabs_lists_and_documents_match_the_contract() {
    let sim = spawn_sim(small_config()).await;
    let page = call(
        &sim,
        Method::GET,
        "/v1/convai/agents?page_size=2",
        "/v1/convai/agents",
        None,
    )
    .await;
    assert_eq!(page["has_more"], true);
    assert!(
        page["agents"][0]["voice_id"].is_string(),
        "newer summary field voice_id"
    );
    let agent_id = page["agents"][0]["agent_id"].as_str().unwrap().to_owned();
    let agent = call(
        &sim,
        Method::GET,
        &format!("/v1/convai/agents/{agent_id}"),
        "/v1/convai/agents/{agent_id}",
        None,
    )
    .await;
    assert_eq!(agent["procedures"], json!({}));
    let convs = call(
        &sim,
        Method::GET,
        "/v1/convai/conversations?page_size=100&summary_mode=include",
        "/v1/convai/conversations",
        None,
    )
    .await;
    assert_eq!(convs["conversations"].as_array().unwrap().len(), 100);
    for conv in convs["conversations"].as_array().unwrap().iter().take(40) {
        let id = conv["conversation_id"].as_str().unwrap();
        call(
            &sim,
            Method::GET,
            &format!("/v1/convai/conversations/{id}"),
            "/v1/convai/conversations/{conversation_id}",
            None,
        )
        .await;
    }
    let numbers = call(
        &sim,
        Method::GET,
        "/v1/convai/phone-numbers",
        "/v1/convai/phone-numbers",
        None,
    )
    .await;
    let number_id = numbers[0]["phone_number_id"].as_str().unwrap();
    call(
        &sim,
        Method::GET,
        &format!("/v1/convai/phone-numbers/{number_id}"),
        "/v1/convai/phone-numbers/{phone_number_id}",
        None,
    )
    .await;
    let docs = call(
        &sim,
        Method::GET,
        "/v1/convai/knowledge-base",
        "/v1/convai/knowledge-base",
        None,
    )
    .await;
    let doc_id = docs["documents"][0]["id"].as_str().unwrap();
    call(
        &sim,
        Method::GET,
        &format!("/v1/convai/knowledge-base/{doc_id}"),
        "/v1/convai/knowledge-base/{documentation_id}",
        None,
    )
    .await;
    let tools = call(&sim, Method::GET, "/v1/convai/tools", "/v1/convai/tools", None).await;
    let tool_id = tools["tools"][0]["id"].as_str().unwrap();
    call(
        &sim,
        Method::GET,
        &format!("/v1/convai/tools/{tool_id}"),
        "/v1/convai/tools/{tool_id}",
        None,
    )
    .await;
    call(&sim, Method::GET, "/v1/convai/settings", "/v1/convai/settings", None).await;
}

#[tokio::test]
async fn elevenlabs_writes_answer_with_documents_that_match_the_contract() {
    let sim = spawn_sim(small_config()).await;
    let created = call(&sim, Method::POST, "/v1/convai/agents/create", "/v1/convai/agents/create",
        Some(json!({"name": "Contract agent", "conversation_config": {"agent": {"first_message": "Hi", "prompt": {"prompt": "Be brief."}}}}))).await;
    let path = format!("/v1/convai/agents/{}", created["agent_id"].as_str().unwrap());
    let patched = call(
        &sim,
        Method::PATCH,
        &path,
        "/v1/convai/agents/{agent_id}",
        Some(json!({"conversation_config": {"agent": {"language": "fr"}}})),
    )
    .await;
    assert_eq!(patched["conversation_config"]["agent"]["first_message"], "Hi");
    let (status, _) = send(sim.el(Method::DELETE, &path)).await;
    assert_eq!(status, 204);

    let twilio = json!({"phone_number": "+14155550123", "label": "Sales", "sid": format!("AC{}", "a".repeat(32)), "token": "b".repeat(32)});
    let imported = call(
        &sim,
        Method::POST,
        "/v1/convai/phone-numbers",
        "/v1/convai/phone-numbers",
        Some(twilio),
    )
    .await;
    let agents = call(&sim, Method::GET, "/v1/convai/agents", "/v1/convai/agents", None).await;
    let path = format!(
        "/v1/convai/phone-numbers/{}",
        imported["phone_number_id"].as_str().unwrap()
    );
    let assigned = call(
        &sim,
        Method::PATCH,
        &path,
        "/v1/convai/phone-numbers/{phone_number_id}",
        Some(json!({"agent_id": agents["agents"][0]["agent_id"]})),
    )
    .await;
    assert_eq!(assigned["assigned_agent"]["agent_id"], agents["agents"][0]["agent_id"]);
    call(
        &sim,
        Method::DELETE,
        &path,
        "/v1/convai/phone-numbers/{phone_number_id}",
        None,
    )
    .await;

    for (kind, body) in [
        ("url", json!({"url": "https://example.com/faq"})),
        ("text", json!({"text": "Refunds take 5 days.", "name": "Refunds"})),
    ] {
        let added = call(
            &sim,
            Method::POST,
            &format!("/v1/convai/knowledge-base/{kind}"),
            &format!("/v1/convai/knowledge-base/{kind}"),
            Some(body),
        )
        .await;
        let path = format!("/v1/convai/knowledge-base/{}", added["id"].as_str().unwrap());
        call(
            &sim,
            Method::GET,
            &path,
            "/v1/convai/knowledge-base/{documentation_id}",
            None,
        )
        .await;
        call(
            &sim,
            Method::PATCH,
            &path,
            "/v1/convai/knowledge-base/{documentation_id}",
            Some(json!({"name": "Renamed"})),
        )
        .await;
        call(
            &sim,
            Method::DELETE,
            &path,
            "/v1/convai/knowledge-base/{documentation_id}",
            None,
        )
        .await;
    }
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"Opening hours".to_vec())
            .file_name("hours.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let (status, added) = send(sim.el(Method::POST, "/v1/convai/knowledge-base/file").multipart(form)).await;
    assert_eq!(status, 200, "{added}");
    assert_response(Api::ElevenLabs, "/v1/convai/knowledge-base/file", "post", 200, &added);
    let path = format!("/v1/convai/knowledge-base/{}", added["id"].as_str().unwrap());
    call(
        &sim,
        Method::GET,
        &path,
        "/v1/convai/knowledge-base/{documentation_id}",
        None,
    )
    .await;
    call(
        &sim,
        Method::GET,
        "/v1/convai/knowledge-base",
        "/v1/convai/knowledge-base",
        None,
    )
    .await;

    let tool = json!({"tool_config": {"type": "webhook", "name": "get_weather", "description": "Weather.", "api_schema": {"url": "https://example.com/w", "method": "GET"}}});
    let created = call(
        &sim,
        Method::POST,
        "/v1/convai/tools",
        "/v1/convai/tools",
        Some(tool.clone()),
    )
    .await;
    let path = format!("/v1/convai/tools/{}", created["id"].as_str().unwrap());
    call(&sim, Method::PATCH, &path, "/v1/convai/tools/{tool_id}", Some(tool)).await;
    call(&sim, Method::DELETE, &path, "/v1/convai/tools/{tool_id}", None).await;

    let hook = call(
        &sim,
        Method::POST,
        "/v1/workspace/webhooks",
        "/v1/workspace/webhooks",
        Some(json!({"settings": {"auth_type": "hmac", "name": "VoxHive", "webhook_url": "https://example.com/el"}})),
    )
    .await;
    call(
        &sim,
        Method::GET,
        "/v1/workspace/webhooks",
        "/v1/workspace/webhooks",
        None,
    )
    .await;
    let settings = call(
        &sim,
        Method::PATCH,
        "/v1/convai/settings",
        "/v1/convai/settings",
        Some(json!({"webhooks": {"post_call_webhook_id": hook["webhook_id"], "events": ["transcript"]}})),
    )
    .await;
    assert_eq!(settings["webhooks"]["post_call_webhook_id"], hook["webhook_id"]);

    let numbers = call(
        &sim,
        Method::GET,
        "/v1/convai/phone-numbers",
        "/v1/convai/phone-numbers",
        None,
    )
    .await;
    let outbound = json!({"agent_id": agents["agents"][0]["agent_id"], "agent_phone_number_id": numbers[0]["phone_number_id"], "to_number": "+14155550111"});
    let started = call(
        &sim,
        Method::POST,
        "/v1/convai/twilio/outbound-call",
        "/v1/convai/twilio/outbound-call",
        Some(outbound),
    )
    .await;
    assert_eq!(started["success"], true);
}
