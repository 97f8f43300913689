//! One call with everything stored about it, for the call's page.

use voxhive_core::time::Millis;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A call with everything stored about it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Call {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    pub provider: String,
    pub remote_id: String,
    pub remote_assistant_id: Option<String>,
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    pub assistant_revision_id: Option<i64>,
    pub status: String,
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub created_at: Option<Millis>,
    pub remote_updated_at: Option<Millis>,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    pub success: Option<bool>,
    pub cost_micro_usd: i64,
    pub cost_credits: i64,
    pub cost_transport_micro_usd: i64,
    pub cost_stt_micro_usd: i64,
    pub cost_llm_micro_usd: i64,
    pub cost_tts_micro_usd: i64,
    pub cost_platform_micro_usd: i64,
    pub llm_prompt_tokens: i64,
    pub llm_completion_tokens: i64,
    pub tts_characters: i64,
    pub summary: Option<String>,
    pub transcript_text: Option<String>,
    /// JSON text.
    pub transcript: Option<String>,
    /// JSON text.
    pub analysis: Option<String>,
    pub recording_url: Option<String>,
    /// Where the archived recording is kept, once archived.
    pub recording_key: Option<String>,
    /// JSON text: the provider's document.
    pub document: String,
    /// The day (`YYYY-MM-DD`, workspace zone) the call is counted under.
    pub day: String,
    pub first_seen_at: Millis,
    pub updated_at: Millis,
}

const CALL_COLUMNS: &str = "c.id, c.workspace_id, c.connection_id, n.label AS connection_label, c.provider, \
    c.remote_id, c.remote_assistant_id, c.assistant_id, a.name AS assistant_name, c.assistant_revision_id, c.status, \
    c.direction, c.customer_number, c.started_at, c.ended_at, c.created_at, c.remote_updated_at, c.duration_ms, \
    c.ended_reason, c.success, c.cost_micro_usd, c.cost_credits, c.cost_transport_micro_usd, c.cost_stt_micro_usd, \
    c.cost_llm_micro_usd, c.cost_tts_micro_usd, c.cost_platform_micro_usd, c.llm_prompt_tokens, \
    c.llm_completion_tokens, c.tts_characters, c.summary, c.transcript_text, c.transcript, c.analysis, \
    c.recording_url, c.recording_key, c.document, c.day, c.first_seen_at, c.updated_at";
impl Store {
    /// One call of this workspace; `None` for an id of another workspace.
    pub async fn call(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Call>> {
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls c JOIN connections n ON n.id = c.connection_id \
             LEFT JOIN assistants a ON a.id = c.assistant_id WHERE c.workspace_id = $1 AND c.id = $2"
        );
        let row = on_pool!(self, pool => sqlx::query_as::<_, Call>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The call a connection's provider id maps to.
    pub async fn call_by_remote_id(&self, connection_id: i64, remote_id: &str) -> StoreResult<Option<Call>> {
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls c JOIN connections n ON n.id = c.connection_id \
             LEFT JOIN assistants a ON a.id = c.assistant_id WHERE c.connection_id = $1 AND c.remote_id = $2"
        );
        let row = on_pool!(self, pool => sqlx::query_as::<_, Call>(&sql)
            .bind(connection_id).bind(remote_id).fetch_optional(pool).await)?;
        Ok(row)
    }
    /// Records where a call's recording was archived.
    pub async fn set_call_recording_key(&self, workspace_id: i64, id: i64, key: &str) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE calls SET recording_key = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(key).bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
