//! The kinds of remote object a client reads and writes, named as each provider names them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ProviderKind;

/// A collection on the provider: assistants, calls, phone numbers, tools or files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Vapi assistants, ElevenLabs agents.
    Assistants,
    /// Vapi calls, ElevenLabs conversations.
    Calls,
    /// Phone numbers on either provider.
    PhoneNumbers,
    /// Vapi tools, ElevenLabs workspace tools.
    Tools,
    /// Vapi files, ElevenLabs knowledge-base documents.
    Files,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 5] = [
        Resource::Assistants,
        Resource::Calls,
        Resource::PhoneNumbers,
        Resource::Tools,
        Resource::Files,
    ];

    /// One item of this resource as the provider calls it: "assistant", "agent", "conversation"…
    pub fn noun(self, kind: ProviderKind) -> &'static str {
        match (self, kind) {
            (Resource::Assistants, ProviderKind::Vapi) => "assistant",
            (Resource::Assistants, ProviderKind::ElevenLabs) => "agent",
            (Resource::Calls, ProviderKind::Vapi) => "call",
            (Resource::Calls, ProviderKind::ElevenLabs) => "conversation",
            (Resource::PhoneNumbers, _) => "phone number",
            (Resource::Tools, _) => "tool",
            (Resource::Files, ProviderKind::Vapi) => "file",
            (Resource::Files, ProviderKind::ElevenLabs) => "knowledge-base document",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::Assistants => "assistants",
            Resource::Calls => "calls",
            Resource::PhoneNumbers => "phone_numbers",
            Resource::Tools => "tools",
            Resource::Files => "files",
        })
    }
}
