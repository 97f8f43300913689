//! ElevenLabs: a conversation document (`GET /v1/convai/conversations/{id}`, also the `data` of a
//! `post_call_transcription` webhook).
//!
//! Cost: `metadata.cost_fiat` (USD) when present, else the credits (`metadata.cost`) times the
//! connection's price of a credit; the credits are kept too. ElevenLabs bills one price per call,
//! so the components are the LLM share (by `charging.llm_charge` against `call_charge`, in
//! credits) and the rest as the platform fee.
//!
//! Version: a conversation carries no update stamp, so `remote_updated_at` is derived as the
//! call's end (start + duration, in ms) plus its stage (0 initiated, 1 in progress, 2 processing,
//! 3 done or failed, 4 done with analysis). A conversation only moves forward through these, and
//! its duration only grows, so a later document never has a smaller version and an older
//! one (a late webhook after a poll) never replaces a newer one.

use serde_json::Value;
use voxhive_core::money::round_scaled;
use voxhive_store::{Connection, NewCall};

use super::{micros_at, settle, text_at, transcript_text, turn, EventCall};

/// Reads a webhook body `{"type", "event_timestamp", "data"}`.
pub(super) fn webhook(connection: &Connection, body: &Value) -> Result<EventCall, String> {
    let kind = body
        .get("type")
        .and_then(Value::as_str)
        .ok_or("the webhook has no `type`")?;
    match kind {
        "post_call_transcription" => {
            let data = body
                .get("data")
                .filter(|d| d.is_object())
                .ok_or("the post_call_transcription webhook has no `data`")?;
            Ok(EventCall::Call {
                call: Box::new(conversation(connection, data)?),
                live: false,
            })
        }
        other => Ok(EventCall::Ignored(format!("ignored: {other}"))),
    }
}

/// Reads a whole conversation document.
pub(super) fn conversation(connection: &Connection, doc: &Value) -> Result<NewCall, String> {
    let remote_id = text_at(doc, "/conversation_id").ok_or("the conversation has no `conversation_id`")?;
    let start_secs = doc
        .pointer("/metadata/start_time_unix_secs")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("conversation {remote_id} has no `metadata.start_time_unix_secs`"))?;
    let duration_secs = doc
        .pointer("/metadata/call_duration_secs")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let provider_status = text_at(doc, "/status").unwrap_or_default();
    let analysis = doc.get("analysis").filter(|a| !a.is_null()).cloned();
    let stage = match provider_status.as_str() {
        "initiated" => 0,
        "in-progress" => 1,
        "processing" => 2,
        _ if analysis.is_some() => 4,
        _ => 3,
    };
    let status = match provider_status.as_str() {
        "initiated" => "queued",
        "in-progress" => "in-progress",
        "failed" => "failed",
        _ => "ended",
    };
    let start_ms = start_secs * 1000;
    let end_ms = start_ms + duration_secs * 1000;
    let credits = credits(doc).map_err(|e| format!("conversation {remote_id}: {e}"))?;
    let total = usd(connection, doc, credits.1).map_err(|e| format!("conversation {remote_id}: {e}"))?;
    let llm = llm_share(doc, total);
    let mut parts = [0, 0, llm, 0, total - llm];
    settle(total, &mut parts);
    let turns = turns(doc);
    Ok(NewCall {
        connection_id: connection.id,
        remote_assistant_id: text_at(doc, "/agent_id"),
        assistant_revision_id: None,
        status: status.to_owned(),
        direction: Some(text_at(doc, "/metadata/phone_call/direction").unwrap_or_else(|| "web".into())),
        customer_number: text_at(doc, "/metadata/phone_call/external_number"),
        remote_phone_number_id: text_at(doc, "/metadata/phone_call/phone_number_id"),
        started_at: start_ms,
        ended_at: super::is_final(status).then_some(end_ms),
        created_at: Some(start_ms),
        remote_updated_at: Some(end_ms + stage),
        duration_ms: duration_secs * 1000,
        ended_reason: text_at(doc, "/metadata/termination_reason"),
        success: match doc.pointer("/analysis/call_successful").and_then(Value::as_str) {
            Some("success") => Some(true),
            Some("failure") => Some(false),
            _ => None,
        },
        cost_micro_usd: total,
        cost_credits: credits.0,
        cost_transport_micro_usd: parts[0],
        cost_stt_micro_usd: parts[1],
        cost_llm_micro_usd: parts[2],
        cost_tts_micro_usd: parts[3],
        cost_platform_micro_usd: parts[4],
        llm_prompt_tokens: 0,
        llm_completion_tokens: 0,
        tts_characters: 0,
        summary: text_at(doc, "/analysis/transcript_summary"),
        transcript_text: transcript_text(&turns),
        transcript: (!turns.is_empty()).then_some(Value::Array(turns)),
        analysis,
        recording_url: None,
        remote_id,
        document: doc.clone(),
    })
}

/// `metadata.cost` as (whole credits, micro-credits), both decimal-rounded.
fn credits(doc: &Value) -> Result<(i64, i64), String> {
    match doc.pointer("/metadata/cost") {
        None | Some(Value::Null) => Ok((0, 0)),
        Some(Value::Number(n)) => {
            let text = n.to_string();
            let whole = round_scaled(&text, 0).map_err(|e| format!("`metadata.cost` {n}: {e}"))?;
            let micro = round_scaled(&text, 6).map_err(|e| format!("`metadata.cost` {n}: {e}"))?;
            Ok((whole, micro))
        }
        Some(other) => Err(format!("`metadata.cost` is not a number but {other}")),
    }
}

/// The cost in micro-USD: `cost_fiat`, else micro-credits × nano-USD per credit (0 without a rate).
fn usd(connection: &Connection, doc: &Value, micro_credits: i64) -> Result<i64, String> {
    if doc.pointer("/metadata/cost_fiat").is_some_and(Value::is_number) {
        return micros_at(doc, "/metadata/cost_fiat");
    }
    let Some(rate) = connection.usd_per_credit_nano else {
        return Ok(0);
    };
    // micro-credits × nano-USD = 10^-15 USD; to micro-USD, half away from zero.
    let femto = i128::from(micro_credits) * i128::from(rate);
    let micro = (femto.abs() + 500_000_000) / 1_000_000_000 * femto.signum();
    i64::try_from(micro).map_err(|_| "the cost is too large".to_owned())
}

/// The LLM's share of `total`, by the credits charged for the model against those for the call.
fn llm_share(doc: &Value, total: i64) -> i64 {
    let charge = |key: &str| {
        doc.pointer(&format!("/metadata/charging/{key}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let (llm, call) = (charge("llm_charge"), charge("call_charge"));
    if llm <= 0 || llm + call <= 0 {
        return 0;
    }
    let share = i128::from(total) * i128::from(llm) * 2 / i128::from(llm + call);
    ((share + share.signum()) / 2) as i64
}

/// The transcript turns: `agent` speaks as the assistant; a turn with only tool calls is a tool turn.
fn turns(doc: &Value) -> Vec<Value> {
    let Some(messages) = doc.get("transcript").and_then(Value::as_array) else {
        return Vec::new();
    };
    messages
        .iter()
        .filter_map(|m| {
            let seconds = m.get("time_in_call_secs");
            if let Some(text) = m.get("message").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                let role = match m.get("role")?.as_str()? {
                    "agent" => "assistant",
                    "user" => "user",
                    _ => "system",
                };
                return Some(turn(role, text.to_owned(), seconds));
            }
            let tools: Vec<&str> = m
                .get("tool_calls")?
                .as_array()?
                .iter()
                .filter_map(|c| c.get("tool_name").and_then(Value::as_str))
                .collect();
            (!tools.is_empty()).then(|| turn("tool", tools.join(", "), seconds))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn connection(rate: Option<i64>) -> Connection {
        Connection {
            id: 7,
            workspace_id: 1,
            provider: "elevenlabs".into(),
            label: "EL".into(),
            base_url: None,
            api_key_sealed: String::new(),
            key_last4: String::new(),
            usd_per_credit_nano: rate,
            last_verified_at: None,
            created_at: 0,
            webhook_secret_sealed: None,
            webhook_receiver_url: None,
        }
    }

    fn doc(status: &str, metadata: Value) -> Value {
        json!({"conversation_id": "conv_1", "agent_id": "agent_1", "status": status, "metadata": metadata})
    }

    #[test]
    fn without_a_fiat_cost_the_credits_are_priced_at_the_connections_rate() {
        let d = doc(
            "done",
            json!({"start_time_unix_secs": 1767607200, "call_duration_secs": 60, "cost": 1000}),
        );
        let call = conversation(&connection(Some(120_000)), &d).unwrap();
        assert_eq!((call.cost_credits, call.cost_micro_usd), (1000, 120_000));
        assert_eq!(call.cost_platform_micro_usd, 120_000);
        let unpriced = conversation(&connection(None), &d).unwrap();
        assert_eq!((unpriced.cost_credits, unpriced.cost_micro_usd), (1000, 0));
    }

    #[test]
    fn the_version_grows_with_the_conversations_stage() {
        let meta = |secs| json!({"start_time_unix_secs": 1767607200, "call_duration_secs": secs});
        let versions: Vec<i64> = [
            doc("in-progress", meta(10)),
            doc("processing", meta(60)),
            doc("done", meta(60)),
            {
                let mut d = doc("done", meta(60));
                d["analysis"] = json!({"call_successful": "success"});
                d
            },
        ]
        .iter()
        .map(|d| conversation(&connection(None), d).unwrap().remote_updated_at.unwrap())
        .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    }

    #[test]
    fn other_webhooks_are_ignored_and_a_conversation_without_start_is_refused() {
        let body = json!({"type": "post_call_audio", "data": {}});
        assert!(
            matches!(webhook(&connection(None), &body), Ok(EventCall::Ignored(r)) if r == "ignored: post_call_audio")
        );
        let d = json!({"conversation_id": "conv_2", "metadata": {}});
        assert_eq!(
            conversation(&connection(None), &d).unwrap_err(),
            "conversation conv_2 has no `metadata.start_time_unix_secs`"
        );
    }
}
