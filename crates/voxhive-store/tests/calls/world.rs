//! A workspace with a Vapi and an ElevenLabs connection, and calls to store in it.

use serde_json::json;
use voxhive_core::time::Millis;
use voxhive_store::{AssistantState, Becomes, NewCall, NewRevision, RollupCheck, Store};

use crate::support::{fresh_store, TestStore};

pub struct World {
    pub t: TestStore,
    pub vapi: i64,
    pub eleven: i64,
}

pub async fn world(prefix: &str) -> World {
    let t = fresh_store(prefix).await;
    let vapi = t.connection("vapi", "Vapi production").await;
    let eleven = t.connection("elevenlabs", "ElevenLabs").await;
    World { t, vapi, eleven }
}

impl World {
    pub fn store(&self) -> &Store {
        &self.t.store
    }

    pub fn ws(&self) -> i64 {
        self.t.workspace_id
    }

    /// Recomputes the rollups and asserts they were already right.
    pub async fn assert_rollups_exact(&self) {
        let check = self.store().recompute_rollups(self.ws()).await.unwrap();
        assert_eq!(check, RollupCheck::default(), "the rollups drifted from the calls");
    }

    /// An assistant imported from `connection` with the provider id `remote_id`.
    pub async fn assistant(&self, connection_id: i64, remote_id: &str, name: &str) -> i64 {
        let state = AssistantState {
            remote_id: Some(remote_id.to_string()),
            name: name.to_string(),
            sync_status: "synced".to_string(),
            base_hash: Some("h".to_string()),
            local_hash: "h".to_string(),
            remote_hash: Some("h".to_string()),
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
        self.store()
            .create_assistant(self.ws(), connection_id, &state, &revision, all)
            .await
            .unwrap()
    }
}

/// An RFC 3339 instant in storage form.
pub fn at(instant: &str) -> Millis {
    instant.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// An ended one-minute call of the assistant `asst_1`, costing 10 cents.
pub fn call(connection_id: i64, remote_id: &str, started: &str) -> NewCall {
    let started_at = at(started);
    NewCall {
        connection_id,
        remote_id: remote_id.to_string(),
        remote_assistant_id: Some("asst_1".to_string()),
        status: "ended".to_string(),
        direction: Some("inbound".to_string()),
        customer_number: Some("+4930123456".to_string()),
        started_at,
        ended_at: Some(started_at + 60_000),
        created_at: Some(started_at - 1_000),
        duration_ms: 60_000,
        ended_reason: Some("customer-ended-call".to_string()),
        success: Some(true),
        cost_micro_usd: 100_000,
        cost_transport_micro_usd: 10_000,
        cost_stt_micro_usd: 20_000,
        cost_llm_micro_usd: 30_000,
        cost_tts_micro_usd: 25_000,
        cost_platform_micro_usd: 5_000,
        llm_prompt_tokens: 1_200,
        llm_completion_tokens: 300,
        tts_characters: 900,
        summary: Some("The caller asked about opening hours.".to_string()),
        transcript_text: Some("AI: Hello, how can I help?\nUser: When are you open?".to_string()),
        transcript: Some(json!([{"role": "assistant", "text": "Hello, how can I help?"}])),
        document: json!({"id": remote_id, "status": "ended"}),
        ..NewCall::default()
    }
}
