//! Build, Knowledge Base: every file (Vapi) and document (ElevenLabs) of the workspace's
//! connections with its size, parsing status (followed until the provider reports it done) and
//! the assistants using it; uploads by drag and drop, several at once, each checked against the
//! provider's types and size limit before it is sent; ElevenLabs documents from a web page or
//! text; download; attach and detach (assistant edits, reviewed and pushed); delete.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use voxhive_core::time::format_minute;
use voxhive_core::Permission;
use voxhive_providers::{FileUpload, ProviderKind};
use voxhive_store::{AssistantFilter, KnowledgeFile};
use voxhive_sync::DocumentSource;

use super::{redirect_with_flash, refreshed, refused, scoped_connections};
use crate::auth::Auth;
use crate::connections::{self, client_for};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::format::file_size;
use crate::knowledge::{self, FileUse};
use crate::views::{capitalized, zone_of, Page, Shell};
use crate::AppState;

const PATH: &str = "/knowledge-base";

fn provider_label(provider: &str) -> &'static str {
    provider.parse::<ProviderKind>().map_or("Unknown", |k| k.label())
}

/// What users call a parsing status.
fn status_label(status: &str) -> String {
    match status {
        "processing" => "Processing".into(),
        "done" => "Ready".into(),
        "failed" => "Failed".into(),
        other => capitalized(other),
    }
}

/// One file as the pages show it.
struct FileRow {
    file: KnowledgeFile,
    provider: &'static str,
    size: String,
    status: String,
    used_by: Vec<(i64, String)>,
    detachable: Vec<i64>,
}

impl FileRow {
    fn processing(&self) -> bool {
        self.file.status == "processing"
    }

    /// The assistants using the file, each marked when it uses it directly (so detaching is
    /// its edit) rather than through a query tool it attaches.
    fn users(&self) -> Vec<FileUser<'_>> {
        self.used_by
            .iter()
            .map(|(id, name)| FileUser {
                id: *id,
                name,
                direct: self.detachable.contains(id),
            })
            .collect()
    }

    /// Where the file comes from, in words.
    fn origin(&self) -> String {
        match self.file.source.as_str() {
            "url" => "From a web page".into(),
            "text" => "Written text".into(),
            _ => self.file.mimetype.clone().unwrap_or_else(|| "File".into()),
        }
    }
}

/// An assistant using a file.
struct FileUser<'a> {
    id: i64,
    name: &'a str,
    direct: bool,
}

fn row(
    FileUse {
        file,
        used_by,
        detachable,
    }: FileUse,
) -> FileRow {
    FileRow {
        provider: provider_label(&file.provider),
        size: file.bytes.map(file_size).unwrap_or_else(|| "—".into()),
        status: status_label(&file.status),
        used_by,
        detachable,
        file,
    }
}

/// A Vapi connection's knowledge bases, with the files that can be added to them.
struct BaseGroup {
    connection: voxhive_store::Connection,
    bases: Result<Vec<knowledge::KnowledgeBase>, String>,
    /// The connection's files: (provider's id, name).
    files: Vec<(String, String)>,
}

impl BaseGroup {
    /// The connection's files not yet in `base`.
    fn addable(&self, base: &knowledge::KnowledgeBase) -> Vec<&(String, String)> {
        self.files
            .iter()
            .filter(|(id, _)| !base.files.iter().any(|f| &f.file_id == id))
            .collect()
    }
}

/// What users call a knowledge base file's indexing status.
fn indexing_label(status: &str) -> String {
    match status {
        "indexing" => "Indexing".into(),
        "ready" => "Ready".into(),
        other => capitalized(other),
    }
}

/// A connection files can be uploaded to, with its provider's limits.
struct UploadTarget {
    id: i64,
    label: String,
    provider: &'static str,
    /// Lower-case extensions, comma-separated; empty when the provider names none.
    types: String,
    max_bytes: u64,
    limits: String,
    takes_documents: bool,
}

fn upload_target(connection: &voxhive_store::Connection) -> Option<UploadTarget> {
    let kind: ProviderKind = connection.provider.parse().ok()?;
    let types = voxhive_sync::accepted_types(kind)
        .map(|t| t.join(","))
        .unwrap_or_default();
    let shown_types = voxhive_sync::accepted_types(kind)
        .map(|t| format!(".{}", t.join(", .")))
        .unwrap_or_else(|| "any type".into());
    Some(UploadTarget {
        id: connection.id,
        label: connection.label.clone(),
        provider: kind.label(),
        types,
        max_bytes: voxhive_sync::size_limit(kind).bytes,
        limits: format!(
            "{} takes {shown_types}, {}.",
            kind.label(),
            voxhive_sync::size_limit_text(kind)
        ),
        takes_documents: kind == ProviderKind::ElevenLabs,
    })
}

#[derive(Template)]
#[template(path = "knowledge.html")]
pub struct KnowledgePage {
    shell: Shell,
    /// Each Vapi connection's knowledge bases, or why they could not be read.
    bases: Vec<BaseGroup>,
    rows: Vec<FileRow>,
    targets: Vec<UploadTarget>,
    has_connections: bool,
    /// A refused web page or text document, as typed.
    typed: DocumentForm,
}

impl KnowledgePage {
    fn document_targets(&self) -> Vec<&UploadTarget> {
        self.targets.iter().filter(|t| t.takes_documents).collect()
    }

    /// Whether connection `id` was chosen in the refused document form of `kind`.
    fn is_typed_connection(&self, kind: &str, id: &i64) -> bool {
        self.typed.kind == kind && self.typed.connection_id.parse::<i64>().ok() == Some(*id)
    }

    /// The name typed in the refused document form of `kind`.
    fn typed_name(&self, kind: &str) -> &str {
        if self.typed.kind == kind {
            &self.typed.name
        } else {
            ""
        }
    }
}

pub async fn show_knowledge(auth: Auth, State(state): State<AppState>) -> AppResult<Page<KnowledgePage>> {
    knowledge_page(&auth, &state, DocumentForm::default()).await.map(Page)
}

async fn knowledge_page(auth: &Auth, state: &AppState, typed: DocumentForm) -> AppResult<KnowledgePage> {
    let shell = auth.shell(state, "Knowledge Base", PATH).await?;
    let connections = scoped_connections(auth, state, shell.active_connection).await?;
    let files = knowledge::list_with_uses(state, auth.workspace_id(), shell.active_connection).await?;
    let bases = knowledge::knowledge_bases(state, auth.workspace_id(), &connections)
        .await?
        .into_iter()
        .map(|(connection, bases)| BaseGroup {
            files: files
                .iter()
                .filter(|f| f.file.connection_id == connection.id && f.file.source == "file")
                .map(|f| (f.file.remote_id.clone(), f.file.name.clone()))
                .collect(),
            connection,
            bases,
        })
        .collect();
    Ok(KnowledgePage {
        bases,
        rows: files.into_iter().map(row).collect(),
        targets: connections.iter().filter_map(upload_target).collect(),
        has_connections: !connections.is_empty(),
        typed,
        shell,
    })
}

pub async fn refresh(auth: Auth, State(state): State<AppState>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let active = auth.shell(&state, "", PATH).await?.active_connection;
    let connections = scoped_connections(&auth, &state, active).await?;
    let outcomes = knowledge::refresh(&state, auth.workspace_id(), auth.user_id(), &connections).await?;
    Ok(refreshed(&state, PATH, "file", &outcomes))
}

/// What the page's uploader learns of one upload.
#[derive(Serialize)]
pub struct UploadAnswer {
    ok: bool,
    message: String,
    id: Option<i64>,
    status: Option<String>,
}

fn answer(status: StatusCode, ok: bool, message: String, file: Option<&KnowledgeFile>) -> Response {
    let body = UploadAnswer {
        ok,
        message,
        id: file.map(|f| f.id),
        status: file.map(|f| status_label(&f.status)),
    };
    (status, Json(body)).into_response()
}

/// One file from the page's uploader (multipart `connection_id` and `file`, the CSRF token in
/// its header); answers JSON the page shows next to the file.
pub async fn upload(auth: Auth, State(state): State<AppState>, mut form: Multipart) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let mut connection_id = None;
    let mut upload = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Ok(answer(
                    StatusCode::BAD_REQUEST,
                    false,
                    capitalized(&e.body_text()),
                    None,
                ))
            }
        };
        match field.name().unwrap_or_default() {
            "connection_id" => connection_id = field.text().await.ok().and_then(|t| t.trim().parse::<i64>().ok()),
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                match field.bytes().await {
                    Ok(bytes) => {
                        upload = Some(FileUpload {
                            file_name,
                            content_type,
                            bytes: bytes.to_vec(),
                        })
                    }
                    Err(e) => {
                        return Ok(answer(
                            StatusCode::BAD_REQUEST,
                            false,
                            capitalized(&e.body_text()),
                            None,
                        ))
                    }
                }
            }
            _ => {}
        }
    }
    let (Some(connection_id), Some(upload)) = (connection_id, upload) else {
        return Ok(answer(
            StatusCode::BAD_REQUEST,
            false,
            "Choose a connection and a file.".into(),
            None,
        ));
    };
    match knowledge::upload(&state, auth.workspace_id(), auth.user_id(), connection_id, upload).await {
        Ok(file) => Ok(answer(
            StatusCode::CREATED,
            true,
            format!("Uploaded to {}.", provider_label(&file.provider)),
            Some(&file),
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => {
            crate::error::log_if_internal(&err);
            Ok(answer(err.status(), false, capitalized(&err.to_string()), None))
        }
    }
}

/// A document from a web page or from text (ElevenLabs).
#[derive(Deserialize, Default, Clone)]
pub struct DocumentForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    name: String,
}

pub async fn add_document(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<DocumentForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let added = async {
        let connection_id: i64 = form
            .connection_id
            .parse()
            .map_err(|_| AppError::field("connection_id", "choose the connection to add the document to"))?;
        let name = Some(form.name.clone());
        let source = if form.kind == "text" {
            DocumentSource::Text {
                text: form.text.clone(),
                name,
            }
        } else {
            DocumentSource::Url {
                url: form.url.clone(),
                name,
            }
        };
        knowledge::add_document(&state, auth.workspace_id(), auth.user_id(), connection_id, source).await
    }
    .await;
    match added {
        Ok(file) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("Added {} to {}.", file.name, provider_label(&file.provider)),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) if super::is_refusal(&err) => {
            // Shown again with what was typed, so a pasted text is not lost.
            let mut page = knowledge_page(&auth, &state, form.clone()).await?;
            page.shell.flash = super::error_flash(&err);
            Ok((StatusCode::BAD_REQUEST, Page(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

/// A new Vapi knowledge base.
#[derive(Deserialize)]
pub struct BaseForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn create_base(auth: Auth, State(state): State<AppState>, Form(form): Form<BaseForm>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let made = async {
        let connection_id: i64 = form
            .connection_id
            .parse()
            .map_err(|_| AppError::field("connection_id", "choose the Vapi connection"))?;
        knowledge::create_knowledge_base(
            &state,
            auth.workspace_id(),
            auth.user_id(),
            connection_id,
            &form.name,
            &form.description,
        )
        .await
    }
    .await;
    match made {
        Ok(name) => Ok(redirect_with_flash(
            &state,
            &format!("{PATH}#bases-title"),
            "success",
            format!("Made the knowledge base {name} at Vapi, with its search tool: attach the tool to assistants from Tools."),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, PATH, err),
    }
}

/// A file added to a knowledge base, or taken out.
#[derive(Deserialize)]
pub struct BaseFileForm {
    #[serde(default)]
    connection_id: String,
    #[serde(default)]
    base_id: String,
    #[serde(default)]
    file_id: String,
    #[serde(default)]
    action: String,
}

pub async fn change_base_file(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<BaseFileForm>,
) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    let add = form.action != "remove";
    let done = async {
        let connection_id: i64 = form
            .connection_id
            .parse()
            .map_err(|_| AppError::field("connection_id", "choose the Vapi connection"))?;
        knowledge::knowledge_base_file(
            &state,
            auth.workspace_id(),
            auth.user_id(),
            connection_id,
            &form.base_id,
            &form.file_id,
            add,
        )
        .await
    }
    .await;
    match done {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("{PATH}#bases-title"),
            "success",
            if add {
                "Added the file: Vapi indexes it before the assistants can search it."
            } else {
                "Took the file out of the knowledge base."
            },
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, PATH, err),
    }
}

/// A file's status for the page's poller; a file still being parsed is read again from its
/// provider.
#[derive(Serialize)]
pub struct StatusAnswer {
    status: String,
    label: String,
}

pub async fn file_status(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<StatusAnswer>> {
    let file = knowledge::follow_status(&state, auth.workspace_id(), id).await?;
    Ok(Json(StatusAnswer {
        label: status_label(&file.status),
        status: file.status,
    }))
}

#[derive(Template)]
#[template(path = "knowledge_file.html")]
pub struct KnowledgeFilePage {
    shell: Shell,
    row: FileRow,
    /// Assistants of the connection that do not use it: (id, name).
    attachable: Vec<(i64, String)>,
    refreshed: String,
    /// How the provider's assistants reach the file, in words.
    attach_help: &'static str,
}

pub async fn show_file(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Page<KnowledgeFilePage>> {
    let found = knowledge::find_with_uses(&state, auth.workspace_id(), id).await?;
    let shell = auth.shell(&state, &found.file.name, PATH).await?;
    let filter = AssistantFilter {
        connection_id: Some(found.file.connection_id),
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
    let refreshed = format_minute(found.file.refreshed_at, &zone_of(&auth.workspace.workspace));
    let attach_help = if found.file.provider == "vapi" {
        "Vapi assistants search files through a query tool: attaching adds the file to the assistant's query tool (one is added if it has none). It is an edit of the assistant: review and push it from its page."
    } else {
        "Attaching adds the document to the agent's knowledge base. It is an edit of the agent: review and push it from its page."
    };
    Ok(Page(KnowledgeFilePage {
        row: row(found),
        attachable,
        refreshed,
        attach_help,
        shell,
    }))
}

/// The file's content: Vapi's public storage URL, or ElevenLabs' document content read with the
/// connection's key.
pub async fn download(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let file = knowledge::find(&state, auth.workspace_id(), id).await?;
    let doc: Value = serde_json::from_str(&file.document).unwrap_or(Value::Null);
    if let Some(url) = doc["url"]
        .as_str()
        .filter(|u| file.provider == "vapi" && (u.starts_with("https://") || u.starts_with("http://")))
    {
        return Ok(Redirect::temporary(url).into_response());
    }
    let connection = connections::find(&state, auth.workspace_id(), file.connection_id).await?;
    let client = client_for(&state, &connection)?;
    let content = client
        .file_content(&file.remote_id)
        .await
        .map_err(voxhive_sync::SyncError::from)?;
    let mut res = (StatusCode::OK, content.bytes).into_response();
    let kind = content
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    if let Ok(value) = HeaderValue::from_str(&kind) {
        res.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    let safe: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    // The provider's content is served from VoxHive's origin: it may never run as a page.
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(res)
}

/// The assistant to attach the file to, or detach it from.
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
        let file = knowledge::find(&state, auth.workspace_id(), id).await?;
        let (assistant, _) =
            knowledge::attach(&state, auth.workspace_id(), auth.user_id(), id, assistant_id, attach).await?;
        Ok::<_, AppError>((file, assistant))
    }
    .await;
    match done {
        Ok((file, assistant)) => {
            let (verb, link) = if attach {
                ("Attached", "to")
            } else {
                ("Detached", "from")
            };
            Ok(redirect_with_flash(
                &state,
                &format!("/assistants/{}", assistant.id),
                "success",
                format!(
                    "{verb} {} {link} {} as a local change: review and push it to {}.",
                    file.name,
                    assistant.name,
                    provider_label(&file.provider)
                ),
                None,
            ))
        }
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &to, err),
    }
}

pub async fn attach_file(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssistantForm>,
) -> AppResult<Response> {
    attach_or_detach(auth, state, id, form, true).await
}

pub async fn detach_file(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssistantForm>,
) -> AppResult<Response> {
    attach_or_detach(auth, state, id, form, false).await
}

pub async fn delete_file(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(Permission::Edit)?;
    match knowledge::delete(&state, auth.workspace_id(), auth.user_id(), id).await {
        Ok(file) => Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("Deleted {} at {}.", file.name, provider_label(&file.provider)),
            None,
        )),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(err) => refused(&state, &format!("{PATH}/{id}"), err),
    }
}
