//! Provider connections against the simulator: keys checked before storage, never shown again.

use reqwest::StatusCode;
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{spawn_app, spawn_sim};

#[tokio::test]
async fn a_working_key_is_stored_sealed_and_only_its_last_four_characters_come_back() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Admin).await;
    let token = app.token_for("ada@example.com", "Acme").await;
    let http = reqwest::Client::new();
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];

    let res = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider": "vapi", "label": "Production", "api_key": key, "base_url": sim.base_url()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let text = res.text().await.unwrap();
    assert!(!text.contains(key), "the key never comes back: {text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(created["key_last4"], &key[key.len() - 4..]);
    assert_eq!(created["provider"], "vapi");
    assert!(created["last_verified_at"].is_string());

    let list: Value = http
        .get(app.url("/api/v1/connections"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let doc: Value = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_matches_schema(&doc, &response_schema(&doc, "/connections", "post", "201"), &created);
    assert_matches_schema(&doc, &response_schema(&doc, "/connections", "get", "200"), &list);
    let id = created["id"].as_i64().unwrap();
    let tested = http
        .post(app.url(&format!("/api/v1/connections/{id}/test")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(tested.status(), StatusCode::OK);

    let stored = app.store().connection(1, id).await.unwrap().unwrap();
    assert!(stored.api_key_sealed.starts_with("v1.") && !stored.api_key_sealed.contains(key));
    let deleted = http
        .delete(app.url(&format!("/api/v1/connections/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(app.store().connections(1).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_refused_key_is_answered_with_the_providers_reason_and_nothing_is_stored() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("ada@example.com", "Acme").await;
    let http = reqwest::Client::new();
    for provider in ["vapi", "elevenlabs"] {
        let res = http
            .post(app.url("/api/v1/connections"))
            .bearer_auth(&token)
            .json(&json!({"provider": provider, "label": "Wrong", "api_key": "not-a-real-key-9999", "base_url": sim.base_url()}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{provider}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], "api_key");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("key"),
            "{body}"
        );
    }
    let bad = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider": "retell", "label": "X", "api_key": "k"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["field"], "provider");
    assert!(app.store().connections(1).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn viewers_list_connections_but_cannot_add_or_remove_them_and_other_workspaces_get_404() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let http = reqwest::Client::new();
    let owner = app.token_for("owner@example.com", "Acme").await;
    let body = json!({"provider": "elevenlabs", "label": "Voice", "api_key": voxhive_sim::DEFAULT_EL_KEY, "base_url": sim.base_url(), "usd_per_credit": "0.00022"});
    let created: Value = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&owner)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["usd_per_credit"], "0.00022");
    let id = created["id"].as_i64().unwrap();

    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let list = http
        .get(app.url("/api/v1/connections"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let add = http
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&viewer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(add.status(), StatusCode::FORBIDDEN);
    let del = http
        .delete(app.url(&format!("/api/v1/connections/{id}")))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::FORBIDDEN);

    let other = app.token_for("other@example.com", "Other").await;
    for res in [
        http.get(app.url(&format!("/api/v1/connections/{id}")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
        http.post(app.url(&format!("/api/v1/connections/{id}/test")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
        http.delete(app.url(&format!("/api/v1/connections/{id}")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.store().connections(1).await.unwrap().len(), 1);
    app.stop().await;
}
