//! Monitor, Usage & Cost, the landing page after sign-in: a period's totals against the period
//! before, today and the month so far with a projection, daily charts, and breakdowns per
//! assistant, connection, provider and ended reason. Read from the rollups only, so it costs
//! the same at a thousand calls and at millions.

mod charts;
mod tables;

use askama::Template;
use axum::extract::{Query, State};
use jiff::civil::Date;
use voxhive_store::{CallTotals, ReasonCount, UsageGroupBy, UsageQuery};

use self::charts::{per_day, sparkline, ChartData};
use self::tables::{assistant_rows, connection_rows, provider_rows, sort_rows, AssistantRow, BreakdownRow, COLUMNS};
use super::monitor_params::{FilterBar, Monitor, MonitorParams, SortHeading};
use crate::auth::Auth;
use crate::error::AppResult;
use crate::format::{calls_text, change, minutes, per_call, percent, thousands, usd, usd_fine, Change, Rise};
use crate::period::Period;
use crate::views::{zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/usage";

/// How many ended reasons are listed; the rest are summed as "Other reasons".
const REASONS_SHOWN: usize = 8;

/// A large figure at the top of the page.
pub struct Kpi {
    label: &'static str,
    value: String,
    change: Change,
    /// The sparkline's polyline points (one per day).
    spark: String,
}

/// An ended reason and its share of the calls.
pub struct ReasonRow {
    reason: String,
    calls: i64,
    calls_text: String,
    share: String,
}

/// Today and the month so far, whatever the period.
pub struct Glance {
    today_cost: String,
    today_calls: String,
    month_cost: String,
    month_days: String,
    projected: String,
}

#[derive(Template)]
#[template(path = "usage.html")]
pub struct UsagePage {
    shell: Shell,
    filter: FilterBar,
    period_words: String,
    previous_words: String,
    time_zone: String,
    /// The connection the page is filtered to; `None` for all.
    connection_name: Option<String>,
    /// No provider account is connected yet.
    no_connections: bool,
    /// Not a single call is stored for the chosen connections, in any period.
    no_calls_ever: bool,
    has_calls: bool,
    kpis: Vec<Kpi>,
    glance: Glance,
    chart_json: String,
    sort_headings: Vec<SortHeading>,
    assistants: Vec<AssistantRow>,
    connections: Vec<BreakdownRow>,
    providers: Vec<BreakdownRow>,
    reasons: Vec<ReasonRow>,
    reasons_total: i64,
    /// "1,234 calls".
    reasons_total_text: String,
    /// The last 30 days of all connections, offered when the period has no calls.
    reset_href: String,
}

/// Every stored day, for "has this workspace any calls at all".
fn all_time(connection_id: Option<i64>) -> UsageQuery {
    UsageQuery {
        from: Date::MIN,
        to: Date::MAX,
        connection_id,
    }
}

fn query_of(period: &Period, connection_id: Option<i64>) -> UsageQuery {
    UsageQuery {
        from: period.from,
        to: period.to,
        connection_id,
    }
}

fn kpis(days: &[(Date, CallTotals)], current: &CallTotals, previous: &CallTotals) -> Vec<Kpi> {
    let spark = |f: fn(&CallTotals) -> i64| sparkline(&days.iter().map(|(_, t)| f(t)).collect::<Vec<_>>());
    let avg = |t: &CallTotals| per_call(t.cost_micro_usd, t.calls);
    vec![
        Kpi {
            label: "Total cost",
            value: usd(current.cost_micro_usd),
            change: change(current.cost_micro_usd, previous.cost_micro_usd, Rise::Bad, usd),
            spark: spark(|t| t.cost_micro_usd),
        },
        Kpi {
            label: "Calls",
            value: thousands(current.calls),
            change: change(current.calls, previous.calls, Rise::Neutral, thousands),
            spark: spark(|t| t.calls),
        },
        Kpi {
            label: "Minutes",
            value: minutes(current.duration_ms),
            change: change(current.duration_ms, previous.duration_ms, Rise::Neutral, minutes),
            spark: spark(|t| t.duration_ms),
        },
        Kpi {
            label: "Avg cost per call",
            value: usd_fine(avg(current)),
            change: change(avg(current), avg(previous), Rise::Bad, usd_fine),
            spark: spark(|t| per_call(t.cost_micro_usd, t.calls)),
        },
    ]
}

/// Today's and the month's figures; the projection is the month-to-date cost spread over the
/// days elapsed (today included) times the days of the month, in integers.
fn glance(today: Date, month: &[voxhive_store::UsageGroup], month_totals: &CallTotals) -> Glance {
    let today_totals = month
        .iter()
        .find(|g| g.key == voxhive_store::UsageKey::Day(today))
        .map(|g| g.totals)
        .unwrap_or_default();
    let elapsed = i128::from(today.day());
    let days = i128::from(today.days_in_month());
    let projected = i128::from(month_totals.cost_micro_usd) * days / elapsed;
    Glance {
        today_cost: usd(today_totals.cost_micro_usd),
        today_calls: calls_text(today_totals.calls),
        month_cost: usd(month_totals.cost_micro_usd),
        month_days: format!("{elapsed} of {days} days"),
        projected: usd(i64::try_from(projected).unwrap_or(i64::MAX)),
    }
}

fn reason_rows(reasons: Vec<ReasonCount>) -> (Vec<ReasonRow>, i64) {
    let total: i64 = reasons.iter().map(|r| r.calls).sum();
    let mut rows: Vec<(String, i64)> = reasons
        .iter()
        .take(REASONS_SHOWN)
        .map(|r| (r.reason.clone().unwrap_or_else(|| "No reason yet".into()), r.calls))
        .collect();
    let rest: i64 = reasons.iter().skip(REASONS_SHOWN).map(|r| r.calls).sum();
    if rest > 0 {
        rows.push(("Other reasons".into(), rest));
    }
    let rows = rows
        .into_iter()
        .map(|(reason, calls)| ReasonRow {
            reason,
            calls,
            calls_text: thousands(calls),
            share: percent(calls, total).unwrap_or_default(),
        })
        .collect();
    (rows, total)
}

#[tracing::instrument(skip_all)]
pub async fn show_usage(
    auth: Auth,
    State(state): State<AppState>,
    Query(params): Query<MonitorParams>,
) -> AppResult<Page<UsagePage>> {
    let shell = auth.shell(&state, "Usage & Cost", PATH).await?;
    let ws = auth.workspace_id();
    let workspace = &auth.workspace.workspace;
    let today = jiff::Timestamp::now().to_zoned(zone_of(workspace)).date();
    let connections = state.store.connections(ws).await?;
    let Monitor {
        period,
        connection_id,
        connection_name,
        filter,
    } = Monitor::of(PATH, "usage", params, shell.active_connection, &connections, today);

    let store = &state.store;
    let current = query_of(&period, connection_id);
    let before = query_of(&period.previous(), connection_id);
    let month = UsageQuery {
        from: today.first_of_month(),
        to: today,
        connection_id,
    };
    let (days, previous, by_assistant, by_connection, by_provider, reasons, month) = tokio::try_join!(
        store.usage(ws, &current, UsageGroupBy::Day),
        store.usage(ws, &before, UsageGroupBy::Provider),
        store.usage(ws, &current, UsageGroupBy::Assistant),
        store.usage(ws, &current, UsageGroupBy::Connection),
        store.usage(ws, &current, UsageGroupBy::Provider),
        store.ended_reasons(ws, &current),
        store.usage(ws, &month, UsageGroupBy::Day),
    )?;
    let has_calls = days.totals.calls > 0;
    let no_calls_ever = !has_calls
        && previous.totals.calls == 0
        && month.totals.calls == 0
        && store
            .usage(ws, &all_time(connection_id), UsageGroupBy::Provider)
            .await?
            .totals
            .calls
            == 0;

    let daily = per_day(&period, &days.groups);
    let (column, descending) = filter.sort(&COLUMNS);
    let mut assistants = assistant_rows(&by_assistant.groups, &connections);
    sort_rows(&mut assistants, column, descending);
    let (reasons, reasons_total) = reason_rows(reasons);

    let previous_period = period.previous();

    Ok(Page(UsagePage {
        kpis: kpis(&daily, &days.totals, &previous.totals),
        glance: glance(today, &month.groups, &month.totals),
        chart_json: ChartData::new(&daily).to_script_json(),
        sort_headings: filter.sort_headings(&COLUMNS, column, descending),
        connections: connection_rows(&by_connection.groups),
        providers: provider_rows(&by_provider.groups),
        period_words: period.words(),
        previous_words: if previous_period.to == previous_period.from {
            previous_period.words()
        } else {
            format!("{} ({} days)", previous_period.words(), previous_period.days())
        },
        time_zone: workspace.time_zone.clone(),
        no_connections: connections.is_empty(),
        no_calls_ever,
        has_calls,
        connection_name,
        assistants,
        reasons,
        reasons_total,
        reasons_total_text: format!("{} calls", thousands(reasons_total)),
        reset_href: filter.reset_href(),
        filter,
        shell,
    }))
}
