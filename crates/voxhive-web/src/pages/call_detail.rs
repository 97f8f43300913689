//! Monitor, Call History, one call: its metadata, the transcript as speaker turns, the
//! recording, the cost breakdown, the provider's analysis and its whole document.

use askama::Template;
use axum::extract::{Path, State};
use serde_json::Value;
use voxhive_core::time::format_minute;
use voxhive_store::Call;

use super::calls::{duration, exact, grouped, provider_label, usd};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::views::{zone_of, Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "call.html")]
pub struct CallPage {
    shell: Shell,
    call: Call,
    provider_label: &'static str,
    started: String,
    started_exact: String,
    ended: Option<String>,
    duration: String,
    turns: Vec<Turn>,
    /// Where the `<audio>` element reads the recording from, if there is one.
    audio_src: Option<String>,
    costs: Vec<CostPart>,
    total: String,
    /// LLM tokens (prompt, completion) and text-to-speech characters, grouped by thousands.
    usage: (String, String, String),
    /// ElevenLabs credits, when the call was charged in them.
    credits: Option<String>,
    analysis: Vec<AnalysisEntry>,
    document: String,
}

/// One turn of the transcript.
pub struct Turn {
    /// `assistant`, `customer`, `tool` or `system`: the turn's style.
    pub class: &'static str,
    pub speaker: &'static str,
    pub text: String,
    /// `mm:ss` from the start of the call, when the provider said.
    pub at: Option<String>,
}

/// One component of a call's cost.
pub struct CostPart {
    /// CSS class suffix, the same colour for the component everywhere.
    pub key: &'static str,
    pub label: &'static str,
    pub amount: String,
    /// Where the part starts and how wide it is on a bar of 1000.
    pub offset: i64,
    pub width: i64,
}

/// One field of the provider's analysis.
pub struct AnalysisEntry {
    pub label: String,
    pub value: String,
    /// A JSON value shown as formatted code rather than a sentence.
    pub code: bool,
}

/// The turns of a transcript stored as `[{"role", "text", "seconds"}]`.
pub fn turns(transcript: Option<&str>) -> Vec<Turn> {
    let Some(Value::Array(items)) = transcript.and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let text = item.get("text").and_then(Value::as_str)?.trim();
            if text.is_empty() {
                return None;
            }
            let (class, speaker) = match item.get("role").and_then(Value::as_str).unwrap_or_default() {
                "assistant" | "agent" | "bot" => ("assistant", "Assistant"),
                "user" | "customer" => ("customer", "Customer"),
                "tool" => ("tool", "Tool"),
                _ => ("system", "System"),
            };
            let at = item.get("seconds").and_then(Value::as_f64).map(|s| {
                let s = s.max(0.0) as i64;
                format!("{:02}:{:02}", s / 60, s % 60)
            });
            Some(Turn {
                class,
                speaker,
                text: text.to_string(),
                at,
            })
        })
        .collect()
}

/// The cost components that are not zero, with their place on a bar, and what none accounts for.
fn cost_parts(call: &Call) -> Vec<CostPart> {
    let named = [
        ("transport", "Transport", call.cost_transport_micro_usd),
        ("stt", "Speech-to-text", call.cost_stt_micro_usd),
        ("llm", "LLM", call.cost_llm_micro_usd),
        ("tts", "Text-to-speech", call.cost_tts_micro_usd),
        ("platform", "Platform", call.cost_platform_micro_usd),
    ];
    let other = call.cost_micro_usd - named.iter().map(|(_, _, v)| v).sum::<i64>();
    let base = named.iter().map(|(_, _, v)| (*v).max(0)).sum::<i64>() + other.max(0);
    let mut offset = 0;
    named
        .into_iter()
        .chain([("other", "Other", other)])
        .filter(|(_, _, v)| *v > 0)
        .map(|(key, label, v)| {
            let width = if base > 0 { v * 1000 / base } else { 0 };
            let part = CostPart {
                key,
                label,
                amount: usd(v),
                offset,
                width,
            };
            offset += width;
            part
        })
        .collect()
}

/// A field name such as `successEvaluation` or `call_successful` in words.
fn words(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c == '_' {
            out.push(' ');
        } else if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    crate::views::capitalized(&out)
}

/// The analysis fields other than the summary (shown on its own), in the provider's order.
fn analysis_entries(analysis: Option<&str>) -> Vec<AnalysisEntry> {
    let Some(Value::Object(map)) = analysis.and_then(|a| serde_json::from_str::<Value>(a).ok()) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(k, v)| !matches!(k.as_str(), "summary" | "transcript_summary") && !v.is_null())
        .map(|(k, v)| {
            let (value, code) = match v {
                Value::String(s) => (s, false),
                Value::Bool(b) => (if b { "yes" } else { "no" }.to_string(), false),
                Value::Number(n) => (n.to_string(), false),
                other => (serde_json::to_string_pretty(&other).unwrap_or_default(), true),
            };
            AnalysisEntry {
                label: words(&k),
                value,
                code,
            }
        })
        .collect()
}

/// Where a call's recording plays from: VoxHive's own route for an archived copy or an
/// ElevenLabs call (whose audio needs the connection's key), else the provider's URL.
pub fn audio_source(call: &Call) -> Option<String> {
    let own = format!("/calls/{}/recording", call.id);
    if call.recording_key.is_some() {
        return Some(own);
    }
    if call.provider == "elevenlabs" {
        let has_audio = serde_json::from_str::<Value>(&call.document)
            .ok()
            .and_then(|d| d.get("has_audio").and_then(Value::as_bool))
            .unwrap_or(call.duration_ms > 0);
        return has_audio.then_some(own);
    }
    call.recording_url.clone().filter(|u| u.starts_with("https://"))
}

/// The call of the current workspace with this id, or 404.
pub(crate) async fn find(auth: &Auth, state: &AppState, id: i64) -> AppResult<Call> {
    state
        .store
        .call(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show_call(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Page<CallPage>> {
    let call = find(&auth, &state, id).await?;
    let zone = zone_of(&auth.workspace.workspace);
    let shell = auth.shell(&state, "Call", "/calls").await?;
    let document = serde_json::from_str::<Value>(&call.document)
        .map(|d| serde_json::to_string_pretty(&d).unwrap_or_default())
        .unwrap_or_else(|_| call.document.clone());
    Ok(Page(CallPage {
        shell,
        provider_label: provider_label(&call.provider),
        started: format_minute(call.started_at, &zone),
        started_exact: exact(call.started_at, &zone),
        ended: call.ended_at.map(|t| exact(t, &zone)),
        duration: duration(call.duration_ms),
        turns: turns(call.transcript.as_deref()),
        audio_src: audio_source(&call),
        costs: cost_parts(&call),
        total: usd(call.cost_micro_usd),
        usage: (
            grouped(call.llm_prompt_tokens.max(0) as u64),
            grouped(call.llm_completion_tokens.max(0) as u64),
            grouped(call.tts_characters.max(0) as u64),
        ),
        credits: (call.cost_credits > 0).then(|| voxhive_core::money::format_scaled(call.cost_credits, 6)),
        analysis: analysis_entries(call.analysis.as_deref()),
        document,
        call,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_read_with_their_speaker_and_time() {
        let t = turns(Some(
            r#"[{"role":"assistant","text":"Hello","seconds":1.25},{"role":"user","text":"Hi","seconds":75},{"role":"tool","text":" "}]"#,
        ));
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].speaker, t[0].at.as_deref()), ("Assistant", Some("00:01")));
        assert_eq!((t[1].class, t[1].at.as_deref()), ("customer", Some("01:15")));
        assert!(turns(Some("not json")).is_empty());
    }

    #[test]
    fn analysis_fields_read_as_words() {
        let entries = analysis_entries(Some(
            r#"{"summary":"x","successEvaluation":"true","structuredData":{"a":1}}"#,
        ));
        assert_eq!(entries.len(), 2);
        let success = entries.iter().find(|e| e.label == "Success evaluation").unwrap();
        assert_eq!((success.value.as_str(), success.code), ("true", false));
        assert!(entries.iter().find(|e| e.label == "Structured data").unwrap().code);
        assert_eq!(words("call_successful"), "Call successful");
    }
}
