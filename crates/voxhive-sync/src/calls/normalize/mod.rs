//! Provider call documents and webhook bodies turned into [`NewCall`]s: statuses normalised,
//! money decimal-rounded into integer micro-units, transcripts as plain text and as turns.

mod elevenlabs;
mod vapi;

use serde_json::{json, Value};
use voxhive_core::money::micros_from_number;
use voxhive_core::time::Millis;
use voxhive_store::{Connection, NewCall};

/// What a webhook body carries.
#[derive(Debug)]
pub enum EventCall {
    /// A call to store. `live` marks a mid-call status (a Vapi `status-update`), which must never
    /// replace a call already stored as finished.
    Call { call: Box<NewCall>, live: bool },
    /// A kind that carries no call to store (transcripts, speech updates, audio…): `ignored: <kind>`.
    Ignored(String),
}

/// Reads a webhook body (as the provider posted it) for `connection`; the error says why it
/// cannot be read.
pub fn webhook_event(connection: &Connection, body: &str) -> Result<EventCall, String> {
    let body: Value = serde_json::from_str(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if crate::webhook_test::is_test_delivery(&body) {
        return Ok(EventCall::Ignored("a VoxHive test delivery, not a call".into()));
    }
    match connection.provider.as_str() {
        "vapi" => vapi::server_message(connection.id, &body),
        "elevenlabs" => elevenlabs::webhook(connection, &body),
        other => Err(format!("unknown provider {other}")),
    }
}

/// Reads a whole call document as `GET` returns it (Vapi `Call`, ElevenLabs conversation).
pub fn call_document(connection: &Connection, doc: &Value) -> Result<NewCall, String> {
    match connection.provider.as_str() {
        "vapi" => vapi::call(connection.id, doc),
        "elevenlabs" => elevenlabs::conversation(connection, doc),
        other => Err(format!("unknown provider {other}")),
    }
}

/// Whether a normalised status is final: the call will not change but for late analysis.
pub fn is_final(status: &str) -> bool {
    matches!(status, "ended" | "failed")
}

/// A provider amount at `pointer` in micro-units; 0 when absent or null.
fn micros_at(doc: &Value, pointer: &str) -> Result<i64, String> {
    match doc.pointer(pointer) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => micros_from_number(n).map_err(|e| format!("`{pointer}` {n}: {e}")),
        Some(other) => Err(format!("`{pointer}` is not a number but {other}")),
    }
}

/// A non-empty string at `pointer`.
fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An integer counter at `pointer` (whole numbers written as decimals are accepted); 0 when absent.
fn count_at(doc: &Value, pointer: &str) -> i64 {
    match doc.pointer(pointer) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)).unwrap_or(0),
        _ => 0,
    }
}

/// An RFC 3339 instant at `pointer`, in milliseconds.
fn instant_at(doc: &Value, pointer: &str) -> Option<Millis> {
    let ts: jiff::Timestamp = doc.pointer(pointer)?.as_str()?.parse().ok()?;
    Some(ts.as_millisecond())
}

/// One transcript turn: `role` is `assistant`, `user`, `tool` or `system`; `seconds` from the
/// call's start when known.
fn turn(role: &str, text: String, seconds: Option<&Value>) -> Value {
    let seconds = seconds.filter(|s| s.is_number()).cloned().unwrap_or(Value::Null);
    json!({"role": role, "text": text, "seconds": seconds})
}

/// The plain transcript for search: one `Assistant: …` or `User: …` line per spoken turn.
fn transcript_text(turns: &[Value]) -> Option<String> {
    let lines: Vec<String> = turns
        .iter()
        .filter_map(|t| {
            let who = match t["role"].as_str()? {
                "assistant" => "Assistant",
                "user" => "User",
                _ => return None,
            };
            Some(format!("{who}: {}", t["text"].as_str()?))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The five components, made to add up to `total` when they differ from it by rounding only (at
/// most one micro-unit per component): the difference goes to the platform fee.
fn settle(total: i64, parts: &mut [i64; 5]) {
    let drift = total - parts.iter().sum::<i64>();
    if drift != 0 && drift.abs() <= parts.iter().filter(|p| **p != 0).count() as i64 {
        parts[4] += drift;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_drift_goes_to_the_platform_fee_but_a_real_gap_stays() {
        let mut parts = [1, 1, 1, 0, 0];
        settle(4, &mut parts);
        assert_eq!(parts, [1, 1, 1, 0, 1]);
        let mut parts = [1, 1, 1, 0, 0];
        settle(100, &mut parts);
        assert_eq!(
            parts,
            [1, 1, 1, 0, 0],
            "a provider whose parts do not add up is kept as it is"
        );
    }

    #[test]
    fn the_plain_transcript_keeps_spoken_turns_only() {
        let turns = [
            turn("system", "You are…".into(), None),
            turn("assistant", "Hello".into(), Some(&json!(0.5))),
            turn("tool", "lookup".into(), None),
            turn("user", "Hi".into(), Some(&json!(2))),
        ];
        assert_eq!(transcript_text(&turns).unwrap(), "Assistant: Hello\nUser: Hi");
        assert_eq!(turns[1]["seconds"], json!(0.5));
        assert_eq!(turns[0]["seconds"], Value::Null);
    }
}
