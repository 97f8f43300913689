//! The JSON API under `/api/v1`, authenticated by bearer tokens, described by an OpenAPI document.

mod assistants;
mod budgets;
mod call_sync;
mod calls;
mod connections;
mod files;
mod jobs;
mod me;
mod phone_numbers;
mod test_calls;
mod tools;
mod usage;
mod webhooks;

use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::error::{ApiError, AppError};
use crate::AppState;

/// The routes of `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::show_me))
        .route(
            "/connections",
            get(connections::list_connections).post(connections::create_connection),
        )
        .route(
            "/connections/{id}",
            get(connections::show_connection).delete(connections::delete_connection),
        )
        .route("/connections/{id}/test", post(connections::test_connection))
        .route("/connections/{id}/import", post(assistants::import_connection))
        .route("/connections/{id}/sync-calls", post(call_sync::sync_calls))
        .route(
            "/connections/{id}/webhook",
            get(webhooks::show_webhook).put(webhooks::set_webhook_secret),
        )
        .route("/connections/{id}/webhook/rotate", post(webhooks::rotate_webhook))
        .route("/webhooks/test", post(webhooks::test_webhook))
        .route("/test-calls", post(test_calls::start_test_call))
        .route("/test-calls/{id}", get(test_calls::show_test_call))
        .route("/calls/{id}/control", post(test_calls::control_call))
        .route("/webhooks/deliveries", get(webhooks::list_deliveries))
        .route(
            "/assistants",
            get(assistants::list_assistants).post(assistants::create_assistant),
        )
        .route(
            "/assistants/{id}",
            get(assistants::show_assistant)
                .patch(assistants::patch_assistant)
                .delete(assistants::delete_assistant),
        )
        .route("/assistants/push", post(jobs::push_many))
        .route("/jobs/{id}", get(jobs::show_job))
        .route("/assistants/{id}/document", put(assistants::replace_document))
        .route("/assistants/{id}/push", post(assistants::push_assistant))
        .route("/assistants/{id}/pull", post(assistants::pull_assistant))
        .route("/assistants/{id}/revisions", get(assistants::list_revisions))
        .route("/assistants/{id}/diff", get(assistants::diff_revisions))
        .route("/assistants/{id}/rollback", post(assistants::rollback_assistant))
        .route("/phone-numbers", get(phone_numbers::list_phone_numbers))
        .route("/phone-numbers/refresh", post(phone_numbers::refresh_phone_numbers))
        .route(
            "/phone-numbers/{id}",
            get(phone_numbers::show_phone_number)
                .patch(phone_numbers::change_phone_number)
                .delete(phone_numbers::release_phone_number),
        )
        .route(
            "/connections/{id}/phone-numbers",
            post(phone_numbers::create_phone_number),
        )
        .route("/tools", get(tools::list_tools).post(tools::create_tool))
        .route("/tools/refresh", post(tools::refresh_tools))
        .route(
            "/tools/{id}",
            get(tools::show_tool)
                .patch(tools::change_tool)
                .delete(tools::delete_tool),
        )
        .route(
            "/files",
            get(files::list_files)
                .post(files::upload_files)
                .layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT)),
        )
        .route("/files/refresh", post(files::refresh_files))
        .route("/files/{id}", get(files::show_file).delete(files::delete_file))
        .route("/budgets", get(budgets::list_budgets).post(budgets::create_budget))
        .route(
            "/budgets/{id}",
            get(budgets::show_budget)
                .patch(budgets::change_budget)
                .delete(budgets::delete_budget),
        )
        .route("/calls", get(calls::list_calls))
        .route("/calls/{id}", get(calls::show_call))
        .route("/usage", get(usage::show_usage))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .fallback(|| async { ApiError(AppError::NotFound).into_response() })
}

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "VoxHive API", description = "The JSON API of VoxHive. Authenticate with `Authorization: Bearer vh_…`; tokens are created in Settings, API Tokens, or with `voxhive token create`."),
    servers((url = "/api/v1")),
    paths(
        me::show_me,
        connections::list_connections,
        connections::create_connection,
        connections::show_connection,
        connections::test_connection,
        connections::delete_connection,
        assistants::import_connection,
        webhooks::show_webhook,
        webhooks::rotate_webhook,
        webhooks::set_webhook_secret,
        webhooks::test_webhook,
        test_calls::start_test_call,
        test_calls::show_test_call,
        test_calls::control_call,
        webhooks::list_deliveries,
        assistants::list_assistants,
        assistants::create_assistant,
        assistants::show_assistant,
        assistants::patch_assistant,
        assistants::replace_document,
        assistants::push_assistant,
        assistants::pull_assistant,
        assistants::list_revisions,
        assistants::diff_revisions,
        assistants::rollback_assistant,
        assistants::delete_assistant,
        jobs::push_many,
        jobs::show_job,
        calls::list_calls,
        calls::show_call,
        call_sync::sync_calls,
        phone_numbers::list_phone_numbers,
        phone_numbers::show_phone_number,
        phone_numbers::create_phone_number,
        phone_numbers::change_phone_number,
        phone_numbers::release_phone_number,
        phone_numbers::refresh_phone_numbers,
        tools::list_tools,
        tools::show_tool,
        tools::create_tool,
        tools::change_tool,
        tools::delete_tool,
        tools::refresh_tools,
        files::list_files,
        files::upload_files,
        files::show_file,
        files::delete_file,
        files::refresh_files,
        budgets::list_budgets,
        budgets::create_budget,
        budgets::show_budget,
        budgets::change_budget,
        budgets::delete_budget,
        usage::show_usage,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Every error of the API.
#[derive(serde::Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a sentence for people, and the field at fault if any.
#[derive(serde::Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of unauthenticated, forbidden, not_found, bad_request, conflict, rate_limited, unavailable, internal.
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

/// How re-reading one connection's resources (numbers, tools) from its provider went.
#[derive(serde::Serialize, ToSchema)]
pub struct RefreshOutcome {
    pub connection: String,
    /// How many the provider listed; `null` when it could not be read.
    pub count: Option<usize>,
    /// Why the provider could not be read.
    pub error: Option<String>,
}

impl RefreshOutcome {
    fn all(outcomes: Vec<(String, Result<usize, String>)>) -> Vec<RefreshOutcome> {
        outcomes
            .into_iter()
            .map(|(connection, outcome)| RefreshOutcome {
                connection,
                count: outcome.as_ref().ok().copied(),
                error: outcome.err(),
            })
            .collect()
    }
}

/// Which connection to refresh; every connection when left out.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct RefreshParams {
    pub connection_id: Option<i64>,
}

impl RefreshParams {
    /// The connections to refresh; 404 for a connection of another workspace.
    async fn connections(
        &self,
        state: &AppState,
        workspace_id: i64,
    ) -> Result<Vec<voxhive_store::Connection>, ApiError> {
        let mut connections = state.store.connections(workspace_id).await?;
        if let Some(id) = self.connection_id {
            connections.retain(|c| c.id == id);
            if connections.is_empty() {
                return Err(ApiError(AppError::NotFound));
            }
        }
        Ok(connections)
    }
}

/// Reads a JSON body, answering 400 with the parser's reason.
pub(crate) fn json_body<T>(body: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        ApiError(AppError::BadRequest {
            field: None,
            message: e.body_text(),
        })
    })
}

/// An instant in storage form as RFC 3339 in UTC, the API's form for times.
pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
