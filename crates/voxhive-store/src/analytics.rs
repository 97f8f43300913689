//! Analytics of a workspace's calls over a period: success rate and duration per day, ended
//! reasons by category, assistants side by side and their cost growth (all from the rollups);
//! the peak of simultaneous calls per hour and calls by weekday and hour (from the calls, read
//! by an indexed range scan of their start times).

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use voxhive_core::ended_reason::{categorize, ReasonCategory};
use voxhive_core::time::Millis;

use crate::db::on_pool;
use crate::rollups::{zone_named, CallTotals};
use crate::sql_args::{bind_args, Arg};
use crate::{ReasonCount, Store, StoreResult, UsageGroupBy, UsageKey, UsageQuery};

/// The longest stretch the concurrency sweep reads, in days: it loads every call of it.
pub const MAX_CONCURRENCY_DAYS: i64 = 92;

/// How long before the period a call may have started and still be running in it.
const LONGEST_CALL_MS: i64 = 24 * 3_600_000;

const HOUR_MS: i64 = 3_600_000;

/// The calls of one day: how many, how long, how many the provider judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyPerformance {
    pub day: Date,
    pub calls: i64,
    pub duration_ms: i64,
    pub successes: i64,
    pub evaluated: i64,
}

impl DailyPerformance {
    /// The share of evaluated calls that succeeded, in tenths of a percent; `None` when the
    /// provider evaluated none.
    pub fn success_permille(&self) -> Option<i64> {
        (self.evaluated > 0).then(|| (self.successes * 1_000 + self.evaluated / 2) / self.evaluated)
    }

    /// The average duration of a call, rounded; `None` without calls.
    pub fn average_duration_ms(&self) -> Option<i64> {
        (self.calls > 0).then(|| (self.duration_ms + self.calls / 2) / self.calls)
    }
}

/// A category of ended reasons with its calls and its reasons, most frequent first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonCategoryCount {
    pub category: ReasonCategory,
    pub calls: i64,
    pub reasons: Vec<ReasonCount>,
}

/// The peak number of simultaneous calls in one hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourPeak {
    /// The hour's first instant.
    pub start: Millis,
    pub peak: i64,
}

/// Simultaneous calls per hour of a period (its last [`MAX_CONCURRENCY_DAYS`] days at most).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concurrency {
    /// The first day swept: the period's, or a later one when the period was longer than the cap.
    pub from: Date,
    /// Each hour from the start of `from` to the end of the period, in the workspace's zone.
    pub hours: Vec<HourPeak>,
}

impl Concurrency {
    /// Whether the period was cut to its last days.
    pub fn capped(&self, query: &UsageQuery) -> bool {
        self.from > query.from
    }
}

/// Calls by weekday and hour of the day in the workspace's zone: `counts[0]` is Monday,
/// `counts[d][h]` the calls started between `h`:00 and `h`:59.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeekHours {
    pub counts: [[i64; 24]; 7],
}

/// An assistant calls are grouped under (the provider's id; the local one once imported).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssistantRef {
    pub connection_id: i64,
    /// `None` for calls without an assistant.
    pub remote_assistant_id: Option<String>,
    /// The local assistant, once imported.
    pub assistant_id: Option<i64>,
    pub name: Option<String>,
}

/// One assistant's figures for a period, and its calls per ended-reason category (most first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistantFigures {
    pub assistant: AssistantRef,
    pub totals: CallTotals,
    pub categories: Vec<(ReasonCategory, i64)>,
}

/// An assistant's cost in a period and in the period of equal length before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostGrowth {
    pub assistant: AssistantRef,
    pub current_micro_usd: i64,
    pub previous_micro_usd: i64,
}

impl CostGrowth {
    /// How much more the assistant cost (negative when less).
    pub fn growth_micro_usd(&self) -> i64 {
        self.current_micro_usd - self.previous_micro_usd
    }
}

fn assistant_of(key: UsageKey) -> Option<AssistantRef> {
    match key {
        UsageKey::Assistant {
            connection_id,
            remote_assistant_id,
            assistant_id,
            name,
        } => Some(AssistantRef {
            connection_id,
            remote_assistant_id,
            assistant_id,
            name,
        }),
        _ => None,
    }
}

/// The period of equal length just before `query`'s.
fn previous_period(query: &UsageQuery) -> UsageQuery {
    let days = query.from.until(query.to).map(|s| i64::from(s.get_days())).unwrap_or(0);
    let to = query.from.checked_sub(1.day()).unwrap_or(Date::MIN);
    UsageQuery {
        from: to.checked_sub(days.days()).unwrap_or(Date::MIN),
        to,
        connection_id: query.connection_id,
    }
}

/// The first instant of a day in a zone.
fn day_start(day: Date, zone: &TimeZone) -> Millis {
    day.to_zoned(zone.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(if day <= Date::default() {
            i64::MIN / 2
        } else {
            i64::MAX / 2
        })
}

/// The peak of simultaneous calls in each hour `[start, start + 1 h)` from `hours[0]`; a call
/// is running over `[started, ended)`, so one ending as another starts does not overlap it.
pub(crate) fn sweep(calls: &[(Millis, Millis)], hour_starts: &[Millis]) -> Vec<i64> {
    let mut events: Vec<(Millis, i64)> = calls
        .iter()
        .filter(|(start, end)| end > start)
        .flat_map(|&(start, end)| [(start, 1), (end, -1)])
        .collect();
    events.sort_unstable();
    let (mut next, mut running) = (0, 0);
    hour_starts
        .iter()
        .map(|&start| {
            while next < events.len() && (events[next].0 < start || (events[next].0 == start && events[next].1 < 0)) {
                running += events[next].1;
                next += 1;
            }
            let mut peak = running;
            while next < events.len() && events[next].0 < start + HOUR_MS {
                running += events[next].1;
                peak = peak.max(running);
                next += 1;
            }
            peak
        })
        .collect()
}

/// Calls by weekday and local hour from counts per quarter hour (UTC quarters: every zone's
/// offset is a whole number of quarters, so each quarter lies in one local hour).
fn week_hours(quarters: &[(i64, i64)], zone: &TimeZone) -> WeekHours {
    let mut out = WeekHours::default();
    for &(quarter, calls) in quarters {
        let Ok(ts) = Timestamp::from_millisecond(quarter * 900_000) else {
            continue;
        };
        let local = ts.to_zoned(zone.clone());
        let day = local.weekday().to_monday_zero_offset() as usize;
        out.counts[day][local.hour() as usize] += calls;
    }
    out
}

impl Store {
    async fn zone_of(&self, workspace_id: i64) -> StoreResult<TimeZone> {
        let name: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT time_zone FROM workspaces WHERE id = $1").bind(workspace_id).fetch_optional(pool).await)?;
        Ok(zone_named(name.as_deref().unwrap_or("UTC")))
    }

    /// Calls, duration and success evaluations per day of a period (days without calls left
    /// out), from the rollups.
    #[tracing::instrument(skip(self))]
    pub async fn daily_performance(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Vec<DailyPerformance>> {
        let usage = self.usage(workspace_id, query, UsageGroupBy::Day).await?;
        Ok(usage
            .groups
            .into_iter()
            .filter_map(|g| match g.key {
                UsageKey::Day(day) => Some(DailyPerformance {
                    day,
                    calls: g.totals.calls,
                    duration_ms: g.totals.duration_ms,
                    successes: g.totals.successes,
                    evaluated: g.totals.evaluated,
                }),
                _ => None,
            })
            .collect())
    }

    /// The calls of a period per ended-reason category (in [`ReasonCategory::ALL`] order,
    /// empty categories left out), each with its reasons, from the rollups.
    #[tracing::instrument(skip(self))]
    pub async fn reason_categories(
        &self,
        workspace_id: i64,
        query: &UsageQuery,
    ) -> StoreResult<Vec<ReasonCategoryCount>> {
        let mut groups: BTreeMap<ReasonCategory, ReasonCategoryCount> = BTreeMap::new();
        for reason in self.ended_reasons(workspace_id, query).await? {
            let category = categorize(reason.reason.as_deref().unwrap_or_default());
            let group = groups.entry(category).or_insert_with(|| ReasonCategoryCount {
                category,
                calls: 0,
                reasons: Vec::new(),
            });
            group.calls += reason.calls;
            group.reasons.push(reason);
        }
        Ok(groups.into_values().collect())
    }

    /// The peak of simultaneous calls in each hour of a period (at most its last
    /// [`MAX_CONCURRENCY_DAYS`] days), swept over the calls' start and end times. A call
    /// without an end time runs for its duration.
    #[tracing::instrument(skip(self))]
    pub async fn concurrency(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Concurrency> {
        let zone = self.zone_of(workspace_id).await?;
        let earliest = query
            .to
            .checked_sub((MAX_CONCURRENCY_DAYS - 1).days())
            .unwrap_or(Date::MIN);
        let from = query.from.max(earliest);
        let (start, end) = (
            day_start(from, &zone),
            day_start(query.to.tomorrow().unwrap_or(Date::MAX), &zone),
        );
        let calls: Vec<(Millis, Option<Millis>, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT started_at, ended_at, duration_ms FROM calls WHERE workspace_id = $1 \
             AND started_at >= $2 AND started_at < $3 AND ($4 IS NULL OR connection_id = $4)")
            .bind(workspace_id).bind(start - LONGEST_CALL_MS).bind(end).bind(query.connection_id)
            .fetch_all(pool).await)?;
        let spans: Vec<(Millis, Millis)> = calls
            .into_iter()
            .map(|(started, ended, duration)| (started, ended.unwrap_or(started + duration)))
            .collect();
        let hour_starts: Vec<Millis> = (start..end).step_by(HOUR_MS as usize).collect();
        let peaks = sweep(&spans, &hour_starts);
        Ok(Concurrency {
            from,
            hours: hour_starts
                .into_iter()
                .zip(peaks)
                .map(|(start, peak)| HourPeak { start, peak })
                .collect(),
        })
    }

    /// The calls of a period by weekday and hour of the day, in the workspace's zone: counted
    /// per quarter hour in the database (an indexed range scan), placed in the week in Rust.
    #[tracing::instrument(skip(self))]
    pub async fn week_hours(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<WeekHours> {
        let zone = self.zone_of(workspace_id).await?;
        let (start, end) = (
            day_start(query.from, &zone),
            day_start(query.to.tomorrow().unwrap_or(Date::MAX), &zone),
        );
        let quarters: Vec<(i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT started_at / 900000 AS quarter, CAST(COUNT(*) AS BIGINT) FROM calls WHERE workspace_id = $1 \
             AND started_at >= $2 AND started_at < $3 AND ($4 IS NULL OR connection_id = $4) GROUP BY quarter")
            .bind(workspace_id).bind(start).bind(end).bind(query.connection_id)
            .fetch_all(pool).await)?;
        Ok(week_hours(&quarters, &zone))
    }

    /// Each assistant's figures for a period with its calls per ended-reason category, by
    /// cost (highest first), from the rollups.
    #[tracing::instrument(skip(self))]
    pub async fn assistant_figures(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Vec<AssistantFigures>> {
        let usage = self.usage(workspace_id, query, UsageGroupBy::Assistant).await?;
        let args = [
            Arg::from(workspace_id),
            Arg::from(query.from.to_string()),
            Arg::from(query.to.to_string()),
            Arg::from(query.connection_id),
        ];
        let rows: Vec<(i64, String, String, i64)> = on_pool!(self, pool => bind_args!(sqlx::query_as(
            "SELECT connection_id, remote_assistant_id, ended_reason, CAST(SUM(calls) AS BIGINT) \
             FROM call_reason_rollups WHERE workspace_id = $1 AND day >= $2 AND day <= $3 \
             AND ($4 IS NULL OR connection_id = $4) GROUP BY connection_id, remote_assistant_id, ended_reason"), &args)
            .fetch_all(pool).await)?;
        let mut categories: HashMap<(i64, String), BTreeMap<ReasonCategory, i64>> = HashMap::new();
        for (connection_id, assistant, reason, calls) in rows {
            *categories
                .entry((connection_id, assistant))
                .or_default()
                .entry(categorize(&reason))
                .or_default() += calls;
        }
        Ok(usage
            .groups
            .into_iter()
            .filter_map(|g| {
                let assistant = assistant_of(g.key)?;
                let key = (
                    assistant.connection_id,
                    assistant.remote_assistant_id.clone().unwrap_or_default(),
                );
                let mut counts: Vec<(ReasonCategory, i64)> = categories
                    .remove(&key)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(_, calls)| *calls != 0)
                    .collect();
                counts.sort_by_key(|(category, calls)| (-calls, *category));
                Some(AssistantFigures {
                    assistant,
                    totals: g.totals,
                    categories: counts,
                })
            })
            .collect())
    }

    /// Each assistant's cost in a period against the period of equal length before it, the
    /// largest growth first (assistants with calls in either period), from the rollups.
    #[tracing::instrument(skip(self))]
    pub async fn cost_growth(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Vec<CostGrowth>> {
        let current = self.usage(workspace_id, query, UsageGroupBy::Assistant).await?;
        let previous = self
            .usage(workspace_id, &previous_period(query), UsageGroupBy::Assistant)
            .await?;
        let mut by_assistant: HashMap<(i64, Option<String>), CostGrowth> = HashMap::new();
        for (group, is_current) in current
            .groups
            .into_iter()
            .map(|g| (g, true))
            .chain(previous.groups.into_iter().map(|g| (g, false)))
        {
            let cost = group.totals.cost_micro_usd;
            let Some(assistant) = assistant_of(group.key) else {
                continue;
            };
            let entry = by_assistant
                .entry((assistant.connection_id, assistant.remote_assistant_id.clone()))
                .or_insert(CostGrowth {
                    assistant,
                    current_micro_usd: 0,
                    previous_micro_usd: 0,
                });
            if is_current {
                entry.current_micro_usd += cost;
            } else {
                entry.previous_micro_usd += cost;
            }
        }
        let mut out: Vec<CostGrowth> = by_assistant.into_values().collect();
        out.sort_by(|a, b| {
            b.growth_micro_usd()
                .cmp(&a.growth_micro_usd())
                .then_with(|| a.assistant.cmp(&b.assistant))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_sweep_counts_overlaps_per_hour_and_touching_calls_once() {
        let h = |n: i64| n * HOUR_MS;
        let calls = [
            (h(0) + 10, h(0) + 20),
            (h(0) + 15, h(1) + 5), // crosses into the second hour
            (h(1) + 5, h(1) + 9),  // starts as the previous one ends: 2 at once, not 3
            (h(1) + 6, h(1) + 6),  // no length: not running
            (h(0) - 5, h(3)),      // started before the period, runs through it
        ];
        assert_eq!(sweep(&calls, &[h(0), h(1), h(2), h(3)]), [3, 2, 1, 0]);
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        let q = UsageQuery {
            from: date(2026, 3, 1),
            to: date(2026, 3, 31),
            connection_id: None,
        };
        let p = previous_period(&q);
        assert_eq!((p.from, p.to), (date(2026, 1, 29), date(2026, 2, 28)));
    }

    #[test]
    fn quarters_land_in_the_local_hour_and_weekday() {
        // 2026-03-09 (a Monday) 23:45 UTC is 05:15 on Tuesday in Kolkata (+05:30).
        let quarter = Timestamp::from_second(1_773_099_900).unwrap().as_millisecond() / 900_000;
        let kolkata = zone_named("Asia/Kolkata");
        let week = week_hours(&[(quarter, 2)], &kolkata);
        assert_eq!(week.counts[1][5], 2);
        assert_eq!(week_hours(&[(quarter, 2)], &TimeZone::UTC).counts[0][23], 2);
    }
}
