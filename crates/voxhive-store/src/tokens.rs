//! API tokens: bound to a user and a workspace, stored as digests, shown once.

use voxhive_core::time::{now_ms, Millis};
use voxhive_core::Role;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A token as listed in Settings (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub last4: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
}

/// Who a presented token acts as: the user, the workspace and the user's current role there.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenOwner {
    pub token_id: i64,
    pub user_id: i64,
    pub workspace_id: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

impl Store {
    #[tracing::instrument(skip(self, token_hash))]
    pub async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        workspace_id: i64,
        name: &str,
        last4: &str,
    ) -> StoreResult<i64> {
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, user_id, workspace_id, name, last4, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(token_hash).bind(user_id).bind(workspace_id).bind(name).bind(last4).bind(now_ms())
            .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Resolves a token digest to its owner, with the role the user holds now (a token of a
    /// removed member resolves to nothing), and records its use (to the minute).
    #[tracing::instrument(skip_all)]
    pub async fn api_token_owner(&self, token_hash: &str) -> StoreResult<Option<TokenOwner>> {
        let owner = on_pool!(self, pool => sqlx::query_as::<_, TokenOwner>(
            "SELECT t.id AS token_id, t.user_id, t.workspace_id, m.role FROM api_tokens t \
             JOIN memberships m ON m.user_id = t.user_id AND m.workspace_id = t.workspace_id \
             WHERE t.token_hash = $1")
            .bind(token_hash).fetch_optional(pool).await)?;
        if let Some(owner) = &owner {
            // At most once a minute, and only as a record: a busy writer or a full disk must not
            // refuse the request.
            let now = now_ms();
            let recorded = on_pool!(self, pool => sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
                .bind(now).bind(owner.token_id).bind(now - 60_000).execute(pool).await.map(|r| r.rows_affected()));
            if let Err(error) = recorded {
                tracing::warn!(%error, "could not record an API token's use");
            }
        }
        Ok(owner)
    }

    /// A user's tokens in a workspace, newest first.
    pub async fn api_tokens(&self, workspace_id: i64, user_id: i64) -> StoreResult<Vec<ApiToken>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, ApiToken>(
            "SELECT id, name, last4, created_at, last_used_at FROM api_tokens \
             WHERE workspace_id = $1 AND user_id = $2 ORDER BY id DESC")
            .bind(workspace_id).bind(user_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Revokes one of a user's tokens; false when no such token is theirs.
    pub async fn revoke_api_token(&self, workspace_id: i64, user_id: i64, token_id: i64) -> StoreResult<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "DELETE FROM api_tokens WHERE workspace_id = $1 AND user_id = $2 AND id = $3")
            .bind(workspace_id).bind(user_id).bind(token_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
