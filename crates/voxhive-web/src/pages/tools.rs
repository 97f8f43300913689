//! Build, Tools: every tool of the workspace's connections by type with the assistants using
//! each; a form for the common types (a Vapi function, an ElevenLabs webhook) and a JSON editor
//! for any; attach and detach (assistant edits, reviewed and pushed); delete, refused while
//! assistants use the tool unless the user confirms detaching it from all of them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use voxhive_core::time::format_minute;
use voxhive_core::Permission;
use voxhive_providers::ProviderKind;
use voxhive_store::{AssistantFilter, Connection, Tool};

use super::{error_flash, is_refusal, redirect_with_flash, refreshed, refused, scoped_connections};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::tools::{self, shown, ToolUse};
use crate::views::{capitalized, zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/tools";

/// The parameters a new function starts with.
const EMPTY_PARAMETERS: &str = "{\n  \"type\": \"object\",\n  \"properties\": {},\n  \"required\": []\n}";

/// What users call each tool type.
fn kind_label(kind: &str) -> String {
    match kind {
        "function" => "Function".into(),
        "apiRequest" => "API request".into(),
        "transferCall" => "Transfer call".into(),
        "endCall" => "End call".into(),
        "dtmf" => "DTMF (keypad)".into(),
        "query" => "Knowledge base query".into(),
        "knowledgeBase" => "Knowledge base search".into(),
        "webhook" => "Webhook".into(),
        "client" => "Client".into(),
        "system" => "System".into(),
        "mcp" => "MCP".into(),
        other => capitalized(other),
    }
}

fn provider_label(provider: &str) -> &'static str {
    provider.parse::<ProviderKind>().map_or("Unknown", |k| k.label())
}

/// One tool as the pages show it.
struct ToolRow {
    tool: Tool,
    title: String,
    kind: String,
    provider: &'static str,
    used_by: Vec<(i64, String)>,
}

fn row(ToolUse { tool, used_by }: ToolUse) -> ToolRow {
    ToolRow {
        title: tool.name.clone().unwrap_or_else(|| kind_label(&tool.kind)),
        kind: kind_label(&tool.kind),
        provider: provider_label(&tool.provider),
        used_by,
        tool,
    }
}

#[derive(Template)]
#[template(path = "tools.html")]
pub struct ToolsPage {
    shell: Shell,
    rows: Vec<ToolRow>,
    has_connections: bool,
}

pub async fn show_tools(auth: Auth, State(state): State<AppState>) -> AppResult<Page<ToolsPage>> {
    let shell = auth.shell(&state, "Tools", PATH).await?;
    let listed = tools::list(&state, auth.workspace_id(), shell.active_connection).await?;
    let has_connections = !scoped_connections(&auth, &state, shell.active_connection)
        .await?
        .is_empty();
    Ok(Page(ToolsPage {
        rows: listed.into_iter().map(row).collect(),
        has_connections,
        shell,
    }))
}

pub async fn refresh(auth: Auth, State(state): State<AppState>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let active = auth.shell(&state, "", PATH).await?.active_connection;
    let connections = scoped_connections(&auth, &state, active).await?;
    let outcomes = tools::refresh(&state, auth.workspace_id(), auth.user_id(), &connections).await?;
    Ok(refreshed(&state, PATH, "tool", &outcomes))
}

/// The fields of the form for the common types, as typed.
#[derive(Deserialize, Default)]
pub struct ToolFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: String,
    #[serde(default)]
    server_url: String,
    #[serde(default)]
    is_async: Option<String>,
    #[serde(default)]
    start_message: String,
    #[serde(default)]
    failed_message: String,
}

/// The form's fields as they start: from a tool's document, or empty for a new one.
struct FormValues {
    name: String,
    description: String,
    parameters: String,
    server_url: String,
    is_async: bool,
    start_message: String,
    failed_message: String,
}

impl FormValues {
    /// The values as the user typed them, to show again with a refusal.
    fn typed(fields: &ToolFields) -> FormValues {
        FormValues {
            name: fields.name.clone(),
            description: fields.description.clone(),
            parameters: fields.parameters.clone(),
            server_url: fields.server_url.clone(),
            is_async: fields.is_async.is_some(),
            start_message: fields.start_message.clone(),
            failed_message: fields.failed_message.clone(),
        }
    }
}

/// Whether the common form edits this type: a Vapi function, an ElevenLabs webhook.
fn has_form(provider: &str, kind: &str) -> bool {
    matches!((provider, kind), ("vapi", "function") | ("elevenlabs", "webhook"))
}

fn form_values(provider: &str, doc: &Value) -> FormValues {
    let text = |pointer: &str| {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let message = |kind: &str| {
        doc["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["type"] == kind)
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let pretty = |v: Option<&Value>| {
        v.and_then(|v| serde_json::to_string_pretty(v).ok())
            .unwrap_or_else(|| EMPTY_PARAMETERS.to_owned())
    };
    if provider == "vapi" {
        FormValues {
            name: text("/function/name"),
            description: text("/function/description"),
            parameters: pretty(doc.pointer("/function/parameters")),
            server_url: text("/server/url"),
            is_async: doc["async"].as_bool().unwrap_or(false),
            start_message: message("request-start"),
            failed_message: message("request-failed"),
        }
    } else {
        FormValues {
            name: text("/tool_config/name"),
            description: text("/tool_config/description"),
            parameters: pretty(doc.pointer("/tool_config/api_schema/request_body_schema")),
            server_url: text("/tool_config/api_schema/url"),
            is_async: false,
            start_message: String::new(),
            failed_message: String::new(),
        }
    }
}

/// The document the common form describes, over `base` (a tool's document, or nothing).
fn form_document(provider: &str, fields: &ToolFields, base: Option<&Value>) -> AppResult<Value> {
    let parameters: Value = serde_json::from_str(fields.parameters.trim())
        .map_err(|e| AppError::field("parameters", format!("parameters: this is not JSON ({e})")))?;
    let name = fields.name.trim();
    let description = fields.description.trim();
    let url = fields.server_url.trim();
    let mut doc = base.cloned().unwrap_or_else(|| json!({}));
    if provider == "vapi" {
        doc["type"] = json!("function");
        doc["async"] = json!(fields.is_async.is_some());
        doc["function"]["name"] = json!(name);
        doc["function"]["description"] = json!(description);
        doc["function"]["parameters"] = parameters;
        if url.is_empty() {
            if let Some(fields) = doc.as_object_mut() {
                fields.remove("server");
            }
        } else {
            doc["server"]["url"] = json!(url);
        }
        let mut messages: Vec<Value> = doc["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["type"] != "request-start" && m["type"] != "request-failed")
            .collect();
        for (kind, content) in [
            ("request-start", fields.start_message.trim()),
            ("request-failed", fields.failed_message.trim()),
        ] {
            if !content.is_empty() {
                messages.push(json!({"type": kind, "content": content}));
            }
        }
        doc["messages"] = Value::from(messages);
    } else {
        let config = &mut doc["tool_config"];
        config["type"] = json!("webhook");
        config["name"] = json!(name);
        config["description"] = json!(description);
        config["api_schema"]["url"] = json!(url);
        if config["api_schema"]["method"].is_null() {
            config["api_schema"]["method"] = json!("POST");
        }
        config["api_schema"]["request_body_schema"] = parameters;
    }
    if url.is_empty() && provider != "vapi" {
        return Err(AppError::field(
            "server_url",
            "a webhook tool needs the URL ElevenLabs calls",
        ));
    }
    if !url.is_empty() {
        voxhive_sync::check_http_url("/server_url", url)?;
    }
    Ok(doc)
}

/// A whole document typed into the JSON editor.
fn typed_document(text: &str) -> AppResult<Value> {
    let doc: Value = serde_json::from_str(text.trim())
        .map_err(|e| AppError::field("document", format!("the document is not JSON ({e})")))?;
    if !doc.is_object() {
        return Err(AppError::field("document", "the document must be a JSON object"));
    }
    Ok(doc)
}

/// The JSON editor's starting document.
fn default_document() -> String {
    serde_json::to_string_pretty(&json!({"type": "endCall"})).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "tool_new.html")]
pub struct NewToolPage {
    shell: Shell,
    connections: Vec<Connection>,
    /// The connection chosen in a refused form.
    chosen: Option<i64>,
    values: FormValues,
    /// Whether the form shows Vapi's own fields (async, messages).
    vapi_fields: bool,
    document: String,
}

impl NewToolPage {
    /// Whether the connection `id` was the one chosen in a refused form.
    fn is_chosen<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.chosen == Some(*id.borrow())
    }
}

pub async fn show_new_tool(auth: Auth, State(state): State<AppState>) -> AppResult<Page<NewToolPage>> {
    auth.require(Permission::Edit)?;
    let shell = auth.shell(&state, "New tool", PATH).await?;
    let connections = scoped_connections(&auth, &state, shell.active_connection).await?;
    Ok(Page(NewToolPage {
        connections,
        chosen: None,
        values: form_values("vapi", &json!({})),
        vapi_fields: true,
        document: default_document(),
        shell,
    }))
}

/// The new tool form: the common fields, or a whole document (`mode` = `json`).
#[derive(Deserialize)]
pub struct NewToolForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    document: String,
    #[serde(flatten)]
    fields: ToolFields,
}

pub async fn create_tool(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<NewToolForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let made = async {
        let connection_id: i64 = form
            .connection_id
            .parse()
            .map_err(|_| AppError::field("connection_id", "choose the connection to create the tool in"))?;
        let connection = state
            .store
            .connection(auth.workspace_id(), connection_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let doc = if form.mode == "json" {
            typed_document(&form.document)?
        } else {
            form_document(&connection.provider, &form.fields, None)?
        };
        tools::create(&state, auth.workspace_id(), auth.user_id(), connection.id, &doc).await
    }
    .await;
    match made {
        Ok(tool) => Ok(redirect_with_flash(
            &state,
            &format!("{PATH}/{}", tool.id),
            "success",
            format!("Created {} at {}.", shown(&tool), provider_label(&tool.provider)),
            None,
        )),
        Err(err) if is_refusal(&err) => {
            // Shown again with what was typed, so nothing is lost.
            let mut shell = auth.shell(&state, "New tool", PATH).await?;
            shell.flash = error_flash(&err);
            let connections = scoped_connections(&auth, &state, shell.active_connection).await?;
            let json_mode = form.mode == "json";
            let page = NewToolPage {
                connections,
                chosen: form.connection_id.parse().ok(),
                values: if json_mode {
                    form_values("vapi", &json!({}))
                } else {
                    FormValues::typed(&form.fields)
                },
                vapi_fields: true,
                document: if json_mode {
                    form.document.clone()
                } else {
                    default_document()
                },
                shell,
            };
            Ok((StatusCode::BAD_REQUEST, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "tool.html")]
pub struct ToolPage {
    shell: Shell,
    row: ToolRow,
    form: bool,
    values: FormValues,
    vapi_fields: bool,
    document: String,
    /// Assistants of the connection that do not attach it: (id, name).
    attachable: Vec<(i64, String)>,
    refreshed: String,
}

pub async fn show_tool(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Page<ToolPage>> {
    let found = tools::find(&state, auth.workspace_id(), id).await?;
    let shell = auth
        .shell(&state, found.tool.name.as_deref().unwrap_or("Tool"), PATH)
        .await?;
    let doc = tools::document(&found.tool);
    let filter = AssistantFilter {
        connection_id: Some(found.tool.connection_id),
        ..AssistantFilter::default()
    };
    let attachable = state
        .store
        .assistants(auth.workspace_id(), &filter)
        .await?
        .into_iter()
        .filter(|a| !found.used_by.iter().any(|(id, _)| *id == a.id))
        .map(|a| (a.id, a.name))
        .collect();
    let refreshed = format_minute(found.tool.refreshed_at, &zone_of(&auth.workspace.workspace));
    Ok(Page(ToolPage {
        form: has_form(&found.tool.provider, &found.tool.kind),
        vapi_fields: found.tool.provider == "vapi",
        values: form_values(&found.tool.provider, &doc),
        document: serde_json::to_string_pretty(&voxhive_sync::writable_tool(
            found.tool.provider.parse().unwrap_or(ProviderKind::Vapi),
            &doc,
        ))
        .unwrap_or_default(),
        row: row(found),
        attachable,
        refreshed,
        shell,
    }))
}

/// The edit form: the common fields, or the whole document (`mode` = `json`).
#[derive(Deserialize)]
pub struct EditToolForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    document: String,
    #[serde(flatten)]
    fields: ToolFields,
}

pub async fn edit_tool(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<EditToolForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let to = format!("{PATH}/{id}");
    let changed = async {
        let tool = state
            .store
            .tool(auth.workspace_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let doc = if form.mode == "json" {
            typed_document(&form.document)?
        } else {
            form_document(&tool.provider, &form.fields, Some(&tools::document(&tool)))?
        };
        tools::change(&state, auth.workspace_id(), auth.user_id(), id, &doc).await
    }
    .await;
    match changed {
        Ok(tool) => Ok(redirect_with_flash(
            &state,
            &to,
            "success",
            format!("Saved {} at {}.", shown(&tool), provider_label(&tool.provider)),
            None,
        )),
        Err(err) if is_refusal(&err) => {
            let Page(mut page) = show_tool(auth, State(state), Path(id)).await?;
            page.shell.flash = error_flash(&err);
            if form.mode == "json" {
                page.document = form.document.clone();
            } else {
                page.values = FormValues::typed(&form.fields);
            }
            Ok((StatusCode::BAD_REQUEST, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

/// The assistant to attach the tool to, or detach it from.
#[derive(Deserialize)]
pub struct AssistantForm {
    #[serde(default)]
    assistant_id: String,
}

async fn attach_or_detach(
    auth: Auth,
    state: AppState,
    id: i64,
    form: AssistantForm,
    attach: bool,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let to = format!("{PATH}/{id}");
    let done = async {
        let assistant_id = form
            .assistant_id
            .parse()
            .map_err(|_| AppError::field("assistant_id", "choose an assistant"))?;
        let tool = state
            .store
            .tool(auth.workspace_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (assistant, _) =
            tools::attach(&state, auth.workspace_id(), auth.user_id(), id, assistant_id, attach).await?;
        Ok::<_, AppError>((tool, assistant))
    }
    .await;
    match done {
        Ok((tool, assistant)) => {
            let verb = if attach { "Attached" } else { "Detached" };
            let link = if attach { "to" } else { "from" };
            Ok(redirect_with_flash(
                &state,
                &format!("/assistants/{}", assistant.id),
                "success",
                format!(
                    "{verb} {} {link} {} as a local change: review and push it to {}.",
                    shown(&tool),
                    assistant.name,
                    provider_label(&tool.provider)
                ),
                None,
            ))
        }
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &to, err),
    }
}

pub async fn attach_tool(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssistantForm>,
) -> AppResult<Response> {
    attach_or_detach(auth, state, id, form, true).await
}

pub async fn detach_tool(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssistantForm>,
) -> AppResult<Response> {
    attach_or_detach(auth, state, id, form, false).await
}

/// The delete form: `detach` confirms detaching the tool from the assistants using it.
#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    detach: Option<String>,
}

pub async fn delete_tool(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    match tools::delete(&state, auth.workspace_id(), auth.user_id(), id, form.detach.is_some()).await {
        Ok(tool) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("Deleted {} at {}.", shown(&tool), provider_label(&tool.provider)),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &format!("{PATH}/{id}"), err),
    }
}
