//! Test deliveries shared by the Webhooks page and the JSON API: checked, sent, recorded (the
//! last ones per URL) and audited. A delivery to one of the workspace's own receivers with no
//! secret given is signed with that connection's secret, which never leaves the server.

use std::time::Duration;

use serde_json::json;
use voxhive_core::time::now_ms;
use voxhive_providers::ProviderKind;
use voxhive_store::{NewWebhookTest, WebhookTest};
use voxhive_sync::webhook_test::{send_test, TestEvent, TestRequest, TEST_CALL_PREFIX, TEST_TIMEOUT};

use crate::error::{AppError, AppResult};
use crate::webhooks::secrets::receiver_url;
use crate::AppState;

/// A test delivery as the user asks for it.
#[derive(Clone, Debug)]
pub struct TestAsk {
    pub url: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// The provider's event name, such as `end-of-call-report`.
    pub event_type: String,
    pub secret: Option<String>,
    /// Seconds to wait for the answer; [`TEST_TIMEOUT`] when not given.
    pub timeout_secs: Option<u64>,
}

/// The event asked for, checked against the provider.
fn event_of(ask: &TestAsk) -> AppResult<TestEvent> {
    let provider: ProviderKind = ask
        .provider
        .parse()
        .map_err(|_| AppError::field("provider", "provider is \"vapi\" or \"elevenlabs\""))?;
    let names: Vec<&str> = TestEvent::ALL
        .iter()
        .filter(|e| e.provider() == provider)
        .map(|e| e.api_name())
        .collect();
    TestEvent::parse(&ask.event_type)
        .filter(|e| e.provider() == provider)
        .ok_or_else(|| AppError::field("event_type", format!("{} sends {}", provider.label(), names.join(", "))))
}

/// The secret of the workspace's receiver at `url`, when `url` is one; refused when that
/// receiver has no secret yet (it would refuse every delivery).
async fn own_secret(state: &AppState, workspace_id: i64, url: &str) -> AppResult<Option<String>> {
    for connection in state.store.connections(workspace_id).await? {
        if receiver_url(state, connection.id) == url {
            let target = state.store.webhook_target(connection.id).await?;
            return match target.and_then(|t| t.secret_sealed) {
                Some(sealed) => Ok(Some(
                    state
                        .master_key
                        .open(&sealed)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                )),
                None => Err(AppError::field(
                    "secret",
                    format!(
                        "the receiver of \"{}\" has no webhook secret yet: set it up in Settings, Providers first",
                        connection.label
                    ),
                )),
            };
        }
    }
    Ok(None)
}

/// Whether `url` is one of the workspace's VoxHive receivers.
async fn is_own_receiver(state: &AppState, workspace_id: i64, url: &str) -> AppResult<bool> {
    Ok(state
        .store
        .connections(workspace_id)
        .await?
        .iter()
        .any(|c| receiver_url(state, c.id) == url))
}

/// Sends a test delivery, records it and audits it; answers the recorded delivery.
pub async fn send(state: &AppState, workspace_id: i64, user_id: i64, ask: &TestAsk) -> AppResult<WebhookTest> {
    let url = ask.url.trim().to_owned();
    let event = event_of(ask)?;
    let timeout = match ask.timeout_secs {
        None => TEST_TIMEOUT,
        Some(secs @ 1..=60) => Duration::from_secs(secs),
        Some(_) => return Err(AppError::field("timeout_secs", "wait between 1 and 60 seconds")),
    };
    let own = is_own_receiver(state, workspace_id, &url).await?;
    let secret = match ask.secret.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(secret) => Some(secret.to_owned()),
        None => own_secret(state, workspace_id, &url).await?,
    };
    let request = TestRequest {
        url: url.clone(),
        event,
        secret,
        timeout,
        // VoxHive's own receiver may be on a private address (a local install); nothing else.
        allow_private: state.config.webhook_tests_private || own,
    };
    let now = now_ms();
    let call_id = format!("{TEST_CALL_PREFIX}{now}");
    let outcome = send_test(&request, now, &call_id).await.map_err(|err| match err {
        voxhive_sync::SyncError::Invalid(problems) => {
            AppError::field("url", problems.first().map(|p| p.message.clone()).unwrap_or_default())
        }
        other => other.into(),
    })?;
    let headers = serde_json::to_string(&outcome.response_headers).unwrap_or_else(|_| "[]".into());
    let id = state
        .store
        .record_webhook_test(&NewWebhookTest {
            workspace_id,
            user_id: Some(user_id),
            url: &url,
            event_type: event.api_name(),
            signed: outcome.signed,
            request_body: &outcome.request_body,
            status_code: outcome.status.map(i64::from),
            duration_ms: outcome.duration_ms,
            response_headers: &headers,
            response_body: &outcome.response_body,
            body_truncated: outcome.body_truncated,
            problem: outcome.problem.as_deref(),
            sent_at: now,
        })
        .await?;
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "webhook.test",
            &url,
            &json!({"event_type": event.api_name(), "status": outcome.status, "succeeded": outcome.succeeded()}),
        )
        .await?;
    state
        .store
        .webhook_test(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The response headers of a recorded test, as pairs.
pub fn headers_of(test: &WebhookTest) -> Vec<(String, String)> {
    serde_json::from_str(&test.response_headers).unwrap_or_default()
}
