//! Assistants and their immutable revisions. The sync engine decides every transition; this
//! module stores each one atomically (a new revision and the assistant's new state together).

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::{Store, StoreResult};

/// An assistant as stored, with the provider of its connection.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Assistant {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub provider: String,
    /// The provider's id; `None` until the assistant is first pushed.
    pub remote_id: Option<String>,
    pub name: String,
    pub sync_status: String,
    pub base_hash: Option<String>,
    pub local_hash: String,
    pub remote_hash: Option<String>,
    pub base_revision_id: Option<i64>,
    pub local_revision_id: i64,
    pub remote_revision_id: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// One revision: a whole provider document and where it came from.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub assistant_id: i64,
    pub hash: String,
    pub document: String,
    /// import, local, pull, rollback, merge or create.
    pub source: String,
    pub author_id: Option<i64>,
    pub author_email: Option<String>,
    pub created_at: Millis,
}

/// A revision to record.
#[derive(Debug)]
pub struct NewRevision<'a> {
    pub hash: &'a str,
    pub document: &'a str,
    pub source: &'a str,
    pub author_id: Option<i64>,
}

/// Which of the assistant's three pointers a newly recorded revision becomes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Becomes {
    pub base: bool,
    pub local: bool,
    pub remote: bool,
}

/// The state of an assistant after a transition; revision pointers not set by `Becomes` are
/// taken from here.
#[derive(Clone, Debug)]
pub struct AssistantState {
    pub remote_id: Option<String>,
    pub name: String,
    pub sync_status: String,
    pub base_hash: Option<String>,
    pub local_hash: String,
    pub remote_hash: Option<String>,
    pub base_revision_id: Option<i64>,
    pub local_revision_id: i64,
    pub remote_revision_id: Option<i64>,
    pub last_error: Option<String>,
}

impl AssistantState {
    /// The state an assistant is in now, to be changed field by field.
    pub fn of(a: &Assistant) -> Self {
        Self {
            remote_id: a.remote_id.clone(),
            name: a.name.clone(),
            sync_status: a.sync_status.clone(),
            base_hash: a.base_hash.clone(),
            local_hash: a.local_hash.clone(),
            remote_hash: a.remote_hash.clone(),
            base_revision_id: a.base_revision_id,
            local_revision_id: a.local_revision_id,
            remote_revision_id: a.remote_revision_id,
            last_error: a.last_error.clone(),
        }
    }
}

/// Filters of the assistant list; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct AssistantFilter {
    pub connection_id: Option<i64>,
    pub provider: Option<String>,
    pub sync_status: Option<String>,
    /// Case-insensitive substring of the name.
    pub text: Option<String>,
}

const COLUMNS: &str = "a.id, a.workspace_id, a.connection_id, c.provider, a.remote_id, a.name, a.sync_status, \
    a.base_hash, a.local_hash, a.remote_hash, a.base_revision_id, a.local_revision_id, a.remote_revision_id, \
    a.last_error, a.created_at, a.updated_at";
const FROM: &str = "FROM assistants a JOIN connections c ON c.id = a.connection_id";

impl Store {
    /// Creates an assistant with its first revision, which becomes the pointers in `becomes`.
    #[tracing::instrument(skip_all, fields(workspace_id, connection_id))]
    pub async fn create_assistant(
        &self,
        workspace_id: i64,
        connection_id: i64,
        state: &AssistantState,
        revision: &NewRevision<'_>,
        becomes: Becomes,
    ) -> StoreResult<i64> {
        let now = now_ms();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assistants (workspace_id, connection_id, remote_id, name, sync_status, base_hash, \
                 local_hash, remote_hash, local_revision_id, last_error, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $10) RETURNING id")
                .bind(workspace_id).bind(connection_id).bind(&state.remote_id).bind(&state.name)
                .bind(&state.sync_status).bind(&state.base_hash).bind(&state.local_hash).bind(&state.remote_hash)
                .bind(&state.last_error).bind(now).fetch_one(&mut *tx).await?;
            let rev: i64 = sqlx::query_scalar(
                "INSERT INTO assistant_revisions (assistant_id, hash, document, source, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(id).bind(revision.hash).bind(revision.document).bind(revision.source)
                .bind(revision.author_id).bind(now).fetch_one(&mut *tx).await?;
            let pick = |new: bool, old: Option<i64>| if new { Some(rev) } else { old };
            sqlx::query("UPDATE assistants SET base_revision_id = $1, local_revision_id = $2, remote_revision_id = $3 WHERE id = $4")
                .bind(pick(becomes.base, state.base_revision_id))
                .bind(pick(becomes.local, Some(state.local_revision_id)).unwrap_or(rev))
                .bind(pick(becomes.remote, state.remote_revision_id))
                .bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?;
        Ok(id)
    }

    /// Records a transition: optionally a new revision, and the assistant's new state, together.
    #[tracing::instrument(skip_all, fields(assistant_id))]
    pub async fn save_assistant(
        &self,
        assistant_id: i64,
        revision: Option<&NewRevision<'_>>,
        becomes: Becomes,
        state: &AssistantState,
    ) -> StoreResult<Option<i64>> {
        let (_, rev) = self
            .write_assistant(assistant_id, None, revision, becomes, state)
            .await?;
        Ok(rev)
    }

    /// Records a transition like [`Store::save_assistant`], but only while the assistant's
    /// revision pointers (local, base and remote) are still those of `seen`: a transition decided
    /// from an older reading must not undo one recorded meanwhile (a local save during a push
    /// that took a while, a push ending during a save). False, with nothing written, when they
    /// moved; read the assistant again and decide anew.
    #[tracing::instrument(skip_all, fields(assistant_id = seen.id))]
    pub async fn save_assistant_if_unchanged(
        &self,
        seen: &Assistant,
        revision: Option<&NewRevision<'_>>,
        becomes: Becomes,
        state: &AssistantState,
    ) -> StoreResult<bool> {
        let (saved, _) = self
            .write_assistant(seen.id, Some(seen), revision, becomes, state)
            .await?;
        Ok(saved)
    }

    /// Writes a transition in one transaction, unless the pointers moved since `seen` was read;
    /// whether it was written, and the new revision's id.
    async fn write_assistant(
        &self,
        assistant_id: i64,
        seen: Option<&Assistant>,
        revision: Option<&NewRevision<'_>>,
        becomes: Becomes,
        state: &AssistantState,
    ) -> StoreResult<(bool, Option<i64>)> {
        let now = now_ms();
        let guard = if seen.is_some() {
            " AND local_revision_id = $13 AND base_revision_id IS NOT DISTINCT FROM $14 \
             AND remote_revision_id IS NOT DISTINCT FROM $15"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE assistants SET remote_id = $1, name = $2, sync_status = $3, base_hash = $4, local_hash = $5, \
             remote_hash = $6, base_revision_id = $7, local_revision_id = $8, remote_revision_id = $9, \
             last_error = $10, updated_at = $11 WHERE id = $12{guard}"
        );
        let written = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev: Option<i64> = match revision {
                Some(r) => Some(sqlx::query_scalar(
                    "INSERT INTO assistant_revisions (assistant_id, hash, document, source, author_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(assistant_id).bind(r.hash).bind(r.document).bind(r.source).bind(r.author_id).bind(now)
                    .fetch_one(&mut *tx).await?),
                None => None,
            };
            let pick = |new: bool, old: Option<i64>| if new { rev.or(old) } else { old };
            let mut update = sqlx::query(&sql)
                .bind(&state.remote_id).bind(&state.name).bind(&state.sync_status).bind(&state.base_hash)
                .bind(&state.local_hash).bind(&state.remote_hash)
                .bind(pick(becomes.base, state.base_revision_id))
                .bind(pick(becomes.local, Some(state.local_revision_id)))
                .bind(pick(becomes.remote, state.remote_revision_id))
                .bind(&state.last_error).bind(now).bind(assistant_id);
            if let Some(seen) = seen {
                update = update.bind(seen.local_revision_id).bind(seen.base_revision_id).bind(seen.remote_revision_id);
            }
            let updated = update.execute(&mut *tx).await?.rows_affected();
            if seen.is_none() || updated == 1 {
                tx.commit().await?;
                Ok::<_, sqlx::Error>((true, rev))
            } else {
                tx.rollback().await?;
                Ok((false, None))
            }
        })?;
        Ok(written)
    }

    /// One assistant of this workspace; `None` for an id of another workspace.
    pub async fn assistant(&self, workspace_id: i64, id: i64) -> StoreResult<Option<Assistant>> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.workspace_id = $1 AND a.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, Assistant>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The assistant a connection's remote id maps to.
    pub async fn assistant_by_remote_id(&self, connection_id: i64, remote_id: &str) -> StoreResult<Option<Assistant>> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.connection_id = $1 AND a.remote_id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, Assistant>(&sql)
            .bind(connection_id).bind(remote_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The assistants of a workspace matching a filter, by name.
    pub async fn assistants(&self, workspace_id: i64, filter: &AssistantFilter) -> StoreResult<Vec<Assistant>> {
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE a.workspace_id = $1 \
             AND ($2 IS NULL OR a.connection_id = $2) AND ($3 IS NULL OR c.provider = $3) \
             AND ($4 IS NULL OR a.sync_status = $4) AND ($5 IS NULL OR LOWER(a.name) LIKE $5) \
             ORDER BY LOWER(a.name), a.id"
        );
        let text = filter
            .text
            .as_deref()
            .map(|t| format!("%{}%", t.to_lowercase().replace(['%', '_'], "")));
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Assistant>(&sql)
            .bind(workspace_id).bind(filter.connection_id).bind(filter.provider.as_deref())
            .bind(filter.sync_status.as_deref()).bind(text).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One revision of an assistant.
    pub async fn revision(&self, assistant_id: i64, revision_id: i64) -> StoreResult<Option<Revision>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, Revision>(
            "SELECT r.id, r.assistant_id, r.hash, r.document, r.source, r.author_id, u.email AS author_email, r.created_at \
             FROM assistant_revisions r LEFT JOIN users u ON u.id = r.author_id WHERE r.assistant_id = $1 AND r.id = $2")
            .bind(assistant_id).bind(revision_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Every revision of an assistant, newest first.
    pub async fn revisions(&self, assistant_id: i64) -> StoreResult<Vec<Revision>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Revision>(
            "SELECT r.id, r.assistant_id, r.hash, r.document, r.source, r.author_id, u.email AS author_email, r.created_at \
             FROM assistant_revisions r LEFT JOIN users u ON u.id = r.author_id WHERE r.assistant_id = $1 ORDER BY r.id DESC")
            .bind(assistant_id).fetch_all(pool).await)?;
        Ok(rows)
    }
}

impl Store {
    /// Deletes an assistant and its revisions from VoxHive.
    pub async fn delete_assistant(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM assistants WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
