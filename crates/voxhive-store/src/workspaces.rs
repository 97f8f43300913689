//! Workspaces, the unit of tenancy.

use voxhive_core::time::{now_ms, Millis};
use voxhive_core::Role;

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// A workspace: every piece of data belongs to exactly one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub created_at: Millis,
}

/// A workspace together with the role a given user holds in it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkspaceRole {
    #[sqlx(flatten)]
    pub workspace: Workspace,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

impl Store {
    /// Creates a workspace; `Duplicate` when the name is taken.
    #[tracing::instrument(skip(self))]
    pub async fn create_workspace(&self, name: &str) -> StoreResult<Workspace> {
        let ws = on_pool!(self, pool => sqlx::query_as::<_, Workspace>(
            "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) \
             RETURNING id, name, time_zone, created_at")
            .bind(name).bind(now_ms()).fetch_one(pool).await)?;
        Ok(ws)
    }

    /// Every workspace, by name.
    pub async fn all_workspaces(&self) -> StoreResult<Vec<Workspace>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Workspace>(
            "SELECT id, name, time_zone, created_at FROM workspaces ORDER BY name").fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One workspace by id.
    pub async fn workspace(&self, id: i64) -> StoreResult<Option<Workspace>> {
        let ws = on_pool!(self, pool => sqlx::query_as::<_, Workspace>(
            "SELECT id, name, time_zone, created_at FROM workspaces WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(ws)
    }

    #[tracing::instrument(skip(self))]
    pub async fn workspace_by_name(&self, name: &str) -> StoreResult<Option<Workspace>> {
        let ws = on_pool!(self, pool => sqlx::query_as::<_, Workspace>(
            "SELECT id, name, time_zone, created_at FROM workspaces WHERE name = $1")
            .bind(name).fetch_optional(pool).await)?;
        Ok(ws)
    }

    /// The workspaces a user belongs to, with the role in each, by name.
    #[tracing::instrument(skip(self))]
    pub async fn workspaces_of_user(&self, user_id: i64) -> StoreResult<Vec<WorkspaceRole>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, WorkspaceRole>(
            "SELECT w.id, w.name, w.time_zone, w.created_at, m.role \
             FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 ORDER BY w.name")
            .bind(user_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The workspace and role of one user in one workspace; `None` when not a member.
    #[tracing::instrument(skip(self))]
    pub async fn workspace_role(&self, user_id: i64, workspace_id: i64) -> StoreResult<Option<WorkspaceRole>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, WorkspaceRole>(
            "SELECT w.id, w.name, w.time_zone, w.created_at, m.role \
             FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
             WHERE m.user_id = $1 AND m.workspace_id = $2")
            .bind(user_id).bind(workspace_id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
