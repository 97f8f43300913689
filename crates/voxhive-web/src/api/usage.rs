//! `GET /api/v1/usage`: a period's calls, talk time and cost, grouped by day, assistant,
//! connection or provider; read from the rollups, days counted in the workspace's zone.

use axum::extract::{Query, State};
use axum::Json;
use jiff::civil::Date;
use jiff::ToSpan;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use voxhive_store::{CallTotals, UsageGroup, UsageGroupBy, UsageKey, UsageQuery};

use super::ErrorBody;
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::AppState;

/// The period (both dates included) and grouping of a usage query.
#[derive(Deserialize, IntoParams)]
pub struct UsageParams {
    /// First day, `YYYY-MM-DD` in the workspace's zone; default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` in the workspace's zone; default today.
    pub to: Option<String>,
    /// `day`, `assistant`, `connection` or `provider`; default `day`.
    pub group_by: Option<String>,
    /// Only this connection's calls.
    pub connection_id: Option<String>,
}

/// Sums over a set of calls.
#[derive(Serialize, ToSchema)]
pub struct UsageTotals {
    pub calls: i64,
    /// Talk time, rounded to the nearest second.
    pub seconds: i64,
    /// Talk time, exact.
    pub duration_ms: i64,
    /// Cost in micro-USD (1,000,000 = $1).
    pub cost_micro_usd: i64,
    /// The cost by component, in micro-USD; the parts add up to `cost_micro_usd`.
    pub cost_components: CostComponents,
    /// ElevenLabs credits, as the provider reports them.
    pub cost_credits: i64,
    /// Calls the provider evaluated as successful.
    pub successes: i64,
    /// Calls the provider evaluated at all.
    pub evaluated: i64,
}

/// Cost by component, in micro-USD.
#[derive(Serialize, ToSchema)]
pub struct CostComponents {
    pub transport: i64,
    pub stt: i64,
    pub llm: i64,
    pub tts: i64,
    pub platform: i64,
    /// What no component accounts for.
    pub other: i64,
}

/// One group of a usage answer.
#[derive(Serialize, ToSchema)]
pub struct UsageGroupBody {
    /// The day (`YYYY-MM-DD`), the provider's assistant id (null for calls without an
    /// assistant), the connection id, or the provider.
    pub key: Option<String>,
    /// The connection (assistant and connection groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<i64>,
    /// VoxHive's assistant id, once the assistant is imported (assistant groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<i64>,
    /// The assistant's name or the connection's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `vapi` or `elevenlabs` (connection and provider groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// A period's usage: totals and groups (days in date order, other groups by cost, highest
/// first; days without calls are left out).
#[derive(Serialize, ToSchema)]
pub struct UsageBody {
    pub from: String,
    pub to: String,
    /// The IANA zone the days are counted in.
    pub time_zone: String,
    pub group_by: String,
    pub connection_id: Option<i64>,
    pub totals: UsageTotals,
    pub groups: Vec<UsageGroupBody>,
}

fn totals(t: &CallTotals) -> UsageTotals {
    UsageTotals {
        calls: t.calls,
        seconds: (t.duration_ms + 500).div_euclid(1000),
        duration_ms: t.duration_ms,
        cost_micro_usd: t.cost_micro_usd,
        cost_components: CostComponents {
            transport: t.cost_transport_micro_usd,
            stt: t.cost_stt_micro_usd,
            llm: t.cost_llm_micro_usd,
            tts: t.cost_tts_micro_usd,
            platform: t.cost_platform_micro_usd,
            other: t.other_micro_usd(),
        },
        cost_credits: t.cost_credits,
        successes: t.successes,
        evaluated: t.evaluated,
    }
}

fn group(g: UsageGroup) -> UsageGroupBody {
    let mut body = UsageGroupBody {
        key: None,
        connection_id: None,
        assistant_id: None,
        name: None,
        provider: None,
        totals: totals(&g.totals),
    };
    match g.key {
        UsageKey::Day(day) => body.key = Some(day.to_string()),
        UsageKey::Assistant {
            connection_id,
            remote_assistant_id,
            assistant_id,
            name,
        } => {
            body.key = remote_assistant_id;
            body.connection_id = Some(connection_id);
            body.assistant_id = assistant_id;
            body.name = name;
        }
        UsageKey::Connection {
            connection_id,
            label,
            provider,
        } => {
            body.key = Some(connection_id.to_string());
            body.connection_id = Some(connection_id);
            body.name = Some(label);
            body.provider = Some(provider);
        }
        UsageKey::Provider(provider) => {
            body.key = Some(provider.clone());
            body.provider = Some(provider);
        }
    }
    body
}

/// A `YYYY-MM-DD` query parameter.
fn date_param(field: &'static str, value: &str) -> Result<Date, AppError> {
    let value = value.trim();
    (value.len() == 10)
        .then(|| value.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| AppError::field(field, format!("{field}: {value:?} is not a date; use YYYY-MM-DD")))
}

fn group_by_param(value: Option<&str>) -> Result<UsageGroupBy, AppError> {
    match value.unwrap_or("day") {
        "day" => Ok(UsageGroupBy::Day),
        "assistant" => Ok(UsageGroupBy::Assistant),
        "connection" => Ok(UsageGroupBy::Connection),
        "provider" => Ok(UsageGroupBy::Provider),
        other => Err(AppError::field(
            "group_by",
            format!("group_by: {other:?} is not a grouping; use day, assistant, connection or provider"),
        )),
    }
}

fn group_by_name(group_by: UsageGroupBy) -> &'static str {
    match group_by {
        UsageGroupBy::Day => "day",
        UsageGroupBy::Assistant => "assistant",
        UsageGroupBy::Connection => "connection",
        UsageGroupBy::Provider => "provider",
    }
}

#[utoipa::path(get, path = "/usage", tag = "usage", params(UsageParams),
    responses((status = 200, description = "The period's totals and groups", body = UsageBody),
              (status = 400, description = "A date, the grouping or the connection is not valid", body = ErrorBody),
              (status = 401, description = "No valid token", body = ErrorBody)))]
#[tracing::instrument(skip(auth, state, q))]
pub async fn show_usage(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(q): Query<UsageParams>,
) -> Result<Json<UsageBody>, ApiError> {
    let workspace = state
        .store
        .workspace_role(auth.user_id, auth.workspace_id)
        .await?
        .ok_or(AppError::Unauthenticated)?
        .workspace;
    let zone = crate::views::zone_of(&workspace);
    let time_zone = zone.iana_name().unwrap_or("UTC").to_string();
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let to = match q.to.as_deref() {
        Some(to) => date_param("to", to)?,
        None => today,
    };
    let from = match q.from.as_deref() {
        Some(from) => date_param("from", from)?,
        None => to.checked_sub(29.days()).unwrap_or(Date::MIN),
    };
    if from > to {
        return Err(AppError::field("from", format!("from: {from} is after to ({to})")).into());
    }
    let group_by = group_by_param(q.group_by.as_deref())?;
    let connection_id = match q.connection_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let unknown = || {
                AppError::field(
                    "connection_id",
                    format!("connection_id: no connection {raw:?} in this workspace"),
                )
            };
            let id: i64 = raw.parse().map_err(|_| unknown())?;
            state
                .store
                .connection(auth.workspace_id, id)
                .await?
                .ok_or_else(unknown)?;
            Some(id)
        }
    };
    let query = UsageQuery {
        from,
        to,
        connection_id,
    };
    let usage = state.store.usage(auth.workspace_id, &query, group_by).await?;
    Ok(Json(UsageBody {
        from: from.to_string(),
        to: to.to_string(),
        time_zone,
        group_by: group_by_name(group_by).to_string(),
        connection_id,
        totals: totals(&usage.totals),
        groups: usage.groups.into_iter().map(group).collect(),
    }))
}
