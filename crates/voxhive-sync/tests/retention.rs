//! Retention applied across workspaces: only calls older than each workspace's setting lose
//! their contents, and only once.

#[allow(dead_code)] // Shared by every test crate; this one needs only the store.
mod support;

use jiff::Timestamp;
use support::fresh_store;
use voxhive_store::{NewCall, NewConnection, WorkspaceSettings};
use voxhive_sync::retention::apply_retention;

#[tokio::test]
async fn contents_older_than_the_setting_are_deleted_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path(), "vh_retention_apply").await;
    let connection = store
        .create_connection(&NewConnection {
            workspace_id: 1,
            provider: "vapi",
            label: "Main",
            base_url: None,
            api_key_sealed: "sealed",
            key_last4: "0000",
            usd_per_credit_nano: None,
        })
        .await
        .unwrap();
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    let call = |id: &str, days_ago: i64| NewCall {
        connection_id: connection.id,
        remote_id: id.to_owned(),
        status: "ended".to_owned(),
        started_at: now.as_millisecond() - days_ago * 86_400_000,
        transcript_text: Some("User: hello".to_owned()),
        document: serde_json::json!({"id": id}),
        ..NewCall::default()
    };
    store.upsert_calls(&[call("old", 40), call("new", 10)]).await.unwrap();

    // No setting: everything is kept.
    assert!(apply_retention(&store, now).await.unwrap().is_empty());
    store
        .set_workspace_settings(
            1,
            &WorkspaceSettings {
                alert_webhook_url: None,
                retention_days: Some(30),
            },
        )
        .await
        .unwrap();
    let purged = apply_retention(&store, now).await.unwrap();
    assert_eq!(purged.len(), 1);
    assert!(apply_retention(&store, now).await.unwrap().is_empty());
    let old = store.call_by_remote_id(connection.id, "old").await.unwrap().unwrap();
    let new = store.call_by_remote_id(connection.id, "new").await.unwrap().unwrap();
    assert_eq!(old.transcript_text, None);
    assert_eq!(new.transcript_text.as_deref(), Some("User: hello"));
}
