//! Deploy, Phone Numbers: every number of the workspace's connections (scoped by the active
//! connection) with its last 30 days of calls and cost; buy or import one; a number's page to
//! rename, assign, re-point and release it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use voxhive_core::money::format_usd;
use voxhive_core::time::format_minute;
use voxhive_core::Permission;
use voxhive_providers::ProviderKind;
use voxhive_store::{AssistantFilter, PhoneNumber};
use voxhive_sync::TwilioImport;

use super::{error_flash, is_refusal, redirect_with_flash, refreshed, refused, scoped_connections};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::phone_numbers::{self, shown, NumberChange, NumberSource, RECENT_DAYS};
use crate::views::{zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/phone-numbers";
/// The "answers with" choice that leaves an assistant VoxHive has not imported as it is.
const KEEP: &str = "keep";

/// Who carries a number, as users name it; empty for the provider's own numbers.
fn carrier_label(carrier: &str) -> &str {
    match carrier {
        "vapi" => "",
        "twilio" => "Twilio",
        "vonage" => "Vonage",
        "telnyx" => "Telnyx",
        "byo-phone-number" => "SIP (own carrier)",
        "sip_trunk" => "SIP trunk",
        other => other,
    }
}

fn provider_label(provider: &str) -> &'static str {
    provider.parse::<ProviderKind>().map_or("Unknown", |k| k.label())
}

/// One number as the list and its page show it.
struct NumberRow {
    number: PhoneNumber,
    /// The number, or its name or the provider's id when it has none yet.
    title: String,
    provider: &'static str,
    /// "Twilio", or empty for the provider's own numbers.
    carrier: String,
    calls: i64,
    cost: String,
}

fn row(number: PhoneNumber) -> NumberRow {
    NumberRow {
        title: number
            .number
            .clone()
            .unwrap_or_else(|| "Number being assigned".to_owned()),
        provider: provider_label(&number.provider),
        carrier: carrier_label(&number.carrier).to_owned(),
        calls: number.recent_calls,
        cost: format_usd(number.recent_cost_micro_usd),
        number,
    }
}

#[derive(Template)]
#[template(path = "phone_numbers.html")]
pub struct PhoneNumbersPage {
    shell: Shell,
    rows: Vec<NumberRow>,
    days: i64,
    /// Connections numbers can be bought on (Vapi) and imported into (all), in scope.
    vapi_connections: Vec<(i64, String)>,
    connections: Vec<(i64, String)>,
    /// What was typed into a refused form (never the auth token), shown again.
    typed: NewNumberForm,
}

pub async fn show_phone_numbers(auth: Auth, State(state): State<AppState>) -> AppResult<Page<PhoneNumbersPage>> {
    render(&auth, &state, NewNumberForm::default(), None).await
}

/// The list page, with the add forms holding `typed` and an error banner if one is given.
async fn render(
    auth: &Auth,
    state: &AppState,
    typed: NewNumberForm,
    error: Option<&AppError>,
) -> AppResult<Page<PhoneNumbersPage>> {
    let mut shell = auth.shell(state, "Phone Numbers", PATH).await?;
    if let Some(err) = error {
        shell.flash = error_flash(err);
    }
    let numbers = phone_numbers::list(state, auth.workspace_id(), shell.active_connection).await?;
    let connections = scoped_connections(auth, state, shell.active_connection).await?;
    let pairs = |only: Option<&str>| {
        connections
            .iter()
            .filter(|c| only.is_none_or(|p| c.provider == p))
            .map(|c| (c.id, c.label.clone()))
            .collect()
    };
    Ok(Page(PhoneNumbersPage {
        rows: numbers.into_iter().map(row).collect(),
        days: RECENT_DAYS,
        vapi_connections: pairs(Some("vapi")),
        connections: pairs(None),
        typed,
        shell,
    }))
}

pub async fn refresh(auth: Auth, State(state): State<AppState>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let active = auth.shell(&state, "", PATH).await?.active_connection;
    let connections = scoped_connections(&auth, &state, active).await?;
    let outcomes = phone_numbers::refresh(&state, auth.workspace_id(), auth.user_id(), &connections).await?;
    Ok(refreshed(&state, PATH, "number", &outcomes))
}

/// The form that buys a number or imports one from Twilio.
#[derive(Deserialize, Default)]
pub struct NewNumberForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    account_sid: String,
    #[serde(default)]
    auth_token: String,
    #[serde(default)]
    name: String,
}

pub async fn add_number(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<NewNumberForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let made = async {
        let connection_id = form
            .connection_id
            .parse()
            .map_err(|_| AppError::field("connection_id", "choose the connection to add the number to"))?;
        let source = match form.kind.as_str() {
            "buy" => NumberSource::Buy {
                area_code: form.area_code.clone(),
            },
            _ => NumberSource::Twilio(TwilioImport {
                number: form.number.clone(),
                account_sid: form.account_sid.clone(),
                auth_token: form.auth_token.clone(),
                name: None,
            }),
        };
        phone_numbers::create(
            &state,
            auth.workspace_id(),
            auth.user_id(),
            connection_id,
            source,
            Some(&form.name),
        )
        .await
    }
    .await;
    match made {
        Ok(number) => {
            let verb = if form.kind == "buy" { "Bought" } else { "Imported" };
            Ok(redirect_with_flash(
                &state,
                &format!("{PATH}/{}", number.id),
                "success",
                format!("{verb} {} on {}.", shown(&number), number.connection_label),
                None,
            ))
        }
        Err(err) if is_refusal(&err) => {
            // Shown again with what was typed, except the token.
            let typed = NewNumberForm {
                auth_token: String::new(),
                ..form
            };
            let page = render(&auth, &state, typed, Some(&err)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(err) => Err(err),
    }
}

/// An assistant in a number's "answers with" list.
struct AssistantChoice {
    id: i64,
    name: String,
    /// Pushed already: only those can answer calls.
    at_provider: bool,
    selected: bool,
}

#[derive(Template)]
#[template(path = "phone_number.html")]
pub struct PhoneNumberPage {
    shell: Shell,
    row: NumberRow,
    days: i64,
    is_vapi: bool,
    /// Assistants of the number's connection it can answer with.
    assistants: Vec<AssistantChoice>,
    refreshed: String,
}

pub async fn show_phone_number(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Page<PhoneNumberPage>> {
    let number = phone_numbers::find(&state, auth.workspace_id(), id).await?;
    let shell = auth.shell(&state, &shown(&number), PATH).await?;
    let filter = AssistantFilter {
        connection_id: Some(number.connection_id),
        ..AssistantFilter::default()
    };
    let assistants = state
        .store
        .assistants(auth.workspace_id(), &filter)
        .await?
        .into_iter()
        .map(|a| AssistantChoice {
            selected: number.assistant_id == Some(a.id),
            at_provider: a.remote_id.is_some(),
            id: a.id,
            name: a.name,
        })
        .collect();
    let refreshed = format_minute(number.refreshed_at, &zone_of(&auth.workspace.workspace));
    Ok(Page(PhoneNumberPage {
        is_vapi: number.provider == "vapi",
        row: row(number),
        days: RECENT_DAYS,
        assistants,
        refreshed,
        shell,
    }))
}

/// The edit form of a number's page.
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    assistant_id: String,
    #[serde(default)]
    squad_id: Option<String>,
    #[serde(default)]
    server_url: Option<String>,
}

pub async fn edit_number(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let to = format!("{PATH}/{id}");
    let changed = async {
        let current = phone_numbers::find(&state, auth.workspace_id(), id).await?;
        // `keep`: the number answers with an assistant VoxHive has not imported; left as it is.
        let assistant_id: Option<Option<i64>> = match form.assistant_id.as_str() {
            KEEP => None,
            "" => Some(None),
            value => Some(Some(value.parse().map_err(|_| {
                AppError::field("assistant_id", "choose an assistant from the list")
            })?)),
        };
        let typed_squad = form.squad_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        // Choosing an assistant replaces the squad shown in the form; a new squad replaces the
        // assistant.
        let squad = match (typed_squad, assistant_id) {
            (Some(squad), Some(Some(_))) if current.remote_squad_id.as_deref() == Some(squad) => None,
            (squad, _) => squad,
        };
        let change = NumberChange {
            name: Some(Some(form.name.clone())),
            assistant_id: match (squad, assistant_id) {
                (Some(_), Some(None)) => None,
                (_, chosen) => chosen,
            },
            squad_id: form.squad_id.as_ref().map(|_| squad.map(str::to_owned)),
            server_url: form.server_url.clone().map(Some),
        };
        phone_numbers::change(&state, auth.workspace_id(), auth.user_id(), id, change).await
    }
    .await;
    match changed {
        Ok(number) => Ok(redirect_with_flash(
            &state,
            &to,
            "success",
            format!("Saved {} at {}.", shown(&number), provider_label(&number.provider)),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &to, err),
    }
}

pub async fn release_number(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    match phone_numbers::release(&state, auth.workspace_id(), auth.user_id(), id).await {
        Ok(number) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!(
                "Released {} at {}: it no longer answers calls.",
                shown(&number),
                provider_label(&number.provider)
            ),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &format!("{PATH}/{id}"), err),
    }
}
