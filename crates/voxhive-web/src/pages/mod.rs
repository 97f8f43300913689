//! Server-rendered pages of the signed-in product, one module per page.

mod analytics;
mod assistant_form;
mod assistants;
mod budgets;
mod call_detail;
mod call_recording;
mod calls;
mod jobs;
mod knowledge;
mod monitor_params;
mod phone_numbers;
mod providers;
mod start;
mod team;
mod test_calls;
mod tokens;
mod tools;
mod usage;
mod webhooks;
mod workspace;

use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

/// Every signed-in page route, in sidebar order.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/usage") }))
        .route("/start", get(start::show_start).post(start::connect))
        .route("/usage", get(usage::show_usage))
        .route("/assistants", get(assistants::show_assistants))
        .route(
            "/assistants/import",
            get(assistants::choose_import).post(assistants::import_assistants),
        )
        .route("/jobs/{id}/events", get(jobs::job_events))
        .route("/assistants/push", post(assistants::push_selected))
        .route(
            "/assistants/new",
            get(assistants::show_new_assistant).post(assistants::create_assistant),
        )
        .route("/assistants/{id}", get(assistants::show_assistant))
        .route("/assistants/{id}/document", post(assistants::save_document))
        .route("/assistants/{id}/fields", post(assistants::save_fields))
        .route("/assistants/{id}/review", get(assistants::review_assistant))
        .route("/assistants/{id}/push", post(assistants::push_assistant))
        .route("/assistants/{id}/pull", post(assistants::pull_assistant))
        .route("/assistants/{id}/compare", get(assistants::compare_revisions))
        .route("/assistants/{id}/rollback", post(assistants::rollback_assistant))
        .route("/assistants/{id}/delete", post(assistants::delete_assistant))
        .route(
            "/assistants/{id}/merge",
            get(assistants::show_merge).post(assistants::resolve_merge),
        )
        .route("/knowledge-base", get(knowledge::show_knowledge))
        .route("/knowledge-base/refresh", post(knowledge::refresh))
        .route(
            "/knowledge-base/upload",
            post(knowledge::upload).layer(DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT)),
        )
        .route("/knowledge-base/documents", post(knowledge::add_document))
        .route("/knowledge-base/bases", post(knowledge::create_base))
        .route("/knowledge-base/bases/files", post(knowledge::change_base_file))
        .route("/knowledge-base/{id}", get(knowledge::show_file))
        .route("/knowledge-base/{id}/status", get(knowledge::file_status))
        .route("/knowledge-base/{id}/download", get(knowledge::download))
        .route("/knowledge-base/{id}/attach", post(knowledge::attach_file))
        .route("/knowledge-base/{id}/detach", post(knowledge::detach_file))
        .route("/knowledge-base/{id}/delete", post(knowledge::delete_file))
        .route("/tools", get(tools::show_tools).post(tools::create_tool))
        .route("/tools/new", get(tools::show_new_tool))
        .route("/tools/refresh", post(tools::refresh))
        .route("/tools/{id}", get(tools::show_tool))
        .route("/tools/{id}/edit", post(tools::edit_tool))
        .route("/tools/{id}/attach", post(tools::attach_tool))
        .route("/tools/{id}/detach", post(tools::detach_tool))
        .route("/tools/{id}/delete", post(tools::delete_tool))
        .route(
            "/phone-numbers",
            get(phone_numbers::show_phone_numbers).post(phone_numbers::add_number),
        )
        .route("/phone-numbers/refresh", post(phone_numbers::refresh))
        .route("/phone-numbers/{id}", get(phone_numbers::show_phone_number))
        .route("/phone-numbers/{id}/edit", post(phone_numbers::edit_number))
        .route("/phone-numbers/{id}/release", post(phone_numbers::release_number))
        .route("/webhooks", get(webhooks::show_webhooks))
        .route("/webhooks/test", post(webhooks::send_test))
        .route("/webhooks/point", post(webhooks::point_server))
        .route("/webhooks/events/{id}", get(webhooks::show_event_body))
        .route("/test-calls", post(test_calls::start_test_call))
        .route("/test-calls/new", get(test_calls::show_new_test_call))
        .route("/test-calls/{id}", get(test_calls::show_test_call))
        .route("/test-calls/{id}/events", get(test_calls::test_call_events))
        .route("/test-calls/{id}/control", post(test_calls::control_test_call))
        .route("/calls", get(calls::show_calls))
        .route("/calls/export.csv", get(calls::export_calls))
        .route("/calls/{id}", get(call_detail::show_call))
        .route("/calls/{id}/recording", get(call_recording::play_recording))
        .route("/analytics", get(analytics::show_analytics))
        .route(
            "/settings/providers",
            get(providers::show_providers).post(providers::add_connection),
        )
        .route("/settings/providers/{id}/test", post(providers::test_connection))
        .route("/settings/providers/{id}/sync-calls", post(providers::sync_calls))
        .route("/settings/providers/{id}/remove", post(providers::remove_connection))
        .route("/settings/providers/{id}/rate", post(providers::set_credit_rate))
        .route(
            "/settings/providers/{id}/webhook/reveal",
            post(providers::reveal_webhook_secret),
        )
        .route(
            "/settings/providers/{id}/webhook/rotate",
            post(providers::rotate_webhook_secret),
        )
        .route(
            "/settings/providers/{id}/webhook/secret",
            post(providers::set_webhook_secret),
        )
        .route("/connections/active", post(providers::choose_active))
        .route(
            "/settings/budgets",
            get(budgets::show_budgets).post(budgets::create_budget),
        )
        .route("/settings/budgets/{id}/amount", post(budgets::change_budget))
        .route("/settings/budgets/{id}/delete", post(budgets::delete_budget))
        .route("/settings/alerts", post(budgets::save_settings))
        .route("/settings/alerts/test", post(budgets::test_webhook))
        .route("/settings/team", get(team::show_team))
        .route("/settings/team/invite", post(team::invite_member))
        .route("/settings/team/members/{id}/role", post(team::change_role))
        .route("/settings/team/members/{id}/remove", post(team::remove_member))
        .route("/settings/tokens", get(tokens::show_tokens).post(tokens::create_token))
        .route("/settings/tokens/{id}/revoke", post(tokens::revoke_token))
        .route("/workspace/switch", post(workspace::switch_workspace))
}

/// A redirect after a POST that shows a flash message on the next page.
pub(crate) fn redirect_with_flash(
    state: &AppState,
    to: &str,
    kind: &'static str,
    message: impl Into<String>,
    copy: Option<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut res = Redirect::to(to).into_response();
    let flash = crate::views::Flash {
        kind,
        message: message.into(),
        copy,
    };
    crate::auth::append_cookie(&mut res, crate::auth::flash_cookie(&flash, state.config.secure_cookies));
    res
}

/// The workspace's connections in the active scope (one, or all).
pub(crate) async fn scoped_connections(
    auth: &crate::auth::Auth,
    state: &AppState,
    active: Option<i64>,
) -> crate::error::AppResult<Vec<voxhive_store::Connection>> {
    let mut connections = state.store.connections(auth.workspace_id()).await?;
    if let Some(id) = active {
        connections.retain(|c| c.id == id);
    }
    Ok(connections)
}

/// A refusal the user can act on (bad input, the provider's no, a conflict) as a flash on `to`;
/// anything else stays an error.
pub(crate) fn refused(
    state: &AppState,
    to: &str,
    err: crate::error::AppError,
) -> crate::error::AppResult<axum::response::Response> {
    if is_refusal(&err) {
        Ok(redirect_with_flash(
            state,
            to,
            "error",
            crate::views::capitalized(&err.to_string()),
            None,
        ))
    } else {
        Err(err)
    }
}

/// Whether an error is the user's to act on (bad input, the provider's no, a conflict) rather
/// than a failure.
pub(crate) fn is_refusal(err: &crate::error::AppError) -> bool {
    use crate::error::AppError;
    matches!(
        err,
        AppError::BadRequest { .. } | AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Invalid(_)
    )
}

/// The banner of a form shown again after a refusal.
pub(crate) fn error_flash(err: &crate::error::AppError) -> Option<crate::views::Flash> {
    Some(crate::views::Flash {
        kind: "error",
        message: crate::views::capitalized(&err.to_string()),
        copy: None,
    })
}

/// The flash after re-reading `noun`s (`number`, `tool`) from the providers, back on `to`.
pub(crate) fn refreshed(
    state: &AppState,
    to: &str,
    noun: &str,
    outcomes: &[crate::provider_resources::RefreshOutcome],
) -> axum::response::Response {
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(label, outcome)| outcome.as_ref().err().map(|e| format!("{label}: {e}")))
        .collect();
    let read: usize = outcomes.iter().filter_map(|(_, o)| o.as_ref().ok()).sum();
    if failed.is_empty() {
        let plural = if read == 1 { "" } else { "s" };
        redirect_with_flash(
            state,
            to,
            "success",
            format!("Read {read} {noun}{plural} from the providers."),
            None,
        )
    } else {
        redirect_with_flash(
            state,
            to,
            "error",
            format!("Some {noun}s could not be read. {}", failed.join("; ")),
            None,
        )
    }
}
