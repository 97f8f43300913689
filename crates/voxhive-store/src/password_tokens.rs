//! One-time set-password links, for invited members and password resets.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

impl Store {
    pub async fn create_password_token(&self, token_hash: &str, user_id: i64, expires_at: Millis) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash).bind(user_id).bind(now_ms()).bind(expires_at).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The user a still-valid, unused link belongs to.
    pub async fn password_token_user(&self, token_hash: &str) -> StoreResult<Option<i64>> {
        let user: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now_ms()).fetch_optional(pool).await)?;
        Ok(user)
    }

    /// Marks a link used; false when it was used or expired meanwhile, so a link works once.
    pub async fn consume_password_token(&self, token_hash: &str) -> StoreResult<bool> {
        let now = now_ms();
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE password_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
            .bind(now).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
