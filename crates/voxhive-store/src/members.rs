//! Memberships: who belongs to a workspace, and with which role.

use voxhive_core::time::{now_ms, Millis};
use voxhive_core::Role;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A member of a workspace as the team page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    /// The membership id: what member routes are keyed by.
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// False while an invited member has not set a password yet.
    pub active: bool,
    pub joined_at: Millis,
}

const SELECT: &str = "SELECT m.id, m.user_id, u.email, u.name, m.role, \
    (u.password_hash IS NOT NULL) AS active, m.created_at AS joined_at \
    FROM memberships m JOIN users u ON u.id = m.user_id";

impl Store {
    /// Adds a user to a workspace; `Duplicate` when already a member.
    #[tracing::instrument(skip(self))]
    pub async fn add_member(&self, workspace_id: i64, user_id: i64, role: Role) -> StoreResult<i64> {
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(workspace_id).bind(user_id).bind(role.as_str()).bind(now_ms())
            .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Every member of a workspace, owners first, then by e-mail.
    #[tracing::instrument(skip(self))]
    pub async fn members(&self, workspace_id: i64) -> StoreResult<Vec<Member>> {
        let sql = format!(
            "{SELECT} WHERE m.workspace_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 \
             WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END, u.email"
        );
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Member>(&sql)
            .bind(workspace_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One membership of this workspace; `None` for an id of another workspace.
    #[tracing::instrument(skip(self))]
    pub async fn member(&self, workspace_id: i64, membership_id: i64) -> StoreResult<Option<Member>> {
        let sql = format!("{SELECT} WHERE m.workspace_id = $1 AND m.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, Member>(&sql)
            .bind(workspace_id).bind(membership_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    #[tracing::instrument(skip(self))]
    pub async fn set_member_role(&self, workspace_id: i64, membership_id: i64, role: Role) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND id = $3")
            .bind(role.as_str()).bind(workspace_id).bind(membership_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes a membership and ends the member's sessions in that workspace.
    #[tracing::instrument(skip(self))]
    pub async fn remove_member(&self, workspace_id: i64, membership_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "DELETE FROM sessions WHERE workspace_id = $1 AND user_id = \
                 (SELECT user_id FROM memberships WHERE workspace_id = $1 AND id = $2)")
                .bind(workspace_id).bind(membership_id).execute(&mut *tx).await?;
            sqlx::query(
                "DELETE FROM api_tokens WHERE workspace_id = $1 AND user_id = \
                 (SELECT user_id FROM memberships WHERE workspace_id = $1 AND id = $2)")
                .bind(workspace_id).bind(membership_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id).bind(membership_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// How many owners a workspace has; the last one can be neither removed nor demoted.
    pub async fn count_owners(&self, workspace_id: i64) -> StoreResult<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner'")
            .bind(workspace_id).fetch_one(pool).await)?;
        Ok(n)
    }
}
