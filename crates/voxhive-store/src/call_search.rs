//! Call History: filters, sorting, keyset pagination and full-text search over transcripts and
//! summaries (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL).
//!
//! The database decides which calls match; the snippet is cut from the page's rows only, the
//! same way on both engines (`search_text`).

use std::fmt;
use std::str::FromStr;

use sqlx::{PgPool, SqlitePool};
use voxhive_core::time::Millis;

use crate::db::{on_pool, Pool};
use crate::search_text::{fts5_query, highlight, search_terms};
use crate::sql_args::{bind_args, Arg};
use crate::{Store, StoreResult};

/// Filters of the call list; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct CallFilter {
    /// Calls started at or after this instant.
    pub started_from: Option<Millis>,
    /// Calls started before this instant.
    pub started_before: Option<Millis>,
    pub assistant_id: Option<i64>,
    /// The provider's assistant id, for calls of an assistant VoxHive has not imported; give
    /// the connection too (a provider id means nothing without it, and the index wants both).
    pub remote_assistant_id: Option<String>,
    pub connection_id: Option<i64>,
    pub provider: Option<String>,
    pub status: Option<String>,
    pub ended_reason: Option<String>,
    pub min_duration_ms: Option<i64>,
    pub max_duration_ms: Option<i64>,
    pub min_cost_micro_usd: Option<i64>,
    pub max_cost_micro_usd: Option<i64>,
    pub success: Option<Outcome>,
    /// Words that must all appear in the transcript or the summary (whole words, any case).
    pub q: Option<String>,
}

/// The provider's success evaluation, as a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    NotEvaluated,
}

/// The order of the call list; ties are broken by id, in the same direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CallSort {
    #[default]
    Newest,
    Oldest,
    Longest,
    Shortest,
    Costliest,
    Cheapest,
}

impl CallSort {
    const ALL: [CallSort; 6] = [
        CallSort::Newest,
        CallSort::Oldest,
        CallSort::Longest,
        CallSort::Shortest,
        CallSort::Costliest,
        CallSort::Cheapest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallSort::Newest => "newest",
            CallSort::Oldest => "oldest",
            CallSort::Longest => "longest",
            CallSort::Shortest => "shortest",
            CallSort::Costliest => "costliest",
            CallSort::Cheapest => "cheapest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    fn column(self) -> &'static str {
        match self {
            CallSort::Newest | CallSort::Oldest => "started_at",
            CallSort::Longest | CallSort::Shortest => "duration_ms",
            CallSort::Costliest | CallSort::Cheapest => "cost_micro_usd",
        }
    }

    fn descending(self) -> bool {
        matches!(self, CallSort::Newest | CallSort::Longest | CallSort::Costliest)
    }

    fn value(self, row: &CallRow) -> i64 {
        match self {
            CallSort::Newest | CallSort::Oldest => row.started_at,
            CallSort::Longest | CallSort::Shortest => row.duration_ms,
            CallSort::Costliest | CallSort::Cheapest => row.cost_micro_usd,
        }
    }
}

/// Where the next page starts: the sort, and the last row's sort value and id. Written as
/// `newest.1767310200000.42` in a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallCursor {
    pub sort: CallSort,
    pub value: i64,
    pub id: i64,
}

impl fmt::Display for CallCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.sort.as_str(), self.value, self.id)
    }
}

impl FromStr for CallCursor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let mut parts = s.splitn(3, '.');
        let sort = parts.next().and_then(CallSort::parse).ok_or(())?;
        let value = parts.next().and_then(|v| v.parse().ok()).ok_or(())?;
        let id = parts.next().and_then(|v| v.parse().ok()).ok_or(())?;
        Ok(Self { sort, value, id })
    }
}

/// One call in the list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    pub provider: String,
    pub remote_id: String,
    pub remote_assistant_id: Option<String>,
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    pub status: String,
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    pub success: Option<bool>,
    pub cost_micro_usd: i64,
    pub cost_credits: i64,
    pub summary: Option<String>,
    /// With a search: where the words matched, HTML-escaped, each match in `<mark>`.
    #[sqlx(skip)]
    pub snippet_html: Option<String>,
}

/// A page of calls and the cursor of the next one (`None` on the last page).
#[derive(Clone, Debug)]
pub struct CallPage {
    pub rows: Vec<CallRow>,
    pub next_cursor: Option<CallCursor>,
}

#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    row: CallRow,
    search_text: Option<String>,
}

/// The WHERE clause under construction: conditions and their values, numbered in order.
struct Conditions {
    sql: String,
    args: Vec<Arg>,
}

impl Conditions {
    /// Adds `AND <cond>`, where `cond` uses `{}` for the value's placeholder.
    fn add(&mut self, cond: &str, value: impl Into<Arg>) {
        self.args.push(value.into());
        let placeholder = format!("${}", self.args.len());
        self.sql.push_str(" AND ");
        self.sql.push_str(&cond.replace("{}", &placeholder));
    }

    fn add_opt<T: Into<Arg>>(&mut self, cond: &str, value: Option<T>) {
        if let Some(value) = value {
            self.add(cond, value);
        }
    }
}

/// Largest page.
const MAX_LIMIT: u32 = 500;

impl Store {
    /// A page of a workspace's calls matching `filter`, in `sort` order, after `cursor` (a cursor
    /// of another sort is ignored: the list starts over).
    #[tracing::instrument(skip(self, filter))]
    pub async fn calls(
        &self,
        workspace_id: i64,
        filter: &CallFilter,
        sort: CallSort,
        cursor: Option<&CallCursor>,
        limit: u32,
    ) -> StoreResult<CallPage> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let terms = filter.q.as_deref().map(search_terms).unwrap_or_default();
        let mut w = Conditions {
            sql: String::new(),
            args: vec![Arg::from(workspace_id)],
        };
        w.add_opt("c.started_at >= {}", filter.started_from);
        w.add_opt("c.started_at < {}", filter.started_before);
        w.add_opt("c.assistant_id = {}", filter.assistant_id);
        w.add_opt("c.remote_assistant_id = {}", filter.remote_assistant_id.as_deref());
        w.add_opt("c.connection_id = {}", filter.connection_id);
        w.add_opt("c.provider = {}", filter.provider.as_deref());
        w.add_opt("c.status = {}", filter.status.as_deref());
        w.add_opt("c.ended_reason = {}", filter.ended_reason.as_deref());
        w.add_opt("c.duration_ms >= {}", filter.min_duration_ms);
        w.add_opt("c.duration_ms <= {}", filter.max_duration_ms);
        w.add_opt("c.cost_micro_usd >= {}", filter.min_cost_micro_usd);
        w.add_opt("c.cost_micro_usd <= {}", filter.max_cost_micro_usd);
        match filter.success {
            Some(Outcome::Succeeded) => w.add("c.success = {}", Some(true)),
            Some(Outcome::Failed) => w.add("c.success = {}", Some(false)),
            Some(Outcome::NotEvaluated) => w.sql.push_str(" AND c.success IS NULL"),
            None => {}
        }
        let mut unindexed = "";
        let mut from = "calls c";
        if !terms.is_empty() {
            match &self.pool {
                Pool::Sqlite(pool) => {
                    let query = fts5_query(&terms);
                    let Some(plan) = fts5_plan(pool, &query).await? else {
                        return Ok(CallPage {
                            rows: Vec::new(),
                            next_cursor: None,
                        });
                    };
                    w.add(plan.condition(), query);
                    from = plan.from();
                }
                Pool::Postgres(pool) => {
                    let query = terms.join(" ");
                    // Ordering by an expression keeps the planner from walking the list's index.
                    if pg_collects(pool, &query).await? {
                        unindexed = " + 0";
                    }
                    w.add("c.search @@ plainto_tsquery('simple', {})", query);
                }
            }
        }
        let column = sort.column();
        let (dir, cmp) = if sort.descending() { ("DESC", "<") } else { ("ASC", ">") };
        if let Some(cursor) = cursor.filter(|c| c.sort == sort) {
            // (column, id) beyond the cursor's, written so that the column's index range is used.
            w.args.push(Arg::from(cursor.value));
            let value = w.args.len();
            w.args.push(Arg::from(cursor.id));
            let id = value + 1;
            w.sql.push_str(&format!(
                " AND c.{column} {cmp}= ${value} AND (c.{column} {cmp} ${value} OR c.id {cmp} ${id})"
            ));
        }
        let search_text = if terms.is_empty() {
            "CAST(NULL AS TEXT)"
        } else {
            "c.transcript_text"
        };
        let sql = format!(
            "SELECT p.*, n.label AS connection_label, a.name AS assistant_name FROM (\
             SELECT c.id, c.connection_id, c.provider, c.remote_id, c.remote_assistant_id, c.assistant_id, \
             c.status, c.direction, c.customer_number, c.started_at, c.ended_at, c.duration_ms, c.ended_reason, \
             c.success, c.cost_micro_usd, c.cost_credits, c.summary, {search_text} AS search_text \
             FROM {from} WHERE c.workspace_id = $1{conds} \
             ORDER BY c.{column}{unindexed} {dir}, c.id{unindexed} {dir} LIMIT {fetch}) p \
             JOIN connections n ON n.id = p.connection_id LEFT JOIN assistants a ON a.id = p.assistant_id \
             ORDER BY p.{column} {dir}, p.id {dir}",
            conds = w.sql,
            fetch = limit + 1,
        );
        let listed = on_pool!(self, pool => bind_args!(sqlx::query_as::<_, Listed>(&sql), &w.args)
            .fetch_all(pool).await)?;
        let mut rows: Vec<CallRow> = listed
            .into_iter()
            .map(|l| {
                let mut row = l.row;
                if !terms.is_empty() {
                    row.snippet_html = l
                        .search_text
                        .as_deref()
                        .and_then(|t| highlight(t, &terms))
                        .or_else(|| row.summary.as_deref().and_then(|s| highlight(s, &terms)));
                }
                row
            })
            .collect();
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|last| CallCursor {
                sort,
                value: sort.value(last),
                id: last.id,
            })
        } else {
            None
        };
        Ok(CallPage { rows, next_cursor })
    }
}

/// How SQLite finds the calls holding every word, by how many do. Costs per call, measured at a
/// million calls: a lookup by id about 5 µs, a set membership test while walking the list's
/// index about 1 µs, collecting a match into the set about 0.2 µs, a full-text probe about
/// 200 µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fts5Plan {
    /// Few matches: look each one up and sort them.
    Collect,
    /// Many: collect the matches into a set, walk the list in order and stop at a full page.
    Walk,
    /// Most: walk the list and probe the full-text index for each call, never reading all the
    /// matches.
    Probe,
}

impl Fts5Plan {
    /// The tables the list reads: collecting starts from the full-text index (a CROSS JOIN
    /// keeps that order: left alone, SQLite walks the list's index and tests every call).
    fn from(self) -> &'static str {
        match self {
            Fts5Plan::Collect => "calls_fts f CROSS JOIN calls c",
            Fts5Plan::Walk | Fts5Plan::Probe => "calls c",
        }
    }

    /// The condition on `c` for this plan, with `{}` for the FTS5 query.
    fn condition(self) -> &'static str {
        match self {
            Fts5Plan::Collect => "f.calls_fts MATCH {} AND c.id = f.rowid",
            // The unary plus keeps SQLite from driving the query from the set.
            Fts5Plan::Walk => "+c.id IN (SELECT rowid FROM calls_fts WHERE calls_fts MATCH {})",
            Fts5Plan::Probe => "EXISTS (SELECT 1 FROM calls_fts WHERE calls_fts MATCH {} AND rowid = c.id)",
        }
    }
}

/// The plan for a search on SQLite; `None` when no call matches. Counting the matches stops
/// where probing wins, so a common word costs no more to plan than a rare one.
async fn fts5_plan(pool: &SqlitePool, query: &str) -> Result<Option<Fts5Plan>, sqlx::Error> {
    let calls: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM calls")
        .fetch_one(pool)
        .await?;
    let calls = calls.max(1) as f64;
    // Walking beats collecting from sqrt(10 N) matches, probing beats walking from 225 sqrt(N).
    let walk_from = (10.0 * calls).sqrt() as i64;
    let probe_from = (225.0 * calls.sqrt()) as i64;
    let matches: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT rowid FROM calls_fts WHERE calls_fts MATCH $1 LIMIT $2)")
            .bind(query)
            .bind(probe_from + 1)
            .fetch_one(pool)
            .await?;
    Ok(match matches {
        0 => None,
        m if m < walk_from => Some(Fts5Plan::Collect),
        m if m <= probe_from => Some(Fts5Plan::Walk),
        _ => Some(Fts5Plan::Probe),
    })
}

/// Whether PostgreSQL should collect the matches of a search through the GIN index and sort
/// them, rather than walk the list's index and test each call. Left alone, the planner walks
/// from a few thousand matches on, because it does not count the cost of reading each call's
/// tsvector back from TOAST (about 16 µs a call at a million calls, against about 3 µs to
/// collect a match): collecting wins up to about `sqrt(272 N)` matches. The number of matches is
/// the planner's own estimate (the column keeps statistics for 10,000 words).
async fn pg_collects(pool: &PgPool, query: &str) -> Result<bool, sqlx::Error> {
    let plan: Vec<String> =
        sqlx::query_scalar("EXPLAIN SELECT 1 FROM calls WHERE search @@ plainto_tsquery('simple', $1)")
            .bind(query)
            .fetch_all(pool)
            .await?;
    let calls: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM calls")
        .fetch_one(pool)
        .await?;
    let estimate = plan.first().and_then(|line| planned_rows(line)).unwrap_or(i64::MAX);
    Ok((estimate as f64) < (272.0 * calls as f64).sqrt())
}

/// The `rows=` figure of an EXPLAIN line.
fn planned_rows(line: &str) -> Option<i64> {
    let rest = &line[line.find("rows=")? + 5..];
    rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())]
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_rows_are_read_from_an_explain_line() {
        let line = "Bitmap Heap Scan on calls  (cost=42.41..3199.69 rows=827 width=4)";
        assert_eq!(planned_rows(line), Some(827));
        assert_eq!(planned_rows("Seq Scan on calls"), None);
    }

    #[test]
    fn cursors_read_back() {
        let c = CallCursor {
            sort: CallSort::Costliest,
            value: -5,
            id: 42,
        };
        assert_eq!(c.to_string().parse::<CallCursor>(), Ok(c));
        assert!("newest.x.1".parse::<CallCursor>().is_err());
        assert!("sideways.1.1".parse::<CallCursor>().is_err());
    }
}
