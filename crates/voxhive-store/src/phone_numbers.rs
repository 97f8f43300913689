//! Phone numbers as last read from each connection's provider, with their calls and cost of the
//! last 30 days. The provider is the source of truth: a change is made there first, then the
//! answer is stored here.

use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// A phone number as the provider describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPhoneNumber {
    pub remote_id: String,
    /// E.164, or a SIP URI; `None` while a bought number is still being assigned.
    pub number: Option<String>,
    /// Who carries it: `vapi`, `twilio`, `vonage`, `telnyx`, `byo-phone-number`, `sip_trunk`.
    pub carrier: String,
    pub name: Option<String>,
    pub remote_assistant_id: Option<String>,
    /// Vapi: the squad answering, kept as the provider's id.
    pub remote_squad_id: Option<String>,
    pub server_url: Option<String>,
    pub status: Option<String>,
    /// The provider's document, whole.
    pub document: serde_json::Value,
}

/// A phone number as the list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PhoneNumber {
    pub id: i64,
    pub workspace_id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    /// The connection's provider: `vapi` or `elevenlabs`.
    pub provider: String,
    pub remote_id: String,
    pub number: Option<String>,
    pub carrier: String,
    pub name: Option<String>,
    pub remote_assistant_id: Option<String>,
    /// The local assistant answering, when it has been imported.
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    pub remote_squad_id: Option<String>,
    pub server_url: Option<String>,
    pub status: Option<String>,
    pub document: String,
    pub refreshed_at: Millis,
    /// Calls on this number since the `since` the list was asked with.
    pub recent_calls: i64,
    pub recent_cost_micro_usd: i64,
}

const WRITE_COLUMNS: [&str; 9] = [
    "number",
    "carrier",
    "name",
    "remote_assistant_id",
    "remote_squad_id",
    "server_url",
    "status",
    "document",
    "refreshed_at",
];

fn write_args(n: &NewPhoneNumber, now: Millis) -> [Arg; 9] {
    [
        Arg::from(n.number.as_deref()),
        Arg::from(n.carrier.as_str()),
        Arg::from(n.name.as_deref()),
        Arg::from(n.remote_assistant_id.as_deref()),
        Arg::from(n.remote_squad_id.as_deref()),
        Arg::from(n.server_url.as_deref()),
        Arg::from(n.status.as_deref()),
        Arg::from(n.document.to_string()),
        Arg::from(now),
    ]
}

/// `$1` workspace, `$2` connection, `$3` remote id, then [`WRITE_COLUMNS`]; answers the id.
fn upsert_sql() -> String {
    let params: Vec<String> = (4..4 + WRITE_COLUMNS.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = WRITE_COLUMNS.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    format!(
        "INSERT INTO phone_numbers (workspace_id, connection_id, remote_id, {}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (connection_id, remote_id) DO UPDATE SET {} RETURNING id",
        WRITE_COLUMNS.join(", "),
        params.join(", "),
        sets.join(", ")
    )
}

/// The list's query; `{where}` adds conditions on `p`, `$1` is the workspace and `$2` the
/// instant the recent calls are counted from.
const LIST: &str = "SELECT p.id, p.workspace_id, p.connection_id, n.label AS connection_label, n.provider, \
    p.remote_id, p.number, p.carrier, p.name, p.remote_assistant_id, a.id AS assistant_id, a.name AS assistant_name, \
    p.remote_squad_id, p.server_url, p.status, p.document, p.refreshed_at, \
    (SELECT COUNT(*) FROM calls c WHERE c.connection_id = p.connection_id \
        AND c.remote_phone_number_id = p.remote_id AND c.started_at >= $2) AS recent_calls, \
    (SELECT CAST(COALESCE(SUM(c.cost_micro_usd), 0) AS BIGINT) FROM calls c WHERE c.connection_id = p.connection_id \
        AND c.remote_phone_number_id = p.remote_id AND c.started_at >= $2) AS recent_cost_micro_usd \
    FROM phone_numbers p JOIN connections n ON n.id = p.connection_id \
    LEFT JOIN assistants a ON a.connection_id = p.connection_id AND a.remote_id = p.remote_assistant_id \
    WHERE p.workspace_id = $1{where} ORDER BY n.label, p.number, p.id";

impl Store {
    /// Makes a connection's stored numbers those just listed at its provider, in one
    /// transaction: new ones added, known ones updated, the others deleted. Returns how many
    /// were deleted.
    #[tracing::instrument(skip(self, numbers), fields(numbers = numbers.len()))]
    pub async fn replace_phone_numbers(
        &self,
        workspace_id: i64,
        connection_id: i64,
        numbers: &[NewPhoneNumber],
    ) -> StoreResult<u64> {
        let now = now_ms();
        let sql = upsert_sql();
        let mut kept = Vec::with_capacity(numbers.len());
        let deleted = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for n in numbers {
                let head = [Arg::from(workspace_id), Arg::from(connection_id), Arg::from(n.remote_id.as_str())];
                let args = write_args(n, now);
                let id: i64 = bind_args!(sqlx::query_scalar(&sql), head.iter().chain(&args))
                    .fetch_one(&mut *tx).await?;
                kept.push(id);
            }
            let mut deleted = 0;
            let stored: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM phone_numbers WHERE workspace_id = $1 AND connection_id = $2")
                .bind(workspace_id).bind(connection_id).fetch_all(&mut *tx).await?;
            for id in stored.into_iter().filter(|id| !kept.contains(id)) {
                deleted += sqlx::query("DELETE FROM phone_numbers WHERE id = $1")
                    .bind(id).execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            deleted
        });
        Ok(deleted)
    }

    /// Stores one number as its provider answered a change; returns its id.
    pub async fn upsert_phone_number(
        &self,
        workspace_id: i64,
        connection_id: i64,
        number: &NewPhoneNumber,
    ) -> StoreResult<i64> {
        let head = [
            Arg::from(workspace_id),
            Arg::from(connection_id),
            Arg::from(number.remote_id.as_str()),
        ];
        let args = write_args(number, now_ms());
        let sql = upsert_sql();
        let id = on_pool!(self, pool => bind_args!(sqlx::query_scalar::<_, i64>(&sql), head.iter().chain(&args))
            .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Forgets a number (released at the provider); false when there was none.
    pub async fn delete_phone_number(&self, workspace_id: i64, id: i64) -> StoreResult<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM phone_numbers WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// A workspace's numbers (of one connection, if given) with their calls since `since`, by
    /// connection and number.
    pub async fn phone_numbers(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
        since: Millis,
    ) -> StoreResult<Vec<PhoneNumber>> {
        let mut args = vec![Arg::from(workspace_id), Arg::from(since)];
        let condition = match connection_id {
            Some(id) => {
                args.push(Arg::from(id));
                " AND p.connection_id = $3"
            }
            None => "",
        };
        let sql = LIST.replace("{where}", condition);
        let rows = on_pool!(self, pool => bind_args!(sqlx::query_as::<_, PhoneNumber>(&sql), &args)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One number of a workspace, with its calls since `since`.
    pub async fn phone_number(&self, workspace_id: i64, id: i64, since: Millis) -> StoreResult<Option<PhoneNumber>> {
        let sql = LIST.replace("{where}", " AND p.id = $3");
        let args = [Arg::from(workspace_id), Arg::from(since), Arg::from(id)];
        let row = on_pool!(self, pool => bind_args!(sqlx::query_as::<_, PhoneNumber>(&sql), &args)
            .fetch_optional(pool).await)?;
        Ok(row)
    }
}
