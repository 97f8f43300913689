//! Budgets: how much of each monthly budget is spent, where the month is heading, and the
//! alerts at 50, 80 and 100 percent and for a projected overrun, each sent once per month to
//! the workspace's notification webhook as Slack-compatible JSON.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use voxhive_core::money::format_usd;
use voxhive_core::time::parse_zone;
use voxhive_store::{Budget, BudgetScope, Store, UsageGroupBy, UsageKey, UsageQuery};

use crate::SyncError;

/// A threshold of a budget, as stored with its alert; ordered by how serious it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Half,
    EightyPercent,
    /// The month's projection is over the budget while the spending is not yet.
    Projected,
    Full,
}

impl Threshold {
    /// The stored name: `50`, `80`, `100` or `projected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Half => "50",
            Threshold::EightyPercent => "80",
            Threshold::Full => "100",
            Threshold::Projected => "projected",
        }
    }

    /// The name the JSON API gives it, as serialized: `half`, `eighty_percent`, `projected`, `full`.
    pub fn api_name(self) -> &'static str {
        match self {
            Threshold::Half => "half",
            Threshold::EightyPercent => "eighty_percent",
            Threshold::Projected => "projected",
            Threshold::Full => "full",
        }
    }
}

/// Where a budget stands this month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetStatus {
    pub budget: Budget,
    /// The month, `YYYY-MM` in the workspace's zone.
    pub period: String,
    pub spent_micro_usd: i64,
    /// The month's spending if it goes on at this month's daily average.
    pub projected_micro_usd: i64,
    /// Spent as a whole percentage of the budget (rounded down).
    pub percent: i64,
    /// The thresholds crossed, lowest first.
    pub crossed: Vec<Threshold>,
}

impl BudgetStatus {
    /// The most serious threshold crossed, for a banner.
    pub fn worst(&self) -> Option<Threshold> {
        self.crossed.iter().copied().max()
    }
}

/// The thresholds `spent` (and its projection) crossed for a budget of `amount`.
pub fn crossed(spent: i64, projected: i64, amount: i64) -> Vec<Threshold> {
    let mut out = Vec::new();
    let reached = |percent: i128| i128::from(spent) * 100 >= i128::from(amount) * percent;
    for (percent, threshold) in [
        (50, Threshold::Half),
        (80, Threshold::EightyPercent),
        (100, Threshold::Full),
    ] {
        if reached(percent) {
            out.push(threshold);
        }
    }
    if !reached(100) && projected > amount {
        out.push(Threshold::Projected);
    }
    out
}

/// The month's projection: `spent` over the first `day` days, carried on to `days_in_month`.
pub fn project(spent: i64, day: i8, days_in_month: i8) -> i64 {
    let projected = i128::from(spent) * i128::from(days_in_month) / i128::from(day.max(1));
    i64::try_from(projected).unwrap_or(i64::MAX)
}

/// Each budget of a workspace with its spending this month (as of `now`, in the workspace's zone).
pub async fn statuses(store: &Store, workspace_id: i64, now: Timestamp) -> Result<Vec<BudgetStatus>, SyncError> {
    let budgets = store.budgets(workspace_id).await?;
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let zone = match store.workspace(workspace_id).await? {
        Some(ws) => parse_zone(&ws.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
        None => return Ok(Vec::new()),
    };
    let today = now.to_zoned(zone).date();
    let query = UsageQuery {
        from: today.first_of_month(),
        to: today,
        connection_id: None,
    };
    let spent = MonthSpending::read(store, workspace_id, &query, &budgets).await?;
    let period = format!("{:04}-{:02}", today.year(), today.month());
    Ok(budgets
        .into_iter()
        .map(|budget| {
            let spent = spent.of(budget.scope);
            let projected = project(spent, today.day(), today.days_in_month());
            let amount = budget.amount_micro_usd;
            BudgetStatus {
                percent: i64::try_from(i128::from(spent) * 100 / i128::from(amount.max(1))).unwrap_or(i64::MAX),
                crossed: crossed(spent, projected, amount),
                period: period.clone(),
                spent_micro_usd: spent,
                projected_micro_usd: projected,
                budget,
            }
        })
        .collect())
}

/// A month's spending by workspace, connection and assistant, read once for all budgets.
struct MonthSpending {
    total: i64,
    by_connection: HashMap<i64, i64>,
    by_assistant: HashMap<i64, i64>,
}

impl MonthSpending {
    async fn read(store: &Store, workspace_id: i64, query: &UsageQuery, budgets: &[Budget]) -> Result<Self, SyncError> {
        let wants = |f: fn(&BudgetScope) -> bool| budgets.iter().any(|b| f(&b.scope));
        let by_connection = if wants(|s| matches!(s, BudgetScope::Connection { .. })) {
            store.usage(workspace_id, query, UsageGroupBy::Connection).await?
        } else {
            store.usage(workspace_id, query, UsageGroupBy::Provider).await?
        };
        let mut spending = MonthSpending {
            total: by_connection.totals.cost_micro_usd,
            by_connection: HashMap::new(),
            by_assistant: HashMap::new(),
        };
        for group in by_connection.groups {
            if let UsageKey::Connection { connection_id, .. } = group.key {
                spending
                    .by_connection
                    .insert(connection_id, group.totals.cost_micro_usd);
            }
        }
        if wants(|s| matches!(s, BudgetScope::Assistant { .. })) {
            let usage = store.usage(workspace_id, query, UsageGroupBy::Assistant).await?;
            for group in usage.groups {
                if let UsageKey::Assistant {
                    assistant_id: Some(id), ..
                } = group.key
                {
                    *spending.by_assistant.entry(id).or_default() += group.totals.cost_micro_usd;
                }
            }
        }
        Ok(spending)
    }

    fn of(&self, scope: BudgetScope) -> i64 {
        match scope {
            BudgetScope::Workspace => self.total,
            BudgetScope::Connection { connection_id } => self.by_connection.get(&connection_id).copied().unwrap_or(0),
            BudgetScope::Assistant { assistant_id } => self.by_assistant.get(&assistant_id).copied().unwrap_or(0),
        }
    }
}

/// The alert's text, in dollars.
pub fn alert_text(status: &BudgetStatus, threshold: Threshold) -> String {
    let what = match status.budget.scope {
        BudgetScope::Workspace => "The workspace".to_owned(),
        _ => format!("“{}”", status.budget.label),
    };
    let month = format!("{}-01", status.period)
        .parse::<jiff::civil::Date>()
        .map(|d| d.strftime("%B %Y").to_string())
        .unwrap_or_else(|_| status.period.clone());
    let budget = format_usd(status.budget.amount_micro_usd);
    let spent = format_usd(status.spent_micro_usd);
    match threshold {
        Threshold::Projected => format!(
            "VoxHive budget alert: {what} is on course to spend {} in {month}, over its {budget} budget ({spent} so far).",
            format_usd(status.projected_micro_usd)
        ),
        Threshold::Full => {
            format!("VoxHive budget alert: {what} is over its {budget} budget for {month}: {spent} spent ({}%).", status.percent)
        }
        _ => format!(
            "VoxHive budget alert: {what} has passed {}% of its {budget} budget for {month}: {spent} spent ({}%).",
            threshold.as_str(),
            status.percent
        ),
    }
}

/// How long a notification webhook may take to answer.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// The client alerts are sent with (redirects are not followed: a webhook answers directly).
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain HTTP client builds")
});

/// Checks every workspace's budgets and sends each newly crossed threshold's alert once;
/// returns how many alerts were recorded.
pub async fn check_budgets(store: &Store, now: Timestamp) -> Result<usize, SyncError> {
    let mut recorded = 0;
    for workspace_id in store.workspaces_with_budgets().await? {
        let settings = store.workspace_settings(workspace_id).await?;
        for status in statuses(store, workspace_id, now).await? {
            for &threshold in &status.crossed {
                let Some(alert_id) = store
                    .record_budget_alert(
                        status.budget.id,
                        &status.period,
                        threshold.as_str(),
                        status.spent_micro_usd,
                    )
                    .await?
                else {
                    continue;
                };
                recorded += 1;
                let text = alert_text(&status, threshold);
                tracing::info!(
                    workspace_id,
                    budget_id = status.budget.id,
                    threshold = threshold.as_str(),
                    "budget alert"
                );
                let (delivery, error) = match settings.alert_webhook_url.as_deref() {
                    None => ("skipped", None),
                    Some(url) => match notify(url, &text).await {
                        Ok(()) => ("sent", None),
                        Err(reason) => ("failed", Some(reason)),
                    },
                };
                store
                    .set_budget_alert_delivery(alert_id, delivery, error.as_deref())
                    .await?;
            }
        }
    }
    Ok(recorded)
}

/// Posts `text` as a Slack-compatible message; the reason when it was not accepted.
pub async fn notify(url: &str, text: &str) -> Result<(), String> {
    let response = HTTP
        .post(url)
        .timeout(NOTIFY_TIMEOUT)
        .json(&json!({ "text": text }))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", NOTIFY_TIMEOUT.as_secs())
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                e.to_string()
            }
        })?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_are_the_serialized_names() {
        for t in [
            Threshold::Half,
            Threshold::EightyPercent,
            Threshold::Projected,
            Threshold::Full,
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.api_name());
        }
    }

    #[test]
    fn thresholds_are_crossed_at_their_percentages() {
        assert_eq!(crossed(49_999, 0, 100_000), vec![]);
        assert_eq!(crossed(50_000, 0, 100_000), vec![Threshold::Half]);
        assert_eq!(
            crossed(80_000, 90_000, 100_000),
            vec![Threshold::Half, Threshold::EightyPercent]
        );
        assert_eq!(
            crossed(100_000, 200_000, 100_000),
            vec![Threshold::Half, Threshold::EightyPercent, Threshold::Full]
        );
        assert_eq!(crossed(10_000, 100_001, 100_000), vec![Threshold::Projected]);
    }

    #[test]
    fn the_projection_carries_the_daily_average_to_the_month_end() {
        assert_eq!(project(10_000_000, 10, 30), 30_000_000);
        assert_eq!(project(1, 3, 31), 10);
        assert_eq!(project(0, 1, 28), 0);
    }
}
