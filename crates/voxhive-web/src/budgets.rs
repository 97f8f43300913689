//! Budget changes shared by the Budgets page and the JSON API: checked, stored and audited in one
//! place; and the banner text for the month's most serious alert.

use jiff::Timestamp;
use serde_json::json;
use voxhive_core::money::parse_scaled;
use voxhive_store::{Budget, BudgetScope, StoreError, WorkspaceSettings};
use voxhive_sync::budgets::{statuses, BudgetStatus};

use crate::error::{AppError, AppResult};
use crate::AppState;

/// The budgets accepted, in micro-USD a month: one cent to ten million dollars.
pub const AMOUNT_RANGE: std::ops::RangeInclusive<i64> = 10_000..=10_000_000 * 1_000_000;
/// The longest retention accepted, in days (ten years).
const MAX_RETENTION_DAYS: i64 = 3_650;

/// Dollars as typed ("250", "99.50") to micro-USD, exactly; refused unless positive.
pub fn parse_dollars(text: &str) -> AppResult<i64> {
    let amount = parse_scaled(text.trim().trim_start_matches('$'), 6)
        .map_err(|e| AppError::field("amount", format!("amount: {e}")))?;
    if !AMOUNT_RANGE.contains(&amount) {
        return Err(AppError::field(
            "amount",
            "enter a monthly amount in dollars between 0.01 and 10,000,000, such as 250",
        ));
    }
    Ok(amount)
}

/// Checks that a scope's connection or assistant belongs to the workspace.
pub async fn check_scope(state: &AppState, workspace_id: i64, scope: BudgetScope) -> AppResult<BudgetScope> {
    let exists = match scope {
        BudgetScope::Workspace => true,
        BudgetScope::Connection { connection_id } => {
            state.store.connection(workspace_id, connection_id).await?.is_some()
        }
        BudgetScope::Assistant { assistant_id } => state.store.assistant(workspace_id, assistant_id).await?.is_some(),
    };
    if exists {
        Ok(scope)
    } else {
        Err(AppError::field(
            "scope",
            "choose a connection or assistant of this workspace",
        ))
    }
}

/// The page's scope value (`workspace`, `connection:3`, `assistant:7`) as a scope.
pub fn parse_scope(text: &str) -> AppResult<BudgetScope> {
    let bad = || AppError::field("scope", "choose what the budget covers");
    match text.split_once(':') {
        None if text == "workspace" => Ok(BudgetScope::Workspace),
        Some(("connection", id)) => Ok(BudgetScope::Connection {
            connection_id: id.parse().map_err(|_| bad())?,
        }),
        Some(("assistant", id)) => Ok(BudgetScope::Assistant {
            assistant_id: id.parse().map_err(|_| bad())?,
        }),
        _ => Err(bad()),
    }
}

/// Creates a budget and audits it.
pub async fn create(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    scope: BudgetScope,
    amount_micro_usd: i64,
) -> AppResult<Budget> {
    let scope = check_scope(state, workspace_id, scope).await?;
    let budget = match state.store.create_budget(workspace_id, scope, amount_micro_usd).await {
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::Conflict(
                "that already has a budget: change its amount instead".to_owned(),
            ))
        }
        other => other?,
    };
    audit(state, workspace_id, user_id, "budget.create", &budget).await?;
    Ok(budget)
}

/// Changes a budget's amount and audits it.
pub async fn change_amount(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    id: i64,
    amount_micro_usd: i64,
) -> AppResult<Budget> {
    if !state
        .store
        .set_budget_amount(workspace_id, id, amount_micro_usd)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let budget = state.store.budget(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    audit(state, workspace_id, user_id, "budget.change", &budget).await?;
    Ok(budget)
}

/// Deletes a budget and audits it.
pub async fn remove(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<Budget> {
    let budget = state.store.budget(workspace_id, id).await?.ok_or(AppError::NotFound)?;
    state.store.delete_budget(workspace_id, id).await?;
    audit(state, workspace_id, user_id, "budget.delete", &budget).await?;
    Ok(budget)
}

async fn audit(state: &AppState, workspace_id: i64, user_id: i64, action: &str, budget: &Budget) -> AppResult<()> {
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            action,
            &budget.label,
            &json!({"budget_id": budget.id, "amount_micro_usd": budget.amount_micro_usd}),
        )
        .await?;
    Ok(())
}

/// Checks and stores the notification webhook and retention, as typed; audited.
pub async fn save_settings(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    webhook_url: &str,
    retention_days: &str,
) -> AppResult<WorkspaceSettings> {
    let webhook_url = webhook_url.trim();
    let alert_webhook_url = if webhook_url.is_empty() {
        None
    } else {
        let url = webhook_url
            .parse::<axum::http::Uri>()
            .ok()
            .filter(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty()))
            .ok_or_else(|| {
                AppError::field(
                    "alert_webhook_url",
                    "enter the webhook's full address, such as https://hooks.slack.com/services/…",
                )
            })?;
        Some(url.to_string())
    };
    let retention_days = match retention_days.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .ok()
                .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
                .ok_or_else(|| {
                    AppError::field(
                        "retention_days",
                        "enter a number of days from 1 to 3650, or leave it empty to keep everything",
                    )
                })?,
        ),
    };
    let settings = WorkspaceSettings {
        alert_webhook_url,
        retention_days,
    };
    state.store.set_workspace_settings(workspace_id, &settings).await?;
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "workspace.settings",
            "alerts and retention",
            &json!({"alert_webhook": settings.alert_webhook_url.is_some(), "retention_days": settings.retention_days}),
        )
        .await?;
    Ok(settings)
}

/// Each budget with this month's spending.
pub async fn current(state: &AppState, workspace_id: i64) -> AppResult<Vec<BudgetStatus>> {
    Ok(statuses(&state.store, workspace_id, Timestamp::now()).await?)
}

/// The banner for the most serious budget threshold crossed this month, from 80 percent up.
pub async fn banner(state: &AppState, workspace_id: i64) -> AppResult<Option<String>> {
    let statuses = current(state, workspace_id).await?;
    let worst = statuses
        .iter()
        .filter_map(|s| s.worst().map(|t| (t, s)))
        // Half the budget is worth a message, not a banner on every page.
        .filter(|(t, _)| *t >= voxhive_sync::budgets::Threshold::EightyPercent)
        .max_by_key(|(t, s)| (*t, s.percent));
    Ok(worst.map(|(threshold, status)| voxhive_sync::budgets::alert_text(status, threshold)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_parsed_exactly() {
        assert_eq!(parse_dollars("250").unwrap(), 250_000_000);
        assert_eq!(parse_dollars("$0.10").unwrap(), 100_000);
        assert!(parse_dollars("0").is_err());
        assert!(parse_dollars("ten").is_err());
    }

    #[test]
    fn scopes_are_read_from_the_form() {
        assert_eq!(parse_scope("workspace").unwrap(), BudgetScope::Workspace);
        assert_eq!(
            parse_scope("connection:3").unwrap(),
            BudgetScope::Connection { connection_id: 3 }
        );
        assert!(parse_scope("assistant:x").is_err());
        assert!(parse_scope("planet:1").is_err());
    }
}
