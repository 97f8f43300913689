//! Function-calling tools as last read from each connection's provider.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// A tool as its provider describes it, to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTool {
    pub remote_id: String,
    /// The provider's tool type: `function`, `apiRequest`, `webhook`, …
    pub kind: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub server_url: Option<String>,
    /// The provider's document, whole.
    pub document: serde_json::Value,
}

/// A stored tool, with its connection.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tool {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub remote_id: String,
    pub kind: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub server_url: Option<String>,
    pub document: String,
    pub refreshed_at: Millis,
}

const UPSERT: &str = "INSERT INTO tools (workspace_id, connection_id, remote_id, kind, name, description, server_url, \
    document, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (connection_id, remote_id) DO UPDATE \
    SET kind = excluded.kind, name = excluded.name, description = excluded.description, \
    server_url = excluded.server_url, document = excluded.document, refreshed_at = excluded.refreshed_at RETURNING id";

/// `{where}` adds conditions on `t`; `$1` is the workspace.
const LIST: &str =
    "SELECT t.id, t.workspace_id, t.connection_id, n.label AS connection_label, n.provider, t.remote_id, \
    t.kind, t.name, t.description, t.server_url, t.document, t.refreshed_at \
    FROM tools t JOIN connections n ON n.id = t.connection_id WHERE t.workspace_id = $1{where} \
    ORDER BY t.kind, t.name, t.id";

fn args(workspace_id: i64, connection_id: i64, tool: &NewTool, now: Millis) -> [Arg; 9] {
    [
        Arg::from(workspace_id),
        Arg::from(connection_id),
        Arg::from(tool.remote_id.as_str()),
        Arg::from(tool.kind.as_str()),
        Arg::from(tool.name.as_deref()),
        Arg::from(tool.description.as_deref()),
        Arg::from(tool.server_url.as_deref()),
        Arg::from(tool.document.to_string()),
        Arg::from(now),
    ]
}

impl Store {
    /// Makes a connection's stored tools those just listed at its provider, in one transaction.
    pub async fn replace_tools(&self, workspace_id: i64, connection_id: i64, tools: &[NewTool]) -> StoreResult<()> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let mut kept = Vec::with_capacity(tools.len());
            for tool in tools {
                let bound = args(workspace_id, connection_id, tool, now);
                let id: i64 = bind_args!(sqlx::query_scalar(UPSERT), &bound).fetch_one(&mut *tx).await?;
                kept.push(id);
            }
            let stored: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM tools WHERE workspace_id = $1 AND connection_id = $2")
                .bind(workspace_id).bind(connection_id).fetch_all(&mut *tx).await?;
            for id in stored.into_iter().filter(|id| !kept.contains(id)) {
                sqlx::query("DELETE FROM tools WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores one tool as its provider answered a change; returns its id.
    pub async fn upsert_tool(&self, workspace_id: i64, connection_id: i64, tool: &NewTool) -> StoreResult<i64> {
        let args = args(workspace_id, connection_id, tool, now_ms());
        let id = on_pool!(self, pool => bind_args!(sqlx::query_scalar::<_, i64>(UPSERT), &args).fetch_one(pool).await)?;
        Ok(id)
    }

    /// Forgets a tool (deleted at the provider); false when there was none.
    pub async fn delete_tool(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM tools WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// A workspace's tools (of one connection, if given), by type and name.
    pub async fn tools(&self, workspace_id: i64, connection_id: Option<i64>) -> StoreResult<Vec<Tool>> {
        let mut args = vec![Arg::from(workspace_id)];
        let condition = match connection_id {
            Some(id) => {
                args.push(Arg::from(id));
                " AND t.connection_id = $2"
            }
            None => "",
        };
        let sql = LIST.replace("{where}", condition);
        let rows = on_pool!(self, pool => bind_args!(sqlx::query_as::<_, Tool>(&sql), &args).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One tool of a workspace.
    pub async fn tool(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Tool>> {
        let sql = LIST.replace("{where}", " AND t.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, Tool>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
