//! Knowledge-base files: each provider's file (Vapi) or document (ElevenLabs) read into the
//! store's shape, a connection's stored files refreshed from what its provider lists, and files
//! uploaded (checked first) and deleted at the provider.

use serde_json::Value;
use voxhive_providers::{FileUpload, ProviderClient, ProviderError, ProviderKind, RemoteDoc, Resource};
use voxhive_store::{KnowledgeFile, NewKnowledgeFile, Store};

use crate::SyncError;

/// A provider's file in the store's shape, without the extracted text ElevenLabs may include.
/// Vapi: `originalName` (else `name`), `mimetype`, `bytes`, `status` (processing, done,
/// failed). ElevenLabs: `name`, `type` (file, url, text), `metadata.size_bytes`; its list has
/// no parsing status, so a listed document is `done`.
pub fn read_knowledge_file(remote: &RemoteDoc) -> NewKnowledgeFile {
    let doc = &remote.doc;
    let text = |pointer: &str| {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut kept = doc.clone();
    if let Some(fields) = kept.as_object_mut() {
        fields.remove("extracted_inner_html");
    }
    match remote.kind {
        ProviderKind::Vapi => NewKnowledgeFile {
            remote_id: remote.id.clone(),
            name: text("/originalName")
                .or_else(|| text("/name"))
                .unwrap_or_else(|| remote.id.clone()),
            source: "file".into(),
            mimetype: text("/mimetype"),
            bytes: doc["bytes"].as_i64(),
            status: text("/status").unwrap_or_else(|| "done".into()),
            document: kept,
        },
        ProviderKind::ElevenLabs => NewKnowledgeFile {
            remote_id: remote.id.clone(),
            name: text("/name").unwrap_or_else(|| remote.id.clone()),
            source: text("/type").unwrap_or_else(|| "file".into()),
            mimetype: None,
            bytes: doc.pointer("/metadata/size_bytes").and_then(Value::as_i64),
            status: text("/status").unwrap_or_else(|| "done".into()),
            document: kept,
        },
    }
}

/// Reads every file of a connection from its provider and makes the stored ones match
/// (keeping those not listed when the listing skipped unreadable records); returns how many the
/// provider listed.
pub async fn refresh_knowledge_files(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> Result<usize, SyncError> {
    let listing = client.list(Resource::Files).await?;
    let files: Vec<NewKnowledgeFile> = listing.items.iter().map(read_knowledge_file).collect();
    if listing.skipped.is_empty() {
        store
            .replace_knowledge_files(workspace_id, connection_id, &files)
            .await?;
    } else {
        for file in &files {
            store.upsert_knowledge_file(workspace_id, connection_id, file).await?;
        }
    }
    Ok(files.len())
}

/// The file types a provider documents for its knowledge base; `None` when it documents none
/// (its own refusal is then shown).
pub fn accepted_types(kind: ProviderKind) -> Option<&'static [&'static str]> {
    match kind {
        // Vapi's knowledge-base guide: .txt, .pdf, .docx, .doc, .csv, .md, .tsv, .yaml, .json,
        // .xml and .log.
        ProviderKind::Vapi => Some(&[
            "txt", "pdf", "docx", "doc", "csv", "md", "tsv", "yaml", "json", "xml", "log",
        ]),
        // ElevenLabs' knowledge-base guide: PDF, TXT, DOCX, HTML and EPUB.
        ProviderKind::ElevenLabs => Some(&["pdf", "txt", "docx", "html", "epub"]),
    }
}

/// The largest file VoxHive sends to a provider, and whether the provider documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeLimit {
    pub bytes: u64,
    /// False when the provider documents no limit and this is VoxHive's own.
    pub documented: bool,
}

/// VoxHive's own cap on one upload, for a provider that documents none (Vapi).
pub const UPLOAD_CAP_BYTES: u64 = 50 * 1024 * 1024;

/// The size limit of a provider's knowledge-base files: ElevenLabs' upload form says 21 MB;
/// Vapi documents none, so VoxHive's own cap applies.
pub fn size_limit(kind: ProviderKind) -> SizeLimit {
    match kind {
        ProviderKind::Vapi => SizeLimit {
            bytes: UPLOAD_CAP_BYTES,
            documented: false,
        },
        ProviderKind::ElevenLabs => SizeLimit {
            bytes: 21 * 1024 * 1024,
            documented: true,
        },
    }
}

/// The size limit in words, naming whose it is.
pub fn size_limit_text(kind: ProviderKind) -> String {
    let limit = size_limit(kind);
    let megabytes = limit.bytes / (1024 * 1024);
    if limit.documented {
        format!("up to {megabytes} MB a file ({}'s limit)", kind.label())
    } else {
        format!(
            "up to {megabytes} MB a file ({} documents no limit; this is VoxHive's)",
            kind.label()
        )
    }
}

/// Refuses a file the provider would refuse, before it is sent: empty, or of a type the
/// provider does not take (named with the types it does).
pub fn check_upload(kind: ProviderKind, file: &FileUpload) -> Result<(), SyncError> {
    let refused = |message: String| {
        SyncError::Invalid(vec![crate::FieldProblem {
            path: "/file".into(),
            message,
        }])
    };
    if file.bytes.is_empty() {
        return Err(refused(format!("{} is empty", file.file_name)));
    }
    if file.bytes.len() as u64 > size_limit(kind).bytes {
        return Err(refused(format!(
            "{} is {:.1} MB; {} takes files {}",
            file.file_name,
            file.bytes.len() as f64 / (1024.0 * 1024.0),
            kind.label(),
            size_limit_text(kind)
        )));
    }
    if let Some(types) = accepted_types(kind) {
        let extension = file
            .file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if !types.contains(&extension.as_str()) {
            return Err(refused(format!(
                "{} takes .{} files; {} is not one",
                kind.label(),
                types.join(", ."),
                file.file_name
            )));
        }
    }
    Ok(())
}

/// Uploads a file to the provider after [`check_upload`], then stores its answer; returns the
/// stored id. Nothing is stored when the provider refuses.
pub async fn upload_knowledge_file(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
    file: FileUpload,
) -> Result<i64, SyncError> {
    check_upload(client.kind(), &file)?;
    let uploaded = client.upload_file(file).await?;
    Ok(store
        .upsert_knowledge_file(workspace_id, connection_id, &read_knowledge_file(&uploaded))
        .await?)
}

/// Re-reads one file from its provider (to follow its parsing status) and stores it; returns
/// the stored id.
pub async fn reread_knowledge_file(
    store: &Store,
    client: &dyn ProviderClient,
    file: &KnowledgeFile,
) -> Result<i64, SyncError> {
    let remote = client.get(Resource::Files, &file.remote_id).await?;
    Ok(store
        .upsert_knowledge_file(file.workspace_id, file.connection_id, &read_knowledge_file(&remote))
        .await?)
}

/// A document made from a web page or from text (ElevenLabs only: Vapi's knowledge base takes
/// files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentSource {
    Url { url: String, name: Option<String> },
    Text { text: String, name: Option<String> },
}

/// Adds a document from a URL or text after checking it, then stores the provider's answer;
/// returns the stored id.
pub async fn add_knowledge_document(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
    source: DocumentSource,
) -> Result<i64, SyncError> {
    let problem = |path: &str, message: String| {
        SyncError::Invalid(vec![crate::FieldProblem {
            path: path.into(),
            message,
        }])
    };
    if client.kind() != ProviderKind::ElevenLabs {
        return Err(problem(
            "/source",
            format!("{}'s knowledge base takes files only", client.kind().label()),
        ));
    }
    let (mut body, name) = match source {
        DocumentSource::Url { url, name } => {
            crate::check_http_url("/url", url.trim())?;
            (serde_json::json!({"url": url.trim()}), name)
        }
        DocumentSource::Text { text, name } => {
            if text.trim().is_empty() {
                return Err(problem("/text", "text: write the document's text".into()));
            }
            (serde_json::json!({"text": text}), name)
        }
    };
    if let Some(name) = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
        body["name"] = Value::from(name);
    }
    let created = client.create(Resource::Files, &body).await?;
    Ok(store
        .upsert_knowledge_file(workspace_id, connection_id, &read_knowledge_file(&created))
        .await?)
}

/// The ids of the knowledge-base files an assistant uses: Vapi's query tools in `model.tools`
/// (`knowledgeBases[].fileIds`), ElevenLabs' `conversation_config.agent.prompt.knowledge_base`.
pub fn attached_file_ids(kind: ProviderKind, doc: &Value) -> Vec<String> {
    match kind {
        ProviderKind::Vapi => doc
            .pointer("/model/tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|tool| tool["type"] == "query")
            .flat_map(tool_file_ids)
            .collect(),
        ProviderKind::ElevenLabs => doc
            .pointer(EL_KNOWLEDGE)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|locator| locator["id"].as_str().map(str::to_owned))
            .collect(),
    }
}

/// The file ids a Vapi query tool searches (`knowledgeBases[].fileIds`).
pub fn tool_file_ids(tool: &Value) -> Vec<String> {
    tool["knowledgeBases"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|kb| kb["fileIds"].as_array().into_iter().flatten())
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect()
}

const EL_KNOWLEDGE: &str = "/conversation_config/agent/prompt/knowledge_base";

/// The assistant's document with `file` attached (`attach`) or detached; `None` when nothing
/// changes. Vapi: the file joins the first knowledge base of the assistant's query tool (one is
/// added when it has none); detaching drops emptied knowledge bases and query tools. ElevenLabs:
/// a knowledge-base locator in the agent's prompt.
pub fn with_file(kind: ProviderKind, doc: &Value, file: &KnowledgeFile, attach: bool) -> Option<Value> {
    let present = attached_file_ids(kind, doc).contains(&file.remote_id);
    if present == attach {
        return None;
    }
    let mut changed = doc.clone();
    match (kind, attach) {
        (ProviderKind::Vapi, true) => {
            let tools = list_at(&mut changed, &["model", "tools"]);
            match tools.iter_mut().find(|t| t["type"] == "query" && t["knowledgeBases"][0].is_object()) {
                Some(tool) => {
                    let ids = &mut tool["knowledgeBases"][0]["fileIds"];
                    if !ids.is_array() {
                        *ids = Value::Array(Vec::new());
                    }
                    if let Some(ids) = ids.as_array_mut() {
                        ids.push(Value::from(file.remote_id.as_str()));
                    }
                }
                None => tools.push(serde_json::json!({
                    "type": "query",
                    "knowledgeBases": [{
                        "provider": "google",
                        "name": "knowledge-base",
                        "description": "The files uploaded for this assistant; search them to answer the caller's questions.",
                        "fileIds": [file.remote_id],
                    }],
                })),
            }
        }
        (ProviderKind::Vapi, false) => {
            let tools = list_at(&mut changed, &["model", "tools"]);
            for tool in tools.iter_mut().filter(|t| t["type"] == "query") {
                if let Some(bases) = tool["knowledgeBases"].as_array_mut() {
                    for base in bases.iter_mut() {
                        if let Some(ids) = base["fileIds"].as_array_mut() {
                            ids.retain(|id| id.as_str() != Some(file.remote_id.as_str()));
                        }
                    }
                    bases.retain(|base| base["fileIds"].as_array().is_some_and(|ids| !ids.is_empty()));
                }
            }
            tools.retain(|t| t["type"] != "query" || t["knowledgeBases"].as_array().is_some_and(|b| !b.is_empty()));
        }
        (ProviderKind::ElevenLabs, true) => {
            let locators = list_at(
                &mut changed,
                &["conversation_config", "agent", "prompt", "knowledge_base"],
            );
            locators.push(serde_json::json!({
                "type": file.source, "name": file.name, "id": file.remote_id, "usage_mode": "auto",
            }));
        }
        (ProviderKind::ElevenLabs, false) => {
            let locators = list_at(
                &mut changed,
                &["conversation_config", "agent", "prompt", "knowledge_base"],
            );
            locators.retain(|l| l["id"].as_str() != Some(file.remote_id.as_str()));
        }
    }
    Some(changed)
}

/// The array at `path` in `doc`, made (with the objects on the way) when missing.
fn list_at<'a>(doc: &'a mut Value, path: &[&str]) -> &'a mut Vec<Value> {
    let mut at = doc;
    for key in path {
        if !at.is_object() {
            *at = Value::Object(Default::default());
        }
        at = &mut at[*key];
    }
    if !at.is_array() {
        *at = Value::Array(Vec::new());
    }
    match at {
        Value::Array(items) => items,
        _ => unreachable!("made an array above"),
    }
}

/// Deletes a file at the provider and forgets it; one the provider no longer has is forgotten
/// all the same.
pub async fn delete_knowledge_file(
    store: &Store,
    client: &dyn ProviderClient,
    file: &KnowledgeFile,
) -> Result<(), SyncError> {
    match client.delete(Resource::Files, &file.remote_id).await {
        Ok(()) | Err(ProviderError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    store.delete_knowledge_file(file.workspace_id, file.id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_providers_file_is_read_with_its_size_and_status() {
        let vapi = read_knowledge_file(&RemoteDoc {
            kind: ProviderKind::Vapi,
            resource: Resource::Files,
            id: "f1".into(),
            doc: json!({"id": "f1", "name": "hours", "originalName": "hours.txt", "bytes": 12,
                        "mimetype": "text/plain", "status": "processing"}),
            complete: true,
        });
        assert_eq!(
            (vapi.name.as_str(), vapi.bytes, vapi.status.as_str()),
            ("hours.txt", Some(12), "processing")
        );
        let el = read_knowledge_file(&RemoteDoc {
            kind: ProviderKind::ElevenLabs,
            resource: Resource::Files,
            id: "doc1".into(),
            doc: json!({"id": "doc1", "name": "Returns", "type": "url", "metadata": {"size_bytes": 900},
                        "extracted_inner_html": "<p>long</p>"}),
            complete: true,
        });
        assert_eq!(
            (el.source.as_str(), el.bytes, el.status.as_str()),
            ("url", Some(900), "done")
        );
        assert_eq!(el.document.get("extracted_inner_html"), None, "the text is not kept");
    }
}
