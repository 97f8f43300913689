//! ElevenLabs agent, tool and knowledge-base documents for the seeded personas.

use serde_json::{json, Value};

use super::personas::Persona;

/// Who created a resource, as `access_info` reports it.
pub fn access_info(creator: &str) -> Value {
    json!({
        "is_creator": true,
        "creator_name": creator,
        "creator_email": format!("admin@{}.example.com", creator.to_lowercase().replace(' ', "-")),
        "role": "admin",
    })
}

/// What varies between two seeded agents.
pub struct AgentSeed<'a> {
    /// The `agent_...` id.
    pub id: String,
    /// Which persona it plays.
    pub persona: &'a Persona,
    /// Position in the workspace (picks voice and model).
    pub index: usize,
    /// Creation, unix seconds.
    pub created: i64,
    /// Last update, unix seconds.
    pub updated: i64,
    /// Workspace name, as creator.
    pub creator: &'a str,
    /// Tools it may call.
    pub tool_ids: Vec<String>,
    /// Its knowledge-base locator.
    pub kb: Value,
}

/// The full agent document (`GetAgentResponseModel` plus the newer `procedures`).
pub fn agent(seed: AgentSeed) -> Value {
    let AgentSeed {
        id,
        persona,
        index,
        created,
        updated,
        creator,
        tool_ids,
        kb,
    } = seed;
    let voices = ["cjVigY5qzO86Huf0OWal", "21m00Tcm4TlvDq8ikWAM", "EXAVITQu4vr4xnSDxMaL"];
    let llms = ["gemini-2.5-flash", "gpt-4o-mini", "claude-sonnet-4-5"];
    json!({
        "agent_id": id,
        "name": persona.name,
        "conversation_config": {
            "asr": {"quality": "high", "provider": "scribe_realtime", "user_input_audio_format": "pcm_16000", "keywords": []},
            "turn": {"turn_timeout": 7.0, "silence_end_call_timeout": -1.0, "mode": "turn", "turn_eagerness": "normal"},
            "tts": {
                "model_id": "eleven_flash_v2", "voice_id": voices[index % voices.len()],
                "agent_output_audio_format": "pcm_16000", "stability": 0.5, "speed": 1.0, "similarity_boost": 0.8,
            },
            "conversation": {
                "text_only": false, "max_duration_seconds": 600,
                "client_events": ["audio", "interruption", "user_transcript", "agent_response", "agent_response_correction"],
            },
            "agent": {
                "first_message": persona.first_message.replace("{{customer.name}}", "{{customer_name}}"),
                "language": "en",
                "prompt": {
                    "prompt": persona.prompt,
                    "llm": llms[index % llms.len()],
                    "temperature": 0.3,
                    "max_tokens": -1,
                    "tool_ids": tool_ids,
                    "knowledge_base": [kb],
                },
            },
        },
        "metadata": {"created_at_unix_secs": created, "updated_at_unix_secs": updated},
        "platform_settings": {
            "evaluation": {"criteria": [{
                "id": "goal_reached", "name": "Goal reached", "type": "prompt",
                "conversation_goal_prompt": format!("The agent achieved the goal of the {} call.", persona.purpose),
            }]},
            "data_collection": {"caller_name": {"type": "string", "description": "The caller's first name."}},
        },
        "phone_numbers": [],
        "access_info": access_info(creator),
        "tags": [persona.purpose],
        "procedures": {},
        "version_id": null,
        "branch_id": null,
        "main_branch_id": null,
    })
}

/// The agents-list entry of an agent document (`AgentSummaryResponseModel` plus the newer `voice_id`).
pub fn summary(agent: &Value, last_call: Option<i64>) -> Value {
    json!({
        "agent_id": agent["agent_id"],
        "name": agent["name"],
        "tags": agent["tags"],
        "created_at_unix_secs": agent["metadata"]["created_at_unix_secs"],
        "access_info": agent["access_info"],
        "last_call_time_unix_secs": last_call,
        "archived": false,
        "voice_id": agent["conversation_config"]["tts"]["voice_id"].as_str().unwrap_or("cjVigY5qzO86Huf0OWal"),
    })
}

/// A webhook tool document (`ToolResponseModel`).
pub fn webhook_tool(id: &str, name: &str, description: &str, url: &str, creator: &str) -> Value {
    json!({
        "id": id,
        "tool_config": {
            "type": "webhook", "name": name, "description": description, "response_timeout_secs": 20,
            "api_schema": {"url": url, "method": "POST", "content_type": "application/json"},
        },
        "access_info": access_info(creator),
        "usage_stats": {"total_calls": 0, "avg_latency_secs": 0.0},
    })
}

/// A knowledge-base document of any type (the `GetKnowledgeBase<Type>ResponseModel`).
pub fn document(id: &str, name: &str, kind: &str, content: &str, extra: Value, created: i64, creator: &str) -> Value {
    let mut doc = json!({
        "id": id,
        "name": name,
        "type": kind,
        "metadata": {"created_at_unix_secs": created, "last_updated_at_unix_secs": created, "size_bytes": content.len()},
        "supported_usages": ["prompt", "auto"],
        "access_info": access_info(creator),
        "folder_path": [],
        "folder_parent_id": null,
        "extracted_inner_html": content,
    });
    if let (Some(doc), Value::Object(extra)) = (doc.as_object_mut(), extra) {
        doc.extend(extra);
    }
    doc
}

/// The knowledge-base list entry of a document (`GetKnowledgeBaseSummary<Type>ResponseModel`).
pub fn document_summary(doc: &Value) -> Value {
    let mut summary = doc.clone();
    if let Some(map) = summary.as_object_mut() {
        map.remove("extracted_inner_html");
        map.remove("content_format");
        map.insert("dependent_agents".into(), json!([]));
    }
    summary
}
