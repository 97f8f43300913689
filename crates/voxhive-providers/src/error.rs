//! What can go wrong talking to a provider, each case worded so a user knows what to do.

use std::time::Duration;

use crate::ProviderKind;

/// A failed provider request; `Display` is a message for the user and never contains the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The provider does not accept the API key (HTTP 401).
    #[error("{} refused the API key: check it in the {} dashboard, {}", .provider.label(), .provider.label(), key_page(*.provider))]
    InvalidKey {
        /// The provider that refused it.
        provider: ProviderKind,
    },
    /// The key is valid but may not do this (HTTP 403).
    #[error("{} refused the request: the API key has no permission for it ({message}); use a key with more rights", .provider.label())]
    Forbidden {
        /// The provider.
        provider: ProviderKind,
        /// The provider's own explanation.
        message: String,
    },
    /// The object does not exist, or not in this account (HTTP 404).
    #[error("{} has no {what} with id {id:?} in this account; it may have been deleted", .provider.label())]
    NotFound {
        /// The provider.
        provider: ProviderKind,
        /// What was looked for, as the provider calls it ("assistant", "agent"…).
        what: String,
        /// The id that was not found.
        id: String,
    },
    /// The provider kept answering 429 Too Many Requests.
    #[error("{} is rate limiting this API key{}; try again later or lower the request rate", .provider.label(), wait_hint(*.retry_after))]
    RateLimited {
        /// The provider.
        provider: ProviderKind,
        /// How long the provider asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The provider answered 5xx or dropped the connection, even after retries.
    #[error("{} is unavailable ({last}) after {attempts} attempt(s); try again later", .provider.label())]
    Unavailable {
        /// The provider.
        provider: ProviderKind,
        /// Requests made in total.
        attempts: u32,
        /// The last failure, such as "HTTP 503" or "connection reset".
        last: String,
    },
    /// The provider refused the request as invalid (400, 409, 422…), with its own message.
    #[error("{} rejected the request (HTTP {status}): {message}", .provider.label())]
    Rejected {
        /// The provider.
        provider: ProviderKind,
        /// The HTTP status.
        status: u16,
        /// The provider's message, parsed from its error body.
        message: String,
    },
    /// No answer within the configured time, even after retries.
    #[error("{} did not answer within {}s after {attempts} attempt(s); check the network or raise the timeout", .provider.label(), .after.as_secs_f32())]
    Timeout {
        /// The provider.
        provider: ProviderKind,
        /// The timeout of one attempt.
        after: Duration,
        /// Requests made in total.
        attempts: u32,
    },
    /// The provider answered something this client cannot read.
    #[error("{} sent a response VoxHive cannot read: {detail}", .provider.label())]
    MalformedResponse {
        /// The provider.
        provider: ProviderKind,
        /// What was wrong with it.
        detail: String,
    },
    /// The provider has no such operation, or this client does not offer it.
    #[error("{} does not support {operation}", .provider.label())]
    Unsupported {
        /// The provider.
        provider: ProviderKind,
        /// The operation asked for.
        operation: String,
    },
}

impl ProviderError {
    /// Whether trying the same request later might succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. } | ProviderError::Unavailable { .. } | ProviderError::Timeout { .. }
        )
    }
}

fn key_page(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Vapi => "API Keys",
        ProviderKind::ElevenLabs => "Developers, API Keys",
    }
}

fn wait_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (it asks to wait {}s)", wait.as_secs().max(1)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_key_message_says_where_to_check_it() {
        let vapi = ProviderError::InvalidKey {
            provider: ProviderKind::Vapi,
        };
        assert_eq!(
            vapi.to_string(),
            "Vapi refused the API key: check it in the Vapi dashboard, API Keys"
        );
        let el = ProviderError::InvalidKey {
            provider: ProviderKind::ElevenLabs,
        };
        assert!(el.to_string().starts_with("ElevenLabs refused the API key"));
    }

    #[test]
    fn a_rate_limit_message_says_how_long_to_wait() {
        let error = ProviderError::RateLimited {
            provider: ProviderKind::Vapi,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(
            error.to_string(),
            "Vapi is rate limiting this API key (it asks to wait 120s); try again later or lower the request rate"
        );
        assert!(error.is_transient());
    }
}
