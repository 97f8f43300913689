//! Provider connections against the simulator: keys checked before storage, never shown again.

use reqwest::StatusCode;
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{assert_redirects_to, spawn_app, spawn_sim};

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

#[tokio::test]
async fn the_providers_page_connects_sets_a_credit_price_and_removes_with_errors_at_the_field() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = app.signed_in("ada@example.com").await;
    let base = sim.base_url();

    let refused = app
        .post_form(
            &client,
            "/settings/providers",
            &[
                ("provider", "elevenlabs"),
                ("label", "Voice"),
                ("api_key", "wrong-key-1234"),
                ("base_url", &base),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("id=\"conn-error\"") && html.contains("value=\"Voice\""),
        "the error is shown and the label kept"
    );
    assert!(
        !html.contains("wrong-key-1234"),
        "the key is not echoed back into the page"
    );
    assert!(app.store().connections(1).await.unwrap().is_empty());

    let bad_url = app
        .post_form(
            &client,
            "/settings/providers",
            &[
                ("provider", "vapi"),
                ("label", "X"),
                ("api_key", "k"),
                ("base_url", "ftp://nope"),
            ],
        )
        .await;
    assert_eq!(bad_url.status(), StatusCode::BAD_REQUEST);
    assert!(bad_url
        .text()
        .await
        .unwrap()
        .contains("base URL must start with https://"));

    let ok = app
        .post_form(
            &client,
            "/settings/providers",
            &[
                ("provider", "elevenlabs"),
                ("label", "Voice"),
                ("api_key", voxhive_sim::DEFAULT_EL_KEY),
                ("base_url", &base),
            ],
        )
        .await;
    assert_redirects_to(&ok, "/settings/providers");
    let id = app.store().connections(1).await.unwrap()[0].id;
    let rate = app
        .post_form(
            &client,
            &format!("/settings/providers/{id}/rate"),
            &[("usd_per_credit", "0.0003")],
        )
        .await;
    assert_redirects_to(&rate, "/settings/providers");
    assert_eq!(
        app.store()
            .connection(1, id)
            .await
            .unwrap()
            .unwrap()
            .usd_per_credit_nano,
        Some(300_000)
    );
    let (_, page) = app.page(&client, "/settings/providers").await;
    assert!(
        page.contains("value=\"0.0003\"")
            && page.contains(&format!(
                "…{}",
                &voxhive_sim::DEFAULT_EL_KEY[voxhive_sim::DEFAULT_EL_KEY.len() - 4..]
            ))
    );

    let switch = app
        .post_form(
            &client,
            "/connections/active",
            &[("connection_id", &id.to_string()), ("back", "/calls")],
        )
        .await;
    assert_redirects_to(&switch, "/calls");
    assert_eq!(app.store().active_connection(1, 1).await.unwrap(), Some(id));

    let removed = app
        .post_form(&client, &format!("/settings/providers/{id}/remove"), &[])
        .await;
    assert_redirects_to(&removed, "/settings/providers");
    assert!(app.store().connections(1).await.unwrap().is_empty());
    assert_eq!(
        app.store().active_connection(1, 1).await.unwrap(),
        None,
        "the choice falls back to all"
    );
    app.stop().await;
}

#[tokio::test]
async fn onboarding_connects_the_chosen_provider_and_lands_on_the_dashboard() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let client = app.signed_in("ada@example.com").await;
    let (_, usage) = app.page(&client, "/usage").await;
    assert!(
        usage.contains("href=\"/start\""),
        "a new workspace is pointed to onboarding"
    );
    let res = app
        .post_form(
            &client,
            "/start",
            &[
                ("provider", "vapi"),
                ("mode", "import"),
                ("label", "Main"),
                ("api_key", voxhive_sim::DEFAULT_VAPI_KEYS[1]),
                ("base_url", &sim.base_url()),
            ],
        )
        .await;
    assert_redirects_to(&res, "/usage");
    let (_, usage) = app.page(&client, "/usage").await;
    assert!(
        usage.contains("Connected &#34;Main&#34;. Import its assistants"),
        "{usage}"
    );
    assert!(
        usage.contains("<option value=\"1\" selected>Main</option>"),
        "the new connection is the active one"
    );
    app.stop().await;
}
