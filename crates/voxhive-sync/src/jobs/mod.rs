//! Background jobs: imports, bulk pushes and call syncs queued in the database and run by a
//! [`JobRunner`] in every server instance, with progress the pages and the API read back.

mod runner;
mod work;

use serde::{Deserialize, Serialize};
use voxhive_store::Store;

pub use runner::{JobRunner, POLL_CALLS_EVERY};
pub use work::{PushFailure, PushReport};

use crate::SyncError;

/// What a job does, stored as its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Import a connection's assistants: all, or those in `remote_ids`.
    ImportAssistants {
        connection_id: i64,
        remote_ids: Option<Vec<String>>,
        user_id: Option<i64>,
    },
    /// Push the given assistants, each guarded.
    PushAssistants {
        assistant_ids: Vec<i64>,
        user_id: Option<i64>,
    },
    /// Poll a connection's calls: incrementally, or the whole history when `backfill`.
    SyncCalls { connection_id: i64, backfill: bool },
}

/// Queues `spec` in `workspace_id`; returns the job id. Wake a runner to start it at once.
pub async fn enqueue(store: &Store, workspace_id: i64, spec: &JobSpec) -> Result<i64, SyncError> {
    let (kind, payload) = spec.stored();
    Ok(store.enqueue_job(workspace_id, &kind, &payload).await?)
}

/// Queues a call sync of `connection_id` unless one is already queued or running for it (on any
/// instance); returns the new job's id, or `None` when one was pending.
pub async fn enqueue_call_sync(
    store: &Store,
    workspace_id: i64,
    connection_id: i64,
    backfill: bool,
) -> Result<Option<i64>, SyncError> {
    let (kind, payload) = JobSpec::SyncCalls {
        connection_id,
        backfill,
    }
    .stored();
    Ok(store
        .enqueue_job_unless_pending(workspace_id, &kind, &payload, &call_sync_key(connection_id))
        .await?)
}

/// Starts a call sync of `connection_id`, or finds the one already queued or running; its job id.
pub async fn start_call_sync(
    store: &Store,
    workspace_id: i64,
    connection_id: i64,
    backfill: bool,
) -> Result<i64, SyncError> {
    // A pending sync can finish between the two steps; a few rounds settle it.
    for _ in 0..3 {
        if let Some(id) = enqueue_call_sync(store, workspace_id, connection_id, backfill).await? {
            return Ok(id);
        }
        if let Some(id) = store.pending_job(&call_sync_key(connection_id)).await? {
            return Ok(id);
        }
    }
    Err(SyncError::Connection(
        "the call sync could not be queued: try again".into(),
    ))
}

/// The key that keeps one call sync per connection pending at a time.
fn call_sync_key(connection_id: i64) -> String {
    format!("sync_calls:{connection_id}")
}

impl JobSpec {
    /// Whether running the job again after an interrupted attempt does no harm and reports the
    /// same: imports and call polls only read the provider and store what they read. A bulk push
    /// is not: an assistant created at the provider before the interruption would be created
    /// twice, and the second report would count as unchanged what the first attempt pushed.
    pub(crate) fn is_repeatable(&self) -> bool {
        !matches!(self, JobSpec::PushAssistants { .. })
    }

    /// The `kind` column and the payload: the kind is the variant's serde tag, so the two can
    /// never disagree.
    fn stored(&self) -> (String, serde_json::Value) {
        let payload = serde_json::to_value(self).expect("a job spec serializes");
        let kind = payload["kind"]
            .as_str()
            .expect("a job spec is tagged by kind")
            .to_owned();
        (kind, payload)
    }
}
