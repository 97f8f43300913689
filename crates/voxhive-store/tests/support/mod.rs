//! Test support: a fresh, migrated store per test, on SQLite or, when VOXHIVE_TEST_DATABASE_URL
//! names a PostgreSQL server, in a new database on it; with one workspace.

#![allow(dead_code)]

use sqlx::Connection as _;
use voxhive_store::{DatabaseUrl, NewConnection, Store, StoreOptions};

/// A store of its own with the workspace "Acme"; SQLite files live in `_dir`.
pub struct TestStore {
    pub store: Store,
    pub workspace_id: i64,
    /// The database's URL, for tests that reach around the store (to damage a rollup).
    pub url: String,
    _dir: tempfile::TempDir,
}

pub async fn fresh_store(prefix: &str) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("VOXHIVE_TEST_DATABASE_URL")
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
        None => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
    };
    let store = Store::connect(
        &DatabaseUrl::parse(&url).unwrap(),
        &StoreOptions {
            max_connections: 4,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let workspace_id = store.create_workspace("Acme").await.unwrap().id;
    TestStore {
        store,
        workspace_id,
        url,
        _dir: dir,
    }
}

impl TestStore {
    /// A connection of the workspace (its key is never used here).
    pub async fn connection(&self, provider: &str, label: &str) -> i64 {
        self.store
            .create_connection(&NewConnection {
                workspace_id: self.workspace_id,
                provider,
                label,
                base_url: None,
                api_key_sealed: "v1.unused-in-these-tests",
                key_last4: "0000",
                usd_per_credit_nano: None,
            })
            .await
            .unwrap()
            .id
    }

    /// Runs a statement on the database directly, behind the store's back.
    pub async fn execute_raw(&self, sql: &str) {
        if self.url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
}
