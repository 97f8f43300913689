//! `voxhive demo`: a server on its own SQLite file with a demo workspace and account, connected
//! to an in-process provider simulator with seeded data (two Vapi organisations, one ElevenLabs
//! workspace).

use voxhive_core::crypto::MasterKey;
use voxhive_core::{password, Email, Role};
use voxhive_providers::{build_client, ClientConfig, ProviderKind};
use voxhive_store::{NewConnection, Store};

use crate::config::Config;
use crate::server;

/// The demo account's e-mail.
pub const DEMO_EMAIL: &str = "demo@voxhive.dev";
/// The demo account's password, reset at every demo start.
pub const DEMO_PASSWORD: &str = "voxhive-demo";
/// The demo workspace.
pub const DEMO_WORKSPACE: &str = "Demo Agency";
/// Where the demo keeps its data unless `--data-dir` says otherwise.
pub const DEMO_DATA_DIR: &str = "voxhive-demo";

/// The demo's connections to the simulator: (label, provider, key).
const DEMO_CONNECTIONS: [(&str, &str, &str); 3] = [
    ("Acme Dental", "vapi", voxhive_sim::DEFAULT_VAPI_KEYS[0]),
    ("Northwind Realty", "vapi", voxhive_sim::DEFAULT_VAPI_KEYS[1]),
    ("Globex Support", "elevenlabs", voxhive_sim::DEFAULT_EL_KEY),
];

/// The credit price the demo's ElevenLabs connection starts with ($0.00022, in billionths).
const DEMO_CREDIT_RATE_NANO: i64 = 220_000;

/// Starts the simulator on `sim_port`, then the demo server on `port`, and serves until SIGINT or SIGTERM.
pub async fn run(config: &mut Config, port: u16, sim_port: u16) -> anyhow::Result<()> {
    if config.data_dir == Config::default().data_dir {
        config.data_dir = DEMO_DATA_DIR.into();
    }
    config.database_url = None;
    config.bind = format!("127.0.0.1:{port}");
    // Everything in the demo is on this machine, the simulator's receivers included.
    config.webhook_tests_private = true;
    let sim_addr: std::net::SocketAddr = format!("127.0.0.1:{sim_port}").parse()?;
    let sim = voxhive_sim::start(voxhive_sim::SimConfig::default(), sim_addr)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot start the provider simulator on {sim_addr}: {e}; choose another port with --sim-port"
            )
        })?;
    let running = server::start(config).await?;
    let workspace_id = seed_account(&running.store).await?;
    connect_simulator(&running.store, &running.master_key, workspace_id, &sim.base_url()).await?;
    import_assistants(&running.store, workspace_id, &sim.base_url()).await?;
    set_budget(&running.store, workspace_id).await?;
    println!("VoxHive demo is running at http://{}", running.addr);
    println!("Sign in with e-mail {DEMO_EMAIL} and password {DEMO_PASSWORD}");
    println!("Provider simulator (Vapi and ElevenLabs): {}", sim.base_url());
    println!(
        "Data: {} (delete it to start over). Stop with Ctrl-C.",
        config.data_dir.display()
    );
    let result = server::serve_until_signal(running).await;
    sim.shutdown().await;
    result
}

/// Creates the demo workspace and owner, or resets the owner's password if they exist;
/// returns the workspace id.
pub async fn seed_account(store: &Store) -> anyhow::Result<i64> {
    let email = Email::parse(DEMO_EMAIL)?;
    let hash = password::hash(DEMO_PASSWORD);
    let user = match store.user_by_email(&email).await? {
        Some(user) => {
            store.set_password(user.id, &hash).await?;
            user
        }
        None => store.create_user(&email, "Demo", Some(&hash)).await?,
    };
    let ws = match store.workspace_by_name(DEMO_WORKSPACE).await? {
        Some(ws) => ws,
        None => store.create_workspace(DEMO_WORKSPACE).await?,
    };
    if store.workspace_role(user.id, ws.id).await?.is_none() {
        store.add_member(ws.id, user.id, Role::Owner).await?;
    }
    Ok(ws.id)
}

/// Imports the simulator's assistants, phone numbers and tools into the demo workspace (idempotent) and queues the
/// reading of their calls (the server's job runner does it in the background).
async fn import_assistants(store: &Store, workspace_id: i64, base_url: &str) -> anyhow::Result<()> {
    for connection in store.connections(workspace_id).await? {
        let Some((_, _, api_key)) = DEMO_CONNECTIONS.iter().find(|(label, _, _)| *label == connection.label) else {
            continue;
        };
        let kind: ProviderKind = connection.provider.parse()?;
        let client = build_client(ClientConfig::new(kind, *api_key, Some(base_url.to_string())));
        voxhive_sync::import_assistants(store, client.as_ref(), &connection, None, &|_, _| {}).await?;
        voxhive_sync::refresh_phone_numbers(store, client.as_ref(), workspace_id, connection.id).await?;
        voxhive_sync::refresh_tools(store, client.as_ref(), workspace_id, connection.id).await?;
        voxhive_sync::refresh_knowledge_files(store, client.as_ref(), workspace_id, connection.id).await?;
        voxhive_sync::enqueue_call_sync(store, workspace_id, connection.id, true).await?;
    }
    Ok(())
}

/// The demo workspace's monthly budget, in micro-USD ($300), set once.
const DEMO_BUDGET_MICRO_USD: i64 = 300_000_000;

/// Gives the demo workspace a monthly budget, so Budgets & Alerts has something to show.
async fn set_budget(store: &Store, workspace_id: i64) -> anyhow::Result<()> {
    if store.budgets(workspace_id).await?.is_empty() {
        store
            .create_budget(
                workspace_id,
                voxhive_store::BudgetScope::Workspace,
                DEMO_BUDGET_MICRO_USD,
            )
            .await?;
    }
    Ok(())
}

/// Connects the demo workspace to the simulator's accounts, once.
async fn connect_simulator(store: &Store, key: &MasterKey, workspace_id: i64, base_url: &str) -> anyhow::Result<()> {
    let existing = store.connections(workspace_id).await?;
    for (label, provider, api_key) in DEMO_CONNECTIONS {
        if existing.iter().any(|c| c.label == label) {
            continue;
        }
        let kind: ProviderKind = provider.parse()?;
        build_client(ClientConfig::new(kind, api_key, Some(base_url.to_string())))
            .verify()
            .await
            .map_err(|e| anyhow::anyhow!("the simulator refused the demo key of {label}: {e}"))?;
        store
            .create_connection(&NewConnection {
                workspace_id,
                provider,
                label,
                base_url: Some(base_url),
                api_key_sealed: &key.seal(api_key),
                key_last4: &api_key[api_key.len() - 4..],
                usd_per_credit_nano: (provider == "elevenlabs").then_some(DEMO_CREDIT_RATE_NANO),
            })
            .await?;
    }
    Ok(())
}
