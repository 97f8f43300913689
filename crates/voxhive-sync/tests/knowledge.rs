//! Knowledge-base files read from the simulator over real HTTP, on SQLite or (with
//! VOXHIVE_TEST_DATABASE_URL) PostgreSQL: a refresh lists each provider's files with their
//! status; a Vapi upload is processing until the provider says it is done.

mod support;

use voxhive_providers::Resource;
use voxhive_providers::{build_client, ClientConfig, FileUpload, ProviderKind};
use voxhive_sync::{
    add_knowledge_document, attached_file_ids, delete_knowledge_file, import_assistants, local_document, push,
    read_knowledge_file, refresh_knowledge_files, save_local, upload_knowledge_file, with_file, DocumentSource,
    PushOutcome, SyncError,
};

#[tokio::test]
async fn files_of_both_providers_are_read_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_knowledge").await;
    let sim = support::start_sim(3, 0).await;
    for (provider, key) in [
        (ProviderKind::Vapi, voxhive_sim::DEFAULT_VAPI_KEYS[0]),
        (ProviderKind::ElevenLabs, voxhive_sim::DEFAULT_EL_KEY),
    ] {
        let connection = support::sim_connection(&store, &sim, provider, provider.label(), "v1.unused").await;
        let client = build_client(ClientConfig::new(provider, key, Some(sim.base_url())));
        let listed = refresh_knowledge_files(&store, client.as_ref(), 1, connection.id)
            .await
            .unwrap();
        assert!(listed > 0, "{provider:?} has seeded files");
        let stored = store.knowledge_files(1, Some(connection.id)).await.unwrap();
        assert_eq!(stored.len(), listed);
        assert!(stored.iter().all(|f| f.status == "done"), "{stored:?}");
        assert!(!stored.iter().any(|f| f.document.contains("extracted_inner_html")));
    }

    // A Vapi upload is processing, then done once the provider has parsed it.
    let vapi = build_client(ClientConfig::new(
        ProviderKind::Vapi,
        voxhive_sim::DEFAULT_VAPI_KEYS[0],
        Some(sim.base_url()),
    ));
    let uploaded = vapi
        .upload_file(FileUpload {
            file_name: "hours.md".into(),
            content_type: "text/markdown".into(),
            bytes: b"Open 8 to 6.".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(read_knowledge_file(&uploaded).status, "processing");
    tokio::time::sleep(std::time::Duration::from_millis(
        voxhive_sim::VAPI_FILE_PARSING_MS as u64 + 100,
    ))
    .await;
    let again = vapi
        .get(voxhive_providers::Resource::Files, &uploaded.id)
        .await
        .unwrap();
    assert_eq!(read_knowledge_file(&again).status, "done");
}

#[tokio::test]
async fn an_upload_is_checked_before_it_is_sent_and_deleted_at_the_provider_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_knowledge_up").await;
    let sim = support::start_sim(3, 0).await;
    let connection = support::sim_connection(&store, &sim, ProviderKind::Vapi, "Vapi", "v1.unused").await;
    let client = build_client(ClientConfig::new(
        ProviderKind::Vapi,
        voxhive_sim::DEFAULT_VAPI_KEYS[0],
        Some(sim.base_url()),
    ));
    let before = refresh_knowledge_files(&store, client.as_ref(), 1, connection.id)
        .await
        .unwrap();
    let file = |name: &str, bytes: &[u8]| FileUpload {
        file_name: name.into(),
        content_type: "application/octet-stream".into(),
        bytes: bytes.to_vec(),
    };
    for (name, bytes, said) in [
        ("setup.exe", &b"MZ"[..], ".txt, .pdf"),
        ("empty.txt", &b""[..], "is empty"),
    ] {
        let refused = upload_knowledge_file(&store, client.as_ref(), 1, connection.id, file(name, bytes))
            .await
            .unwrap_err();
        assert!(matches!(&refused, SyncError::Invalid(_)), "{refused:?}");
        assert!(refused.to_string().contains(said), "{refused}");
    }
    assert_eq!(
        client
            .list(voxhive_providers::Resource::Files)
            .await
            .unwrap()
            .items
            .len(),
        before,
        "nothing sent"
    );

    let id = upload_knowledge_file(
        &store,
        client.as_ref(),
        1,
        connection.id,
        file("faq.txt", b"Q: Parking? A: Yes."),
    )
    .await
    .unwrap();
    let stored = store.knowledge_file(1, id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.bytes), ("faq.txt", Some(19)));
    delete_knowledge_file(&store, client.as_ref(), &stored).await.unwrap();
    assert!(store.knowledge_file(1, id).await.unwrap().is_none());
    assert!(client
        .get(voxhive_providers::Resource::Files, &stored.remote_id)
        .await
        .is_err());
}

#[tokio::test]
async fn files_attached_to_assistants_reach_each_provider_when_pushed_and_detach_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_knowledge_attach").await;
    let sim = support::start_sim(3, 0).await;
    for (provider, key, name) in [
        (ProviderKind::Vapi, voxhive_sim::DEFAULT_VAPI_KEYS[0], "returns.txt"),
        (ProviderKind::ElevenLabs, voxhive_sim::DEFAULT_EL_KEY, "returns.pdf"),
    ] {
        let connection = support::sim_connection(&store, &sim, provider, provider.label(), "v1.unused").await;
        let client = build_client(ClientConfig::new(provider, key, Some(sim.base_url())));
        import_assistants(&store, client.as_ref(), &connection, None, &|_, _| {})
            .await
            .unwrap();
        let id = upload_knowledge_file(
            &store,
            client.as_ref(),
            1,
            connection.id,
            FileUpload {
                file_name: name.into(),
                content_type: "text/plain".into(),
                bytes: b"Returns within 30 days.".to_vec(),
            },
        )
        .await
        .unwrap();
        let file = store.knowledge_file(1, id).await.unwrap().unwrap();
        let assistant = store
            .assistants(1, &voxhive_store::AssistantFilter::default())
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.connection_id == connection.id)
            .unwrap();

        let doc = local_document(&store, &assistant).await.unwrap();
        let before = attached_file_ids(provider, &doc);
        let attached = with_file(provider, &doc, &file, true).expect("a change");
        assert!(
            with_file(provider, &attached, &file, true).is_none(),
            "attaching twice changes nothing"
        );
        assert!(save_local(&store, &assistant, &attached, "local", None).await.unwrap());
        let edited = store.assistant(1, assistant.id).await.unwrap().unwrap();
        assert_eq!(
            push(&store, client.as_ref(), &edited).await.unwrap(),
            PushOutcome::Pushed
        );
        let remote = client
            .get(Resource::Assistants, &assistant.remote_id.clone().unwrap())
            .await
            .unwrap();
        let mut expected = before.clone();
        expected.push(file.remote_id.clone());
        assert_eq!(
            attached_file_ids(provider, &remote.doc),
            expected,
            "{provider:?}: the provider's assistant uses the file, and the ones it used"
        );

        let synced = store.assistant(1, assistant.id).await.unwrap().unwrap();
        let detached = with_file(provider, &local_document(&store, &synced).await.unwrap(), &file, false).unwrap();
        assert_eq!(attached_file_ids(provider, &detached), before);
        if provider == ProviderKind::Vapi {
            let tools = detached
                .pointer("/model/tools")
                .and_then(|t| t.as_array())
                .cloned()
                .unwrap_or_default();
            assert!(
                !tools.iter().any(|t| t["type"] == "query") || !before.is_empty(),
                "the emptied query tool is dropped"
            );
        }
        assert!(save_local(&store, &synced, &detached, "local", None).await.unwrap());
        let edited = store.assistant(1, assistant.id).await.unwrap().unwrap();
        assert_eq!(
            push(&store, client.as_ref(), &edited).await.unwrap(),
            PushOutcome::Pushed
        );
        let remote = client
            .get(Resource::Assistants, &assistant.remote_id.clone().unwrap())
            .await
            .unwrap();
        assert_eq!(attached_file_ids(provider, &remote.doc), before, "{provider:?}");
    }
}

#[tokio::test]
async fn elevenlabs_documents_come_from_a_web_page_or_text_and_limits_are_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_knowledge_docs").await;
    let sim = support::start_sim(1, 0).await;
    let connection = support::sim_connection(&store, &sim, ProviderKind::ElevenLabs, "ElevenLabs", "v1.unused").await;
    let client = build_client(ClientConfig::new(
        ProviderKind::ElevenLabs,
        voxhive_sim::DEFAULT_EL_KEY,
        Some(sim.base_url()),
    ));
    let url = add_knowledge_document(
        &store,
        client.as_ref(),
        1,
        connection.id,
        DocumentSource::Url {
            url: "https://example.com/returns".into(),
            name: Some("Returns page".into()),
        },
    )
    .await
    .unwrap();
    let text = add_knowledge_document(
        &store,
        client.as_ref(),
        1,
        connection.id,
        DocumentSource::Text {
            text: "Open 8 to 6.".into(),
            name: Some("Hours".into()),
        },
    )
    .await
    .unwrap();
    let url = store.knowledge_file(1, url).await.unwrap().unwrap();
    let text = store.knowledge_file(1, text).await.unwrap().unwrap();
    assert_eq!((url.name.as_str(), url.source.as_str()), ("Returns page", "url"));
    assert_eq!((text.name.as_str(), text.source.as_str()), ("Hours", "text"));
    let content = client.file_content(&text.remote_id).await.unwrap();
    assert_eq!(&content.bytes[..], b"Open 8 to 6.");

    for (source, said) in [
        (
            DocumentSource::Url {
                url: "ftp://example.com/x".into(),
                name: None,
            },
            "http",
        ),
        (
            DocumentSource::Text {
                text: "  ".into(),
                name: None,
            },
            "text",
        ),
    ] {
        let refused = add_knowledge_document(&store, client.as_ref(), 1, connection.id, source)
            .await
            .unwrap_err();
        assert!(matches!(&refused, SyncError::Invalid(_)), "{refused:?}");
        assert!(refused.to_string().contains(said), "{refused}");
    }
    let file = |name: &str, len: usize| FileUpload {
        file_name: name.into(),
        content_type: "application/octet-stream".into(),
        bytes: vec![b'a'; len],
    };
    for (upload, said) in [
        (file("notes.md", 10), ".pdf, .txt"),
        (file("manual.pdf", 21 * 1024 * 1024 + 1), "21 MB"),
    ] {
        let refused = upload_knowledge_file(&store, client.as_ref(), 1, connection.id, upload)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains(said), "{refused}");
    }
}
