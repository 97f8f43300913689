//! Creating assistants locally, from a template or a whole document; they exist only in
//! VoxHive ("new") until pushed.

use serde_json::{json, Value};
use voxhive_core::doc::content_hash;
use voxhive_store::{AssistantState, Becomes, NewRevision, Store};

use crate::import::name_of;
use crate::validate::refuse_invalid;
use crate::{SyncError, SyncStatus};

/// A starting point for a new assistant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    pub key: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    first_message: &'static str,
    prompt: &'static str,
}

/// The Quick Start templates.
pub const TEMPLATES: [Template; 4] = [
    Template {
        key: "receptionist",
        title: "Receptionist",
        summary: "Answers the phone, helps callers and takes messages.",
        first_message: "Thank you for calling. How can I help you today?",
        prompt: "You are the friendly receptionist of a small business. Greet the caller, find out what they need, \
                 answer questions about opening hours and location, and take a message with their name and number \
                 when you cannot help. Keep answers short and never invent facts.",
    },
    Template {
        key: "appointment-booking",
        title: "Appointment booking",
        summary: "Books, moves and cancels appointments.",
        first_message: "Hi! I can help you book, move or cancel an appointment. What would you like to do?",
        prompt: "You book appointments. Ask for the caller's name, the service they need and the days and times that \
                 suit them. Confirm every detail back before you finish, and always confirm the caller's name.",
    },
    Template {
        key: "lead-qualification",
        title: "Lead qualification",
        summary: "Qualifies inbound leads with a few questions.",
        first_message: "Thanks for your interest! Do you have two minutes for a few quick questions?",
        prompt:
            "You qualify sales leads. Learn the caller's company, role, budget, timeline and the problem they want \
                 solved. Be warm and concise. If they qualify, offer a call with a sales representative.",
    },
    Template {
        key: "customer-support",
        title: "Customer support",
        summary: "Resolves common questions and escalates the rest.",
        first_message: "Hi, you've reached support. What can I help you with?",
        prompt: "You are a patient support agent. Understand the problem, walk the caller through known fixes step by \
                 step, and if the issue remains, collect their details and promise a follow-up from a human.",
    },
];

/// A complete provider document for a template.
pub fn template_document(provider: &str, template: &Template, name: &str) -> Value {
    match provider {
        "elevenlabs" => json!({
            "name": name,
            "conversation_config": {
                "agent": {
                    "first_message": template.first_message,
                    "language": "en",
                    "prompt": {"prompt": template.prompt, "llm": "gpt-4o-mini", "temperature": 0.4}
                },
                "tts": {"model_id": "eleven_flash_v2_5", "voice_id": "21m00Tcm4TlvDq8ikWAM"},
                "asr": {"quality": "high", "provider": "elevenlabs"},
                "conversation": {"max_duration_seconds": 600}
            },
            "tags": [template.key]
        }),
        _ => json!({
            "name": name,
            "firstMessage": template.first_message,
            "firstMessageMode": "assistant-speaks-first",
            "model": {
                "provider": "openai",
                "model": "gpt-4o-mini",
                "temperature": 0.4,
                "messages": [{"role": "system", "content": template.prompt}]
            },
            "voice": {"provider": "11labs", "voiceId": "burt"},
            "transcriber": {"provider": "deepgram", "model": "nova-2", "language": "en"},
            "endCallPhrases": ["goodbye", "have a nice day"],
            "maxDurationSeconds": 600,
            "artifactPlan": {"recordingEnabled": true},
            "analysisPlan": {"summaryPlan": {"enabled": true}, "successEvaluationPlan": {"enabled": true, "rubric": "PassFail"}}
        }),
    }
}

/// Stores a new local assistant ("new" until pushed) with its first revision; returns its id.
/// The whole document is checked against the provider's schema first: a refused one is
/// `SyncError::Invalid` and stores nothing.
pub async fn create_local(
    store: &Store,
    workspace_id: i64,
    connection_id: i64,
    provider: &str,
    document: &Value,
    author_id: Option<i64>,
) -> Result<i64, SyncError> {
    refuse_invalid(provider, None, document)?;
    let hash = content_hash(provider, document);
    let state = AssistantState {
        remote_id: None,
        name: name_of(document),
        sync_status: SyncStatus::New.as_str().into(),
        base_hash: None,
        local_hash: hash.clone(),
        remote_hash: None,
        base_revision_id: None,
        local_revision_id: 0,
        remote_revision_id: None,
        last_error: None,
    };
    let text = document.to_string();
    let revision = NewRevision {
        hash: &hash,
        document: &text,
        source: "create",
        author_id,
    };
    Ok(store
        .create_assistant(
            workspace_id,
            connection_id,
            &state,
            &revision,
            Becomes {
                local: true,
                ..Becomes::default()
            },
        )
        .await?)
}
