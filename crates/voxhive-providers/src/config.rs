//! What one provider connection needs: provider, key, endpoint, timeout, retries and concurrency.

use std::fmt;
use std::time::Duration;

use crate::ProviderKind;

/// The settings of one client; `Debug` shows only the last four characters of the key.
#[derive(Clone)]
pub struct ClientConfig {
    /// Which provider the key belongs to.
    pub kind: ProviderKind,
    /// The provider API key (Vapi private key, ElevenLabs `xi-api-key`).
    pub api_key: String,
    /// Another endpoint than the public one (a simulator, a proxy); ElevenLabs paths go under it.
    pub base_url: Option<String>,
    /// Time allowed for one request attempt, body included.
    pub timeout: Duration,
    /// Retries after the first attempt of a request that failed in a retryable way.
    pub max_retries: u32,
    /// Requests in flight at once through this client.
    pub max_concurrency: usize,
    /// Items asked for per list request; `None` means the provider's maximum (Vapi 1,000, ElevenLabs 100).
    pub page_size: Option<u32>,
}

impl ClientConfig {
    /// A configuration with the defaults: 30 s timeout, 4 retries, 4 requests in flight, largest pages.
    pub fn new(kind: ProviderKind, api_key: impl Into<String>, base_url: Option<String>) -> Self {
        Self {
            kind,
            api_key: api_key.into(),
            base_url,
            timeout: Duration::from_secs(30),
            max_retries: 4,
            max_concurrency: 4,
            page_size: None,
        }
    }

    /// The endpoint requests go to, without a trailing slash.
    pub fn effective_base_url(&self) -> &str {
        self.base_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .unwrap_or(self.kind.default_base_url())
            .trim_end_matches('/')
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("kind", &self.kind)
            .field("api_key", &voxhive_core::secret::mask(&self.api_key))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("max_concurrency", &self.max_concurrency)
            .field("page_size", &self.page_size)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_masks_the_key_to_its_last_four_characters() {
        let config = ClientConfig::new(ProviderKind::Vapi, "sk-secret-1234c35f", None);
        let debug = format!("{config:?}");
        assert!(debug.contains("…c35f"), "{debug}");
        assert!(!debug.contains("sk-secret"), "{debug}");
    }

    #[test]
    fn the_base_url_defaults_to_the_public_endpoint_and_drops_a_trailing_slash() {
        let public = ClientConfig::new(ProviderKind::ElevenLabs, "k", None);
        assert_eq!(public.effective_base_url(), "https://api.elevenlabs.io");
        let local = ClientConfig::new(ProviderKind::Vapi, "k", Some("http://127.0.0.1:9/".into()));
        assert_eq!(local.effective_base_url(), "http://127.0.0.1:9");
    }
}
