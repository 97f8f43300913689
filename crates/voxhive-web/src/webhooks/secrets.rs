//! Each connection's webhook secret: read (made on first read for Vapi), rotated (for ElevenLabs,
//! by registering VoxHive's URL with ElevenLabs, which makes the secret), and pasted. Shared by the
//! Providers page and the API; every change is audited. The secret is stored sealed.

use serde_json::json;
use voxhive_providers::ProviderKind;
use voxhive_store::Connection;

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Bytes of randomness in a secret VoxHive makes (written as twice as many hex digits).
const SECRET_BYTES: usize = 24;
/// The length a pasted secret must have, in characters.
const PASTED_LEN: std::ops::RangeInclusive<usize> = 16..=512;
/// How VoxHive names itself in a provider's list of webhooks.
const WEBHOOK_NAME: &str = "VoxHive";

/// A connection's receiver and its secret, opened.
pub struct Webhook {
    pub connection: Connection,
    pub kind: ProviderKind,
    /// The full URL the provider posts to.
    pub url: String,
    /// `None` until one is made (Vapi) or registered or pasted (ElevenLabs).
    pub secret: Option<String>,
}

/// The receiver URL of a connection: the public address and `/hooks/{id}`.
pub fn receiver_url(state: &AppState, connection_id: i64) -> String {
    format!(
        "{}/hooks/{connection_id}",
        state.config.public_url.trim_end_matches('/')
    )
}

/// The last four characters of a connection's secret, for display; `None` when it has none.
pub async fn secret_last4(state: &AppState, connection_id: i64) -> AppResult<Option<String>> {
    Ok(state
        .store
        .webhook_target(connection_id)
        .await?
        .and_then(|t| t.secret_last4))
}

/// The webhook of a connection of the workspace, with its secret; for a Vapi connection without
/// one, `create` makes it.
pub async fn read(state: &AppState, workspace_id: i64, user_id: i64, id: i64, create: bool) -> AppResult<Webhook> {
    let connection = connections::find(state, workspace_id, id).await?;
    let kind = provider_kind(&connection.provider)?;
    let target = state.store.webhook_target(id).await?.ok_or(AppError::NotFound)?;
    let secret = match target.secret_sealed {
        Some(sealed) => Some(
            state
                .master_key
                .open(&sealed)
                .map_err(|e| AppError::Internal(format!("webhook secret of connection {id}: {e}")))?,
        ),
        None if create && kind == ProviderKind::Vapi => {
            let secret = voxhive_core::secret::random_token(SECRET_BYTES);
            let (sealed, last4) = (state.master_key.seal(&secret), last4_of(&secret));
            if !state
                .store
                .init_webhook_secret(workspace_id, id, &sealed, &last4)
                .await?
            {
                // Another request made the first secret meanwhile: that one stands.
                return Box::pin(read(state, workspace_id, user_id, id, false)).await;
            }
            audit(state, &connection, user_id, "connection.webhook_create").await?;
            Some(secret)
        }
        None => None,
    };
    Ok(Webhook {
        url: receiver_url(state, id),
        connection,
        kind,
        secret,
    })
}

/// Replaces the secret: a new random one for Vapi; for ElevenLabs, VoxHive's URL registered again
/// as the post-call webhook, with the secret ElevenLabs made for it.
pub async fn rotate(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<Webhook> {
    let connection = connections::find(state, workspace_id, id).await?;
    let kind = provider_kind(&connection.provider)?;
    let url = receiver_url(state, id);
    let registered = client_for(state, &connection)?
        .register_webhook(&url, WEBHOOK_NAME)
        .await
        .map_err(|e| AppError::Unprocessable {
            field: None,
            message: e.to_string(),
        })?;
    let secret = registered.unwrap_or_else(|| voxhive_core::secret::random_token(SECRET_BYTES));
    store(state, &connection, user_id, &secret, "connection.webhook_rotate").await?;
    Ok(Webhook {
        connection,
        kind,
        url,
        secret: Some(secret),
    })
}

/// Stores the secret an ElevenLabs webhook was created with, as ElevenLabs showed it.
pub async fn paste(state: &AppState, workspace_id: i64, user_id: i64, id: i64, secret: &str) -> AppResult<Webhook> {
    let connection = connections::find(state, workspace_id, id).await?;
    let kind = provider_kind(&connection.provider)?;
    if kind != ProviderKind::ElevenLabs {
        return Err(AppError::field(
            "secret",
            "VoxHive makes the webhook secret of a Vapi connection: rotate it instead of pasting one",
        ));
    }
    let secret = secret.trim();
    if !PASTED_LEN.contains(&secret.chars().count()) || secret.chars().any(char::is_whitespace) {
        return Err(AppError::field(
            "secret",
            "paste the webhook secret ElevenLabs showed (one word of 16 to 512 characters, such as wsec_…)",
        ));
    }
    store(state, &connection, user_id, secret, "connection.webhook_set").await?;
    Ok(Webhook {
        url: receiver_url(state, id),
        connection,
        kind,
        secret: Some(secret.to_owned()),
    })
}

/// Seals and stores the secret, and records who changed it (never the secret itself).
async fn store(state: &AppState, connection: &Connection, user_id: i64, secret: &str, action: &str) -> AppResult<()> {
    let sealed = state.master_key.seal(secret);
    state
        .store
        .set_webhook_secret(
            connection.workspace_id,
            connection.id,
            Some((&sealed, &last4_of(secret))),
        )
        .await?;
    state.webhook_targets.forget(connection.id);
    audit(state, connection, user_id, action).await
}

fn last4_of(secret: &str) -> String {
    voxhive_core::secret::mask(secret).trim_start_matches('…').to_string()
}

async fn audit(state: &AppState, connection: &Connection, user_id: i64, action: &str) -> AppResult<()> {
    state
        .store
        .record_audit(
            connection.workspace_id,
            Some(user_id),
            action,
            &connection.label,
            &json!({"provider": connection.provider}),
        )
        .await?;
    Ok(())
}
