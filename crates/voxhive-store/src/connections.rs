//! Provider connections: a provider account's API key (sealed), label and settings.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A connection as stored; `api_key_sealed` opens only with the master key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Connection {
    pub id: i64,
    pub workspace_id: i64,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub label: String,
    pub base_url: Option<String>,
    pub api_key_sealed: String,
    pub key_last4: String,
    /// ElevenLabs: the price of one credit in billionths of a dollar.
    pub usd_per_credit_nano: Option<i64>,
    pub last_verified_at: Option<Millis>,
    pub created_at: Millis,
    /// The secret VoxHive's receiver checks deliveries with, sealed; `None` until made.
    pub webhook_secret_sealed: Option<String>,
    /// The receiver URL the secret may be sent beside (set when something is pointed there).
    pub webhook_receiver_url: Option<String>,
}

/// A connection to create.
#[derive(Debug)]
pub struct NewConnection<'a> {
    pub workspace_id: i64,
    pub provider: &'a str,
    pub label: &'a str,
    pub base_url: Option<&'a str>,
    pub api_key_sealed: &'a str,
    pub key_last4: &'a str,
    pub usd_per_credit_nano: Option<i64>,
}

const COLUMNS: &str = "id, workspace_id, provider, label, base_url, api_key_sealed, key_last4, \
    usd_per_credit_nano, last_verified_at, created_at, webhook_secret_sealed, webhook_receiver_url";

impl Store {
    /// Stores a connection that was just verified; `Duplicate` when the label is taken.
    #[tracing::instrument(skip_all, fields(workspace_id = new.workspace_id, provider = new.provider))]
    pub async fn create_connection(&self, new: &NewConnection<'_>) -> StoreResult<Connection> {
        let now = now_ms();
        let sql = format!(
            "INSERT INTO connections (workspace_id, provider, label, base_url, api_key_sealed, key_last4, \
             usd_per_credit_nano, last_verified_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING {COLUMNS}"
        );
        let row = on_pool!(self, pool => sqlx::query_as::<_, Connection>(&sql)
            .bind(new.workspace_id).bind(new.provider).bind(new.label).bind(new.base_url)
            .bind(new.api_key_sealed).bind(new.key_last4).bind(new.usd_per_credit_nano).bind(now)
            .fetch_one(pool).await)?;
        Ok(row)
    }

    /// The connections of a workspace, by provider and label.
    pub async fn connections(&self, workspace_id: i64) -> StoreResult<Vec<Connection>> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = $1 ORDER BY provider, label");
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Connection>(&sql)
            .bind(workspace_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One connection of this workspace; `None` for an id of another workspace.
    pub async fn connection(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Connection>> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = $1 AND id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, Connection>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Records the receiver URL the connection's webhook secret may be sent beside.
    pub async fn set_webhook_receiver_url(&self, workspace_id: i64, id: i64, url: &str) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE connections SET webhook_receiver_url = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(url).bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records a successful check of the key.
    pub async fn mark_connection_verified(&self, workspace_id: i64, id: i64) -> StoreResult<()> {
        let now = now_ms();
        on_pool!(self, pool => sqlx::query(
            "UPDATE connections SET last_verified_at = $1, updated_at = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(now).bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets an ElevenLabs connection's credit price.
    pub async fn set_connection_credit_rate(&self, workspace_id: i64, id: i64, nano: Option<i64>) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE connections SET usd_per_credit_nano = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4")
            .bind(nano).bind(now_ms()).bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a connection and, through the foreign keys, what was imported from it.
    pub async fn delete_connection(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM connections WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The connection a member has chosen to scope views to; `None` means all.
    pub async fn active_connection(&self, workspace_id: i64, user_id: i64) -> StoreResult<Option<i64>> {
        let id: Option<Option<i64>> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT active_connection_id FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id).bind(user_id).fetch_optional(pool).await)?;
        Ok(id.flatten())
    }

    /// Chooses the connection a member's views are scoped to (`None`: all).
    pub async fn set_active_connection(
        &self,
        workspace_id: i64,
        user_id: i64,
        connection_id: Option<i64>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE memberships SET active_connection_id = $1 WHERE workspace_id = $2 AND user_id = $3")
            .bind(connection_id).bind(workspace_id).bind(user_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
