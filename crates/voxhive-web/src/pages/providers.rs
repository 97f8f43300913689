//! Settings, Providers: connect provider accounts, test and remove them, choose the active one.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use voxhive_core::time::{format_minute, now_ms, relative};
use voxhive_core::Permission;
use voxhive_providers::ProviderKind;
use voxhive_store::Connection;

use super::redirect_with_flash;
use crate::auth::Auth;
use crate::connections::{self, ConnectionInput};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::views::{Page, Shell};
use crate::AppState;

const PATH: &str = "/settings/providers";

#[derive(Template)]
#[template(path = "providers.html")]
pub struct ProvidersPage {
    shell: Shell,
    rows: Vec<ConnectionRow>,
    form: FormValues,
}

/// A connection as the table shows it.
pub struct ConnectionRow {
    pub connection: Connection,
    pub provider_label: &'static str,
    pub endpoint: String,
    pub verified: String,
    pub verified_exact: String,
    pub credit_rate: Option<String>,
}

/// The add form's values and error, kept when it is shown again.
#[derive(Default)]
pub struct FormValues {
    pub provider: String,
    pub label: String,
    pub base_url: String,
    pub usd_per_credit: String,
    pub error: Option<String>,
    pub error_field: Option<&'static str>,
}

impl FormValues {
    pub fn from_input(input: &ConnectionInput, err: &AppError) -> Self {
        Self {
            provider: input.provider.clone(),
            label: input.label.clone(),
            base_url: input.base_url.clone().unwrap_or_default(),
            usd_per_credit: input.usd_per_credit.clone().unwrap_or_default(),
            error: Some(crate::views::capitalized(&err.to_string())),
            error_field: err.field_name(),
        }
    }
}

/// The rows of the connections table.
pub fn rows(connections: Vec<Connection>, zone: &jiff::tz::TimeZone) -> Vec<ConnectionRow> {
    let now = now_ms();
    connections
        .into_iter()
        .map(|connection| {
            let kind: Option<ProviderKind> = connection.provider.parse().ok();
            ConnectionRow {
                provider_label: kind.map_or("Unknown", |k| k.label()),
                endpoint: connection.base_url.clone().unwrap_or_else(|| "default".into()),
                verified: connection
                    .last_verified_at
                    .map_or_else(|| "never".into(), |t| relative(t, now)),
                verified_exact: connection
                    .last_verified_at
                    .map(|t| format_minute(t, zone))
                    .unwrap_or_default(),
                credit_rate: connections::credit_rate(&connection),
                connection,
            }
        })
        .collect()
}

async fn render(auth: &Auth, state: &AppState, form: FormValues) -> AppResult<Page<ProvidersPage>> {
    let shell = auth.shell(state, "Providers", PATH).await?;
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let rows = rows(state.store.connections(auth.workspace_id()).await?, &zone);
    Ok(Page(ProvidersPage { shell, rows, form }))
}

pub async fn show_providers(auth: Auth, State(state): State<AppState>) -> AppResult<Page<ProvidersPage>> {
    render(
        &auth,
        &state,
        FormValues {
            provider: "vapi".into(),
            ..FormValues::default()
        },
    )
    .await
}

pub async fn add_connection(
    auth: Auth,
    State(state): State<AppState>,
    Form(input): Form<ConnectionInput>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    match connections::add(&state, auth.workspace_id(), auth.user_id(), &input).await {
        Ok(connection) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!(
                "Connected \"{}\": the key works and is stored encrypted.",
                connection.label
            ),
            None,
        )),
        Err(err @ (AppError::BadRequest { .. } | AppError::Unprocessable { .. })) => {
            let status = err.status();
            let page = render(&auth, &state, FormValues::from_input(&input, &err)).await?;
            Ok((status, page).into_response())
        }
        Err(err) => Err(err),
    }
}

pub async fn test_connection(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    match connections::test(&state, auth.workspace_id(), id).await {
        Ok((connection, _)) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("\"{}\" works.", connection.label),
            None,
        )),
        Err(AppError::Unprocessable { message, .. }) => Ok(redirect_with_flash(&state, PATH, "error", message, None)),
        Err(err) => Err(err),
    }
}

pub async fn remove_connection(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let connection = connections::remove(&state, auth.workspace_id(), auth.user_id(), id).await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("Removed \"{}\".", connection.label),
        None,
    ))
}

#[derive(serde::Deserialize)]
pub struct RateForm {
    #[serde(default)]
    usd_per_credit: String,
}

/// Sets the USD price of one credit of an ElevenLabs connection (empty: unknown).
pub async fn set_credit_rate(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<RateForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let connection = state
        .store
        .connection(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if connection.provider != ProviderKind::ElevenLabs.as_str() {
        return Err(AppError::field(
            "usd_per_credit",
            "only ElevenLabs connections bill in credits",
        ));
    }
    let rate = match form.usd_per_credit.trim() {
        "" => None,
        text => match voxhive_core::money::parse_scaled(text, connections::CREDIT_RATE_DECIMALS) {
            Ok(nano) => Some(nano),
            Err(e) => {
                return Ok(redirect_with_flash(
                    &state,
                    PATH,
                    "error",
                    format!("USD per credit: {e}."),
                    None,
                ));
            }
        },
    };
    state
        .store
        .set_connection_credit_rate(auth.workspace_id(), id, rate)
        .await?;
    let detail = serde_json::json!({"usd_per_credit": form.usd_per_credit.trim()});
    state
        .store
        .record_audit(
            auth.workspace_id(),
            Some(auth.user_id()),
            "connection.rate",
            &connection.label,
            &detail,
        )
        .await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("Credit price of \"{}\" saved.", connection.label),
        None,
    ))
}

#[derive(serde::Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    back: String,
}

/// Scopes the member's views to one connection, or to all (an empty id).
pub async fn choose_active(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Response> {
    let id = match form.connection_id.trim() {
        "" | "all" => None,
        raw => {
            let id: i64 = raw
                .parse()
                .map_err(|_| AppError::field("connection_id", "choose a connection"))?;
            state
                .store
                .connection(auth.workspace_id(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            Some(id)
        }
    };
    state
        .store
        .set_active_connection(auth.workspace_id(), auth.user_id(), id)
        .await?;
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
        form.back.as_str()
    } else {
        "/usage"
    };
    Ok(axum::response::Redirect::to(back).into_response())
}
