//! Background jobs over the real store (SQLite, or PostgreSQL with VOXHIVE_TEST_DATABASE_URL)
//! and the simulator over real HTTP: imports and bulk pushes queued and run by a JobRunner,
//! claims that never hand a job to two workers, leases that pass a stalled job on.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sqlx::Connection as _;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;
use voxhive_core::crypto::MasterKey;
use voxhive_providers::ProviderKind;
use voxhive_sim::Faults;
use voxhive_store::{Assistant, Connection, Engine, Job, Store, MAX_ATTEMPTS};
use voxhive_sync::{
    connection_client, enqueue, local_document, push, save_local, ImportReport, JobRunner, JobSpec, PushOutcome,
    PushReport, SyncError,
};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const ASSISTANTS: usize = 12;

struct World {
    store: Store,
    /// The database's URL, for a connection of the test's own.
    url: String,
    sim: voxhive_sim::SimHandle,
    connection: Connection,
    master_key: Arc<MasterKey>,
    wake: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

/// A store with a Vapi connection to the simulator (its key sealed as in production) and a
/// running job runner.
async fn world(prefix: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = support::fresh_store_and_url(dir.path(), prefix).await;
    let sim = support::start_sim(ASSISTANTS, 0).await;
    let master_key = Arc::new(MasterKey::generate());
    let connection = support::sim_connection(&store, &sim, ProviderKind::Vapi, "Main", &master_key.seal(KEY)).await;
    let wake = Arc::new(Notify::new());
    let runner = JobRunner::new(store.clone(), master_key.clone(), wake.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    World {
        store,
        url,
        sim,
        connection,
        master_key,
        wake,
        stop: Some(stop),
        _dir: dir,
    }
}

impl World {
    async fn run(&self, spec: JobSpec) -> Job {
        let id = enqueue(&self.store, 1, &spec).await.unwrap();
        self.wake.notify_one();
        wait_for_job(&self.store, id, "to finish", Job::is_finished).await
    }

    /// Saves a local edit of the first assistant setting its first message, makes every provider
    /// request take `latency_ms`, and starts pushing it; returns the assistant as pushed.
    async fn start_slow_push(
        &self,
        first_message: &str,
        latency_ms: u64,
    ) -> (Assistant, JoinHandle<Result<PushOutcome, SyncError>>) {
        let a = self.store.assistants(1, &Default::default()).await.unwrap().remove(0);
        let mut doc = local_document(&self.store, &a).await.unwrap();
        doc["firstMessage"] = json!(first_message);
        save_local(&self.store, &a, &doc, "local", None).await.unwrap();
        let a = self.store.assistant(1, a.id).await.unwrap().unwrap();
        self.sim.set_faults(Faults {
            latency_ms,
            ..Faults::default()
        });
        let client = connection_client(&self.master_key, &self.connection).unwrap();
        let (store, pushed) = (self.store.clone(), a.clone());
        (
            a,
            tokio::spawn(async move { push(&store, client.as_ref(), &pushed).await }),
        )
    }

    async fn import(&self) -> ImportReport {
        let job = self
            .run(JobSpec::ImportAssistants {
                connection_id: self.connection.id,
                remote_ids: None,
                user_id: None,
            })
            .await;
        assert_eq!(job.status, "done", "{:?}", job.error);
        serde_json::from_str(job.result.as_deref().unwrap()).unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[tokio::test]
async fn a_queued_import_runs_in_the_background_with_progress_and_an_audit_entry() {
    let w = world("vh_jobs_import").await;
    let id = enqueue(
        &w.store,
        1,
        &JobSpec::ImportAssistants {
            connection_id: w.connection.id,
            remote_ids: None,
            user_id: None,
        },
    )
    .await
    .unwrap();
    // The runner may take it at once (it also looks at the queue every second).
    let queued = w.store.job(1, id).await.unwrap().unwrap();
    assert!(
        ["queued", "running", "done"].contains(&queued.status.as_str()),
        "{}",
        queued.status
    );
    assert_eq!(
        w.store.job(2, id).await.unwrap().map(|j| j.id),
        None,
        "jobs belong to a workspace"
    );
    w.wake.notify_one();
    let mut job = queued;
    for _ in 0..600 {
        job = w.store.job(1, id).await.unwrap().unwrap();
        if job.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(job.status, "done", "{:?}", job.error);
    assert_eq!((job.progress, job.total), (ASSISTANTS as i64, Some(ASSISTANTS as i64)));
    let report: ImportReport = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!(report.created, ASSISTANTS);
    assert_eq!(
        w.store.assistants(1, &Default::default()).await.unwrap().len(),
        ASSISTANTS
    );
    let audit = w.store.audit_entries(1, 10).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "assistants.import" && e.target == "Main"));

    let again = w.import().await;
    assert_eq!(
        (again.created, again.unchanged),
        (0, ASSISTANTS),
        "importing again changes nothing"
    );
}

#[tokio::test]
async fn a_failing_import_ends_the_job_as_failed_with_the_providers_reason() {
    let w = world("vh_jobs_fail").await;
    w.sim.set_faults(Faults {
        error_rate: 1.0,
        mix: voxhive_sim::FaultMix {
            rate_limited: 0,
            server_error: 0,
            unavailable: 1,
            reset: 0,
            timeout: 0,
        },
        ..Faults::default()
    });
    let job = w
        .run(JobSpec::ImportAssistants {
            connection_id: w.connection.id,
            remote_ids: None,
            user_id: None,
        })
        .await;
    assert_eq!(job.status, "failed");
    let reason = job.error.unwrap();
    assert!(
        reason.to_lowercase().contains("unavailable") || reason.contains("503"),
        "{reason}"
    );
    assert!(w.store.assistants(1, &Default::default()).await.unwrap().is_empty());
}

/// Holds the assistants' table against writers on a connection of its own, so the job's import
/// cannot store what it read: on SQLite a write transaction held past the busy timeout (5 s), on
/// PostgreSQL a table lock, its waiting session then killed as a failover would.
async fn stop_the_import_with_a_database_error(store: &Store, url: &str) {
    let hold = Duration::from_secs(8);
    match store.engine() {
        Engine::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            // The import's first write waits 5 s and fails as busy; its return to the queue
            // waits behind this lock too, and goes through once it is released.
            tokio::time::sleep(hold).await;
            sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("LOCK TABLE assistants IN EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .unwrap();
            let waiting = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                           AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
            let started = std::time::Instant::now();
            let pid: i32 = loop {
                if let Some(pid) = sqlx::query_scalar(waiting).fetch_optional(&mut conn).await.unwrap() {
                    break pid;
                }
                assert!(
                    started.elapsed() < hold,
                    "the import never waited for the assistants' table"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert!(killed, "the waiting session is terminated");
            sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        }
    }
}

#[tokio::test]
async fn an_import_stopped_by_the_database_is_queued_again_and_finishes() {
    let w = world("vh_jobs_retry").await;
    // The provider answers slowly, so the lock is in place before the import has read the list.
    w.sim.set_faults(Faults {
        latency_ms: 800,
        ..Faults::default()
    });
    let spec = JobSpec::ImportAssistants {
        connection_id: w.connection.id,
        remote_ids: None,
        user_id: None,
    };
    let id = enqueue(&w.store, 1, &spec).await.unwrap();
    w.wake.notify_one();
    wait_for_job(&w.store, id, "to start", |job| job.status == "running").await;
    stop_the_import_with_a_database_error(&w.store, &w.url).await;

    let requeued = wait_for_job(&w.store, id, "to be queued again", |job| job.status != "running").await;
    assert_eq!(requeued.status, "queued", "{:?}", requeued.error);
    assert_eq!(requeued.attempts, 1);
    let reason = requeued.error.expect("the queued job says why its attempt stopped");
    assert!(
        ["locked", "busy", "terminat", "connection"]
            .iter()
            .any(|word| reason.to_lowercase().contains(word)),
        "{reason}"
    );

    let done = wait_for_job(&w.store, id, "to finish", Job::is_finished).await;
    assert_eq!(done.status, "done", "{:?}", done.error);
    assert_eq!(done.attempts, 2, "the second attempt finished it");
    assert_eq!(
        done.error, None,
        "the finished job no longer reports the stopped attempt"
    );
    let report: ImportReport = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    assert_eq!(report.created, ASSISTANTS, "{report:?}");
    assert_eq!(
        w.store.assistants(1, &Default::default()).await.unwrap().len(),
        ASSISTANTS
    );
}

/// Polls `probe` every 20 ms until it returns `Some`, failing the test with `what` after 30 s.
async fn wait_until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..1500 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not seen within 30 s: {what}");
}

/// Waits until job `id` is as `wanted` says, and returns it.
async fn wait_for_job(store: &Store, id: i64, what: &str, wanted: impl Fn(&Job) -> bool) -> Job {
    wait_until(&format!("job {id} {what}"), async || {
        Some(store.job(1, id).await.unwrap().unwrap()).filter(&wanted)
    })
    .await
}

#[tokio::test]
async fn a_bulk_push_job_pushes_each_assistant_and_stops_at_a_conflict() {
    let w = world("vh_jobs_push").await;
    w.import().await;
    let assistants = w.store.assistants(1, &Default::default()).await.unwrap();
    let picked = &assistants[..3];
    for (i, a) in picked.iter().enumerate() {
        let mut doc = local_document(&w.store, a).await.unwrap();
        doc["firstMessage"] = json!(format!("Bulk {i}"));
        assert!(save_local(&w.store, a, &doc, "local", None).await.unwrap());
    }
    let conflicted = &picked[2];
    w.sim
        .vapi_edit_assistant(
            KEY,
            conflicted.remote_id.as_deref().unwrap(),
            json!({"firstMessage": "At Vapi"}),
        )
        .unwrap();
    let job = w
        .run(JobSpec::PushAssistants {
            assistant_ids: picked.iter().map(|a| a.id).collect(),
            user_id: None,
        })
        .await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    assert_eq!((job.progress, job.total), (3, Some(3)));
    let report: PushReport = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!(report.pushed, 2);
    assert_eq!(report.conflicts, vec![conflicted.name.clone()]);
    assert!(report.failed.is_empty());
    for (i, a) in picked[..2].iter().enumerate() {
        let remote = w.sim.vapi_assistant(KEY, a.remote_id.as_deref().unwrap()).unwrap();
        assert_eq!(remote["firstMessage"], format!("Bulk {i}"));
    }
    let at_vapi = w
        .sim
        .vapi_assistant(KEY, conflicted.remote_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(at_vapi["firstMessage"], "At Vapi", "a conflict is never overwritten");
    let status = w.store.assistant(1, conflicted.id).await.unwrap().unwrap().sync_status;
    assert_eq!(status, "conflict");
    let pushes = w.store.audit_entries(1, 50).await.unwrap();
    assert_eq!(pushes.iter().filter(|e| e.action == "assistant.push").count(), 3);
}

#[tokio::test]
async fn an_assistant_shows_syncing_while_its_push_is_in_flight() {
    let w = world("vh_jobs_syncing").await;
    w.import().await;
    let (a, pushing) = w.start_slow_push("Slow push", 400).await;
    let id = a.id;
    let mut seen = Vec::new();
    while !pushing.is_finished() {
        let status = w.store.assistant(1, id).await.unwrap().unwrap().sync_status;
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pushing.await.unwrap().unwrap(), PushOutcome::Pushed);
    let after = w.store.assistant(1, id).await.unwrap().unwrap();
    assert!(
        seen.contains(&"syncing".to_string()),
        "statuses seen while pushing: {seen:?}"
    );
    assert_eq!(after.sync_status, "synced");
}

#[tokio::test]
async fn a_save_made_while_a_push_is_in_flight_is_kept_and_shows_as_modified() {
    let w = world("vh_jobs_save_meanwhile").await;
    w.import().await;
    // Each provider request takes 600 ms: the push reads the remote, then writes it.
    let (a, pushing) = w.start_slow_push("Pushed version", 600).await;
    let (id, remote_id) = (a.id, a.remote_id.clone().unwrap());

    // Once the push has taken the document it sends (it shows "syncing"), the user saves again.
    let syncing = wait_until("the assistant syncing", async || {
        Some(w.store.assistant(1, id).await.unwrap().unwrap()).filter(|a| a.sync_status == "syncing")
    })
    .await;
    let mut meanwhile = local_document(&w.store, &syncing).await.unwrap();
    meanwhile["firstMessage"] = json!("Edited during the push");
    assert!(save_local(&w.store, &syncing, &meanwhile, "local", None).await.unwrap());
    assert!(!pushing.is_finished(), "the save was made while the push was in flight");

    assert_eq!(pushing.await.unwrap().unwrap(), PushOutcome::Pushed);
    let remote = w
        .sim
        .vapi_assistants(KEY)
        .into_iter()
        .find(|r| r["id"] == json!(remote_id))
        .unwrap();
    assert_eq!(
        remote["firstMessage"], "Pushed version",
        "the provider has what the push sent"
    );
    let after = w.store.assistant(1, id).await.unwrap().unwrap();
    assert_eq!(
        local_document(&w.store, &after).await.unwrap()["firstMessage"],
        "Edited during the push",
        "the save made meanwhile is the local document"
    );
    assert_eq!(after.sync_status, "modified", "the later save is still to be pushed");
    assert_ne!(after.local_hash, after.base_hash.clone().unwrap());
}

#[tokio::test]
async fn concurrent_workers_never_claim_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_jobs_claims").await;
    let jobs = 40;
    for i in 0..jobs {
        store.enqueue_job(1, "test", &json!({ "n": i })).await.unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            loop {
                match store.claim_job(&format!("worker-{w}"), 60_000).await {
                    Ok(Some(job)) => claimed.push(job.id),
                    Ok(None) => return claimed,
                    // SQLite may report a busy database under this much contention: try again.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        }));
    }
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            *counts.entry(id).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), jobs, "every job was claimed");
    assert!(counts.values().all(|&n| n == 1), "a job was claimed twice: {counts:?}");
}

#[tokio::test]
async fn a_job_whose_worker_stopped_is_taken_over_after_its_lease_and_failed_after_too_many() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_jobs_lease").await;
    let id = store.enqueue_job(1, "test", &json!({})).await.unwrap();
    let first = store.claim_job("a", 1).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempts), (id, 1));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = store.claim_job("b", 1).await.unwrap().unwrap();
    assert_eq!(
        (second.id, second.attempts),
        (id, 2),
        "the lapsed job passes to another worker"
    );
    assert!(
        !store.job_progress(id, "a", 1, Some(2), 60_000).await.unwrap(),
        "the first worker no longer holds it"
    );
    assert!(!store.finish_job(id, "a", Ok(&json!({}))).await.unwrap());
    for attempt in 3..=MAX_ATTEMPTS {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let job = store.claim_job("c", 1).await.unwrap().unwrap();
        assert_eq!(job.attempts, attempt);
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(store.claim_job("d", 60_000).await.unwrap().is_none());
    let failed = store.job(1, id).await.unwrap().unwrap();
    assert_eq!(failed.status, "failed");
    assert!(failed.error.unwrap().contains("stopped"));
}
