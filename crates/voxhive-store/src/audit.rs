//! The audit log: who did what to which thing, per workspace.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// One audit entry as read back, with the actor's e-mail.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: Millis,
}

impl Store {
    /// Appends an entry; `detail` is a JSON object.
    #[tracing::instrument(skip(self, detail))]
    pub async fn record_audit(
        &self,
        workspace_id: i64,
        user_id: Option<i64>,
        action: &str,
        target: &str,
        detail: &serde_json::Value,
    ) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO audit_log (workspace_id, user_id, action, target, detail, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(workspace_id).bind(user_id).bind(action).bind(target).bind(detail.to_string()).bind(now_ms())
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The newest entries of a workspace.
    pub async fn audit_entries(&self, workspace_id: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, AuditEntry>(
            "SELECT a.id, u.email AS actor, a.action, a.target, a.detail, a.at FROM audit_log a \
             LEFT JOIN users u ON u.id = a.user_id WHERE a.workspace_id = $1 ORDER BY a.id DESC LIMIT $2")
            .bind(workspace_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }
}
