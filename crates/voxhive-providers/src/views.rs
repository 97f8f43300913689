//! The few typed fields VoxHive reads from assistants and calls; the documents stay whole beside them.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Number;

/// What lists and filters need from an assistant (agent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssistantView {
    /// The provider's id.
    pub id: String,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// When it was last changed, if the document says (ElevenLabs list summaries do not).
    pub updated_at: Option<Timestamp>,
}

/// What lists, rollups and watermarks need from a call (conversation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallView {
    /// The provider's id.
    pub id: String,
    /// The assistant (agent) that took the call.
    pub assistant_id: Option<String>,
    /// The provider's status, as it spells it ("ended", "done"…).
    pub status: Option<String>,
    /// When the provider created it (ElevenLabs: when it started); the listing watermark.
    pub created_at: Option<Timestamp>,
    /// When the conversation started.
    pub started_at: Option<Timestamp>,
    /// When it ended, once it has.
    pub ended_at: Option<Timestamp>,
    /// Why it ended, as the provider spells it (Vapi `endedReason`, ElevenLabs `termination_reason`).
    pub ended_reason: Option<String>,
    /// Cost in USD as the provider's decimal (Vapi `cost`, ElevenLabs `metadata.cost_fiat`).
    pub cost_usd: Option<Number>,
    /// Cost in ElevenLabs credits (`metadata.cost`); never set for Vapi.
    pub cost_credits: Option<Number>,
}
