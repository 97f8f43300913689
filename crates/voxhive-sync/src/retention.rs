//! Retention: for each workspace with a retention setting, deletes the transcripts and
//! recordings of calls older than it, a batch at a time.

use jiff::Timestamp;
use voxhive_store::{PurgedCall, Store};

use crate::SyncError;

/// Calls purged per transaction.
const BATCH: i64 = 500;
const DAY_MS: i64 = 86_400_000;

/// Applies every workspace's retention as of `now`; returns the calls whose contents were deleted.
pub async fn apply_retention(store: &Store, now: Timestamp) -> Result<Vec<PurgedCall>, SyncError> {
    let mut purged = Vec::new();
    for (workspace_id, days) in store.workspaces_with_retention().await? {
        let before = now.as_millisecond() - days.saturating_mul(DAY_MS);
        loop {
            let batch = store.purge_call_contents(workspace_id, before, BATCH).await?;
            let done = (batch.len() as i64) < BATCH;
            purged.extend(batch);
            if done {
                break;
            }
        }
    }
    Ok(purged)
}
