//! The recording archive against the simulator: every recording of a backfill is copied once,
//! byte for byte; failed downloads are recorded and retried after their backoff; retention
//! deletes the copies (through the job runner's housekeeping).

#[allow(dead_code)] // Shared by every test crate.
mod support;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use voxhive_core::crypto::MasterKey;
use voxhive_core::time::now_ms;
use voxhive_providers::ProviderKind;
use voxhive_sim::{FaultMix, Faults, SimHandle};
use voxhive_store::{Call, CallFilter, CallSort, Connection, Store, WorkspaceSettings};
use voxhive_sync::archive::{archive_recordings, Archive, ArchiveReport};
use voxhive_sync::{connection_client, sync_calls, JobRunner};

struct World {
    store: Store,
    sim: SimHandle,
    master_key: Arc<MasterKey>,
    archive: Archive,
    dir: tempfile::TempDir,
}

/// A store with a Vapi and an ElevenLabs connection to the simulator, their calls backfilled,
/// and an empty archive in a temporary directory.
async fn world(prefix: &str) -> (World, Connection, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), prefix).await;
    let sim = support::start_sim(1, 16).await;
    let master_key = Arc::new(MasterKey::generate());
    let vapi_key = master_key.seal(&sim.vapi_keys()[0]);
    let vapi = support::sim_connection(&store, &sim, ProviderKind::Vapi, "Vapi", &vapi_key).await;
    let eleven_key = master_key.seal(&sim.elevenlabs_keys()[0]);
    let eleven = support::sim_connection(&store, &sim, ProviderKind::ElevenLabs, "Eleven", &eleven_key).await;
    for connection in [&vapi, &eleven] {
        let client = connection_client(&master_key, connection).unwrap();
        sync_calls(&store, client.as_ref(), connection, true, &|_, _| {})
            .await
            .unwrap();
    }
    let archive = Archive::local(&dir.path().join("recordings")).unwrap();
    let w = World {
        store,
        sim,
        master_key,
        archive,
        dir,
    };
    (w, vapi, eleven)
}

impl World {
    async fn calls(&self) -> Vec<Call> {
        let page = self
            .store
            .calls(1, &CallFilter::default(), CallSort::Newest, None, 1000)
            .await
            .unwrap();
        let mut calls = Vec::new();
        for row in page.rows {
            calls.push(self.store.call(1, row.id).await.unwrap().unwrap());
        }
        calls
    }

    /// The stored calls whose recording is there to archive.
    async fn recorded(&self) -> Vec<Call> {
        let has_audio = |c: &Call| serde_json::from_str::<serde_json::Value>(&c.document).unwrap()["has_audio"] == true;
        let mut calls = self.calls().await;
        calls
            .retain(|c| matches!(c.status.as_str(), "ended" | "failed") && (c.recording_url.is_some() || has_audio(c)));
        calls
    }

    async fn pass(&self, now: i64) -> ArchiveReport {
        archive_recordings(&self.store, &self.master_key, &self.archive, now)
            .await
            .unwrap()
    }

    /// The recording as the simulator serves it.
    async fn sim_bytes(&self, call: &Call, eleven: &Connection) -> Vec<u8> {
        match &call.recording_url {
            Some(url) => reqwest::get(url).await.unwrap().bytes().await.unwrap().to_vec(),
            None => {
                let client = connection_client(&self.master_key, eleven).unwrap();
                client.call_audio(&call.remote_id, None).await.unwrap().bytes.to_vec()
            }
        }
    }

    /// Deletes a Vapi call at the simulator, as the provider's retention would.
    async fn delete_at_sim(&self, remote_id: &str) {
        let res = reqwest::Client::new()
            .delete(format!("{}/call/{remote_id}", self.sim.base_url()))
            .bearer_auth(&self.sim.vapi_keys()[0])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
}

#[tokio::test]
async fn every_recording_is_archived_once_with_the_simulators_bytes() {
    let (w, vapi, eleven) = world("vh_archive_all").await;
    let recorded = w.recorded().await;
    let providers: Vec<&str> = recorded.iter().map(|c| c.provider.as_str()).collect();
    assert!(
        providers.contains(&"vapi") && providers.contains(&"elevenlabs"),
        "{providers:?}"
    );

    let report = w.pass(now_ms()).await;
    assert_eq!(
        report,
        ArchiveReport {
            archived: recorded.len(),
            failed: 0
        }
    );
    for call in &recorded {
        let stored = w.store.call(1, call.id).await.unwrap().unwrap();
        let key = stored.recording_key.expect("the call's recording is archived");
        let connection = if call.provider == "vapi" { vapi.id } else { eleven.id };
        assert_eq!(key, format!("{connection}/{}.mp3", call.remote_id));
        let file = std::fs::read(w.dir.path().join("recordings").join(&key)).unwrap();
        assert!(file.len() > 1000, "{key} holds the whole recording");
        assert_eq!(
            file,
            w.sim_bytes(call, &eleven).await,
            "{key} differs from the simulator's"
        );
    }
    // Calls without a recording are left as they are.
    let without = w
        .calls()
        .await
        .into_iter()
        .filter(|c| !recorded.iter().any(|r| r.id == c.id));
    assert!(without.into_iter().all(|c| c.recording_key.is_none()));

    // Nothing is downloaded twice, even long after.
    assert_eq!(w.pass(now_ms() + 86_400_000).await, ArchiveReport::default());
}

#[tokio::test]
async fn a_failed_download_is_recorded_and_retried_after_its_backoff() {
    let (w, _vapi, _eleven) = world("vh_archive_retry").await;
    let recorded = w.recorded().await;
    let gone = recorded.iter().find(|c| c.provider == "vapi").unwrap();
    w.delete_at_sim(&gone.remote_id).await;
    let conversations = recorded.iter().filter(|c| c.provider == "elevenlabs").count();
    w.sim.set_faults(Faults {
        error_rate: 1.0,
        mix: FaultMix {
            rate_limited: 0,
            server_error: 1,
            unavailable: 0,
            reset: 0,
            timeout: 0,
        },
        ..Faults::default()
    });

    let now = now_ms();
    let report = w.pass(now).await;
    assert_eq!(report.failed, 1 + conversations, "{report:?}");
    assert_eq!(report.archived, recorded.len() - 1 - conversations);
    let (attempts, error) = w.store.recording_archive_failures(gone.id).await.unwrap().unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("404"), "the error says what the URL answered");
    let conversation = recorded.iter().find(|c| c.provider == "elevenlabs").unwrap();
    let (_, error) = w
        .store
        .recording_archive_failures(conversation.id)
        .await
        .unwrap()
        .unwrap();
    assert!(error.unwrap().contains("HTTP 500"));

    // Not before the backoff (a minute); then the provider answers again and only the call it
    // deleted still fails.
    w.sim.set_faults(Faults::default());
    assert_eq!(w.pass(now + 30_000).await, ArchiveReport::default());
    let report = w.pass(now + 61_000).await;
    assert_eq!(
        report,
        ArchiveReport {
            archived: conversations,
            failed: 1
        }
    );
    assert_eq!(w.store.recording_archive_failures(gone.id).await.unwrap().unwrap().0, 2);
    assert!(w.store.call(1, gone.id).await.unwrap().unwrap().recording_key.is_none());
    // The second wait is four minutes.
    assert_eq!(w.pass(now + 61_000 + 239_000).await, ArchiveReport::default());
    assert_eq!(w.pass(now + 61_000 + 241_000).await.failed, 1);
}

#[tokio::test]
async fn retention_deletes_the_archived_recordings_of_the_calls_it_empties() {
    let (w, _vapi, _eleven) = world("vh_archive_retention").await;
    let report = w.pass(now_ms()).await;
    assert!(report.archived > 0);
    let files = || -> usize {
        let root = w.dir.path().join("recordings");
        std::fs::read_dir(&root)
            .unwrap()
            .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
            .sum()
    };
    assert_eq!(files(), report.archived);
    // Keep one day: the simulator's calls span a week.
    w.store
        .set_workspace_settings(
            1,
            &WorkspaceSettings {
                alert_webhook_url: None,
                retention_days: Some(1),
            },
        )
        .await
        .unwrap();
    let expected = w
        .recorded()
        .await
        .into_iter()
        .filter(|c| c.started_at >= now_ms() - 86_400_000)
        .count();
    assert!(expected < report.archived, "some recordings are older than a day");

    let wake = Arc::new(Notify::new());
    let runner = JobRunner::new(w.store.clone(), w.master_key.clone(), wake).with_archive(Some(w.archive.clone()));
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    for _ in 0..200 {
        if files() <= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
    running.await.unwrap();
    assert_eq!(files(), expected, "only the recordings retention kept are left");
    let cutoff = now_ms() - 86_400_000;
    for call in w.calls().await {
        match call.recording_key {
            Some(key) => assert!(w.dir.path().join("recordings").join(key).is_file()),
            None => assert!(call.started_at < cutoff + 60_000 || call.recording_url.is_none()),
        }
    }
}
