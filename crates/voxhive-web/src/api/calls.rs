//! `/api/v1/calls`: the Call History with the page's filters, full-text search and keyset
//! pages; one call with its transcript turns and cost breakdown in micro-USD.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use voxhive_store::{Call, CallRow};

use super::{rfc3339, ErrorBody};
use crate::auth::ApiAuth;
use crate::call_query::CallParams;
use crate::error::{ApiError, AppError};
use crate::views::zone_of;
use crate::AppState;

/// A call as listed.
#[derive(Serialize, ToSchema)]
pub struct CallSummary {
    pub id: i64,
    pub connection_id: i64,
    pub connection_label: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// The provider's call (conversation) id.
    pub remote_id: String,
    /// The VoxHive assistant, once imported.
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    /// The provider's assistant (agent) id.
    pub remote_assistant_id: Option<String>,
    /// Such as `ended`, `in-progress`, `queued`, `failed`.
    pub status: String,
    /// `inbound`, `outbound` or `web`.
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub ended_at: Option<String>,
    pub duration_ms: i64,
    pub ended_reason: Option<String>,
    /// The provider's success evaluation; null when not evaluated.
    pub success: Option<bool>,
    pub cost_micro_usd: i64,
    /// ElevenLabs credits, in millionths.
    pub cost_credits_micro: i64,
    pub summary: Option<String>,
    /// With `q`: where the words matched, HTML-escaped, each match in `<mark>`.
    pub snippet_html: Option<String>,
}

impl From<CallRow> for CallSummary {
    fn from(r: CallRow) -> Self {
        Self {
            id: r.id,
            connection_id: r.connection_id,
            connection_label: r.connection_label,
            provider: r.provider,
            remote_id: r.remote_id,
            assistant_id: r.assistant_id,
            assistant_name: r.assistant_name,
            remote_assistant_id: r.remote_assistant_id,
            status: r.status,
            direction: r.direction,
            customer_number: r.customer_number,
            started_at: rfc3339(r.started_at),
            ended_at: r.ended_at.map(rfc3339),
            duration_ms: r.duration_ms,
            ended_reason: r.ended_reason,
            success: r.success,
            cost_micro_usd: r.cost_micro_usd,
            cost_credits_micro: r.cost_credits,
            summary: r.summary,
            snippet_html: r.snippet_html,
        }
    }
}

/// A page of calls.
#[derive(Serialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallSummary>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// One turn of a transcript.
#[derive(Serialize, ToSchema)]
pub struct TranscriptTurn {
    /// `assistant`, `user`, `tool` or `system`.
    pub role: String,
    pub text: String,
    /// Seconds from the start of the call, when the provider said.
    pub seconds: Option<f64>,
}

/// A call's cost by component, in micro-USD; `other` is what no component accounts for.
#[derive(Serialize, ToSchema)]
pub struct CostBreakdown {
    pub transport_micro_usd: i64,
    pub stt_micro_usd: i64,
    pub llm_micro_usd: i64,
    pub tts_micro_usd: i64,
    pub platform_micro_usd: i64,
    pub other_micro_usd: i64,
    pub total_micro_usd: i64,
    pub credits_micro: i64,
    pub llm_prompt_tokens: i64,
    pub llm_completion_tokens: i64,
    pub tts_characters: i64,
}

/// A call with everything stored about it.
#[derive(Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    pub summary: CallSummary,
    /// The assistant revision that was live for the call, when known.
    pub assistant_revision_id: Option<i64>,
    pub transcript: Vec<TranscriptTurn>,
    pub costs: CostBreakdown,
    /// The provider's analysis, as it sent it; null before the provider analysed the call.
    #[schema(value_type = Option<Object>)]
    pub analysis: Option<Value>,
    /// The provider's recording URL (Vapi); ElevenLabs recordings play through VoxHive.
    pub recording_url: Option<String>,
    /// The provider's document, whole.
    #[schema(value_type = Object)]
    pub document: Value,
}

fn transcript(text: Option<&str>) -> Vec<TranscriptTurn> {
    let Some(Value::Array(items)) = text.and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|t| TranscriptTurn {
            role: t.get("role").and_then(Value::as_str).unwrap_or("system").to_string(),
            text: t.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
            seconds: t.get("seconds").and_then(Value::as_f64),
        })
        .collect()
}

fn detail(c: Call) -> CallDetail {
    let components = [
        c.cost_transport_micro_usd,
        c.cost_stt_micro_usd,
        c.cost_llm_micro_usd,
        c.cost_tts_micro_usd,
        c.cost_platform_micro_usd,
    ];
    let costs = CostBreakdown {
        transport_micro_usd: c.cost_transport_micro_usd,
        stt_micro_usd: c.cost_stt_micro_usd,
        llm_micro_usd: c.cost_llm_micro_usd,
        tts_micro_usd: c.cost_tts_micro_usd,
        platform_micro_usd: c.cost_platform_micro_usd,
        other_micro_usd: c.cost_micro_usd - components.iter().sum::<i64>(),
        total_micro_usd: c.cost_micro_usd,
        credits_micro: c.cost_credits,
        llm_prompt_tokens: c.llm_prompt_tokens,
        llm_completion_tokens: c.llm_completion_tokens,
        tts_characters: c.tts_characters,
    };
    let json = |s: Option<&str>| s.and_then(|s| serde_json::from_str(s).ok());
    CallDetail {
        assistant_revision_id: c.assistant_revision_id,
        transcript: transcript(c.transcript.as_deref()),
        costs,
        analysis: json(c.analysis.as_deref()),
        recording_url: c.recording_url.clone(),
        document: serde_json::from_str(&c.document).unwrap_or(Value::Null),
        summary: CallSummary {
            id: c.id,
            connection_id: c.connection_id,
            connection_label: c.connection_label,
            provider: c.provider,
            remote_id: c.remote_id,
            assistant_id: c.assistant_id,
            assistant_name: c.assistant_name,
            remote_assistant_id: c.remote_assistant_id,
            status: c.status,
            direction: c.direction,
            customer_number: c.customer_number,
            started_at: rfc3339(c.started_at),
            ended_at: c.ended_at.map(rfc3339),
            duration_ms: c.duration_ms,
            ended_reason: c.ended_reason,
            success: c.success,
            cost_micro_usd: c.cost_micro_usd,
            cost_credits_micro: c.cost_credits,
            summary: c.summary,
            snippet_html: None,
        },
    }
}

#[utoipa::path(get, path = "/calls", tag = "calls", params(CallParams),
    responses((status = 200, description = "A page of the workspace's calls matching the filters", body = CallList),
              (status = 400, description = "A parameter VoxHive cannot read: `field` names it", body = ErrorBody),
              (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_calls(
    auth: ApiAuth,
    State(state): State<AppState>,
    params: Result<Query<CallParams>, QueryRejection>,
) -> Result<Json<CallList>, ApiError> {
    let Query(params) = params.map_err(|e| AppError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let workspace = state
        .store
        .workspace(auth.workspace_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let query = params.parse(&zone_of(&workspace), Timestamp::now())?;
    let page = state
        .store
        .calls(
            auth.workspace_id,
            &query.filter,
            query.sort,
            query.cursor.as_ref(),
            query.limit,
        )
        .await?;
    Ok(Json(CallList {
        calls: page.rows.into_iter().map(CallSummary::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    }))
}

#[utoipa::path(get, path = "/calls/{id}", tag = "calls",
    params(("id" = i64, Path, description = "Call id")),
    responses((status = 200, description = "The call with its transcript, analysis and cost breakdown", body = CallDetail),
              (status = 404, description = "No such call in this workspace", body = ErrorBody)))]
pub async fn show_call(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CallDetail>, ApiError> {
    let call = state
        .store
        .call(auth.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(detail(call)))
}
