//! `/api/v1/phone-numbers`: every number of the workspace's connections with its last 30 days
//! of calls and cost; buy or import one on a connection, rename, assign, re-point, release.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use voxhive_core::Permission;
use voxhive_store::PhoneNumber;
use voxhive_sync::TwilioImport;

use super::{json_body, rfc3339, ErrorBody, RefreshOutcome, RefreshParams};
use crate::auth::ApiAuth;
use crate::error::{ApiError, AppError};
use crate::phone_numbers::{self, NumberChange, NumberSource};
use crate::AppState;

/// A phone number of a connection, as VoxHive last read it from the provider.
#[derive(Serialize, ToSchema)]
pub struct PhoneNumberView {
    pub id: i64,
    pub connection_id: i64,
    /// The connection's label.
    pub connection: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    /// Who carries the number: `vapi`, `twilio`, `vonage`, `telnyx`, `byo-phone-number`, `sip_trunk`.
    pub carrier: String,
    /// The provider's id of the number.
    pub remote_id: String,
    /// E.164 (or a SIP URI); `null` while a bought number is being assigned.
    pub number: Option<String>,
    pub name: Option<String>,
    /// The VoxHive assistant the number answers with, when it is imported.
    pub assistant_id: Option<i64>,
    pub assistant_name: Option<String>,
    /// The provider's id of the assistant (agent) the number answers with.
    pub remote_assistant_id: Option<String>,
    /// Vapi: the squad the number answers with, kept as it is.
    pub squad_id: Option<String>,
    /// Vapi: where the number's calls send their events.
    pub server_url: Option<String>,
    /// Vapi: `active`, `activating` or `blocked`.
    pub status: Option<String>,
    /// Calls to or from the number in the last 30 days.
    pub calls_30d: i64,
    /// Their cost, in micro-USD.
    pub cost_30d_micro_usd: i64,
    /// When VoxHive last read the number from the provider.
    pub refreshed_at: String,
}

impl From<PhoneNumber> for PhoneNumberView {
    fn from(n: PhoneNumber) -> Self {
        Self {
            id: n.id,
            connection_id: n.connection_id,
            connection: n.connection_label,
            provider: n.provider,
            carrier: n.carrier,
            remote_id: n.remote_id,
            number: n.number,
            name: n.name,
            assistant_id: n.assistant_id,
            assistant_name: n.assistant_name,
            remote_assistant_id: n.remote_assistant_id,
            squad_id: n.remote_squad_id,
            server_url: n.server_url,
            status: n.status,
            calls_30d: n.recent_calls,
            cost_30d_micro_usd: n.recent_cost_micro_usd,
            refreshed_at: rfc3339(n.refreshed_at),
        }
    }
}

/// Which numbers to list.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Only this connection's numbers.
    pub connection_id: Option<i64>,
}

#[utoipa::path(get, path = "/phone-numbers", tag = "phone numbers", params(ListParams),
    responses((status = 200, description = "The stored numbers, by connection and number", body = Vec<PhoneNumberView>)))]
pub async fn list_phone_numbers(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<PhoneNumberView>>, ApiError> {
    let numbers = phone_numbers::list(&state, auth.workspace_id, params.connection_id).await?;
    Ok(Json(numbers.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/phone-numbers/{id}", tag = "phone numbers",
    params(("id" = i64, Path, description = "Phone number id")),
    responses((status = 200, description = "The number", body = PhoneNumberView),
              (status = 404, description = "No such number in this workspace", body = ErrorBody)))]
pub async fn show_phone_number(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<PhoneNumberView>, ApiError> {
    Ok(Json(phone_numbers::find(&state, auth.workspace_id, id).await?.into()))
}

/// A number to buy (`kind: "buy"`, Vapi only, with `area_code`) or to import from Twilio
/// (`kind: "twilio"`, with `number`, `account_sid` and `auth_token`; the token is sent to the
/// provider and never stored).
#[derive(Deserialize, ToSchema)]
pub struct NewPhoneNumberBody {
    /// `buy` or `twilio`.
    pub kind: String,
    /// Three digits, such as `415`.
    pub area_code: Option<String>,
    /// E.164, such as `+14155550100`.
    pub number: Option<String>,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    /// At most 40 characters.
    pub name: Option<String>,
}

#[utoipa::path(post, path = "/connections/{id}/phone-numbers", tag = "phone numbers", request_body = NewPhoneNumberBody,
    params(("id" = i64, Path, description = "Connection id")),
    responses((status = 201, description = "Bought or imported, as the provider answered", body = PhoneNumberView),
              (status = 400, description = "A field is missing or malformed (named in `field`); nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot add numbers", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused (area code unavailable, Twilio credentials refused); nothing was stored", body = ErrorBody)))]
pub async fn create_phone_number(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(connection_id): Path<i64>,
    body: Result<Json<NewPhoneNumberBody>, JsonRejection>,
) -> Result<(StatusCode, Json<PhoneNumberView>), ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    let required = |value: Option<String>, field: &'static str| {
        value.ok_or_else(|| ApiError(AppError::field(field, format!("{field} is required"))))
    };
    let source = match body.kind.as_str() {
        "buy" => NumberSource::Buy {
            area_code: required(body.area_code, "area_code")?,
        },
        "twilio" => NumberSource::Twilio(TwilioImport {
            number: required(body.number, "number")?,
            account_sid: required(body.account_sid, "account_sid")?,
            auth_token: required(body.auth_token, "auth_token")?,
            name: None,
        }),
        _ => return Err(ApiError(AppError::field("kind", "kind is \"buy\" or \"twilio\""))),
    };
    let number = phone_numbers::create(
        &state,
        auth.workspace_id,
        auth.user_id,
        connection_id,
        source,
        body.name.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(number.into())))
}

/// A field that may be absent (left as it is) or `null` (cleared).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A change to a number: fields left out stay as they are, `null` clears one. An assistant and
/// a squad exclude each other.
#[derive(Deserialize, ToSchema)]
pub struct PhoneNumberChangeBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// A VoxHive assistant of the number's connection, already at the provider.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub assistant_id: Option<Option<i64>>,
    /// Vapi only: a squad id, sent as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub squad_id: Option<Option<String>>,
    /// Vapi only: an http(s) URL.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub server_url: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/phone-numbers/{id}", tag = "phone numbers", request_body = PhoneNumberChangeBody,
    params(("id" = i64, Path, description = "Phone number id")),
    responses((status = 200, description = "Changed at the provider, as it answered", body = PhoneNumberView),
              (status = 400, description = "A field is malformed (named in `field`); nothing was sent", body = ErrorBody),
              (status = 403, description = "Viewers cannot change numbers", body = ErrorBody),
              (status = 404, description = "No such number in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused; nothing changed", body = ErrorBody)))]
pub async fn change_phone_number(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Result<Json<PhoneNumberChangeBody>, JsonRejection>,
) -> Result<Json<PhoneNumberView>, ApiError> {
    auth.require(Permission::Edit)?;
    let body = json_body(body)?;
    let change = NumberChange {
        name: body.name,
        assistant_id: body.assistant_id,
        squad_id: body.squad_id,
        server_url: body.server_url,
    };
    let number = phone_numbers::change(&state, auth.workspace_id, auth.user_id, id, change).await?;
    Ok(Json(number.into()))
}

#[utoipa::path(delete, path = "/phone-numbers/{id}", tag = "phone numbers",
    params(("id" = i64, Path, description = "Phone number id")),
    responses((status = 204, description = "Released at the provider and forgotten"),
              (status = 403, description = "Viewers cannot release numbers", body = ErrorBody),
              (status = 404, description = "No such number in this workspace", body = ErrorBody),
              (status = 422, description = "The provider refused; the number is kept", body = ErrorBody)))]
pub async fn release_phone_number(
    auth: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    auth.require(Permission::Edit)?;
    phone_numbers::release(&state, auth.workspace_id, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/phone-numbers/refresh", tag = "phone numbers", params(RefreshParams),
    responses((status = 200, description = "Each connection's numbers re-read from its provider", body = Vec<RefreshOutcome>),
              (status = 403, description = "Viewers cannot refresh", body = ErrorBody),
              (status = 404, description = "No such connection in this workspace", body = ErrorBody)))]
pub async fn refresh_phone_numbers(
    auth: ApiAuth,
    State(state): State<AppState>,
    Query(params): Query<RefreshParams>,
) -> Result<Json<Vec<RefreshOutcome>>, ApiError> {
    auth.require(Permission::Edit)?;
    let connections = params.connections(&state, auth.workspace_id).await?;
    let outcomes = phone_numbers::refresh(&state, auth.workspace_id, auth.user_id, &connections).await?;
    Ok(Json(RefreshOutcome::all(outcomes)))
}
