//! Every Vapi response the simulator produces matches the schema of its operation in the contract.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{send, small_config, spawn_sim, TestSim};
use crate::schema::{assert_response, Api};

async fn get_ok(sim: &TestSim, path: &str, template: &str) -> Value {
    let (status, body) = send(sim.vapi(Method::GET, path)).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    assert_response(Api::Vapi, template, "get", 200, &body);
    body
}

#[tokio::test]
async fn seeded_vapi_lists_and_documents_match_the_contract() {
    let sim = spawn_sim(small_config()).await;
    let assistants = get_ok(&sim, "/assistant", "/assistant").await;
    let id = assistants[0]["id"].as_str().unwrap();
    get_ok(&sim, &format!("/assistant/{id}"), "/assistant/{id}").await;
    let calls = get_ok(&sim, "/call?limit=150", "/call").await;
    assert_eq!(calls.as_array().unwrap().len(), 150);
    get_ok(
        &sim,
        &format!("/call/{}", calls[0]["id"].as_str().unwrap()),
        "/call/{id}",
    )
    .await;
    let numbers = get_ok(&sim, "/phone-number", "/phone-number").await;
    for n in numbers.as_array().unwrap() {
        get_ok(
            &sim,
            &format!("/phone-number/{}", n["id"].as_str().unwrap()),
            "/phone-number/{id}",
        )
        .await;
    }
    let tools = get_ok(&sim, "/tool", "/tool").await;
    get_ok(
        &sim,
        &format!("/tool/{}", tools[0]["id"].as_str().unwrap()),
        "/tool/{id}",
    )
    .await;
    let files = get_ok(&sim, "/file?purpose=assistant", "/file").await;
    get_ok(
        &sim,
        &format!("/file/{}", files[0]["id"].as_str().unwrap()),
        "/file/{id}",
    )
    .await;
}

#[tokio::test]
async fn vapi_writes_answer_with_documents_that_match_the_contract() {
    let sim = spawn_sim(small_config()).await;
    let body = json!({
        "name": "Contract test",
        "model": {"provider": "openai", "model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."}]},
        "voice": {"provider": "11labs", "voiceId": "sarah"},
        "firstMessage": "Hello!",
    });
    let (status, created) = send(sim.vapi(Method::POST, "/assistant").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_response(Api::Vapi, "/assistant", "post", 201, &created);
    let path = format!("/assistant/{}", created["id"].as_str().unwrap());
    let (status, patched) = send(
        sim.vapi(Method::PATCH, &path)
            .json(&json!({"firstMessage": "Hi again"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_response(Api::Vapi, "/assistant/{id}", "patch", 200, &patched);
    let (status, deleted) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_eq!(status, 200);
    assert_response(Api::Vapi, "/assistant/{id}", "delete", 200, &deleted);

    let (status, bought) = send(
        sim.vapi(Method::POST, "/phone-number")
            .json(&json!({"provider": "vapi", "numberDesiredAreaCode": "212", "name": "NY"})),
    )
    .await;
    assert_eq!(status, 201, "{bought}");
    assert_response(Api::Vapi, "/phone-number", "post", 201, &bought);
    let twilio = json!({"provider": "twilio", "number": "+14155550123", "twilioAccountSid": format!("AC{}", "a".repeat(32)), "twilioAuthToken": "b".repeat(32)});
    let (status, imported) = send(sim.vapi(Method::POST, "/phone-number").json(&twilio)).await;
    assert_eq!(status, 201, "{imported}");
    assert_response(Api::Vapi, "/phone-number", "post", 201, &imported);
    let path = format!("/phone-number/{}", imported["id"].as_str().unwrap());
    let (status, patched) = send(
        sim.vapi(Method::PATCH, &path)
            .json(&json!({"name": "Sales", "server": {"url": "https://example.com/hook"}})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_response(Api::Vapi, "/phone-number/{id}", "patch", 200, &patched);
    let (status, deleted) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_eq!(status, 200);
    assert_response(Api::Vapi, "/phone-number/{id}", "delete", 200, &deleted);

    let tool = json!({"type": "function", "function": {"name": "lookup", "description": "Looks up.", "parameters": {"type": "object", "properties": {}}}});
    let (status, created) = send(sim.vapi(Method::POST, "/tool").json(&tool)).await;
    assert_eq!(status, 201, "{created}");
    assert_response(Api::Vapi, "/tool", "post", 201, &created);
    let path = format!("/tool/{}", created["id"].as_str().unwrap());
    let (status, patched) = send(sim.vapi(Method::PATCH, &path).json(&json!({"async": true}))).await;
    assert_eq!(status, 200, "{patched}");
    assert_response(Api::Vapi, "/tool/{id}", "patch", 200, &patched);
    let (_, deleted) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_response(Api::Vapi, "/tool/{id}", "delete", 200, &deleted);

    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hello".to_vec())
                .file_name("notes.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("purpose", "assistant");
    let (status, file) = send(sim.vapi(Method::POST, "/file").multipart(form)).await;
    assert_eq!(status, 201, "{file}");
    assert_response(Api::Vapi, "/file", "post", 201, &file);
    let path = format!("/file/{}", file["id"].as_str().unwrap());
    let (_, patched) = send(sim.vapi(Method::PATCH, &path).json(&json!({"name": "renamed.txt"}))).await;
    assert_response(Api::Vapi, "/file/{id}", "patch", 200, &patched);
    let (_, deleted) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_response(Api::Vapi, "/file/{id}", "delete", 200, &deleted);

    let query = json!({"queries": [{"name": "cost by assistant", "table": "call", "groupBy": ["assistantId"],
        "operations": [{"operation": "sum", "column": "cost"}, {"operation": "count", "column": "id"}],
        "timeRange": {"start": "2026-09-01T00:00:00Z", "end": "2026-10-01T00:00:00Z", "step": "day"}}]});
    let (status, result) = send(sim.vapi(Method::POST, "/analytics").json(&query)).await;
    assert_eq!(status, 200, "{result}");
    assert_response(Api::Vapi, "/analytics", "post", 200, &result);
    assert!(!result[0]["result"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_outbound_call_answers_with_a_call_that_matches_the_contract() {
    let sim = spawn_sim(small_config()).await;
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let (_, numbers) = send(sim.vapi(Method::GET, "/phone-number")).await;
    let body = json!({"assistantId": assistants[0]["id"], "phoneNumberId": numbers[0]["id"], "customer": {"number": "+14155550199"}});
    let (status, call) = send(sim.vapi(Method::POST, "/call").json(&body)).await;
    assert_eq!(status, 201, "{call}");
    assert_eq!(call["status"], "queued");
    assert_response(Api::Vapi, "/call", "post", 201, &call);
    let path = format!("/call/{}", call["id"].as_str().unwrap());
    let (_, renamed) = send(sim.vapi(Method::PATCH, &path).json(&json!({"name": "Follow-up"}))).await;
    assert_response(Api::Vapi, "/call/{id}", "patch", 200, &renamed);
    let (status, deleted) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_eq!(status, 200);
    assert_response(Api::Vapi, "/call/{id}", "delete", 200, &deleted);
}

#[test]
fn the_converted_contract_still_rejects_what_it_should() {
    use crate::schema::assert_valid;
    let result = std::panic::catch_unwind(|| {
        assert_valid(
            Api::Vapi,
            &json!({"$ref": "#/components/schemas/Call"}),
            &json!({"id": "x", "orgId": "o", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "status": "bogus"}),
            "bad call",
        );
    });
    assert!(result.is_err(), "an unknown status must fail validation");
    let result = std::panic::catch_unwind(|| {
        assert_valid(
            Api::Vapi,
            &json!({"$ref": "#/components/schemas/Call"}),
            &json!({"id": "x", "orgId": "o", "createdAt": "yesterday", "updatedAt": "2026-01-01T00:00:00Z"}),
            "bad date",
        );
    });
    assert!(result.is_err(), "a malformed date-time must fail validation");
}
