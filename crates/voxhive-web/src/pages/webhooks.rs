//! Deploy, Webhooks: every server URL in use (receivers, assistants, phone numbers) with the
//! events each is sent; test deliveries signed as the provider signs, with the answers kept per
//! URL; and the deliveries VoxHive's receivers got, with the raw body on demand.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use voxhive_core::time::format_minute;
use voxhive_core::Permission;
use voxhive_providers::ProviderKind;
use voxhive_store::{ReceivedDelivery, WebhookTest};
use voxhive_sync::webhook_test::TestEvent;

use super::redirect_with_flash;
use crate::auth::Auth;
use crate::delivery_tests::{self, headers_of, TestAsk};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::pointing;
use crate::server_urls::{self, ServerUrl};
use crate::views::{capitalized, zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/webhooks";
/// How many received deliveries the page lists.
const RECEIVED_SHOWN: i64 = 50;
/// How many test deliveries the page lists.
const TESTS_SHOWN: i64 = 20;

/// A test delivery as the page shows it.
struct TestRow {
    test: WebhookTest,
    sent: String,
    headers: Vec<(String, String)>,
    /// The bodies as shown: JSON indented.
    request_shown: String,
    response_shown: String,
    /// `ok` or `failed`.
    level: &'static str,
    answer: String,
}

/// A received delivery as the page shows it.
struct ReceivedRow {
    delivery: ReceivedDelivery,
    received: String,
    /// The badge class of its status.
    badge: &'static str,
}

/// An event the test form offers: (form value, label), per provider.
struct EventChoice {
    value: String,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    shell: Shell,
    urls: Vec<ServerUrl>,
    tests: Vec<TestRow>,
    received: Vec<ReceivedRow>,
    /// The test form's URL, prefilled from a row's Test link or the last test.
    form_url: String,
    vapi_events: Vec<EventChoice>,
    elevenlabs_events: Vec<EventChoice>,
    /// Showing the tests of this URL only.
    tests_url: Option<String>,
    /// What can be pointed at a server URL: (`assistant:ID` or `number:ID`, label).
    targets: Vec<(String, String)>,
    /// A refused point form, as typed (never the secret).
    pointed: PointForm,
}

impl WebhooksPage {
    fn is_pointed_target(&self, value: &str) -> bool {
        self.pointed.target == value
    }

    fn points_elsewhere(&self) -> bool {
        self.pointed.destination == "url"
    }
}

/// The page's query: a URL to prefill the test form with and to show the tests of.
#[derive(Deserialize, Default)]
pub struct WebhooksQuery {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    event: Option<String>,
}

fn test_row(test: WebhookTest, zone: &jiff::tz::TimeZone) -> TestRow {
    let answer = match (&test.problem, test.status_code) {
        (None, Some(status)) => format!("HTTP {status}"),
        (Some(problem), _) => capitalized(problem),
        (None, None) => "No answer".to_owned(),
    };
    TestRow {
        request_shown: indented(&test.request_body),
        response_shown: indented(&test.response_body),
        sent: format_minute(test.sent_at, zone),
        headers: headers_of(&test),
        level: if test.problem.is_none() { "ok" } else { "failed" },
        answer,
        test,
    }
}

/// JSON indented for reading; any other text as it is.
fn indented(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}

fn received_row(delivery: ReceivedDelivery, zone: &jiff::tz::TimeZone) -> ReceivedRow {
    ReceivedRow {
        received: format_minute(delivery.received_at, zone),
        badge: match delivery.status.as_str() {
            "processed" => "badge-synced",
            "received" => "badge-syncing",
            "rejected" => "badge-conflict",
            _ => "badge-error",
        },
        delivery,
    }
}

fn event_choices(provider: ProviderKind, chosen: &str) -> Vec<EventChoice> {
    TestEvent::ALL
        .into_iter()
        .filter(|e| e.provider() == provider)
        .map(|e| {
            let value = format!("{}:{}", provider.as_str(), e.api_name());
            EventChoice {
                selected: value == chosen,
                value,
                label: e.api_name(),
            }
        })
        .collect()
}

pub async fn show_webhooks(
    auth: Auth,
    State(state): State<AppState>,
    Query(query): Query<WebhooksQuery>,
) -> AppResult<Page<WebhooksPage>> {
    let shell = auth.shell(&state, "Webhooks", PATH).await?;
    let ws = auth.workspace_id();
    let zone = zone_of(&auth.workspace.workspace);
    let urls = server_urls::in_use(&state, ws, shell.active_connection).await?;
    let tests_url = query.url.clone().filter(|u| !u.is_empty());
    let tests = state
        .store
        .webhook_tests(ws, tests_url.as_deref(), TESTS_SHOWN)
        .await?
        .into_iter()
        .map(|t| test_row(t, &zone))
        .collect();
    let received = state
        .store
        .received_deliveries(ws, shell.active_connection, RECEIVED_SHOWN)
        .await?
        .into_iter()
        .map(|d| received_row(d, &zone))
        .collect();
    let chosen = query.event.unwrap_or_else(|| "vapi:end-of-call-report".to_owned());
    let targets = point_targets(&state, ws, shell.active_connection).await?;
    Ok(Page(WebhooksPage {
        targets,
        pointed: PointForm::default(),
        urls,
        tests,
        received,
        form_url: tests_url.clone().unwrap_or_default(),
        vapi_events: event_choices(ProviderKind::Vapi, &chosen),
        elevenlabs_events: event_choices(ProviderKind::ElevenLabs, &chosen),
        tests_url,
        shell,
    }))
}

/// The Vapi assistants and numbers in scope, for the point form.
async fn point_targets(state: &AppState, ws: i64, connection_id: Option<i64>) -> AppResult<Vec<(String, String)>> {
    let filter = voxhive_store::AssistantFilter {
        connection_id,
        ..voxhive_store::AssistantFilter::default()
    };
    let mut targets: Vec<(String, String)> = state
        .store
        .assistants(ws, &filter)
        .await?
        .into_iter()
        .filter(|a| a.provider == "vapi")
        .map(|a| (format!("assistant:{}", a.id), format!("Assistant · {}", a.name)))
        .collect();
    targets.extend(
        crate::phone_numbers::list(state, ws, connection_id)
            .await?
            .into_iter()
            .filter(|n| n.provider == "vapi")
            .map(|n| {
                (
                    format!("number:{}", n.id),
                    format!("Number · {}", crate::phone_numbers::shown(&n)),
                )
            }),
    );
    Ok(targets)
}

/// The point form: what, and where (`voxhive`, or `url` with a secret or credential).
#[derive(Deserialize, Default, Clone)]
pub struct PointForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    credential_id: String,
}

pub async fn point_server(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<PointForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let pointed = async {
        let target = pointing::Target::parse(&form.target)?;
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let destination = if form.destination == "url" {
            pointing::Destination::Url {
                url: form.url.trim().to_owned(),
                secret: optional(&form.secret),
                credential_id: optional(&form.credential_id),
            }
        } else {
            pointing::Destination::VoxHive
        };
        pointing::point(&state, auth.workspace_id(), auth.user_id(), target, &destination).await
    }
    .await;
    match pointed {
        Ok(done) => {
            let (to, message) = match done.outcome {
                pointing::PointOutcome::LocalEdit => (
                    done.href.as_str(),
                    format!(
                        "Pointed {} at the new server URL as a local change: review and push it to Vapi.",
                        done.name
                    ),
                ),
                pointing::PointOutcome::AlreadyLocal => (
                    done.href.as_str(),
                    format!(
                        "{} already points there in VoxHive: review and push it if Vapi does not have it yet.",
                        done.name
                    ),
                ),
                pointing::PointOutcome::Changed => {
                    (PATH, format!("Pointed {} at the new server URL at Vapi.", done.name))
                }
            };
            Ok(redirect_with_flash(&state, to, "success", message, None))
        }
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) if super::is_refusal(&err) => {
            // Shown again with what was chosen and typed; the secret is typed again.
            let Page(mut page) = show_webhooks(auth, State(state), Query(WebhooksQuery::default())).await?;
            page.shell.flash = super::error_flash(&err);
            page.pointed = PointForm {
                secret: String::new(),
                ..form
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

/// The test delivery form.
#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    url: String,
    /// `provider:event_type`.
    #[serde(default)]
    event: String,
    #[serde(default)]
    secret: String,
}

pub async fn send_test(auth: Auth, State(state): State<AppState>, Form(form): Form<TestForm>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let (provider, event_type) = form.event.split_once(':').unwrap_or(("", ""));
    let ask = TestAsk {
        url: form.url.clone(),
        provider: provider.to_owned(),
        event_type: event_type.to_owned(),
        secret: Some(form.secret.clone()),
        timeout_secs: None,
    };
    let back = format!(
        "{PATH}?{}#tests-title",
        serde_urlencoded::to_string([("url", form.url.trim()), ("event", form.event.as_str())]).unwrap_or_default()
    );
    match delivery_tests::send(&state, auth.workspace_id(), auth.user_id(), &ask).await {
        Ok(test) => {
            let (kind, message) = match (&test.problem, test.status_code) {
                (None, status) => (
                    "success",
                    format!(
                        "The URL accepted the {} event: HTTP {} in {} ms.",
                        test.event_type,
                        status.unwrap_or_default(),
                        test.duration_ms
                    ),
                ),
                (Some(problem), _) => ("error", format!("The test delivery failed: {problem}.")),
            };
            Ok(redirect_with_flash(&state, &back, kind, message, None))
        }
        Err(err @ (AppError::BadRequest { .. } | AppError::Unprocessable { .. } | AppError::Invalid(_))) => Ok(
            redirect_with_flash(&state, &back, "error", capitalized(&err.to_string()), None),
        ),
        Err(other) => Err(other),
    }
}

/// The raw body of a received delivery, as it arrived.
pub async fn show_event_body(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let event = state
        .store
        .webhook_event(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        event.body,
    )
        .into_response())
}
