//! Live call control of a Vapi phone call over real HTTP: muting holds the dialogue, `say` adds a line,
//! `end-call` ends the call, and bad or late control messages are refused.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{eventually, receiver, send, server_messages, small_config, spawn_sim, TestSim};
use crate::schema::{assert_component, Api};

/// Several live steps of `small_config`.
const STEPS: Duration = Duration::from_millis(200);

/// Places an outbound phone call with the first assistant and number; returns its id.
async fn phone_call(sim: &TestSim, assistant_id: &str) -> String {
    let (_, numbers) = send(sim.vapi(Method::GET, "/phone-number")).await;
    let body =
        json!({"assistantId": assistant_id, "phoneNumberId": numbers[0]["id"], "customer": {"number": "+14155550142"}});
    let (status, call) = send(sim.vapi(Method::POST, "/call").json(&body)).await;
    assert_eq!(status, 201, "{call}");
    call["id"].as_str().unwrap().to_owned()
}

/// `messages` of the call (system prompt first), empty before it is in progress.
async fn messages(sim: &TestSim, id: &str) -> Vec<Value> {
    sim.vapi_call(id).await["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until the assistant said its first line.
async fn first_line(sim: &TestSim, id: &str) {
    eventually(10, "the assistant's first line", || async {
        messages(sim, id).await.iter().any(|m| m["role"] == "bot").then_some(())
    })
    .await;
}

async fn control_ok(sim: &TestSim, id: &str, body: Value) -> Value {
    let (status, reply) = sim.control(id, body.clone()).await;
    assert_eq!(status, 200, "{body}: {reply}");
    reply
}

#[tokio::test]
async fn muting_the_assistant_holds_the_dialogue_and_a_held_say_is_spoken_once_unmuted() {
    let sim = spawn_sim(small_config()).await;
    let (url, inbox) = receiver().await;
    let assistant = sim.assistant_reporting_to(&url).await;
    let id = phone_call(&sim, &assistant).await;
    first_line(&sim, &id).await;

    let reply = control_ok(&sim, &id, json!({"type": "control", "control": "mute-assistant"})).await;
    assert_eq!(reply["assistantMuted"], true);
    tokio::time::sleep(STEPS).await;
    let held = messages(&sim, &id).await.len();
    let line = "Let me get my supervisor on the line for you.";
    control_ok(&sim, &id, json!({"type": "say", "content": line})).await;
    tokio::time::sleep(STEPS).await;
    let still = messages(&sim, &id).await;
    assert_eq!(still.len(), held, "nothing is said while the assistant is muted");
    assert_eq!(sim.vapi_call(&id).await["status"], "in-progress");

    control_ok(&sim, &id, json!({"type": "control", "control": "unmute-assistant"})).await;
    let said = eventually(10, "the said line", || async {
        let all = messages(&sim, &id).await;
        all.iter().position(|m| m["message"] == line).map(|i| (i, all))
    })
    .await;
    assert_eq!(said.0, held, "the held line comes first once unmuted");
    assert_eq!(said.1[said.0]["role"], "bot");
    eventually(10, "the dialogue resuming", || async {
        (messages(&sim, &id).await.len() > held + 1).then_some(())
    })
    .await;
    let call = sim.vapi_call(&id).await;
    assert!(call["artifact"]["transcript"]
        .as_str()
        .unwrap()
        .contains(&format!("AI: {line}")));
    let sent = eventually(10, "the said line as a transcript server message", || async {
        server_messages(&inbox, "transcript")
            .into_iter()
            .find(|m| m["transcript"] == line)
    })
    .await;
    assert_eq!(sent["role"], "assistant");
}

#[tokio::test]
async fn end_call_ends_the_call_as_manually_canceled_and_reports_it() {
    let sim = spawn_sim(small_config()).await;
    let (url, inbox) = receiver().await;
    let assistant = sim.assistant_reporting_to(&url).await;
    let id = phone_call(&sim, &assistant).await;
    first_line(&sim, &id).await;
    control_ok(&sim, &id, json!({"type": "control", "control": "mute-assistant"})).await;

    control_ok(&sim, &id, json!({"type": "end-call"})).await;
    let report = eventually(10, "end-of-call-report", || async {
        server_messages(&inbox, "end-of-call-report").pop()
    })
    .await;
    assert_eq!(report["endedReason"], "manually-canceled");
    assert_eq!(report["call"]["id"], id.as_str());
    assert_component(Api::Vapi, "ServerMessageEndOfCallReport", &report);
    let ended = server_messages(&inbox, "status-update")
        .into_iter()
        .find(|m| m["status"] == "ended")
        .expect("a status-update ended");
    assert_eq!(ended["endedReason"], "manually-canceled");
    let call = sim.vapi_call(&id).await;
    assert_eq!(call["status"], "ended");
    assert_eq!(call["endedReason"], "manually-canceled");

    let (status, error) = sim.control(&id, json!({"type": "end-call"})).await;
    assert_eq!(status, 404);
    assert_eq!(error["message"], "Call has already ended.");
}

#[tokio::test]
async fn a_say_with_end_call_after_spoken_is_the_last_line() {
    let sim = spawn_sim(small_config()).await;
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let id = phone_call(&sim, assistants[0]["id"].as_str().unwrap()).await;
    first_line(&sim, &id).await;
    let line = "Sorry, we have to end the call here. Goodbye!";
    control_ok(
        &sim,
        &id,
        json!({"type": "say", "content": line, "endCallAfterSpoken": true}),
    )
    .await;
    let call = eventually(10, "the call to end", || async {
        let call = sim.vapi_call(&id).await;
        (call["status"] == "ended").then_some(call)
    })
    .await;
    assert_eq!(call["endedReason"], "assistant-ended-call-after-message-spoken");
    let last = call["messages"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last["role"].as_str(), last["message"].as_str()),
        (Some("bot"), Some(line))
    );
}

#[tokio::test]
async fn control_refuses_unknown_and_ended_calls_with_404_and_bad_messages_with_400() {
    let sim = spawn_sim(small_config()).await;
    let (_, seeded) = send(sim.vapi(Method::GET, "/call?limit=1")).await;
    let seeded = seeded[0]["id"].as_str().unwrap();
    let (status, error) = sim.control(seeded, json!({"type": "end-call"})).await;
    assert_eq!(
        (status, error["message"].as_str()),
        (404, Some("Call has already ended."))
    );
    let (status, error) = sim
        .control("00000000-0000-4000-8000-000000000000", json!({"type": "end-call"}))
        .await;
    assert_eq!((status, error["message"].as_str()), (404, Some("Call not found")));

    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let id = phone_call(&sim, assistants[0]["id"].as_str().unwrap()).await;
    for body in [
        json!({"type": "control", "control": "mute-everyone"}),
        json!({"type": "dance"}),
        json!({"type": "say"}),
        json!({"type": "say", "content": "Hi", "endCallAfterSpoken": "yes"}),
        json!("end-call"),
    ] {
        let (status, error) = sim.control(&id, body.clone()).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["statusCode"], 400);
        assert_eq!(error["error"], "Bad Request");
    }
    let (status, error) = sim.control(&id, json!({"type": "control", "control": "explode"})).await;
    assert_eq!(status, 400);
    assert!(error["message"][0]
        .as_str()
        .unwrap()
        .starts_with("control must be one of the following values: mute-assistant"));
    let url = format!("{}/live/{id}/control", sim.handle.base_url());
    let (status, _) = send(sim.http.post(url).body("{not json")).await;
    assert_eq!(status, 400);
    control_ok(&sim, &id, json!({"type": "end-call"})).await;
}
