//! The master-key check and re-encryption of every sealed secret under a new key.

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// The settings key of the value that proves which master key sealed this database's secrets.
const KEY_CHECK: &str = "master_key_check";

impl Store {
    /// The sealed check value, if a master key has been bound to this database.
    pub async fn master_key_check(&self) -> StoreResult<Option<String>> {
        let v: Option<String> = on_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(KEY_CHECK).fetch_optional(pool).await)?;
        Ok(v)
    }

    /// Binds a master key to this database by storing its sealed check value (first start only).
    pub async fn init_master_key_check(&self, sealed: &str) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(KEY_CHECK).bind(sealed).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Re-seals every secret (API keys, webhook secrets) and the check value with `reseal`, in
    /// one transaction: either every secret moves to the new key or none does. Returns how many
    /// secrets were re-sealed.
    pub async fn reseal_secrets<F, E>(&self, reseal: F) -> Result<usize, E>
    where
        F: Fn(&str) -> Result<String, E>,
        E: From<crate::StoreError>,
    {
        let count = on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(crate::StoreError::from)?;
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, api_key_sealed FROM connections")
                .fetch_all(&mut *tx).await.map_err(crate::StoreError::from)?;
            for (id, sealed) in &rows {
                sqlx::query("UPDATE connections SET api_key_sealed = $1 WHERE id = $2")
                    .bind(reseal(sealed)?).bind(id).execute(&mut *tx).await.map_err(crate::StoreError::from)?;
            }
            let hooks: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, webhook_secret_sealed FROM connections WHERE webhook_secret_sealed IS NOT NULL")
                .fetch_all(&mut *tx).await.map_err(crate::StoreError::from)?;
            for (id, sealed) in &hooks {
                sqlx::query("UPDATE connections SET webhook_secret_sealed = $1 WHERE id = $2")
                    .bind(reseal(sealed)?).bind(id).execute(&mut *tx).await.map_err(crate::StoreError::from)?;
            }
            let check: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(KEY_CHECK).fetch_optional(&mut *tx).await.map_err(crate::StoreError::from)?;
            if let Some(check) = check {
                sqlx::query("UPDATE settings SET value = $1 WHERE key = $2")
                    .bind(reseal(&check)?).bind(KEY_CHECK).execute(&mut *tx).await.map_err(crate::StoreError::from)?;
            }
            tx.commit().await.map_err(crate::StoreError::from)?;
            rows.len() + hooks.len()
        });
        Ok(count)
    }
}
