//! Renders a stored call to Vapi's `Call` document: transcript, analysis, costs and recordings.

use serde_json::{json, Map, Value};

use super::costs::Costs;
use crate::seed::dialogue::{natural_total, spread, Turn};
use crate::seed::personas::{Speaker, PERSONAS};
use crate::state::{find, CallRecord, VapiAccount};
use crate::time::iso;

/// The lines spoken so far: the script's, with the lines asked for through live call control where they were said.
pub fn spoken_lines(rec: &CallRecord) -> Vec<(Speaker, String)> {
    let said: &[(u8, String)] = rec.live.as_ref().map_or(&[], |l| &l.said);
    let said_after = |n: usize| {
        said.iter()
            .filter(move |(after, _)| usize::from(*after) == n)
            .map(|(_, text)| (Speaker::Agent, text.clone()))
    };
    let mut lines = Vec::new();
    for (n, line) in rec.script.lines().into_iter().enumerate() {
        lines.extend(said_after(n));
        lines.push(line);
    }
    lines.extend(said_after(usize::from(rec.script.lines)));
    lines
}

/// The call's turns: all of them once it ended, the lines spoken so far while it is live.
pub fn turns(rec: &CallRecord) -> Vec<Turn> {
    let Some(started) = rec.started_at else {
        return Vec::new();
    };
    let lines = spoken_lines(rec);
    match (rec.status, rec.ended_at) {
        ("ended", Some(end)) => spread(lines, end.as_millisecond() - started.as_millisecond()),
        _ => {
            let natural = natural_total(&lines);
            spread(lines, natural)
        }
    }
}

/// `<base_url>/live/<id>/<leaf>`, a URL of the live call; `ws://` when `socket`.
pub fn live_url(base_url: &str, id: &str, leaf: &str, socket: bool) -> String {
    let base = if socket {
        base_url.replacen("http", "ws", 1)
    } else {
        base_url.to_owned()
    };
    format!("{base}/live/{id}/{leaf}")
}

/// Whether the call went over a phone line (and pays for telephony).
fn is_phone(rec: &CallRecord) -> bool {
    rec.call_type.ends_with("PhoneCall")
}

/// The `TransportCost.provider` of the call.
fn transport_provider(rec: &CallRecord) -> &'static str {
    match rec.call_type {
        "vapi.websocketCall" => "vapi.websocket",
        "webCall" => "daily",
        _ => "twilio",
    }
}

/// The artifact messages (`Call.messages`, `artifact.messages`) of these turns.
pub fn messages(rec: &CallRecord, turns: &[Turn], assistant_name: &str) -> Vec<Value> {
    let Some(started) = rec.started_at else {
        return Vec::new();
    };
    let t0 = started.as_millisecond();
    let mut out = vec![json!({
        "role": "system", "message": PERSONAS[rec.script.persona as usize].prompt, "time": t0, "secondsFromStart": 0,
    })];
    out.extend(turns.iter().map(|t| {
        let mut m = json!({
            "role": if t.speaker == Speaker::Agent { "bot" } else { "user" },
            "message": t.text,
            "time": t0 + t.start_ms,
            "endTime": t0 + t.end_ms,
            "secondsFromStart": t.start_ms as f64 / 1000.0,
            "duration": t.end_ms - t.start_ms,
        });
        if t.speaker == Speaker::Agent {
            m["source"] = json!("");
            m["assistantName"] = json!(assistant_name);
        }
        m
    }));
    out
}

/// The plain-text transcript (`artifact.transcript`).
pub fn transcript(turns: &[Turn]) -> String {
    turns
        .iter()
        .map(|t| {
            format!(
                "{}: {}",
                if t.speaker == Speaker::Agent { "AI" } else { "User" },
                t.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Costs of an ended call, or of an in-progress call so far (its running cost).
pub fn costs(rec: &CallRecord, turns: &[Turn]) -> Costs {
    let until = match (rec.status, rec.ended_at) {
        ("ended", Some(e)) => e,
        ("in-progress", _) => crate::time::now(),
        _ => return Costs::default(),
    };
    match rec.started_at {
        Some(s) => Costs::of(
            rec.script.persona as usize,
            turns,
            until.as_millisecond() - s.as_millisecond(),
            is_phone(rec),
        ),
        None => Costs::default(),
    }
}

/// The whole `Call` document as `GET /call/{id}` returns it.
pub fn render(account: &VapiAccount, rec: &CallRecord, base_url: &str) -> Value {
    let assistant = rec
        .assistant_id
        .as_deref()
        .and_then(|id| find(&account.assistants, "id", id))
        .map(|i| &account.assistants[i]);
    let config = assistant
        .or(rec.request.get("assistant"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut doc = json!({
        "id": rec.id,
        "orgId": account.org_id,
        "createdAt": iso(rec.created_at),
        "updatedAt": iso(rec.updated_at),
        "type": rec.call_type,
        "status": rec.status,
        "monitor": {
            "listenUrl": live_url(base_url, &rec.id, "listen", true),
            "controlUrl": live_url(base_url, &rec.id, "control", false),
        },
    });
    let map = doc.as_object_mut().expect("object");
    if let Some(id) = &rec.assistant_id {
        map.insert("assistantId".into(), json!(id));
    }
    if let Some(id) = &rec.phone_number_id {
        map.insert("phoneNumberId".into(), json!(id));
        map.insert("phoneCallProvider".into(), json!("twilio"));
        map.insert("phoneCallTransport".into(), json!("pstn"));
        map.insert(
            "phoneCallProviderId".into(),
            json!(format!("CA{}", rec.id.replace('-', ""))),
        );
    }
    if let Some(number) = &rec.customer_number {
        map.insert("customer".into(), json!({"number": number}));
    }
    for (key, value) in &rec.request {
        map.insert(key.clone(), value.clone());
    }
    if let Some(at) = rec.started_at {
        map.insert("startedAt".into(), json!(iso(at)));
    }
    if let (Some(at), "ended") = (rec.ended_at, rec.status) {
        map.insert("endedAt".into(), json!(iso(at)));
    }
    if let Some(reason) = rec.ended_reason {
        map.insert("endedReason".into(), json!(reason));
    }
    let turns = turns(rec);
    let name = config["name"].as_str().unwrap_or("Assistant");
    let messages = messages(rec, &turns, name);
    if !messages.is_empty() {
        map.insert("messages".into(), json!(messages));
        map.insert("artifact".into(), artifact(rec, &turns, messages, base_url));
    }
    if rec.status == "in-progress" {
        let running = costs(rec, &turns);
        map.insert("cost".into(), json!(running.cost()));
        map.insert("costBreakdown".into(), running.breakdown());
    }
    if rec.status == "ended" {
        let costs = costs(rec, &turns);
        let pick = |key: &str, fields: &[&str]| {
            let mut out = Map::new();
            for f in fields {
                if let Some(v) = config[key].get(*f) {
                    out.insert((*f).into(), v.clone());
                }
            }
            Value::Object(out)
        };
        map.insert("cost".into(), json!(costs.cost()));
        map.insert("costBreakdown".into(), costs.breakdown());
        map.insert(
            "costs".into(),
            costs.items(
                &pick("model", &["provider", "model"]),
                &pick("voice", &["provider", "voiceId", "model"]),
                &pick("transcriber", &["provider", "model"]),
                transport_provider(rec),
            ),
        );
        map.insert("analysis".into(), analysis(rec, &turns));
    }
    doc
}

fn artifact(rec: &CallRecord, turns: &[Turn], messages: Vec<Value>, base_url: &str) -> Value {
    let mut openai = vec![json!({"role": "system", "content": PERSONAS[rec.script.persona as usize].prompt})];
    openai.extend(
        turns.iter().map(
            |t| json!({"role": if t.speaker == Speaker::Agent { "assistant" } else { "user" }, "content": t.text}),
        ),
    );
    let mut artifact = json!({
        "messages": messages,
        "messagesOpenAIFormatted": openai,
        "transcript": transcript(turns),
    });
    if rec.status == "ended" {
        let url = |kind: &str| format!("{base_url}/recordings/{}-{kind}.mp3", rec.id);
        artifact["recordingUrl"] = json!(url("mono"));
        artifact["stereoRecordingUrl"] = json!(url("stereo"));
        artifact["recording"] = json!({
            "stereoUrl": url("stereo"),
            "mono": {"combinedUrl": url("mono"), "assistantUrl": url("assistant"), "customerUrl": url("customer")},
        });
        artifact["logUrl"] = json!(format!("{base_url}/recordings/{}-log.jsonl", rec.id));
    }
    artifact
}

fn analysis(rec: &CallRecord, turns: &[Turn]) -> Value {
    let persona = &PERSONAS[rec.script.persona as usize];
    let full = persona.dialogues[rec.script.dialogue as usize].len();
    if turns.is_empty() {
        return json!({"successEvaluation": "false"});
    }
    let complete = usize::from(rec.script.lines) == full;
    let summary = if complete {
        persona.summaries[rec.script.dialogue as usize].to_owned()
    } else {
        format!(
            "The call ended after {} exchanges, before the caller's request was resolved.",
            turns.len()
        )
    };
    json!({
        "summary": summary,
        "successEvaluation": if complete && rec.script.dialogue == 0 { "true" } else { "false" },
    })
}
