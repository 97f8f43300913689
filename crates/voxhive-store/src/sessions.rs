//! Server-side sign-in sessions, looked up by the digest of the cookie's token.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A session to create.
#[derive(Debug)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub csrf_token: &'a str,
    pub expires_at: Millis,
}

/// A live session as read back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub csrf_token: String,
    pub expires_at: Millis,
}

impl Store {
    #[tracing::instrument(skip_all, fields(user_id = new.user_id))]
    pub async fn create_session(&self, new: &NewSession<'_>) -> StoreResult<i64> {
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, workspace_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(new.token_hash).bind(new.user_id).bind(new.workspace_id).bind(new.csrf_token)
            .bind(now_ms()).bind(new.expires_at).fetch_one(pool).await)?;
        Ok(id)
    }

    /// The unexpired session with this token digest.
    #[tracing::instrument(skip_all)]
    pub async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, SessionRecord>(
            "SELECT id, user_id, workspace_id, csrf_token, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now_ms()).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Slides a session's expiry forward.
    pub async fn extend_session(&self, session_id: i64, expires_at: Millis) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
            .bind(expires_at).bind(session_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Makes another workspace the session's current one.
    pub async fn set_session_workspace(&self, session_id: i64, workspace_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("UPDATE sessions SET workspace_id = $1 WHERE id = $2")
            .bind(workspace_id).bind(session_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn delete_session(&self, session_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes expired sessions and stale sign-in failures older than `failures_before`.
    pub async fn purge_expired(&self, failures_before: Millis) -> StoreResult<u64> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?;
            let b = sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(failures_before).execute(pool).await?;
            let c = sqlx::query("DELETE FROM password_tokens WHERE expires_at <= $1").bind(now).execute(pool).await?;
            Ok::<_, sqlx::Error>(a.rows_affected() + b.rows_affected() + c.rows_affected())
        })?;
        Ok(n)
    }
}
