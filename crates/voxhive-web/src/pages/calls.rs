//! Monitor, Call History: every call with filters, sorting by column, keyset pages and
//! full-text search with highlighted snippets; and the filtered set as a CSV download.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;
use voxhive_core::money::format_scaled;
use voxhive_core::time::{format_minute, Millis};
use voxhive_providers::ProviderKind;
use voxhive_store::{AssistantFilter, CallCursor, CallPage, CallRow, CallSort, Connection, UsageQuery};

use crate::auth::Auth;
use crate::call_query::{reversed, CallParams, ParamError, PERIODS};
use crate::error::AppResult;
use crate::format::thousands;
use crate::views::{capitalized, zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/calls";

/// Statuses offered by the filter (the API takes any).
const STATUSES: [&str; 4] = ["ended", "in-progress", "queued", "failed"];

#[derive(Template)]
#[template(path = "calls.html")]
pub struct CallsPage {
    shell: Shell,
    params: CallParams,
    errors: Vec<ParamError>,
    rows: Vec<RowView>,
    connections: Vec<Connection>,
    assistants: Vec<(i64, String)>,
    reasons: Vec<String>,
    statuses: &'static [&'static str],
    periods: &'static [(&'static str, &'static str)],
    sort: CallSort,
    newer_link: Option<String>,
    older_link: Option<String>,
    export_link: String,
    /// Some filter (not only the sort) narrows the list.
    filtered: bool,
}

/// One call as the table shows it.
struct RowView {
    id: i64,
    started: String,
    started_exact: String,
    assistant: Option<(i64, String)>,
    remote_assistant_id: Option<String>,
    connection: String,
    provider_label: &'static str,
    customer_number: String,
    duration: String,
    status: String,
    ended_reason: String,
    cost: String,
    success: Option<bool>,
    /// Escaped by the store, matches in `<mark>`.
    snippet_html: Option<String>,
}

impl RowView {
    fn of(row: CallRow, zone: &TimeZone) -> Self {
        Self {
            id: row.id,
            started: format_minute(row.started_at, zone),
            started_exact: exact(row.started_at, zone),
            assistant: row.assistant_id.zip(row.assistant_name),
            remote_assistant_id: row.remote_assistant_id,
            connection: row.connection_label,
            provider_label: provider_label(&row.provider),
            customer_number: row.customer_number.unwrap_or_default(),
            duration: duration(row.duration_ms),
            status: row.status,
            ended_reason: row.ended_reason.unwrap_or_default(),
            cost: usd(row.cost_micro_usd),
            success: row.success,
            snippet_html: row.snippet_html,
        }
    }
}

impl CallsPage {
    /// The message of a parameter's error, if it has one.
    fn error(&self, param: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.param == param)
            .map(|e| e.message.as_str())
    }

    /// Whether `param` holds the first error (the field to focus).
    fn first_error(&self, param: &str) -> bool {
        self.errors.first().is_some_and(|e| e.param == param)
    }

    /// The filters under "More filters", by parameter.
    const MORE: [&'static str; 7] = [
        "status",
        "ended_reason",
        "success",
        "min_duration",
        "max_duration",
        "min_cost",
        "max_cost",
    ];

    /// How many of the filters under "More filters" are set.
    fn more_count(&self) -> usize {
        self.params
            .pairs(None)
            .iter()
            .filter(|(k, _)| Self::MORE.contains(k))
            .count()
    }

    /// Whether "More filters" starts open: one of them is set or wrong.
    fn more_open(&self) -> bool {
        self.more_count() > 0 || self.errors.iter().any(|e| Self::MORE.contains(&e.param))
    }

    /// A status asked for that the filter's list does not offer.
    fn other_status(&self) -> Option<&str> {
        let status = self.params.status.trim();
        (!status.is_empty() && !self.statuses.contains(&status)).then_some(status)
    }

    /// The number filters: parameter, label, unit and the value given.
    fn number_fields(&self) -> [(&'static str, &'static str, &'static str, &str); 4] {
        [
            ("min_duration", "Min duration", "s", self.params.min_duration.as_str()),
            ("max_duration", "Max duration", "s", self.params.max_duration.as_str()),
            ("min_cost", "Min cost", "$", self.params.min_cost.as_str()),
            ("max_cost", "Max cost", "$", self.params.max_cost.as_str()),
        ]
    }

    /// The words of the link to the page before: newer calls when the newest come first.
    fn newer_label(&self) -> &'static str {
        if self.sort == CallSort::Newest {
            "Newer"
        } else {
            "Previous"
        }
    }

    /// The column a sort belongs to.
    fn column_of(sort: CallSort) -> &'static str {
        match sort {
            CallSort::Newest | CallSort::Oldest => "time",
            CallSort::Longest | CallSort::Shortest => "duration",
            CallSort::Costliest | CallSort::Cheapest => "cost",
        }
    }

    /// The link that sorts by a column: its default direction (largest first), or the other
    /// one when it is already sorted so.
    fn sort_link(&self, column: &str) -> String {
        let (first, second) = match column {
            "time" => (CallSort::Newest, CallSort::Oldest),
            "duration" => (CallSort::Longest, CallSort::Shortest),
            _ => (CallSort::Costliest, CallSort::Cheapest),
        };
        let next = if self.sort == first { second } else { first };
        format!("{PATH}?{}", self.params.query_string(Some(next.as_str()), &[]))
    }

    /// `aria-sort` of a column.
    fn aria_sort(&self, column: &str) -> &'static str {
        if Self::column_of(self.sort) != column {
            "none"
        } else if matches!(self.sort, CallSort::Newest | CallSort::Longest | CallSort::Costliest) {
            "descending"
        } else {
            "ascending"
        }
    }
}

/// Page navigation that only the page has: the page just before a row.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageNav {
    before: String,
}

/// The cursor that points at `row` in `sort`.
fn cursor_at(sort: CallSort, row: &CallRow) -> CallCursor {
    let value = match sort {
        CallSort::Newest | CallSort::Oldest => row.started_at,
        CallSort::Longest | CallSort::Shortest => row.duration_ms,
        CallSort::Costliest | CallSort::Cheapest => row.cost_micro_usd,
    };
    CallCursor {
        sort,
        value,
        id: row.id,
    }
}

pub async fn show_calls(
    auth: Auth,
    State(state): State<AppState>,
    Query(mut params): Query<CallParams>,
    Query(nav): Query<PageNav>,
) -> AppResult<Page<CallsPage>> {
    let shell = auth.shell(&state, "Call History", PATH).await?;
    if params.connection.is_empty() {
        if let Some(active) = shell.active_connection {
            params.connection = active.to_string();
        }
    }
    let ws = auth.workspace_id();
    let zone = zone_of(&auth.workspace.workspace);
    let connections = state.store.connections(ws).await?;
    let assistant_filter = AssistantFilter {
        connection_id: params.connection.parse().ok(),
        ..AssistantFilter::default()
    };
    let assistants = state
        .store
        .assistants(ws, &assistant_filter)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let all_time = UsageQuery {
        from: date(1970, 1, 1),
        to: date(9999, 12, 31),
        connection_id: params.connection.parse().ok(),
    };
    let mut reasons: Vec<String> = state
        .store
        .ended_reasons(ws, &all_time)
        .await?
        .into_iter()
        .filter_map(|r| r.reason)
        .collect();
    let chosen = params.ended_reason.trim();
    if !chosen.is_empty() && !reasons.iter().any(|r| r == chosen) {
        reasons.push(chosen.to_string());
    }

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let (mut newer_link, mut older_link) = (None, None);
    let mut sort = CallSort::parse(params.sort.trim()).unwrap_or_default();
    match params.parse_all(&zone, Timestamp::now()) {
        Err(e) => {
            errors = e
                .into_iter()
                .map(|e| ParamError {
                    message: capitalized(&e.message),
                    ..e
                })
                .collect()
        }
        Ok(query) => {
            sort = query.sort;
            let link = |pairs: &[(&'static str, String)]| format!("{PATH}?{}", params.query_string(None, pairs));
            let before = match nav.before.trim() {
                "" => None,
                b => b.parse::<CallCursor>().ok().filter(|c| c.sort == sort),
            };
            let page: CallPage;
            let has_newer;
            if let Some(before) = before {
                // The page just before a row is the page after it in the opposite order, turned around.
                let back = reversed(sort);
                let at = CallCursor { sort: back, ..before };
                let mut p = state
                    .store
                    .calls(ws, &query.filter, back, Some(&at), query.limit)
                    .await?;
                p.rows.reverse();
                has_newer = p.next_cursor.is_some();
                let next = p.rows.last().map(|r| cursor_at(sort, r));
                page = CallPage {
                    rows: p.rows,
                    next_cursor: next,
                };
            } else {
                page = state
                    .store
                    .calls(ws, &query.filter, sort, query.cursor.as_ref(), query.limit)
                    .await?;
                has_newer = query.cursor.is_some();
            }
            if has_newer {
                newer_link = Some(match page.rows.first() {
                    Some(first) => link(&[("before", cursor_at(sort, first).to_string())]),
                    None => link(&[]),
                });
            }
            older_link = page.next_cursor.map(|c| link(&[("cursor", c.to_string())]));
            rows = page.rows.into_iter().map(|r| RowView::of(r, &zone)).collect();
        }
    }
    let filtered = params.pairs(None).iter().any(|(k, _)| !matches!(*k, "sort" | "limit"));
    let export_link = format!("{PATH}/export.csv?{}", params.query_string(None, &[]));
    Ok(Page(CallsPage {
        shell,
        params,
        errors,
        rows,
        connections,
        assistants,
        reasons,
        statuses: &STATUSES,
        periods: &PERIODS,
        sort,
        newer_link,
        older_link,
        export_link,
        filtered,
    }))
}

/// A provider's name for people.
pub(crate) fn provider_label(provider: &str) -> &'static str {
    provider.parse::<ProviderKind>().map_or("Unknown", |k| k.label())
}

/// An instant in the workspace's zone with its offset, such as `2026-03-10 13:00:05 +01:00`.
pub(crate) fn exact(ms: Millis, zone: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S %:z").to_string(),
        Err(_) => "—".to_string(),
    }
}

/// A duration as `m:ss`, or `h:mm:ss` from an hour.
pub(crate) fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Micro-USD as `$1,234.56`; an amount under a cent with the decimals it needs (`$0.0042`).
pub(crate) use crate::format::usd_exact as usd;

/// A whole number with thousands separators: `12,345`.
pub(crate) fn grouped(n: u64) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// CSV export
// ---------------------------------------------------------------------------------------------

/// Calls read per database round trip while exporting (the store's largest page).
const EXPORT_BATCH: u32 = 500;

const CSV_HEADER: [&str; 18] = [
    "id",
    "started_at",
    "ended_at",
    "connection",
    "provider",
    "assistant",
    "assistant_id",
    "remote_assistant_id",
    "call_id",
    "direction",
    "customer_number",
    "status",
    "ended_reason",
    "success",
    "duration_seconds",
    "cost_usd",
    "cost_credits",
    "summary",
];

/// A text cell a spreadsheet would not run as a formula: one that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets an apostrophe before it.
fn safe_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// An instant as RFC 3339 with the workspace zone's offset.
fn iso(ms: Millis, zone: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

fn csv_record(row: &CallRow, zone: &TimeZone) -> [String; 18] {
    let text = |v: Option<&str>| safe_cell(v.unwrap_or_default());
    [
        row.id.to_string(),
        iso(row.started_at, zone),
        row.ended_at.map(|t| iso(t, zone)).unwrap_or_default(),
        safe_cell(&row.connection_label),
        row.provider.clone(),
        text(row.assistant_name.as_deref()),
        row.assistant_id.map(|id| id.to_string()).unwrap_or_default(),
        text(row.remote_assistant_id.as_deref()),
        safe_cell(&row.remote_id),
        text(row.direction.as_deref()),
        text(row.customer_number.as_deref()),
        safe_cell(&row.status),
        text(row.ended_reason.as_deref()),
        match row.success {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        format_scaled(row.duration_ms, 3),
        format_scaled(row.cost_micro_usd, 6),
        format_scaled(row.cost_credits, 6),
        text(row.summary.as_deref()),
    ]
}

/// Writes records as RFC 4180 CSV (CRLF line ends, quotes where needed).
fn csv_bytes<I: IntoIterator<Item = R>, R: IntoIterator<Item = S>, S: AsRef<[u8]>>(
    records: I,
) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(record).map_err(std::io::Error::other)?;
    }
    writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

/// Where an export stands between batches.
struct Export {
    state: AppState,
    workspace_id: i64,
    query: crate::call_query::CallQuery,
    zone: TimeZone,
    header_sent: bool,
    done: bool,
}

impl Export {
    /// The next chunk of CSV: the header and the first batch, then one batch at a time.
    async fn next_chunk(mut self) -> Option<(std::io::Result<Vec<u8>>, Self)> {
        if self.done {
            return None;
        }
        let page = self
            .state
            .store
            .calls(
                self.workspace_id,
                &self.query.filter,
                self.query.sort,
                self.query.cursor.as_ref(),
                EXPORT_BATCH,
            )
            .await;
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                tracing::error!(error = %err, "CSV export stopped: the database failed");
                self.done = true;
                return Some((Err(std::io::Error::other("the database failed")), self));
            }
        };
        let mut records: Vec<Vec<String>> = Vec::with_capacity(page.rows.len() + 1);
        if !self.header_sent {
            records.push(CSV_HEADER.iter().map(|h| h.to_string()).collect());
            self.header_sent = true;
        }
        records.extend(page.rows.iter().map(|r| csv_record(r, &self.zone).to_vec()));
        self.query.cursor = page.next_cursor;
        self.done = page.next_cursor.is_none();
        Some((csv_bytes(records), self))
    }
}

/// The calls matching the same filters as the page, whole, as CSV streamed batch by batch.
pub async fn export_calls(
    auth: Auth,
    State(state): State<AppState>,
    Query(params): Query<CallParams>,
) -> AppResult<Response> {
    let zone = zone_of(&auth.workspace.workspace);
    let mut query = params.parse(&zone, Timestamp::now())?;
    query.cursor = None;
    let day = Timestamp::now().to_zoned(zone.clone()).date();
    let export = Export {
        state,
        workspace_id: auth.workspace_id(),
        query,
        zone,
        header_sent: false,
        done: false,
    };
    let stream = futures::stream::unfold(export, Export::next_chunk);
    let disposition = format!("attachment; filename=\"calls-{day}.csv\"");
    let mut res = axum::body::Body::from_stream(stream).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(65_400), "1:05");
        assert_eq!(duration(3_723_000), "1:02:03");
    }

    #[test]
    fn cells_that_look_like_formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+4930123456"), "'+4930123456");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("Hello"), "Hello");
        let csv = csv_bytes([["a,b", "say \"hi\"", "line\nbreak"]]).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\"\r\n"
        );
    }
}
