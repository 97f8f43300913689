//! The simulator's in-memory state: one account per API key, each with its resources.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::seed::dialogue::Script;
use crate::speech::Format;

/// Everything the simulator holds.
#[derive(Debug)]
pub struct World {
    /// Vapi organisations in configuration order.
    pub vapi: Vec<VapiAccount>,
    /// ElevenLabs workspaces in configuration order.
    pub elevenlabs: Vec<ElAccount>,
    /// Draws ids of resources created at run time.
    pub rng: ChaCha8Rng,
}

/// One Vapi organisation and its resources.
#[derive(Debug)]
pub struct VapiAccount {
    /// Bearer key of the organisation.
    pub api_key: String,
    /// The organisation's id, written as `orgId` on every resource.
    pub org_id: String,
    /// Assistant documents as returned by the API.
    pub assistants: Vec<Value>,
    /// Calls, oldest first; rendered on request.
    pub calls: Vec<CallRecord>,
    /// Phone-number documents.
    pub phone_numbers: Vec<Value>,
    /// Uploaded files with their bytes.
    pub files: Vec<(Value, Bytes)>,
    /// Tool documents.
    pub tools: Vec<Value>,
    /// Knowledge bases (`KnowledgeBaseV2WithFiles`), with their files and search tool's id.
    pub knowledge_bases: Vec<Value>,
    /// Webhook credentials registered through the admin API (`CreateWebhookCredentialDTO` plus `id`).
    pub credentials: Vec<Value>,
}

/// One Vapi call, kept small and rendered to the `Call` document on request.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// The call id.
    pub id: String,
    /// `inboundPhoneCall`, `outboundPhoneCall`, `webCall` or `vapi.websocketCall`.
    pub call_type: &'static str,
    /// The assistant that took the call, if a saved one.
    pub assistant_id: Option<String>,
    /// The phone number used, for phone calls.
    pub phone_number_id: Option<String>,
    /// The customer's number, for phone calls.
    pub customer_number: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update.
    pub updated_at: Timestamp,
    /// When the conversation started.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// One of `Call.status`.
    pub status: &'static str,
    /// One of `Call.endedReason`, once ended.
    pub ended_reason: Option<&'static str>,
    /// What was said.
    pub script: Script,
    /// Fields echoed from the create request (customer, name, transient assistant, overrides, transport).
    pub request: Map<String, Value>,
    /// What live call control and the WebSocket transport act on; only calls created through the API have it.
    pub live: Option<Box<Live>>,
}

/// The live side of a call created through `POST /call`.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// The WebSocket transport's audio format; `None` for phone calls.
    pub socket: Option<Format>,
    /// Whether a task drives the call: phone calls from the start, WebSocket calls once a client connected.
    pub driven: bool,
    /// While true, the assistant's lines are held.
    pub assistant_muted: bool,
    /// While true, the customer's lines are held (voice a WebSocket client sends meanwhile counts once unmuted).
    pub customer_muted: bool,
    /// Lines asked for with `say` and not spoken yet, each with whether the call ends after it.
    pub pending: VecDeque<(String, bool)>,
    /// Lines spoken through `say`, each with how many script lines were spoken before it.
    pub said: Vec<(u8, String)>,
    /// The `endedReason` the call is to end with, once someone asked it to end.
    pub end: Option<&'static str>,
    /// Wakes the driving task when an end is asked for.
    pub wake: Arc<Notify>,
}

/// One ElevenLabs workspace and its resources.
#[derive(Debug)]
pub struct ElAccount {
    /// The `xi-api-key` of the workspace.
    pub api_key: String,
    /// Display name, used as the creator of resources.
    pub name: String,
    /// Secret of the workspace's post-call webhooks.
    pub webhook_secret: String,
    /// Agent documents (`GetAgentResponseModel`).
    pub agents: Vec<Value>,
    /// Conversations, oldest first; rendered on request.
    pub conversations: Vec<ConvRecord>,
    /// Phone-number documents (`GetPhoneNumberTwilioResponseModel`) with their Twilio token.
    pub phone_numbers: Vec<Value>,
    /// Knowledge-base documents (the `Get...ResponseModel` of their type).
    pub documents: Vec<Value>,
    /// Tool documents (`ToolResponseModel`).
    pub tools: Vec<Value>,
    /// Workspace webhooks (`WorkspaceWebhookResponseModel`).
    pub webhooks: Vec<Value>,
    /// Conversational-AI settings (`GetConvAISettingsResponseModel`).
    pub settings: Value,
}

/// One ElevenLabs conversation, rendered on request.
#[derive(Debug, Clone)]
pub struct ConvRecord {
    /// `conv_...` id.
    pub id: String,
    /// The agent that spoke.
    pub agent_id: String,
    /// Its name at the time.
    pub agent_name: String,
    /// Start, unix seconds.
    pub start_unix: i64,
    /// Duration in seconds.
    pub duration_secs: i64,
    /// `initiated`, `in-progress`, `processing`, `done` or `failed`.
    pub status: &'static str,
    /// `success`, `failure` or `unknown`.
    pub call_successful: &'static str,
    /// Why it ended, in ElevenLabs' words.
    pub termination_reason: &'static str,
    /// What was said.
    pub script: Script,
    /// The phone leg, for telephony conversations.
    pub phone: Option<PhoneLeg>,
}

/// The Twilio leg of a phone conversation.
#[derive(Debug, Clone)]
pub struct PhoneLeg {
    /// `inbound` or `outbound`.
    pub direction: &'static str,
    /// The workspace's phone-number id.
    pub phone_number_id: String,
    /// The agent's number.
    pub agent_number: String,
    /// The other party.
    pub external_number: String,
    /// Twilio call SID.
    pub call_sid: String,
    /// Twilio media stream SID.
    pub stream_sid: String,
}

impl Live {
    /// Asks the driving task to end the call with `reason`; the first reason asked for wins.
    pub fn ask_end(&mut self, reason: &'static str) {
        self.end.get_or_insert(reason);
        self.wake.notify_one();
    }
}

impl World {
    /// The organisation and position of Vapi call `id`, whichever organisation has it.
    pub fn vapi_call(&self, id: &str) -> Option<(usize, usize)> {
        self.vapi
            .iter()
            .enumerate()
            .find_map(|(org, a)| a.calls.iter().position(|c| c.id == id).map(|i| (org, i)))
    }

    /// The Vapi account of a key.
    pub fn vapi_by_key(&self, key: &str) -> Option<usize> {
        self.vapi.iter().position(|a| a.api_key == key)
    }

    /// The ElevenLabs account of a key.
    pub fn el_by_key(&self, key: &str) -> Option<usize> {
        self.elevenlabs.iter().position(|a| a.api_key == key)
    }
}

/// Position of the document whose `field` equals `id`.
pub fn find(docs: &[Value], field: &str, id: &str) -> Option<usize> {
    docs.iter().position(|d| d[field].as_str() == Some(id))
}
