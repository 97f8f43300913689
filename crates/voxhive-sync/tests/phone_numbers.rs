//! Phone numbers against the simulator over real HTTP, on SQLite or (with
//! VOXHIVE_TEST_DATABASE_URL) PostgreSQL: refresh, buy, import from Twilio, edit, release.

mod support;

use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind, Resource};
use voxhive_store::Store;
use voxhive_sync::{
    buy_body, create_phone_number, edit_phone_number, refresh_phone_numbers, release_phone_number, twilio_body,
    NumberEdit, SyncError, TwilioImport,
};

const SINCE: i64 = 0;

async fn setup(
    provider: ProviderKind,
    key: &str,
) -> (
    Store,
    voxhive_sim::SimHandle,
    i64,
    std::sync::Arc<dyn ProviderClient>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), "vh_phone").await;
    let sim = support::start_sim(3, 0).await;
    let connection = support::sim_connection(&store, &sim, provider, provider.label(), "v1.unused").await;
    let client = build_client(ClientConfig::new(provider, key, Some(sim.base_url())));
    (store, sim, connection.id, client, dir)
}

fn twilio(number: &str, token: &str) -> TwilioImport {
    TwilioImport {
        number: number.into(),
        account_sid: format!("AC{}", "0123456789abcdef".repeat(2)),
        auth_token: token.into(),
        name: Some("Imported".into()),
    }
}

#[tokio::test]
async fn vapi_numbers_are_bought_imported_assigned_and_released_at_the_provider_first() {
    let (store, _sim, connection, client, _dir) = setup(ProviderKind::Vapi, voxhive_sim::DEFAULT_VAPI_KEYS[0]).await;
    let listed = refresh_phone_numbers(&store, client.as_ref(), 1, connection)
        .await
        .unwrap();
    assert_eq!(
        store.phone_numbers(1, Some(connection), SINCE).await.unwrap().len(),
        listed
    );

    let bought = create_phone_number(
        &store,
        client.as_ref(),
        1,
        connection,
        &buy_body("212", Some("NYC")).unwrap(),
    )
    .await
    .unwrap();
    let bought = store.phone_number(1, bought, SINCE).await.unwrap().unwrap();
    assert_eq!((bought.carrier.as_str(), bought.name.as_deref()), ("vapi", Some("NYC")));
    assert!(
        bought.number.as_deref().unwrap_or_default().contains("212"),
        "{:?}",
        bought.number
    );

    // An area code with no numbers left: the provider's reason, nothing stored.
    let unavailable = create_phone_number(&store, client.as_ref(), 1, connection, &buy_body("011", None).unwrap())
        .await
        .unwrap_err();
    assert!(unavailable.to_string().contains("area code 011"), "{unavailable}");

    // Twilio refuses a wrong token: the user reads why, and nothing is stored.
    let refused = create_phone_number(
        &store,
        client.as_ref(),
        1,
        connection,
        &twilio_body(ProviderKind::Vapi, &twilio("+14155550199", "not-a-token")).unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, SyncError::Provider(_)), "{refused:?}");
    assert!(refused.to_string().contains("Twilio"), "{refused}");
    assert_eq!(
        store.phone_numbers(1, Some(connection), SINCE).await.unwrap().len(),
        listed + 1
    );
    let token = "fedcba9876543210".repeat(2);
    let imported = create_phone_number(
        &store,
        client.as_ref(),
        1,
        connection,
        &twilio_body(ProviderKind::Vapi, &twilio("+14155550199", &token)).unwrap(),
    )
    .await
    .unwrap();
    let imported = store.phone_number(1, imported, SINCE).await.unwrap().unwrap();
    assert_eq!(
        (imported.carrier.as_str(), imported.number.as_deref()),
        ("twilio", Some("+14155550199"))
    );
    assert!(!imported.document.contains(&token), "the token is not kept");

    let assistant = client.list(Resource::Assistants).await.unwrap().items[0].id.clone();
    let edit = NumberEdit {
        name: Some(Some("Front desk line".into())),
        assistant: Some(Some(assistant.clone())),
        squad: None,
        server_url: Some(Some("https://hooks.example.com/vapi".into())),
        server: None,
    };
    edit_phone_number(&store, client.as_ref(), &bought, &edit)
        .await
        .unwrap();
    let edited = store.phone_number(1, bought.id, SINCE).await.unwrap().unwrap();
    assert_eq!(edited.name.as_deref(), Some("Front desk line"));
    assert_eq!(edited.remote_assistant_id.as_deref(), Some(assistant.as_str()));
    assert_eq!(edited.server_url.as_deref(), Some("https://hooks.example.com/vapi"));
    let remote = client.get(Resource::PhoneNumbers, &bought.remote_id).await.unwrap();
    assert_eq!(
        remote.doc["assistantId"],
        assistant.as_str(),
        "the change is at the provider"
    );

    // Reassigned to a squad (kept as it is), the assistant is cleared; then back to an assistant.
    let to_squad = NumberEdit {
        squad: Some(Some("squad-kept-as-is".into())),
        ..NumberEdit::default()
    };
    edit_phone_number(&store, client.as_ref(), &edited, &to_squad)
        .await
        .unwrap();
    let squad = store.phone_number(1, bought.id, SINCE).await.unwrap().unwrap();
    assert_eq!(
        (squad.remote_squad_id.as_deref(), squad.remote_assistant_id.as_deref()),
        (Some("squad-kept-as-is"), None)
    );
    let other = client.list(Resource::Assistants).await.unwrap().items[1].id.clone();
    let reassign = NumberEdit {
        assistant: Some(Some(other.clone())),
        ..NumberEdit::default()
    };
    edit_phone_number(&store, client.as_ref(), &squad, &reassign)
        .await
        .unwrap();
    let edited = store.phone_number(1, bought.id, SINCE).await.unwrap().unwrap();
    assert_eq!(
        (edited.remote_assistant_id.as_deref(), edited.remote_squad_id.as_deref()),
        (Some(other.as_str()), None)
    );

    release_phone_number(&store, client.as_ref(), &edited).await.unwrap();
    assert!(store.phone_number(1, bought.id, SINCE).await.unwrap().is_none());
    assert!(client.get(Resource::PhoneNumbers, &bought.remote_id).await.is_err());
    // Released elsewhere already: forgotten all the same.
    client
        .delete(Resource::PhoneNumbers, &imported.remote_id)
        .await
        .unwrap();
    release_phone_number(&store, client.as_ref(), &imported).await.unwrap();
    assert_eq!(
        refresh_phone_numbers(&store, client.as_ref(), 1, connection)
            .await
            .unwrap(),
        listed
    );
}

#[tokio::test]
async fn an_elevenlabs_number_is_imported_and_assigned_and_has_no_server_url() {
    let (store, _sim, connection, client, _dir) = setup(ProviderKind::ElevenLabs, voxhive_sim::DEFAULT_EL_KEY).await;
    let listed = refresh_phone_numbers(&store, client.as_ref(), 1, connection)
        .await
        .unwrap();
    let token = "fedcba9876543210".repeat(2);
    let id = create_phone_number(
        &store,
        client.as_ref(),
        1,
        connection,
        &twilio_body(ProviderKind::ElevenLabs, &twilio("+442071234567", &token)).unwrap(),
    )
    .await
    .unwrap();
    let number = store.phone_number(1, id, SINCE).await.unwrap().unwrap();
    assert_eq!(
        (number.number.as_deref(), number.name.as_deref()),
        (Some("+442071234567"), Some("Imported"))
    );

    let agent = client.list(Resource::Assistants).await.unwrap().items[0].id.clone();
    let assign = NumberEdit {
        assistant: Some(Some(agent.clone())),
        ..NumberEdit::default()
    };
    edit_phone_number(&store, client.as_ref(), &number, &assign)
        .await
        .unwrap();
    let assigned = store.phone_number(1, id, SINCE).await.unwrap().unwrap();
    assert_eq!(assigned.remote_assistant_id.as_deref(), Some(agent.as_str()));
    let server = NumberEdit {
        server_url: Some(Some("https://x.test".into())),
        ..NumberEdit::default()
    };
    let refused = edit_phone_number(&store, client.as_ref(), &assigned, &server)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("no server URL"), "{refused}");

    release_phone_number(&store, client.as_ref(), &assigned).await.unwrap();
    assert_eq!(
        refresh_phone_numbers(&store, client.as_ref(), 1, connection)
            .await
            .unwrap(),
        listed
    );
}
