//! Monitor, Analytics: how the assistants perform over a period. Success rate and average
//! duration per day, simultaneous calls per hour, calls by weekday and hour, why calls end
//! (by category, each reason linked to its calls), the assistants side by side, and the
//! assistants whose cost grew most against the period before.

mod charts;
mod view;

use askama::Template;
use axum::extract::{Query, State};
use voxhive_store::{UsageQuery, MAX_CONCURRENCY_DAYS};

use self::charts::ChartData;
use self::view::{
    assistant_rows, category_rows, duration, growth_rows, heat_rows, sort_rows, AssistantRow, CategoryRow, GrowthRow,
    HeatRow, Stat, COLUMNS,
};
use super::monitor_params::{FilterBar, Monitor, MonitorParams, SortHeading};
use crate::auth::Auth;
use crate::error::AppResult;
use crate::format::{calls_text, per_call, permille, share, thousands};
use crate::views::{zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/analytics";

#[derive(Template)]
#[template(path = "analytics.html")]
pub struct AnalyticsPage {
    shell: Shell,
    filter: FilterBar,
    period_words: String,
    previous_words: String,
    time_zone: String,
    connection_name: Option<String>,
    no_connections: bool,
    has_calls: bool,
    stats: Vec<Stat>,
    chart_json: String,
    /// Concurrency covers only the period's last days: those words.
    concurrency_note: Option<String>,
    heat: Vec<HeatRow>,
    categories: Vec<CategoryRow>,
    /// "1,234 calls".
    calls_total: String,
    sort_headings: Vec<SortHeading>,
    assistants: Vec<AssistantRow>,
    growth: Vec<GrowthRow>,
    reset_href: String,
}

#[tracing::instrument(skip_all)]
pub async fn show_analytics(
    auth: Auth,
    State(state): State<AppState>,
    Query(params): Query<MonitorParams>,
) -> AppResult<Page<AnalyticsPage>> {
    let shell = auth.shell(&state, "Analytics", PATH).await?;
    let ws = auth.workspace_id();
    let workspace = &auth.workspace.workspace;
    let zone = zone_of(workspace);
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let connections = state.store.connections(ws).await?;
    let Monitor {
        period,
        connection_id,
        connection_name,
        filter,
    } = Monitor::of(PATH, "analytics", params, shell.active_connection, &connections, today);
    let query = UsageQuery {
        from: period.from,
        to: period.to,
        connection_id,
    };

    let store = &state.store;
    let (daily, categories, concurrency, week, figures, growth) = tokio::try_join!(
        store.daily_performance(ws, &query),
        store.reason_categories(ws, &query),
        store.concurrency(ws, &query),
        store.week_hours(ws, &query),
        store.assistant_figures(ws, &query),
        store.cost_growth(ws, &query),
    )?;
    let calls: i64 = daily.iter().map(|d| d.calls).sum();
    let duration_ms: i64 = daily.iter().map(|d| d.duration_ms).sum();
    let (successes, evaluated) = daily
        .iter()
        .fold((0, 0), |(s, e), d| (s + d.successes, e + d.evaluated));
    let peak = concurrency.hours.iter().map(|h| h.peak).max().unwrap_or(0);
    let stats = vec![
        Stat {
            label: "Calls",
            value: thousands(calls),
            note: format!(
                "{} a day on average",
                thousands((calls + period.days() / 2) / period.days())
            ),
        },
        Stat {
            label: "Success rate",
            value: share(successes, evaluated).map(permille).unwrap_or_else(|| "—".into()),
            note: format!("{} of {} evaluated calls", thousands(successes), thousands(evaluated)),
        },
        Stat {
            label: "Avg duration",
            value: duration(per_call(duration_ms, calls)),
            note: "per call".into(),
        },
        Stat {
            label: "Peak simultaneous calls",
            value: thousands(peak),
            note: "in any hour".into(),
        },
    ];

    let mut calls_query = vec![("from", period.from.to_string()), ("to", period.to.to_string())];
    if let Some(id) = connection_id {
        calls_query.push(("connection", id.to_string()));
    }
    let (column, descending) = filter.sort(&COLUMNS);
    let mut assistants = assistant_rows(&figures, &connections);
    sort_rows(&mut assistants, column, descending);

    let concurrency_note = concurrency.capped(&query).then(|| {
        format!(
            "Simultaneous calls are worked out call by call, so this chart covers the last {MAX_CONCURRENCY_DAYS} days \
             of the period, from {}.",
            concurrency.from.strftime("%-d %b %Y")
        )
    });

    Ok(Page(AnalyticsPage {
        chart_json: ChartData::new(&period, &daily, &concurrency, &zone).to_script_json(),
        stats,
        concurrency_note,
        heat: heat_rows(&week),
        categories: category_rows(&categories, &calls_query),
        calls_total: calls_text(calls),
        sort_headings: filter.sort_headings(&COLUMNS, column, descending),
        assistants,
        growth: growth_rows(&growth, &connections),
        period_words: period.words(),
        previous_words: period.previous().words(),
        time_zone: workspace.time_zone.clone(),
        connection_name,
        no_connections: connections.is_empty(),
        has_calls: calls > 0,
        reset_href: filter.reset_href(),
        filter,
        shell,
    }))
}
