//! The job queue: work that outlives a request (imports, bulk pushes), claimed by one worker at a
//! time with a lease, so several instances on one PostgreSQL share the queue and no job runs twice.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Engine, Store, StoreResult};

/// How many times a job is started (again when its worker vanished, or when the database
/// stopped an attempt) before it counts as failed.
pub const MAX_ATTEMPTS: i64 = 3;

/// One job as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub workspace_id: Option<i64>,
    pub kind: String,
    /// The job's input, a JSON object.
    pub payload: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub progress: i64,
    pub total: Option<i64>,
    pub attempts: i64,
    pub error: Option<String>,
    /// What the job produced, a JSON object, once done.
    pub result: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Job {
    /// Whether the job has stopped for good.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "done" | "failed" | "cancelled")
    }
}

/// A connection the poll schedule looks at.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PollTarget {
    pub workspace_id: i64,
    pub connection_id: i64,
    /// When its calls were last polled; `None` before the first poll.
    pub last_poll_at: Option<Millis>,
    /// The backfill's status (`pending`, `running`, `done`, `failed`); `None` before the first poll.
    pub backfill_status: Option<String>,
}

const COLUMNS: &str =
    "id, workspace_id, kind, payload, status, progress, total, attempts, error, result, created_at, updated_at";

impl Store {
    /// Queues a job to run now; returns its id.
    pub async fn enqueue_job(&self, workspace_id: i64, kind: &str, payload: &serde_json::Value) -> StoreResult<i64> {
        let now = now_ms();
        let id = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO jobs (workspace_id, kind, payload, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4, $4) RETURNING id")
            .bind(workspace_id).bind(kind).bind(payload.to_string()).bind(now)
            .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Queues a job unless one with the same `dedupe_key` is queued or running; returns the new
    /// job's id, or `None` when one was pending. A partial unique index decides, so concurrent
    /// callers (several instances on one PostgreSQL) queue one job between them.
    pub async fn enqueue_job_unless_pending(
        &self,
        workspace_id: i64,
        kind: &str,
        payload: &serde_json::Value,
        dedupe_key: &str,
    ) -> StoreResult<Option<i64>> {
        let now = now_ms();
        let id = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO jobs (workspace_id, kind, payload, run_at, created_at, updated_at, dedupe_key) \
             VALUES ($1, $2, $3, $4, $4, $4, $5) ON CONFLICT (dedupe_key) \
             WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING RETURNING id")
            .bind(workspace_id).bind(kind).bind(payload.to_string()).bind(now).bind(dedupe_key)
            .fetch_optional(pool).await)?;
        Ok(id)
    }

    /// The queued or running job with `dedupe_key`, if any.
    pub async fn pending_job(&self, dedupe_key: &str) -> StoreResult<Option<i64>> {
        let id = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running') ORDER BY id LIMIT 1")
            .bind(dedupe_key).fetch_optional(pool).await)?;
        Ok(id)
    }

    /// Every connection with where its call polling stands, for the poll schedule.
    pub async fn connections_to_poll(&self) -> StoreResult<Vec<PollTarget>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, PollTarget>(
            "SELECT c.workspace_id, c.id AS connection_id, s.last_poll_at, s.backfill_status FROM connections c \
             LEFT JOIN call_sync_state s ON s.connection_id = c.id ORDER BY c.id")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Takes the oldest runnable job for `worker` until `lease_ms` from now: a queued one, or a
    /// running one whose worker let its lease lapse. Jobs that lapsed too often are failed instead.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> StoreResult<Option<Job>> {
        let now = now_ms();
        // A read first: the runner asks every second, and on SQLite a write would queue behind
        // (and hold up) the single writer even when there is nothing to take.
        let runnable: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
             OR (status = 'running' AND locked_until < $1) LIMIT 1")
            .bind(now).fetch_optional(pool).await)?;
        if runnable.is_none() {
            return Ok(None);
        }
        on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET status = 'failed', error = 'the worker running it stopped too often', \
             locked_by = NULL, updated_at = $1 \
             WHERE status = 'running' AND locked_until < $1 AND attempts >= $2")
            .bind(now).bind(MAX_ATTEMPTS).execute(pool).await.map(|r| r.rows_affected()))?;
        let pick = "SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $3) \
                    OR (status = 'running' AND locked_until < $3) ORDER BY run_at, id LIMIT 1";
        let sql = |lock: &str| {
            format!(
                "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
                 attempts = attempts + 1, updated_at = $3 WHERE id = ({pick}{lock}) RETURNING {COLUMNS}"
            )
        };
        let lock = match self.engine() {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = sql(lock);
        let job = on_pool!(self, pool => sqlx::query_as::<_, Job>(&sql)
            .bind(worker).bind(now + lease_ms).bind(now)
            .fetch_optional(pool).await)?;
        Ok(job)
    }

    /// Records progress and renews the lease; false when `worker` no longer holds the job.
    pub async fn job_progress(
        &self,
        id: i64,
        worker: &str,
        progress: i64,
        total: Option<i64>,
        lease_ms: i64,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let rows = on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET progress = $1, total = COALESCE($2, total), locked_until = $3, updated_at = $4 \
             WHERE id = $5 AND locked_by = $6 AND status = 'running'")
            .bind(progress).bind(total).bind(now + lease_ms).bind(now).bind(id).bind(worker)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// Ends a job `worker` holds: done with its result, or failed with the reason.
    pub async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: Result<&serde_json::Value, &str>,
    ) -> StoreResult<bool> {
        let (status, result, error) = match outcome {
            Ok(result) => ("done", Some(result.to_string()), None),
            Err(reason) => ("failed", None, Some(reason)),
        };
        let rows = on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET status = $1, result = $2, error = $3, locked_by = NULL, locked_until = NULL, \
             updated_at = $4 WHERE id = $5 AND locked_by = $6 AND status = 'running'")
            .bind(status).bind(result).bind(error).bind(now_ms()).bind(id).bind(worker)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// Puts a job `worker` holds back in the queue to run again in `delay_ms`, noting why its
    /// attempt stopped; false when `worker` no longer holds it. The attempt counts towards
    /// [`MAX_ATTEMPTS`].
    pub async fn retry_job(&self, id: i64, worker: &str, reason: &str, delay_ms: i64) -> StoreResult<bool> {
        let now = now_ms();
        let rows = on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET status = 'queued', error = $1, run_at = $2, locked_by = NULL, locked_until = NULL, \
             updated_at = $3 WHERE id = $4 AND locked_by = $5 AND status = 'running'")
            .bind(reason).bind(now + delay_ms).bind(now).bind(id).bind(worker)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// A job of a workspace.
    pub async fn job(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Job>> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND workspace_id = $2");
        let job = on_pool!(self, pool => sqlx::query_as::<_, Job>(&sql)
            .bind(id).bind(workspace_id).fetch_optional(pool).await)?;
        Ok(job)
    }
}
