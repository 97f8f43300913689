//! The simulator's configuration: seed, accounts, data sizes, faults and the live-call time scale.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The API keys of the two default Vapi organisations.
pub const DEFAULT_VAPI_KEYS: [&str; 2] = ["vapi-sim-key-org1", "vapi-sim-key-org2"];
/// The API key of the default ElevenLabs workspace.
pub const DEFAULT_EL_KEY: &str = "el-sim-key-ws1";
/// The post-call webhook secret of the default ElevenLabs workspace.
pub const DEFAULT_EL_WEBHOOK_SECRET: &str = "wsec_sim_ws1_0123456789abcdef";

/// Everything that shapes one simulator instance.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of all generated data; the same seed gives the same data.
    pub seed: u64,
    /// Vapi organisations, one API key each.
    pub vapi_orgs: Vec<VapiOrgConfig>,
    /// ElevenLabs workspaces, one API key each.
    pub elevenlabs_workspaces: Vec<ElevenLabsWorkspaceConfig>,
    /// How much history to generate.
    pub sizes: Sizes,
    /// Injected faults (none by default).
    pub faults: Faults,
    /// End of the generated history; `None` means the start of the current UTC day.
    pub now: Option<jiff::Timestamp>,
    /// Time between two steps of a live call (queued, ringing, in progress, each turn, ended).
    pub live_step: Duration,
}

/// One Vapi organisation.
#[derive(Debug, Clone)]
pub struct VapiOrgConfig {
    /// Display name of the organisation.
    pub name: String,
    /// Its private API key (sent as `Authorization: Bearer <key>`).
    pub api_key: String,
}

/// One ElevenLabs workspace.
#[derive(Debug, Clone)]
pub struct ElevenLabsWorkspaceConfig {
    /// Display name of the workspace.
    pub name: String,
    /// Its API key (sent as `xi-api-key`).
    pub api_key: String,
    /// Secret that signs post-call webhooks (returned when a workspace webhook is created).
    pub webhook_secret: String,
}

/// How much seeded data to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Assistants per Vapi organisation, and agents per ElevenLabs workspace.
    pub assistants_per_org: usize,
    /// Calls and conversations in total, spread over all accounts by their number of assistants.
    pub calls: usize,
    /// Days of history ending at `now`.
    pub days: u32,
}

/// Faults injected before a provider request is handled; a faulted request never changes state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Latency added to every provider request, in milliseconds.
    pub latency_ms: u64,
    /// Share of provider requests (0.0 to 1.0) answered with a fault instead.
    pub error_rate: f64,
    /// How the faulted requests are split between kinds of fault.
    pub mix: FaultMix,
    /// Requests per second allowed per API key; more are answered 429 with Retry-After.
    pub rate_limit_per_key: Option<u32>,
    /// How long a "timeout" fault hangs before answering 504, in milliseconds.
    pub hang_ms: u64,
}

/// Relative weights of the kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultMix {
    /// 429 Too Many Requests with Retry-After.
    pub rate_limited: u32,
    /// 500 Internal Server Error.
    pub server_error: u32,
    /// 503 Service Unavailable.
    pub unavailable: u32,
    /// The connection is closed without a response.
    pub reset: u32,
    /// The request hangs for `hang_ms`, then gets a 504.
    pub timeout: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            vapi_orgs: vec![
                VapiOrgConfig {
                    name: "Acme Dental Group".into(),
                    api_key: DEFAULT_VAPI_KEYS[0].into(),
                },
                VapiOrgConfig {
                    name: "Northwind Services".into(),
                    api_key: DEFAULT_VAPI_KEYS[1].into(),
                },
            ],
            elevenlabs_workspaces: vec![ElevenLabsWorkspaceConfig {
                name: "Globex Support".into(),
                api_key: DEFAULT_EL_KEY.into(),
                webhook_secret: DEFAULT_EL_WEBHOOK_SECRET.into(),
            }],
            sizes: Sizes::default(),
            faults: Faults::default(),
            now: None,
            live_step: Duration::from_millis(1500),
        }
    }
}

impl Default for Sizes {
    fn default() -> Self {
        Self {
            assistants_per_org: 4,
            calls: 5_000,
            days: 90,
        }
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            mix: FaultMix::default(),
            rate_limit_per_key: None,
            hang_ms: 30_000,
        }
    }
}

impl Default for FaultMix {
    fn default() -> Self {
        Self {
            rate_limited: 40,
            server_error: 20,
            unavailable: 20,
            reset: 10,
            timeout: 10,
        }
    }
}
