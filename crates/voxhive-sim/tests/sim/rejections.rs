//! Requests the real APIs would reject are rejected, in each provider's error shape.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{send, small_config, spawn_sim};
use crate::schema::{assert_component, assert_response, Api};

#[tokio::test]
async fn vapi_answers_a_wrong_key_with_401_in_its_error_shape() {
    let sim = spawn_sim(small_config()).await;
    let url = format!("{}/assistant", sim.handle.base_url());
    let (status, body) = send(sim.http.get(&url).bearer_auth("not-a-key")).await;
    assert_eq!(status, 401);
    assert_eq!(body["statusCode"], 401);
    assert_eq!(body["error"], "Unauthorized");
    assert!(body["message"].is_string());
    let (status, _) = send(sim.http.get(&url)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn vapi_rejects_unknown_fields_wrong_types_and_bad_values_with_a_message_array() {
    let sim = spawn_sim(small_config()).await;
    let cases = [
        (
            "/assistant",
            json!({"name": "x", "colour": "blue"}),
            "property colour should not exist",
        ),
        ("/assistant", json!({"name": 42}), "name must be a string"),
        (
            "/assistant",
            json!({"name": "x".repeat(41)}),
            "name must be shorter than or equal to 40 characters",
        ),
        (
            "/assistant",
            json!({"model": {"model": "gpt-4o"}}),
            "model.provider should not be empty",
        ),
        (
            "/assistant",
            json!({"maxDurationSeconds": "long"}),
            "maxDurationSeconds must be a number",
        ),
        (
            "/phone-number",
            json!({"provider": "twilio", "number": "+14155550100"}),
            "twilioAccountSid should not be empty",
        ),
        (
            "/phone-number",
            json!({"provider": "carrier-pigeon"}),
            "provider must be one of the following values",
        ),
        (
            "/tool",
            json!({"type": "function", "funktion": {}}),
            "property funktion should not exist",
        ),
        ("/call", json!({"assistantId": 7}), "assistantId must be a string"),
        (
            "/analytics",
            json!({"queries": [{"name": "x", "table": "calls", "operations": []}]}),
            "table must be one of the following values",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = send(sim.vapi(Method::POST, path).json(&body)).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert_eq!(answer["statusCode"], 400);
        assert_eq!(answer["error"], "Bad Request");
        let messages = answer["message"]
            .as_array()
            .unwrap_or_else(|| panic!("message is an array: {answer}"));
        assert!(
            messages.iter().any(|m| m.as_str().unwrap().contains(expected)),
            "{path}: {answer} lacks {expected}"
        );
    }
    let (status, answer) = send(sim.vapi(Method::GET, "/call?limit=5000")).await;
    assert_eq!(status, 400);
    assert_eq!(answer["message"], json!(["limit must not be greater than 1000"]));
    let (status, _) = send(
        sim.vapi(Method::PATCH, "/assistant/00000000-0000-4000-8000-000000000000")
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn vapi_refuses_a_twilio_import_with_a_wrong_token() {
    let sim = spawn_sim(small_config()).await;
    let body = json!({"provider": "twilio", "number": "+14155550100", "twilioAccountSid": format!("AC{}", "a".repeat(32)), "twilioAuthToken": "wrong"});
    let (status, answer) = send(sim.vapi(Method::POST, "/phone-number").json(&body)).await;
    assert_eq!(status, 400);
    assert!(answer["message"].as_str().unwrap().contains("Twilio"));
    let (_, numbers) = send(sim.vapi(Method::GET, "/phone-number")).await;
    assert_eq!(numbers.as_array().unwrap().len(), 2, "nothing was imported");
}

#[tokio::test]
async fn elevenlabs_rejects_bad_keys_and_invalid_bodies_in_its_error_shapes() {
    let sim = spawn_sim(small_config()).await;
    let url = format!("{}/v1/convai/agents", sim.handle.base_url());
    let (status, body) = send(sim.http.get(&url).header("xi-api-key", "nope")).await;
    assert_eq!(status, 401);
    assert_eq!(body["detail"]["status"], "invalid_api_key");

    let cases = [
        (
            "/v1/convai/agents/create",
            json!({"name": "x"}),
            "missing",
            "conversation_config",
        ),
        (
            "/v1/convai/agents/create",
            json!({"conversation_config": {}, "name": 3}),
            "string_type",
            "name",
        ),
        (
            "/v1/convai/twilio/outbound-call",
            json!({"agent_id": "a", "agent_phone_number": "p", "to_number": "+1"}),
            "missing",
            "agent_phone_number_id",
        ),
        (
            "/v1/convai/phone-numbers",
            json!({"phone_number": "+14155550100", "label": "x", "sid": "AC1"}),
            "missing",
            "token",
        ),
        (
            "/v1/convai/knowledge-base/url",
            json!({"url": false}),
            "string_type",
            "url",
        ),
    ];
    for (path, body, kind, field) in cases {
        let (status, answer) = send(sim.el(Method::POST, path).json(&body)).await;
        assert_eq!(status, 422, "{path}: {answer}");
        let method = "post";
        assert_response(Api::ElevenLabs, path, method, 422, &answer);
        let detail = answer["detail"].as_array().unwrap();
        assert!(
            detail
                .iter()
                .any(|d| d["type"] == kind && d["loc"] == json!(["body", field])),
            "{path}: {answer}"
        );
    }
    let (status, answer) = send(sim.el(Method::GET, "/v1/convai/conversations?page_size=500")).await;
    assert_eq!(status, 422);
    assert_component(Api::ElevenLabs, "HTTPValidationError", &answer);
    assert_eq!(answer["detail"][0]["loc"], json!(["query", "page_size"]));
}
