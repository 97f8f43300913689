//! Background jobs seen from the web: starting one, waiting a little for it, and describing it.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use voxhive_core::time::now_ms;
use voxhive_store::Job;
use voxhive_sync::{CallSyncReport, ImportReport, JobSpec, PushReport};

use crate::error::{AppError, AppResult};
use crate::AppState;

/// How often a waiting request looks at its job.
const WAIT_STEP: Duration = Duration::from_millis(50);

/// Queues a job and wakes this instance's runner; returns its id.
pub async fn start(state: &AppState, workspace_id: i64, spec: &JobSpec) -> AppResult<i64> {
    let id = voxhive_sync::enqueue(&state.store, workspace_id, spec).await?;
    state.job_wake.notify_one();
    Ok(id)
}

/// The job, once finished or after `patience`, whichever comes first.
pub async fn wait(state: &AppState, workspace_id: i64, id: i64, patience: Duration) -> AppResult<Job> {
    let deadline = now_ms() + patience.as_millis() as i64;
    loop {
        let job = state.store.job(workspace_id, id).await?.ok_or(AppError::NotFound)?;
        if job.is_finished() || now_ms() >= deadline {
            return Ok(job);
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
}

/// A job as pages and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: i64,
    /// `import_assistants` or `push_assistants`.
    pub kind: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    /// Items done so far.
    pub progress: i64,
    /// Items in all, once known.
    pub total: Option<i64>,
    /// One sentence on where the job stands, or what it did.
    pub summary: String,
    /// Whether the job has stopped for good.
    pub finished: bool,
    /// Whether it finished with nothing to report as a problem.
    pub succeeded: bool,
    /// What it produced, once done (an import or push report).
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
}

impl JobView {
    pub fn of(job: &Job) -> Self {
        let result: Option<Value> = job.result.as_deref().and_then(|r| serde_json::from_str(r).ok());
        let (summary, clean) = summarize(job, result.as_ref());
        JobView {
            id: job.id,
            kind: job.kind.clone(),
            status: job.status.clone(),
            progress: job.progress,
            total: job.total,
            summary,
            finished: job.is_finished(),
            succeeded: job.status == "done" && clean,
            result,
            error: job.error.clone(),
        }
    }

    /// What the job is doing, as a heading.
    pub fn title(&self) -> &'static str {
        match self.kind.as_str() {
            "import_assistants" => "Importing assistants",
            "push_assistants" => "Pushing assistants",
            "sync_calls" => "Reading calls",
            _ => "Working",
        }
    }
}

/// One sentence on a job, and whether its outcome is free of problems.
fn summarize(job: &Job, result: Option<&Value>) -> (String, bool) {
    match job.status.as_str() {
        "queued" => match &job.error {
            // An attempt the database stopped (see the job runner): the job runs again.
            Some(error) => (
                format!(
                    "Attempt {} was stopped by a database error ({error}); trying again shortly…",
                    job.attempts
                ),
                true,
            ),
            None => ("Waiting to start…".into(), true),
        },
        "running" => match job.total {
            None => ("Reading the provider's list…".into(), true),
            Some(total) => (format!("{} of {total} done…", job.progress), true),
        },
        "failed" => (
            format!("Stopped: {}", job.error.as_deref().unwrap_or("an unknown error")),
            false,
        ),
        "cancelled" => ("Cancelled.".into(), false),
        _ => match (job.kind.as_str(), result) {
            ("import_assistants", Some(result)) => match serde_json::from_value::<ImportReport>(result.clone()) {
                Ok(r) => describe_import(&r, result["connection"].as_str()),
                Err(_) => ("Done.".into(), true),
            },
            ("push_assistants", Some(r)) => match serde_json::from_value::<PushReport>(r.clone()) {
                Ok(r) => describe_push(&r),
                Err(_) => ("Done.".into(), true),
            },
            ("sync_calls", Some(r)) => match serde_json::from_value::<CallSyncReport>(r.clone()) {
                Ok(r) => describe_call_sync(&r),
                Err(_) => ("Done.".into(), true),
            },
            _ => ("Done.".into(), true),
        },
    }
}

fn describe_import(r: &ImportReport, connection: Option<&str>) -> (String, bool) {
    let from = connection.map(|c| format!(" from \"{c}\"")).unwrap_or_default();
    let mut text = format!(
        "Imported{from}: {} new, {} updated from the provider, {} unchanged",
        r.created, r.pulled, r.unchanged
    );
    if r.conflicts > 0 {
        text.push_str(&format!(", {} in conflict", r.conflicts));
    }
    if r.remote_deleted > 0 {
        text.push_str(&format!(", {} deleted at the provider", r.remote_deleted));
    }
    text.push('.');
    if !r.skipped.is_empty() {
        text.push_str(&format!(" Unreadable and skipped: {}.", r.skipped.join("; ")));
    }
    (text, r.conflicts == 0 && r.skipped.is_empty())
}

fn describe_call_sync(r: &CallSyncReport) -> (String, bool) {
    let mut text = format!(
        "Read {} calls: {} new, {} updated, {} unchanged.",
        r.read, r.created, r.updated, r.unchanged
    );
    if r.unreadable > 0 {
        text.push_str(&format!(" {} could not be read (see the server log).", r.unreadable));
    }
    (text, r.unreadable == 0)
}

fn describe_push(r: &PushReport) -> (String, bool) {
    let mut text = format!("Pushed {}, {} already up to date.", r.pushed, r.unchanged);
    if !r.conflicts.is_empty() {
        text.push_str(&format!(" In conflict, not pushed: {}.", r.conflicts.join(", ")));
    }
    if !r.failed.is_empty() {
        let failed: Vec<String> = r.failed.iter().map(|f| format!("{} ({})", f.name, f.message)).collect();
        text.push_str(&format!(" Failed, local revisions kept: {}.", failed.join("; ")));
    }
    (text, r.conflicts.is_empty() && r.failed.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, attempts: i64, error: Option<&str>) -> Job {
        Job {
            id: 7,
            workspace_id: Some(1),
            kind: "import_assistants".into(),
            payload: "{}".into(),
            status: status.into(),
            progress: 0,
            total: None,
            attempts,
            error: error.map(Into::into),
            result: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_queued_job_waits_or_says_which_attempt_the_database_stopped() {
        assert_eq!(JobView::of(&job("queued", 0, None)).summary, "Waiting to start…");
        let retrying = JobView::of(&job("queued", 1, Some("database is locked")));
        assert_eq!(
            retrying.summary,
            "Attempt 1 was stopped by a database error (database is locked); trying again shortly…"
        );
        assert!(!retrying.finished, "the page keeps following it");
        let failed = JobView::of(&job("failed", 3, Some("database is locked")));
        assert_eq!(failed.summary, "Stopped: database is locked");
        assert!(failed.finished && !failed.succeeded);
    }
}
