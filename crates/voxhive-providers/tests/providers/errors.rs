//! Failures become errors a user can act on, and none of them shows the API key.

use std::time::Duration;

use serde_json::json;
use voxhive_providers::{build_client, ClientConfig, ProviderError, ProviderKind, Resource};

use crate::support::{client, spawn_sim};

const WRONG_KEY: &str = "sk-wrong-0123456789abcdef-c35f";

#[tokio::test]
async fn a_wrong_key_gives_the_invalid_key_error() {
    let sim = spawn_sim().await;
    for kind in [ProviderKind::Vapi, ProviderKind::ElevenLabs] {
        let provider = build_client(ClientConfig::new(kind, WRONG_KEY, Some(sim.base_url())));
        let error = provider.verify().await.unwrap_err();
        assert_eq!(error, ProviderError::InvalidKey { provider: kind });
        assert!(error
            .to_string()
            .starts_with(&format!("{} refused the API key: check it in the", kind.label())));
    }
}

#[tokio::test]
async fn a_right_key_is_verified_with_what_the_account_shows() {
    let sim = spawn_sim().await;
    let vapi = client(&sim, ProviderKind::Vapi).verify().await.unwrap();
    assert_eq!(vapi.assistants_in_first_page, 5);
    assert!(!vapi.more_assistants);
    assert!(vapi.account_id.is_some());
    let el = client(&sim, ProviderKind::ElevenLabs).verify().await.unwrap();
    assert_eq!(el.assistants_in_first_page, 5);
}

#[tokio::test]
async fn a_rejected_create_gives_the_providers_own_message() {
    let sim = spawn_sim().await;
    let vapi = client(&sim, ProviderKind::Vapi)
        .create(Resource::Assistants, &json!({"name": 42}))
        .await
        .unwrap_err();
    assert!(
        matches!(&vapi, ProviderError::Rejected { status: 400, message, .. } if message.contains("name must be a string")),
        "{vapi:?}"
    );
    let el = client(&sim, ProviderKind::ElevenLabs)
        .create(Resource::Assistants, &json!({"name": "x"}))
        .await
        .unwrap_err();
    assert!(
        matches!(&el, ProviderError::Rejected { status: 422, message, .. } if message.contains("conversation_config: Field required")),
        "{el:?}"
    );
    assert!(el
        .to_string()
        .starts_with("ElevenLabs rejected the request (HTTP 422): "));
}

#[tokio::test]
async fn an_unknown_id_gives_not_found_naming_what_was_looked_for() {
    let sim = spawn_sim().await;
    let error = client(&sim, ProviderKind::ElevenLabs)
        .get(Resource::Calls, "conv_missing")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "ElevenLabs has no conversation with id \"conv_missing\" in this account; it may have been deleted"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_unavailable_after_the_retries() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = ClientConfig::new(ProviderKind::Vapi, WRONG_KEY, Some(format!("http://{closed}")));
    config.max_retries = 1;
    let error = build_client(config).list(Resource::Assistants).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn no_error_or_debug_output_contains_the_key() {
    let sim = spawn_sim().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut texts = Vec::new();
    for kind in [ProviderKind::Vapi, ProviderKind::ElevenLabs] {
        let mut config = ClientConfig::new(kind, WRONG_KEY, Some(sim.base_url()));
        config.timeout = Duration::from_secs(2);
        texts.push(format!("{config:?}"));
        let provider = build_client(config.clone());
        let errors = [
            provider.verify().await.unwrap_err(),
            provider.get(Resource::Assistants, WRONG_KEY).await.unwrap_err(),
            provider
                .create(Resource::Assistants, &json!({"name": WRONG_KEY}))
                .await
                .unwrap_err(),
        ];
        config.base_url = Some(format!("http://{closed}"));
        config.max_retries = 0;
        let unreachable = build_client(config).list(Resource::Calls).await.unwrap_err();
        for error in errors.iter().chain([&unreachable]) {
            texts.push(error.to_string());
            texts.push(format!("{error:?}"));
        }
    }
    for text in texts {
        assert!(!text.contains(WRONG_KEY), "{text}");
    }
}
