//! Turns the last failure of a request into the `ProviderError` a user can act on.

use super::retry::Failure;
use super::{Http, Request};
use crate::error_body;
use crate::ProviderError;

impl Http {
    /// The error to report for the last failed attempt of `request`.
    pub(super) fn error(&self, request: &Request<'_>, failure: Failure, body: &[u8], attempts: u32) -> ProviderError {
        let provider = self.kind;
        let status = match failure {
            Failure::Connect => {
                return ProviderError::Unavailable {
                    provider,
                    attempts,
                    last: format!("could not connect to {}", self.base_url),
                }
            }
            Failure::Timeout => {
                return ProviderError::Timeout {
                    provider,
                    after: self.timeout,
                    attempts,
                }
            }
            Failure::Broken => {
                return ProviderError::Unavailable {
                    provider,
                    attempts,
                    last: "the connection broke".into(),
                }
            }
            Failure::Status(429, retry_after) => return ProviderError::RateLimited { provider, retry_after },
            Failure::Status(status, _) => status,
        };
        let parsed = error_body::parse(body);
        let message = parsed.message.map(|m| self.redact(&m));
        let code = parsed.code.unwrap_or_default();
        match status {
            401 if code == "quota_exceeded" => ProviderError::Rejected {
                provider,
                status,
                message: message.unwrap_or_else(|| code.clone()),
            },
            401 | 403 if code == "missing_permissions" || status == 403 => ProviderError::Forbidden {
                provider,
                message: message.unwrap_or_else(|| "forbidden".into()),
            },
            401 => ProviderError::InvalidKey { provider },
            404 => match request.target {
                Some((what, id)) => ProviderError::NotFound {
                    provider,
                    what: what.into(),
                    id: id.into(),
                },
                None => ProviderError::Rejected {
                    provider,
                    status,
                    message: format!(
                        "{} {} does not exist there: check the connection's base URL",
                        request.method, request.path
                    ),
                },
            },
            500.. => ProviderError::Unavailable {
                provider,
                attempts,
                last: match message {
                    Some(message) => format!("HTTP {status}: {message}"),
                    None => format!("HTTP {status}"),
                },
            },
            _ => ProviderError::Rejected {
                provider,
                status,
                message: message.unwrap_or_else(|| format!("no explanation given ({code})")),
            },
        }
    }

    /// Replaces the API key, should a provider message echo it, by its masked form.
    fn redact(&self, text: &str) -> String {
        if self.api_key.len() >= 4 && text.contains(&self.api_key) {
            text.replace(&self.api_key, &voxhive_core::secret::mask(&self.api_key))
        } else {
            text.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Method;

    use super::*;
    use crate::{ClientConfig, ProviderKind};

    fn status_error(kind: ProviderKind, status: u16, body: &str) -> ProviderError {
        let http = Http::bearer(&ClientConfig::new(kind, "sk-test-key-c35f", None));
        let request = Request::new(Method::GET, "/assistant/a1".into()).target("assistant", "a1");
        http.error(&request, Failure::Status(status, None), body.as_bytes(), 1)
    }

    #[test]
    fn error_statuses_map_to_what_the_user_can_do() {
        let vapi_401 = r#"{"statusCode":401,"message":"Invalid Key.","error":"Unauthorized"}"#;
        assert_eq!(
            status_error(ProviderKind::Vapi, 401, vapi_401),
            ProviderError::InvalidKey {
                provider: ProviderKind::Vapi
            }
        );
        let el = ProviderKind::ElevenLabs;
        let quota = r#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota."}}"#;
        assert!(matches!(
            status_error(el, 401, quota),
            ProviderError::Rejected { status: 401, .. }
        ));
        let scoped = r#"{"detail":{"status":"missing_permissions","message":"The API key is missing the permission convai_read."}}"#;
        assert!(matches!(status_error(el, 401, scoped), ProviderError::Forbidden { .. }));
        assert!(matches!(status_error(el, 404, "{}"), ProviderError::NotFound { .. }));
        assert!(matches!(
            status_error(el, 502, ""),
            ProviderError::Unavailable { attempts: 1, .. }
        ));
    }

    #[test]
    fn a_provider_message_that_echoes_the_key_is_masked() {
        let body = r#"{"detail":"key sk-test-key-c35f is not valid here"}"#;
        let error = status_error(ProviderKind::ElevenLabs, 400, body);
        assert_eq!(
            error.to_string(),
            "ElevenLabs rejected the request (HTTP 400): key …c35f is not valid here"
        );
    }
}
