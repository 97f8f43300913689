//! One seeded Vapi organisation: phone numbers, tools, files, assistants and calls.

use bytes::Bytes;
use jiff::Timestamp;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::dialogue::Script;
use super::outcomes::{self, Shape};
use super::personas::{DAYS, FIRST_NAMES, PERSONAS, TIMES};
use super::vapi_assistant::{assistant, AssistantSeed};
use super::{call_start, History};
use crate::ids;
use crate::state::{CallRecord, VapiAccount};
use crate::time::{iso, plus_ms};

/// Builds the organisation `index` of the configuration with `calls` calls.
pub fn account(rng: &mut ChaCha8Rng, api_key: &str, index: usize, history: &History, calls: usize) -> VapiAccount {
    let org_id = ids::uuid(rng);
    let setup = plus_ms(history.start, -30 * 86_400_000);
    let mut numbers = vec![
        phone_number(rng, &org_id, setup, "vapi", 415 + index as u16),
        phone_number(rng, &org_id, setup, "twilio", 646 + index as u16),
    ];
    let tools = tools(rng, &org_id, setup);
    let tool_ids: Vec<String> = tools
        .iter()
        .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut assistants = Vec::new();
    for i in 0..history.assistants_per_org {
        let created_at = plus_ms(setup, (i as i64 + 1) * 3_600_000);
        let updated_at = plus_ms(history.start, rng.random_range(0..history.span_ms()));
        let persona_index = (index * history.assistants_per_org + i) % PERSONAS.len();
        assistants.push(assistant(&AssistantSeed {
            id: ids::uuid(rng),
            org_id: &org_id,
            persona: &PERSONAS[persona_index],
            index: i,
            tool_ids: tool_ids.iter().take(1 + i % tool_ids.len()).cloned().collect(),
            created_at,
            updated_at,
        }));
    }
    // The main line answers with the first assistant; the outbound line has none.
    if let Some(first) = assistants.first() {
        numbers[0]["assistantId"] = first["id"].clone();
    }
    let files = vec![file(
        rng,
        &org_id,
        setup,
        "office-hours.txt",
        "Open Monday to Friday, 8 AM to 6 PM.\n",
    )];
    let mut records: Vec<CallRecord> = (0..calls).map(|_| call(rng, history, &assistants, &numbers)).collect();
    records.sort_by_key(|c| c.created_at);
    VapiAccount {
        api_key: api_key.to_owned(),
        org_id,
        assistants,
        calls: records,
        phone_numbers: numbers,
        files,
        tools,
        knowledge_bases: Vec::new(),
        credentials: Vec::new(),
    }
}

/// The persona index an assistant document plays, from its `metadata.purpose`.
pub fn persona_of(doc: &Value) -> usize {
    let purpose = doc["metadata"]["purpose"].as_str().unwrap_or("customer-support");
    PERSONAS.iter().position(|p| p.purpose == purpose).unwrap_or(3)
}

fn call(rng: &mut ChaCha8Rng, history: &History, assistants: &[Value], numbers: &[Value]) -> CallRecord {
    let assistant = &assistants[rng.random_range(0..assistants.len())];
    let persona = persona_of(assistant);
    let p = &PERSONAS[persona];
    let roll = rng.random_range(0..100);
    let call_type = match (p.outbound, roll) {
        (true, 0..80) | (false, 0..5) => "outboundPhoneCall",
        (true, 80..95) | (false, 5..90) => "inboundPhoneCall",
        _ => "webCall",
    };
    let outcome = outcomes::draw(rng, call_type == "outboundPhoneCall");
    let dialogue = rng.random_range(0..p.dialogues.len());
    let full = p.dialogues[dialogue].len();
    let lines = match outcome.shape {
        Shape::Complete | Shape::MaxDuration => full,
        Shape::Partial => rng.random_range(1..full),
        Shape::Voicemail => 1,
        Shape::Unanswered => 0,
    };
    let script = Script {
        persona: persona as u8,
        dialogue: dialogue as u8,
        lines: lines as u8,
        name: rng.random_range(0..FIRST_NAMES.len()) as u8,
        day: rng.random_range(0..DAYS.len()) as u8,
        time: rng.random_range(0..TIMES.len()) as u8,
    };
    let created_at = call_start(rng, history);
    let duration_ms = match outcome.shape {
        Shape::Complete => (script.natural_ms() as f64 * rng.random_range(1.1..1.8)) as i64,
        Shape::Partial => script.natural_ms() + rng.random_range(5_000..30_000),
        Shape::Voicemail => rng.random_range(18_000..45_000),
        Shape::Unanswered => 0,
        Shape::MaxDuration => 600_000,
    };
    let ring_ms = rng.random_range(2_000..12_000);
    let started_at = plus_ms(created_at, ring_ms);
    let ended_at = plus_ms(
        started_at,
        duration_ms.max(rng.random_range(15_000..30_000) * i64::from(lines == 0)),
    );
    let phone = call_type != "webCall";
    let number = &numbers[usize::from(call_type == "outboundPhoneCall")];
    CallRecord {
        id: ids::uuid(rng),
        call_type,
        assistant_id: assistant["id"].as_str().map(str::to_owned),
        phone_number_id: phone.then(|| number["id"].as_str().unwrap_or_default().to_owned()),
        customer_number: phone.then(|| {
            let area = rng.random_range(201..990);
            ids::phone_number(rng, area)
        }),
        created_at,
        updated_at: plus_ms(ended_at, rng.random_range(3_000..20_000)),
        started_at: Some(started_at),
        ended_at: Some(ended_at),
        status: "ended",
        ended_reason: Some(outcome.reason),
        script,
        request: Map::new(),
        live: None,
    }
}

fn phone_number(rng: &mut ChaCha8Rng, org_id: &str, at: Timestamp, provider: &str, area: u16) -> Value {
    let mut doc = json!({
        "id": ids::uuid(rng),
        "orgId": org_id,
        "provider": provider,
        "number": ids::phone_number(rng, area),
        "name": if provider == "vapi" { "Main line" } else { "Outbound campaigns" },
        "status": "active",
        "createdAt": iso(at),
        "updatedAt": iso(at),
    });
    if provider == "twilio" {
        doc["twilioAccountSid"] = json!(ids::twilio_sid(rng, "AC"));
        doc["twilioAuthToken"] = json!(hex::encode(rng.random::<[u8; 16]>()));
        doc["smsEnabled"] = json!(true);
    } else {
        doc["numberDesiredAreaCode"] = json!(area.to_string());
    }
    doc
}

fn tools(rng: &mut ChaCha8Rng, org_id: &str, at: Timestamp) -> Vec<Value> {
    let common = |rng: &mut ChaCha8Rng| json!({"id": ids::uuid(rng), "orgId": org_id, "createdAt": iso(at), "updatedAt": iso(at), "latestVersion": null});
    let mut function = common(rng);
    merge(
        &mut function,
        json!({
            "type": "function",
            "async": false,
            "function": {
                "name": "check_availability",
                "description": "Returns free appointment slots for a day.",
                "parameters": {"type": "object", "properties": {"date": {"type": "string", "description": "ISO date"}}, "required": ["date"]},
            },
            "messages": [{"type": "request-start", "content": "Let me check the calendar.", "blocking": false}],
            "server": {"url": "https://hooks.example.com/vapi/tools", "timeoutSeconds": 20},
        }),
    );
    let mut transfer = common(rng);
    merge(
        &mut transfer,
        json!({
            "type": "transferCall",
            "destinations": [{"type": "number", "number": "+14155550100", "message": "Transferring you now.", "description": "Front office"}],
        }),
    );
    let mut end_call = common(rng);
    merge(&mut end_call, json!({"type": "endCall"}));
    vec![function, transfer, end_call]
}

fn file(rng: &mut ChaCha8Rng, org_id: &str, at: Timestamp, name: &str, text: &str) -> (Value, Bytes) {
    let id = ids::uuid(rng);
    let doc = json!({
        "id": id, "orgId": org_id, "object": "file", "status": "done", "name": name, "originalName": name,
        "bytes": text.len(), "purpose": "assistant", "mimetype": "text/plain",
        "key": format!("{id}-{name}"), "path": format!("{org_id}/{id}-{name}"), "bucket": "vapi-files",
        "url": format!("https://storage.vapi.ai/{id}-{name}"),
        "createdAt": iso(at), "updatedAt": iso(at),
    });
    (doc, Bytes::copy_from_slice(text.as_bytes()))
}

/// Copies the fields of `extra` into `doc`.
pub fn merge(doc: &mut Value, extra: Value) {
    if let (Some(doc), Value::Object(extra)) = (doc.as_object_mut(), extra) {
        doc.extend(extra);
    }
}
