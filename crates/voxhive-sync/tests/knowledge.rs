//! Knowledge-base files read from the simulator over real HTTP, on SQLite or (with
//! VOXHIVE_TEST_DATABASE_URL) PostgreSQL: a refresh lists each provider's files with their
//! status; a Vapi upload is processing until the provider says it is done.

mod support;

use voxhive_providers::{build_client, ClientConfig, FileUpload, ProviderKind};
use voxhive_sync::{
    delete_knowledge_file, read_knowledge_file, refresh_knowledge_files, upload_knowledge_file, SyncError,
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
