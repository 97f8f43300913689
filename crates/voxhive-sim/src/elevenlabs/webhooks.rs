//! Workspace webhooks and convai settings (which webhook gets post-call events), and their signature.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::agents::merge;
use super::auth::Workspace;
use super::error::ElResult;
use super::validate::{check, parse, Spec, Ty};
use crate::app::AppState;
use crate::ids;
use crate::state::ElAccount;
use crate::webhook::hmac_hex;

/// Webhook and settings routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workspace/webhooks", get(list_webhooks).post(create_webhook))
        .route("/convai/settings", get(show_settings).patch(update_settings))
}

const CREATE: &[Spec] = &[("settings", Ty::Dict, true, false)];
const SETTINGS: &[Spec] = &[
    ("auth_type", Ty::Str, true, false),
    ("name", Ty::Str, true, false),
    ("webhook_url", Ty::Str, true, false),
];
const PATCH: &[Spec] = &[
    ("webhooks", Ty::Dict, false, false),
    ("rag_retention_period_days", Ty::Int, false, false),
];

/// The `ElevenLabs-Signature` header value: `t=<unix>,v0=<hex hmac_sha256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, unix: i64, body: &[u8]) -> String {
    let message = [format!("{unix}.").as_bytes(), body].concat();
    format!("t={unix},v0={}", hmac_hex("sha256", secret.as_bytes(), &message))
}

/// Adds a webhook and makes it the workspace's post-call webhook; returns its id.
pub fn register(account: &mut ElAccount, id: String, name: &str, url: &str) -> String {
    account.webhooks.push(json!({
        "name": name, "webhook_id": id, "webhook_url": url, "is_disabled": false, "is_auto_disabled": false,
        "created_at_unix": jiff::Timestamp::now().as_second(), "auth_type": "hmac",
    }));
    if account.settings["webhooks"]["post_call_webhook_id"].is_null() {
        account.settings["webhooks"]["post_call_webhook_id"] = json!(id);
    }
    id
}

/// The URL post-call webhooks go to, if the workspace set one.
pub fn post_call_url(account: &ElAccount) -> Option<String> {
    let id = account.settings["webhooks"]["post_call_webhook_id"].as_str()?;
    let hook = account.webhooks.iter().find(|w| w["webhook_id"].as_str() == Some(id))?;
    (!hook["is_disabled"].as_bool().unwrap_or(false)).then(|| hook["webhook_url"].as_str().map(str::to_owned))?
}

async fn list_webhooks(State(sim): State<AppState>, Workspace(ws): Workspace) -> Json<Value> {
    Json(json!({"webhooks": sim.world().elevenlabs[ws].webhooks}))
}

async fn create_webhook(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, CREATE)?;
    check(&body["settings"], SETTINGS)?;
    let mut world = sim.world();
    let id = ids::alnum(&mut world.rng, 20);
    let account = &mut world.elevenlabs[ws];
    let settings = &body["settings"];
    let name = settings["name"].as_str().unwrap_or_default();
    let id = register(account, id, name, settings["webhook_url"].as_str().unwrap_or_default());
    Ok(Json(
        json!({"webhook_id": id, "webhook_secret": account.webhook_secret}),
    ))
}

async fn show_settings(State(sim): State<AppState>, Workspace(ws): Workspace) -> Json<Value> {
    Json(sim.world().elevenlabs[ws].settings.clone())
}

async fn update_settings(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, PATCH)?;
    let mut world = sim.world();
    let settings = &mut world.elevenlabs[ws].settings;
    merge(settings, &body);
    Ok(Json(settings.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        let sig = signature("secret", 1_700_000_000, b"{\"a\":1}");
        let expected = hmac_hex("sha256", b"secret", b"1700000000.{\"a\":1}");
        assert_eq!(sig, format!("t=1700000000,v0={expected}"));
    }
}
