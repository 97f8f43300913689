//! Vapi's WebSocket transport (`transport.websocketCallUrl`): `GET /live/{callId}/transport` upgrades to a
//! WebSocket that carries the call. The first client to connect starts it; a second one, or one connecting to
//! an ended call, is refused. Binary frames from the client are its microphone (heard by a [`VoiceDetector`]);
//! text frames `{"type":"hangup"}` or `{"type":"end-call"}`, or closing the socket, hang up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{rejection::WebSocketUpgradeRejection, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::error::{VapiError, VapiResult};
use super::server_messages::role;
use crate::app::AppState;
use crate::seed::personas::Speaker;
use crate::speech::{synthesize, Format, FRAME_MS};
use crate::voice::VoiceDetector;

/// Why a call ends when the client hangs up or goes away.
const HUNG_UP: &str = "customer-ended-call";

/// WebSocket transport routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/live/{id}/transport", get(connect))
}

async fn connect(
    State(sim): State<AppState>,
    Path(id): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if let Err(error) = admit(&sim, &id, false) {
        return error.into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let (org, format) = match admit(&sim, &id, true) {
        Ok(admitted) => admitted,
        Err(error) => return error.into_response(),
    };
    let (failed_sim, failed_id) = (sim.clone(), id.clone());
    upgrade
        .on_failed_upgrade(move |_| release(&failed_sim, &failed_id))
        .on_upgrade(move |socket| session(sim, org, id, format, socket))
}

/// The organisation and audio format of WebSocket call `id` if a client may connect; `claim` marks it taken.
fn admit(sim: &AppState, id: &str, claim: bool) -> VapiResult<(usize, Format)> {
    let mut world = sim.world();
    let (org, i) = world.vapi_call(id).ok_or_else(|| VapiError::not_found("Call"))?;
    let call = &mut world.vapi[org].calls[i];
    let ended = call.status == "ended";
    let live = call
        .live
        .as_deref_mut()
        .ok_or_else(|| VapiError::not_found("WebSocket transport"))?;
    let format = live.socket.ok_or_else(|| VapiError::not_found("WebSocket transport"))?;
    if ended || live.end.is_some() {
        return Err(VapiError::call_ended());
    }
    if live.driven {
        return Err(VapiError::conflict("A client is already connected to this call."));
    }
    live.driven |= claim;
    Ok((org, format))
}

/// Frees a call whose upgrade failed, so that a client may connect again.
fn release(sim: &AppState, id: &str) {
    let mut world = sim.world();
    if let Some((org, i)) = world.vapi_call(id) {
        if let Some(live) = world.vapi[org].calls[i].live.as_deref_mut() {
            live.driven = false;
        }
    }
}

async fn session(sim: AppState, org: usize, id: String, format: Format, socket: WebSocket) {
    let (out, outgoing) = mpsc::channel(64);
    let ear = Arc::new(Mutex::new(VoiceDetector::new(format.sample_rate)));
    tokio::spawn(pump(
        socket,
        outgoing,
        ear.clone(),
        format,
        sim.clone(),
        org,
        id.clone(),
    ));
    super::live::run_socket(sim, org, id, SocketLeg { out, ear, format }).await;
}

/// Moves frames both ways until the dialogue is over (then closes) or the client goes away (then hangs up).
async fn pump(
    mut socket: WebSocket,
    mut outgoing: mpsc::Receiver<Message>,
    ear: Arc<Mutex<VoiceDetector>>,
    format: Format,
    sim: AppState,
    org: usize,
    id: String,
) {
    loop {
        tokio::select! {
            message = outgoing.recv() => match message {
                Some(message) => {
                    if socket.send(message).await.is_err() {
                        break;
                    }
                }
                None => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Binary(audio))) => lock(&ear).hear(&format.decode(&audio)),
                Some(Ok(Message::Text(text))) => {
                    let kind = serde_json::from_str::<Value>(text.as_str()).ok().and_then(|v| v["type"].as_str().map(str::to_owned));
                    if matches!(kind.as_deref(), Some("hangup" | "end-call")) {
                        hang_up(&sim, org, &id);
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    hang_up(&sim, org, &id);
}

/// Asks the call to end because the customer hung up.
fn hang_up(sim: &AppState, org: usize, id: &str) {
    let mut world = sim.world();
    if let Some(live) = world.vapi[org]
        .calls
        .iter_mut()
        .find(|c| c.id == id)
        .and_then(|c| c.live.as_deref_mut())
    {
        live.ask_end(HUNG_UP);
    }
}

fn lock(ear: &Mutex<VoiceDetector>) -> std::sync::MutexGuard<'_, VoiceDetector> {
    ear.lock().unwrap_or_else(|e| e.into_inner())
}

/// The simulator's side of a connected client, as the dialogue uses it.
#[derive(Debug)]
pub struct SocketLeg {
    out: mpsc::Sender<Message>,
    ear: Arc<Mutex<VoiceDetector>>,
    format: Format,
}

impl SocketLeg {
    /// Whether the customer spoke since the last line.
    pub fn heard_customer(&self) -> bool {
        lock(&self.ear).heard_speech()
    }

    /// Sends `{"type":"status-update","status":…}` (with `endedReason` once ended).
    pub async fn status(&self, status: &str, reason: Option<&str>) {
        let mut frame = json!({"type": "status-update", "status": status});
        if let Some(reason) = reason {
            frame["endedReason"] = json!(reason);
        }
        self.text(frame).await;
    }

    /// Sends a line just spoken: the assistant's as speech updates around its transcript and audio (paced over
    /// at most one `step`, cut short when `interrupted`), the customer's as a transcript. Then listens afresh.
    pub async fn line(&self, speaker: Speaker, text: &str, step: Duration, interrupted: impl Fn() -> bool) {
        let transcript =
            json!({"type": "transcript", "role": role(speaker), "transcriptType": "final", "transcript": text});
        if speaker == Speaker::Caller {
            self.text(transcript).await;
            lock(&self.ear).reset();
            return;
        }
        self.text(json!({"type": "speech-update", "status": "started", "role": "assistant"}))
            .await;
        self.text(transcript).await;
        let samples = synthesize(text, self.format.sample_rate);
        let frames: Vec<&[i16]> = samples.chunks(self.format.frame_samples()).collect();
        let gap = (step / frames.len().max(1) as u32).min(Duration::from_millis(u64::from(FRAME_MS)));
        for frame in frames {
            if interrupted() {
                break;
            }
            let _ = self.out.send(Message::Binary(self.format.encode(frame).into())).await;
            tokio::time::sleep(gap).await;
        }
        self.text(json!({"type": "speech-update", "status": "stopped", "role": "assistant"}))
            .await;
        lock(&self.ear).reset();
    }

    async fn text(&self, frame: Value) {
        let _ = self.out.send(Message::Text(frame.to_string().into())).await;
    }
}
