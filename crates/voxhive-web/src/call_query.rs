//! The Call History's query parameters, shared by the page, its CSV export and the JSON API:
//! parsed into the store's filter, sort and cursor, each bad value a message naming its
//! parameter. Money is parsed exactly (dollars to micro-USD), periods in the workspace's zone.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use utoipa::IntoParams;
use voxhive_core::money::{parse_scaled, DecimalError};
use voxhive_core::time::Millis;
use voxhive_store::{CallCursor, CallFilter, CallSort, Outcome};

use crate::error::AppError;

/// The largest page of calls served.
pub const MAX_LIMIT: u32 = 200;
/// Calls per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 50;

/// The period presets: value and words.
pub const PERIODS: [(&str, &str); 5] = [
    ("", "Any time"),
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("mtd", "Month to date"),
];

/// The Call History's filters as given (every value a string, so a bad one can be named).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CallParams {
    /// A preset: `today`, `7d`, `30d` or `mtd` (month to date), in the workspace's time zone.
    pub period: String,
    /// First day (`YYYY-MM-DD`, workspace zone), included; overrides `period`.
    pub from: String,
    /// Last day (`YYYY-MM-DD`, workspace zone), included; overrides `period`.
    pub to: String,
    /// A VoxHive assistant id.
    pub assistant: String,
    /// A connection id.
    pub connection: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// A call status, such as `ended`.
    pub status: String,
    /// An ended reason, such as `customer-ended-call`.
    pub ended_reason: String,
    /// Shortest duration in seconds.
    pub min_duration: String,
    /// Longest duration in seconds.
    pub max_duration: String,
    /// Lowest cost in US dollars, such as `0.25`.
    pub min_cost: String,
    /// Highest cost in US dollars.
    pub max_cost: String,
    /// `yes`, `no` or `unknown` (not evaluated).
    pub success: String,
    /// Words that must all appear in the transcript or the summary.
    pub q: String,
    /// `newest` (default), `oldest`, `longest`, `shortest`, `costliest` or `cheapest`.
    pub sort: String,
    /// The `next_cursor` of the previous page.
    pub cursor: String,
    /// Calls per page, 1 to 200 (default 50).
    pub limit: String,
}

/// A parameter at fault and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    pub param: &'static str,
    pub message: String,
}

impl From<ParamError> for AppError {
    fn from(e: ParamError) -> Self {
        AppError::field(e.param, e.message)
    }
}

/// The parameters, parsed.
#[derive(Clone, Debug)]
pub struct CallQuery {
    pub filter: CallFilter,
    pub sort: CallSort,
    pub cursor: Option<CallCursor>,
    pub limit: u32,
}

/// Collects the errors of every parameter, so a form can show each at its field.
struct Parser {
    errors: Vec<ParamError>,
}

impl Parser {
    fn fail(&mut self, param: &'static str, message: impl Into<String>) {
        self.errors.push(ParamError {
            param,
            message: message.into(),
        });
    }

    /// A trimmed, non-empty value.
    fn text(value: &str) -> Option<String> {
        Some(value.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn id(&mut self, param: &'static str, value: &str, what: &str) -> Option<i64> {
        let value = Self::text(value)?;
        match value.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                self.fail(param, format!("choose {what} from the list (got {value:?})"));
                None
            }
        }
    }

    /// A non-negative decimal scaled to an integer, `what` and `example` for the message.
    fn scaled(&mut self, param: &'static str, value: &str, decimals: u32, what: &str, example: &str) -> Option<i64> {
        let value = Self::text(value)?;
        match parse_scaled(value.trim_start_matches('$'), decimals) {
            Ok(v) => Some(v),
            Err(DecimalError::NotANumber) => {
                self.fail(param, format!("enter {what}, such as {example} (got {value:?})"));
                None
            }
            Err(e) => {
                self.fail(param, format!("{e} in {what}"));
                None
            }
        }
    }

    fn date(&mut self, param: &'static str, value: &str) -> Option<Date> {
        let value = Self::text(value)?;
        match value.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    param,
                    format!("enter a date as YYYY-MM-DD, such as 2026-03-31 (got {value:?})"),
                );
                None
            }
        }
    }
}

/// The instant a day starts in `zone`.
fn start_of(day: Date, zone: &TimeZone) -> Option<Millis> {
    day.to_zoned(zone.clone()).ok().map(|z| z.timestamp().as_millisecond())
}

/// Calls of `[from, to]` (days in `zone`) as `[started_from, started_before)`.
fn days(from: Date, to: Date, zone: &TimeZone) -> (Option<Millis>, Option<Millis>) {
    (start_of(from, zone), to.tomorrow().ok().and_then(|d| start_of(d, zone)))
}

impl CallParams {
    /// Parses every parameter; all errors at once, in the order of the form.
    pub fn parse_all(&self, zone: &TimeZone, now: Timestamp) -> Result<CallQuery, Vec<ParamError>> {
        let mut p = Parser { errors: Vec::new() };
        let today = now.to_zoned(zone.clone()).date();
        let from = p.date("from", &self.from);
        let to = p.date("to", &self.to);
        let (started_from, started_before) = match (from, to) {
            (Some(f), Some(t)) if f > t => {
                p.fail("to", "the last day comes before the first day");
                (None, None)
            }
            (Some(f), Some(t)) => days(f, t, zone),
            (Some(f), None) => (start_of(f, zone), None),
            (None, Some(t)) => (None, days(t, t, zone).1),
            (None, None) if !self.from.trim().is_empty() || !self.to.trim().is_empty() => (None, None),
            (None, None) => match self.period.trim() {
                "" | "all" => (None, None),
                "today" => days(today, today, zone),
                "7d" => days(today.saturating_sub(6.days()), today, zone),
                "30d" => days(today.saturating_sub(29.days()), today, zone),
                "mtd" => days(today.first_of_month(), today, zone),
                other => {
                    p.fail(
                        "period",
                        format!("choose today, 7d, 30d or mtd, or give from and to (got {other:?})"),
                    );
                    (None, None)
                }
            },
        };
        let assistant_id = p.id("assistant", &self.assistant, "an assistant");
        let connection_id = p.id("connection", &self.connection, "a connection");
        let provider = Parser::text(&self.provider);
        if let Some(other) = provider.as_deref().filter(|v| !matches!(*v, "vapi" | "elevenlabs")) {
            p.fail("provider", format!("choose vapi or elevenlabs (got {other:?})"));
        }
        let seconds = "a number of seconds";
        let min_duration_ms = p.scaled("min_duration", &self.min_duration, 3, seconds, "90");
        let max_duration_ms = p.scaled("max_duration", &self.max_duration, 3, seconds, "600");
        if matches!((min_duration_ms, max_duration_ms), (Some(a), Some(b)) if a > b) {
            p.fail("max_duration", "the longest duration is shorter than the shortest");
        }
        let dollars = "an amount in dollars";
        let min_cost = p.scaled("min_cost", &self.min_cost, 6, dollars, "0.25");
        let max_cost = p.scaled("max_cost", &self.max_cost, 6, dollars, "1.50");
        if matches!((min_cost, max_cost), (Some(a), Some(b)) if a > b) {
            p.fail("max_cost", "the highest cost is lower than the lowest");
        }
        let success = match self.success.trim() {
            "" => None,
            "yes" => Some(Outcome::Succeeded),
            "no" => Some(Outcome::Failed),
            "unknown" => Some(Outcome::NotEvaluated),
            other => {
                p.fail("success", format!("choose yes, no or unknown (got {other:?})"));
                None
            }
        };
        let sort = match self.sort.trim() {
            "" => CallSort::Newest,
            s => CallSort::parse(s).unwrap_or_else(|| {
                p.fail(
                    "sort",
                    format!("sort by newest, oldest, longest, shortest, costliest or cheapest (got {s:?})"),
                );
                CallSort::Newest
            }),
        };
        let cursor = Parser::text(&self.cursor).and_then(|c| match c.parse::<CallCursor>() {
            Ok(cursor) => Some(cursor),
            Err(()) => {
                p.fail(
                    "cursor",
                    "this cursor is not one VoxHive gave out: start from the first page",
                );
                None
            }
        });
        let limit = match Parser::text(&self.limit) {
            None => DEFAULT_LIMIT,
            Some(l) => match l.parse::<u32>() {
                Ok(n @ 1..=MAX_LIMIT) => n,
                _ => {
                    p.fail("limit", format!("give a limit from 1 to {MAX_LIMIT} (got {l:?})"));
                    DEFAULT_LIMIT
                }
            },
        };
        if !p.errors.is_empty() {
            return Err(p.errors);
        }
        Ok(CallQuery {
            filter: CallFilter {
                started_from,
                started_before,
                assistant_id,
                remote_assistant_id: None,
                connection_id,
                provider,
                status: Parser::text(&self.status),
                ended_reason: Parser::text(&self.ended_reason),
                min_duration_ms,
                max_duration_ms,
                min_cost_micro_usd: min_cost,
                max_cost_micro_usd: max_cost,
                success,
                q: Parser::text(&self.q),
            },
            sort,
            cursor,
            limit,
        })
    }

    /// Parses every parameter; the first error as a 400 naming its parameter.
    pub fn parse(&self, zone: &TimeZone, now: Timestamp) -> Result<CallQuery, AppError> {
        self.parse_all(zone, now)
            .map_err(|mut errors| AppError::from(errors.remove(0)))
    }

    /// The non-empty filters, sort (unless `sort` overrides it) and limit as `key=value` pairs,
    /// for links that keep them; never the cursor.
    pub fn pairs(&self, sort: Option<&str>) -> Vec<(&'static str, String)> {
        let fields = [
            ("period", &self.period),
            ("from", &self.from),
            ("to", &self.to),
            ("assistant", &self.assistant),
            ("connection", &self.connection),
            ("provider", &self.provider),
            ("status", &self.status),
            ("ended_reason", &self.ended_reason),
            ("min_duration", &self.min_duration),
            ("max_duration", &self.max_duration),
            ("min_cost", &self.min_cost),
            ("max_cost", &self.max_cost),
            ("success", &self.success),
            ("q", &self.q),
            ("sort", &self.sort),
            ("limit", &self.limit),
        ];
        fields
            .into_iter()
            .map(|(k, v)| (k, if k == "sort" { sort.unwrap_or(v) } else { v }))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().to_string()))
            .collect()
    }

    /// The query string of [`CallParams::pairs`] with `extra` pairs after them.
    pub fn query_string(&self, sort: Option<&str>, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.pairs(sort);
        pairs.extend_from_slice(extra);
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// The sort that lists the same calls in the opposite order (for the page before a cursor).
pub fn reversed(sort: CallSort) -> CallSort {
    match sort {
        CallSort::Newest => CallSort::Oldest,
        CallSort::Oldest => CallSort::Newest,
        CallSort::Longest => CallSort::Shortest,
        CallSort::Shortest => CallSort::Longest,
        CallSort::Costliest => CallSort::Cheapest,
        CallSort::Cheapest => CallSort::Costliest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-03-15T10:00:00Z".parse().unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    #[test]
    fn money_and_durations_parse_exactly() {
        let params = CallParams {
            min_cost: "0.1".into(),
            max_cost: "$2.000001".into(),
            min_duration: "1.5".into(),
            ..CallParams::default()
        };
        let q = params.parse(&TimeZone::UTC, now()).unwrap();
        assert_eq!(q.filter.min_cost_micro_usd, Some(100_000));
        assert_eq!(q.filter.max_cost_micro_usd, Some(2_000_001));
        assert_eq!(q.filter.min_duration_ms, Some(1_500));
    }

    #[test]
    fn every_bad_value_is_named() {
        let params = CallParams {
            min_cost: "abc".into(),
            success: "maybe".into(),
            from: "yesterday".into(),
            limit: "1000".into(),
            cursor: "x".into(),
            ..CallParams::default()
        };
        let errors = params.parse_all(&TimeZone::UTC, now()).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|e| e.param).collect();
        assert_eq!(names, ["from", "min_cost", "success", "cursor", "limit"]);
        assert_eq!(
            errors[1].message,
            "enter an amount in dollars, such as 0.25 (got \"abc\")"
        );
    }

    #[test]
    fn periods_are_whole_days_in_the_workspace_zone() {
        let params = CallParams {
            period: "today".into(),
            ..CallParams::default()
        };
        let q = params.parse(&berlin(), now()).unwrap();
        // 2026-03-15 00:00 in Berlin (CET) is 23:00 UTC the day before.
        let start: Timestamp = "2026-03-14T23:00:00Z".parse().unwrap();
        assert_eq!(q.filter.started_from, Some(start.as_millisecond()));
        assert_eq!(q.filter.started_before, Some(start.as_millisecond() + 86_400_000));
        let custom = CallParams {
            period: "today".into(),
            from: "2026-03-01".into(),
            to: "2026-03-01".into(),
            ..CallParams::default()
        };
        let q = custom.parse(&TimeZone::UTC, now()).unwrap();
        let start: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(q.filter.started_from, Some(start.as_millisecond()));
        assert_eq!(q.filter.started_before, Some(start.as_millisecond() + 86_400_000));
        let backwards = CallParams {
            from: "2026-03-02".into(),
            to: "2026-03-01".into(),
            ..CallParams::default()
        };
        assert_eq!(backwards.parse_all(&TimeZone::UTC, now()).unwrap_err()[0].param, "to");
    }

    #[test]
    fn links_keep_the_filters_but_not_the_cursor() {
        let params = CallParams {
            q: "refund & more".into(),
            sort: "oldest".into(),
            cursor: "newest.1.2".into(),
            ..CallParams::default()
        };
        assert_eq!(params.query_string(None, &[]), "q=refund+%26+more&sort=oldest");
        assert_eq!(
            params.query_string(Some("cheapest"), &[]),
            "q=refund+%26+more&sort=cheapest"
        );
    }
}
