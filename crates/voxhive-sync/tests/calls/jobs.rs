//! Call syncs as background jobs: the schedule, results, failures, linking after an import, and
//! one pending sync per connection however many enqueue it.

use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use voxhive_providers::ProviderKind;
use voxhive_store::{Job, Store};
use voxhive_sync::{enqueue, enqueue_call_sync, sync_calls, JobRunner, JobSpec};

use crate::world::{world, World};

/// Starts a job runner; it stops when the returned sender is dropped.
fn start_runner(w: &World) -> (std::sync::Arc<Notify>, oneshot::Sender<()>) {
    let wake = std::sync::Arc::new(Notify::new());
    let runner = JobRunner::new(w.store.clone(), w.master_key.clone(), wake.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    (wake, stop)
}

async fn finished(store: &Store, id: i64) -> Job {
    for _ in 0..600 {
        let job = store.job(1, id).await.unwrap().unwrap();
        if job.is_finished() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish within 30 s");
}

#[tokio::test]
async fn the_schedule_backfills_a_new_connection_in_the_background() {
    let w = world("vh_calls_job_schedule", 60).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let count = w.sim_calls(ProviderKind::Vapi).await.len();
    let (_wake, _stop) = start_runner(&w);
    let mut state = None;
    for _ in 0..600 {
        state = w.store.call_sync_state(connection.id).await.unwrap();
        if state.as_ref().is_some_and(|s| s.backfill_status == "done") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = state.expect("the connection was polled");
    assert_eq!(state.backfill_status, "done");
    assert_eq!(state.backfill_total, Some(count as i64));
    assert_eq!(w.totals(connection.id).await.calls, count as i64);
}

#[tokio::test]
async fn a_sync_job_reports_what_it_did_and_a_refused_key_fails_it_with_the_providers_message() {
    let w = world("vh_calls_job_result", 30).await;
    let good = w.connect(ProviderKind::ElevenLabs).await;
    let bad = w.connect_with_key(ProviderKind::Vapi, "not-a-key").await;
    let count = w.sim_calls(ProviderKind::ElevenLabs).await.len();
    let (wake, _stop) = start_runner(&w);

    let id = enqueue(
        &w.store,
        1,
        &JobSpec::SyncCalls {
            connection_id: good.id,
            backfill: true,
        },
    )
    .await
    .unwrap();
    wake.notify_one();
    let job = finished(&w.store, id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let result: serde_json::Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["read"], count);
    assert_eq!(
        result["created"].as_u64().unwrap() + result["unchanged"].as_u64().unwrap(),
        count as u64
    );
    assert_eq!(result["connection"], good.label.as_str());
    assert_eq!((job.progress, job.total), (count as i64, Some(count as i64)));

    let id = enqueue(
        &w.store,
        1,
        &JobSpec::SyncCalls {
            connection_id: bad.id,
            backfill: false,
        },
    )
    .await
    .unwrap();
    wake.notify_one();
    let job = finished(&w.store, id).await;
    assert_eq!(job.status, "failed");
    let message = "Vapi refused the API key: check it in the Vapi dashboard, API Keys";
    assert_eq!(job.error.as_deref(), Some(message));
    let state = w.store.call_sync_state(bad.id).await.unwrap().unwrap();
    assert_eq!(state.last_error.as_deref(), Some(message));
}

#[tokio::test]
async fn calls_stored_before_their_assistant_is_imported_are_linked_by_the_import() {
    let w = world("vh_calls_job_link", 30).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let client = w.client(ProviderKind::Vapi);
    let report = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(report.linked, 0, "no assistant is imported yet");
    let docs = w.sim_calls(ProviderKind::Vapi).await;
    let with_assistant = docs.iter().filter(|d| d["assistantId"].is_string()).count();
    assert!(with_assistant > 0);

    let (wake, _stop) = start_runner(&w);
    let spec = JobSpec::ImportAssistants {
        connection_id: connection.id,
        remote_ids: None,
        user_id: None,
    };
    let id = enqueue(&w.store, 1, &spec).await.unwrap();
    wake.notify_one();
    let job = finished(&w.store, id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let result: serde_json::Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["linked_calls"], with_assistant);
    for doc in docs.iter().filter(|d| d["assistantId"].is_string()) {
        let call = w
            .store
            .call_by_remote_id(connection.id, doc["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(call.assistant_id.is_some(), "call {} is linked", call.remote_id);
    }
}

#[tokio::test]
async fn concurrent_enqueues_of_a_call_sync_make_one_job() {
    let w = world("vh_calls_job_dedupe", 0).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let other = w.connect(ProviderKind::ElevenLabs).await;
    let tries: Vec<_> = (0..8)
        .map(|i| {
            let store = w.store.clone();
            let id = connection.id;
            tokio::spawn(async move {
                loop {
                    match enqueue_call_sync(&store, 1, id, i % 2 == 0).await {
                        Ok(queued) => return queued,
                        // SQLite may report a busy database under this much contention: try again.
                        Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                }
            })
        })
        .collect();
    let mut queued = Vec::new();
    for t in tries {
        queued.extend(t.await.unwrap());
    }
    assert_eq!(queued.len(), 1, "one job between them: {queued:?}");
    assert!(
        enqueue_call_sync(&w.store, 1, other.id, false).await.unwrap().is_some(),
        "per connection"
    );

    let job = w.store.claim_job("w", 60_000).await.unwrap().unwrap();
    assert_eq!(job.id, queued[0]);
    assert!(
        enqueue_call_sync(&w.store, 1, connection.id, false)
            .await
            .unwrap()
            .is_none(),
        "running counts as pending"
    );
    w.store
        .finish_job(job.id, "w", Ok(&serde_json::json!({})))
        .await
        .unwrap();
    assert!(
        enqueue_call_sync(&w.store, 1, connection.id, false)
            .await
            .unwrap()
            .is_some(),
        "a finished one does not"
    );
}
