//! Test support: a fresh store on SQLite, or on PostgreSQL when VOXHIVE_TEST_DATABASE_URL names
//! a server, with one workspace.

use sqlx::Connection as _;
use voxhive_store::{DatabaseUrl, Store, StoreOptions};

/// A migrated, empty store with the workspace "Acme" (id 1); SQLite files live in `dir`.
pub async fn fresh_store(dir: &std::path::Path, prefix: &str) -> Store {
    fresh_store_and_url(dir, prefix).await.0
}

/// Like [`fresh_store`], with the database's URL, for a test that opens its own connection.
pub async fn fresh_store_and_url(dir: &std::path::Path, prefix: &str) -> (Store, String) {
    let raw = match std::env::var("VOXHIVE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => {
            let name = format!("{prefix}_{}", voxhive_core::secret::random_token(6));
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    };
    let url = DatabaseUrl::parse(&raw).unwrap();
    let store = Store::connect(
        &url,
        &StoreOptions {
            max_connections: 4,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store.create_workspace("Acme").await.unwrap();
    (store, raw)
}

/// The simulator on a free port with `assistants` assistants per account and `calls` calls.
pub async fn start_sim(assistants: usize, calls: usize) -> voxhive_sim::SimHandle {
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = assistants;
    config.sizes.calls = calls;
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A connection of workspace 1 to `sim` for `provider`, labelled `label`, its key stored as
/// `api_key_sealed` (tests that build their own client pass any placeholder).
pub async fn sim_connection(
    store: &Store,
    sim: &voxhive_sim::SimHandle,
    provider: voxhive_providers::ProviderKind,
    label: &str,
    api_key_sealed: &str,
) -> voxhive_store::Connection {
    let base = sim.base_url();
    store
        .create_connection(&voxhive_store::NewConnection {
            workspace_id: 1,
            provider: provider.as_str(),
            label,
            base_url: Some(&base),
            api_key_sealed,
            key_last4: "0000",
            usd_per_credit_nano: None,
        })
        .await
        .unwrap()
}
