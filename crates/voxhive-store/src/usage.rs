//! Usage & Cost, read from the rollups only: totals for a period, grouped by day, assistant,
//! connection or provider; daily cost by component; calls per ended reason. The cost of each
//! query depends on the number of days, assistants and connections, not on the number of calls.

use jiff::civil::Date;

use crate::db::on_pool;
use crate::rollups::{CallTotals, MEASURES};
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// A period of whole days in the workspace's zone, both ends included, optionally one
/// connection only.
#[derive(Clone, Copy, Debug)]
pub struct UsageQuery {
    pub from: Date,
    pub to: Date,
    pub connection_id: Option<i64>,
}

/// How usage is grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageGroupBy {
    Day,
    Assistant,
    Connection,
    Provider,
}

/// What a group of usage is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageKey {
    Day(Date),
    Assistant {
        connection_id: i64,
        /// `None` for calls without an assistant.
        remote_assistant_id: Option<String>,
        /// The local assistant, once imported.
        assistant_id: Option<i64>,
        name: Option<String>,
    },
    Connection {
        connection_id: i64,
        label: String,
        provider: String,
    },
    Provider(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageGroup {
    pub key: UsageKey,
    pub totals: CallTotals,
}

/// A period's totals and its groups (by day in date order, otherwise by cost, highest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub totals: CallTotals,
    pub groups: Vec<UsageGroup>,
}

/// One day's cost stacked by component; the parts add up to `total_micro_usd` exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyComponents {
    pub day: Date,
    pub transport_micro_usd: i64,
    pub stt_micro_usd: i64,
    pub llm_micro_usd: i64,
    pub tts_micro_usd: i64,
    pub platform_micro_usd: i64,
    /// What no component accounts for.
    pub other_micro_usd: i64,
    pub total_micro_usd: i64,
    pub credits: i64,
}

/// Calls per ended reason (`None`: no reason yet, such as calls in progress).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonCount {
    pub reason: Option<String>,
    pub calls: i64,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    day: Option<String>,
    connection_id: Option<i64>,
    remote_assistant_id: Option<String>,
    assistant_id: Option<i64>,
    name: Option<String>,
    provider: Option<String>,
    #[sqlx(flatten)]
    totals: CallTotals,
}

/// The key columns of a group row: the given expressions, and typed NULLs for the others.
fn keys(given: &[(&str, &str)]) -> String {
    const KEYS: [(&str, &str); 6] = [
        ("day", "TEXT"),
        ("connection_id", "BIGINT"),
        ("remote_assistant_id", "TEXT"),
        ("assistant_id", "BIGINT"),
        ("name", "TEXT"),
        ("provider", "TEXT"),
    ];
    KEYS.iter()
        .map(|(key, ty)| match given.iter().find(|(k, _)| k == key) {
            Some((_, expr)) => format!("{expr} AS {key}"),
            None => format!("CAST(NULL AS {ty}) AS {key}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sums(prefix: &str) -> String {
    MEASURES
        .iter()
        .map(|m| format!("CAST(SUM({prefix}{m}) AS BIGINT) AS {m}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rollup rows of the query: `WHERE` conditions and their values ($1 workspace, $2 from,
/// $3 to, $4 connection or NULL).
const PERIOD: &str = "r.workspace_id = $1 AND r.day >= $2 AND r.day <= $3 AND ($4 IS NULL OR r.connection_id = $4)";

fn period_args(workspace_id: i64, q: &UsageQuery) -> Vec<Arg> {
    vec![
        Arg::from(workspace_id),
        Arg::from(q.from.to_string()),
        Arg::from(q.to.to_string()),
        Arg::from(q.connection_id),
    ]
}

fn parse_day(day: &str) -> Result<Date, sqlx::Error> {
    day.parse().map_err(|e: jiff::Error| sqlx::Error::Decode(e.into()))
}

impl Store {
    /// Usage of a workspace for a period, grouped.
    #[tracing::instrument(skip(self))]
    pub async fn usage(&self, workspace_id: i64, query: &UsageQuery, group_by: UsageGroupBy) -> StoreResult<Usage> {
        let measures = MEASURES.join(", ");
        let (sums, sums_of_groups) = (sums("r."), sums("g."));
        let sql = match group_by {
            UsageGroupBy::Day => format!(
                "SELECT {}, {sums} FROM call_rollups r WHERE {PERIOD} GROUP BY r.day ORDER BY r.day",
                keys(&[("day", "r.day")])
            ),
            UsageGroupBy::Assistant => format!(
                "SELECT {}, {measures} FROM (SELECT r.connection_id, r.remote_assistant_id, {sums} \
                 FROM call_rollups r WHERE {PERIOD} GROUP BY r.connection_id, r.remote_assistant_id) g \
                 LEFT JOIN assistants a ON a.connection_id = g.connection_id AND a.remote_id = g.remote_assistant_id \
                 ORDER BY g.cost_micro_usd DESC, g.calls DESC, g.connection_id, g.remote_assistant_id",
                keys(&[
                    ("connection_id", "g.connection_id"),
                    ("remote_assistant_id", "g.remote_assistant_id"),
                    ("assistant_id", "a.id"),
                    ("name", "a.name"),
                ])
            ),
            UsageGroupBy::Connection => format!(
                "SELECT {}, {measures} FROM (SELECT r.connection_id, {sums} FROM call_rollups r \
                 WHERE {PERIOD} GROUP BY r.connection_id) g JOIN connections n ON n.id = g.connection_id \
                 ORDER BY g.cost_micro_usd DESC, g.calls DESC, g.connection_id",
                keys(&[
                    ("connection_id", "g.connection_id"),
                    ("name", "n.label"),
                    ("provider", "n.provider"),
                ])
            ),
            // Summed per connection first: the rollups are read in key order, and only a few
            // rows meet the connections.
            UsageGroupBy::Provider => format!(
                "SELECT {}, {} FROM (SELECT r.connection_id, {sums} FROM call_rollups r WHERE {PERIOD} \
                 GROUP BY r.connection_id) g JOIN connections n ON n.id = g.connection_id \
                 GROUP BY n.provider ORDER BY cost_micro_usd DESC, calls DESC, n.provider",
                keys(&[("provider", "n.provider")]),
                sums_of_groups
            ),
        };
        let args = period_args(workspace_id, query);
        let rows = on_pool!(self, pool => bind_args!(sqlx::query_as::<_, GroupRow>(&sql), &args)
            .fetch_all(pool).await)?;
        let mut totals = CallTotals::default();
        let mut groups = Vec::with_capacity(rows.len());
        for row in rows {
            totals.add(&row.totals, 1);
            let key = match group_by {
                UsageGroupBy::Day => UsageKey::Day(parse_day(row.day.as_deref().unwrap_or_default())?),
                UsageGroupBy::Assistant => UsageKey::Assistant {
                    connection_id: row.connection_id.unwrap_or_default(),
                    remote_assistant_id: row.remote_assistant_id.filter(|r| !r.is_empty()),
                    assistant_id: row.assistant_id,
                    name: row.name,
                },
                UsageGroupBy::Connection => UsageKey::Connection {
                    connection_id: row.connection_id.unwrap_or_default(),
                    label: row.name.unwrap_or_default(),
                    provider: row.provider.unwrap_or_default(),
                },
                UsageGroupBy::Provider => UsageKey::Provider(row.provider.unwrap_or_default()),
            };
            groups.push(UsageGroup {
                key,
                totals: row.totals,
            });
        }
        Ok(Usage { totals, groups })
    }

    /// Each day's cost of a period, stacked by component (days without calls left out).
    pub async fn daily_components(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Vec<DailyComponents>> {
        let usage = self.usage(workspace_id, query, UsageGroupBy::Day).await?;
        Ok(usage
            .groups
            .into_iter()
            .filter_map(|g| match g.key {
                UsageKey::Day(day) => Some(DailyComponents {
                    day,
                    transport_micro_usd: g.totals.cost_transport_micro_usd,
                    stt_micro_usd: g.totals.cost_stt_micro_usd,
                    llm_micro_usd: g.totals.cost_llm_micro_usd,
                    tts_micro_usd: g.totals.cost_tts_micro_usd,
                    platform_micro_usd: g.totals.cost_platform_micro_usd,
                    other_micro_usd: g.totals.other_micro_usd(),
                    total_micro_usd: g.totals.cost_micro_usd,
                    credits: g.totals.cost_credits,
                }),
                _ => None,
            })
            .collect())
    }

    /// Calls per ended reason in a period, most frequent first.
    pub async fn ended_reasons(&self, workspace_id: i64, query: &UsageQuery) -> StoreResult<Vec<ReasonCount>> {
        let sql = format!(
            "SELECT r.ended_reason, CAST(SUM(r.calls) AS BIGINT) AS calls FROM call_reason_rollups r \
             WHERE {PERIOD} GROUP BY r.ended_reason HAVING SUM(r.calls) <> 0 ORDER BY calls DESC, r.ended_reason"
        );
        let args = period_args(workspace_id, query);
        let rows: Vec<(String, i64)> = on_pool!(self, pool => bind_args!(sqlx::query_as(&sql), &args)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(reason, calls)| ReasonCount {
                reason: (!reason.is_empty()).then_some(reason),
                calls,
            })
            .collect())
    }
}
