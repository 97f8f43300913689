//! Test support: a fresh store on SQLite, or on PostgreSQL when VOXHIVE_TEST_DATABASE_URL names
//! a server, with one workspace.

use sqlx::Connection as _;
use voxhive_store::{DatabaseUrl, Store, StoreOptions};

/// A migrated, empty store with the workspace "Acme" (id 1); SQLite files live in `dir`.
pub async fn fresh_store(dir: &std::path::Path, prefix: &str) -> Store {
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
            DatabaseUrl::parse(&format!("{}/{name}", admin.rsplit_once('/').unwrap().0)).unwrap()
        }
        None => DatabaseUrl::sqlite_file(&dir.join("test.db")),
    };
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
    store
}
