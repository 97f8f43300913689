//! Documents are checked against the provider's schema, and newly attached tools against the
//! account, before they are saved; a refused document saves nothing.

mod support;

use serde_json::{json, Value};
use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind, Resource};
use voxhive_store::{Assistant, Connection, Store};
use voxhive_sync::{
    check_document, check_tools, create_local, import_assistants, local_document, save_local, template_document,
    FieldProblem, SyncError, TEMPLATES,
};

/// A store with one imported account of `kind` on a fresh simulator.
struct World {
    store: Store,
    _sim: voxhive_sim::SimHandle,
    connection: Connection,
    client: std::sync::Arc<dyn ProviderClient>,
    _dir: tempfile::TempDir,
}

fn key(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Vapi => voxhive_sim::DEFAULT_VAPI_KEYS[0],
        ProviderKind::ElevenLabs => voxhive_sim::DEFAULT_EL_KEY,
    }
}

/// A simulator and a store; `before_import` may change the provider's documents first.
async fn world_with(kind: ProviderKind, before_import: impl FnOnce(&voxhive_sim::SimHandle)) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_validate").await;
    let sim = support::start_sim(2, 4).await;
    before_import(&sim);
    let connection = support::sim_connection(&store, &sim, kind, "Main", "v1.unused-in-these-tests").await;
    let mut client_config = ClientConfig::new(kind, key(kind), Some(sim.base_url()));
    client_config.max_retries = 0;
    let client = build_client(client_config);
    import_assistants(&store, client.as_ref(), &connection, None, &|_, _| {})
        .await
        .unwrap();
    World {
        store,
        _sim: sim,
        connection,
        client,
        _dir: dir,
    }
}

async fn world(kind: ProviderKind) -> World {
    world_with(kind, |_| {}).await
}

impl World {
    async fn first(&self) -> Assistant {
        self.store.assistants(1, &Default::default()).await.unwrap().remove(0)
    }

    async fn revisions(&self, assistant: &Assistant) -> usize {
        self.store.revisions(assistant.id).await.unwrap().len()
    }

    /// The first assistant's document with `change` applied, saved the way the web layer saves
    /// an edit: newly attached tools checked with the provider, then the document saved.
    async fn save_edit(&self, change: impl FnOnce(&mut Value)) -> Result<bool, SyncError> {
        let assistant = self.first().await;
        let previous = local_document(&self.store, &assistant).await.unwrap();
        let mut doc = previous.clone();
        change(&mut doc);
        check_tools(self.client.as_ref(), &assistant.provider, Some(&previous), &doc).await?;
        save_local(&self.store, &assistant, &doc, "local", None).await
    }
}

fn problems(result: Result<bool, SyncError>) -> Vec<FieldProblem> {
    match result {
        Err(SyncError::Invalid(problems)) => problems,
        other => panic!("expected the document to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn an_edit_the_provider_would_refuse_is_not_saved_and_names_the_field() {
    let w = world(ProviderKind::Vapi).await;
    let before = w.first().await;
    let revisions = w.revisions(&before).await;

    let result = w.save_edit(|d| d["model"]["temperature"] = json!(7)).await;
    let err = result.as_ref().unwrap_err().to_string();
    assert_eq!(err, "model.temperature: must be at most 2");
    assert_eq!(
        problems(result),
        [FieldProblem {
            path: "/model/temperature".into(),
            message: "must be at most 2".into()
        }]
    );

    let typo = problems(w.save_edit(|d| d["fristMessage"] = json!("Hi")).await);
    assert_eq!(typo[0].path, "/fristMessage");
    assert_eq!(typo[0].message, "`fristMessage` is not a field of a Vapi assistant");

    let after = w.first().await;
    assert_eq!(w.revisions(&after).await, revisions, "no revision was written");
    assert_eq!(
        (after.local_hash, after.sync_status),
        (before.local_hash, before.sync_status)
    );

    assert!(w.save_edit(|d| d["model"]["temperature"] = json!(1.2)).await.unwrap());
    assert_eq!(w.revisions(&w.first().await).await, revisions + 1);
}

#[tokio::test]
async fn an_elevenlabs_edit_of_the_wrong_type_is_refused_at_its_path() {
    let w = world(ProviderKind::ElevenLabs).await;
    let revisions = w.revisions(&w.first().await).await;
    let problems = problems(
        w.save_edit(|d| d["conversation_config"]["agent"]["prompt"]["temperature"] = json!("warm"))
            .await,
    );
    assert_eq!(problems[0].path, "/conversation_config/agent/prompt/temperature");
    assert_eq!(problems[0].message, "must be a number");
    assert_eq!(w.revisions(&w.first().await).await, revisions);
    assert!(w
        .save_edit(|d| d["conversation_config"]["agent"]["first_message"] = json!("Hello there"))
        .await
        .unwrap());
}

#[tokio::test]
async fn an_untouched_field_the_contract_does_not_allow_does_not_block_another_edit() {
    // The provider answers with values its own contract does not allow (older accounts do).
    let w = world_with(ProviderKind::Vapi, |sim| {
        let key = key(ProviderKind::Vapi);
        for assistant in sim.vapi_assistants(key) {
            let id = assistant["id"].as_str().unwrap();
            sim.vapi_edit_assistant(key, id, json!({"maxDurationSeconds": 1, "legacyGreeting": "Hi"}))
                .unwrap();
        }
    })
    .await;
    let imported = local_document(&w.store, &w.first().await).await.unwrap();
    let all = check_document("vapi", None, &imported);
    let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/legacyGreeting", "/maxDurationSeconds"],
        "the contract refuses both"
    );

    assert!(w.save_edit(|d| d["firstMessage"] = json!("Hello again")).await.unwrap());
    let saved = local_document(&w.store, &w.first().await).await.unwrap();
    assert_eq!(saved["firstMessage"], "Hello again");
    assert_eq!(saved["legacyGreeting"], "Hi", "the odd fields are kept as they are");

    let touched = problems(w.save_edit(|d| d["maxDurationSeconds"] = json!(2)).await);
    assert_eq!(
        touched[0].path, "/maxDurationSeconds",
        "touching the odd field checks it"
    );
}

#[tokio::test]
async fn a_tool_id_the_account_does_not_have_is_refused_and_a_real_one_is_attached() {
    for kind in ProviderKind::ALL {
        let w = world(kind).await;
        let tool = match kind {
            ProviderKind::Vapi => {
                json!({"type": "function", "function": {"name": "lookup_order", "description": "Finds an order."}})
            }
            ProviderKind::ElevenLabs => json!({"tool_config": {
                "type": "webhook", "name": "lookup_order", "description": "Finds an order.",
                "api_schema": {"url": "https://hooks.example.com/orders", "method": "GET"}
            }}),
        };
        let real = w.client.create(Resource::Tools, &tool).await.unwrap().id;
        let path: &[&str] = match kind {
            ProviderKind::Vapi => &["model", "toolIds"],
            ProviderKind::ElevenLabs => &["conversation_config", "agent", "prompt", "tool_ids"],
        };
        let attach = |ids: Vec<String>| {
            move |d: &mut Value| {
                let list = path.iter().fold(d, |at, key| &mut at[*key]);
                let mut all: Vec<Value> = list.as_array().cloned().unwrap_or_default();
                all.extend(ids.into_iter().map(Value::from));
                *list = Value::Array(all);
            }
        };
        let revisions = w.revisions(&w.first().await).await;
        let existing = tools_of(&local_document(&w.store, &w.first().await).await.unwrap(), path);

        let problems = problems(w.save_edit(attach(vec!["tool-that-is-not-there".into()])).await);
        let pointer: String = path.iter().map(|k| format!("/{k}")).collect();
        assert_eq!(
            problems,
            [FieldProblem {
                path: format!("{pointer}/{existing}"),
                message: "no tool with id tool-that-is-not-there in this account".into()
            }],
            "{kind}"
        );
        assert_eq!(w.revisions(&w.first().await).await, revisions, "{kind}");

        assert!(w.save_edit(attach(vec![real.clone()])).await.unwrap(), "{kind}");
        let saved = local_document(&w.store, &w.first().await).await.unwrap();
        assert_eq!(tools_of(&saved, path), existing + 1, "{kind}");
    }
}

fn tools_of(doc: &Value, path: &[&str]) -> usize {
    path.iter()
        .try_fold(doc, |at, key| at.get(*key))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn the_tool_check_lets_the_save_through_when_the_provider_cannot_be_reached() {
    let w = world(ProviderKind::Vapi).await;
    let assistant = w.first().await;
    let previous = local_document(&w.store, &assistant).await.unwrap();
    let mut doc = previous.clone();
    doc["model"]["toolIds"] = json!(["some-tool-id"]);
    let mut config = ClientConfig::new(
        ProviderKind::Vapi,
        key(ProviderKind::Vapi),
        Some("http://127.0.0.1:9".into()),
    );
    config.max_retries = 0;
    config.timeout = std::time::Duration::from_secs(2);
    let unreachable = build_client(config);
    check_tools(unreachable.as_ref(), "vapi", Some(&previous), &doc)
        .await
        .expect("local first: an unreachable provider does not block the save");
    assert!(save_local(&w.store, &assistant, &doc, "local", None).await.unwrap());
}

#[tokio::test]
async fn a_new_assistant_is_checked_whole_and_a_refused_one_is_not_created() {
    let w = world(ProviderKind::Vapi).await;
    let count = w.store.assistants(1, &Default::default()).await.unwrap().len();
    let doc = json!({"name": "Hand made", "model": {"provider": "openai", "model": "gpt-4o", "temperature": 9}});
    let result = create_local(&w.store, 1, w.connection.id, "vapi", &doc, None).await;
    match result {
        Err(SyncError::Invalid(problems)) => assert_eq!(problems[0].path, "/model/temperature"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(w.store.assistants(1, &Default::default()).await.unwrap().len(), count);
}

#[test]
fn every_template_passes_the_schema_of_both_providers() {
    for template in TEMPLATES {
        for provider in ["vapi", "elevenlabs"] {
            let doc = template_document(provider, &template, template.title);
            assert_eq!(
                check_document(provider, None, &doc),
                [],
                "{} for {provider}",
                template.key
            );
        }
    }
}
