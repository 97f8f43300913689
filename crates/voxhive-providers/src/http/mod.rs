//! The transport every provider client shares: auth header, timeout, retries, concurrency limit, error mapping.

mod mapping;
mod retry;

use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Semaphore;

pub(crate) use retry::Replay;
use retry::{Decision, Failure};

use crate::{ClientConfig, ProviderError, ProviderKind};

/// A file sent as `multipart/form-data`, with the form's other text fields.
#[derive(Debug, Clone)]
pub(crate) struct Multipart {
    /// Name of the form field that carries the file.
    pub file_field: &'static str,
    /// File name sent with it.
    pub file_name: String,
    /// MIME type of the file.
    pub content_type: String,
    /// The file's bytes.
    pub bytes: Bytes,
    /// Other text fields.
    pub fields: Vec<(&'static str, String)>,
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body<'a> {
    /// Nothing.
    Empty,
    /// A JSON document.
    Json(&'a Value),
    /// A multipart form with one file.
    Multipart(&'a Multipart),
}

/// One request, described so it can be sent again.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    pub method: Method,
    /// Path under the base URL, starting with `/`; or, for a URL the provider handed out (a
    /// live call's control URL), the whole URL, sent without the account's key.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Body<'a>,
    /// What the path points at ("assistant", id), so a 404 names it.
    pub target: Option<(&'static str, &'a str)>,
    /// Extra request headers, such as `Range`.
    pub headers: Vec<(HeaderName, String)>,
}

impl<'a> Request<'a> {
    /// A request without query or body.
    pub fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: Body::Empty,
            target: None,
            headers: Vec::new(),
        }
    }

    /// Adds a request header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body<'a>) -> Self {
        self.body = body;
        self
    }

    /// Names what the path points at.
    pub fn target(mut self, what: &'static str, id: &'a str) -> Self {
        self.target = Some((what, id));
        self
    }

    fn replay(&self) -> Replay {
        if self.method == Method::POST {
            Replay::OnlyIfNotProcessed
        } else {
            Replay::Idempotent
        }
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The raw body.
    pub body: Bytes,
    /// The status, such as 200 or 206.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
}

impl Reply {
    /// The body as JSON, or a "malformed response" error.
    pub fn json(&self, kind: ProviderKind) -> Result<Value, ProviderError> {
        serde_json::from_slice(&self.body).map_err(|e| ProviderError::MalformedResponse {
            provider: kind,
            detail: format!("invalid JSON ({e})"),
        })
    }
}

/// An HTTP client bound to one provider account.
pub(crate) struct Http {
    kind: ProviderKind,
    client: reqwest::Client,
    base_url: String,
    auth: Option<(HeaderName, HeaderValue)>,
    api_key: String,
    limit: Semaphore,
    timeout: Duration,
    max_attempts: u32,
}

impl Http {
    /// A transport for the account of `config`, sending the key in `header` (with `prefix` before it).
    pub fn new(config: &ClientConfig, header: HeaderName, prefix: &str) -> Self {
        let api_key = config.api_key.trim().to_owned();
        let auth = HeaderValue::from_str(&format!("{prefix}{api_key}"))
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                (header, value)
            });
        let client = reqwest::Client::builder()
            .user_agent(concat!("voxhive/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .expect("a rustls client without custom settings always builds");
        Self {
            kind: config.kind,
            client,
            base_url: config.effective_base_url().to_owned(),
            auth,
            api_key,
            limit: Semaphore::new(config.max_concurrency.max(1)),
            timeout: config.timeout,
            max_attempts: config.max_retries.saturating_add(1),
        }
    }

    /// Whether `url` may be called as a URL this provider handed out: on the connection's own
    /// host (a simulator, a proxy), or over HTTPS on Vapi's own domain.
    pub fn may_call(&self, url: &str) -> bool {
        let host = |u: &str| {
            reqwest::Url::parse(u)
                .ok()
                .and_then(|p| p.host_str().map(|h| (p.scheme().to_owned(), h.to_ascii_lowercase())))
        };
        match (host(url), host(&self.base_url)) {
            (Some((scheme, host)), Some((_, base_host))) => {
                host == base_host
                    || (scheme == "https"
                        && self.kind == ProviderKind::Vapi
                        && (host == "vapi.ai" || host.ends_with(".vapi.ai")))
            }
            _ => false,
        }
    }

    /// A transport sending `Authorization: Bearer <key>`.
    pub fn bearer(config: &ClientConfig) -> Self {
        Self::new(config, AUTHORIZATION, "Bearer ")
    }

    /// The provider this transport talks to.
    pub fn kind(&self) -> ProviderKind {
        self.kind
    }

    /// Sends `request`, retrying transient failures as its method allows, and maps failures to errors.
    pub async fn send(&self, request: &Request<'_>) -> Result<Reply, ProviderError> {
        let Some(auth) = &self.auth else {
            return Err(ProviderError::InvalidKey { provider: self.kind });
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = {
                let _permit = self.limit.acquire().await.expect("the semaphore is never closed");
                self.attempt(request, auth).await
            };
            let (failure, body) = match outcome {
                Ok(answer) if answer.status.is_success() => {
                    return Ok(Reply {
                        body: answer.body,
                        status: answer.status,
                        headers: answer.headers,
                    })
                }
                // The earlier attempt did delete it; only its answer was lost.
                Ok(answer)
                    if answer.status == StatusCode::NOT_FOUND && request.method == Method::DELETE && attempt > 1 =>
                {
                    return Ok(Reply {
                        body: Bytes::new(),
                        status: StatusCode::NO_CONTENT,
                        headers: HeaderMap::new(),
                    })
                }
                Ok(answer) => (Failure::Status(answer.status.as_u16(), answer.retry_after), answer.body),
                Err(failure) => (failure, Bytes::new()),
            };
            match retry::decide(request.replay(), failure, attempt, self.max_attempts) {
                Decision::RetryAfter(delay) => {
                    tracing::warn!(
                        provider = %self.kind, method = %request.method, path = %request.path, attempt,
                        failure = ?failure, delay_ms = delay.as_millis() as u64, "retrying a provider request"
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::GiveUp => return Err(self.error(request, failure, &body, attempt)),
            }
        }
    }

    async fn attempt(
        &self,
        request: &Request<'_>,
        (header, value): &(HeaderName, HeaderValue),
    ) -> Result<Answer, Failure> {
        let absolute = request.path.starts_with("https://") || request.path.starts_with("http://");
        let mut builder = if absolute {
            self.client.request(request.method.clone(), &request.path)
        } else {
            self.client
                .request(request.method.clone(), format!("{}{}", self.base_url, request.path))
                .header(header, value.clone())
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(value),
            Body::Multipart(form) => builder.multipart(multipart_form(form)),
        };
        let response = builder.send().await.map_err(|e| self.transport_failure(request, &e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, Timestamp::now()));
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_failure(request, &e))?;
        tracing::debug!(provider = %self.kind, method = %request.method, path = %request.path, status = status.as_u16(), bytes = body.len(), "provider answered");
        Ok(Answer {
            status,
            retry_after,
            headers,
            body,
        })
    }

    fn transport_failure(&self, request: &Request<'_>, error: &reqwest::Error) -> Failure {
        let failure = if error.is_connect() {
            Failure::Connect
        } else if error.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Broken
        };
        tracing::debug!(provider = %self.kind, method = %request.method, path = %request.path, ?failure, error = %error, "provider request failed");
        failure
    }
}

/// What one attempt got back.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    headers: HeaderMap,
    body: Bytes,
}

fn multipart_form(upload: &Multipart) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::stream(upload.bytes.clone())
        .file_name(upload.file_name.clone())
        .mime_str(&upload.content_type)
        .unwrap_or_else(|_| reqwest::multipart::Part::stream(upload.bytes.clone()).file_name(upload.file_name.clone()));
    let mut form = reqwest::multipart::Form::new().part(upload.file_field, part);
    for (key, value) in &upload.fields {
        form = form.text(*key, value.clone());
    }
    form
}

/// Percent-encodes an id for use as one path segment.
pub(crate) fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_so_they_stay_one_path_segment() {
        assert_eq!(segment("agent_3701k3tt-aq12"), "agent_3701k3tt-aq12");
        assert_eq!(segment("../x?y=1"), "..%2Fx%3Fy%3D1");
    }
}
