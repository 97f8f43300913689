//! The job runner: claims queued jobs from the database, runs a few at once, keeps their leases
//! alive and writes their progress, until shutdown. Beside the jobs it processes the webhook
//! event log whenever woken, queues a call poll of every connection on a schedule, archives
//! call recordings every half minute, and once a minute checks budgets (sending their alerts)
//! and applies retention (deleting the archived recordings of the calls it empties) and prunes
//! the webhook event log.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify, Semaphore};
use voxhive_core::crypto::MasterKey;
use voxhive_store::{Job, Store, MAX_ATTEMPTS};

use super::enqueue_call_sync;
use super::work::{execute, is_repeatable};
use crate::archive::{archive_recordings, Archive};
use crate::{process_webhook_events, SyncError};

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
/// How often every connection's calls are polled (a poll is queued when the last one is older).
pub const POLL_CALLS_EVERY: Duration = Duration::from_secs(5 * 60);

/// How long finished webhook events (processed, rejected, failed) stay in the log; the calls
/// they carried stay for good.
const WEBHOOK_EVENTS_KEPT: Duration = Duration::from_secs(30 * 86_400);
/// How often budgets are checked and retention applied.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

/// The pause before a job stopped by a transient database error runs again, times its attempts.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// How often recordings not yet archived are looked for.
const ARCHIVE_EVERY: Duration = Duration::from_secs(30);

/// Runs the queue's jobs in this process.
#[derive(Clone)]
pub struct JobRunner {
    store: Store,
    master_key: Arc<MasterKey>,
    worker: Arc<str>,
    wake: Arc<Notify>,
    /// Whether this instance is processing webhook events (one pass at a time).
    events_busy: Arc<AtomicBool>,
    /// Whether this instance is checking budgets and retention (one pass at a time).
    housekeeping_busy: Arc<AtomicBool>,
    /// Where call recordings are archived; without one, they are not.
    archive: Option<Archive>,
    /// Whether this instance is archiving recordings (one pass at a time).
    archive_busy: Arc<AtomicBool>,
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
            events_busy: Arc::new(AtomicBool::new(false)),
            housekeeping_busy: Arc::new(AtomicBool::new(false)),
            archive: None,
            archive_busy: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The runner, archiving call recordings into `archive` (and deleting those retention
    /// empties); `None` leaves recordings with the providers.
    pub fn with_archive(self, archive: Option<Archive>) -> Self {
        Self { archive, ..self }
    }

    /// Claims and runs jobs until `shutdown` completes; running jobs are then abandoned to their
    /// lease, so another instance (or the next start) takes them over.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        let mut schedule = tokio::time::interval(POLL_CALLS_EVERY);
        schedule.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING_EVERY);
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut archiving = tokio::time::interval(ARCHIVE_EVERY);
        archiving.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.process_events();
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
                _ = schedule.tick() => self.schedule_call_polls().await,
                _ = housekeeping.tick() => self.housekeeping(),
                _ = archiving.tick() => self.archive_recordings(),
            }
        }
    }

    /// Processes the webhook event log in its own task, unless a pass is already running, so it
    /// never holds up the jobs.
    fn process_events(&self) {
        if self.events_busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let (store, busy) = (self.store.clone(), self.events_busy.clone());
        tokio::spawn(async move {
            match process_webhook_events(&store).await {
                Ok(report) if report != Default::default() => tracing::info!(?report, "webhook events processed"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot process webhook events"),
            }
            busy.store(false, Ordering::Release);
        });
    }

    /// Checks budgets (alerting once per threshold and month, whichever instance gets there
    /// first) and applies retention, in its own task.
    fn housekeeping(&self) {
        if self.housekeeping_busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let (store, busy, archive) = (self.store.clone(), self.housekeeping_busy.clone(), self.archive.clone());
        tokio::spawn(async move {
            let now = jiff::Timestamp::now();
            match crate::budgets::check_budgets(&store, now).await {
                Ok(0) => {}
                Ok(alerts) => tracing::info!(alerts, "budget alerts recorded"),
                Err(err) => tracing::warn!(error = %err, "cannot check budgets"),
            }
            match crate::retention::apply_retention(&store, now).await {
                Ok(purged) if purged.is_empty() => {}
                Ok(purged) => {
                    tracing::info!(calls = purged.len(), "retention deleted call contents");
                    if let Some(archive) = &archive {
                        archive.delete_purged(&purged).await;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot apply retention"),
            }
            let before = now.as_millisecond() - WEBHOOK_EVENTS_KEPT.as_millis() as i64;
            match store.prune_webhook_events(before).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "old webhook events deleted"),
                Err(err) => tracing::warn!(error = %err, "cannot prune webhook events"),
            }
            busy.store(false, Ordering::Release);
        });
    }

    /// Archives the recordings due in its own task, unless a pass is already running.
    fn archive_recordings(&self) {
        let Some(archive) = self.archive.clone() else {
            return;
        };
        if self.archive_busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let (store, master_key, busy) = (self.store.clone(), self.master_key.clone(), self.archive_busy.clone());
        tokio::spawn(async move {
            let now = voxhive_core::time::now_ms();
            match archive_recordings(&store, &master_key, &archive, now).await {
                Ok(report) if report == Default::default() => {}
                Ok(report) => tracing::info!(?report, "recordings archived"),
                Err(err) => tracing::warn!(error = %err, "cannot archive recordings"),
            }
            busy.store(false, Ordering::Release);
        });
    }

    /// Queues a call poll (a backfill until one has finished) of each connection not polled
    /// within [`POLL_CALLS_EVERY`] and with none queued or running.
    async fn schedule_call_polls(&self) {
        let targets = match self.store.connections_to_poll().await {
            Ok(targets) => targets,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the connections to poll");
                return;
            }
        };
        let due_before = voxhive_core::time::now_ms() - POLL_CALLS_EVERY.as_millis() as i64;
        for t in targets
            .into_iter()
            .filter(|t| t.last_poll_at.is_none_or(|at| at <= due_before))
        {
            let backfill = t.backfill_status.as_deref() != Some("done");
            match enqueue_call_sync(&self.store, t.workspace_id, t.connection_id, backfill).await {
                Ok(Some(job_id)) => tracing::debug!(job_id, connection_id = t.connection_id, "call poll queued"),
                Ok(None) => {}
                Err(err) => tracing::warn!(connection_id = t.connection_id, error = %err, "cannot queue a call poll"),
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
        if let Err(err) = &outcome {
            if err.is_transient() && job.attempts < MAX_ATTEMPTS && is_repeatable(&job) {
                self.retry_later(&job, err).await;
                return;
            }
        }
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

    /// Queues a repeatable job stopped by a transient database error to run again after a pause
    /// that grows with its attempts.
    async fn retry_later(&self, job: &Job, err: &SyncError) {
        let delay = RETRY_AFTER * job.attempts.max(1) as u32;
        tracing::warn!(job_id = job.id, error = %err, retry_in = ?delay, "job stopped by the database; trying again");
        match self
            .store
            .retry_job(job.id, &self.worker, &err.to_string(), delay.as_millis() as i64)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(job_id = job.id, "job stopped after its lease passed to another worker"),
            // Its lease lapses, and the job is taken again then.
            Err(err) => tracing::warn!(job_id = job.id, error = %err, "cannot queue a job again"),
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
