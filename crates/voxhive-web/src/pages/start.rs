//! Onboarding: choose a provider, choose import or create, connect with an API key, land on
//! the dashboard.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use voxhive_core::Permission;

use super::providers::FormValues;
use super::redirect_with_flash;
use crate::auth::Auth;
use crate::connections::{self, ConnectionInput};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::views::{Page, Shell};
use crate::AppState;

#[derive(Template)]
#[template(path = "start.html")]
pub struct StartPage {
    shell: Shell,
    form: FormValues,
    mode: String,
}

pub async fn show_start(auth: Auth, State(state): State<AppState>) -> AppResult<Page<StartPage>> {
    let shell = auth.shell(&state, "Get started", "/start").await?;
    let form = FormValues {
        provider: "vapi".into(),
        ..FormValues::default()
    };
    Ok(Page(StartPage {
        shell,
        form,
        mode: "import".into(),
    }))
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(flatten)]
    connection: ConnectionInput,
    #[serde(default)]
    mode: String,
}

pub async fn connect(auth: Auth, State(state): State<AppState>, Form(form): Form<StartForm>) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    match connections::add(&state, auth.workspace_id(), auth.user_id(), &form.connection).await {
        Ok(connection) => {
            state
                .store
                .set_active_connection(auth.workspace_id(), auth.user_id(), Some(connection.id))
                .await?;
            let next = if form.mode == "create" {
                "Create your first assistant from Build, Assistants."
            } else {
                "Import its assistants from Build, Assistants."
            };
            Ok(redirect_with_flash(
                &state,
                "/usage",
                "success",
                format!("Connected \"{}\". {next}", connection.label),
                None,
            ))
        }
        Err(err @ (AppError::BadRequest { .. } | AppError::Unprocessable { .. })) => {
            let status = err.status();
            let shell = auth.shell(&state, "Get started", "/start").await?;
            let page = StartPage {
                shell,
                form: FormValues::from_input(&form.connection, &err),
                mode: form.mode.clone(),
            };
            Ok((status, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}
