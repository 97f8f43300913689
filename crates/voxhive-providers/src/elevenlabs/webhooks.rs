//! The post-call webhook: a workspace webhook (`POST /v1/workspace/webhooks`, HMAC-signed with a
//! secret ElevenLabs generates) made the one post-call events go to (`PATCH /v1/convai/settings`).

use reqwest::Method;
use serde_json::{json, Value};

use super::collections::EL;
use crate::http::{Body, Http, Request};
use crate::ProviderError;

const WEBHOOKS: &str = "/v1/workspace/webhooks";
const SETTINGS: &str = "/v1/convai/settings";

/// Creates a webhook for `url`, makes it the workspace's post-call webhook, and returns its secret.
pub(super) async fn register(http: &Http, url: &str, name: &str) -> Result<Option<String>, ProviderError> {
    let body = json!({"settings": {"auth_type": "hmac", "name": name, "webhook_url": url}});
    let created = http
        .send(&Request::new(Method::POST, WEBHOOKS.into()).body(Body::Json(&body)))
        .await?
        .json(EL)?;
    let field = |key: &str| created.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (field("webhook_id"), field("webhook_secret")) else {
        return Err(ProviderError::MalformedResponse {
            provider: EL,
            detail: "the new webhook came without `webhook_id` or `webhook_secret`".into(),
        });
    };
    // The settings' `webhooks` object is sent back whole, so its event choices are kept.
    let settings = http.send(&Request::new(Method::GET, SETTINGS.into())).await?.json(EL)?;
    let mut webhooks = match settings.get("webhooks") {
        Some(Value::Object(current)) => Value::Object(current.clone()),
        _ => json!({}),
    };
    webhooks["post_call_webhook_id"] = json!(id);
    let patch = json!({ "webhooks": webhooks });
    http.send(&Request::new(Method::PATCH, SETTINGS.into()).body(Body::Json(&patch)))
        .await?;
    Ok(Some(secret.to_owned()))
}

/// The URL the workspace's post-call webhooks go to: the settings' `post_call_webhook_id` among
/// the workspace's webhooks; `None` when none is set (or it is disabled).
pub(super) async fn post_call_url(http: &Http) -> Result<Option<String>, ProviderError> {
    let settings = http.send(&Request::new(Method::GET, SETTINGS.into())).await?.json(EL)?;
    let Some(id) = settings
        .pointer("/webhooks/post_call_webhook_id")
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let listed = http.send(&Request::new(Method::GET, WEBHOOKS.into())).await?.json(EL)?;
    Ok(listed["webhooks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["webhook_id"].as_str() == Some(id) && !w["is_disabled"].as_bool().unwrap_or(false))
        .and_then(|w| w["webhook_url"].as_str())
        .map(str::to_owned))
}
