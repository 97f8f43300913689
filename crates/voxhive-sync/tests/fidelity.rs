//! Fidelity: an imported assistant rich in rarely used fields of the official schemas (and in
//! fields VoxHive has never heard of) comes back from an edit and a push exactly as it was,
//! except for what the user changed.

mod support;

use serde_json::{json, Value};
use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind};
use voxhive_store::Store;
use voxhive_sync::{import_assistants, local_document, push, save_local, PushOutcome};

/// Where each provider records the time of the last write, which changes by itself.
const VOLATILE: [&str; 2] = ["/updatedAt", "/metadata/updated_at_unix_secs"];

async fn store_and_sim(prefix: &str) -> (Store, voxhive_sim::SimHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), prefix).await;
    let sim = support::start_sim(2, 0).await;
    (store, sim, dir)
}

/// Imports the connection's assistants, edits the one with `remote_id` through `change`, pushes
/// it, and returns the push outcome.
async fn import_edit_push(
    store: &Store,
    sim: &voxhive_sim::SimHandle,
    kind: ProviderKind,
    key: &str,
    remote_id: &str,
    change: impl FnOnce(&mut Value),
) -> PushOutcome {
    let connection = support::sim_connection(store, sim, kind, kind.label(), "v1.unused-in-these-tests").await;
    let client: std::sync::Arc<dyn ProviderClient> = build_client(ClientConfig::new(kind, key, Some(sim.base_url())));
    import_assistants(store, client.as_ref(), &connection, None, &|_, _| {})
        .await
        .unwrap();
    let assistant = store
        .assistant_by_remote_id(connection.id, remote_id)
        .await
        .unwrap()
        .unwrap();
    let mut doc = local_document(store, &assistant).await.unwrap();
    change(&mut doc);
    assert!(save_local(store, &assistant, &doc, "local", None).await.unwrap());
    let assistant = store.assistant(1, assistant.id).await.unwrap().unwrap();
    assert_eq!(assistant.sync_status, "modified");
    let outcome = push(store, client.as_ref(), &assistant).await.unwrap();
    let after = store.assistant(1, assistant.id).await.unwrap().unwrap();
    assert_eq!(after.sync_status, "synced");
    outcome
}

/// Asserts that `after` equals `before` with `changes` applied (a JSON merge patch), ignoring
/// the provider's own timestamps; names the first path that differs.
fn assert_only_changed(before: &Value, after: &Value, changes: &Value) {
    let expected = voxhive_core::doc::apply_merge_patch(before, changes);
    let strip = |v: &Value| {
        let mut v = v.clone();
        for pointer in VOLATILE {
            if let Some(stamp) = v.pointer_mut(pointer) {
                *stamp = Value::Null;
            }
        }
        v
    };
    let (expected, after) = (strip(&expected), strip(after));
    if let Some(change) = voxhive_core::doc::diff(&expected, &after).first() {
        panic!("{:?} differs after the push: {:?}", change.path, change.kind);
    }
}

/// The top-level fields of `rare`, each merged deeply into `current`'s (the simulator's edit
/// replaces top-level fields whole, as Vapi's PATCH does).
fn deep_fields(current: &Value, rare: &Value) -> Value {
    let merged = voxhive_core::doc::apply_merge_patch(current, rare);
    let fields = rare.as_object().unwrap().keys().map(|k| (k.clone(), merged[k].clone()));
    Value::Object(fields.collect())
}

#[tokio::test]
async fn a_vapi_assistant_rich_in_rare_fields_keeps_every_one_through_an_edit_and_a_push() {
    let (store, sim, _dir) = store_and_sim("vh_fidelity_vapi").await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let remote_id = sim.vapi_assistants(key)[0]["id"].as_str().unwrap().to_string();
    let rare = json!({
        "hooks": [{"on": "call.ending", "do": [{"type": "tool", "tool": {"type": "function", "function": {"name": "log_ending"}}}]}],
        "observabilityPlan": {"provider": "langfuse", "tags": ["prod", "dental"], "metadata": {"team": "ops"}},
        "credentials": [{"provider": "twilio", "accountSid": "AC0000000000000000000000000000000", "authToken": "kept-opaque"}],
        "transportConfigurations": [{"provider": "twilio", "timeout": 45, "record": false, "recordingChannels": "dual"}],
        "credentialIds": ["cred-0001"],
        "voicemailMessage": "Sorry we missed you.\nPlease call again.",
        "firstMessageMode": "assistant-waits-for-user",
        "model": {"emotionRecognitionEnabled": true, "numFastTurns": 1, "knowledgeBaseId": "kb-rare-1"},
        "voice": {"chunkPlan": {"enabled": true, "minCharacters": 30, "punctuationBoundaries": ["。", "，", ".", "!"]}, "fillerInjectionEnabled": false},
        "transcriber": {"fallbackPlan": {"transcribers": [{"provider": "assembly-ai", "language": "en"}]}, "keywords": ["VoxHive:2", "dentist:1.5"]},
        "artifactPlan": {"structuredOutputIds": ["so-1", "so-2"], "transcriptPlan": {"enabled": true, "assistantName": "Ava", "userName": "Caller"}},
        "metadata": {"nested": {"deep": [1, 2.5, {"x": null}]}, "emoji": "🎧"},
        "aFutureFieldVoxHiveDoesNotKnow": {"kept": true, "list": [3, 2, 1]},
    });
    let current = sim.vapi_assistant(key, &remote_id).unwrap();
    sim.vapi_edit_assistant(key, &remote_id, deep_fields(&current, &rare))
        .unwrap();
    let before = sim.vapi_assistant(key, &remote_id).unwrap();
    let changes = json!({"firstMessage": "Hello from a fidelity test", "model": {"temperature": 0.35}});
    let outcome = import_edit_push(&store, &sim, ProviderKind::Vapi, key, &remote_id, |doc| {
        *doc = voxhive_core::doc::apply_merge_patch(doc, &changes);
    })
    .await;
    assert_eq!(outcome, PushOutcome::Pushed);
    let after = sim.vapi_assistant(key, &remote_id).unwrap();
    assert_only_changed(&before, &after, &changes);
}

#[tokio::test]
async fn an_elevenlabs_agent_rich_in_rare_fields_keeps_every_one_through_an_edit_and_a_push() {
    let (store, sim, _dir) = store_and_sim("vh_fidelity_el").await;
    let key = voxhive_sim::DEFAULT_EL_KEY;
    let agent_id = sim.elevenlabs_agents(key)[0]["agent_id"].as_str().unwrap().to_string();
    let rare = json!({
        "conversation_config": {
            "turn": {"turn_timeout": 9.5, "silence_end_call_timeout": 30.0, "turn_eagerness": "patient"},
            "tts": {"pronunciation_dictionary_locators": [{"pronunciation_dictionary_id": "pd-1", "version_id": "v-3"}], "optimize_streaming_latency": 3},
            "conversation": {"max_duration_seconds": 900, "client_events": ["audio", "interruption", "agent_response"]},
            "agent": {"dynamic_variables": {"dynamic_variable_placeholders": {"clinic": "Acme Dental"}}, "prompt": {"reasoning_effort": "low", "ignore_default_personality": true}}
        },
        "platform_settings": {
            "privacy": {"record_voice": false, "retention_days": 30, "delete_transcript_and_pii": true},
            "call_limits": {"agent_concurrency_limit": 4, "daily_limit": 500},
            "a_future_setting": {"kept": [1, "two", 3.5]}
        },
        "tags": ["rare", "fidelity"]
    });
    sim.elevenlabs_edit_agent(key, &agent_id, rare).unwrap();
    let before = sim.elevenlabs_agent(key, &agent_id).unwrap();
    let changes = json!({"conversation_config": {"agent": {"first_message": "Hello from a fidelity test"}}});
    let outcome = import_edit_push(&store, &sim, ProviderKind::ElevenLabs, key, &agent_id, |doc| {
        *doc = voxhive_core::doc::apply_merge_patch(doc, &changes);
    })
    .await;
    assert_eq!(outcome, PushOutcome::Pushed);
    let after = sim.elevenlabs_agent(key, &agent_id).unwrap();
    assert_only_changed(&before, &after, &changes);
}
