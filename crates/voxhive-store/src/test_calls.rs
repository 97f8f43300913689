//! Test calls started from VoxHive, so a live view and its controls find the provider account of
//! a call from any server instance.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A test call to record once the provider has started it.
#[derive(Clone, Debug)]
pub struct NewTestCall<'a> {
    pub workspace_id: i64,
    pub connection_id: i64,
    pub assistant_id: Option<i64>,
    pub remote_id: &'a str,
    /// `phone` or `websocket`.
    pub transport: &'a str,
    /// The assistant's local revision was sent as a transient assistant.
    pub transient: bool,
    pub websocket_url: Option<&'a str>,
    pub started_by: Option<i64>,
}

/// A recorded test call, with its connection and assistant.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TestCall {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    pub remote_id: String,
    pub transport: String,
    pub transient: bool,
    pub websocket_url: Option<String>,
    pub started_by: Option<i64>,
    pub created_at: Millis,
}

const SELECT: &str = "SELECT t.id, t.workspace_id, t.connection_id, n.label AS connection_label, n.provider, \
    t.assistant_id, a.name AS assistant_name, t.remote_id, t.transport, t.transient, t.websocket_url, t.started_by, t.created_at \
    FROM test_calls t JOIN connections n ON n.id = t.connection_id LEFT JOIN assistants a ON a.id = t.assistant_id \
    WHERE t.workspace_id = $1 AND t.remote_id = $2";

impl Store {
    /// Records a test call; returns its id.
    pub async fn record_test_call(&self, call: &NewTestCall<'_>) -> StoreResult<i64> {
        let id = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO test_calls (workspace_id, connection_id, assistant_id, remote_id, transport, transient, \
             websocket_url, started_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(call.workspace_id).bind(call.connection_id).bind(call.assistant_id).bind(call.remote_id)
            .bind(call.transport).bind(call.transient).bind(call.websocket_url).bind(call.started_by)
            .bind(now_ms()).fetch_one(pool).await)?;
        Ok(id)
    }

    /// The workspace's test call with the provider's call id `remote_id`.
    pub async fn test_call(&self, workspace_id: i64, remote_id: &str) -> StoreResult<Option<TestCall>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, TestCall>(SELECT)
            .bind(workspace_id).bind(remote_id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
