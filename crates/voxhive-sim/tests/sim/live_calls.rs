//! Live calls: a Vapi outbound call reports to the assistant's server URL; an ElevenLabs outbound call
//! ends with a signed post-call webhook.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{eventually, receiver, send, small_config, spawn_sim};
use crate::schema::{assert_component, Api};

#[tokio::test]
async fn a_vapi_outbound_call_goes_live_and_reports_to_the_server_url() {
    let sim = spawn_sim(small_config()).await;
    let (url, inbox) = receiver().await;
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let id = assistants[0]["id"].as_str().unwrap();
    let server = json!({"server": {"url": url, "headers": {"X-Vapi-Secret": "s3cret"}}});
    send(sim.vapi(Method::PATCH, &format!("/assistant/{id}")).json(&server)).await;
    let (_, numbers) = send(sim.vapi(Method::GET, "/phone-number")).await;
    let body = json!({"assistantId": id, "phoneNumberId": numbers[0]["id"], "customer": {"number": "+14155550142"}});
    let (status, call) = send(sim.vapi(Method::POST, "/call").json(&body)).await;
    assert_eq!(status, 201);
    let call_id = call["id"].as_str().unwrap().to_owned();

    let report = eventually(20, "end-of-call-report", || {
        let inbox = inbox.clone();
        async move {
            inbox
                .lock()
                .unwrap()
                .iter()
                .find(|(_, b)| b["message"]["type"] == "end-of-call-report")
                .cloned()
        }
    })
    .await;
    let received = inbox.lock().unwrap().clone();
    assert!(
        received.iter().all(|(h, _)| h["x-vapi-secret"] == "s3cret"),
        "every message carries the secret"
    );
    let statuses: Vec<&str> = received
        .iter()
        .filter(|(_, b)| b["message"]["type"] == "status-update")
        .map(|(_, b)| b["message"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ringing", "in-progress", "ended"]);
    assert!(received.iter().any(|(_, b)| b["message"]["type"] == "transcript"));
    let message = &report.1["message"];
    assert_eq!(message["call"]["id"], call_id.as_str());
    assert_eq!(message["call"]["status"], "ended");
    assert!(message["artifact"]["transcript"].as_str().unwrap().contains("AI: "));
    assert_component(Api::Vapi, "ServerMessageEndOfCallReport", message);

    let (_, listed) = send(sim.vapi(Method::GET, &format!("/call?id={call_id}"))).await;
    assert_eq!(listed[0]["status"], "ended");
    assert!(listed[0]["artifact"]["messages"].as_array().unwrap().len() > 2);
}

#[tokio::test]
async fn an_elevenlabs_outbound_call_ends_with_a_signed_post_call_webhook() {
    let sim = spawn_sim(small_config()).await;
    let (url, inbox) = receiver().await;
    let secret = sim.handle.elevenlabs_set_webhook(&sim.el_key(), &url).unwrap();
    let (_, agents) = send(sim.el(Method::GET, "/v1/convai/agents")).await;
    let (_, numbers) = send(sim.el(Method::GET, "/v1/convai/phone-numbers")).await;
    let body = json!({"agent_id": agents["agents"][0]["agent_id"], "agent_phone_number_id": numbers[0]["phone_number_id"], "to_number": "+14155550177"});
    let (status, started) = send(sim.el(Method::POST, "/v1/convai/twilio/outbound-call").json(&body)).await;
    assert_eq!(status, 200);
    let (headers, payload) = eventually(20, "post-call webhook", || {
        let inbox = inbox.clone();
        async move { inbox.lock().unwrap().first().cloned() }
    })
    .await;
    assert_eq!(payload["type"], "post_call_transcription");
    assert_eq!(payload["data"]["conversation_id"], started["conversation_id"]);
    assert_eq!(payload["data"]["status"], "done");
    assert_component(Api::ElevenLabs, "GetConversationResponseModel", &payload["data"]);
    let header = headers["elevenlabs-signature"].to_str().unwrap();
    let (t, v0) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let body = serde_json::to_vec(&payload).unwrap();
    let expected = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(&body);
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(v0, format!("v0={expected}"));
    let id = started["conversation_id"].as_str().unwrap();
    let (_, conv) = send(sim.el(Method::GET, &format!("/v1/convai/conversations/{id}"))).await;
    assert!(!conv["transcript"].as_array().unwrap().is_empty());
}
