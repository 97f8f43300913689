//! Budgets: spending per scope this month, thresholds, and alerts sent once per threshold and
//! month to a Slack-compatible webhook (a real HTTP server in the test).

#[allow(dead_code)] // Shared by every test crate; this one needs only the store.
mod support;

use std::sync::{Arc, Mutex};

use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::Value;
use support::fresh_store;
use voxhive_store::{BudgetScope, NewCall, NewConnection, Store, WorkspaceSettings};
use voxhive_sync::budgets::{check_budgets, statuses, Threshold};

async fn connection(store: &Store, label: &str) -> i64 {
    store
        .create_connection(&NewConnection {
            workspace_id: 1,
            provider: "vapi",
            label,
            base_url: None,
            api_key_sealed: "sealed",
            key_last4: "0000",
            usd_per_credit_nano: None,
        })
        .await
        .unwrap()
        .id
}

fn call(connection_id: i64, id: &str, started: &str, cost_micro_usd: i64) -> NewCall {
    NewCall {
        connection_id,
        remote_id: id.to_owned(),
        status: "ended".to_owned(),
        started_at: started.parse::<Timestamp>().unwrap().as_millisecond(),
        duration_ms: 60_000,
        cost_micro_usd,
        document: serde_json::json!({"id": id}),
        ..NewCall::default()
    }
}

/// Receives alerts like a Slack incoming webhook; keeps the texts.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let texts = Arc::new(Mutex::new(Vec::new()));
    let kept = texts.clone();
    let app = Router::new().route(
        "/hook",
        post(move |Json(body): Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(body["text"].as_str().unwrap_or_default().to_owned());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, texts)
}

#[tokio::test]
async fn spending_is_counted_per_scope_for_the_month_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path(), "vh_budget_scope").await;
    let (a, b) = (
        connection(&store, "Agency A").await,
        connection(&store, "Agency B").await,
    );
    let calls = [
        call(a, "1", "2026-11-02T10:00:00Z", 3_000_000),
        call(b, "2", "2026-11-09T10:00:00Z", 1_500_000),
        // Last month: not counted.
        call(a, "3", "2026-10-31T23:00:00Z", 9_000_000),
    ];
    store.upsert_calls(&calls).await.unwrap();
    store
        .create_budget(1, BudgetScope::Workspace, 10_000_000)
        .await
        .unwrap();
    store
        .create_budget(1, BudgetScope::Connection { connection_id: a }, 5_000_000)
        .await
        .unwrap();
    let now: Timestamp = "2026-11-10T12:00:00Z".parse().unwrap();
    let statuses = statuses(&store, 1, now).await.unwrap();
    assert_eq!(statuses.len(), 2);
    let workspace = &statuses[0];
    assert_eq!(workspace.budget.label, "Workspace");
    assert_eq!(workspace.spent_micro_usd, 4_500_000);
    assert_eq!(workspace.period, "2026-11");
    // 4.5 dollars over 10 days carried to 30 days.
    assert_eq!(workspace.projected_micro_usd, 13_500_000);
    assert_eq!(workspace.crossed, vec![Threshold::Projected]);
    let agency_a = &statuses[1];
    assert_eq!(agency_a.budget.label, "Agency A");
    assert_eq!(agency_a.spent_micro_usd, 3_000_000);
    assert_eq!(agency_a.percent, 60);
    assert_eq!(agency_a.crossed, vec![Threshold::Half, Threshold::Projected]);
}

#[tokio::test]
async fn each_threshold_is_alerted_once_per_month_and_delivery_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path(), "vh_budget_alerts").await;
    let a = connection(&store, "Agency A").await;
    let (url, texts) = receiver().await;
    store
        .set_workspace_settings(
            1,
            &WorkspaceSettings {
                alert_webhook_url: Some(url),
                retention_days: None,
            },
        )
        .await
        .unwrap();
    let budget = store
        .create_budget(1, BudgetScope::Workspace, 10_000_000)
        .await
        .unwrap();
    store
        .upsert_calls(&[call(a, "1", "2026-11-20T10:00:00Z", 8_200_000)])
        .await
        .unwrap();
    let now: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();

    // 82 % by the 20th: the 50 and 80 percent alerts and the projected overrun.
    assert_eq!(check_budgets(&store, now).await.unwrap(), 3);
    // Checking again sends nothing new.
    assert_eq!(check_budgets(&store, now).await.unwrap(), 0);
    let sent = texts.lock().unwrap().clone();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(
        sent.iter()
            .filter(|t| t.contains("passed 80% of its $10.00 budget for November 2026: $8.20 spent (82%)"))
            .count(),
        1,
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|t| t.contains("on course to spend $12.30 in November 2026")),
        "{sent:?}"
    );

    // Crossing 100 % later sends only that one.
    store
        .upsert_calls(&[call(a, "2", "2026-11-20T11:00:00Z", 2_000_000)])
        .await
        .unwrap();
    assert_eq!(check_budgets(&store, now).await.unwrap(), 1);
    let alerts = store.budget_alerts(1, "2026-11").await.unwrap();
    assert_eq!(alerts.len(), 4);
    assert!(alerts.iter().all(|a| a.budget_id == budget.id && a.delivery == "sent"));
    assert_eq!(alerts[0].threshold, "100");
    assert_eq!(alerts[0].spent_micro_usd, 10_200_000);
}

#[tokio::test]
async fn an_unreachable_webhook_is_recorded_as_failed_and_not_retried_as_a_new_alert() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path(), "vh_budget_fail").await;
    let a = connection(&store, "Agency A").await;
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    store
        .set_workspace_settings(
            1,
            &WorkspaceSettings {
                alert_webhook_url: Some(url),
                retention_days: Some(30),
            },
        )
        .await
        .unwrap();
    store.create_budget(1, BudgetScope::Workspace, 1_000_000).await.unwrap();
    store
        .upsert_calls(&[call(a, "1", "2026-11-20T10:00:00Z", 1_000_000)])
        .await
        .unwrap();
    let now: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
    assert_eq!(check_budgets(&store, now).await.unwrap(), 3);
    let alerts = store.budget_alerts(1, "2026-11").await.unwrap();
    assert!(alerts.iter().all(|a| a.delivery == "failed"), "{alerts:?}");
    assert_eq!(alerts[0].delivery_error.as_deref(), Some("could not connect"));
}

#[tokio::test]
async fn a_second_budget_for_the_same_thing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path(), "vh_budget_dup").await;
    store.create_budget(1, BudgetScope::Workspace, 1_000_000).await.unwrap();
    let again = store.create_budget(1, BudgetScope::Workspace, 2_000_000).await;
    assert!(
        matches!(again, Err(voxhive_store::StoreError::Duplicate(_))),
        "{again:?}"
    );
    let budget = &store.budgets(1).await.unwrap()[0];
    assert!(store.set_budget_amount(1, budget.id, 3_000_000).await.unwrap());
    assert_eq!(
        store.budget(1, budget.id).await.unwrap().unwrap().amount_micro_usd,
        3_000_000
    );
    assert!(store.delete_budget(1, budget.id).await.unwrap());
    assert!(!store.delete_budget(1, budget.id).await.unwrap());
}
