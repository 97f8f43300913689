//! Knowledge-base files (Vapi files, ElevenLabs documents) as last read from each connection's
//! provider, with the parsing or indexing status last seen.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// A file as its provider describes it, to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewKnowledgeFile {
    pub remote_id: String,
    pub name: String,
    /// `file`, `url` or `text`.
    pub source: String,
    pub mimetype: Option<String>,
    pub bytes: Option<i64>,
    /// `processing`, `done` or `failed` (Vapi's words; ElevenLabs' are mapped onto them).
    pub status: String,
    pub document: serde_json::Value,
}

/// A stored file, with its connection.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KnowledgeFile {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub remote_id: String,
    pub name: String,
    pub source: String,
    pub mimetype: Option<String>,
    pub bytes: Option<i64>,
    pub status: String,
    pub document: String,
    pub refreshed_at: Millis,
}

const UPSERT: &str = "INSERT INTO knowledge_files (workspace_id, connection_id, remote_id, name, source, mimetype, \
    bytes, status, document, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
    ON CONFLICT (connection_id, remote_id) DO UPDATE SET name = excluded.name, source = excluded.source, \
    mimetype = excluded.mimetype, bytes = excluded.bytes, status = excluded.status, document = excluded.document, \
    refreshed_at = excluded.refreshed_at RETURNING id";

/// `{where}` adds conditions on `f`; `$1` is the workspace.
const LIST: &str =
    "SELECT f.id, f.workspace_id, f.connection_id, n.label AS connection_label, n.provider, f.remote_id, \
    f.name, f.source, f.mimetype, f.bytes, f.status, f.document, f.refreshed_at \
    FROM knowledge_files f JOIN connections n ON n.id = f.connection_id WHERE f.workspace_id = $1{where} \
    ORDER BY f.name, f.id";

fn args(workspace_id: i64, connection_id: i64, file: &NewKnowledgeFile, now: Millis) -> [Arg; 10] {
    [
        Arg::from(workspace_id),
        Arg::from(connection_id),
        Arg::from(file.remote_id.as_str()),
        Arg::from(file.name.as_str()),
        Arg::from(file.source.as_str()),
        Arg::from(file.mimetype.as_deref()),
        Arg::from(file.bytes),
        Arg::from(file.status.as_str()),
        Arg::from(file.document.to_string()),
        Arg::from(now),
    ]
}

impl Store {
    /// Makes a connection's stored files those just listed at its provider, in one transaction.
    pub async fn replace_knowledge_files(
        &self,
        workspace_id: i64,
        connection_id: i64,
        files: &[NewKnowledgeFile],
    ) -> StoreResult<()> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let mut kept = Vec::with_capacity(files.len());
            for file in files {
                let bound = args(workspace_id, connection_id, file, now);
                let id: i64 = bind_args!(sqlx::query_scalar(UPSERT), &bound).fetch_one(&mut *tx).await?;
                kept.push(id);
            }
            let stored: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM knowledge_files WHERE workspace_id = $1 AND connection_id = $2")
                .bind(workspace_id).bind(connection_id).fetch_all(&mut *tx).await?;
            for id in stored.into_iter().filter(|id| !kept.contains(id)) {
                sqlx::query("DELETE FROM knowledge_files WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores one file as its provider answered; returns its id.
    pub async fn upsert_knowledge_file(
        &self,
        workspace_id: i64,
        connection_id: i64,
        file: &NewKnowledgeFile,
    ) -> StoreResult<i64> {
        let bound = args(workspace_id, connection_id, file, now_ms());
        let id =
            on_pool!(self, pool => bind_args!(sqlx::query_scalar::<_, i64>(UPSERT), &bound).fetch_one(pool).await)?;
        Ok(id)
    }

    /// Forgets a file (deleted at the provider); false when there was none.
    pub async fn delete_knowledge_file(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM knowledge_files WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// A workspace's files (of one connection, if given), by name.
    pub async fn knowledge_files(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
    ) -> StoreResult<Vec<KnowledgeFile>> {
        let mut args = vec![Arg::from(workspace_id)];
        let condition = match connection_id {
            Some(id) => {
                args.push(Arg::from(id));
                " AND f.connection_id = $2"
            }
            None => "",
        };
        let sql = LIST.replace("{where}", condition);
        let rows =
            on_pool!(self, pool => bind_args!(sqlx::query_as::<_, KnowledgeFile>(&sql), &args).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One file of a workspace.
    pub async fn knowledge_file(&self, workspace_id: i64, id: i64) -> StoreResult<Option<KnowledgeFile>> {
        let sql = LIST.replace("{where}", " AND f.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as::<_, KnowledgeFile>(&sql)
            .bind(workspace_id).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
