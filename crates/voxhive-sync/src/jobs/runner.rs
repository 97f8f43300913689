//! The job runner: claims queued jobs from the database, runs a few at once, keeps their leases
//! alive and writes their progress, until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify, Semaphore};
use voxhive_core::crypto::MasterKey;
use voxhive_store::{Job, Store};

use super::work::execute;
use crate::SyncError;

/// How long a claimed job stays with its worker without a sign of life.
const LEASE_MS: i64 = 60_000;
/// How often progress is looked at (and written when it moved).
const TICK: Duration = Duration::from_millis(200);
/// How often the lease is renewed when progress stands still.
const RENEW: Duration = Duration::from_secs(10);
/// How often the queue is looked at without a wake-up (jobs queued by other instances).
const POLL: Duration = Duration::from_secs(1);
/// Jobs run at once by one instance.
const CONCURRENCY: usize = 4;

/// Runs the queue's jobs in this process.
#[derive(Clone)]
pub struct JobRunner {
    store: Store,
    master_key: Arc<MasterKey>,
    worker: Arc<str>,
    wake: Arc<Notify>,
}

impl JobRunner {
    /// A runner that also starts looking at the queue whenever `wake` is notified.
    pub fn new(store: Store, master_key: Arc<MasterKey>, wake: Arc<Notify>) -> Self {
        let worker = format!("{}-{}", std::process::id(), voxhive_core::secret::random_token(6));
        Self {
            store,
            master_key,
            worker: worker.into(),
            wake,
        }
    }

    /// Claims and runs jobs until `shutdown` completes; running jobs are then abandoned to their
    /// lease, so another instance (or the next start) takes them over.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        loop {
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                match self.store.claim_job(&self.worker, LEASE_MS).await {
                    Ok(Some(job)) => {
                        let runner = self.clone();
                        tokio::spawn(async move {
                            runner.run_one(job).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot claim a job");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    async fn run_one(&self, job: Job) {
        tracing::info!(job_id = job.id, kind = %job.kind, attempt = job.attempts, "job started");
        let (progress, mut seen) = watch::channel((0, None));
        // The job runs in its own task: progress is written beside it, never while the job's
        // own database transaction waits (SQLite has one writer).
        let (store, master_key, claimed) = (self.store.clone(), self.master_key.clone(), job.clone());
        let mut work = tokio::spawn(async move { execute(&store, &master_key, &claimed, &progress).await });
        let mut tick = tokio::time::interval(TICK);
        let mut written = tokio::time::Instant::now();
        let outcome = loop {
            tokio::select! {
                joined = &mut work => break joined.unwrap_or_else(|e| Err(SyncError::Connection(format!("the job stopped unexpectedly: {e}")))),
                _ = tick.tick() => {
                    if seen.has_changed().unwrap_or(false) || written.elapsed() >= RENEW {
                        let (done, total) = *seen.borrow_and_update();
                        self.write_progress(job.id, done, total).await;
                        written = tokio::time::Instant::now();
                    }
                }
            }
        };
        let (done, total) = *seen.borrow();
        self.write_progress(job.id, done, total).await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        let result = match &outcome {
            Ok(value) => Ok(value),
            Err(_) => Err(error.as_deref().unwrap_or_default()),
        };
        match self.store.finish_job(job.id, &self.worker, result).await {
            Ok(true) => tracing::info!(job_id = job.id, error, "job finished"),
            Ok(false) => tracing::warn!(job_id = job.id, "job finished after its lease passed to another worker"),
            Err(err) => tracing::warn!(job_id = job.id, error = %err, "cannot record a finished job"),
        }
    }

    async fn write_progress(&self, id: i64, done: usize, total: Option<usize>) {
        let total = total.map(|t| t as i64);
        if let Err(err) = self
            .store
            .job_progress(id, &self.worker, done as i64, total, LEASE_MS)
            .await
        {
            tracing::warn!(job_id = id, error = %err, "cannot record job progress");
        }
    }
}
