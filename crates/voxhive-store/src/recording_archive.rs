//! The recording archive's bookkeeping: which calls' recordings still need a copy in VoxHive's
//! own storage, claiming them so one instance downloads each, and recording success or failure.

use voxhive_core::time::Millis;

use crate::db::{on_pool, Pool};
use crate::{Store, StoreResult};

/// Downloads tried per call before it is left alone (its recording is most likely gone).
pub const RECORDING_ARCHIVE_MAX_ATTEMPTS: i64 = 12;

/// How long a claimed call is left to the instance that claimed it before another may try.
const CLAIM_MS: i64 = 10 * 60_000;

/// Longest error message kept.
const ERROR_MAX_CHARS: usize = 500;

/// A call whose recording is to be archived.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordingToArchive {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub provider: String,
    pub remote_id: String,
    /// The provider's public URL of the recording (Vapi); `None` when it is read through the API.
    pub recording_url: Option<String>,
    /// Downloads already tried and failed.
    pub attempts: i64,
}

/// The calls still to archive; the terms match the partial index `calls_recording_to_archive`
/// word for word (SQLite uses a partial index only then).
fn pending(json_has_audio: &str) -> String {
    format!(
        "recording_key IS NULL AND contents_purged_at IS NULL \
         AND recording_archive_attempts < {RECORDING_ARCHIVE_MAX_ATTEMPTS} AND status IN ('ended', 'failed') \
         AND (recording_url IS NOT NULL OR (provider = 'elevenlabs' AND {json_has_audio}))"
    )
}

impl Store {
    /// Claims up to `limit` calls, oldest first, whose recording has no archived copy yet and is
    /// due (never tried, or its backoff over at `now`); another instance will not get them
    /// for the next ten minutes. Calls whose contents retention deleted never come back.
    #[tracing::instrument(skip(self))]
    pub async fn calls_to_archive(&self, limit: i64, now: Millis) -> StoreResult<Vec<RecordingToArchive>> {
        let returning = "RETURNING id, workspace_id, connection_id, provider, remote_id, recording_url, \
            recording_archive_attempts AS attempts";
        let due = "(recording_archive_after IS NULL OR recording_archive_after <= $1)";
        let rows = match &self.pool {
            Pool::Sqlite(pool) => {
                let sql = format!(
                    "UPDATE calls SET recording_archive_after = $2 WHERE id IN (SELECT id FROM calls WHERE {} \
                     AND {due} ORDER BY started_at, id LIMIT $3) {returning}",
                    pending("json_extract(document, '$.has_audio') = 1")
                );
                sqlx::query_as::<_, RecordingToArchive>(&sql)
                    .bind(now)
                    .bind(now + CLAIM_MS)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                let sql = format!(
                    "UPDATE calls SET recording_archive_after = $2 WHERE id IN (SELECT id FROM calls WHERE {} \
                     AND {due} ORDER BY started_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) {returning}",
                    pending("(document::json ->> 'has_audio') = 'true'")
                );
                sqlx::query_as::<_, RecordingToArchive>(&sql)
                    .bind(now)
                    .bind(now + CLAIM_MS)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows)
    }

    /// Records where a call's recording was archived; `false` when the call is gone or retention
    /// deleted its contents meanwhile (the caller then deletes the copy it made).
    #[tracing::instrument(skip(self))]
    pub async fn record_recording_archived(&self, id: i64, key: &str) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE calls SET recording_key = $1, recording_archive_error = NULL, recording_archive_after = NULL \
             WHERE id = $2 AND contents_purged_at IS NULL")
            .bind(key).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records a failed download: one attempt more, its error, and not again before `retry_at`.
    #[tracing::instrument(skip(self))]
    pub async fn record_archive_failure(&self, id: i64, error: &str, retry_at: Millis) -> StoreResult<()> {
        let error: String = error.chars().take(ERROR_MAX_CHARS).collect();
        on_pool!(self, pool => sqlx::query(
            "UPDATE calls SET recording_archive_attempts = recording_archive_attempts + 1, \
             recording_archive_error = $1, recording_archive_after = $2 WHERE id = $3")
            .bind(&error).bind(retry_at).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A call's failed downloads so far and the last one's error.
    #[tracing::instrument(skip(self))]
    pub async fn recording_archive_failures(&self, id: i64) -> StoreResult<Option<(i64, Option<String>)>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, (i64, Option<String>)>(
            "SELECT recording_archive_attempts, recording_archive_error FROM calls WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
