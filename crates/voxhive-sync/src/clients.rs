//! Provider clients for stored connections: the sealed key opened with the master key, and a
//! Vapi connection's webhook secret kept out of the documents the client hands back.

use std::sync::Arc;

use voxhive_core::crypto::MasterKey;
use voxhive_providers::{build_client, keeping_secret, ClientConfig, ProviderClient, ProviderKind};
use voxhive_store::Connection;

use crate::SyncError;

/// A client for `connection`, its key opened with `master_key`.
pub fn connection_client(
    master_key: &MasterKey,
    connection: &Connection,
) -> Result<Arc<dyn ProviderClient>, SyncError> {
    let kind: ProviderKind = connection
        .provider
        .parse()
        .map_err(|_| SyncError::Connection(format!("unknown provider {}", connection.provider)))?;
    let key = master_key
        .open(&connection.api_key_sealed)
        .map_err(|e| SyncError::Connection(format!("the key of \"{}\" cannot be opened: {e}", connection.label)))?;
    let client = build_client(ClientConfig::new(kind, key, connection.base_url.clone()));
    // Vapi sends the receiver's secret back in documents of what points at VoxHive: kept out of
    // VoxHive's copies (ElevenLabs never echoes its webhook secret).
    match (&connection.webhook_secret_sealed, kind) {
        (Some(sealed), ProviderKind::Vapi) => {
            let secret = master_key.open(sealed).map_err(|e| {
                SyncError::Connection(format!(
                    "the webhook secret of \"{}\" cannot be opened: {e}",
                    connection.label
                ))
            })?;
            Ok(keeping_secret(
                client,
                secret,
                connection.webhook_receiver_url.clone().unwrap_or_default(),
            ))
        }
        _ => Ok(client),
    }
}
