//! Vapi calls over the WebSocket transport, with a real WebSocket client: the assistant's lines arrive as
//! transcripts and audio, the customer's lines follow the client's voice, silence stalls, and the call ends
//! by hang-up, by the dialogue's end or by live call control.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use crate::helpers::{eventually, receiver, send, server_messages, small_config, spawn_sim, TestSim};
use crate::schema::{assert_component, assert_response, Api};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Creates a WebSocket call with the given transport; returns status and body.
async fn websocket_call(sim: &TestSim, assistant_id: &str, transport: Value) -> (u16, Value) {
    let body = json!({"assistantId": assistant_id, "transport": transport});
    send(sim.vapi(Method::POST, "/call").json(&body)).await
}

/// Connects to the call's `transport.websocketCallUrl`.
async fn connect(call: &Value) -> Socket {
    let url = call["transport"]["websocketCallUrl"].as_str().unwrap();
    connect_async(url).await.expect("the first client connects").0
}

/// What the client received, frame by frame.
#[derive(Debug, Default)]
struct Seen {
    texts: Vec<Value>,
    audio_frames: Vec<usize>,
}

impl Seen {
    /// Transcripts of `role`, in order.
    fn transcripts(&self, role: &str) -> Vec<String> {
        self.texts
            .iter()
            .filter(|t| t["type"] == "transcript" && t["role"] == role)
            .map(|t| t["transcript"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Reads frames until a text frame; `None` once the server closed the socket.
async fn next_text(socket: &mut Socket, seen: &mut Seen) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("JSON text frame");
                seen.texts.push(value.clone());
                return Some(value);
            }
            Some(Ok(Message::Binary(audio))) => seen.audio_frames.push(audio.len()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Reads until a text frame matching `wanted`.
async fn read_until(socket: &mut Socket, seen: &mut Seen, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let text = next_text(socket, seen).await.expect("the socket stays open");
        if wanted(&text) {
            return text;
        }
    }
}

fn assistant_stopped(text: &Value) -> bool {
    text["type"] == "speech-update" && text["status"] == "stopped" && text["role"] == "assistant"
}

/// `ms` of 20 ms frames of 16 kHz s16le: a loud 400 Hz square wave, or digital silence.
fn pcm_frames(ms: usize, loud: bool) -> Vec<Vec<u8>> {
    let amplitude: i16 = if loud { 8_000 } else { 0 };
    let frame: Vec<u8> = (0..320)
        .flat_map(|i| (if i % 40 < 20 { amplitude } else { -amplitude }).to_le_bytes())
        .collect();
    vec![frame; ms / 20]
}

/// `ms` of 20 ms frames of 8 kHz mu-law: a loud square wave (0x80 and 0x00 are the extremes).
fn mulaw_voice(ms: usize) -> Vec<Vec<u8>> {
    let frame: Vec<u8> = (0..160).map(|i| if i % 20 < 10 { 0x80 } else { 0x00 }).collect();
    vec![frame; ms / 20]
}

async fn speak(socket: &mut Socket, frames: Vec<Vec<u8>>) {
    for frame in frames {
        socket.send(Message::binary(frame)).await.expect("frame sent");
    }
}

/// The HTTP status a refused WebSocket connection got.
async fn refused_status(url: &str) -> u16 {
    match connect_async(url).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        other => panic!("expected a refusal, got {:?}", other.map(|(_, r)| r.status())),
    }
}

async fn first_assistant(sim: &TestSim) -> String {
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    assistants[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_websocket_call_waits_for_its_client_talks_mulaw_and_ends_when_the_client_hangs_up() {
    let sim = spawn_sim(small_config()).await;
    let (url, inbox) = receiver().await;
    let assistant = sim.assistant_reporting_to(&url).await;
    let transport = json!({"provider": "vapi.websocket", "audioFormat": {"format": "mulaw", "container": "raw", "sampleRate": 8000}});
    let (status, call) = websocket_call(&sim, &assistant, transport).await;
    assert_eq!(status, 201, "{call}");
    assert_response(Api::Vapi, "/call", "post", 201, &call);
    let id = call["id"].as_str().unwrap().to_owned();
    let ws_base = sim.handle.base_url().replacen("http", "ws", 1);
    assert_eq!(call["type"], "vapi.websocketCall");
    assert_eq!(
        call["transport"]["websocketCallUrl"],
        format!("{ws_base}/live/{id}/transport")
    );
    assert_eq!(call["transport"]["audioFormat"]["format"], "mulaw");
    assert_eq!(call["monitor"]["listenUrl"], format!("{ws_base}/live/{id}/listen"));
    assert_eq!(
        call["monitor"]["controlUrl"],
        format!("{}/live/{id}/control", sim.handle.base_url())
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.vapi_call(&id).await["status"], "queued", "nobody connected yet");

    let mut socket = connect(&call).await;
    let url = call["transport"]["websocketCallUrl"].as_str().unwrap();
    assert_eq!(refused_status(url).await, 409, "a second client is refused");
    let mut seen = Seen::default();
    let first = next_text(&mut socket, &mut seen).await.unwrap();
    assert_eq!(first, json!({"type": "status-update", "status": "in-progress"}));
    read_until(&mut socket, &mut seen, assistant_stopped).await;
    assert!(!seen.audio_frames.is_empty());
    assert!(
        seen.audio_frames.iter().all(|len| *len == 160),
        "20 ms of 8 kHz mu-law a frame"
    );
    speak(&mut socket, mulaw_voice(400)).await;
    let user = read_until(&mut socket, &mut seen, |t| {
        t["type"] == "transcript" && t["role"] == "user"
    })
    .await;
    assert_eq!(user["transcriptType"], "final");

    socket.send(Message::text(r#"{"type":"hangup"}"#)).await.unwrap();
    let ended = read_until(&mut socket, &mut seen, |t| t["status"] == "ended").await;
    assert_eq!(ended["endedReason"], "customer-ended-call");
    assert!(
        next_text(&mut socket, &mut seen).await.is_none(),
        "the server closes the socket"
    );
    assert_eq!(refused_status(url).await, 404, "an ended call cannot be joined");

    let call = sim.vapi_call(&id).await;
    assert_response(Api::Vapi, "/call/{id}", "get", 200, &call);
    assert_eq!(
        (call["status"].as_str(), call["endedReason"].as_str()),
        (Some("ended"), Some("customer-ended-call"))
    );
    let roles: Vec<&str> = call["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert!(roles.contains(&"bot") && roles.contains(&"user"), "{roles:?}");
    assert!(call["cost"].as_f64().unwrap() > 0.0);
    assert!(call["artifact"]["recordingUrl"].as_str().is_some());
    let report = eventually(10, "end-of-call-report", || async {
        server_messages(&inbox, "end-of-call-report").pop()
    })
    .await;
    assert_eq!(report["endedReason"], "customer-ended-call");
    let statuses: Vec<Value> = server_messages(&inbox, "status-update")
        .into_iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("in-progress"), json!("ended")]);
    assert!(server_messages(&inbox, "transcript")
        .iter()
        .any(|m| m["role"] == "user"));
}

#[tokio::test]
async fn a_websocket_call_runs_its_whole_dialogue_when_the_client_answers_every_line() {
    let sim = spawn_sim(small_config()).await;
    let assistant = first_assistant(&sim).await;
    let (status, call) = websocket_call(&sim, &assistant, json!({"provider": "vapi.websocket"})).await;
    assert_eq!(status, 201, "{call}");
    assert_eq!(
        call["transport"]["audioFormat"],
        json!({"format": "pcm_s16le", "container": "raw", "sampleRate": 16000})
    );
    let mut socket = connect(&call).await;
    let mut seen = Seen::default();
    let ended = loop {
        let text = next_text(&mut socket, &mut seen).await.expect("open until ended");
        if assistant_stopped(&text) {
            speak(&mut socket, pcm_frames(400, true)).await;
        }
        if text["status"] == "ended" {
            break text;
        }
    };
    assert!(
        next_text(&mut socket, &mut seen).await.is_none(),
        "closed after the final status"
    );
    assert!(
        seen.audio_frames.iter().all(|len| *len == 640),
        "20 ms of 16 kHz s16le a frame"
    );

    let id = call["id"].as_str().unwrap();
    let call = sim.vapi_call(id).await;
    assert_eq!(call["status"], "ended");
    assert_eq!(call["endedReason"], ended["endedReason"]);
    assert!(["assistant-said-end-call-phrase", "customer-ended-call"].contains(&ended["endedReason"].as_str().unwrap()));
    let (bot, user) = (seen.transcripts("assistant"), seen.transcripts("user"));
    assert!(bot.len() >= 2 && !user.is_empty(), "{bot:?} {user:?}");
    let spoken: Vec<String> = call["messages"].as_array().unwrap()[1..]
        .iter()
        .map(|m| m["message"].as_str().unwrap().to_owned())
        .collect();
    let mut heard: Vec<String> = Vec::new();
    for text in &seen.texts {
        if text["type"] == "transcript" {
            heard.push(text["transcript"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        spoken, heard,
        "the call document has exactly the lines sent over the socket"
    );
    assert!(call["cost"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn silence_from_the_client_stalls_the_dialogue_until_end_call_control() {
    let sim = spawn_sim(small_config()).await;
    let assistant = first_assistant(&sim).await;
    let (_, call) = websocket_call(&sim, &assistant, json!({"provider": "vapi.websocket"})).await;
    let id = call["id"].as_str().unwrap();
    let mut socket = connect(&call).await;
    let mut seen = Seen::default();
    read_until(&mut socket, &mut seen, assistant_stopped).await;
    for _ in 0..10 {
        speak(&mut socket, pcm_frames(100, false)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let roles: Vec<Value> = sim.vapi_call(id).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].clone())
        .collect();
    assert_eq!(roles, [json!("system"), json!("bot")], "no customer line without voice");

    let (status, _) = sim.control(id, json!({"type": "end-call"})).await;
    assert_eq!(status, 200);
    let ended = read_until(&mut socket, &mut seen, |t| t["status"] == "ended").await;
    assert_eq!(ended["endedReason"], "manually-canceled");
    assert!(seen.transcripts("user").is_empty());
    assert!(next_text(&mut socket, &mut seen).await.is_none());
    assert_eq!(sim.vapi_call(id).await["endedReason"], "manually-canceled");
}

#[tokio::test]
async fn websocket_calls_refuse_phone_fields_bad_formats_and_late_clients() {
    let sim = spawn_sim(small_config()).await;
    let (hook, inbox) = receiver().await;
    let assistant = sim.assistant_reporting_to(&hook).await;
    let (_, numbers) = send(sim.vapi(Method::GET, "/phone-number")).await;
    let transport = json!({"provider": "vapi.websocket"});
    let body = json!({"assistantId": assistant, "phoneNumberId": numbers[0]["id"], "transport": transport});
    let (status, error) = send(sim.vapi(Method::POST, "/call").json(&body)).await;
    assert_eq!(status, 400);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("`phoneNumberId` Is Not Allowed"),
        "{error}"
    );
    let body = json!({"assistantId": assistant, "customer": {"number": "+14155550142"}, "transport": transport});
    let (status, _) = send(sim.vapi(Method::POST, "/call").json(&body)).await;
    assert_eq!(status, 400);
    let bad = json!({"provider": "vapi.websocket", "audioFormat": {"format": "opus", "sampleRate": 16000}});
    let (status, error) = websocket_call(&sim, &assistant, bad).await;
    assert_eq!(status, 400);
    assert_eq!(
        error["message"][0],
        "transport.audioFormat.format must be one of the following values: pcm_s16le, mulaw"
    );

    let (_, call) = websocket_call(&sim, &assistant, transport).await;
    let id = call["id"].as_str().unwrap();
    let (status, _) = sim.control(id, json!({"type": "end-call"})).await;
    assert_eq!(status, 200);
    let call = eventually(10, "the queued call to end", || async {
        let call = sim.vapi_call(id).await;
        (call["status"] == "ended").then_some(call)
    })
    .await;
    assert_eq!(call["endedReason"], "manually-canceled");
    let report = eventually(10, "end-of-call-report", || async {
        server_messages(&inbox, "end-of-call-report").pop()
    })
    .await;
    assert_component(Api::Vapi, "ServerMessageEndOfCallReport", &report);
    let url = call["transport"]["websocketCallUrl"].as_str().unwrap();
    assert_eq!(refused_status(url).await, 404);
    let unknown = format!(
        "{}/live/00000000-0000-4000-8000-000000000000/transport",
        sim.handle.base_url().replacen("http", "ws", 1)
    );
    assert_eq!(refused_status(&unknown).await, 404);
}
