//! The JSON API: token authentication, error shape, and the OpenAPI document kept true.

use reqwest::StatusCode;
use serde_json::Value;
use voxhive_core::Role;

use crate::support::spawn_app;

/// Validates `body` against a schema of the OpenAPI document, resolving `#/components/...`.
pub fn assert_matches_schema(doc: &Value, schema: &Value, body: &Value) {
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&root).expect("the documented schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{body} does not match {schema}: {errors:?}");
}

/// The documented JSON schema of an operation's response.
pub fn response_schema(doc: &Value, path: &str, method: &str, status: &str) -> Value {
    let schema = &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} documents a {status} JSON response");
    schema.clone()
}

#[tokio::test]
async fn the_api_answers_who_a_token_acts_as_and_matches_its_openapi_document() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Admin).await;
    app.add_user("ada@example.com", "Other", Role::Owner).await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/assistants",
            "/assistants/push",
            "/assistants/{id}",
            "/assistants/{id}/diff",
            "/assistants/{id}/document",
            "/assistants/{id}/pull",
            "/assistants/{id}/push",
            "/assistants/{id}/revisions",
            "/assistants/{id}/rollback",
            "/budgets",
            "/budgets/{id}",
            "/calls",
            "/calls/{id}",
            "/calls/{id}/control",
            "/connections",
            "/connections/{id}",
            "/connections/{id}/import",
            "/connections/{id}/phone-numbers",
            "/connections/{id}/sync-calls",
            "/connections/{id}/test",
            "/connections/{id}/webhook",
            "/connections/{id}/webhook/rotate",
            "/files",
            "/files/refresh",
            "/files/{id}",
            "/jobs/{id}",
            "/me",
            "/phone-numbers",
            "/phone-numbers/refresh",
            "/phone-numbers/{id}",
            "/test-calls",
            "/test-calls/{id}",
            "/tools",
            "/tools/refresh",
            "/tools/{id}",
            "/usage",
            "/webhooks/deliveries",
            "/webhooks/test"
        ],
        "every route of /api/v1 is documented, and nothing else"
    );

    let token = app.token_for("ada@example.com", "Acme").await;
    let res = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["workspace"]["name"], "Acme");
    assert_eq!(me["workspace"]["time_zone"], "UTC");
    assert_eq!(me["role"], "admin");
    assert_matches_schema(&doc, &response_schema(&doc, "/me", "get", "200"), &me);

    let res = http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "unauthenticated");
    assert_matches_schema(&doc, &response_schema(&doc, "/me", "get", "401"), &err);
    app.stop().await;
}

#[tokio::test]
async fn the_api_refuses_bad_tokens_and_session_cookies_with_json_errors() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let http = reqwest::Client::new();
    for auth in ["Bearer vh_0000", "Bearer nonsense", "Basic YWRhOnB3"] {
        let res = http
            .get(app.url("/api/v1/me"))
            .header("authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains("token"));
    }
    // A signed-in browser session does not authenticate the API (no CSRF surface there).
    let browser = app.signed_in("ada@example.com").await;
    assert_eq!(
        browser.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let token = app.token_for("ada@example.com", "Acme").await;
    let res = http
        .get(app.url("/api/v1/nothing-here"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn tokens_are_stored_as_digests_only() {
    let app = spawn_app().await;
    app.add_user("ada@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("ada@example.com", "Acme").await;
    assert!(token.starts_with("vh_") && token.len() > 40);
    if crate::support::engine() == "sqlite" {
        let db = std::fs::read(app.data_dir.path().join("voxhive.db")).unwrap();
        let wal = std::fs::read(app.data_dir.path().join("voxhive.db-wal")).unwrap_or_default();
        for bytes in [db, wal] {
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the token is not in the database file"
            );
        }
    }
    app.stop().await;
}
