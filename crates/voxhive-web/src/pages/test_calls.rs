//! Monitor, test calls: a form to call an assistant by phone or from the browser, and the live
//! view (status, rolling transcript, events, duration and running cost by server-sent events;
//! mute, say and end through the call's control URL; the browser's microphone and the
//! assistant's voice over Vapi's WebSocket transport).

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use voxhive_core::time::now_ms;
use voxhive_core::Permission;
use voxhive_store::{Assistant, AssistantFilter, PhoneNumber, TestCall};

use super::{error_flash, is_refusal, scoped_connections};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::format::usd_fine;
use crate::test_calls::{self, TestCallRequest};
use crate::views::{capitalized, Page, Shell};
use crate::AppState;

/// How often a live call is read from its provider while someone watches it.
const STEP: Duration = Duration::from_millis(800);
/// How many failed reads in a row end the stream.
const MAX_FAILURES: u32 = 5;

#[derive(Template)]
#[template(path = "test_call_new.html")]
pub struct NewTestCallPage {
    shell: Shell,
    assistants: Vec<Assistant>,
    numbers: Vec<PhoneNumber>,
    values: TestCallForm,
}

impl NewTestCallPage {
    fn is_assistant(&self, id: &i64) -> bool {
        self.values.assistant_id.parse::<i64>().ok() == Some(*id)
    }

    fn is_number(&self, id: &i64) -> bool {
        self.values.phone_number_id.parse::<i64>().ok() == Some(*id)
    }

    fn browser(&self) -> bool {
        self.values.transport == "websocket"
    }
}

/// The form, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct TestCallForm {
    #[serde(default)]
    assistant_id: String,
    #[serde(default)]
    transport: String,
    #[serde(default)]
    phone_number_id: String,
    #[serde(default)]
    customer_number: String,
    #[serde(default)]
    use_local: Option<String>,
}

/// Which assistant the form starts with.
#[derive(Deserialize)]
pub struct NewParams {
    assistant_id: Option<i64>,
}

async fn new_page(auth: &Auth, state: &AppState, values: TestCallForm) -> AppResult<NewTestCallPage> {
    let shell = auth.shell(state, "Test call", "/calls").await?;
    let connections = scoped_connections(auth, state, shell.active_connection).await?;
    let mut assistants = Vec::new();
    let mut numbers = Vec::new();
    for connection in &connections {
        let filter = AssistantFilter {
            connection_id: Some(connection.id),
            ..AssistantFilter::default()
        };
        assistants.extend(state.store.assistants(auth.workspace_id(), &filter).await?);
        numbers.extend(
            state
                .store
                .phone_numbers(auth.workspace_id(), Some(connection.id), now_ms())
                .await?,
        );
    }
    Ok(NewTestCallPage {
        shell,
        assistants,
        numbers,
        values,
    })
}

pub async fn show_new_test_call(
    auth: Auth,
    State(state): State<AppState>,
    Query(params): Query<NewParams>,
) -> AppResult<Page<NewTestCallPage>> {
    auth.require(Permission::Edit)?;
    let values = TestCallForm {
        assistant_id: params.assistant_id.map(|id| id.to_string()).unwrap_or_default(),
        transport: "websocket".into(),
        ..TestCallForm::default()
    };
    Ok(Page(new_page(&auth, &state, values).await?))
}

pub async fn start_test_call(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<TestCallForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let request = TestCallRequest {
        assistant_id: form.assistant_id.parse().ok(),
        transport: form.transport.clone(),
        phone_number_id: form.phone_number_id.parse().ok(),
        customer_number: Some(form.customer_number.clone()),
        use_local: form.use_local.is_some(),
    };
    match test_calls::start(&state, auth.workspace_id(), auth.user_id(), &request).await {
        Ok(call) => Ok(axum::response::Redirect::to(&format!("/test-calls/{}", call.remote_id)).into_response()),
        Err(err) if is_refusal(&err) => {
            let mut page = new_page(&auth, &state, form).await?;
            page.shell.flash = error_flash(&err);
            Ok((StatusCode::BAD_REQUEST, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "test_call.html")]
pub struct TestCallPage {
    shell: Shell,
    call: TestCall,
    provider: &'static str,
    /// The browser call's audio socket, for the editor who started it (anyone holding the URL
    /// could speak in the call).
    audio_url: Option<String>,
    /// The provider offers live control (Vapi).
    controllable: bool,
}

/// The page's Content-Security-Policy: the site's, with the call's WebSocket origin allowed
/// (`ws` or `wss`, a plain host and port; anything else leaves the site's policy).
fn policy_with(websocket_url: Option<&str>) -> Option<HeaderValue> {
    let url = websocket_url?;
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let plain_host = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
    if !matches!(scheme, "ws" | "wss") || authority.is_empty() || !authority.chars().all(plain_host) {
        return None;
    }
    let origin = format!("{scheme}://{authority}");
    let widened = crate::ops::SITE_POLICY.replace("connect-src 'self'", &format!("connect-src 'self' {origin}"));
    HeaderValue::from_str(&widened).ok()
}

pub async fn show_test_call(auth: Auth, State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let call = test_calls::find(&state, auth.workspace_id(), &id).await?;
    let title = format!(
        "Test call to {}",
        call.assistant_name.as_deref().unwrap_or("an assistant")
    );
    let shell = auth.shell(&state, &title, "/calls").await?;
    let provider = call
        .provider
        .parse::<voxhive_providers::ProviderKind>()
        .map_or("Unknown", |k| k.label());
    let audio_url = call
        .websocket_url
        .clone()
        .filter(|_| shell.can_edit() && call.started_by == Some(auth.user_id()));
    let policy = policy_with(audio_url.as_deref());
    let controllable = call.provider == "vapi";
    let page = TestCallPage {
        shell,
        call,
        provider,
        audio_url,
        controllable,
    };
    let mut res = Page(page).into_response();
    if let Some(policy) = policy {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(res)
}

/// One update of the live view.
#[derive(Serialize, PartialEq, Clone)]
struct LiveUpdate {
    status: String,
    status_label: String,
    turns: Vec<serde_json::Value>,
    cost: String,
    duration_ms: i64,
    ended_reason: Option<String>,
    finished: bool,
    call_page: Option<String>,
}

fn status_label(status: &str) -> String {
    match status {
        "in-progress" => "In progress".into(),
        other => capitalized(other),
    }
}

/// Where the stream stands: the last update sent, failed reads in a row, and whether it ended.
struct Watch {
    last: Option<LiveUpdate>,
    failures: u32,
    ended: bool,
}

/// Sends an `update` event whenever the call moves, until it has ended and is stored; a read
/// that fails sends a `problem` event, and several in a row end the stream.
pub async fn test_call_events(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let workspace_id = auth.workspace_id();
    test_calls::find(&state, workspace_id, &id).await?;
    let watch = Watch {
        last: None,
        failures: 0,
        ended: false,
    };
    let events = stream::unfold(watch, move |mut watch| {
        let state = state.clone();
        let id = id.clone();
        async move {
            if watch.ended {
                return None;
            }
            loop {
                match test_calls::live(&state, workspace_id, &id).await {
                    Ok(call) => {
                        watch.failures = 0;
                        let update = LiveUpdate {
                            status_label: status_label(&call.status),
                            status: call.status,
                            turns: call.turns,
                            cost: usd_fine(call.cost_micro_usd),
                            duration_ms: call.duration_ms,
                            ended_reason: call.ended_reason,
                            finished: call.finished,
                            call_page: call.stored_id.map(|id| format!("/calls/{id}")),
                        };
                        if watch.last.as_ref() != Some(&update) {
                            watch.ended = update.finished;
                            let event = Event::default().event("update").json_data(&update).unwrap_or_default();
                            watch.last = Some(update);
                            return Some((Ok(event), watch));
                        }
                    }
                    Err(err) => {
                        crate::error::log_if_internal(&err);
                        watch.failures += 1;
                        watch.ended = watch.failures >= MAX_FAILURES;
                        // The last one tells the page to stop listening, rather than reconnect.
                        let kind = if watch.ended { "gone" } else { "problem" };
                        let event = Event::default().event(kind).data(capitalized(&err.to_string()));
                        if !watch.ended {
                            tokio::time::sleep(STEP * 2u32.pow(watch.failures)).await;
                        }
                        return Some((Ok(event), watch));
                    }
                }
                tokio::time::sleep(STEP).await;
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// A control action from the live view.
#[derive(Deserialize)]
pub struct ControlForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: Option<String>,
}

/// What the live view learns of a control action.
#[derive(Serialize)]
pub struct ControlAnswer {
    ok: bool,
    message: String,
}

pub async fn control_test_call(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ControlForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let done = test_calls::control(
        &state,
        auth.workspace_id(),
        auth.user_id(),
        &id,
        &form.action,
        form.text.as_deref(),
    )
    .await;
    let (status, answer) = match done {
        Ok(()) => (
            StatusCode::OK,
            ControlAnswer {
                ok: true,
                message: match form.action.as_str() {
                    "mute" => "The assistant is muted.".into(),
                    "unmute" => "The assistant is unmuted.".into(),
                    "say" => "The assistant will say it next.".into(),
                    _ => "Ending the call.".into(),
                },
            },
        ),
        Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(err) => (
            {
                crate::error::log_if_internal(&err);
                err.status()
            },
            ControlAnswer {
                ok: false,
                message: capitalized(&err.to_string()),
            },
        ),
    };
    Ok((status, Json(answer)).into_response())
}

#[cfg(test)]
mod tests {
    use super::policy_with;

    #[test]
    fn only_a_plain_websocket_origin_joins_the_policy() {
        let policy = policy_with(Some("wss://calls.vapi.ai/abc/transport")).unwrap();
        assert!(policy
            .to_str()
            .unwrap()
            .contains("connect-src 'self' wss://calls.vapi.ai;"));
        assert!(policy_with(Some("ws://127.0.0.1:9000/live/x/transport")).is_some());
        for bad in [
            "https://calls.vapi.ai/x",
            "wss://evil.example; script-src *",
            "wss:///x",
        ] {
            assert!(policy_with(Some(bad)).is_none(), "{bad}");
        }
        assert!(policy_with(None).is_none());
    }
}
