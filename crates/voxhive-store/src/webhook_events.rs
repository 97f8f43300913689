//! The webhook event log: each delivery is written durably before it is acknowledged (many in
//! one transaction when they arrive together), then claimed and processed by a worker; a
//! delivery with a bad signature is recorded as rejected. Also each connection's webhook
//! secret (sealed like API keys).

use voxhive_core::time::{now_ms, Millis};

use crate::db::{on_pool, Pool};
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// How many times an event whose worker vanished is claimed again before it counts as failed.
pub const WEBHOOK_MAX_ATTEMPTS: i64 = 5;

/// A delivery to record.
#[derive(Clone, Debug)]
pub struct NewWebhookEvent<'a> {
    pub workspace_id: i64,
    pub connection_id: i64,
    pub received_at: Millis,
    /// The provider's event type, such as `end-of-call-report` or `post_call_transcription`.
    pub kind: &'a str,
    pub body: &'a str,
    /// Why the delivery was refused (bad signature, …): recorded as `rejected`, never processed.
    pub rejection: Option<&'a str>,
}

/// Where an event stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookStatus {
    Received,
    Processed,
    Rejected,
    Failed,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Received => "received",
            WebhookStatus::Processed => "processed",
            WebhookStatus::Rejected => "rejected",
            WebhookStatus::Failed => "failed",
        }
    }
}

/// How processing ended for one event: `Processed`, or `Failed` with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventOutcome {
    pub id: i64,
    pub status: WebhookStatus,
    pub reason: Option<String>,
}

/// An event as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookEvent {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub received_at: Millis,
    pub kind: String,
    /// `received`, `processed`, `rejected` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub body: String,
    pub attempts: i64,
    pub processed_at: Option<Millis>,
}

/// What a webhook receiver needs to check a delivery to a connection's URL.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookTarget {
    pub connection_id: i64,
    pub workspace_id: i64,
    pub provider: String,
    pub secret_sealed: Option<String>,
    pub secret_last4: Option<String>,
}

const COLUMNS: &str =
    "id, workspace_id, connection_id, received_at, kind, status, reason, body, attempts, processed_at";

/// Rows per INSERT statement (7 values each, well under SQLite's 32,766 variables).
const CHUNK: usize = 500;

impl Store {
    /// Records deliveries in one transaction; returns their ids in the order given.
    #[tracing::instrument(skip_all, fields(events = events.len()))]
    pub async fn insert_webhook_events(&self, events: &[NewWebhookEvent<'_>]) -> StoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(events.len());
        if events.is_empty() {
            return Ok(ids);
        }
        let _turn = self.urgent_write_turn().await;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for chunk in events.chunks(CHUNK) {
                let mut args = Vec::with_capacity(chunk.len() * 7);
                let mut rows = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let n = args.len();
                    rows.push(format!("(${}, ${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, n + 7));
                    let status = match e.rejection {
                        Some(_) => WebhookStatus::Rejected,
                        None => WebhookStatus::Received,
                    };
                    args.extend([
                        Arg::from(e.workspace_id),
                        Arg::from(e.connection_id),
                        Arg::from(e.received_at),
                        Arg::from(e.kind),
                        Arg::from(status.as_str()),
                        Arg::from(e.rejection),
                        Arg::from(e.body),
                    ]);
                }
                let sql = format!(
                    "INSERT INTO webhook_events (workspace_id, connection_id, received_at, kind, status, reason, body) \
                     VALUES {} RETURNING id", rows.join(", "));
                // Ids grow in insertion order; RETURNING's order is not promised.
                let mut chunk_ids: Vec<i64> = bind_args!(sqlx::query_scalar(&sql), &args).fetch_all(&mut *tx).await?;
                chunk_ids.sort_unstable();
                ids.extend(chunk_ids);
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// Takes up to `limit` received events, oldest first, for `lease_ms`: an event not marked
    /// by then is claimed again (at most [`WEBHOOK_MAX_ATTEMPTS`] times, then failed).
    #[tracing::instrument(skip(self))]
    pub async fn claim_webhook_events(&self, limit: u32, lease_ms: i64) -> StoreResult<Vec<WebhookEvent>> {
        let now = now_ms();
        // A read first (on the partial index of received events): most passes find nothing, and
        // on SQLite a write would wait for, and hold up, the single writer.
        let waiting: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM webhook_events WHERE status = 'received' LIMIT 1")
            .fetch_optional(pool).await)?;
        if waiting.is_none() {
            return Ok(Vec::new());
        }
        let _turn = self.background_write_turn().await;
        // The literal matches the partial index `webhook_events_exhausted` (migration 0009).
        let exhausted = format!(
            "UPDATE webhook_events SET status = 'failed', reason = 'processing stopped too often', \
             processed_at = $1, claimed_until = NULL \
             WHERE status = 'received' AND attempts >= {WEBHOOK_MAX_ATTEMPTS} AND claimed_until < $1"
        );
        on_pool!(self, pool => sqlx::query(&exhausted)
            .bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        let sql = |lock: &str| {
            format!(
                "UPDATE webhook_events SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_events WHERE status = 'received' \
                 AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3{lock}) RETURNING {COLUMNS}"
            )
        };
        let limit = i64::from(limit);
        let mut events = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as::<_, WebhookEvent>(&sql(""))
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as::<_, WebhookEvent>(&sql(" FOR UPDATE SKIP LOCKED"))
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    /// Records how processing ended for several events, in one transaction; returns how many
    /// were still waiting for processing (the others are left as they were).
    #[tracing::instrument(skip_all, fields(events = outcomes.len()))]
    pub async fn mark_webhook_events(&self, outcomes: &[EventOutcome]) -> StoreResult<u64> {
        if outcomes.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        let mut marked = 0;
        let _turn = self.background_write_turn().await;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for outcome in outcomes {
                marked += sqlx::query(
                    "UPDATE webhook_events SET status = $1, reason = $2, processed_at = $3, claimed_until = NULL \
                     WHERE id = $4 AND status = 'received'")
                    .bind(outcome.status.as_str()).bind(outcome.reason.as_deref()).bind(now).bind(outcome.id)
                    .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
        });
        Ok(marked)
    }

    /// Hands claimed events back, uncounted, after a failure that was not theirs (the database
    /// went away or filled up): the next pass takes them again, and an outage does not use up
    /// their attempts.
    pub async fn release_webhook_events(&self, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE webhook_events SET claimed_until = NULL, attempts = attempts - 1 \
             WHERE status = 'received' AND attempts > 0 AND id IN ({list})"
        );
        let _turn = self.background_write_turn().await;
        on_pool!(self, pool => sqlx::query(&sql).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// One event of a workspace.
    pub async fn webhook_event(&self, workspace_id: i64, id: i64) -> StoreResult<Option<WebhookEvent>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_events WHERE workspace_id = $1 AND id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, WebhookEvent>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Deletes finished events (processed, rejected, failed) received before `before`.
    pub async fn prune_webhook_events(&self, before: Millis) -> StoreResult<u64> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM webhook_events WHERE received_at < $1 AND status <> 'received'")
            .bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// The connection a webhook URL names, with its sealed secret.
    pub async fn webhook_target(&self, connection_id: i64) -> StoreResult<Option<WebhookTarget>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, WebhookTarget>(
            "SELECT id AS connection_id, workspace_id, provider, webhook_secret_sealed AS secret_sealed, \
             webhook_secret_last4 AS secret_last4 FROM connections WHERE id = $1")
            .bind(connection_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Sets a connection's first webhook secret; false (and nothing written) when it already has
    /// one, so two first reads at once agree on one secret.
    pub async fn init_webhook_secret(
        &self,
        workspace_id: i64,
        connection_id: i64,
        sealed: &str,
        last4: &str,
    ) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE connections SET webhook_secret_sealed = $1, webhook_secret_last4 = $2, updated_at = $3 \
             WHERE workspace_id = $4 AND id = $5 AND webhook_secret_sealed IS NULL")
            .bind(sealed).bind(last4).bind(now_ms()).bind(workspace_id).bind(connection_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Sets (or with `None`, removes) a connection's webhook secret, sealed, and its last four
    /// characters for display.
    pub async fn set_webhook_secret(
        &self,
        workspace_id: i64,
        connection_id: i64,
        secret: Option<(&str, &str)>,
    ) -> StoreResult<bool> {
        let (sealed, last4) = secret.unzip();
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE connections SET webhook_secret_sealed = $1, webhook_secret_last4 = $2, updated_at = $3 \
             WHERE workspace_id = $4 AND id = $5")
            .bind(sealed).bind(last4).bind(now_ms()).bind(workspace_id).bind(connection_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
