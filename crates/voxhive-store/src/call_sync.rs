//! Polling state per connection: how far its calls have been read (the watermark) and the
//! progress of the first backfill, so a restarted poller resumes where it stopped.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A connection's polling state.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CallSyncState {
    pub connection_id: i64,
    /// The provider's creation instant of the newest call read, for the next poll's window.
    pub watermark: Option<Millis>,
    /// `pending`, `running`, `done` or `failed`.
    pub backfill_status: String,
    /// Where the backfill resumes: the provider's page cursor or window bound.
    pub backfill_cursor: Option<String>,
    pub backfill_progress: i64,
    pub backfill_total: Option<i64>,
    pub last_poll_at: Option<Millis>,
    pub last_error: Option<String>,
    pub updated_at: Millis,
}

impl CallSyncState {
    /// The state of a connection never polled.
    pub fn new(connection_id: i64) -> Self {
        Self {
            connection_id,
            watermark: None,
            backfill_status: "pending".to_string(),
            backfill_cursor: None,
            backfill_progress: 0,
            backfill_total: None,
            last_poll_at: None,
            last_error: None,
            updated_at: 0,
        }
    }
}

impl Store {
    /// A connection's polling state; `None` before its first poll.
    pub async fn call_sync_state(&self, connection_id: i64) -> StoreResult<Option<CallSyncState>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, CallSyncState>(
            "SELECT connection_id, watermark, backfill_status, backfill_cursor, backfill_progress, backfill_total, \
             last_poll_at, last_error, updated_at FROM call_sync_state WHERE connection_id = $1")
            .bind(connection_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Writes a connection's polling state whole (`updated_at` is set to now).
    pub async fn save_call_sync_state(&self, state: &CallSyncState) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO call_sync_state (connection_id, watermark, backfill_status, backfill_cursor, \
             backfill_progress, backfill_total, last_poll_at, last_error, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (connection_id) DO UPDATE SET \
             watermark = excluded.watermark, backfill_status = excluded.backfill_status, \
             backfill_cursor = excluded.backfill_cursor, backfill_progress = excluded.backfill_progress, \
             backfill_total = excluded.backfill_total, last_poll_at = excluded.last_poll_at, \
             last_error = excluded.last_error, updated_at = excluded.updated_at")
            .bind(state.connection_id).bind(state.watermark).bind(&state.backfill_status)
            .bind(&state.backfill_cursor).bind(state.backfill_progress).bind(state.backfill_total)
            .bind(state.last_poll_at).bind(&state.last_error).bind(now_ms())
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
