//! Budgets through the JSON API (create, read with this month's spending, change, delete; roles;
//! validation) and the Budgets & Alerts page with the banner every page shows once a threshold
//! is crossed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_store::NewCall;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{self, csrf_from, spawn_app, TestApp};

/// Spending of `micro_usd` today on a Vapi connection of the workspace "Acme".
async fn spend_today(app: &TestApp, micro_usd: i64) -> i64 {
    let ws = app.workspace_id("Acme").await;
    let connection = app.stored_connection(ws, "vapi", "Agency").await;
    let call = NewCall {
        cost_micro_usd: micro_usd,
        ..support::call(connection.id, "call-1", voxhive_core::time::now_ms())
    };
    app.store().upsert_calls(&[call]).await.unwrap();
    connection.id
}

#[tokio::test]
async fn budgets_are_created_read_changed_and_deleted_with_this_months_spending() {
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let connection_id = spend_today(&app, 6_000_000).await;
    let doc = app.openapi().await;

    let workspace_budget = json!({"scope": "workspace", "amount_micro_usd": 10_000_000});
    let (status, budget) = app
        .api(&token, Method::POST, "/api/v1/budgets", Some(workspace_budget))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_matches_schema(&doc, &response_schema(&doc, "/budgets", "post", "201"), &budget);
    assert_eq!(budget["label"], "Workspace");
    assert_eq!(budget["spent_micro_usd"], 6_000_000);
    assert_eq!(budget["percent"], 60);
    assert!(
        budget["crossed"].as_array().unwrap().contains(&json!("half")),
        "{budget}"
    );

    let connection_budget =
        json!({"scope": "connection", "connection_id": connection_id, "amount_micro_usd": 50_000_000});
    let (status, _) = app
        .api(&token, Method::POST, "/api/v1/budgets", Some(connection_budget))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, list) = app.api(&token, Method::GET, "/api/v1/budgets", None).await;
    assert_matches_schema(&doc, &response_schema(&doc, "/budgets", "get", "200"), &list);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["label"], "Agency");
    assert_eq!(list[1]["crossed"], json!([]));

    // A second budget for the workspace: 409.
    let second = json!({"scope": "workspace", "amount_micro_usd": 1_000_000});
    let (status, _) = app.api(&token, Method::POST, "/api/v1/budgets", Some(second)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let path = format!("/api/v1/budgets/{}", budget["id"].as_i64().unwrap());
    let lower = json!({"amount_micro_usd": 5_000_000});
    let (_, changed) = app.api(&token, Method::PATCH, &path, Some(lower)).await;
    assert_eq!(changed["percent"], 120);
    assert!(changed["crossed"].as_array().unwrap().contains(&json!("full")));

    assert_eq!(
        app.api(&token, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.api(&token, Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_budgets_are_refused_with_the_field_named_and_viewers_cannot_set_them() {
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let other = app.token_for("other@example.com", "Other").await;
    let post = |token: String, body: Value| {
        let app = &app;
        async move { app.api(&token, Method::POST, "/api/v1/budgets", Some(body)).await }
    };

    for (body, field) in [
        (json!({"scope": "planet", "amount_micro_usd": 1_000_000}), "scope"),
        (json!({"scope": "workspace", "amount_micro_usd": 0}), "amount_micro_usd"),
        (
            json!({"scope": "connection", "amount_micro_usd": 1_000_000}),
            "connection_id",
        ),
    ] {
        let (status, err) = post(token.clone(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], field, "{err}");
    }

    let (status, _) = post(viewer, json!({"scope": "workspace", "amount_micro_usd": 1_000_000})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another workspace's connection cannot be budgeted, and its budgets are not visible.
    let connection_id = spend_today(&app, 1).await;
    let (status, _) = post(
        other.clone(),
        json!({"scope": "connection", "connection_id": connection_id, "amount_micro_usd": 1_000_000}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, budget) = post(token, json!({"scope": "workspace", "amount_micro_usd": 1_000_000})).await;
    let path = format!("/api/v1/budgets/{}", budget["id"].as_i64().unwrap());
    assert_eq!(app.api(&other, Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_page_sets_a_budget_and_every_page_shows_the_alert_banner() {
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    spend_today(&app, 9_000_000).await;
    let client = app.signed_in("owner@example.com").await;

    let (status, html) = app.page(&client, "/settings/budgets").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No budgets yet"));
    assert!(!html.contains("budget-banner"));

    let res = app
        .post_form(
            &client,
            "/settings/budgets",
            &[
                ("csrf_token", &csrf_from(&html)),
                ("scope", "workspace"),
                ("amount", "ten"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&client, "/settings/budgets").await;
    assert!(html.contains("Amount: enter a number"), "the refusal is shown");

    app.post_form(
        &client,
        "/settings/budgets",
        &[
            ("csrf_token", &csrf_from(&html)),
            ("scope", "workspace"),
            ("amount", "10"),
        ],
    )
    .await;
    let (_, html) = app.page(&client, "/settings/budgets").await;
    assert!(
        html.contains("Budget of $10.00 a month set for the whole workspace."),
        "{html}"
    );
    assert!(html.contains("$9.00"), "spent is shown");
    assert!(html.contains("value=\"90\""), "the meter shows 90 percent");

    // 90 % is past 80 %: the banner shows on every page.
    let (_, html) = app.page(&client, "/assistants").await;
    assert!(html.contains("budget-banner"), "{html}");
    assert!(html.contains("$10.00 budget"));

    let res = app
        .post_form(
            &client,
            "/settings/alerts",
            &[
                ("csrf_token", &csrf_from(&html)),
                ("alert_webhook_url", "not a url"),
                ("retention_days", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&client, "/settings/budgets").await;
    assert!(html.contains("full address"), "the bad webhook is refused");
    app.post_form(
        &client,
        "/settings/alerts",
        &[
            ("csrf_token", &csrf_from(&html)),
            ("alert_webhook_url", "https://hooks.example.com/T000/B000"),
            ("retention_days", "400"),
        ],
    )
    .await;
    let settings = app
        .store()
        .workspace_settings(app.workspace_id("Acme").await)
        .await
        .unwrap();
    assert_eq!(
        settings.alert_webhook_url.as_deref(),
        Some("https://hooks.example.com/T000/B000")
    );
    assert_eq!(settings.retention_days, Some(400));
}
