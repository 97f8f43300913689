//! Assistant operations shared by the pages and the API, with their audit entries.

use serde_json::json;
use voxhive_providers::ProviderClient;
use voxhive_store::Connection;
use voxhive_sync::{import_assistants, ImportReport, SyncError};

use crate::error::{AppError, AppResult};
use crate::AppState;

impl From<SyncError> for AppError {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Store(e) => e.into(),
            SyncError::Provider(e) => AppError::Unprocessable {
                field: None,
                message: e.to_string(),
            },
            SyncError::UnknownRemoteIds(_) => AppError::Unprocessable {
                field: Some("remote_ids"),
                message: err.to_string(),
            },
        }
    }
}

/// Imports a connection's assistants (all, or `remote_ids`) and records it in the audit log.
pub async fn import(
    state: &AppState,
    connection: &Connection,
    client: &dyn ProviderClient,
    remote_ids: Option<&[String]>,
    user_id: i64,
) -> AppResult<ImportReport> {
    let report = import_assistants(&state.store, client, connection, remote_ids, &|_, _| {}).await?;
    let detail = json!({"created": report.created, "pulled": report.pulled, "conflicts": report.conflicts, "remote_deleted": report.remote_deleted});
    state
        .store
        .record_audit(
            connection.workspace_id,
            Some(user_id),
            "assistants.import",
            &connection.label,
            &detail,
        )
        .await?;
    Ok(report)
}
