//! Background jobs: imports and bulk pushes queued in the database and run by a [`JobRunner`]
//! in every server instance, with progress the pages and the API read back.

mod runner;
mod work;

use serde::{Deserialize, Serialize};
use voxhive_store::Store;

pub use runner::JobRunner;
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
}

/// Queues `spec` in `workspace_id`; returns the job id. Wake a runner to start it at once.
pub async fn enqueue(store: &Store, workspace_id: i64, spec: &JobSpec) -> Result<i64, SyncError> {
    let payload = serde_json::to_value(spec).expect("a job spec serializes");
    // The `kind` column is the variant's serde tag, so the two can never disagree.
    let kind = payload["kind"]
        .as_str()
        .expect("a job spec is tagged by kind")
        .to_owned();
    Ok(store.enqueue_job(workspace_id, &kind, &payload).await?)
}
