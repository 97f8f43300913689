//! Provider connections: adding (the key is checked with the provider before anything is
//! stored), testing and removing them. Shared by the Providers page, onboarding and the API.

use std::sync::Arc;

use serde_json::json;
use voxhive_core::money::{format_scaled, parse_scaled};
use voxhive_providers::{build_client, AccountSummary, ClientConfig, ProviderClient, ProviderKind};
use voxhive_store::{Connection, NewConnection, StoreError};

use crate::error::{AppError, AppResult};
use crate::AppState;

/// Decimal places of the stored ElevenLabs credit price (billionths of a dollar).
pub const CREDIT_RATE_DECIMALS: u32 = 9;

/// What a user submits to add a connection.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ConnectionInput {
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub base_url: Option<String>,
    /// ElevenLabs only: the price of one credit in USD, such as `0.00022`.
    #[serde(default)]
    pub usd_per_credit: Option<String>,
}

/// The input, checked and parsed.
struct ValidInput {
    kind: ProviderKind,
    label: String,
    api_key: String,
    base_url: Option<String>,
    usd_per_credit_nano: Option<i64>,
}

fn validate(input: &ConnectionInput) -> AppResult<ValidInput> {
    let kind: ProviderKind = input
        .provider
        .parse()
        .map_err(|_| AppError::field("provider", "choose Vapi or ElevenLabs"))?;
    let label = input.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(AppError::field(
            "label",
            "give the connection a label of 1 to 60 characters, such as \"Production\"",
        ));
    }
    let api_key = input.api_key.trim().to_string();
    if api_key.is_empty() {
        return Err(AppError::field("api_key", "paste the API key of the account"));
    }
    if api_key.len() > 512 || api_key.chars().any(char::is_whitespace) {
        return Err(AppError::field("api_key", "an API key is one word without spaces"));
    }
    let base_url = match input.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(url) => {
            let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.len() > "http://".len() + 1;
            if !ok || url.contains(char::is_whitespace) {
                return Err(AppError::field(
                    "base_url",
                    "the base URL must start with https:// (or http://)",
                ));
            }
            Some(url.trim_end_matches('/').to_string())
        }
    };
    let usd_per_credit_nano = match input.usd_per_credit.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(_) if kind != ProviderKind::ElevenLabs => None,
        Some(rate) => Some(
            parse_scaled(rate, CREDIT_RATE_DECIMALS)
                .map_err(|e| AppError::field("usd_per_credit", format!("USD per credit: {e}")))?,
        ),
    };
    Ok(ValidInput {
        kind,
        label,
        api_key,
        base_url,
        usd_per_credit_nano,
    })
}

/// The connection of the workspace with this id, or 404.
pub async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<Connection> {
    state
        .store
        .connection(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A provider as stored (`vapi`, `elevenlabs`) as its kind; any other is a bug, not bad input.
pub fn provider_kind(provider: &str) -> AppResult<ProviderKind> {
    provider
        .parse()
        .map_err(|_| AppError::Internal(format!("unknown provider {provider}")))
}

/// The client of a stored connection, with its key opened.
pub fn client_for(state: &AppState, connection: &Connection) -> AppResult<Arc<dyn ProviderClient>> {
    voxhive_sync::connection_client(&state.master_key, connection).map_err(|e| AppError::Internal(e.to_string()))
}

/// Checks the key with the provider, then stores the connection with its key sealed.
/// A refused key stores nothing and answers 422 with the provider's reason.
pub async fn add(state: &AppState, workspace_id: i64, user_id: i64, input: &ConnectionInput) -> AppResult<Connection> {
    let input = validate(input)?;
    if state
        .store
        .connections(workspace_id)
        .await?
        .iter()
        .any(|c| c.label == input.label)
    {
        return Err(AppError::field(
            "label",
            format!("a connection is already labelled \"{}\"", input.label),
        ));
    }
    let client = build_client(ClientConfig::new(
        input.kind,
        input.api_key.clone(),
        input.base_url.clone(),
    ));
    client.verify().await.map_err(|e| AppError::Unprocessable {
        field: Some("api_key"),
        message: e.to_string(),
    })?;
    let last4: String = voxhive_core::secret::mask(&input.api_key)
        .trim_start_matches('…')
        .to_string();
    let sealed = state.master_key.seal(&input.api_key);
    let created = state
        .store
        .create_connection(&NewConnection {
            workspace_id,
            provider: input.kind.as_str(),
            label: &input.label,
            base_url: input.base_url.as_deref(),
            api_key_sealed: &sealed,
            key_last4: &last4,
            usd_per_credit_nano: input.usd_per_credit_nano,
        })
        .await;
    let connection = match created {
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::field(
                "label",
                format!("a connection is already labelled \"{}\"", input.label),
            ))
        }
        other => other?,
    };
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "connection.add",
            &connection.label,
            &json!({"provider": connection.provider}),
        )
        .await?;
    // The call history arrives at once: a backfill, followed on the page and in the API as a job.
    voxhive_sync::enqueue_call_sync(&state.store, workspace_id, connection.id, true).await?;
    state.job_wake.notify_one();
    Ok(connection)
}

/// Checks a stored connection's key again and records when it last worked.
pub async fn test(state: &AppState, workspace_id: i64, id: i64) -> AppResult<(Connection, AccountSummary)> {
    let connection = state
        .store
        .connection(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = client_for(state, &connection)?
        .verify()
        .await
        .map_err(|e| AppError::Unprocessable {
            field: None,
            message: e.to_string(),
        })?;
    state.store.mark_connection_verified(workspace_id, id).await?;
    let connection = state
        .store
        .connection(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((connection, summary))
}

/// Removes a connection and what was imported from it; nothing is deleted at the provider.
pub async fn remove(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<Connection> {
    let connection = state
        .store
        .connection(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.store.delete_connection(workspace_id, id).await?;
    state.webhook_targets.forget(id);
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "connection.remove",
            &connection.label,
            &json!({"provider": connection.provider}),
        )
        .await?;
    Ok(connection)
}

/// The credit price of a connection as a decimal string, for display and the API.
pub fn credit_rate(connection: &Connection) -> Option<String> {
    connection
        .usd_per_credit_nano
        .map(|n| format_scaled(n, CREDIT_RATE_DECIMALS))
}
