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
        ProviderKind::ElevenLabs => None,
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
