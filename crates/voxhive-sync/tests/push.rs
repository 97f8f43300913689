//! Local edits, guarded pushes and pulls against the simulator over real HTTP.

mod support;

use serde_json::{json, Value};
use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind};
use voxhive_sim::{FaultMix, Faults};
use voxhive_store::{AssistantState, Becomes, Connection, NewRevision, Store};
use voxhive_sync::{import_assistants, local_document, pull, push, save_local, PullOutcome, PushOutcome, SyncError};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

struct World {
    store: Store,
    sim: voxhive_sim::SimHandle,
    connection: Connection,
    client: std::sync::Arc<dyn ProviderClient>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_push").await;
    let sim = support::start_sim(3, 10).await;
    let connection =
        support::sim_connection(&store, &sim, ProviderKind::Vapi, "Main", "v1.unused-in-these-tests").await;
    let mut client_config = ClientConfig::new(ProviderKind::Vapi, KEY, Some(sim.base_url()));
    client_config.max_retries = 1;
    let client = build_client(client_config);
    import_assistants(&store, client.as_ref(), &connection, None, &|_, _| {})
        .await
        .unwrap();
    World {
        store,
        sim,
        connection,
        client,
        _dir: dir,
    }
}

impl World {
    async fn first(&self) -> voxhive_store::Assistant {
        let id = self.sim.vapi_assistants(KEY)[0]["id"].as_str().unwrap().to_string();
        self.store
            .assistant_by_remote_id(self.connection.id, &id)
            .await
            .unwrap()
            .unwrap()
    }

    async fn edit(&self, change: impl FnOnce(&mut Value)) -> voxhive_store::Assistant {
        let a = self.first().await;
        let mut doc = local_document(&self.store, &a).await.unwrap();
        change(&mut doc);
        assert!(save_local(&self.store, &a, &doc, "local", None).await.unwrap());
        self.first().await
    }
}

#[tokio::test]
async fn a_local_edit_is_pushed_and_changes_nothing_else_at_the_provider() {
    let w = world().await;
    let before = w
        .sim
        .vapi_assistant(KEY, w.first().await.remote_id.as_deref().unwrap())
        .unwrap();
    let edited = w
        .edit(|d| {
            d["firstMessage"] = json!("Hello from VoxHive");
            d["model"]["temperature"] = json!(0.2);
        })
        .await;
    assert_eq!(edited.sync_status, "modified");
    assert_eq!(
        push(&w.store, w.client.as_ref(), &edited).await.unwrap(),
        PushOutcome::Pushed
    );

    let after = w.sim.vapi_assistant(KEY, edited.remote_id.as_deref().unwrap()).unwrap();
    assert_eq!(after["firstMessage"], "Hello from VoxHive");
    assert_eq!(after["model"]["temperature"], 0.2);
    for (key, value) in before.as_object().unwrap() {
        if !["firstMessage", "model", "updatedAt"].contains(&key.as_str()) {
            assert_eq!(&after[key], value, "{key} is untouched");
        }
    }
    let mut model = before["model"].clone();
    model["temperature"] = json!(0.2);
    assert_eq!(
        after["model"], model,
        "the rest of the model object survives the whole-object PATCH"
    );

    let synced = w.first().await;
    assert_eq!(synced.sync_status, "synced");
    assert_eq!(synced.base_hash.as_deref(), Some(synced.local_hash.as_str()));
    let sources: Vec<String> = w
        .store
        .revisions(synced.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.source)
        .collect();
    assert_eq!(sources, ["local", "import"]);
    assert_eq!(
        push(&w.store, w.client.as_ref(), &synced).await.unwrap(),
        PushOutcome::Unchanged
    );
}

#[tokio::test]
async fn a_push_stops_with_a_conflict_when_the_remote_moved_between_two_reads() {
    let w = world().await;
    let edited = w.edit(|d| d["firstMessage"] = json!("Mine")).await;
    // Someone changes the assistant in Vapi's dashboard after VoxHive last read it.
    w.sim
        .vapi_edit_assistant(
            KEY,
            edited.remote_id.as_deref().unwrap(),
            json!({"firstMessage": "Theirs"}),
        )
        .unwrap();
    assert_eq!(
        push(&w.store, w.client.as_ref(), &edited).await.unwrap(),
        PushOutcome::Conflict
    );
    assert_eq!(
        w.sim.vapi_assistant(KEY, edited.remote_id.as_deref().unwrap()).unwrap()["firstMessage"],
        "Theirs",
        "not overwritten"
    );
    let after = w.first().await;
    assert_eq!(after.sync_status, "conflict");
    assert_eq!(
        local_document(&w.store, &after).await.unwrap()["firstMessage"],
        "Mine",
        "the local edit is kept"
    );
}

#[tokio::test]
async fn a_failed_push_keeps_the_local_revision_and_says_why_then_succeeds_later() {
    let w = world().await;
    let edited = w.edit(|d| d["firstMessage"] = json!("Try me")).await;
    let mix = FaultMix {
        rate_limited: 0,
        server_error: 1,
        unavailable: 0,
        reset: 0,
        timeout: 0,
    };
    w.sim.set_faults(Faults {
        error_rate: 1.0,
        mix,
        ..Faults::default()
    });
    let err = push(&w.store, w.client.as_ref(), &edited).await.unwrap_err();
    assert!(matches!(err, SyncError::Provider(_)), "{err}");
    let failed = w.first().await;
    assert_eq!(failed.sync_status, "error");
    assert!(failed.last_error.as_deref().is_some_and(|m| !m.is_empty()));
    assert_eq!(failed.local_hash, edited.local_hash);
    assert_eq!(
        local_document(&w.store, &failed).await.unwrap()["firstMessage"],
        "Try me"
    );

    w.sim.set_faults(Faults::default());
    assert_eq!(
        push(&w.store, w.client.as_ref(), &failed).await.unwrap(),
        PushOutcome::Pushed
    );
    let ok = w.first().await;
    assert_eq!((ok.sync_status.as_str(), ok.last_error.as_deref()), ("synced", None));
}

#[tokio::test]
async fn pull_takes_a_remote_change_and_notices_a_remote_delete() {
    let w = world().await;
    let a = w.first().await;
    let id = a.remote_id.clone().unwrap();
    w.sim
        .vapi_edit_assistant(KEY, &id, json!({"name": "Renamed remotely"}))
        .unwrap();
    assert_eq!(
        pull(&w.store, w.client.as_ref(), &a).await.unwrap(),
        PullOutcome::Pulled
    );
    assert_eq!(w.first().await.name, "Renamed remotely");
    let a = w.first().await;
    assert!(w.sim.vapi_delete_assistant(KEY, &id));
    assert_eq!(
        pull(&w.store, w.client.as_ref(), &a).await.unwrap(),
        PullOutcome::RemoteDeleted
    );
    let gone = w
        .store
        .assistant_by_remote_id(w.connection.id, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.sync_status, "remote_deleted");
    assert!(matches!(
        push(&w.store, w.client.as_ref(), &gone).await,
        Err(SyncError::RemoteDeleted)
    ));
}

#[tokio::test]
async fn a_new_local_assistant_is_created_at_the_provider_on_push() {
    let w = world().await;
    let doc = json!({
        "name": "Night Receptionist",
        "firstMessage": "Good evening, how can I help?",
        "model": {"provider": "openai", "model": "gpt-4o", "messages": [{"role": "system", "content": "You answer calls at night."}]},
        "voice": {"provider": "11labs", "voiceId": "burt"},
        "transcriber": {"provider": "deepgram", "model": "nova-2", "language": "en"}
    });
    let hash = voxhive_core::doc::content_hash("vapi", &doc);
    let state = AssistantState {
        remote_id: None,
        name: "Night Receptionist".into(),
        sync_status: "new".into(),
        base_hash: None,
        local_hash: hash.clone(),
        remote_hash: None,
        base_revision_id: None,
        local_revision_id: 0,
        remote_revision_id: None,
        last_error: None,
    };
    let revision = NewRevision {
        hash: &hash,
        document: &doc.to_string(),
        source: "create",
        author_id: None,
    };
    let id = w
        .store
        .create_assistant(
            1,
            w.connection.id,
            &state,
            &revision,
            Becomes {
                local: true,
                ..Becomes::default()
            },
        )
        .await
        .unwrap();
    let local = w.store.assistant(1, id).await.unwrap().unwrap();
    assert_eq!(
        push(&w.store, w.client.as_ref(), &local).await.unwrap(),
        PushOutcome::Created
    );
    let pushed = w.store.assistant(1, id).await.unwrap().unwrap();
    let remote = w
        .sim
        .vapi_assistant(KEY, pushed.remote_id.as_deref().unwrap())
        .expect("created at Vapi");
    assert_eq!(remote["firstMessage"], "Good evening, how can I help?");
    assert_eq!(pushed.sync_status, "synced");
}

#[tokio::test]
async fn disjoint_changes_merge_and_overlapping_ones_are_resolved_field_by_field() {
    use voxhive_core::doc::Resolution;
    use voxhive_sync::{merge_preview, resolve_conflict};
    let w = world().await;
    let edited = w.edit(|d| d["firstMessage"] = json!("Mine")).await;
    let remote_id = edited.remote_id.clone().unwrap();
    w.sim
        .vapi_edit_assistant(
            KEY,
            &remote_id,
            json!({"name": "Theirs", "endCallPhrases": ["bye now"]}),
        )
        .unwrap();
    assert_eq!(
        pull(&w.store, w.client.as_ref(), &edited).await.unwrap(),
        PullOutcome::Conflict
    );

    let conflicted = w.first().await;
    let preview = merge_preview(&w.store, &conflicted).await.unwrap();
    assert!(
        preview.conflicts.is_empty(),
        "disjoint changes: {:?}",
        preview.conflicts
    );
    resolve_conflict(&w.store, &conflicted, &[], None).await.unwrap();
    let merged = w.first().await;
    assert_eq!(merged.sync_status, "modified");
    let doc = local_document(&w.store, &merged).await.unwrap();
    assert_eq!(
        (doc["firstMessage"].as_str(), doc["name"].as_str()),
        (Some("Mine"), Some("Theirs"))
    );
    assert_eq!(doc["id"], json!(remote_id), "read-only fields are kept");
    assert_eq!(
        push(&w.store, w.client.as_ref(), &merged).await.unwrap(),
        PushOutcome::Pushed,
        "the merge pushes past the guard"
    );
    let remote = w.sim.vapi_assistant(KEY, &remote_id).unwrap();
    assert_eq!(
        (remote["firstMessage"].as_str(), remote["name"].as_str()),
        (Some("Mine"), Some("Theirs"))
    );

    // Now both sides change the same field.
    let edited = w.edit(|d| d["firstMessage"] = json!("Mine again")).await;
    w.sim
        .vapi_edit_assistant(KEY, &remote_id, json!({"firstMessage": "Theirs again"}))
        .unwrap();
    assert_eq!(
        pull(&w.store, w.client.as_ref(), &edited).await.unwrap(),
        PullOutcome::Conflict
    );
    let conflicted = w.first().await;
    let preview = merge_preview(&w.store, &conflicted).await.unwrap();
    let paths: Vec<String> = preview.conflicts.iter().map(|c| c.path.to_string()).collect();
    assert_eq!(paths, ["firstMessage"]);
    assert!(
        matches!(
            resolve_conflict(&w.store, &conflicted, &[], None).await,
            Err(SyncError::Unresolved(_))
        ),
        "a field left open is refused"
    );
    resolve_conflict(
        &w.store,
        &conflicted,
        &[("firstMessage".into(), Resolution::TakeTheirs)],
        None,
    )
    .await
    .unwrap();
    let resolved = w.first().await;
    assert_eq!(
        resolved.sync_status, "synced",
        "taking theirs everywhere equals the remote"
    );
    let sources: Vec<String> = w
        .store
        .revisions(resolved.id)
        .await
        .unwrap()
        .into_iter()
        .take(2)
        .map(|r| r.source)
        .collect();
    assert_eq!(sources, ["merge", "pull"]);
}

#[tokio::test]
async fn rollback_restores_an_earlier_document_and_delete_reaches_the_provider_only_when_asked() {
    use voxhive_sync::{delete_assistant, rollback};
    let w = world().await;
    let original = w.first().await;
    let import_revision = original.local_revision_id;
    let edited = w.edit(|d| d["firstMessage"] = json!("A mistake")).await;
    assert_eq!(edited.sync_status, "modified");
    assert!(rollback(&w.store, &edited, import_revision, None).await.unwrap());
    let back = w.first().await;
    assert_eq!(
        (back.sync_status.as_str(), back.local_hash.as_str()),
        ("synced", original.local_hash.as_str())
    );
    assert_eq!(w.store.revisions(back.id).await.unwrap()[0].source, "rollback");

    let remote_id = back.remote_id.clone().unwrap();
    delete_assistant(&w.store, w.client.as_ref(), &back, false)
        .await
        .unwrap();
    assert!(
        w.sim.vapi_assistant(KEY, &remote_id).is_some(),
        "a local delete leaves the provider alone"
    );
    import_assistants(&w.store, w.client.as_ref(), &w.connection, None, &|_, _| {})
        .await
        .unwrap();
    let again = w
        .store
        .assistant_by_remote_id(w.connection.id, &remote_id)
        .await
        .unwrap()
        .unwrap();
    delete_assistant(&w.store, w.client.as_ref(), &again, true)
        .await
        .unwrap();
    assert!(
        w.sim.vapi_assistant(KEY, &remote_id).is_none(),
        "deleted at the provider too"
    );
    assert!(w
        .store
        .assistant_by_remote_id(w.connection.id, &remote_id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn every_template_creates_a_valid_assistant_at_both_providers() {
    use voxhive_sync::{create_local, template_document, TEMPLATES};
    let w = world().await;
    let el = support::sim_connection(
        &w.store,
        &w.sim,
        ProviderKind::ElevenLabs,
        "Voice",
        "v1.unused-in-these-tests",
    )
    .await;
    let el_client = build_client(ClientConfig::new(
        ProviderKind::ElevenLabs,
        voxhive_sim::DEFAULT_EL_KEY,
        Some(w.sim.base_url()),
    ));
    for template in TEMPLATES {
        for (connection, client) in [(&w.connection, w.client.as_ref()), (&el, el_client.as_ref())] {
            let name = format!("{} ({})", template.title, connection.provider);
            let doc = template_document(&connection.provider, &template, &name);
            let id = create_local(&w.store, 1, connection.id, &connection.provider, &doc, None)
                .await
                .unwrap();
            let local = w.store.assistant(1, id).await.unwrap().unwrap();
            assert_eq!(local.sync_status, "new");
            let outcome = push(&w.store, client, &local).await;
            assert_eq!(outcome.unwrap(), PushOutcome::Created, "{name}");
            let pushed = w.store.assistant(1, id).await.unwrap().unwrap();
            assert_eq!(
                (pushed.sync_status.as_str(), pushed.name.as_str()),
                ("synced", name.as_str())
            );
        }
    }
}
