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

impl JobSpec {
    /// The `kind` column: the variant's tag.
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::ImportAssistants { .. } => "import_assistants",
            JobSpec::PushAssistants { .. } => "push_assistants",
        }
    }
}

/// Queues `spec` in `workspace_id`; returns the job id. Wake a runner to start it at once.
pub async fn enqueue(store: &Store, workspace_id: i64, spec: &JobSpec) -> Result<i64, SyncError> {
    let payload = serde_json::to_value(spec).expect("a job spec serializes");
    Ok(store.enqueue_job(workspace_id, spec.kind(), &payload).await?)
}
