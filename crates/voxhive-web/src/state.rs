//! Shared application state and the web server's own configuration.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Notify;
use voxhive_core::crypto::MasterKey;
use voxhive_store::Store;
use voxhive_sync::archive::Archive;

use crate::webhooks::{WebhookTargets, WebhookWriter};

/// How the web layer behaves; filled from the binary's configuration.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address users reach VoxHive at, for links shown to them (invites).
    pub public_url: String,
    /// Mark cookies `Secure` (set when VoxHive is served over TLS).
    pub secure_cookies: bool,
    /// How long a session lives without use.
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per client address within `login_window`.
    pub login_limit_per_ip: i64,
    /// Failed sign-ins allowed per account within `login_window`.
    pub login_limit_per_account: i64,
    pub login_window: Duration,
    /// Read the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Let test deliveries reach loopback and private-network addresses (off: editors could
    /// otherwise probe the network VoxHive runs in).
    pub webhook_tests_private: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            login_limit_per_ip: 30,
            login_limit_per_account: 8,
            login_window: Duration::from_secs(15 * 60),
            trust_proxy: false,
            webhook_tests_private: false,
        }
    }
}

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: PrometheusHandle,
    /// Seals and opens provider keys.
    pub master_key: Arc<MasterKey>,
    /// Wakes this instance's job runner when a request queues a job.
    pub job_wake: Arc<Notify>,
    /// Writes webhook deliveries in group commits; its task stops when the last state is dropped.
    pub webhook_writer: Arc<WebhookWriter>,
    /// The connections webhook URLs name, kept for a few seconds.
    pub webhook_targets: Arc<WebhookTargets>,
    /// VoxHive's own copies of call recordings, played before the provider's; `None` when
    /// archiving is off.
    pub archive: Option<Archive>,
}

impl AppState {
    /// The state, with the webhook writer started on the current runtime.
    pub fn new(store: Store, config: WebConfig, master_key: MasterKey, archive: Option<Archive>) -> Self {
        Self {
            webhook_writer: Arc::new(WebhookWriter::start(store.clone())),
            webhook_targets: Arc::default(),
            store,
            config: Arc::new(config),
            metrics: crate::ops::metrics_handle(),
            master_key: Arc::new(master_key),
            job_wake: Arc::new(Notify::new()),
            archive,
        }
    }
}
