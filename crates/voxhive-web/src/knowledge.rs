//! Knowledge-base file changes shared by the Knowledge Base page and the JSON API: uploaded
//! (checked first) and deleted at the provider, then stored and audited.

use std::collections::HashMap;

use futures::future::BoxFuture;
use serde_json::{json, Value};
use voxhive_providers::{FileUpload, ProviderClient};
use voxhive_store::{Assistant, AssistantFilter, Connection, KnowledgeFile, Store};
use voxhive_sync::{attached_file_ids, attached_tool_ids, tool_file_ids, with_file, DocumentSource, SyncError};

use crate::connections::{self, client_for, provider_kind};
use crate::error::{AppError, AppResult};
use crate::provider_resources::{refresh_each, RefreshOutcome};
use crate::AppState;

/// A file with the assistants that use it.
pub struct FileUse {
    pub file: KnowledgeFile,
    /// (id, name), by name: directly (a Vapi query tool in the assistant, an ElevenLabs
    /// knowledge-base locator) or through a Vapi query tool it attaches.
    pub used_by: Vec<(i64, String)>,
    /// Those of `used_by` that use it directly, so detaching is an edit of theirs.
    pub detachable: Vec<i64>,
}

/// Which assistants use which file, per connection: `(connection, file id) → (assistant, direct)`.
async fn uses(
    state: &AppState,
    workspace_id: i64,
    connection_id: Option<i64>,
) -> AppResult<HashMap<(i64, String), Vec<(Assistant, bool)>>> {
    let mut tool_files: HashMap<(i64, String), Vec<String>> = HashMap::new();
    for tool in state.store.tools(workspace_id, connection_id).await? {
        let doc: Value = serde_json::from_str(&tool.document).unwrap_or(Value::Null);
        let files = tool_file_ids(&doc);
        if !files.is_empty() {
            tool_files.insert((tool.connection_id, tool.remote_id), files);
        }
    }
    let filter = AssistantFilter {
        connection_id,
        ..AssistantFilter::default()
    };
    let mut uses: HashMap<(i64, String), Vec<(Assistant, bool)>> = HashMap::new();
    for assistant in state.store.assistants(workspace_id, &filter).await? {
        let kind = provider_kind(&assistant.provider)?;
        let doc = voxhive_sync::local_document(&state.store, &assistant).await?;
        let direct = attached_file_ids(kind, &doc);
        let mut through_tools: Vec<String> = attached_tool_ids(kind, &doc)
            .into_iter()
            .filter_map(|tool| tool_files.get(&(assistant.connection_id, tool)))
            .flatten()
            .filter(|id| !direct.contains(id))
            .cloned()
            .collect();
        through_tools.sort();
        through_tools.dedup();
        let entries = direct
            .into_iter()
            .map(|id| (id, true))
            .chain(through_tools.into_iter().map(|id| (id, false)));
        for (id, is_direct) in entries {
            uses.entry((assistant.connection_id, id))
                .or_default()
                .push((assistant.clone(), is_direct));
        }
    }
    Ok(uses)
}

fn file_use(file: KnowledgeFile, users: Option<Vec<(Assistant, bool)>>) -> FileUse {
    let mut users = users.unwrap_or_default();
    users.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    users.dedup_by_key(|(a, _)| a.id);
    FileUse {
        used_by: users.iter().map(|(a, _)| (a.id, a.name.clone())).collect(),
        detachable: users.iter().filter(|(_, direct)| *direct).map(|(a, _)| a.id).collect(),
        file,
    }
}

/// The workspace's files (of one connection, if given).
pub async fn list(state: &AppState, workspace_id: i64, connection_id: Option<i64>) -> AppResult<Vec<KnowledgeFile>> {
    Ok(state.store.knowledge_files(workspace_id, connection_id).await?)
}

/// The workspace's files (of one connection, if given) with the assistants using each.
pub async fn list_with_uses(
    state: &AppState,
    workspace_id: i64,
    connection_id: Option<i64>,
) -> AppResult<Vec<FileUse>> {
    let files = list(state, workspace_id, connection_id).await?;
    let mut uses = uses(state, workspace_id, connection_id).await?;
    Ok(files
        .into_iter()
        .map(|file| {
            let users = uses.remove(&(file.connection_id, file.remote_id.clone()));
            file_use(file, users)
        })
        .collect())
}

/// One file with the assistants using it, or 404.
pub async fn find_with_uses(state: &AppState, workspace_id: i64, id: i64) -> AppResult<FileUse> {
    let file = find(state, workspace_id, id).await?;
    let mut uses = uses(state, workspace_id, Some(file.connection_id)).await?;
    let users = uses.remove(&(file.connection_id, file.remote_id.clone()));
    Ok(file_use(file, users))
}

/// Re-reads a file still being parsed from its provider, so its status follows the provider's;
/// a file already done (or failed) is answered as stored.
pub async fn follow_status(state: &AppState, workspace_id: i64, id: i64) -> AppResult<KnowledgeFile> {
    let file = find(state, workspace_id, id).await?;
    if file.status != "processing" {
        return Ok(file);
    }
    let connection = connections::find(state, workspace_id, file.connection_id).await?;
    let client = client_for(state, &connection)?;
    voxhive_sync::reread_knowledge_file(&state.store, client.as_ref(), &file).await?;
    find(state, workspace_id, id).await
}

/// Adds an ElevenLabs document from a web page or text; nothing is stored when the check or the
/// provider refuses it.
pub async fn add_document(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    source: DocumentSource,
) -> AppResult<KnowledgeFile> {
    let connection = connections::find(state, workspace_id, connection_id).await?;
    let client = client_for(state, &connection)?;
    let id = voxhive_sync::add_knowledge_document(&state.store, client.as_ref(), workspace_id, connection.id, source)
        .await?;
    let stored = find(state, workspace_id, id).await?;
    audit(state, user_id, "knowledge_file.add", &stored).await?;
    Ok(stored)
}

/// Attaches a file to an assistant of its connection, or detaches it: a new local revision of
/// the assistant (pushed later, after review); false when nothing changed.
pub async fn attach(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    file_id: i64,
    assistant_id: i64,
    attach: bool,
) -> AppResult<(Assistant, bool)> {
    let file = find(state, workspace_id, file_id).await?;
    let assistant = state
        .store
        .assistant(workspace_id, assistant_id)
        .await?
        .filter(|a| a.connection_id == file.connection_id)
        .ok_or_else(|| {
            AppError::field(
                "assistant_id",
                format!("choose an assistant of the connection \"{}\"", file.connection_label),
            )
        })?;
    let doc = crate::assistants::local_document(state, &assistant).await?;
    let Some(changed) = with_file(provider_kind(&assistant.provider)?, &doc, &file, attach) else {
        return Ok((assistant, false));
    };
    crate::assistants::save_document(state, &assistant, &changed, user_id).await?;
    Ok((assistant, true))
}

/// One file of the workspace, or 404.
pub async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<KnowledgeFile> {
    state
        .store
        .knowledge_file(workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Re-reads each connection's files from its provider.
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
        "knowledge_files.refresh",
        read_files,
    )
    .await
}

fn read_files<'a>(
    store: &'a Store,
    client: &'a dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> BoxFuture<'a, Result<usize, SyncError>> {
    Box::pin(voxhive_sync::refresh_knowledge_files(
        store,
        client,
        workspace_id,
        connection_id,
    ))
}

/// Checks every file against the connection's provider before any is sent, so a request with
/// one bad file sends none.
pub async fn check_uploads(
    state: &AppState,
    workspace_id: i64,
    connection_id: i64,
    files: &[FileUpload],
) -> AppResult<()> {
    let connection = connections::find(state, workspace_id, connection_id).await?;
    let kind = provider_kind(&connection.provider)?;
    for file in files {
        voxhive_sync::check_upload(kind, file).map_err(file_problem)?;
    }
    Ok(())
}

/// A refused file as a problem with the `file` field.
fn file_problem(err: SyncError) -> AppError {
    match err {
        SyncError::Invalid(problems) => {
            AppError::field("file", problems.first().map(|p| p.message.clone()).unwrap_or_default())
        }
        other => other.into(),
    }
}

/// Uploads a file to a connection's provider; nothing is stored when the check or the provider
/// refuses it.
pub async fn upload(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    file: FileUpload,
) -> AppResult<KnowledgeFile> {
    let connection = state
        .store
        .connection(workspace_id, connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(state, &connection)?;
    let id = voxhive_sync::upload_knowledge_file(&state.store, client.as_ref(), workspace_id, connection.id, file)
        .await
        .map_err(file_problem)?;
    let stored = find(state, workspace_id, id).await?;
    audit(state, user_id, "knowledge_file.upload", &stored).await?;
    Ok(stored)
}

/// Deletes a file at its provider and forgets it.
pub async fn delete(state: &AppState, workspace_id: i64, user_id: i64, id: i64) -> AppResult<KnowledgeFile> {
    let file = find(state, workspace_id, id).await?;
    let connection = state
        .store
        .connection(workspace_id, file.connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(state, &connection)?;
    voxhive_sync::delete_knowledge_file(&state.store, client.as_ref(), &file).await?;
    audit(state, user_id, "knowledge_file.delete", &file).await?;
    Ok(file)
}

async fn audit(state: &AppState, user_id: i64, action: &str, file: &KnowledgeFile) -> AppResult<()> {
    state
        .store
        .record_audit(
            file.workspace_id,
            Some(user_id),
            action,
            &file.name,
            &json!({"file_id": file.id, "connection_id": file.connection_id, "remote_id": file.remote_id}),
        )
        .await?;
    Ok(())
}

/// A file in a Vapi knowledge base.
pub struct BaseFile {
    /// The provider's file id.
    pub file_id: String,
    pub name: String,
    /// `indexing`, `ready` or `failed`.
    pub status: String,
}

/// A Vapi knowledge base, read from the provider, with the stored tool that searches it.
pub struct KnowledgeBase {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub files: Vec<BaseFile>,
    /// The stored search tool (VoxHive's id) and the assistants that attach it.
    pub tool: Option<(i64, Vec<(i64, String)>)>,
}

/// Each Vapi connection's knowledge bases, or why they could not be read.
pub async fn knowledge_bases(
    state: &AppState,
    workspace_id: i64,
    connections: &[Connection],
) -> AppResult<Vec<(Connection, Result<Vec<KnowledgeBase>, String>)>> {
    let mut out = Vec::new();
    for connection in connections.iter().filter(|c| c.provider == "vapi") {
        let client = client_for(state, connection)?;
        let read = match client.knowledge_bases().await {
            Ok(docs) => {
                let tools = crate::tools::list(state, workspace_id, Some(connection.id)).await?;
                Ok(docs.iter().map(|doc| knowledge_base(doc, &tools)).collect())
            }
            Err(e) => Err(e.to_string()),
        };
        out.push((connection.clone(), read));
    }
    Ok(out)
}

fn knowledge_base(doc: &Value, tools: &[crate::tools::ToolUse]) -> KnowledgeBase {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let tool = doc["toolId"].as_str().and_then(|remote| {
        tools
            .iter()
            .find(|t| t.tool.remote_id == remote)
            .map(|t| (t.tool.id, t.used_by.clone()))
    });
    KnowledgeBase {
        id: text(&doc["id"]).unwrap_or_default(),
        name: text(&doc["name"]).unwrap_or_default(),
        description: text(&doc["description"]),
        files: doc["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| BaseFile {
                file_id: text(&f["fileId"]).unwrap_or_default(),
                name: text(&f["fileName"]).or_else(|| text(&f["fileId"])).unwrap_or_default(),
                status: text(&f["status"]).unwrap_or_else(|| "indexing".into()),
            })
            .collect(),
        tool,
    }
}

/// Makes a Vapi knowledge base, then reads the connection's tools so its search tool can be
/// attached; returns the base's name.
pub async fn create_knowledge_base(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    name: &str,
    description: &str,
) -> AppResult<String> {
    let name = name.trim();
    let description = description.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::field(
            "name",
            "a knowledge base's name has 1 to 80 characters",
        ));
    }
    if description.chars().count() > 1000 {
        return Err(AppError::field(
            "description",
            "a description has at most 1000 characters",
        ));
    }
    let connection = connections::find(state, workspace_id, connection_id).await?;
    if connection.provider != "vapi" {
        return Err(AppError::field(
            "connection_id",
            "ElevenLabs agents use documents directly: attach them to an agent",
        ));
    }
    let client = client_for(state, &connection)?;
    let created = client
        .create_knowledge_base(name, Some(description).filter(|d| !d.is_empty()))
        .await
        .map_err(SyncError::from)?;
    crate::tools::refresh(state, workspace_id, user_id, std::slice::from_ref(&connection)).await?;
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            "knowledge_base.create",
            name,
            &json!({"connection_id": connection.id, "knowledge_base_id": created["id"]}),
        )
        .await?;
    Ok(name.to_owned())
}

/// Adds a file of the connection (the provider's id) to a Vapi knowledge base (`add`), or takes
/// it out.
pub async fn knowledge_base_file(
    state: &AppState,
    workspace_id: i64,
    user_id: i64,
    connection_id: i64,
    base_id: &str,
    file_id: &str,
    add: bool,
) -> AppResult<()> {
    if file_id.trim().is_empty() {
        return Err(AppError::field("file_id", "choose a file"));
    }
    let connection = connections::find(state, workspace_id, connection_id).await?;
    let client = client_for(state, &connection)?;
    client
        .knowledge_base_file(base_id, file_id, add)
        .await
        .map_err(SyncError::from)?;
    let action = if add {
        "knowledge_base.add_file"
    } else {
        "knowledge_base.remove_file"
    };
    state
        .store
        .record_audit(
            workspace_id,
            Some(user_id),
            action,
            file_id,
            &json!({"connection_id": connection.id, "knowledge_base_id": base_id, "file_id": file_id}),
        )
        .await?;
    Ok(())
}
