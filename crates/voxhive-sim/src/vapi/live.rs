//! A live call's life: queued, ringing (phone calls), in progress line by line, ended. Each step goes to the
//! server URL as server messages and, for a WebSocket call, over the socket. Live call control acts through
//! the call's [`Live`] state: held lines while muted, `say` lines first, and an end asked for at any time.
//! Muting takes effect between lines (a line being spoken finishes); an end cuts a line's audio short.

use std::sync::Arc;

use tokio::sync::Notify;

use super::call_doc::spoken_lines;
use super::server_messages;
use super::ws_transport::SocketLeg;
use crate::app::AppState;
use crate::seed::personas::{Speaker, PERSONAS};
use crate::state::{CallRecord, Live};
use crate::time::now;

/// Why a call ends when the assistant hung up after a `say` with `endCallAfterSpoken`.
const AFTER_SAY: &str = "assistant-ended-call-after-message-spoken";

/// What the dialogue does next.
enum Step {
    /// The call was deleted or ended elsewhere.
    Gone,
    /// The call ends with this reason.
    End(&'static str),
    /// Nothing is said this step (a muted assistant, a muted or silent customer).
    Hold,
    /// A line was just spoken.
    Spoke {
        speaker: Speaker,
        text: String,
        end_after: bool,
    },
}

/// Starts an outbound phone call: ringing and in progress one step apart, then the dialogue.
pub fn spawn_phone(sim: AppState, org: usize, id: String) {
    tokio::spawn(async move {
        let Some(wake) = wake_of(&sim, org, &id) else { return };
        for status in ["ringing", "in-progress"] {
            if !pause(&sim, org, &id, &wake).await {
                return;
            }
            if let Some(reason) = end_asked(&sim, org, &id) {
                finish(&sim, org, &id, reason, None).await;
                return;
            }
            if !set_status(&sim, org, &id, status, None) {
                return;
            }
            server_messages::status_update(&sim, org, &id).await;
        }
        converse(&sim, org, &id, &wake, None).await;
    });
}

/// Runs a WebSocket call whose client just connected: in progress at once, then the dialogue over `leg`.
pub async fn run_socket(sim: AppState, org: usize, id: String, leg: SocketLeg) {
    let Some(wake) = wake_of(&sim, org, &id) else { return };
    if !set_status(&sim, org, &id, "in-progress", None) {
        return;
    }
    leg.status("in-progress", None).await;
    server_messages::status_update(&sim, org, &id).await;
    converse(&sim, org, &id, &wake, Some(&leg)).await;
}

/// Ends a call that no task drives (a WebSocket call nobody connected to) in the background.
pub fn end_undriven(sim: AppState, org: usize, id: String, reason: &'static str) {
    tokio::spawn(async move { finish(&sim, org, &id, reason, None).await });
}

/// Speaks line after line, one step apart, until the call ends.
async fn converse(sim: &AppState, org: usize, id: &str, wake: &Notify, leg: Option<&SocketLeg>) {
    let reason = loop {
        if !pause(sim, org, id, wake).await {
            return;
        }
        let heard = leg.is_none_or(SocketLeg::heard_customer);
        match next(sim, org, id, heard) {
            Step::Gone => return,
            Step::End(reason) => break reason,
            Step::Hold => {}
            Step::Spoke {
                speaker,
                text,
                end_after,
            } => {
                if let Some(leg) = leg {
                    let interrupted = || end_asked(sim, org, id).is_some();
                    leg.line(speaker, &text, sim.live_step, interrupted).await;
                }
                server_messages::transcript(sim, org, id, speaker, &text).await;
                if end_after {
                    break AFTER_SAY;
                }
            }
        }
    };
    finish(sim, org, id, reason, leg).await;
}

/// Decides and records the next step of the dialogue; `heard` says whether the customer spoke.
fn next(sim: &AppState, org: usize, id: &str, heard: bool) -> Step {
    let mut world = sim.world();
    let Some(call) = world.vapi[org].calls.iter_mut().find(|c| c.id == id) else {
        return Step::Gone;
    };
    if call.status == "ended" {
        return Step::Gone;
    }
    let Some(live) = call.live.as_deref_mut() else {
        return Step::Gone;
    };
    if let Some(reason) = live.end {
        return Step::End(reason);
    }
    if !live.pending.is_empty() {
        if live.assistant_muted {
            return Step::Hold;
        }
        let Some((text, end_after)) = live.pending.pop_front() else {
            return Step::Hold;
        };
        live.said.push((call.script.lines, text.clone()));
        call.updated_at = now();
        return Step::Spoke {
            speaker: Speaker::Agent,
            text,
            end_after,
        };
    }
    let dialogue = PERSONAS[call.script.persona as usize].dialogues[call.script.dialogue as usize];
    let Some((speaker, _)) = dialogue.get(usize::from(call.script.lines)) else {
        return Step::End(natural_end(call));
    };
    let held = match speaker {
        Speaker::Agent => live.assistant_muted,
        Speaker::Caller => live.customer_muted || !heard,
    };
    if held {
        return Step::Hold;
    }
    call.script.lines += 1;
    call.updated_at = now();
    match call.script.lines().pop() {
        Some((speaker, text)) => Step::Spoke {
            speaker,
            text,
            end_after: false,
        },
        None => Step::Gone,
    }
}

/// The `endedReason` of a dialogue that ran to its end: the assistant's goodbye, or the customer hanging up.
fn natural_end(call: &CallRecord) -> &'static str {
    match spoken_lines(call).last() {
        Some((Speaker::Agent, _)) => "assistant-said-end-call-phrase",
        _ => "customer-ended-call",
    }
}

/// Ends the call with `reason` unless it already ended, and says so to the server URL and the socket.
async fn finish(sim: &AppState, org: usize, id: &str, reason: &'static str, leg: Option<&SocketLeg>) {
    if !set_status(sim, org, id, "ended", Some(reason)) {
        return;
    }
    if let Some(leg) = leg {
        leg.status("ended", Some(reason)).await;
    }
    server_messages::status_update(sim, org, id).await;
}

/// Moves the call to `status`; false when it is gone or already ended.
fn set_status(sim: &AppState, org: usize, id: &str, status: &'static str, reason: Option<&'static str>) -> bool {
    let mut world = sim.world();
    let Some(call) = world.vapi[org].calls.iter_mut().find(|c| c.id == id) else {
        return false;
    };
    if call.status == "ended" {
        return false;
    }
    let at = now();
    call.status = status;
    call.updated_at = at;
    match status {
        "in-progress" => call.started_at = Some(at),
        "ended" => {
            call.ended_at = Some(at);
            call.ended_reason = reason;
        }
        _ => {}
    }
    true
}

/// Waits one live step, less when an end is asked for; false when the simulator stops.
async fn pause(sim: &AppState, org: usize, id: &str, wake: &Notify) -> bool {
    let deadline = tokio::time::Instant::now() + sim.live_step;
    let mut stopping = sim.stopping.clone();
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => return true,
            () = wake.notified() => {
                if end_asked(sim, org, id).is_some() {
                    return true;
                }
            }
            _ = stopping.changed() => return false,
        }
    }
}

fn with_live<T>(sim: &AppState, org: usize, id: &str, f: impl FnOnce(&Live) -> T) -> Option<T> {
    let world = sim.world();
    let call = world.vapi[org].calls.iter().find(|c| c.id == id)?;
    call.live.as_deref().map(f)
}

fn wake_of(sim: &AppState, org: usize, id: &str) -> Option<Arc<Notify>> {
    with_live(sim, org, id, |l| l.wake.clone())
}

fn end_asked(sim: &AppState, org: usize, id: &str) -> Option<&'static str> {
    with_live(sim, org, id, |l| l.end).flatten()
}
