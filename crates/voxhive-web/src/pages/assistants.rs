//! Build, Assistants: the list with sync badges, filters and sorting; import from a
//! connection; an assistant's page with its document and history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use voxhive_core::time::{format_minute, now_ms, relative};
use voxhive_core::Permission;
use voxhive_providers::{ProviderKind, Resource};
use voxhive_store::{Assistant, AssistantFilter, Connection};
use voxhive_sync::{JobSpec, PullOutcome, PushOutcome};

use super::redirect_with_flash;
use crate::auth::Auth;
use crate::connections::client_for;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::jobs::JobView;
use crate::views::{Page, Shell};
use crate::AppState;

const PATH: &str = "/assistants";

/// The assistant of the current workspace with this id, or 404.
async fn find(auth: &Auth, state: &AppState, id: i64) -> AppResult<Assistant> {
    state
        .store
        .assistant(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A sync status as a badge: its CSS class and its words.
pub fn badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "synced" => ("badge-synced", "synced"),
        "modified" => ("badge-modified", "modified"),
        "outdated" => ("badge-outdated", "outdated"),
        "conflict" => ("badge-conflict", "conflict"),
        "new" => ("badge-new", "new"),
        "remote_deleted" => ("badge-deleted", "deleted remotely"),
        "syncing" => ("badge-syncing", "syncing"),
        _ => ("badge-error", "error"),
    }
}

/// Every status a filter can choose, with its words.
const STATUSES: [(&str, &str); 8] = [
    ("synced", "synced"),
    ("modified", "modified"),
    ("outdated", "outdated"),
    ("conflict", "conflict"),
    ("new", "new"),
    ("remote_deleted", "deleted remotely"),
    ("syncing", "syncing"),
    ("error", "error"),
];

#[derive(Template)]
#[template(path = "assistants.html")]
pub struct AssistantsPage {
    shell: Shell,
    rows: Vec<Row>,
    connections: Vec<Connection>,
    filter: ListQuery,
    statuses: &'static [(&'static str, &'static str)],
    total: usize,
    /// An import or bulk push started from this page, with its progress or outcome.
    job: Option<JobView>,
}

struct Row {
    /// Whether pushing can do anything: a local change, a new assistant, or a failed push.
    pushable: bool,
    assistant: Assistant,
    connection: String,
    provider: &'static str,
    badge: (&'static str, &'static str),
    updated: String,
    updated_exact: String,
}

/// The list's filters and sort, from the query string.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    connection: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    /// The job to follow (set after starting an import or a bulk push).
    #[serde(default)]
    job: Option<i64>,
}

impl ListQuery {
    /// The link that sorts by `key`, keeping the filters.
    fn sort_link(&self, key: &str) -> String {
        let params = [
            ("provider", self.provider.as_str()),
            ("connection", self.connection.as_str()),
            ("status", self.status.as_str()),
            ("q", self.q.as_str()),
            ("sort", key),
        ];
        let kept: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        format!("{PATH}?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }

    /// `aria-sort` of a column.
    fn aria_sort(&self, key: &str) -> &'static str {
        let current = if self.sort.is_empty() {
            "name"
        } else {
            self.sort.as_str()
        };
        if current == key {
            "ascending"
        } else {
            "none"
        }
    }
}

pub async fn show_assistants(
    auth: Auth,
    State(state): State<AppState>,
    Query(mut q): Query<ListQuery>,
) -> AppResult<Page<AssistantsPage>> {
    let shell = auth.shell(&state, "Assistants", PATH).await?;
    if q.connection.is_empty() {
        if let Some(active) = shell.active_connection {
            q.connection = active.to_string();
        }
    }
    let filter = AssistantFilter {
        connection_id: q.connection.parse().ok(),
        provider: Some(q.provider.clone()).filter(|p| !p.is_empty()),
        sync_status: Some(q.status.clone()).filter(|s| !s.is_empty()),
        text: Some(q.q.trim().to_string()).filter(|t| !t.is_empty()),
    };
    let connections = state.store.connections(auth.workspace_id()).await?;
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let now = now_ms();
    let mut rows: Vec<Row> = state
        .store
        .assistants(auth.workspace_id(), &filter)
        .await?
        .into_iter()
        .map(|assistant| {
            let connection = connections.iter().find(|c| c.id == assistant.connection_id);
            Row {
                pushable: matches!(assistant.sync_status.as_str(), "modified" | "new" | "error"),
                connection: connection.map(|c| c.label.clone()).unwrap_or_default(),
                provider: assistant
                    .provider
                    .parse::<ProviderKind>()
                    .map_or("Unknown", |k| k.label()),
                badge: badge(&assistant.sync_status),
                updated: relative(assistant.updated_at, now),
                updated_exact: format_minute(assistant.updated_at, &zone),
                assistant,
            }
        })
        .collect();
    match q.sort.as_str() {
        "status" => rows.sort_by(|a, b| a.assistant.sync_status.cmp(&b.assistant.sync_status)),
        "updated" => rows.sort_by_key(|r| std::cmp::Reverse(r.assistant.updated_at)),
        "connection" => rows.sort_by(|a, b| a.connection.cmp(&b.connection)),
        _ => {}
    }
    let total = rows.len();
    let job = match q.job {
        Some(id) => state.store.job(auth.workspace_id(), id).await?.map(|j| JobView::of(&j)),
        None => None,
    };
    Ok(Page(AssistantsPage {
        job,
        shell,
        rows,
        connections,
        filter: q,
        statuses: &STATUSES,
        total,
    }))
}

/// The values of every `key` field of a posted form, in order.
fn form_values<'a>(form: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    form.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Queues an import of a connection's assistants (all, or the chosen `remote_ids`) and shows
/// its progress on the list.
pub async fn import_assistants(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let connection_id = form_values(&form, "connection_id")
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or(AppError::BadRequest {
            field: Some("connection_id"),
            message: "choose the connection to import from".into(),
        })?;
    let connection = state
        .store
        .connection(auth.workspace_id(), connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let chosen: Vec<String> = form_values(&form, "remote_ids").map(str::to_owned).collect();
    let remote_ids = if form_values(&form, "scope").any(|v| v == "chosen") {
        if chosen.is_empty() {
            let back = format!("{PATH}/import?connection_id={}", connection.id);
            return Ok(redirect_with_flash(
                &state,
                &back,
                "error",
                "Select the assistants to import first.",
                None,
            ));
        }
        Some(chosen)
    } else {
        None
    };
    let spec = JobSpec::ImportAssistants {
        connection_id: connection.id,
        remote_ids,
        user_id: Some(auth.user_id()),
    };
    let job = crate::jobs::start(&state, auth.workspace_id(), &spec).await?;
    Ok(Redirect::to(&format!("{PATH}?job={job}")).into_response())
}

#[derive(Deserialize)]
pub struct ChooseQuery {
    connection_id: i64,
}

#[derive(Template)]
#[template(path = "assistants_import.html")]
pub struct ImportChoicePage {
    shell: Shell,
    connection: Connection,
    choices: Vec<ImportChoice>,
    error: Option<String>,
}

/// One assistant of the provider's list, and where it stands in VoxHive.
struct ImportChoice {
    remote_id: String,
    name: String,
    /// The local badge when it was imported before.
    known: Option<(&'static str, &'static str)>,
}

/// Lists the provider's assistants of a connection so a chosen set can be imported.
pub async fn choose_import(
    auth: Auth,
    State(state): State<AppState>,
    Query(q): Query<ChooseQuery>,
) -> AppResult<Page<ImportChoicePage>> {
    auth.require(Permission::Edit)?;
    let shell = auth.shell(&state, "Import assistants", PATH).await?;
    let connection = state
        .store
        .connection(auth.workspace_id(), q.connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(&state, &connection)?;
    let filter = AssistantFilter {
        connection_id: Some(connection.id),
        ..AssistantFilter::default()
    };
    let local = state.store.assistants(auth.workspace_id(), &filter).await?;
    let (choices, error) = match client.list(Resource::Assistants).await {
        Ok(listing) => {
            let mut choices: Vec<ImportChoice> = listing
                .items
                .into_iter()
                .map(|doc| ImportChoice {
                    known: local
                        .iter()
                        .find(|a| a.remote_id.as_deref() == Some(doc.id.as_str()))
                        .map(|a| badge(&a.sync_status)),
                    name: voxhive_sync::name_of(&doc.doc),
                    remote_id: doc.id,
                })
                .collect();
            choices.sort_by_key(|c| c.name.to_lowercase());
            (choices, None)
        }
        Err(err) => (
            Vec::new(),
            Some(format!("The provider's list could not be read: {err}")),
        ),
    };
    Ok(Page(ImportChoicePage {
        shell,
        connection,
        choices,
        error,
    }))
}

#[derive(Template)]
#[template(path = "assistant.html")]
pub struct AssistantPage {
    shell: Shell,
    assistant: Assistant,
    connection: String,
    badge: (&'static str, &'static str),
    document: String,
    editor_error: Option<String>,
    fields: Vec<FieldView>,
    fields_error: Option<String>,
    /// Whether the refusal is shown at a field of the form (else above it).
    fields_error_placed: bool,
    history: Vec<HistoryRow>,
}

/// A settings form the checks refused: the field at fault, why, and what was typed.
struct FieldsRefusal {
    field: String,
    message: String,
    submitted: Vec<(String, String)>,
}

/// A form field with its current text.
struct FieldView {
    key: &'static str,
    label: &'static str,
    help: &'static str,
    kind: &'static str,
    value: String,
    invalid: bool,
}

struct HistoryRow {
    id: i64,
    source: String,
    author: String,
    when: String,
    exact: String,
    is_local: bool,
    /// The revision last synced with the provider.
    is_base: bool,
}

pub async fn show_assistant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Page<AssistantPage>> {
    render_assistant(&auth, &state, id, None, None).await
}

/// The assistant page; `edited` keeps the JSON editor's text and error after a refused save,
/// `fields_error` the settings form's (field, message).
async fn render_assistant(
    auth: &Auth,
    state: &AppState,
    id: i64,
    edited: Option<(String, String)>,
    refusal: Option<FieldsRefusal>,
) -> AppResult<Page<AssistantPage>> {
    use super::assistant_form::{fields, show, Kind};
    let assistant = find(auth, state, id).await?;
    let shell = auth.shell(state, &assistant.name, PATH).await?;
    let connection = state
        .store
        .connection(auth.workspace_id(), assistant.connection_id)
        .await?
        .map(|c| c.label)
        .unwrap_or_default();
    let revisions = state.store.revisions(assistant.id).await?;
    let parsed = crate::assistants::local_document(state, &assistant).await?;
    let field_views: Vec<FieldView> = fields(&assistant.provider)
        .iter()
        .map(|spec| FieldView {
            key: spec.key,
            label: spec.label,
            help: spec.help,
            kind: match spec.kind {
                Kind::LongText | Kind::Lines => "textarea",
                Kind::Bool => "checkbox",
                _ => "text",
            },
            // A refused form shows what was typed (an unticked box is not sent at all).
            value: match refusal
                .as_ref()
                .map(|r| r.submitted.iter().find(|(k, _)| k == spec.key))
            {
                Some(Some((_, typed))) => typed.clone(),
                Some(None) if spec.kind == Kind::Bool => String::new(),
                _ => show(spec, &parsed),
            },
            invalid: refusal.as_ref().is_some_and(|r| r.field == spec.key),
        })
        .collect();
    let (document, editor_error) = match edited {
        Some((text, error)) => (text, Some(error)),
        None => (
            serde_json::to_string_pretty(&parsed).map_err(|e| AppError::Internal(e.to_string()))?,
            None,
        ),
    };
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let now = now_ms();
    let history = revisions
        .iter()
        .map(|r| HistoryRow {
            id: r.id,
            source: r.source.clone(),
            author: r.author_email.clone().unwrap_or_else(|| "the provider".into()),
            when: relative(r.created_at, now),
            exact: format_minute(r.created_at, &zone),
            is_local: r.id == assistant.local_revision_id,
            is_base: Some(r.id) == assistant.base_revision_id && assistant.remote_id.is_some(),
        })
        .collect();
    let badge = badge(&assistant.sync_status);
    let fields_error_placed = field_views.iter().any(|f| f.invalid);
    let fields_error = refusal.map(|r| r.message);
    Ok(Page(AssistantPage {
        shell,
        assistant,
        connection,
        badge,
        document,
        editor_error,
        fields: field_views,
        fields_error,
        fields_error_placed,
        history,
    }))
}

#[derive(Deserialize)]
pub struct DocumentForm {
    #[serde(default)]
    document: String,
}

/// Saves the JSON editor's document as a new local revision; nothing is sent to the provider.
pub async fn save_document(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DocumentForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let refuse = |message: String| async {
        let page = render_assistant(&auth, &state, id, Some((form.document.clone(), message)), None).await?;
        Ok::<Response, AppError>((axum::http::StatusCode::BAD_REQUEST, page).into_response())
    };
    let document: serde_json::Value = match serde_json::from_str(&form.document) {
        Ok(doc) => doc,
        Err(e) => return refuse(format!("Document: not valid JSON ({e}).")).await,
    };
    match crate::assistants::save_document(&state, &assistant, &document, auth.user_id()).await {
        Ok(true) => Ok(redirect_with_flash(
            &state,
            &format!("/assistants/{id}"),
            "success",
            "Saved as a new revision. Review and push it when ready.",
            None,
        )),
        Ok(false) => Ok(redirect_with_flash(
            &state,
            &format!("/assistants/{id}"),
            "success",
            "Nothing changed.",
            None,
        )),
        Err(AppError::BadRequest { message, .. }) => refuse(format!("Document: {message}.")).await,
        Err(err) => Err(err),
    }
}

/// Pushes the local document and says what happened.
pub async fn push_assistant(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let back = format!("/assistants/{id}");
    let provider = assistant
        .provider
        .parse::<ProviderKind>()
        .map_or("the provider", |k| k.label());
    let (kind, message) = match crate::assistants::push(&state, &assistant, auth.user_id()).await {
        Ok(PushOutcome::Created) => ("success", format!("Created at {provider}.")),
        Ok(PushOutcome::Pushed) => ("success", format!("Pushed to {provider}.")),
        Ok(PushOutcome::Unchanged) => ("success", format!("Nothing to push: {provider} already has this document.")),
        Ok(PushOutcome::Conflict) => (
            "error",
            format!("Not pushed: the assistant changed at {provider} since VoxHive last read it. Both versions are kept; resolve the conflict first."),
        ),
        Err(AppError::Unprocessable { message, .. } | AppError::Conflict(message)) => {
            ("error", format!("Not pushed: {message} Your local revision is kept."))
        }
        Err(err) => return Err(err),
    };
    Ok(redirect_with_flash(&state, &back, kind, message, None))
}

/// Reads the provider's current document and says what happened.
pub async fn pull_assistant(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let back = format!("/assistants/{id}");
    let (kind, message) = match crate::assistants::pull(&state, &assistant, auth.user_id()).await {
        Ok(PullOutcome::Unchanged) => ("success", "Up to date with the provider.".to_string()),
        Ok(PullOutcome::Pulled) => ("success", "Pulled the provider's changes.".to_string()),
        Ok(PullOutcome::Conflict) => (
            "error",
            "The provider's version differs from your local edit: both are kept as a conflict.".to_string(),
        ),
        Ok(PullOutcome::RemoteDeleted) => ("error", "The provider no longer has this assistant.".to_string()),
        Err(AppError::Unprocessable { message, .. }) => ("error", format!("Pull failed: {message}")),
        Err(err) => return Err(err),
    };
    Ok(redirect_with_flash(&state, &back, kind, message, None))
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    shell: Shell,
    assistant: Assistant,
    badge: (&'static str, &'static str),
    provider: &'static str,
    changes: Vec<ChangeView>,
}

/// One changed field of the review.
struct ChangeView {
    path: String,
    kind: &'static str,
    old: Option<String>,
    new: Option<String>,
    /// Long text shown as a line diff instead of two values.
    lines: Vec<LineView>,
}

/// One line of a text diff: its class, its sign and its spans (text, changed).
struct LineView {
    class: &'static str,
    sign: &'static str,
    spans: Vec<(String, bool)>,
}

fn line_views(old: &str, new: &str) -> Vec<LineView> {
    use voxhive_core::doc::{text_diff, LineKind};
    text_diff(old, new)
        .into_iter()
        .map(|line| {
            let (class, sign) = match line.kind {
                LineKind::Unchanged => ("line-same", " "),
                LineKind::Removed => ("line-removed", "−"),
                LineKind::Added => ("line-added", "+"),
            };
            LineView {
                class,
                sign,
                spans: line.spans.into_iter().map(|s| (s.text, s.changed)).collect(),
            }
        })
        .collect()
}

/// The changes from one document to another (read-only fields already removed), for display.
fn changes_between(from: &serde_json::Value, to: &serde_json::Value) -> Vec<ChangeView> {
    use voxhive_core::doc::{diff, ChangeKind};
    diff(from, to)
        .into_iter()
        .map(|c| {
            let path = c.path.to_string();
            match c.kind {
                ChangeKind::Added(new) => ChangeView {
                    path,
                    kind: "added",
                    old: None,
                    new: Some(pretty(&new)),
                    lines: Vec::new(),
                },
                ChangeKind::Removed(old) => ChangeView {
                    path,
                    kind: "removed",
                    old: Some(pretty(&old)),
                    new: None,
                    lines: Vec::new(),
                },
                ChangeKind::Changed { old, new } if is_long_text(&old) || is_long_text(&new) => ChangeView {
                    path,
                    kind: "changed",
                    old: None,
                    new: None,
                    lines: line_views(old.as_str().unwrap_or_default(), new.as_str().unwrap_or_default()),
                },
                ChangeKind::Changed { old, new } => ChangeView {
                    path,
                    kind: "changed",
                    old: Some(pretty(&old)),
                    new: Some(pretty(&new)),
                    lines: Vec::new(),
                },
            }
        })
        .collect()
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn is_long_text(v: &serde_json::Value) -> bool {
    v.as_str().is_some_and(|s| s.len() > 80 || s.contains('\n'))
}

/// The review: what pushing would change at the provider, field by field.
pub async fn review_assistant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Page<ReviewPage>> {
    use voxhive_core::doc::strip_read_only;
    let assistant = find(&auth, &state, id).await?;
    let shell = auth.shell(&state, &format!("Review {}", assistant.name), PATH).await?;
    let local = strip_read_only(
        &assistant.provider,
        &crate::assistants::local_document(&state, &assistant).await?,
    );
    let remote = match crate::assistants::remote_document(&state, &assistant).await? {
        Some(doc) => strip_read_only(&assistant.provider, &doc),
        None => serde_json::json!({}),
    };
    let changes = changes_between(&remote, &local);
    let badge = badge(&assistant.sync_status);
    let provider = assistant
        .provider
        .parse::<ProviderKind>()
        .map_or("the provider", |k| k.label());
    Ok(Page(ReviewPage {
        shell,
        assistant,
        badge,
        provider,
        changes,
    }))
}

#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    shell: Shell,
    assistant: Assistant,
    from: i64,
    to: i64,
    changes: Vec<ChangeView>,
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: i64,
    to: Option<i64>,
}

/// The changes between two revisions (to the current local one when `to` is absent).
pub async fn compare_revisions(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Page<ComparePage>> {
    use voxhive_core::doc::strip_read_only;
    let assistant = find(&auth, &state, id).await?;
    let to = q.to.unwrap_or(assistant.local_revision_id);
    let from_doc = strip_read_only(
        &assistant.provider,
        &crate::assistants::revision_document(&state, &assistant, q.from).await?,
    );
    let to_doc = strip_read_only(
        &assistant.provider,
        &crate::assistants::revision_document(&state, &assistant, to).await?,
    );
    let shell = auth.shell(&state, &format!("Compare {}", assistant.name), PATH).await?;
    Ok(Page(ComparePage {
        shell,
        changes: changes_between(&from_doc, &to_doc),
        assistant,
        from: q.from,
        to,
    }))
}

#[derive(Deserialize)]
pub struct RollbackForm {
    revision_id: i64,
}

/// Makes an earlier revision the local document again.
pub async fn rollback_assistant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<RollbackForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let changed = crate::assistants::rollback(&state, &assistant, form.revision_id, auth.user_id()).await?;
    let message = if changed {
        format!(
            "Rolled back to revision #{}: a new local revision. Review and push it when ready.",
            form.revision_id
        )
    } else {
        format!("Revision #{} is already the local document.", form.revision_id)
    };
    Ok(redirect_with_flash(
        &state,
        &format!("/assistants/{id}"),
        "success",
        message,
        None,
    ))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    remote: String,
}

/// Deletes an assistant from VoxHive, or at the provider too.
pub async fn delete_assistant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let remote = form.remote == "true";
    match crate::assistants::delete(&state, &assistant, remote, auth.user_id()).await {
        Ok(()) => {
            let where_ = if remote {
                " here and at the provider"
            } else {
                " from VoxHive (the provider keeps it)"
            };
            Ok(redirect_with_flash(
                &state,
                PATH,
                "success",
                format!("Deleted \"{}\"{where_}.", assistant.name),
                None,
            ))
        }
        Err(AppError::Unprocessable { message, .. }) => Ok(redirect_with_flash(
            &state,
            &format!("/assistants/{id}"),
            "error",
            format!("Not deleted: {message}"),
            None,
        )),
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "merge.html")]
pub struct MergePage {
    shell: Shell,
    assistant: Assistant,
    provider: &'static str,
    conflicts: Vec<ConflictView>,
    merged_fields: usize,
    error: Option<String>,
}

/// One conflicting field with the three values.
struct ConflictView {
    path: String,
    base: String,
    ours: String,
    theirs: String,
}

fn shown(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(pretty).unwrap_or_else(|| "(removed)".into())
}

async fn render_merge(auth: &Auth, state: &AppState, id: i64, error: Option<String>) -> AppResult<Page<MergePage>> {
    let assistant = find(auth, state, id).await?;
    let outcome = voxhive_sync::merge_preview(&state.store, &assistant)
        .await
        .map_err(AppError::from)?;
    let shell = auth.shell(state, &format!("Resolve {}", assistant.name), PATH).await?;
    let provider = assistant
        .provider
        .parse::<ProviderKind>()
        .map_or("the provider", |k| k.label());
    let conflicts = outcome
        .conflicts
        .iter()
        .map(|c| ConflictView {
            path: c.path.to_string(),
            base: shown(&c.base),
            ours: shown(&c.ours),
            theirs: shown(&c.theirs),
        })
        .collect();
    let local = crate::assistants::local_document(state, &assistant).await?;
    let merged_fields = voxhive_core::doc::diff(
        &voxhive_core::doc::strip_read_only(&assistant.provider, &local),
        &outcome.merged,
    )
    .len();
    Ok(Page(MergePage {
        shell,
        assistant,
        provider,
        conflicts,
        merged_fields,
        error,
    }))
}

pub async fn show_merge(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Page<MergePage>> {
    render_merge(&auth, &state, id, None).await
}

/// Applies the field-by-field choices: `choice-N` is mine, theirs or edit; `path-N` names the
/// field; `edit-N` holds an edited JSON value.
pub async fn resolve_merge(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use voxhive_core::doc::Resolution;
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let get = |key: String| form.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let mut choices = Vec::new();
    let mut problem = None;
    for n in 0.. {
        let Some(path) = get(format!("path-{n}")) else { break };
        let resolution = match get(format!("choice-{n}")).as_deref() {
            Some("mine") => Resolution::KeepMine,
            Some("theirs") => Resolution::TakeTheirs,
            Some("edit") => match serde_json::from_str(&get(format!("edit-{n}")).unwrap_or_default()) {
                Ok(value) => Resolution::Edit(value),
                Err(e) => {
                    problem = Some(format!("{path}: the edited value is not valid JSON ({e})."));
                    break;
                }
            },
            _ => {
                problem = Some(format!("{path}: choose mine, theirs, or an edited value."));
                break;
            }
        };
        choices.push((path, resolution));
    }
    if let Some(problem) = problem {
        let page = render_merge(&auth, &state, id, Some(problem)).await?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
    }
    match crate::assistants::resolve(&state, &assistant, &choices, auth.user_id()).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/assistants/{id}/review"),
            "success",
            "Merged. Review the result and push it.",
            None,
        )),
        Err(AppError::BadRequest { message, .. }) => {
            let page = render_merge(&auth, &state, id, Some(format!("{message}."))).await?;
            Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "new_assistant.html")]
pub struct NewAssistantPage {
    shell: Shell,
    connections: Vec<Connection>,
    templates: &'static [voxhive_sync::Template],
    form: NewForm,
    error: Option<String>,
    error_field: Option<&'static str>,
}

/// The create form: Quick Start (template and name) or Advanced (a whole document).
#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    document: String,
}

async fn render_new(
    auth: &Auth,
    state: &AppState,
    form: NewForm,
    err: Option<&AppError>,
) -> AppResult<Page<NewAssistantPage>> {
    let shell = auth.shell(state, "New assistant", PATH).await?;
    let connections = state.store.connections(auth.workspace_id()).await?;
    let (error, error_field) = match err {
        Some(e) => (Some(e.to_string()), e.field_name()),
        None => (None, None),
    };
    Ok(Page(NewAssistantPage {
        shell,
        connections,
        templates: &voxhive_sync::TEMPLATES,
        form,
        error,
        error_field,
    }))
}

pub async fn show_new_assistant(auth: Auth, State(state): State<AppState>) -> AppResult<Page<NewAssistantPage>> {
    auth.require(Permission::Edit)?;
    let form = NewForm {
        mode: "template".into(),
        template: "receptionist".into(),
        ..NewForm::default()
    };
    render_new(&auth, &state, form, None).await
}

pub async fn create_assistant(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    use crate::assistants::NewAssistant;
    auth.require(Permission::Edit)?;
    let connection_id: i64 = match form.connection_id.parse() {
        Ok(id) => id,
        Err(_) => {
            let err = AppError::field("connection_id", "choose a connection");
            let page = render_new(&auth, &state, form, Some(&err)).await?;
            return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let parsed: Result<serde_json::Value, AppError> = if form.mode == "document" {
        serde_json::from_str(&form.document).map_err(|e| AppError::field("document", format!("not valid JSON ({e})")))
    } else {
        Ok(serde_json::Value::Null)
    };
    let result = match &parsed {
        Err(e) => Err(AppError::field("document", e.to_string())),
        Ok(doc) if form.mode == "document" => {
            crate::assistants::create(
                &state,
                auth.workspace_id(),
                connection_id,
                NewAssistant::Document(doc),
                auth.user_id(),
            )
            .await
        }
        Ok(_) => {
            let what = NewAssistant::Template {
                key: &form.template,
                name: &form.name,
            };
            crate::assistants::create(&state, auth.workspace_id(), connection_id, what, auth.user_id()).await
        }
    };
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state,
            &format!("/assistants/{id}/review"),
            "success",
            "Created in VoxHive. Review it, then create it at the provider.",
            None,
        )),
        Err(err @ AppError::BadRequest { .. }) => {
            let page = render_new(&auth, &state, form, Some(&err)).await?;
            Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(err) => Err(err),
    }
}

/// Saves the settings form (the common fields) as a new local revision.
pub async fn save_fields(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let assistant = find(&auth, &state, id).await?;
    let current = crate::assistants::local_document(&state, &assistant).await?;
    let outcome = match super::assistant_form::apply(&assistant.provider, &current, &form) {
        Ok(document) => match crate::assistants::save_checked(&state, &assistant, &document, auth.user_id()).await {
            Ok(saved) => Ok(saved),
            Err(AppError::Invalid(problems)) => Err(super::assistant_form::refusal(&assistant.provider, &problems)),
            Err(AppError::BadRequest { message, .. }) => Err(("", message)),
            Err(other) => return Err(other),
        },
        Err(refusal) => Err(refusal),
    };
    let saved = match outcome {
        Ok(saved) => saved,
        Err((field, message)) => {
            let refusal = FieldsRefusal {
                field: field.to_string(),
                message,
                submitted: form,
            };
            let page = render_assistant(&auth, &state, id, None, Some(refusal)).await?;
            return Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let back = format!("/assistants/{id}");
    if saved {
        Ok(redirect_with_flash(
            &state,
            &back,
            "success",
            "Saved as a new revision. Review and push it when ready.",
            None,
        ))
    } else {
        Ok(redirect_with_flash(&state, &back, "success", "Nothing changed.", None))
    }
}

/// Queues a push of every selected assistant and shows its progress on the list.
pub async fn push_selected(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let mut ids = Vec::new();
    for id in form_values(&form, "ids").filter_map(|v| v.parse().ok()) {
        ids.push(find(&auth, &state, id).await?.id);
    }
    if ids.is_empty() {
        return Ok(redirect_with_flash(
            &state,
            PATH,
            "error",
            "Select the assistants to push first.",
            None,
        ));
    }
    let spec = JobSpec::PushAssistants {
        assistant_ids: ids,
        user_id: Some(auth.user_id()),
    };
    let job = crate::jobs::start(&state, auth.workspace_id(), &spec).await?;
    Ok(Redirect::to(&format!("{PATH}?job={job}")).into_response())
}
