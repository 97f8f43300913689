//! The doctor: recomputes a workspace's rollups from its calls, reports and repairs every
//! difference, and moves calls and rollups to their days when the workspace's zone changes.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use voxhive_core::time::{parse_zone, Millis};

use crate::db::on_pool;
use crate::rollups::{day_of, zone_named, CallTotals, MEASURES};
use crate::sql_args::bind_args;
use crate::{Store, StoreError, StoreResult};

/// How the doctor found the rollups; differences have been repaired when it returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupCheck {
    /// Calls whose stored day did not match their start in the workspace's zone.
    pub misdated_calls: u64,
    pub differences: Vec<RollupDifference>,
}

impl RollupCheck {
    pub fn is_clean(&self) -> bool {
        self.misdated_calls == 0 && self.differences.is_empty()
    }
}

/// One rollup row that differed from what the calls add up to (zero totals: row missing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollupDifference {
    pub day: String,
    pub connection_id: i64,
    pub remote_assistant_id: Option<String>,
    /// `None` for the totals rollup; the ended reason ("" for none) for the reasons rollup,
    /// whose totals carry `calls` only.
    pub ended_reason: Option<String>,
    pub expected: CallTotals,
    pub actual: CallTotals,
}

/// The first instant of a day in a zone.
fn day_start(date: Date, zone: &TimeZone) -> Option<Millis> {
    date.to_zoned(zone.clone()).ok().map(|z| z.timestamp().as_millisecond())
}

/// The measures summed over `calls`, named as the rollup columns.
const SUMS_OF_CALLS: &str = "CAST(COUNT(*) AS BIGINT) AS calls, \
    CAST(SUM(duration_ms) AS BIGINT) AS duration_ms, \
    CAST(SUM(cost_micro_usd) AS BIGINT) AS cost_micro_usd, \
    CAST(SUM(cost_credits) AS BIGINT) AS cost_credits, \
    CAST(SUM(cost_transport_micro_usd) AS BIGINT) AS cost_transport_micro_usd, \
    CAST(SUM(cost_stt_micro_usd) AS BIGINT) AS cost_stt_micro_usd, \
    CAST(SUM(cost_llm_micro_usd) AS BIGINT) AS cost_llm_micro_usd, \
    CAST(SUM(cost_tts_micro_usd) AS BIGINT) AS cost_tts_micro_usd, \
    CAST(SUM(cost_platform_micro_usd) AS BIGINT) AS cost_platform_micro_usd, \
    CAST(SUM(CASE WHEN success THEN 1 ELSE 0 END) AS BIGINT) AS successes, \
    CAST(SUM(CASE WHEN success IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS evaluated";
const CALL_KEY: &str = "day, connection_id, COALESCE(remote_assistant_id, '')";

#[derive(sqlx::FromRow)]
struct TotalsRow {
    day: String,
    connection_id: i64,
    remote_assistant_id: String,
    #[sqlx(flatten)]
    totals: CallTotals,
}

#[derive(sqlx::FromRow)]
struct ReasonRow {
    day: String,
    connection_id: i64,
    remote_assistant_id: String,
    ended_reason: String,
    calls: i64,
}

impl Store {
    /// The doctor: recomputes a workspace's rollups from its calls (re-dating calls whose day
    /// no longer matches the workspace's zone), reports every difference and repairs them.
    #[tracing::instrument(skip(self))]
    pub async fn recompute_rollups(&self, workspace_id: i64) -> StoreResult<RollupCheck> {
        self.check_rollups(workspace_id, None, false).await
    }

    /// Rewrites a workspace's rollups from its calls whatever they hold; for a workspace whose
    /// time zone was changed behind the store's back (use [`Store::set_workspace_time_zone`]).
    #[tracing::instrument(skip(self))]
    pub async fn rebuild_rollups(&self, workspace_id: i64) -> StoreResult<RollupCheck> {
        self.check_rollups(workspace_id, None, true).await
    }

    /// Changes a workspace's time zone (an IANA name) and moves every call and rollup to its
    /// day in the new zone, in one transaction.
    #[tracing::instrument(skip(self))]
    pub async fn set_workspace_time_zone(&self, workspace_id: i64, zone: &str) -> StoreResult<RollupCheck> {
        if parse_zone(zone).is_none() {
            return Err(StoreError::Config(format!("unknown time zone {zone}")));
        }
        self.check_rollups(workspace_id, Some(zone), true).await
    }

    async fn check_rollups(
        &self,
        workspace_id: i64,
        new_zone: Option<&str>,
        rewrite: bool,
    ) -> StoreResult<RollupCheck> {
        let lock = self.workspace_lock(workspace_id, true);
        let check = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            if let Some((sql, args)) = &lock {
                bind_args!(sqlx::query(sql), args).execute(&mut *tx).await?;
            }
            if let Some(zone) = new_zone {
                sqlx::query("UPDATE workspaces SET time_zone = $1 WHERE id = $2")
                    .bind(zone).bind(workspace_id).execute(&mut *tx).await?;
            }
            let zone: String = sqlx::query_scalar("SELECT time_zone FROM workspaces WHERE id = $1")
                .bind(workspace_id).fetch_one(&mut *tx).await?;
            let zone = zone_named(&zone);

            // Every call's day, from its start in the zone: one range update per day.
            let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT MIN(started_at), MAX(started_at) FROM calls WHERE workspace_id = $1")
                .bind(workspace_id).fetch_one(&mut *tx).await?;
            let mut misdated_calls = 0;
            if let (Some(first), Some(last)) = (first, last) {
                let mut date: Date = day_of(first, &zone).parse().unwrap_or_default();
                let last: Date = day_of(last, &zone).parse().unwrap_or_default();
                while let Some(start) = day_start(date, &zone) {
                    let next = date.tomorrow().ok();
                    let end = next.and_then(|d| day_start(d, &zone)).unwrap_or(i64::MAX);
                    misdated_calls += sqlx::query(
                        "UPDATE calls SET day = $1 WHERE workspace_id = $2 AND started_at >= $3 \
                         AND started_at < $4 AND day <> $1")
                        .bind(date.to_string()).bind(workspace_id).bind(start).bind(end)
                        .execute(&mut *tx).await?.rows_affected();
                    match next {
                        Some(next) if date < last => date = next,
                        _ => break,
                    }
                }
            }

            let expected: Vec<TotalsRow> = sqlx::query_as(&format!(
                "SELECT {CALL_KEY} AS remote_assistant_id, {SUMS_OF_CALLS} FROM calls \
                 WHERE workspace_id = $1 GROUP BY {CALL_KEY}"))
                .bind(workspace_id).fetch_all(&mut *tx).await?;
            let actual: Vec<TotalsRow> = sqlx::query_as(&format!(
                "SELECT day, connection_id, remote_assistant_id, {} FROM call_rollups WHERE workspace_id = $1",
                MEASURES.join(", ")))
                .bind(workspace_id).fetch_all(&mut *tx).await?;
            let expected_reasons: Vec<ReasonRow> = sqlx::query_as(&format!(
                "SELECT {CALL_KEY} AS remote_assistant_id, COALESCE(ended_reason, '') AS ended_reason, \
                 CAST(COUNT(*) AS BIGINT) AS calls FROM calls WHERE workspace_id = $1 \
                 GROUP BY {CALL_KEY}, COALESCE(ended_reason, '')"))
                .bind(workspace_id).fetch_all(&mut *tx).await?;
            let actual_reasons: Vec<ReasonRow> = sqlx::query_as(
                "SELECT day, connection_id, remote_assistant_id, ended_reason, calls \
                 FROM call_reason_rollups WHERE workspace_id = $1")
                .bind(workspace_id).fetch_all(&mut *tx).await?;

            let mut differences = compare_totals(expected, actual);
            differences.extend(compare_reasons(expected_reasons, actual_reasons));

            if rewrite || !differences.is_empty() {
                sqlx::query("DELETE FROM call_rollups WHERE workspace_id = $1")
                    .bind(workspace_id).execute(&mut *tx).await?;
                sqlx::query(&format!(
                    "INSERT INTO call_rollups (workspace_id, day, connection_id, remote_assistant_id, {}) \
                     SELECT workspace_id, {CALL_KEY}, {SUMS_OF_CALLS} FROM calls WHERE workspace_id = $1 \
                     GROUP BY workspace_id, {CALL_KEY}", MEASURES.join(", ")))
                    .bind(workspace_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM call_reason_rollups WHERE workspace_id = $1")
                    .bind(workspace_id).execute(&mut *tx).await?;
                sqlx::query(&format!(
                    "INSERT INTO call_reason_rollups \
                     (workspace_id, day, connection_id, remote_assistant_id, ended_reason, calls) \
                     SELECT workspace_id, {CALL_KEY}, COALESCE(ended_reason, ''), COUNT(*) FROM calls \
                     WHERE workspace_id = $1 GROUP BY workspace_id, {CALL_KEY}, COALESCE(ended_reason, '')"))
                    .bind(workspace_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            RollupCheck { misdated_calls, differences }
        });
        if !check.is_clean() {
            tracing::warn!(
                workspace_id,
                misdated_calls = check.misdated_calls,
                differences = check.differences.len(),
                "call rollups differed from the calls and were repaired"
            );
        }
        Ok(check)
    }
}

fn none_if_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn compare_totals(expected: Vec<TotalsRow>, actual: Vec<TotalsRow>) -> Vec<RollupDifference> {
    let mut rows: BTreeMap<(String, i64, String), (CallTotals, CallTotals)> = BTreeMap::new();
    for r in expected {
        rows.entry((r.day, r.connection_id, r.remote_assistant_id))
            .or_default()
            .0 = r.totals;
    }
    for r in actual {
        rows.entry((r.day, r.connection_id, r.remote_assistant_id))
            .or_default()
            .1 = r.totals;
    }
    rows.into_iter()
        .filter(|(_, (e, a))| e != a)
        .map(|((day, connection_id, remote), (expected, actual))| RollupDifference {
            day,
            connection_id,
            remote_assistant_id: none_if_empty(remote),
            ended_reason: None,
            expected,
            actual,
        })
        .collect()
}

fn compare_reasons(expected: Vec<ReasonRow>, actual: Vec<ReasonRow>) -> Vec<RollupDifference> {
    let mut rows: BTreeMap<(String, i64, String, String), (i64, i64)> = BTreeMap::new();
    for r in expected {
        rows.entry((r.day, r.connection_id, r.remote_assistant_id, r.ended_reason))
            .or_default()
            .0 = r.calls;
    }
    for r in actual {
        rows.entry((r.day, r.connection_id, r.remote_assistant_id, r.ended_reason))
            .or_default()
            .1 = r.calls;
    }
    let calls = |calls| CallTotals {
        calls,
        ..CallTotals::default()
    };
    rows.into_iter()
        .filter(|(_, (e, a))| e != a)
        .map(|((day, connection_id, remote, reason), (e, a))| RollupDifference {
            day,
            connection_id,
            remote_assistant_id: none_if_empty(remote),
            ended_reason: Some(reason),
            expected: calls(e),
            actual: calls(a),
        })
        .collect()
}
