//! Phone number changes shared by the Phone Numbers page and the JSON API: made at the provider
//! first, then stored and audited; a refusal stores nothing.

use futures::future::BoxFuture;
use serde_json::json;
use voxhive_core::time::now_ms;
use voxhive_providers::{ProviderClient, ProviderKind};
use voxhive_store::{Connection, PhoneNumber, Store};
use voxhive_sync::{buy_body, twilio_body, NumberEdit, SyncError, TwilioImport};

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::provider_resources::{refresh_each, RefreshOutcome};
use crate::AppState;

/// The window of the calls and cost shown beside each number.
pub const RECENT_DAYS: i64 = 30;
/// The longest name Vapi keeps for a number.
const NAME_MAX_CHARS: usize = 40;

/// Where a new number comes from.
#[derive(Clone, Debug)]
pub enum NumberSource {
    /// A Vapi number bought in a North American area code.
    Buy { area_code: String },
    /// A Twilio number the user owns, imported with the account's credentials.
    Twilio(TwilioImport),
}

/// A change to a number as the user asks for it: the assistant by VoxHive's id.
#[derive(Clone, Debug, Default)]
pub struct NumberChange {
    pub name: Option<Option<String>>,
    pub assistant_id: Option<Option<i64>>,
    pub squad_id: Option<Option<String>>,
    pub server_url: Option<Option<String>>,
}

/// The fields of a number's requests, as the page and the API name them.
const FIELDS: [&str; 6] = [
    "area_code",
    "number",
    "account_sid",
    "auth_token",
    "server_url",
    "squad_id",
];

/// A refusal of one of the request's fields, named as the request names it (`area_code`, not
/// the sync layer's `/area_code`); anything else as it is.
fn named_field(err: SyncError) -> AppError {
    match err {
        SyncError::Invalid(problems) if problems.len() == 1 => {
            let problem = &problems[0];
            match FIELDS.iter().find(|f| problem.path.strip_prefix('/') == Some(**f)) {
                Some(field) => AppError::field(field, problem.message.clone()),
                None => SyncError::Invalid(problems).into(),
            }
        }
        other => other.into(),
    }
}

/// The start of the window of recent calls.
fn recent_since() -> i64 {
    now_ms() - RECENT_DAYS * 86_400_000
}

/// The workspace's numbers (of one connection, if given), with their recent calls and cost.
pub async fn list(state: &AppState, workspace_id: i64, connection_id: Option<i64>) -> AppResult<Vec<PhoneNumber>> {
    Ok(state
        .store
        .phone_numbers(workspace_id, connection_id, recent_since())
        .await?)
}

/// One number of the workspace, or 404.
pub async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<PhoneNumber> {
    state
        .store
        .phone_number(workspace_id, id, recent_since())
        .await?
        .ok_or(AppError::NotFound)
}

/// A trimmed name, refused past the provider's length; empty is no name.
fn checked_name(name: Option<&str>) -> AppResult<Option<String>> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > NAME_MAX_CHARS) {
        return Err(AppError::field(
            "name",
            format!("a number's name is at most {NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(name.map(str::to_owned))
}

/// Re-reads the numbers of each connection from its provider; each connection's outcome is its
/// label with how many numbers it has, or why it could not be read.
pub async fn refresh(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connections: &[Connection],
) -> AppResult<Vec<RefreshOutcome>> {
    refresh_each(
        state,
        workspace_id,
        user_id,
        connections,
        "phone_numbers.refresh",
        read_numbers,
    )
    .await
}

fn read_numbers<'a>(
    store: &'a Store,
    client: &'a dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> BoxFuture<'a, Result<usize, SyncError>> {
    Box::pin(voxhive_sync::refresh_phone_numbers(
        store,
        client,
        workspace_id,
        connection_id,
    ))
}

/// Buys or imports a number on a connection; nothing is stored when the provider refuses.
pub async fn create(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    source: NumberSource,
    name: Option<&str>,
) -> AppResult<PhoneNumber> {
    let connection = connections::find(state, workspace_id, connection_id).await?;
    let kind = provider_kind(&connection.provider)?;
    let name = checked_name(name)?;
    let (action, body) = match source {
        NumberSource::Buy { area_code } => {
            if kind == ProviderKind::ElevenLabs {
                return Err(AppError::field(
                    "kind",
                    "ElevenLabs does not sell numbers: import a Twilio number instead",
                ));
            }
            (
                "phone_number.buy",
                buy_body(area_code.trim(), name.as_deref()).map_err(named_field)?,
            )
        }
        NumberSource::Twilio(mut import) => {
            import.number = import.number.trim().to_owned();
            import.account_sid = import.account_sid.trim().to_owned();
            import.name = name;
            ("phone_number.import", twilio_body(kind, &import).map_err(named_field)?)
        }
    };
    let client = client_for(state, &connection)?;
    let id =
        voxhive_sync::create_phone_number(&state.store, client.as_ref(), workspace_id, connection.id, &body).await?;
    let number = find(state, workspace_id, id).await?;
    audit(state, user_id, action, &number).await?;
    Ok(number)
}

/// Renames, reassigns or re-points a number at its provider, then stores the provider's answer.
pub async fn change(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    id: i64,
    change: NumberChange,
) -> AppResult<PhoneNumber> {
    let number = find(state, workspace_id, id).await?;
    let name = match &change.name {
        Some(name) => Some(checked_name(name.as_deref())?),
        None => None,
    };
    let assistant = match change.assistant_id {
        Some(Some(assistant_id)) => Some(Some(remote_assistant(state, &number, assistant_id).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let trimmed =
        |value: Option<Option<String>>| value.map(|v| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
    let edit = NumberEdit {
        name,
        assistant,
        squad: trimmed(change.squad_id),
        server_url: trimmed(change.server_url),
        server: None,
    };
    let connection = connections::find(state, workspace_id, number.connection_id).await?;
    let client = client_for(state, &connection)?;
    voxhive_sync::edit_phone_number(&state.store, client.as_ref(), &number, &edit)
        .await
        .map_err(named_field)?;
    let changed = find(state, workspace_id, id).await?;
    audit(state, user_id, "phone_number.change", &changed).await?;
    Ok(changed)
}

/// The provider's id of an assistant a number is to answer with: one of the number's
/// connection, already at the provider.
async fn remote_assistant(state: &AppState, number: &PhoneNumber, assistant_id: i64) -> AppResult<String> {
    let assistant = state
        .store
        .assistant(number.workspace_id, assistant_id)
        .await?
        .filter(|a| a.connection_id == number.connection_id)
        .ok_or_else(|| {
            AppError::field(
                "assistant_id",
                format!("choose an assistant of the connection \"{}\"", number.connection_label),
            )
        })?;
    assistant.remote_id.ok_or_else(|| {
        AppError::field(
            "assistant_id",
            format!("\"{}\" is not at the provider yet: push it first", assistant.name),
        )
    })
}

/// Releases a number at its provider and forgets it.
pub async fn release(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<PhoneNumber> {
    let number = find(state, workspace_id, id).await?;
    let connection = connections::find(state, workspace_id, number.connection_id).await?;
    let client = client_for(state, &connection)?;
    voxhive_sync::release_phone_number(&state.store, client.as_ref(), &number).await?;
    audit(state, user_id, "phone_number.release", &number).await?;
    Ok(number)
}

/// How a number is named in sentences: its name and number, or whichever it has.
pub fn shown(number: &PhoneNumber) -> String {
    match (&number.name, &number.number) {
        (Some(name), Some(n)) if name != n => format!("{n} ({name})"),
        (_, Some(n)) => n.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => number.remote_id.clone(),
    }
}

async fn audit(state: &AppState, user_id: i64, action: &str, number: &PhoneNumber) -> AppResult<()> {
    state
        .store
        .record_audit(
            number.workspace_id,
            Some(user_id),
            action,
            &shown(number),
            &json!({
                "phone_number_id": number.id, "connection_id": number.connection_id,
                "remote_id": number.remote_id, "assistant": number.remote_assistant_id,
                "squad": number.remote_squad_id, "server_url": number.server_url,
            }),
        )
        .await?;
    Ok(())
}
