//! Pointing a Vapi assistant or phone number at a server URL in one action: VoxHive's own
//! receiver (with the connection's secret as `X-Vapi-Secret`, held in VoxHive's copies as a
//! placeholder the client swaps for the secret only on its way to Vapi), or any URL with a secret
//! or a credential. An assistant's change is a local edit, reviewed and pushed; a number's is made
//! at the provider at once, as every number edit is.

use serde_json::{json, Map, Value};
use voxhive_providers::{ProviderKind, SECRET_PLACEHOLDER};
use voxhive_sync::NumberEdit;

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::webhooks::secrets::{self, receiver_url};
use crate::AppState;

/// What to point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Assistant(i64),
    PhoneNumber(i64),
}

impl Target {
    /// `assistant:ID` or `number:ID`, as the page's select sends it.
    pub fn parse(text: &str) -> AppResult<Target> {
        let parsed = match text.split_once(':') {
            Some(("assistant", id)) => id.parse().ok().map(Target::Assistant),
            Some(("number", id)) => id.parse().ok().map(Target::PhoneNumber),
            _ => None,
        };
        parsed.ok_or_else(|| AppError::field("target", "choose the assistant or number to point"))
    }
}

/// Where to point it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// The connection's VoxHive receiver, signed with the connection's secret.
    VoxHive,
    /// Any URL, with the secret Vapi sends as `X-Vapi-Secret`, or a Vapi credential's id.
    Url {
        url: String,
        secret: Option<String>,
        credential_id: Option<String>,
    },
}

/// What was pointed: its name, its page, and what became of it.
pub struct Pointed {
    pub name: String,
    pub href: String,
    pub outcome: PointOutcome,
}

/// What pointing did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointOutcome {
    /// An assistant's new local revision, to review and push.
    LocalEdit,
    /// An assistant whose local document already pointed there.
    AlreadyLocal,
    /// A number, changed at the provider.
    Changed,
}

/// `server` (or nothing) with the destination's URL and authentication, other settings kept.
fn server_object(current: Option<&Value>, url: &str, destination: &Destination) -> Value {
    let mut server: Map<String, Value> = current.and_then(Value::as_object).cloned().unwrap_or_default();
    server.insert("url".into(), json!(url));
    server.remove("credentialId");
    let mut headers: Map<String, Value> = server
        .get("headers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    headers.retain(|name, _| !name.eq_ignore_ascii_case("x-vapi-secret"));
    match destination {
        Destination::VoxHive => {
            headers.insert("X-Vapi-Secret".into(), json!(SECRET_PLACEHOLDER));
        }
        Destination::Url {
            secret, credential_id, ..
        } => {
            if let Some(secret) = secret {
                headers.insert("X-Vapi-Secret".into(), json!(secret));
            }
            if let Some(id) = credential_id {
                server.insert("credentialId".into(), json!(id));
            }
        }
    }
    if headers.is_empty() {
        server.remove("headers");
    } else {
        server.insert("headers".into(), Value::Object(headers));
    }
    Value::Object(server)
}

/// Points an assistant or a number at the destination.
pub async fn point(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    target: Target,
    destination: &Destination,
) -> AppResult<Pointed> {
    if let Destination::Url { url, secret, .. } = destination {
        voxhive_sync::check_http_url("/url", url).map_err(|e| AppError::field("url", e.to_string()))?;
        if secret.as_deref() == Some(SECRET_PLACEHOLDER) {
            return Err(AppError::field(
                "secret",
                "that is VoxHive's placeholder for its own receiver's secret: choose VoxHive's receiver, or give your URL's own secret",
            ));
        }
    }
    let connection_id = match target {
        Target::Assistant(id) => state.store.assistant(workspace_id, id).await?.map(|a| a.connection_id),
        Target::PhoneNumber(id) => state
            .store
            .phone_number(workspace_id, id, voxhive_core::time::now_ms())
            .await?
            .map(|n| n.connection_id),
    }
    .ok_or_else(|| AppError::field("target", "choose the assistant or number to point"))?;
    let connection = connections::find(state, workspace_id, connection_id).await?;
    if provider_kind(&connection.provider)? != ProviderKind::Vapi {
        return Err(AppError::field(
            "target",
            "ElevenLabs sends its post-call webhooks to the workspace's URL: register VoxHive's receiver from Settings → Providers",
        ));
    }
    let url = match destination {
        Destination::VoxHive => {
            // The secret exists, and the receiver it may be sent beside is known, before
            // anything refers to it.
            secrets::read(state, workspace_id, user_id, connection.id, true).await?;
            let url = receiver_url(state, connection.id);
            state
                .store
                .set_webhook_receiver_url(workspace_id, connection.id, &url)
                .await?;
            url
        }
        Destination::Url { url, .. } => url.clone(),
    };
    match target {
        Target::Assistant(id) => {
            let assistant = state
                .store
                .assistant(workspace_id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut doc = crate::assistants::local_document(state, &assistant).await?;
            let server = server_object(doc.get("server"), &url, destination);
            if let Some(fields) = doc.as_object_mut() {
                fields.remove("serverUrl");
                fields.remove("serverUrlSecret");
                fields.insert("server".into(), server);
            }
            let changed = crate::assistants::save_document(state, &assistant, &doc, user_id).await?;
            Ok(Pointed {
                name: assistant.name.clone(),
                href: format!("/assistants/{}", assistant.id),
                outcome: if changed {
                    PointOutcome::LocalEdit
                } else {
                    PointOutcome::AlreadyLocal
                },
            })
        }
        Target::PhoneNumber(id) => {
            let number = state
                .store
                .phone_number(workspace_id, id, voxhive_core::time::now_ms())
                .await?
                .ok_or(AppError::NotFound)?;
            let current: Value = serde_json::from_str(&number.document).unwrap_or(Value::Null);
            let edit = NumberEdit {
                server: Some(server_object(current.get("server"), &url, destination)),
                ..NumberEdit::default()
            };
            // Read again: the secret may have just been made.
            let connection = connections::find(state, workspace_id, connection.id).await?;
            let client = client_for(state, &connection)?;
            voxhive_sync::edit_phone_number(&state.store, client.as_ref(), &number, &edit).await?;
            state
                .store
                .record_audit(
                    workspace_id,
                    Some(user_id),
                    "phone_number.point",
                    &crate::phone_numbers::shown(&number),
                    &json!({"phone_number_id": number.id, "url": url}),
                )
                .await?;
            Ok(Pointed {
                name: crate::phone_numbers::shown(&number),
                href: format!("/phone-numbers/{}", number.id),
                outcome: PointOutcome::Changed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_keeps_its_settings_and_gets_one_way_of_authenticating() {
        let current = json!({"url": "https://old.test", "timeoutSeconds": 10, "credentialId": "cred-1",
                             "headers": {"x-vapi-secret": "old", "X-Team": "ops"}});
        let ours = server_object(Some(&current), "https://vh.test/hooks/1", &Destination::VoxHive);
        assert_eq!(
            ours,
            json!({"url": "https://vh.test/hooks/1", "timeoutSeconds": 10,
                   "headers": {"X-Team": "ops", "X-Vapi-Secret": SECRET_PLACEHOLDER}})
        );
        let theirs = server_object(
            None,
            "https://hooks.test",
            &Destination::Url {
                url: "https://hooks.test".into(),
                secret: None,
                credential_id: Some("cred-2".into()),
            },
        );
        assert_eq!(theirs, json!({"url": "https://hooks.test", "credentialId": "cred-2"}));
    }
}
