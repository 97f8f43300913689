//! Import against the simulator over real HTTP, on SQLite or (with VOXHIVE_TEST_DATABASE_URL) PostgreSQL.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind};
use voxhive_store::{AssistantFilter, AssistantState, Becomes, Connection, NewRevision, Store};
use voxhive_sync::{import_assistants, ImportReport, SyncError};

struct World {
    store: Store,
    sim: voxhive_sim::SimHandle,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_sync").await;
    let sim = support::start_sim(5, 20).await;
    World { store, sim, _dir: dir }
}

impl World {
    async fn connect(&self, provider: ProviderKind, key: &str) -> (Connection, std::sync::Arc<dyn ProviderClient>) {
        let connection = support::sim_connection(
            &self.store,
            &self.sim,
            provider,
            provider.label(),
            "v1.unused-in-these-tests",
        )
        .await;
        (
            connection,
            build_client(ClientConfig::new(provider, key, Some(self.sim.base_url()))),
        )
    }

    async fn import(&self, connection: &Connection, client: &dyn ProviderClient) -> ImportReport {
        import_assistants(&self.store, client, connection, None, &|_, _| {})
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn importing_brings_every_assistant_once_and_importing_again_changes_nothing() {
    let w = world().await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let (connection, client) = w.connect(ProviderKind::Vapi, key).await;
    let seen = AtomicUsize::new(0);
    let report = import_assistants(&w.store, client.as_ref(), &connection, None, &|done, total| {
        assert!(done <= total);
        seen.store(done, Ordering::SeqCst);
    })
    .await
    .unwrap();
    let remote = w.sim.vapi_assistants(key);
    assert_eq!(report.created, remote.len());
    assert_eq!(seen.load(Ordering::SeqCst), remote.len(), "progress reached the end");

    let again = w.import(&connection, client.as_ref()).await;
    assert_eq!((again.created, again.pulled, again.unchanged), (0, 0, remote.len()));
    let local = w.store.assistants(1, &AssistantFilter::default()).await.unwrap();
    assert_eq!(local.len(), remote.len());
    for a in &local {
        assert_eq!(a.sync_status, "synced");
        assert_eq!(
            w.store.revisions(a.id).await.unwrap().len(),
            1,
            "one import revision, however often imported"
        );
        let stored: serde_json::Value = serde_json::from_str(
            &w.store
                .revision(a.id, a.local_revision_id)
                .await
                .unwrap()
                .unwrap()
                .document,
        )
        .unwrap();
        let original = w.sim.vapi_assistant(key, a.remote_id.as_deref().unwrap()).unwrap();
        assert_eq!(stored, original, "the whole document is kept, every field");
    }
}

#[tokio::test]
async fn a_remote_change_is_pulled_when_nothing_changed_locally_and_a_conflict_when_something_did() {
    let w = world().await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[1];
    let (connection, client) = w.connect(ProviderKind::Vapi, key).await;
    w.import(&connection, client.as_ref()).await;
    let remote = w.sim.vapi_assistants(key);
    let (first, second) = (remote[0]["id"].as_str().unwrap(), remote[1]["id"].as_str().unwrap());

    // A local edit of the second assistant (the edit API arrives with the assistant pages).
    let local = w
        .store
        .assistant_by_remote_id(connection.id, second)
        .await
        .unwrap()
        .unwrap();
    let mut doc = w.sim.vapi_assistant(key, second).unwrap();
    doc["firstMessage"] = json!("Edited in VoxHive");
    let hash = voxhive_core::doc::content_hash("vapi", &doc);
    let mut state = AssistantState::of(&local);
    state.local_hash = hash.clone();
    state.sync_status = "modified".into();
    let revision = NewRevision {
        hash: &hash,
        document: &doc.to_string(),
        source: "local",
        author_id: None,
    };
    w.store
        .save_assistant(
            local.id,
            Some(&revision),
            Becomes {
                local: true,
                ..Becomes::default()
            },
            &state,
        )
        .await
        .unwrap();

    w.sim
        .vapi_edit_assistant(key, first, json!({"name": "Renamed at Vapi"}))
        .unwrap();
    w.sim
        .vapi_edit_assistant(key, second, json!({"firstMessage": "Edited at Vapi"}))
        .unwrap();
    let report = w.import(&connection, client.as_ref()).await;
    assert_eq!((report.pulled, report.conflicts), (1, 1));

    let pulled = w
        .store
        .assistant_by_remote_id(connection.id, first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (pulled.name.as_str(), pulled.sync_status.as_str()),
        ("Renamed at Vapi", "synced")
    );
    assert_eq!(pulled.base_hash.as_deref(), Some(pulled.local_hash.as_str()));
    let sources: Vec<String> = w
        .store
        .revisions(pulled.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.source)
        .collect();
    assert_eq!(sources, ["pull", "import"]);

    let conflicted = w
        .store
        .assistant_by_remote_id(connection.id, second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conflicted.sync_status, "conflict");
    assert_eq!(conflicted.local_hash, hash, "the local edit is kept");
    assert_ne!(conflicted.remote_hash, conflicted.base_hash);
}

#[tokio::test]
async fn an_assistant_deleted_at_the_provider_is_marked_and_keeps_its_history() {
    let w = world().await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let (connection, client) = w.connect(ProviderKind::Vapi, key).await;
    w.import(&connection, client.as_ref()).await;
    let gone = w.sim.vapi_assistants(key)[0]["id"].as_str().unwrap().to_string();
    assert!(w.sim.vapi_delete_assistant(key, &gone));
    let report = w.import(&connection, client.as_ref()).await;
    assert_eq!(report.remote_deleted, 1);
    let local = w
        .store
        .assistant_by_remote_id(connection.id, &gone)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(local.sync_status, "remote_deleted");
    assert_eq!(w.store.revisions(local.id).await.unwrap().len(), 1);
    assert_eq!(
        w.import(&connection, client.as_ref()).await.remote_deleted,
        0,
        "marked once"
    );
}

#[tokio::test]
async fn a_chosen_set_is_imported_alone_and_unknown_ids_are_named() {
    let w = world().await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let (connection, client) = w.connect(ProviderKind::Vapi, key).await;
    let ids: Vec<String> = w
        .sim
        .vapi_assistants(key)
        .iter()
        .take(2)
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let report = import_assistants(&w.store, client.as_ref(), &connection, Some(&ids), &|_, _| {})
        .await
        .unwrap();
    assert_eq!((report.total, report.created), (2, 2));
    let missing = vec!["00000000-0000-4000-8000-000000000000".to_string()];
    let err = import_assistants(&w.store, client.as_ref(), &connection, Some(&missing), &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::UnknownRemoteIds(ref ids) if ids == &missing),
        "{err}"
    );
    assert_eq!(
        w.store.assistants(1, &AssistantFilter::default()).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn elevenlabs_agents_are_imported_as_whole_documents() {
    let w = world().await;
    let key = voxhive_sim::DEFAULT_EL_KEY;
    let (connection, client) = w.connect(ProviderKind::ElevenLabs, key).await;
    let report = w.import(&connection, client.as_ref()).await;
    let agents = w.sim.elevenlabs_agents(key);
    assert_eq!(report.created, agents.len());
    for a in w.store.assistants(1, &AssistantFilter::default()).await.unwrap() {
        let doc: serde_json::Value = serde_json::from_str(
            &w.store
                .revision(a.id, a.local_revision_id)
                .await
                .unwrap()
                .unwrap()
                .document,
        )
        .unwrap();
        assert!(
            doc["conversation_config"].is_object(),
            "the whole agent, not the list summary"
        );
        assert_eq!(a.provider, "elevenlabs");
    }
}
