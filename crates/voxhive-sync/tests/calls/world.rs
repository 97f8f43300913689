//! A store and a simulator for the call tests, and readers of the simulator's own calls.

use std::sync::Arc;

use serde_json::Value;
use voxhive_core::crypto::MasterKey;
use voxhive_providers::{build_client, ClientConfig, ProviderClient, ProviderKind};
use voxhive_sim::SimHandle;
use voxhive_store::{CallTotals, Connection, Store, UsageGroupBy, UsageQuery};

use crate::support;

pub struct World {
    pub store: Store,
    pub sim: SimHandle,
    pub master_key: Arc<MasterKey>,
    _dir: tempfile::TempDir,
}

/// A fresh store and a simulator with `calls` calls over three accounts (two Vapi, one ElevenLabs).
pub async fn world(prefix: &str, calls: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), prefix).await;
    let sim = support::start_sim(3, calls).await;
    World {
        store,
        sim,
        master_key: Arc::new(MasterKey::generate()),
        _dir: dir,
    }
}

/// A fresh store and a simulator whose live calls move every 20 ms.
pub async fn live_world(prefix: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = support::fresh_store(dir.path(), prefix).await;
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = 2;
    config.sizes.calls = 0;
    config.live_step = std::time::Duration::from_millis(20);
    let sim = voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    World {
        store,
        sim,
        master_key: Arc::new(MasterKey::generate()),
        _dir: dir,
    }
}

impl World {
    /// The first account's key of `kind`.
    pub fn key(&self, kind: ProviderKind) -> String {
        match kind {
            ProviderKind::Vapi => self.sim.vapi_keys()[0].clone(),
            ProviderKind::ElevenLabs => self.sim.elevenlabs_keys()[0].clone(),
        }
    }

    /// A connection to the first account of `kind`, its key sealed as in production.
    pub async fn connect(&self, kind: ProviderKind) -> Connection {
        self.connect_with_key(kind, &self.key(kind)).await
    }

    pub async fn connect_with_key(&self, kind: ProviderKind, key: &str) -> Connection {
        let label = format!("{} {}", kind.as_str(), voxhive_core::secret::random_token(3));
        support::sim_connection(&self.store, &self.sim, kind, &label, &self.master_key.seal(key)).await
    }

    /// A client of the first account of `kind`, retrying once at most.
    pub fn client(&self, kind: ProviderKind) -> Arc<dyn ProviderClient> {
        self.client_with_key(kind, &self.key(kind))
    }

    pub fn client_with_key(&self, kind: ProviderKind, key: &str) -> Arc<dyn ProviderClient> {
        let mut config = ClientConfig::new(kind, key.to_owned(), Some(self.sim.base_url()));
        config.max_retries = 1;
        build_client(config)
    }

    /// What the rollups hold for a connection, over all days.
    pub async fn totals(&self, connection_id: i64) -> CallTotals {
        let query = UsageQuery {
            from: jiff::civil::date(2000, 1, 1),
            to: jiff::civil::date(2100, 1, 1),
            connection_id: Some(connection_id),
        };
        self.store
            .usage(1, &query, UsageGroupBy::Connection)
            .await
            .unwrap()
            .totals
    }

    /// The call stored for `remote_id` on a connection, which must exist.
    pub async fn stored_call(&self, connection_id: i64, remote_id: &str) -> voxhive_store::Call {
        self.store
            .call_by_remote_id(connection_id, remote_id)
            .await
            .unwrap()
            .expect("the call is stored")
    }

    /// Every call of the first account of `kind`, whole, read from the simulator's HTTP API.
    pub async fn sim_calls(&self, kind: ProviderKind) -> Vec<Value> {
        let http = reqwest::Client::new();
        let base = self.sim.base_url();
        let key = self.key(kind);
        match kind {
            ProviderKind::Vapi => {
                let list = json_of(http.get(format!("{base}/call?limit=1000")).bearer_auth(&key)).await;
                list.as_array().unwrap().clone()
            }
            ProviderKind::ElevenLabs => {
                let mut docs = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut url = format!("{base}/v1/convai/conversations?page_size=100");
                    if let Some(c) = &cursor {
                        url.push_str(&format!("&cursor={c}"));
                    }
                    let page = json_of(http.get(url).header("xi-api-key", &key)).await;
                    for summary in page["conversations"].as_array().unwrap() {
                        let id = summary["conversation_id"].as_str().unwrap();
                        let url = format!("{base}/v1/convai/conversations/{id}");
                        docs.push(json_of(http.get(url).header("xi-api-key", &key)).await);
                    }
                    match page["next_cursor"].as_str() {
                        Some(next) if page["has_more"] == true => cursor = Some(next.to_owned()),
                        _ => return docs,
                    }
                }
            }
        }
    }
}

/// Sends a request and reads its JSON answer.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let res = request.send().await.expect("send");
    res.json().await.expect("a JSON answer")
}

/// The provider's USD amount at `pointer`, decimal-rounded to micro-USD (0 when absent). The
/// simulator's amounts have at most four decimals, so scaling the float by 10^6 and rounding is exact.
pub fn micro_usd(doc: &Value, pointer: &str) -> i64 {
    doc.pointer(pointer)
        .and_then(Value::as_f64)
        .map_or(0, |usd| (usd * 1e6).round() as i64)
}

/// The remote id of a simulator call document of `kind`.
pub fn remote_id(kind: ProviderKind, doc: &Value) -> String {
    let key = match kind {
        ProviderKind::Vapi => "id",
        ProviderKind::ElevenLabs => "conversation_id",
    };
    doc[key].as_str().unwrap().to_owned()
}

/// The cost the simulator gives a call, decimal-rounded to micro-USD.
pub fn sim_cost(kind: ProviderKind, doc: &Value) -> i64 {
    match kind {
        ProviderKind::Vapi => micro_usd(doc, "/cost"),
        ProviderKind::ElevenLabs => micro_usd(doc, "/metadata/cost_fiat"),
    }
}

/// The five stored components of a call add up to its total.
pub fn components(call: &voxhive_store::NewCall) -> i64 {
    call.cost_transport_micro_usd
        + call.cost_stt_micro_usd
        + call.cost_llm_micro_usd
        + call.cost_tts_micro_usd
        + call.cost_platform_micro_usd
}
