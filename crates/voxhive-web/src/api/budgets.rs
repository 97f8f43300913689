//! `/api/v1/budgets`: monthly budgets per workspace, connection or assistant, each with this
//! month's spending, projection and the alert thresholds crossed. Amounts are micro-USD.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use voxhive_core::Permission;
use voxhive_store::{Budget, BudgetScope};
use voxhive_sync::budgets::BudgetStatus;

use super::{json_body, rfc3339, ErrorBody};
use crate::auth::ApiAuth;
use crate::budgets;
use crate::error::{ApiError, AppError};
use crate::AppState;

/// A budget and where it stands this month.
#[derive(Serialize, ToSchema)]
pub struct BudgetView {
    pub id: i64,
    /// `workspace`, `connection` or `assistant`.
    pub scope: String,
    pub connection_id: Option<i64>,
    pub assistant_id: Option<i64>,
    /// "Workspace", the connection's label or the assistant's name.
    pub label: String,
    /// Allowed per calendar month (in the workspace's time zone).
    pub amount_micro_usd: i64,
    /// The current month, `YYYY-MM`.
    pub period: String,
    pub spent_micro_usd: i64,
    /// The month's spending at this month's daily average.
    pub projected_micro_usd: i64,
    /// Spent as a whole percentage of the amount.
    pub percent: i64,
    /// Thresholds crossed this month: `half`, `eighty_percent`, `projected`, `full`.
    pub crossed: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn view(status: &BudgetStatus) -> BudgetView {
    let budget = &status.budget;
    let (scope, connection_id, assistant_id) = match budget.scope {
        BudgetScope::Workspace => ("workspace", None, None),
        BudgetScope::Connection { connection_id } => ("connection", Some(connection_id), None),
        BudgetScope::Assistant { assistant_id } => ("assistant", None, Some(assistant_id)),
    };
    BudgetView {
        id: budget.id,
        scope: scope.to_owned(),
        connection_id,
        assistant_id,
        label: budget.label.clone(),
        amount_micro_usd: budget.amount_micro_usd,
        period: status.period.clone(),
        spent_micro_usd: status.spent_micro_usd,
        projected_micro_usd: status.projected_micro_usd,
        percent: status.percent,
        crossed: status.crossed.iter().map(|t| t.api_name().to_owned()).collect(),
        created_at: rfc3339(budget.created_at),
        updated_at: rfc3339(budget.updated_at),
    }
}

async fn view_of(state: &AppState, workspace_id: i64, budget: &Budget) -> Result<BudgetView, ApiError> {
    let statuses = budgets::current(state, workspace_id).await?;
    statuses
        .iter()
        .find(|s| s.budget.id == budget.id)
        .map(view)
        .ok_or(ApiError(AppError::NotFound))
}

/// A budget to create: what it covers and its monthly amount.
#[derive(Deserialize, ToSchema)]
pub struct NewBudgetBody {
    /// `workspace`, `connection` or `assistant`.
    pub scope: String,
    /// With scope `connection`.
    pub connection_id: Option<i64>,
    /// With scope `assistant`.
    pub assistant_id: Option<i64>,
    pub amount_micro_usd: i64,
}

/// A budget's new monthly amount.
#[derive(Deserialize, ToSchema)]
pub struct BudgetChangeBody {
    pub amount_micro_usd: i64,
}

fn check_amount(amount: i64) -> Result<i64, ApiError> {
    if budgets::AMOUNT_RANGE.contains(&amount) {
        Ok(amount)
    } else {
        Err(ApiError(AppError::field(
            "amount_micro_usd",
            "amount_micro_usd must be from 10000 (one cent) to 10000000000000 (ten million dollars)",
        )))
    }
}

#[utoipa::path(get, path = "/budgets", tag = "budgets",
    responses((status = 200, description = "The workspace's budgets with this month's spending", body = [BudgetView]),
              (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_budgets(auth: ApiAuth, State(state): State<AppState>) -> Result<Json<Vec<BudgetView>>, ApiError> {
    let statuses = budgets::current(&state, auth.workspace_id).await?;
    Ok(Json(statuses.iter().map(view).collect()))
}

#[utoipa::path(post, path = "/budgets", tag = "budgets", request_body = NewBudgetBody,
    responses((status = 201, description = "The budget", body = BudgetView),
              (status = 400, description = "A field is missing or out of range", body = ErrorBody),
              (status = 403, description = "Only owners and admins set budgets", body = ErrorBody),
              (status = 409, description = "That already has a budget", body = ErrorBody)))]
pub async fn create_budget(
    auth: ApiAuth,
    State(state): State<AppState>,
    body: Result<Json<NewBudgetBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BudgetView>), ApiError> {
    auth.require(Permission::ManageMembers)?;
    let body = json_body(body)?;
    let missing = |field: &'static str| {
        ApiError(AppError::field(
            field,
            format!("{field} is required with scope {}", body.scope),
        ))
    };
    let scope = match body.scope.as_str() {
        "workspace" => BudgetScope::Workspace,
        "connection" => BudgetScope::Connection {
            connection_id: body.connection_id.ok_or_else(|| missing("connection_id"))?,
        },
        "assistant" => BudgetScope::Assistant {
            assistant_id: body.assistant_id.ok_or_else(|| missing("assistant_id"))?,
        },
        _ => {
            return Err(ApiError(AppError::field(
                "scope",
                "scope must be workspace, connection or assistant",
            )))
        }
    };
    let amount = check_amount(body.amount_micro_usd)?;
    let budget = budgets::create(&state, auth.workspace_id, auth.user_id, scope, amount).await?;
    Ok((
        StatusCode::CREATED,
        Json(view_of(&state, auth.workspace_id, &budget).await?),
    ))
}

#[utoipa::path(get, path = "/budgets/{id}", tag = "budgets",
    params(("id" = i64, Path, description = "Budget id")),
    responses((status = 200, description = "The budget", body = BudgetView),
              (status = 404, description = "No such budget in this workspace", body = ErrorBody)))]
pub async fn show_budget(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<BudgetView>, ApiError> {
    let budget = state
        .store
        .budget(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(view_of(&state, auth.workspace_id, &budget).await?))
}

#[utoipa::path(patch, path = "/budgets/{id}", tag = "budgets", request_body = BudgetChangeBody,
    params(("id" = i64, Path, description = "Budget id")),
    responses((status = 200, description = "The changed budget", body = BudgetView),
              (status = 400, description = "The amount is out of range", body = ErrorBody),
              (status = 403, description = "Only owners and admins set budgets", body = ErrorBody),
              (status = 404, description = "No such budget in this workspace", body = ErrorBody)))]
pub async fn change_budget(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<BudgetChangeBody>, JsonRejection>,
) -> Result<Json<BudgetView>, ApiError> {
    auth.require(Permission::ManageMembers)?;
    let amount = check_amount(json_body(body)?.amount_micro_usd)?;
    let budget = budgets::change_amount(&state, auth.workspace_id, auth.user_id, id, amount).await?;
    Ok(Json(view_of(&state, auth.workspace_id, &budget).await?))
}

#[utoipa::path(delete, path = "/budgets/{id}", tag = "budgets",
    params(("id" = i64, Path, description = "Budget id")),
    responses((status = 204, description = "Deleted, with its alerts"),
              (status = 403, description = "Only owners and admins set budgets", body = ErrorBody),
              (status = 404, description = "No such budget in this workspace", body = ErrorBody)))]
pub async fn delete_budget(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::ManageMembers)?;
    budgets::remove(&state, auth.workspace_id, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
