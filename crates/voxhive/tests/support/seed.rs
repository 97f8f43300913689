//! Rows stored straight through the store, for tests and benches that need connections,
//! assistants and calls without a provider behind them.

use serde_json::json;
use voxhive_store::{AssistantState, Becomes, Connection, NewCall, NewConnection, NewRevision, Store};

/// Stores a connection in `workspace_id` with a placeholder sealed key and no credit price.
pub async fn connection(store: &Store, workspace_id: i64, provider: &str, label: &str) -> Connection {
    store
        .create_connection(&NewConnection {
            workspace_id,
            provider,
            label,
            base_url: None,
            api_key_sealed: "sealed",
            key_last4: "0000",
            usd_per_credit_nano: None,
        })
        .await
        .expect("store a connection")
}

/// Stores an assistant `name` (remote `remote_id`) in sync on all three sides; returns its id.
pub async fn assistant(store: &Store, workspace_id: i64, connection_id: i64, remote_id: &str, name: &str) -> i64 {
    let state = AssistantState {
        remote_id: Some(remote_id.into()),
        name: name.into(),
        sync_status: "synced".into(),
        base_hash: Some("h".into()),
        local_hash: "h".into(),
        remote_hash: Some("h".into()),
        base_revision_id: None,
        local_revision_id: 0,
        remote_revision_id: None,
        last_error: None,
    };
    let revision = NewRevision {
        hash: "h",
        document: "{}",
        source: "import",
        author_id: None,
    };
    let all = Becomes {
        base: true,
        local: true,
        remote: true,
    };
    store
        .create_assistant(workspace_id, connection_id, &state, &revision, all)
        .await
        .expect("store an assistant")
}

/// An ended one-minute call starting at `started_at` (ms), free of cost; each test sets what it
/// looks at with `..call(…)` or by assigning fields.
pub fn call(connection_id: i64, remote_id: &str, started_at: i64) -> NewCall {
    NewCall {
        connection_id,
        remote_id: remote_id.into(),
        status: "ended".into(),
        started_at,
        ended_at: Some(started_at + 60_000),
        duration_ms: 60_000,
        document: json!({"id": remote_id}),
        ..NewCall::default()
    }
}
