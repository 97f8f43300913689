//! Settings, Providers: connect provider accounts, test and remove them, choose the active one,
//! and set up each connection's webhook (receiver URL and secret).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
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
use crate::views::{Flash, Page, Shell};
use crate::webhooks::secrets::{self, Webhook};
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
    pub webhook: WebhookRow,
    pub provider_label: &'static str,
    pub endpoint: String,
    pub verified: String,
    pub verified_exact: String,
    pub credit_rate: Option<String>,
    /// Where reading its calls stands, in words.
    pub calls: String,
    /// The last read failed.
    pub calls_failed: bool,
}

/// Where reading a connection's calls stands, in words; and whether the last attempt failed.
fn calls_status(state: Option<&voxhive_store::CallSyncState>, now: i64) -> (String, bool) {
    let Some(state) = state else {
        return ("Not read yet".into(), false);
    };
    if let Some(error) = &state.last_error {
        return (format!("Last read failed: {error}"), true);
    }
    let when = state
        .last_poll_at
        .map_or_else(|| "not yet".into(), |t| relative(t, now));
    let text = match (state.backfill_status.as_str(), state.backfill_total) {
        ("done", _) => format!("All read · {when}"),
        ("running", Some(total)) => format!("Reading history: {} of {total}", state.backfill_progress),
        ("running", None) => format!("Reading history: {} calls so far", state.backfill_progress),
        _ => format!("Read {when}"),
    };
    (text, false)
}

/// A connection's webhook as the page shows it.
#[derive(Default)]
pub struct WebhookRow {
    pub url: String,
    /// The last four characters of the secret, when one is set.
    pub last4: Option<String>,
    /// The whole secret, only in the answer to an admin's reveal or rotate.
    pub revealed: Option<String>,
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
    /// An empty add form, with Vapi chosen.
    pub fn new() -> Self {
        Self {
            provider: "vapi".into(),
            ..Self::default()
        }
    }

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
                webhook: WebhookRow::default(),
                calls: String::new(),
                calls_failed: false,
                connection,
            }
        })
        .collect()
}

async fn render(auth: &Auth, state: &AppState, form: FormValues) -> AppResult<Page<ProvidersPage>> {
    let shell = auth.shell(state, "Providers", PATH).await?;
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let mut rows = rows(state.store.connections(auth.workspace_id()).await?, &zone);
    for row in &mut rows {
        row.webhook = WebhookRow {
            url: secrets::receiver_url(state, row.connection.id),
            last4: secrets::secret_last4(state, row.connection.id).await?,
            revealed: None,
        };
        let sync = state.store.call_sync_state(row.connection.id).await?;
        (row.calls, row.calls_failed) = calls_status(sync.as_ref(), now_ms());
    }
    Ok(Page(ProvidersPage { shell, rows, form }))
}

/// The page answering a POST with one connection's secret shown: never cached, and gone on reload.
async fn render_revealed(auth: &Auth, state: &AppState, webhook: Webhook, flash: Option<Flash>) -> AppResult<Response> {
    let Page(mut page) = render(auth, state, FormValues::new()).await?;
    if let Some(row) = page.rows.iter_mut().find(|r| r.connection.id == webhook.connection.id) {
        row.webhook.revealed = webhook.secret;
    }
    if flash.is_some() {
        page.shell.flash = flash;
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Page(page)).into_response())
}

pub async fn show_providers(auth: Auth, State(state): State<AppState>) -> AppResult<Page<ProvidersPage>> {
    render(&auth, &state, FormValues::new()).await
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

/// Reads a connection's calls from its provider now (a job; the table shows how it goes).
pub async fn sync_calls(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let connection = state
        .store
        .connection(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    voxhive_sync::start_call_sync(&state.store, auth.workspace_id(), id, false).await?;
    state.job_wake.notify_one();
    Ok(redirect_with_flash(
        &state,
        PATH,
        "info",
        format!(
            "Reading the calls of \"{}\": the Calls column shows how it goes.",
            connection.label
        ),
        None,
    ))
}

/// Shows one connection's webhook secret to an admin, in this answer only (a reload hides it).
/// The secret goes in the page, not in a flash cookie, so it is never stored in the browser.
pub async fn reveal_webhook_secret(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let webhook = secrets::read(&state, auth.workspace_id(), auth.user_id(), id, false).await?;
    render_revealed(&auth, &state, webhook, None).await
}

/// Makes a new webhook secret (ElevenLabs: registers the receiver with ElevenLabs) and shows it once.
pub async fn rotate_webhook_secret(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    match secrets::rotate(&state, auth.workspace_id(), auth.user_id(), id).await {
        Ok(webhook) => {
            let message = match webhook.kind {
                ProviderKind::Vapi => format!(
                    "New webhook secret for \"{}\": the old one is refused from now on. Point the assistants and numbers that send to VoxHive at it again (Webhooks, Point at VoxHive), or copy it into their server settings at Vapi.",
                    webhook.connection.label
                ),
                ProviderKind::ElevenLabs => format!(
                    "Registered VoxHive's URL as the post-call webhook of \"{}\" at ElevenLabs, with a new secret.",
                    webhook.connection.label
                ),
            };
            let flash = Flash {
                kind: "success",
                message,
                copy: None,
            };
            render_revealed(&auth, &state, webhook, Some(flash)).await
        }
        Err(AppError::Unprocessable { message, .. }) => Ok(redirect_with_flash(&state, PATH, "error", message, None)),
        Err(err) => Err(err),
    }
}

#[derive(serde::Deserialize)]
pub struct SecretForm {
    #[serde(default)]
    secret: String,
}

/// Stores the secret of a webhook created in the ElevenLabs dashboard.
pub async fn set_webhook_secret(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<SecretForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    match secrets::paste(&state, auth.workspace_id(), auth.user_id(), id, &form.secret).await {
        Ok(webhook) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("Webhook secret of \"{}\" saved.", webhook.connection.label),
            None,
        )),
        Err(err @ AppError::BadRequest { .. }) => Ok(redirect_with_flash(
            &state,
            PATH,
            "error",
            crate::views::capitalized(&err.to_string()),
            None,
        )),
        Err(err) => Err(err),
    }
}
