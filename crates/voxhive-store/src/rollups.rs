//! Call rollups per day (in the workspace's zone), connection and provider assistant id: what
//! one call contributes, and the statements that move contributions when calls change (the
//! doctor that recomputes them from the calls is in `rollup_doctor`).
//!
//! Concurrency: every writer of a workspace's rollups holds a workspace lock for its
//! transaction. On SQLite that is the database write lock (`BEGIN IMMEDIATE`); on PostgreSQL a
//! transaction-scoped advisory lock, shared by call upserts (they run side by side; rows they
//! both touch are serialised by row locks, taken in key order so two upserts cannot deadlock)
//! and exclusive for the doctor, which therefore sees no upsert half-done.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use voxhive_core::time::{parse_zone, Millis};

use crate::db::Engine;
use crate::sql_args::{Arg, Statement};
use crate::Store;

/// Sums over a set of calls; the same measures for one call, a rollup row or a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct CallTotals {
    pub calls: i64,
    pub duration_ms: i64,
    pub cost_micro_usd: i64,
    /// ElevenLabs credits (whole credits, as the provider reports them).
    pub cost_credits: i64,
    pub cost_transport_micro_usd: i64,
    pub cost_stt_micro_usd: i64,
    pub cost_llm_micro_usd: i64,
    pub cost_tts_micro_usd: i64,
    pub cost_platform_micro_usd: i64,
    /// Calls the provider evaluated as successful.
    pub successes: i64,
    /// Calls the provider evaluated at all (success or failure).
    pub evaluated: i64,
}

/// The measure columns of `call_rollups`, in the order of [`CallTotals::values`].
pub(crate) const MEASURES: [&str; 11] = [
    "calls",
    "duration_ms",
    "cost_micro_usd",
    "cost_credits",
    "cost_transport_micro_usd",
    "cost_stt_micro_usd",
    "cost_llm_micro_usd",
    "cost_tts_micro_usd",
    "cost_platform_micro_usd",
    "successes",
    "evaluated",
];

impl CallTotals {
    fn values(&self) -> [i64; 11] {
        [
            self.calls,
            self.duration_ms,
            self.cost_micro_usd,
            self.cost_credits,
            self.cost_transport_micro_usd,
            self.cost_stt_micro_usd,
            self.cost_llm_micro_usd,
            self.cost_tts_micro_usd,
            self.cost_platform_micro_usd,
            self.successes,
            self.evaluated,
        ]
    }

    fn from_values(v: [i64; 11]) -> Self {
        let [calls, duration_ms, cost_micro_usd, cost_credits, transport, stt, llm, tts, platform, successes, evaluated] =
            v;
        Self {
            calls,
            duration_ms,
            cost_micro_usd,
            cost_credits,
            cost_transport_micro_usd: transport,
            cost_stt_micro_usd: stt,
            cost_llm_micro_usd: llm,
            cost_tts_micro_usd: tts,
            cost_platform_micro_usd: platform,
            successes,
            evaluated,
        }
    }

    /// Adds `other` times `sign` (1 or -1).
    pub(crate) fn add(&mut self, other: &CallTotals, sign: i64) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(other.values()) {
            *a += sign * b;
        }
        *self = Self::from_values(v);
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// The part of the cost no component accounts for (provider fees not itemised, rounding);
    /// with the components it adds up to `cost_micro_usd` exactly.
    pub fn other_micro_usd(&self) -> i64 {
        self.cost_micro_usd
            - self.cost_transport_micro_usd
            - self.cost_stt_micro_usd
            - self.cost_llm_micro_usd
            - self.cost_tts_micro_usd
            - self.cost_platform_micro_usd
    }
}

/// Where a call is counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RollupKey {
    pub day: String,
    pub connection_id: i64,
    /// The provider's assistant id; empty for a call without one.
    pub remote_assistant_id: String,
}

/// What one call adds to the rollups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Contribution {
    pub key: RollupKey,
    /// Empty while the call has no ended reason.
    pub ended_reason: String,
    pub totals: CallTotals,
}

/// Advisory-lock keys on PostgreSQL: this base plus the workspace id.
const WORKSPACE_LOCK_BASE: i64 = 0x5648_0000_0000_0000;

impl Store {
    /// The statement that opens a transaction which will write: on SQLite it takes the write
    /// lock at once, so a read-then-write transaction waits its turn instead of failing busy.
    pub(crate) fn begin_write(&self) -> &'static str {
        match self.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        }
    }

    /// PostgreSQL only: the statement taking the workspace's rollup lock, shared or exclusive.
    pub(crate) fn workspace_lock(&self, workspace_id: i64, exclusive: bool) -> Option<Statement> {
        let function = if exclusive {
            "pg_advisory_xact_lock"
        } else {
            "pg_advisory_xact_lock_shared"
        };
        (self.engine() == Engine::Postgres).then(|| {
            (
                format!("SELECT {function}($1)"),
                vec![Arg::from(WORKSPACE_LOCK_BASE + workspace_id)],
            )
        })
    }
}

/// A workspace's zone; UTC when the stored name is unknown.
pub(crate) fn zone_named(name: &str) -> TimeZone {
    parse_zone(name).unwrap_or(TimeZone::UTC)
}

/// The day (`YYYY-MM-DD`) of an instant in a zone.
pub(crate) fn day_of(ms: Millis, zone: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned(zone.clone()).date().to_string(),
        Err(_) => "0000-01-01".to_string(),
    }
}

static ADD_TOTALS: LazyLock<String> = LazyLock::new(|| {
    let params: Vec<String> = (5..5 + MEASURES.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = MEASURES
        .iter()
        .map(|m| format!("{m} = call_rollups.{m} + excluded.{m}"))
        .collect();
    format!(
        "INSERT INTO call_rollups (workspace_id, day, connection_id, remote_assistant_id, {}) \
         VALUES ($1, $2, $3, $4, {}) \
         ON CONFLICT (workspace_id, day, connection_id, remote_assistant_id) DO UPDATE SET {}",
        MEASURES.join(", "),
        params.join(", "),
        sets.join(", ")
    )
});
const DROP_EMPTY_TOTALS: &str = "DELETE FROM call_rollups WHERE workspace_id = $1 AND day = $2 \
    AND connection_id = $3 AND remote_assistant_id = $4 AND calls = 0";
const ADD_REASON: &str = "INSERT INTO call_reason_rollups \
    (workspace_id, day, connection_id, remote_assistant_id, ended_reason, calls) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (workspace_id, day, connection_id, remote_assistant_id, ended_reason) \
    DO UPDATE SET calls = call_reason_rollups.calls + excluded.calls";
const DROP_EMPTY_REASON: &str = "DELETE FROM call_reason_rollups WHERE workspace_id = $1 AND day = $2 \
    AND connection_id = $3 AND remote_assistant_id = $4 AND ended_reason = $5 AND calls = 0";

fn key_args(workspace_id: i64, key: &RollupKey) -> Vec<Arg> {
    vec![
        Arg::from(workspace_id),
        Arg::from(key.day.as_str()),
        Arg::from(key.connection_id),
        Arg::from(key.remote_assistant_id.as_str()),
    ]
}

/// The net change to the rollups of a batch of call upserts: each call's old contribution
/// subtracted and its new one added.
#[derive(Debug, Default)]
pub(crate) struct RollupDeltas {
    totals: BTreeMap<(i64, RollupKey), CallTotals>,
    reasons: BTreeMap<(i64, RollupKey, String), i64>,
}

impl RollupDeltas {
    /// Adds a contribution to a workspace's rollups (`sign` 1), or takes it away (-1).
    pub(crate) fn add(&mut self, workspace_id: i64, c: &Contribution, sign: i64) {
        self.totals
            .entry((workspace_id, c.key.clone()))
            .or_default()
            .add(&c.totals, sign);
        *self
            .reasons
            .entry((workspace_id, c.key.clone(), c.ended_reason.clone()))
            .or_default() += sign;
    }

    /// The statements applying the changes: none for rows whose change is nil, one signed
    /// upsert per touched row otherwise, rows left at zero calls deleted. They run in key order,
    /// so concurrent writers lock rollup rows in the same order and cannot deadlock.
    pub(crate) fn statements(&self) -> Vec<Statement> {
        let mut out = Vec::new();
        for ((workspace_id, key), delta) in self.totals.iter().filter(|(_, d)| !d.is_zero()) {
            let mut args = key_args(*workspace_id, key);
            args.extend(delta.values().into_iter().map(Arg::from));
            out.push((ADD_TOTALS.clone(), args));
            if delta.calls < 0 {
                out.push((DROP_EMPTY_TOTALS.to_string(), key_args(*workspace_id, key)));
            }
        }
        for ((workspace_id, key, reason), delta) in self.reasons.iter().filter(|(_, d)| **d != 0) {
            let mut args = key_args(*workspace_id, key);
            args.push(Arg::from(reason.as_str()));
            let drop = args.clone();
            args.push(Arg::from(*delta));
            out.push((ADD_REASON.to_string(), args));
            if *delta < 0 {
                out.push((DROP_EMPTY_REASON.to_string(), drop));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contribution(day: &str, assistant: &str, reason: &str, cost: i64) -> Contribution {
        Contribution {
            key: RollupKey {
                day: day.to_string(),
                connection_id: 1,
                remote_assistant_id: assistant.to_string(),
            },
            ended_reason: reason.to_string(),
            totals: CallTotals {
                calls: 1,
                cost_micro_usd: cost,
                ..CallTotals::default()
            },
        }
    }

    fn changes(old: &Contribution, new: &Contribution) -> Vec<Statement> {
        let mut deltas = RollupDeltas::default();
        deltas.add(1, old, -1);
        deltas.add(1, new, 1);
        deltas.statements()
    }

    #[test]
    fn an_unchanged_contribution_changes_nothing() {
        let c = contribution("2026-01-02", "a", "hangup", 5);
        assert!(changes(&c, &c).is_empty());
    }

    #[test]
    fn a_cost_change_is_one_signed_update() {
        let old = contribution("2026-01-02", "a", "hangup", 5);
        let new = contribution("2026-01-02", "a", "hangup", 7);
        let changes = changes(&old, &new);
        assert_eq!(changes.len(), 1);
        assert!(changes[0].1.contains(&Arg::from(2)), "{changes:?}");
    }

    #[test]
    fn a_move_subtracts_from_the_old_day_and_drops_empty_rows_in_key_order() {
        let old = contribution("2026-01-03", "a", "hangup", 5);
        let new = contribution("2026-01-02", "b", "error", 5);
        let changes = changes(&old, &new);
        let days: Vec<&Arg> = changes.iter().map(|(_, args)| &args[1]).collect();
        assert_eq!(
            days,
            [
                &Arg::from("2026-01-02"),
                &Arg::from("2026-01-03"),
                &Arg::from("2026-01-03"),
                &Arg::from("2026-01-02"),
                &Arg::from("2026-01-03"),
                &Arg::from("2026-01-03"),
            ]
        );
        assert!(changes[2].0.starts_with("DELETE") && changes[5].0.starts_with("DELETE"));
    }

    #[test]
    fn days_are_taken_in_the_zone() {
        let berlin = zone_named("Europe/Berlin");
        // 2026-01-01T23:30:00Z is already 2 January in Berlin.
        let ms = 1_767_310_200_000;
        assert_eq!(day_of(ms, &TimeZone::UTC), "2026-01-01");
        assert_eq!(day_of(ms, &berlin), "2026-01-02");
        assert_eq!(zone_named("Mars/Olympus"), TimeZone::UTC);
    }

    #[test]
    fn other_cost_closes_the_stack() {
        let t = CallTotals {
            cost_micro_usd: 300_000,
            cost_llm_micro_usd: 100_000,
            cost_tts_micro_usd: 200_000,
            ..CallTotals::default()
        };
        assert_eq!(t.other_micro_usd(), 0);
    }
}
