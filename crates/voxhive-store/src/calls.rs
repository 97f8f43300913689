//! Calls, stored once per (connection, provider call id) whichever way they arrive (webhook or
//! polling), each upsert keeping the rollups exact in the same transaction; linking calls to
//! assistants imported later.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;
use voxhive_core::doc::canonical_json;
use voxhive_core::time::{now_ms, Millis};

use crate::db::on_pool;
use crate::rollups::{day_of, zone_named, CallTotals, Contribution, RollupDeltas, RollupKey};
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// A call as the ingestion code read it from a provider: money already converted to integers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NewCall {
    pub connection_id: i64,
    /// The provider's call (conversation) id.
    pub remote_id: String,
    /// The provider's assistant (agent) id, if the call had one.
    pub remote_assistant_id: Option<String>,
    /// The revision that was live for the call, when the caller knows it.
    pub assistant_revision_id: Option<i64>,
    /// Normalised status, such as `queued`, `in-progress`, `ended`, `failed`.
    pub status: String,
    /// `inbound`, `outbound` or `web`.
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    /// The provider's id of the phone number the call used (none for web calls).
    pub remote_phone_number_id: Option<String>,
    /// When the call started; when it never started, when it was created. Its day in the
    /// workspace's zone is the day the call is counted under.
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    /// The provider's creation instant.
    pub created_at: Option<Millis>,
    /// The provider's last-update instant: a version older than the stored one is ignored.
    pub remote_updated_at: Option<Millis>,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    /// The provider's success evaluation, normalised; `None` when not evaluated.
    pub success: Option<bool>,
    pub cost_micro_usd: i64,
    pub cost_credits: i64,
    pub cost_transport_micro_usd: i64,
    pub cost_stt_micro_usd: i64,
    pub cost_llm_micro_usd: i64,
    pub cost_tts_micro_usd: i64,
    pub cost_platform_micro_usd: i64,
    pub llm_prompt_tokens: i64,
    pub llm_completion_tokens: i64,
    pub tts_characters: i64,
    pub summary: Option<String>,
    /// The transcript as plain text, for search.
    pub transcript_text: Option<String>,
    /// The transcript's turns (JSON).
    pub transcript: Option<serde_json::Value>,
    /// The provider's analysis (JSON).
    pub analysis: Option<serde_json::Value>,
    pub recording_url: Option<String>,
    /// The provider's document, whole.
    pub document: serde_json::Value,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upserted {
    pub id: i64,
    /// The call was new.
    pub created: bool,
    /// The row (and so perhaps the rollups) changed; false for a replay or an older version.
    pub changed: bool,
}

/// The columns an upsert writes from a [`NewCall`], in the order of `field_args`.
const FIELDS: [&str; 33] = [
    "remote_assistant_id",
    "assistant_revision_id",
    "status",
    "direction",
    "customer_number",
    "remote_phone_number_id",
    "started_at",
    "ended_at",
    "created_at",
    "remote_updated_at",
    "duration_ms",
    "ended_reason",
    "success",
    "cost_micro_usd",
    "cost_credits",
    "cost_transport_micro_usd",
    "cost_stt_micro_usd",
    "cost_llm_micro_usd",
    "cost_tts_micro_usd",
    "cost_platform_micro_usd",
    "llm_prompt_tokens",
    "llm_completion_tokens",
    "tts_characters",
    "summary",
    "transcript_text",
    "transcript",
    "analysis",
    "recording_url",
    "document",
    "content_hash",
    "day",
    "updated_at",
    "first_seen_at",
];

fn field_args(new: &NewCall, hash: &str, day: &str, now: Millis) -> Vec<Arg> {
    let json = |v: &Option<serde_json::Value>| Arg::Text(v.as_ref().map(|v| v.to_string()));
    vec![
        Arg::from(new.remote_assistant_id.as_deref()),
        Arg::from(new.assistant_revision_id),
        Arg::from(new.status.as_str()),
        Arg::from(new.direction.as_deref()),
        Arg::from(new.customer_number.as_deref()),
        Arg::from(new.remote_phone_number_id.as_deref()),
        Arg::from(new.started_at),
        Arg::from(new.ended_at),
        Arg::from(new.created_at),
        Arg::from(new.remote_updated_at),
        Arg::from(new.duration_ms),
        Arg::from(new.ended_reason.as_deref()),
        Arg::from(new.success),
        Arg::from(new.cost_micro_usd),
        Arg::from(new.cost_credits),
        Arg::from(new.cost_transport_micro_usd),
        Arg::from(new.cost_stt_micro_usd),
        Arg::from(new.cost_llm_micro_usd),
        Arg::from(new.cost_tts_micro_usd),
        Arg::from(new.cost_platform_micro_usd),
        Arg::from(new.llm_prompt_tokens),
        Arg::from(new.llm_completion_tokens),
        Arg::from(new.tts_characters),
        Arg::from(new.summary.as_deref()),
        Arg::from(new.transcript_text.as_deref()),
        json(&new.transcript),
        json(&new.analysis),
        Arg::from(new.recording_url.as_deref()),
        Arg::from(new.document.to_string()),
        Arg::from(hash),
        Arg::from(day),
        Arg::from(now),
        Arg::from(now),
    ]
}

/// Placeholders: $1 workspace, $2 connection, $3 provider, $4 remote id, $5 assistant id to keep
/// when none is found, then FIELDS from $6.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    let params: Vec<String> = (6..6 + FIELDS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO calls (workspace_id, connection_id, provider, remote_id, assistant_id, {}) \
         VALUES ($1, $2, $3, $4, COALESCE((SELECT id FROM assistants WHERE connection_id = $2 AND remote_id = $6), $5), {}) \
         ON CONFLICT (connection_id, remote_id) DO NOTHING RETURNING id",
        FIELDS.join(", "),
        params.join(", ")
    )
});

/// The fields retention deletes: once a call's contents are purged, an update keeps them purged.
const PURGED_FIELDS: [&str; 4] = ["transcript_text", "transcript", "recording_url", "document"];

/// Same placeholders as INSERT ($1 is the call's id instead of the workspace); first_seen_at
/// (the last field) is kept, and so are the purged contents of a call retention emptied.
static UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = FIELDS[..FIELDS.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, f)| match PURGED_FIELDS.contains(f) {
            true => format!(
                "{f} = CASE WHEN contents_purged_at IS NULL THEN ${} ELSE {f} END",
                i + 6
            ),
            false => format!("{f} = ${}", i + 6),
        })
        .collect();
    format!(
        "UPDATE calls SET assistant_id = COALESCE((SELECT id FROM assistants WHERE connection_id = $2 \
         AND remote_id = $6), $5), {} WHERE id = $1 AND provider = $3 AND remote_id = $4",
        sets.join(", ")
    )
});

/// The stored state an upsert compares with and subtracts.
#[derive(sqlx::FromRow)]
struct Existing {
    id: i64,
    content_hash: String,
    remote_updated_at: Option<Millis>,
    remote_assistant_id: Option<String>,
    assistant_id: Option<i64>,
    day: String,
    ended_reason: Option<String>,
    success: Option<bool>,
    #[sqlx(flatten)]
    costs: Costs,
}

#[derive(sqlx::FromRow)]
struct Costs {
    duration_ms: i64,
    cost_micro_usd: i64,
    cost_credits: i64,
    cost_transport_micro_usd: i64,
    cost_stt_micro_usd: i64,
    cost_llm_micro_usd: i64,
    cost_tts_micro_usd: i64,
    cost_platform_micro_usd: i64,
}

const EXISTING: &str = "SELECT id, content_hash, remote_updated_at, remote_assistant_id, assistant_id, day, \
    ended_reason, success, duration_ms, cost_micro_usd, cost_credits, cost_transport_micro_usd, cost_stt_micro_usd, \
    cost_llm_micro_usd, cost_tts_micro_usd, cost_platform_micro_usd FROM calls WHERE connection_id = $1 AND remote_id = $2";

#[derive(sqlx::FromRow)]
struct Target {
    workspace_id: i64,
    provider: String,
    time_zone: String,
}

fn contribution(
    connection_id: i64,
    day: &str,
    assistant: Option<&str>,
    reason: Option<&str>,
    success: Option<bool>,
    c: &Costs,
) -> Contribution {
    Contribution {
        key: RollupKey {
            day: day.to_string(),
            connection_id,
            remote_assistant_id: assistant.unwrap_or_default().to_string(),
        },
        ended_reason: reason.unwrap_or_default().to_string(),
        totals: CallTotals {
            calls: 1,
            duration_ms: c.duration_ms,
            cost_micro_usd: c.cost_micro_usd,
            cost_credits: c.cost_credits,
            cost_transport_micro_usd: c.cost_transport_micro_usd,
            cost_stt_micro_usd: c.cost_stt_micro_usd,
            cost_llm_micro_usd: c.cost_llm_micro_usd,
            cost_tts_micro_usd: c.cost_tts_micro_usd,
            cost_platform_micro_usd: c.cost_platform_micro_usd,
            successes: i64::from(success == Some(true)),
            evaluated: i64::from(success.is_some()),
        },
    }
}

impl Existing {
    /// What the stored version adds to the rollups: under the day it was counted on.
    fn contribution(&self, connection_id: i64) -> Contribution {
        let (assistant, reason) = (self.remote_assistant_id.as_deref(), self.ended_reason.as_deref());
        contribution(connection_id, &self.day, assistant, reason, self.success, &self.costs)
    }

    /// Whether `new` replaces the stored version: it differs, and is not older.
    fn is_replaced_by(&self, new: &NewCall, hash: &str) -> bool {
        let older = matches!((self.remote_updated_at, new.remote_updated_at), (Some(o), Some(n)) if n < o);
        self.content_hash != hash && !older
    }
}

impl NewCall {
    fn contribution(&self, day: &str) -> Contribution {
        let (assistant, reason) = (self.remote_assistant_id.as_deref(), self.ended_reason.as_deref());
        contribution(self.connection_id, day, assistant, reason, self.success, &self.costs())
    }

    fn costs(&self) -> Costs {
        Costs {
            duration_ms: self.duration_ms,
            cost_micro_usd: self.cost_micro_usd,
            cost_credits: self.cost_credits,
            cost_transport_micro_usd: self.cost_transport_micro_usd,
            cost_stt_micro_usd: self.cost_stt_micro_usd,
            cost_llm_micro_usd: self.cost_llm_micro_usd,
            cost_tts_micro_usd: self.cost_tts_micro_usd,
            cost_platform_micro_usd: self.cost_platform_micro_usd,
        }
    }

    /// SHA-256 of everything the provider told us, in canonical JSON: equal for a replay.
    fn content_hash(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        voxhive_core::secret::digest(&canonical_json(&value))
    }
}

impl Store {
    /// Stores a call, or updates the stored one, and moves its contribution to the rollups, in
    /// one transaction. A replay (same content) or an older version (by `remote_updated_at`)
    /// changes nothing. The call is linked to the assistant with its remote id when VoxHive has
    /// one. Fails with `RowNotFound` when the connection does not exist.
    #[tracing::instrument(skip_all, fields(connection_id = new.connection_id, remote_id = %new.remote_id))]
    pub async fn upsert_call(&self, new: &NewCall) -> StoreResult<Upserted> {
        let mut upserted = self.upsert_calls(std::slice::from_ref(new)).await?;
        Ok(upserted.remove(0))
    }

    /// Upserts calls as [`Store::upsert_call`] does, all in one transaction (one durable
    /// commit, and one change per touched rollup row), returning what happened to each in the
    /// order given. All or nothing: one missing connection fails the batch. Locks are taken in a
    /// fixed order (call rows by connection and provider id, then rollup rows by key), so
    /// concurrent batches cannot deadlock.
    /// On PostgreSQL a transaction chosen as a deadlock's victim (another writer locking calls
    /// in another order, such as a retention or archive pass) is run again, twice at most.
    #[tracing::instrument(skip_all, fields(calls = calls.len()))]
    pub async fn upsert_calls(&self, calls: &[NewCall]) -> StoreResult<Vec<Upserted>> {
        let mut attempt = 1;
        loop {
            match self.upsert_calls_once(calls).await {
                Err(err) if err.is_deadlock() && attempt < 3 => {
                    tracing::warn!(error = %err, attempt, "storing calls met a deadlock; trying again");
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn upsert_calls_once(&self, calls: &[NewCall]) -> StoreResult<Vec<Upserted>> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let hashes: Vec<String> = calls.iter().map(NewCall::content_hash).collect();
        let mut order: Vec<usize> = (0..calls.len()).collect();
        order.sort_by_key(|&i| (calls[i].connection_id, calls[i].remote_id.as_str()));
        let mut connections: Vec<i64> = calls.iter().map(|c| c.connection_id).collect();
        connections.sort_unstable();
        connections.dedup();
        let existing_sql = match self.engine() {
            crate::Engine::Sqlite => EXISTING.to_string(),
            crate::Engine::Postgres => format!("{EXISTING} FOR UPDATE"),
        };
        let mut results = vec![None; calls.len()];
        let _turn = self.background_write_turn().await;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let mut targets = HashMap::new();
            for connection_id in &connections {
                let target: Target = sqlx::query_as(
                    "SELECT c.workspace_id, c.provider, w.time_zone FROM connections c \
                     JOIN workspaces w ON w.id = c.workspace_id WHERE c.id = $1")
                    .bind(connection_id).fetch_one(&mut *tx).await?;
                let zone = zone_named(&target.time_zone);
                targets.insert(*connection_id, (target, zone));
            }
            let mut workspaces: Vec<i64> = targets.values().map(|(t, _)| t.workspace_id).collect();
            workspaces.sort_unstable();
            workspaces.dedup();
            for workspace_id in workspaces {
                if let Some((sql, args)) = self.workspace_lock(workspace_id, false) {
                    bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
                }
            }

            let mut deltas = RollupDeltas::default();
            for i in order {
                let (new, hash) = (&calls[i], &hashes[i]);
                let (target, zone) = &targets[&new.connection_id];
                let day = day_of(new.started_at, zone);
                let fields = field_args(new, hash, &day, now);
                let select = || sqlx::query_as::<_, Existing>(&existing_sql).bind(new.connection_id).bind(&new.remote_id);
                let mut existing = select().fetch_optional(&mut *tx).await?;
                let mut created = None;
                if existing.is_none() {
                    let head = [
                        Arg::from(target.workspace_id),
                        Arg::from(new.connection_id),
                        Arg::from(target.provider.as_str()),
                        Arg::from(new.remote_id.as_str()),
                        Arg::Int(None),
                    ];
                    created = bind_args!(sqlx::query_scalar::<_, i64>(&INSERT), head.iter().chain(&fields))
                        .fetch_optional(&mut *tx).await?;
                    if created.is_none() {
                        // Another transaction stored it first; it has committed, so it can be locked.
                        existing = Some(select().fetch_one(&mut *tx).await?);
                    }
                }
                let upserted = match (created, existing) {
                    (Some(id), _) => {
                        deltas.add(target.workspace_id, &new.contribution(&day), 1);
                        Upserted { id, created: true, changed: true }
                    }
                    (None, Some(old)) if !old.is_replaced_by(new, hash) => {
                        Upserted { id: old.id, created: false, changed: false }
                    }
                    (None, Some(old)) => {
                        let keep = (old.remote_assistant_id == new.remote_assistant_id)
                            .then_some(old.assistant_id).flatten();
                        let head = [
                            Arg::from(old.id),
                            Arg::from(new.connection_id),
                            Arg::from(target.provider.as_str()),
                            Arg::from(new.remote_id.as_str()),
                            Arg::from(keep),
                        ];
                        // first_seen_at, the last field, is kept.
                        let kept = &fields[..fields.len() - 1];
                        bind_args!(sqlx::query(&UPDATE), head.iter().chain(kept)).execute(&mut *tx).await?;
                        deltas.add(target.workspace_id, &old.contribution(new.connection_id), -1);
                        deltas.add(target.workspace_id, &new.contribution(&day), 1);
                        Upserted { id: old.id, created: false, changed: true }
                    }
                    (None, None) => unreachable!("the call was either inserted or found"),
                };
                results[i] = Some(upserted);
            }
            for (sql, args) in deltas.statements() {
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(results.into_iter().flatten().collect())
    }

    /// Links a connection's calls of a provider assistant to the local assistant (imported
    /// after the calls arrived); returns how many calls changed. Rollups are keyed by the
    /// provider's assistant id and do not move.
    #[tracing::instrument(skip(self))]
    pub async fn link_calls(
        &self,
        connection_id: i64,
        remote_assistant_id: &str,
        assistant_id: i64,
    ) -> StoreResult<u64> {
        let sql = self.in_upsert_order(
            "UPDATE calls SET assistant_id = $3",
            "connection_id = $1 AND remote_assistant_id = $2 AND (assistant_id IS NULL OR assistant_id <> $3)",
        );
        let n = on_pool!(self, pool => sqlx::query(&sql)
            .bind(connection_id).bind(remote_assistant_id).bind(assistant_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Links every unlinked call of a connection whose provider assistant VoxHive now knows
    /// (after an import); returns how many calls were linked.
    #[tracing::instrument(skip(self))]
    pub async fn link_unlinked_calls(&self, connection_id: i64) -> StoreResult<u64> {
        let sql = self.in_upsert_order(
            "UPDATE calls SET assistant_id = (SELECT a.id FROM assistants a \
             WHERE a.connection_id = calls.connection_id AND a.remote_id = calls.remote_assistant_id)",
            "connection_id = $1 AND assistant_id IS NULL AND remote_assistant_id IN \
             (SELECT remote_id FROM assistants WHERE connection_id = $1 AND remote_id IS NOT NULL)",
        );
        let n = on_pool!(self, pool => sqlx::query(&sql)
            .bind(connection_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// `update` of the calls matching `filter`. On PostgreSQL the rows are locked first in the
    /// order [`Store::upsert_calls`] locks them (by connection and provider id, compared byte by
    /// byte as Rust sorts them, whatever the database's collation): an update
    /// locking them in scan order could deadlock with a backfill storing the same calls.
    fn in_upsert_order(&self, update: &str, filter: &str) -> String {
        match self.engine() {
            crate::Engine::Sqlite => format!("{update} WHERE {filter}"),
            crate::Engine::Postgres => format!(
                "{update} WHERE id IN (SELECT id FROM calls WHERE {filter} ORDER BY connection_id, remote_id COLLATE \"C\" FOR UPDATE)"
            ),
        }
    }
}
