//! Failed sign-ins, counted per client address and per account for the sign-in rate limit.
//! Kept in the database so that several instances share the count.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

impl Store {
    /// Records one failure under each key (such as `ip:…` and `account:…`).
    pub async fn record_login_failure(&self, keys: &[&str]) -> StoreResult<()> {
        let now = now_ms();
        for key in keys {
            on_pool!(self, pool => sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(*key).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Failures under a key since an instant, and the oldest of them (to say when to retry).
    pub async fn login_failures_since(&self, key: &str, since: Millis) -> StoreResult<(i64, Option<Millis>)> {
        let row: (i64, Option<i64>) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at >= $2")
            .bind(key).bind(since).fetch_one(pool).await)?;
        Ok(row)
    }

    /// Forgets the failures of a key after a successful sign-in.
    pub async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
