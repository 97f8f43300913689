//! Conflicts merged three-way and resolved field by field, rollback to any revision, and
//! deletion (locally, or at the provider too).

use serde_json::Value;
use voxhive_core::doc::{content_hash, merge, strip_read_only, MergeOutcome, Resolution};
use voxhive_providers::{ProviderClient, ProviderError, Resource};
use voxhive_store::{Assistant, AssistantState, Becomes, NewRevision, Store};

use crate::import::name_of;
use crate::remote::{local_document, save_local};
use crate::{SyncError, SyncStatus};

/// A revision's document.
async fn revision_document(store: &Store, assistant: &Assistant, id: i64) -> Result<Value, SyncError> {
    let revision = store
        .revision(assistant.id, id)
        .await?
        .ok_or(SyncError::MissingRevision(id))?;
    serde_json::from_str(&revision.document).map_err(|_| SyncError::MissingRevision(id))
}

/// The three-way merge of a conflicted assistant: base (last synced), ours (local), theirs
/// (the provider's), each without read-only fields.
pub async fn merge_preview(store: &Store, assistant: &Assistant) -> Result<MergeOutcome, SyncError> {
    let (Some(base_id), Some(remote_id)) = (assistant.base_revision_id, assistant.remote_revision_id) else {
        return Err(SyncError::NotInConflict);
    };
    if assistant.sync_status != SyncStatus::Conflict.as_str() {
        return Err(SyncError::NotInConflict);
    }
    let provider = assistant.provider.as_str();
    let base = strip_read_only(provider, &revision_document(store, assistant, base_id).await?);
    let ours = strip_read_only(provider, &local_document(store, assistant).await?);
    let theirs = strip_read_only(provider, &revision_document(store, assistant, remote_id).await?);
    Ok(merge(&base, &ours, &theirs))
}

/// Resolves a conflict: applies the field-by-field choices to the merge, saves the result as a
/// "merge" revision, and takes the provider's version as the new base so the result can be
/// reviewed and pushed. Choices are keyed by the path as shown (`model.temperature`).
pub async fn resolve_conflict(
    store: &Store,
    assistant: &Assistant,
    choices: &[(String, Resolution)],
    author_id: Option<i64>,
) -> Result<(), SyncError> {
    let outcome = merge_preview(store, assistant).await?;
    let mut resolutions = Vec::new();
    for (shown, resolution) in choices {
        let conflict = outcome
            .conflicts
            .iter()
            .find(|c| c.path.to_string() == *shown)
            .ok_or_else(|| SyncError::Unresolved(format!("{shown} has no conflict to resolve")))?;
        resolutions.push((conflict.path.clone(), resolution.clone()));
    }
    let merged = outcome
        .resolve(&resolutions)
        .map_err(|e| SyncError::Unresolved(e.to_string()))?;
    let remote_id = assistant.remote_revision_id.ok_or(SyncError::NotInConflict)?;
    // Keep the provider's read-only fields (id, timestamps) so the document stays whole.
    let remote = revision_document(store, assistant, remote_id).await?;
    let mut document = merged;
    if let (Some(doc), Some(remote)) = (document.as_object_mut(), remote.as_object()) {
        let writable = strip_read_only(&assistant.provider, &Value::Object(remote.clone()));
        for (key, value) in remote {
            if writable.get(key).is_none() {
                doc.insert(key.clone(), value.clone());
            }
        }
    }
    let hash = content_hash(&assistant.provider, &document);
    let mut state = AssistantState::of(assistant);
    state.base_hash = assistant.remote_hash.clone();
    state.base_revision_id = Some(remote_id);
    state.local_hash = hash.clone();
    state.name = name_of(&document);
    state.sync_status = SyncStatus::from_hashes(state.base_hash.as_deref(), &hash, state.remote_hash.as_deref(), true)
        .as_str()
        .into();
    let text = document.to_string();
    let revision = NewRevision {
        hash: &hash,
        document: &text,
        source: "merge",
        author_id,
    };
    store
        .save_assistant(
            assistant.id,
            Some(&revision),
            Becomes {
                local: true,
                ..Becomes::default()
            },
            &state,
        )
        .await?;
    Ok(())
}

/// Makes an earlier revision the local document again (a new "rollback" revision).
pub async fn rollback(
    store: &Store,
    assistant: &Assistant,
    revision_id: i64,
    author_id: Option<i64>,
) -> Result<bool, SyncError> {
    let document = revision_document(store, assistant, revision_id).await?;
    save_local(store, assistant, &document, "rollback", author_id).await
}

/// Deletes an assistant from VoxHive, and first from the provider when `remote` is set. A
/// provider refusal deletes nothing.
pub async fn delete_assistant(
    store: &Store,
    client: &dyn ProviderClient,
    assistant: &Assistant,
    remote: bool,
) -> Result<(), SyncError> {
    if remote {
        if let Some(id) = &assistant.remote_id {
            match client.delete(Resource::Assistants, id).await {
                Ok(()) | Err(ProviderError::NotFound { .. }) => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
    store.delete_assistant(assistant.workspace_id, assistant.id).await?;
    Ok(())
}
