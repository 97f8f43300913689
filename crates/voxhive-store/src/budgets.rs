//! Monthly budgets (per workspace, connection or assistant), the alerts already sent for them,
//! and the workspace settings alerts and retention read: the notification webhook and how long
//! transcripts and recordings are kept.

use serde::Serialize;
use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// What a budget covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum BudgetScope {
    Workspace,
    Connection { connection_id: i64 },
    Assistant { assistant_id: i64 },
}

impl BudgetScope {
    /// The unique key of the thing budgeted within a workspace.
    fn key(self) -> String {
        match self {
            BudgetScope::Workspace => "workspace".to_owned(),
            BudgetScope::Connection { connection_id } => format!("connection:{connection_id}"),
            BudgetScope::Assistant { assistant_id } => format!("assistant:{assistant_id}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            BudgetScope::Workspace => "workspace",
            BudgetScope::Connection { .. } => "connection",
            BudgetScope::Assistant { .. } => "assistant",
        }
    }
}

/// A budget, with the name of what it covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub id: i64,
    pub workspace_id: i64,
    #[serde(flatten)]
    pub scope: BudgetScope,
    /// "Workspace", the connection's label or the assistant's name.
    pub label: String,
    /// Spending allowed per calendar month, in micro-USD.
    pub amount_micro_usd: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(sqlx::FromRow)]
struct BudgetRow {
    id: i64,
    workspace_id: i64,
    scope: String,
    connection_id: Option<i64>,
    assistant_id: Option<i64>,
    label: Option<String>,
    amount_micro_usd: i64,
    created_at: Millis,
    updated_at: Millis,
}

impl From<BudgetRow> for Budget {
    fn from(row: BudgetRow) -> Self {
        let scope = match (row.scope.as_str(), row.connection_id, row.assistant_id) {
            ("connection", Some(connection_id), _) => BudgetScope::Connection { connection_id },
            ("assistant", _, Some(assistant_id)) => BudgetScope::Assistant { assistant_id },
            _ => BudgetScope::Workspace,
        };
        Budget {
            id: row.id,
            workspace_id: row.workspace_id,
            scope,
            label: row.label.unwrap_or_else(|| "Workspace".to_owned()),
            amount_micro_usd: row.amount_micro_usd,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An alert recorded for a budget: one per budget, month and threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BudgetAlert {
    pub id: i64,
    pub budget_id: i64,
    /// The month, `YYYY-MM` in the workspace's zone.
    pub period: String,
    /// `50`, `80`, `100` or `projected`.
    pub threshold: String,
    pub spent_micro_usd: i64,
    pub created_at: Millis,
    /// `pending`, `sent`, `failed` or `skipped`.
    pub delivery: String,
    pub delivery_error: Option<String>,
}

/// Where a workspace's alerts go and how long its call contents are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct WorkspaceSettings {
    /// A Slack-compatible incoming webhook that receives budget alerts.
    pub alert_webhook_url: Option<String>,
    /// Transcripts and recordings older than this many days are deleted; `None` keeps them.
    pub retention_days: Option<i64>,
}

const SELECT: &str = "SELECT b.id, b.workspace_id, b.scope, b.connection_id, b.assistant_id, \
     COALESCE(c.label, a.name) AS label, b.amount_micro_usd, b.created_at, b.updated_at \
     FROM budgets b LEFT JOIN connections c ON c.id = b.connection_id \
     LEFT JOIN assistants a ON a.id = b.assistant_id";

impl Store {
    /// The budgets of a workspace: the workspace's first, then by label.
    pub async fn budgets(&self, workspace_id: i64) -> StoreResult<Vec<Budget>> {
        let sql = format!("{SELECT} WHERE b.workspace_id = $1 ORDER BY b.scope = 'workspace' DESC, label, b.id");
        let rows = on_pool!(self, pool => sqlx::query_as::<_, BudgetRow>(&sql)
            .bind(workspace_id).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Budget::from).collect())
    }

    /// One budget of a workspace.
    pub async fn budget(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Budget>> {
        let sql = format!("{SELECT} WHERE b.workspace_id = $1 AND b.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, BudgetRow>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(Budget::from))
    }

    /// Creates a budget; `Duplicate` when the same thing already has one. The caller checks that
    /// the connection or assistant belongs to the workspace.
    pub async fn create_budget(
        &self,
        workspace_id: i64,
        scope: BudgetScope,
        amount_micro_usd: i64,
    ) -> StoreResult<Budget> {
        let (connection_id, assistant_id) = match scope {
            BudgetScope::Workspace => (None, None),
            BudgetScope::Connection { connection_id } => (Some(connection_id), None),
            BudgetScope::Assistant { assistant_id } => (None, Some(assistant_id)),
        };
        let now = now_ms();
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO budgets (workspace_id, scope, connection_id, assistant_id, scope_key, amount_micro_usd, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
            .bind(workspace_id).bind(scope.name()).bind(connection_id).bind(assistant_id).bind(scope.key())
            .bind(amount_micro_usd).bind(now).fetch_one(pool).await)?;
        Ok(self
            .budget(workspace_id, id)
            .await?
            .expect("the budget was just created"))
    }

    /// Changes a budget's amount; false when there is no such budget.
    pub async fn set_budget_amount(&self, workspace_id: i64, id: i64, amount_micro_usd: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE budgets SET amount_micro_usd = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4")
            .bind(amount_micro_usd).bind(now_ms()).bind(workspace_id).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a budget and its alerts; false when there is no such budget.
    pub async fn delete_budget(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM budgets WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The workspaces that have at least one budget.
    pub async fn workspaces_with_budgets(&self) -> StoreResult<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT workspace_id FROM budgets ORDER BY workspace_id").fetch_all(pool).await)?;
        Ok(ids)
    }

    /// Records that `threshold` was crossed in `period`; the new alert's id, or `None` when it
    /// was already recorded (by this instance or another), so each alert is sent once.
    pub async fn record_budget_alert(
        &self,
        budget_id: i64,
        period: &str,
        threshold: &str,
        spent_micro_usd: i64,
    ) -> StoreResult<Option<i64>> {
        let id = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO budget_alerts (budget_id, period, threshold, spent_micro_usd, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (budget_id, period, threshold) DO NOTHING RETURNING id")
            .bind(budget_id).bind(period).bind(threshold).bind(spent_micro_usd).bind(now_ms())
            .fetch_optional(pool).await)?;
        Ok(id)
    }

    /// Records how sending an alert went: `sent`, `failed` (with the reason) or `skipped`.
    pub async fn set_budget_alert_delivery(&self, id: i64, delivery: &str, error: Option<&str>) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE budget_alerts SET delivery = $1, delivery_error = $2 WHERE id = $3")
            .bind(delivery).bind(error).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The alerts of a workspace's budgets for a month, newest first.
    pub async fn budget_alerts(&self, workspace_id: i64, period: &str) -> StoreResult<Vec<BudgetAlert>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, BudgetAlert>(
            "SELECT a.id, a.budget_id, a.period, a.threshold, a.spent_micro_usd, a.created_at, a.delivery, \
             a.delivery_error FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id \
             WHERE b.workspace_id = $1 AND a.period = $2 ORDER BY a.id DESC")
            .bind(workspace_id).bind(period).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// A workspace's alert and retention settings.
    pub async fn workspace_settings(&self, workspace_id: i64) -> StoreResult<WorkspaceSettings> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, WorkspaceSettings>(
            "SELECT alert_webhook_url, retention_days FROM workspaces WHERE id = $1")
            .bind(workspace_id).fetch_optional(pool).await)?;
        Ok(row.unwrap_or_default())
    }

    /// Replaces a workspace's alert and retention settings.
    pub async fn set_workspace_settings(&self, workspace_id: i64, settings: &WorkspaceSettings) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE workspaces SET alert_webhook_url = $1, retention_days = $2 WHERE id = $3")
            .bind(settings.alert_webhook_url.as_deref()).bind(settings.retention_days).bind(workspace_id)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
