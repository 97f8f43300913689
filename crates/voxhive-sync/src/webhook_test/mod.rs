//! Test deliveries: a sample event signed exactly as its provider signs it, posted to any URL,
//! and the answer described in plain words (status, time, headers, the start of the body, or why
//! there was no answer: a timeout, a refused connection, a TLS error, a redirect).

mod samples;

use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use voxhive_providers::ProviderKind;

pub use samples::{is_test_delivery, TestEvent, TEST_CALL_PREFIX};

use crate::phone_numbers::check_http_url;
use crate::SyncError;

/// How long a test delivery waits for the answer: Vapi's default server timeout is 20 s.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of the answer's body is kept.
pub const BODY_KEPT_BYTES: usize = 4096;

/// A client for one test delivery: it never follows a redirect, as providers do not, and
/// connects only to the addresses checked for `host`, so a name cannot resolve elsewhere later.
fn client_for(host: &str, addrs: &[SocketAddr]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent("VoxHive webhook test")
        .resolve_to_addrs(host, addrs)
        .build()
        .expect("the test delivery client builds")
}

/// Whether an address is one the providers cannot reach from the internet: loopback,
/// private, link-local, shared (CGNAT), unique-local, unspecified or multicast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// The addresses `url`'s host resolves to, refused when one is private and those are not
/// allowed (a test must not reach into the network VoxHive runs in).
async fn checked_addrs(url: &reqwest::Url, allow_private: bool) -> Result<(String, Vec<SocketAddr>), String> {
    let host = url.host_str().ok_or("the URL names no host")?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
        .await
        .map_err(|_| "the host name does not resolve".to_owned())?
        .collect();
    if addrs.is_empty() {
        return Err("the host name does not resolve".into());
    }
    if let Some(private) = addrs.iter().find(|a| is_private(a.ip())).filter(|_| !allow_private) {
        return Err(format!(
            "{host} is on a private network ({}): the providers cannot reach it, and VoxHive sends tests there only when webhook_tests_private is on",
            private.ip()
        ));
    }
    Ok((host, addrs))
}

/// What to send, and where.
#[derive(Clone, Debug)]
pub struct TestRequest {
    pub url: String,
    pub event: TestEvent,
    /// Vapi: sent as `X-Vapi-Secret`. ElevenLabs: the HMAC key of `ElevenLabs-Signature`.
    pub secret: Option<String>,
    /// How long to wait for the answer.
    pub timeout: Duration,
    /// Whether loopback and private-network addresses may be reached.
    pub allow_private: bool,
}

/// How a test delivery went.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// The body sent.
    pub request_body: String,
    /// Whether a secret signed it.
    pub signed: bool,
    /// The answer's status, when one came.
    pub status: Option<u16>,
    pub duration_ms: i64,
    pub response_headers: Vec<(String, String)>,
    /// The start of the answer's body (at most [`BODY_KEPT_BYTES`]).
    pub response_body: String,
    pub body_truncated: bool,
    /// Why the delivery did not succeed, in plain words; `None` for a 2xx answer.
    pub problem: Option<String>,
}

impl TestOutcome {
    /// Whether the URL accepted the event (a 2xx answer).
    pub fn succeeded(&self) -> bool {
        self.problem.is_none()
    }
}

/// The signature headers the provider sends with `body`, at `now_secs`.
pub fn signature_headers(provider: ProviderKind, secret: &str, body: &str, now_secs: i64) -> Vec<(String, String)> {
    match provider {
        ProviderKind::Vapi => vec![("X-Vapi-Secret".into(), secret.into())],
        ProviderKind::ElevenLabs => {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
            mac.update(format!("{now_secs}.{body}").as_bytes());
            let digest = hex::encode(mac.finalize().into_bytes());
            vec![("ElevenLabs-Signature".into(), format!("t={now_secs},v0={digest}"))]
        }
    }
}

/// Checks the URL and where it leads, then sends the sample event and describes the answer.
pub async fn send_test(request: &TestRequest, now_ms: i64, call_id: &str) -> Result<TestOutcome, SyncError> {
    check_http_url("/url", &request.url)?;
    let url = reqwest::Url::parse(&request.url).map_err(|e| refused_url(e.to_string()))?;
    let (host, addrs) = checked_addrs(&url, request.allow_private).await.map_err(refused_url)?;
    let provider = request.event.provider();
    let body = request.event.sample(now_ms, call_id).to_string();
    let secret = request.secret.as_deref().filter(|s| !s.is_empty());
    let mut builder = client_for(&host, &addrs)
        .post(url)
        .timeout(request.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(secret) = secret {
        for (name, value) in signature_headers(provider, secret, &body, now_ms / 1000) {
            builder = builder.header(name, value);
        }
    }
    let started = Instant::now();
    let mut outcome = TestOutcome {
        request_body: body.clone(),
        signed: secret.is_some(),
        status: None,
        duration_ms: 0,
        response_headers: Vec::new(),
        response_body: String::new(),
        body_truncated: false,
        problem: None,
    };
    match builder.body(body).send().await {
        Err(err) => {
            let https = request.url.starts_with("https:");
            outcome.problem = Some(unsent_reason(&err, request.timeout, https));
        }
        Ok(response) => {
            let status = response.status();
            outcome.status = Some(status.as_u16());
            outcome.response_headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            match read_start(response, request.timeout.saturating_sub(started.elapsed())).await {
                Ok((text, truncated)) => {
                    outcome.response_body = text;
                    outcome.body_truncated = truncated;
                }
                Err(reason) => outcome.problem = Some(reason),
            }
            if outcome.problem.is_none() {
                outcome.problem = status_problem(status, location.as_deref());
            }
        }
    }
    outcome.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    Ok(outcome)
}

fn refused_url(message: String) -> SyncError {
    SyncError::Invalid(vec![crate::FieldProblem {
        path: "/url".into(),
        message,
    }])
}

/// Reads at most [`BODY_KEPT_BYTES`] of the answer's body within `left`.
async fn read_start(mut response: reqwest::Response, left: Duration) -> Result<(String, bool), String> {
    let mut kept = Vec::new();
    let mut truncated = false;
    let read = async {
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("the answer broke off: {e}"))?
        {
            let room = BODY_KEPT_BYTES - kept.len();
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                truncated = true;
                break;
            }
        }
        Ok::<(), String>(())
    };
    match tokio::time::timeout(left, read).await {
        Ok(result) => result?,
        Err(_) => return Err("the body of the answer did not arrive in time".into()),
    }
    Ok((String::from_utf8_lossy(&kept).into_owned(), truncated))
}

/// Why an answer's status means the delivery did not succeed.
fn status_problem(status: reqwest::StatusCode, location: Option<&str>) -> Option<String> {
    if status.is_success() {
        None
    } else if status.is_redirection() {
        Some(format!(
            "the URL redirects (HTTP {}) to {}: providers do not follow redirects, so set the final URL",
            status.as_u16(),
            location.unwrap_or("an address it does not name")
        ))
    } else {
        Some(format!(
            "the URL answered HTTP {}: the provider would count this delivery as failed",
            status.as_u16()
        ))
    }
}

/// Why no answer came, in plain words. Over https, a connection that opened but failed is the
/// TLS handshake (rustls says "invalid certificate", "corrupt message" and the like).
fn unsent_reason(err: &reqwest::Error, timeout: Duration, https: bool) -> String {
    let chain = error_chain(err).to_lowercase();
    if err.is_timeout() {
        format!(
            "no answer within {} s: the provider would give up too",
            timeout.as_secs()
        )
    } else if chain.contains("connection refused") {
        "the connection was refused: nothing listens at that address and port".into()
    } else if chain.contains("dns") || chain.contains("failed to lookup") || chain.contains("name or service") {
        "the host name does not resolve".into()
    } else if https && err.is_connect() {
        format!(
            "the TLS (HTTPS) handshake failed, so the provider could not deliver either: {}",
            innermost(err)
        )
    } else if err.is_connect() {
        format!("could not connect: {}", error_chain(err))
    } else {
        error_chain(err)
    }
}

/// The deepest cause of an error, the most specific words.
fn innermost(err: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = err;
    while let Some(cause) = last.source() {
        last = cause;
    }
    last.to_string()
}

/// An error with its causes, `outer: inner: …`, without the URL (whose words could mislead).
fn error_chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_internal_addresses_are_told_from_public_ones() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }
}
