//! Starting a simulator and the handle that reaches into it, as each provider's own dashboard would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::{oneshot, watch};

use crate::app::{router, Sim};
use crate::config::{Faults, SimConfig};
use crate::faults::FaultState;
use crate::state::{find, World};
use crate::time::{iso, now};
use crate::{elevenlabs, ids, listener, seed, vapi};

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    sim: Arc<Sim>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    stopped: Option<oneshot::Receiver<()>>,
}

/// Seeds the data of `config`, binds `addr` (`127.0.0.1:0` picks a port) and serves both providers.
pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimHandle> {
    let listener = listener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let world = seed::world(&config);
    let (stop, stopping) = watch::channel(false);
    let sim = Arc::new(Sim {
        world: Mutex::new(world),
        faults: Mutex::new(FaultState::new(config.faults.clone(), config.seed)),
        base_url: format!("http://{addr}"),
        live_step: config.live_step,
        http: reqwest::Client::new(),
        stopping: stopping.clone(),
    });
    let (done, stopped) = oneshot::channel();
    tokio::spawn(listener::serve(listener, router(sim.clone()), stopping, done));
    Ok(SimHandle {
        sim,
        addr,
        stop,
        stopped: Some(stopped),
    })
}

impl SimHandle {
    /// `http://127.0.0.1:<port>`: Vapi at the root, ElevenLabs under `/v1/`.
    pub fn base_url(&self) -> String {
        self.sim.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Vapi organisations' API keys, in configuration order.
    pub fn vapi_keys(&self) -> Vec<String> {
        self.world().vapi.iter().map(|a| a.api_key.clone()).collect()
    }

    /// The ElevenLabs workspaces' API keys, in configuration order.
    pub fn elevenlabs_keys(&self) -> Vec<String> {
        self.world().elevenlabs.iter().map(|a| a.api_key.clone()).collect()
    }

    /// Replaces the fault settings.
    pub fn set_faults(&self, faults: Faults) {
        self.sim.faults.lock().unwrap_or_else(|e| e.into_inner()).faults = faults;
    }

    /// The fault settings in force.
    pub fn faults(&self) -> Faults {
        self.sim.faults.lock().unwrap_or_else(|e| e.into_inner()).faults.clone()
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.sim.world()
    }

    /// The stored assistant, as `GET /assistant/{id}` would return it.
    pub fn vapi_assistant(&self, key: &str, id: &str) -> Option<Value> {
        let world = self.world();
        let account = &world.vapi[world.vapi_by_key(key)?];
        find(&account.assistants, "id", id).map(|i| account.assistants[i].clone())
    }

    /// All stored assistants of an organisation, oldest first.
    pub fn vapi_assistants(&self, key: &str) -> Vec<Value> {
        let world = self.world();
        world
            .vapi_by_key(key)
            .map(|i| world.vapi[i].assistants.clone())
            .unwrap_or_default()
    }

    /// Edits an assistant behind the client's back: top-level fields replaced, `updatedAt` bumped.
    pub fn vapi_edit_assistant(&self, key: &str, id: &str, fields: Value) -> Option<Value> {
        let mut world = self.world();
        let org = world.vapi_by_key(key)?;
        let docs = &mut world.vapi[org].assistants;
        let i = find(docs, "id", id)?;
        let doc = docs[i].as_object_mut()?;
        doc.extend(fields.as_object()?.clone());
        doc.insert("updatedAt".into(), json!(iso(now())));
        Some(docs[i].clone())
    }

    /// Deletes an assistant behind the client's back; true if it existed.
    pub fn vapi_delete_assistant(&self, key: &str, id: &str) -> bool {
        let mut world = self.world();
        let Some(org) = world.vapi_by_key(key) else {
            return false;
        };
        let docs = &mut world.vapi[org].assistants;
        find(docs, "id", id).map(|i| docs.remove(i)).is_some()
    }

    /// The call, as `GET /call/{id}` would return it.
    pub fn vapi_call(&self, key: &str, id: &str) -> Option<Value> {
        let world = self.world();
        let account = &world.vapi[world.vapi_by_key(key)?];
        let call = account.calls.iter().find(|c| c.id == id)?;
        Some(vapi::call_doc::render(account, call, &self.sim.base_url))
    }

    /// How many calls an organisation has.
    pub fn vapi_call_count(&self, key: &str) -> usize {
        let world = self.world();
        world.vapi_by_key(key).map_or(0, |i| world.vapi[i].calls.len())
    }

    /// Registers a webhook credential (`{"provider": "webhook", "authenticationPlan": {...}}`) that
    /// `server.credentialId` can name; returns its id.
    pub fn vapi_add_credential(&self, key: &str, mut credential: Value) -> Option<String> {
        let mut world = self.world();
        let org = world.vapi_by_key(key)?;
        let id = ids::uuid(&mut world.rng);
        credential["id"] = json!(id);
        world.vapi[org].credentials.push(credential);
        Some(id)
    }

    /// The stored agent, as `GET /v1/convai/agents/{id}` would return it (without phone numbers).
    pub fn elevenlabs_agent(&self, key: &str, id: &str) -> Option<Value> {
        let world = self.world();
        let account = &world.elevenlabs[world.el_by_key(key)?];
        find(&account.agents, "agent_id", id).map(|i| account.agents[i].clone())
    }

    /// All stored agents of a workspace, oldest first.
    pub fn elevenlabs_agents(&self, key: &str) -> Vec<Value> {
        let world = self.world();
        world
            .el_by_key(key)
            .map(|i| world.elevenlabs[i].agents.clone())
            .unwrap_or_default()
    }

    /// Edits an agent behind the client's back: `patch` merged as the API's PATCH does.
    pub fn elevenlabs_edit_agent(&self, key: &str, id: &str, patch: Value) -> Option<Value> {
        let mut world = self.world();
        let ws = world.el_by_key(key)?;
        let agents = &mut world.elevenlabs[ws].agents;
        let i = find(agents, "agent_id", id)?;
        elevenlabs::merge(&mut agents[i], &patch);
        agents[i]["metadata"]["updated_at_unix_secs"] = json!(jiff::Timestamp::now().as_second());
        Some(agents[i].clone())
    }

    /// Deletes an agent behind the client's back; true if it existed.
    pub fn elevenlabs_delete_agent(&self, key: &str, id: &str) -> bool {
        let mut world = self.world();
        let Some(ws) = world.el_by_key(key) else { return false };
        let agents = &mut world.elevenlabs[ws].agents;
        find(agents, "agent_id", id).map(|i| agents.remove(i)).is_some()
    }

    /// The conversation, as `GET /v1/convai/conversations/{id}` would return it.
    pub fn elevenlabs_conversation(&self, key: &str, id: &str) -> Option<Value> {
        let world = self.world();
        let account = &world.elevenlabs[world.el_by_key(key)?];
        account
            .conversations
            .iter()
            .find(|c| c.id == id)
            .map(elevenlabs::conversation_document)
    }

    /// How many conversations a workspace has.
    pub fn elevenlabs_conversation_count(&self, key: &str) -> usize {
        let world = self.world();
        world
            .el_by_key(key)
            .map_or(0, |i| world.elevenlabs[i].conversations.len())
    }

    /// Points the workspace's post-call webhook at `url` (as creating a workspace webhook does);
    /// returns the secret that signs it.
    pub fn elevenlabs_set_webhook(&self, key: &str, url: &str) -> Option<String> {
        let mut world = self.world();
        let ws = world.el_by_key(key)?;
        let id = ids::alnum(&mut world.rng, 20);
        let account = &mut world.elevenlabs[ws];
        let id = elevenlabs::webhooks::register(account, id, "VoxHive", url);
        account.settings["webhooks"]["post_call_webhook_id"] = json!(id);
        Some(account.webhook_secret.clone())
    }

    /// Stops serving, ends live calls and waits until the listener is closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
