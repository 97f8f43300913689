//! Which provider a connection talks to, with its name and public endpoint.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A hosted voice-AI platform VoxHive can connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Vapi (api.vapi.ai).
    Vapi,
    /// ElevenLabs Agents (api.elevenlabs.io).
    #[serde(rename = "elevenlabs")]
    ElevenLabs,
}

impl ProviderKind {
    /// Every provider, in the order pages list them.
    pub const ALL: [ProviderKind; 2] = [ProviderKind::Vapi, ProviderKind::ElevenLabs];

    /// The name users know: "Vapi", "ElevenLabs".
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Vapi => "Vapi",
            ProviderKind::ElevenLabs => "ElevenLabs",
        }
    }

    /// The identifier used in configuration and URLs: "vapi", "elevenlabs".
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Vapi => "vapi",
            ProviderKind::ElevenLabs => "elevenlabs",
        }
    }

    /// The provider's public API endpoint.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Vapi => "https://api.vapi.ai",
            ProviderKind::ElevenLabs => "https://api.elevenlabs.io",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given was not the identifier of a known provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?}: expected \"vapi\" or \"elevenlabs\"")]
pub struct UnknownProvider(String);

impl FromStr for ProviderKind {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vapi" => Ok(ProviderKind::Vapi),
            "elevenlabs" | "eleven-labs" | "11labs" => Ok(ProviderKind::ElevenLabs),
            _ => Err(UnknownProvider(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_text_and_serde() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.to_string().parse::<ProviderKind>().unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<ProviderKind>(&json).unwrap(), kind);
        }
        assert_eq!("ElevenLabs".parse::<ProviderKind>().unwrap(), ProviderKind::ElevenLabs);
        assert!("retell".parse::<ProviderKind>().is_err());
    }

    #[test]
    fn labels_and_endpoints_are_the_public_ones() {
        assert_eq!(ProviderKind::Vapi.label(), "Vapi");
        assert_eq!(ProviderKind::ElevenLabs.label(), "ElevenLabs");
        assert_eq!(ProviderKind::Vapi.default_base_url(), "https://api.vapi.ai");
        assert_eq!(ProviderKind::ElevenLabs.default_base_url(), "https://api.elevenlabs.io");
    }
}
