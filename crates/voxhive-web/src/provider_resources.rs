//! What the resources kept at the providers (phone numbers, tools) share: re-reading each
//! connection's copy from its provider, audited.

use futures::future::BoxFuture;
use serde_json::json;
use voxhive_providers::ProviderClient;
use voxhive_store::{Connection, Store};
use voxhive_sync::SyncError;

use crate::connections::client_for;
use crate::error::AppResult;
use crate::AppState;

/// A connection's label with how many the provider listed, or why it could not be read.
pub type RefreshOutcome = (String, Result<usize, String>);

/// Reads one connection's resources from its provider into the store; answers how many.
pub type Reader = for<'a> fn(&'a Store, &'a dyn ProviderClient, i64, i64) -> BoxFuture<'a, Result<usize, SyncError>>;

/// Re-reads each connection with `read` and audits it as `action` (`tools.refresh`). A provider
/// that cannot answer is reported in its outcome; a failing database fails the whole.
pub async fn refresh_each(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connections: &[Connection],
    action: &str,
    read: Reader,
) -> AppResult<Vec<RefreshOutcome>> {
    let mut outcomes = Vec::with_capacity(connections.len());
    for connection in connections {
        let client = client_for(state, connection)?;
        let outcome = match read(&state.store, client.as_ref(), workspace_id, connection.id).await {
            Ok(listed) => Ok(listed),
            Err(SyncError::Store(err)) => return Err(err.into()),
            Err(err) => Err(err.to_string()),
        };
        outcomes.push((connection.label.clone(), outcome));
    }
    let detail: Vec<_> = outcomes
        .iter()
        .map(|(label, outcome)| json!({"connection": label, "count": outcome.as_ref().ok()}))
        .collect();
    let target = action.split('.').next().unwrap_or(action).replace('_', " ");
    state
        .store
        .record_audit(workspace_id, Some(user_id), action, &target, &json!(detail))
        .await?;
    Ok(outcomes)
}
