//! Settings, Budgets & Alerts: monthly budgets with this month's spending, the notification
//! webhook alerts go to (with a test message), and how long call contents are kept.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use voxhive_core::Permission;
use voxhive_store::{Assistant, AssistantFilter, WorkspaceSettings};
use voxhive_sync::budgets::{notify, BudgetStatus, Threshold};

use super::redirect_with_flash;
use crate::auth::Auth;
use crate::budgets;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::views::{Page, Shell};
use crate::AppState;
use voxhive_core::money::format_usd as dollars;

const PATH: &str = "/settings/budgets";

#[derive(Template)]
#[template(path = "budgets.html")]
pub struct BudgetsPage {
    shell: Shell,
    rows: Vec<BudgetRow>,
    /// Scopes that can still get a budget: (form value, label).
    workspace_free: bool,
    connections: Vec<(String, String)>,
    assistants: Vec<(String, String)>,
    settings: WorkspaceSettings,
    period: String,
}

struct BudgetRow {
    id: i64,
    label: String,
    kind: &'static str,
    amount: String,
    amount_plain: String,
    spent: String,
    projected: String,
    percent: i64,
    /// The meter's value, capped at 100.
    bar: i64,
    /// `ok`, `warn` or `over`, for the note's colour.
    level: &'static str,
    note: String,
}

fn row(status: &BudgetStatus) -> BudgetRow {
    let budget = &status.budget;
    let worst = status.worst();
    let level = match worst {
        Some(Threshold::Full) => "over",
        Some(Threshold::EightyPercent | Threshold::Projected) => "warn",
        _ => "ok",
    };
    let note = match worst {
        Some(Threshold::Full) => "Over budget".to_owned(),
        Some(Threshold::Projected) => "Projected to go over".to_owned(),
        Some(_) => format!("{}% used", status.percent),
        None => "On track".to_owned(),
    };
    BudgetRow {
        id: budget.id,
        label: crate::views::capitalized(&named(budget)),
        kind: match budget.scope {
            voxhive_store::BudgetScope::Workspace => "Workspace",
            voxhive_store::BudgetScope::Connection { .. } => "Connection",
            voxhive_store::BudgetScope::Assistant { .. } => "Assistant",
        },
        amount: dollars(budget.amount_micro_usd),
        amount_plain: voxhive_core::money::format_scaled(budget.amount_micro_usd, 6),
        spent: dollars(status.spent_micro_usd),
        projected: dollars(status.projected_micro_usd),
        percent: status.percent,
        bar: status.percent.clamp(0, 100),
        level,
        note,
    }
}

pub async fn show_budgets(auth: Auth, State(state): State<AppState>) -> AppResult<Page<BudgetsPage>> {
    let shell = auth.shell(&state, "Budgets & Alerts", PATH).await?;
    let ws = auth.workspace_id();
    let statuses = budgets::current(&state, ws).await?;
    let taken: Vec<voxhive_store::BudgetScope> = statuses.iter().map(|s| s.budget.scope).collect();
    let connections = state
        .store
        .connections(ws)
        .await?
        .into_iter()
        .filter(|c| !taken.contains(&voxhive_store::BudgetScope::Connection { connection_id: c.id }))
        .map(|c| (format!("connection:{}", c.id), c.label))
        .collect();
    let assistants: Vec<Assistant> = state.store.assistants(ws, &AssistantFilter::default()).await?;
    let assistants = assistants
        .into_iter()
        .filter(|a| !taken.contains(&voxhive_store::BudgetScope::Assistant { assistant_id: a.id }))
        .map(|a| (format!("assistant:{}", a.id), a.name.clone()))
        .collect();
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    Ok(Page(BudgetsPage {
        shell,
        rows: statuses.iter().map(row).collect(),
        workspace_free: !taken.contains(&voxhive_store::BudgetScope::Workspace),
        connections,
        assistants,
        settings: state.store.workspace_settings(ws).await?,
        period: today.strftime("%B %Y").to_string(),
    }))
}

#[derive(Deserialize)]
pub struct NewBudgetForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    amount: String,
}

/// What a budget covers, for a sentence.
fn named(budget: &voxhive_store::Budget) -> String {
    match budget.scope {
        voxhive_store::BudgetScope::Workspace => "the whole workspace".to_owned(),
        _ => budget.label.clone(),
    }
}

/// Any refusal of a form on this page comes back as a flash above the forms.
fn refused(state: &AppState, err: AppError) -> AppResult<Response> {
    match err {
        AppError::BadRequest { message, .. } | AppError::Conflict(message) => Ok(redirect_with_flash(
            state,
            PATH,
            "error",
            crate::views::capitalized(&message),
            None,
        )),
        other => Err(other),
    }
}

pub async fn create_budget(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<NewBudgetForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let made = async {
        let scope = budgets::parse_scope(&form.scope)?;
        let amount = budgets::parse_dollars(&form.amount)?;
        budgets::create(&state, auth.workspace_id(), auth.user_id(), scope, amount).await
    }
    .await;
    match made {
        Ok(budget) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!(
                "Budget of {} a month set for {}.",
                dollars(budget.amount_micro_usd),
                named(&budget)
            ),
            None,
        )),
        Err(err) => refused(&state, err),
    }
}

#[derive(Deserialize)]
pub struct AmountForm {
    #[serde(default)]
    amount: String,
}

pub async fn change_budget(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AmountForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let changed = async {
        let amount = budgets::parse_dollars(&form.amount)?;
        budgets::change_amount(&state, auth.workspace_id(), auth.user_id(), id, amount).await
    }
    .await;
    match changed {
        Ok(budget) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!(
                "The budget for {} is now {} a month.",
                named(&budget),
                dollars(budget.amount_micro_usd)
            ),
            None,
        )),
        Err(err) => refused(&state, err),
    }
}

pub async fn delete_budget(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let budget = budgets::remove(&state, auth.workspace_id(), auth.user_id(), id).await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("The budget for {} was removed.", named(&budget)),
        None,
    ))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    alert_webhook_url: String,
    #[serde(default)]
    retention_days: String,
}

pub async fn save_settings(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let saved = budgets::save_settings(
        &state,
        auth.workspace_id(),
        auth.user_id(),
        &form.alert_webhook_url,
        &form.retention_days,
    )
    .await;
    match saved {
        Ok(_) => Ok(redirect_with_flash(&state, PATH, "success", "Settings saved.", None)),
        Err(err) => refused(&state, err),
    }
}

pub async fn test_webhook(auth: Auth, State(state): State<AppState>) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let settings = state.store.workspace_settings(auth.workspace_id()).await?;
    let Some(url) = settings.alert_webhook_url else {
        return Ok(redirect_with_flash(
            &state,
            PATH,
            "error",
            "Save a notification webhook first.",
            None,
        ));
    };
    let text = format!(
        "VoxHive test message: budget alerts of {} will arrive here.",
        auth.workspace.workspace.name
    );
    let outcome = notify(&url, &text).await;
    Ok(match outcome {
        Ok(()) => redirect_with_flash(&state, PATH, "success", "Test message delivered.", None),
        Err(reason) => redirect_with_flash(
            &state,
            PATH,
            "error",
            format!("The test message was not delivered: {reason}."),
            None,
        ),
    })
}
