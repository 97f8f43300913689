//! One seeded ElevenLabs workspace: tools, knowledge base, phone numbers, agents and conversations.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::dialogue::Script;
use super::elevenlabs_agent::{agent, document, webhook_tool, AgentSeed};
use super::outcomes::{self, Shape};
use super::personas::{DAYS, FIRST_NAMES, PERSONAS, TIMES};
use super::{call_start, History};
use crate::config::ElevenLabsWorkspaceConfig;
use crate::ids;
use crate::state::{ConvRecord, ElAccount, PhoneLeg};

/// Builds the workspace at position `index` among all accounts with `calls` conversations.
pub fn account(
    rng: &mut ChaCha8Rng,
    ws: &ElevenLabsWorkspaceConfig,
    index: usize,
    history: &History,
    calls: usize,
) -> ElAccount {
    let setup = history.start.as_second() - 30 * 86_400;
    let creator = ws.name.as_str();
    let tool = webhook_tool(
        &ids::prefixed(rng, "tool"),
        "lookup_order",
        "Looks up an order by number.",
        "https://hooks.example.com/el/orders",
        creator,
    );
    let faq = "<h1>FAQ</h1><p>We are open Monday to Friday, 8 AM to 6 PM.</p>";
    let doc_id = ids::alnum(rng, 20);
    let kb_doc = document(
        &doc_id,
        "Support FAQ",
        "text",
        faq,
        json!({"content_format": "html"}),
        setup,
        creator,
    );
    let locator = json!({"type": "text", "name": "Support FAQ", "id": doc_id, "usage_mode": "auto"});
    let agents: Vec<Value> = (0..history.assistants_per_org)
        .map(|i| {
            let persona = &PERSONAS[(index * history.assistants_per_org + i) % PERSONAS.len()];
            let updated = history.start.as_second() + rng.random_range(0..history.span_ms() / 1000);
            let tool_ids = vec![tool["id"].as_str().unwrap_or_default().to_owned()];
            agent(AgentSeed {
                id: ids::prefixed(rng, "agent"),
                persona,
                index: i,
                created: setup + i as i64 * 3_600,
                updated,
                creator,
                tool_ids,
                kb: locator.clone(),
            })
        })
        .collect();
    let number = ids::phone_number(rng, 312 + index as u16);
    let phone = json!({
        "phone_number": number,
        "label": "Support line",
        "phone_number_id": ids::prefixed(rng, "phnum"),
        "provider": "twilio",
        "supports_inbound": true,
        "supports_outbound": true,
        "assigned_agent": {"agent_id": agents[0]["agent_id"], "agent_name": agents[0]["name"]},
    });
    let mut conversations: Vec<ConvRecord> = (0..calls)
        .map(|_| conversation(rng, history, &agents, &phone))
        .collect();
    conversations.sort_by_key(|c| c.start_unix);
    ElAccount {
        api_key: ws.api_key.clone(),
        name: ws.name.clone(),
        webhook_secret: ws.webhook_secret.clone(),
        agents,
        conversations,
        phone_numbers: vec![phone],
        documents: vec![kb_doc],
        tools: vec![tool],
        webhooks: Vec::new(),
        settings: json!({
            "webhooks": {"post_call_webhook_id": null, "events": ["transcript"], "transcript_format": "json"},
            "can_use_mcp_servers": false,
            "rag_retention_period_days": 10,
            "default_livekit_stack": "standard",
        }),
    }
}

/// The persona index an agent document plays, from its first tag.
pub fn persona_of(agent: &Value) -> usize {
    let tag = agent["tags"][0].as_str().unwrap_or("customer-support");
    PERSONAS.iter().position(|p| p.purpose == tag).unwrap_or(3)
}

fn conversation(rng: &mut ChaCha8Rng, history: &History, agents: &[Value], phone: &Value) -> ConvRecord {
    let agent = &agents[rng.random_range(0..agents.len())];
    let persona = persona_of(agent);
    let p = &PERSONAS[persona];
    let telephony = rng.random_range(0..100) < 70;
    let outbound = telephony && p.outbound && rng.random_range(0..100) < 80;
    let outcome = outcomes::draw(rng, outbound);
    let dialogue = rng.random_range(0..p.dialogues.len());
    let full = p.dialogues[dialogue].len();
    let (lines, status, successful, termination) = match outcome.shape {
        Shape::Complete => (
            full,
            "done",
            if dialogue == 0 { "success" } else { "failure" },
            "end_call tool was called.",
        ),
        Shape::MaxDuration => (full, "done", "unknown", "Maximum duration reached."),
        Shape::Partial => (
            rng.random_range(1..full),
            "done",
            "failure",
            "Client disconnected: 1000",
        ),
        Shape::Voicemail => (1, "done", "failure", "Voicemail detected."),
        Shape::Unanswered => (0, "failed", "unknown", "Call not answered."),
    };
    let script = Script {
        persona: persona as u8,
        dialogue: dialogue as u8,
        lines: lines as u8,
        name: rng.random_range(0..FIRST_NAMES.len()) as u8,
        day: rng.random_range(0..DAYS.len()) as u8,
        time: rng.random_range(0..TIMES.len()) as u8,
    };
    let duration_secs = match outcome.shape {
        Shape::Unanswered => 0,
        Shape::MaxDuration => 600,
        _ => script.natural_ms() * rng.random_range(11..18) / 10_000,
    };
    let area = rng.random_range(201..990);
    let external = ids::phone_number(rng, area);
    ConvRecord {
        id: ids::prefixed(rng, "conv"),
        agent_id: agent["agent_id"].as_str().unwrap_or_default().to_owned(),
        agent_name: agent["name"].as_str().unwrap_or_default().to_owned(),
        start_unix: call_start(rng, history).as_second(),
        duration_secs,
        status,
        call_successful: successful,
        termination_reason: termination,
        script,
        phone: telephony.then(|| PhoneLeg {
            direction: if outbound { "outbound" } else { "inbound" },
            phone_number_id: phone["phone_number_id"].as_str().unwrap_or_default().to_owned(),
            agent_number: phone["phone_number"].as_str().unwrap_or_default().to_owned(),
            external_number: external,
            call_sid: ids::twilio_sid(rng, "CA"),
            stream_sid: ids::twilio_sid(rng, "MZ"),
        }),
    }
}
