//! Pushing local changes to the provider (guarded against overwriting a remote change) and
//! pulling one assistant's remote state on demand.

use serde_json::{Map, Value};
use voxhive_core::doc::{content_hash, strip_read_only};
use voxhive_providers::{ProviderClient, ProviderError, Resource};
use voxhive_store::{Assistant, AssistantState, Becomes, NewRevision, Store};

use crate::import::{mark_remote_deleted, name_of, observe_remote, Observed};
use crate::validate::refuse_invalid;
use crate::{SyncError, SyncStatus};

/// What a push did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// The assistant did not exist at the provider and was created there.
    Created,
    /// The changed fields were sent; local and remote are now the same.
    Pushed,
    /// Nothing differed from the provider's document.
    Unchanged,
    /// The provider's document moved since the last sync: nothing was written.
    Conflict,
}

/// What a pull did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullOutcome {
    Unchanged,
    /// The remote change was taken (nothing had changed locally).
    Pulled,
    /// Both sides changed: the remote revision is kept beside the local one.
    Conflict,
    /// The provider no longer has the assistant.
    RemoteDeleted,
}

/// The local document of an assistant.
pub async fn local_document(store: &Store, assistant: &Assistant) -> Result<Value, SyncError> {
    let revision = store
        .revision(assistant.id, assistant.local_revision_id)
        .await?
        .ok_or(SyncError::MissingRevision(assistant.local_revision_id))?;
    serde_json::from_str(&revision.document).map_err(|_| SyncError::MissingRevision(assistant.local_revision_id))
}

/// The top-level fields to send so that `remote` becomes `local`. The provider replaces nested
/// objects whole, so each changed field is sent whole; a field removed locally is sent as null.
fn changed_fields(provider: &str, local: &Value, remote: &Value) -> Map<String, Value> {
    let local = strip_read_only(provider, local);
    let remote = strip_read_only(provider, remote);
    let (Some(local), Some(remote)) = (local.as_object(), remote.as_object()) else {
        return Map::new();
    };
    let mut body = Map::new();
    for (key, value) in local {
        if remote.get(key) != Some(value) {
            body.insert(key.clone(), value.clone());
        }
    }
    for key in remote.keys().filter(|k| !local.contains_key(*k)) {
        body.insert(key.clone(), Value::Null);
    }
    body
}

/// Records the provider's answer to a push or create as the synced state.
async fn record_pushed(store: &Store, assistant: &Assistant, remote_id: &str, remote: &Value) -> Result<(), SyncError> {
    let hash = content_hash(&assistant.provider, remote);
    let mut state = AssistantState::of(assistant);
    state.remote_id = Some(remote_id.to_string());
    state.base_hash = Some(hash.clone());
    state.remote_hash = Some(hash.clone());
    state.last_error = None;
    state.sync_status = SyncStatus::Synced.as_str().into();
    if hash == assistant.local_hash {
        // The provider holds exactly the local document: its revision is the base and the remote too.
        state.base_revision_id = Some(assistant.local_revision_id);
        state.remote_revision_id = Some(assistant.local_revision_id);
        record(store, assistant, None, Becomes::default(), state).await?;
    } else {
        // The provider filled in defaults or normalised values: adopt its document.
        state.local_hash = hash.clone();
        state.name = name_of(remote);
        let document = remote.to_string();
        let revision = NewRevision {
            hash: &hash,
            document: &document,
            source: "pull",
            author_id: None,
        };
        let all = Becomes {
            base: true,
            local: true,
            remote: true,
        };
        record(store, assistant, Some(&revision), all, state).await?;
    }
    Ok(())
}

/// Records a failed push: the local revision stays, the status says error with the reason.
async fn record_failure(store: &Store, assistant: &Assistant, err: &ProviderError) -> Result<(), SyncError> {
    let mut state = AssistantState::of(assistant);
    state.sync_status = SyncStatus::Error.as_str().into();
    state.last_error = Some(err.to_string());
    record(store, assistant, None, Becomes::default(), state).await
}

/// Writes a step of a push decided from `pushed`, the assistant as the push read it. While
/// nothing else was recorded since, `state` is written as it is; when a local save came in
/// meanwhile (a push through retries can take seconds), that newer local revision and its name
/// are kept instead, and the status follows from the hashes (a failure stays an error).
async fn record(
    store: &Store,
    pushed: &Assistant,
    revision: Option<&NewRevision<'_>>,
    mut becomes: Becomes,
    mut state: AssistantState,
) -> Result<(), SyncError> {
    let mut seen = pushed.clone();
    while !store
        .save_assistant_if_unchanged(&seen, revision, becomes, &state)
        .await?
    {
        let Some(now) = store.assistant(seen.workspace_id, seen.id).await? else {
            return Ok(()); // Deleted meanwhile: nothing left to record.
        };
        if now.local_revision_id != pushed.local_revision_id {
            state.local_hash = now.local_hash.clone();
            state.local_revision_id = now.local_revision_id;
            state.name = now.name.clone();
            becomes.local = false;
            if state.sync_status != SyncStatus::Error.as_str() {
                let status = SyncStatus::from_hashes(
                    state.base_hash.as_deref(),
                    &state.local_hash,
                    state.remote_hash.as_deref(),
                    state.remote_id.is_some(),
                );
                state.sync_status = status.as_str().into();
            }
        }
        seen = now;
    }
    Ok(())
}

/// Pushes the local document as it is when the push starts (a bulk push reads its list
/// earlier). Reads the remote first: when it moved since the last sync the push stops with a
/// conflict instead of overwriting someone else's change. A failure keeps the local revision and
/// records the provider's message. The assistant shows "syncing" meanwhile; a local save made
/// meanwhile is kept, and shows as modified afterwards.
pub async fn push(store: &Store, client: &dyn ProviderClient, assistant: &Assistant) -> Result<PushOutcome, SyncError> {
    let assistant = &loop {
        let Some(now) = store.assistant(assistant.workspace_id, assistant.id).await? else {
            return Err(SyncError::MissingRevision(assistant.local_revision_id));
        };
        let mut syncing = AssistantState::of(&now);
        syncing.sync_status = SyncStatus::Syncing.as_str().into();
        if store
            .save_assistant_if_unchanged(&now, None, Becomes::default(), &syncing)
            .await?
        {
            break now;
        }
    };
    let outcome = push_guarded(store, client, assistant).await;
    if outcome.is_err() {
        // Every path that reached the provider recorded a status; the others put the old one back.
        if let Some(now) = store.assistant(assistant.workspace_id, assistant.id).await? {
            if now.sync_status == SyncStatus::Syncing.as_str() {
                record(
                    store,
                    assistant,
                    None,
                    Becomes::default(),
                    AssistantState::of(assistant),
                )
                .await?;
            }
        }
    }
    outcome
}

/// Pushes like [`push`] and records the attempt and its outcome in the audit log.
pub async fn audited_push(
    store: &Store,
    client: &dyn ProviderClient,
    assistant: &Assistant,
    user_id: Option<i64>,
) -> Result<PushOutcome, SyncError> {
    let outcome = push(store, client, assistant).await;
    let described = match &outcome {
        Ok(o) => format!("{o:?}"),
        Err(e) => e.to_string(),
    };
    let detail = serde_json::json!({"assistant_id": assistant.id, "outcome": described});
    store
        .record_audit(
            assistant.workspace_id,
            user_id,
            "assistant.push",
            &assistant.name,
            &detail,
        )
        .await?;
    outcome
}

async fn push_guarded(
    store: &Store,
    client: &dyn ProviderClient,
    assistant: &Assistant,
) -> Result<PushOutcome, SyncError> {
    let local = local_document(store, assistant).await?;
    let Some(remote_id) = assistant.remote_id.clone() else {
        let body = strip_read_only(&assistant.provider, &local);
        return match client.create(Resource::Assistants, &body).await {
            Ok(created) => {
                let remote = if created.complete {
                    created.doc
                } else {
                    client.get(Resource::Assistants, &created.id).await?.doc
                };
                record_pushed(store, assistant, &created.id, &remote).await?;
                Ok(PushOutcome::Created)
            }
            Err(err) => {
                record_failure(store, assistant, &err).await?;
                Err(err.into())
            }
        };
    };
    let remote = match client.get(Resource::Assistants, &remote_id).await {
        Ok(remote) => remote.doc,
        Err(ProviderError::NotFound { .. }) => {
            mark_remote_deleted(store, assistant).await?;
            return Err(SyncError::RemoteDeleted);
        }
        Err(err) => {
            record_failure(store, assistant, &err).await?;
            return Err(err.into());
        }
    };
    let remote_hash = content_hash(&assistant.provider, &remote);
    if assistant.base_hash.as_deref() != Some(remote_hash.as_str()) && remote_hash != assistant.local_hash {
        let observed = observe_remote(
            store,
            assistant.connection_id,
            assistant.workspace_id,
            &assistant.provider,
            &remote_id,
            &remote,
        )
        .await?;
        return Ok(match observed {
            Observed::Conflict => PushOutcome::Conflict,
            _ => PushOutcome::Unchanged,
        });
    }
    let body = changed_fields(&assistant.provider, &local, &remote);
    if body.is_empty() {
        record_pushed(store, assistant, &remote_id, &remote).await?;
        return Ok(PushOutcome::Unchanged);
    }
    match client
        .update(Resource::Assistants, &remote_id, &Value::Object(body))
        .await
    {
        Ok(updated) => {
            let updated = if updated.complete {
                updated.doc
            } else {
                client.get(Resource::Assistants, &remote_id).await?.doc
            };
            record_pushed(store, assistant, &remote_id, &updated).await?;
            Ok(PushOutcome::Pushed)
        }
        Err(err) => {
            record_failure(store, assistant, &err).await?;
            Err(err.into())
        }
    }
}

/// Reads the provider's current document of one assistant and moves its status.
pub async fn pull(store: &Store, client: &dyn ProviderClient, assistant: &Assistant) -> Result<PullOutcome, SyncError> {
    let Some(remote_id) = assistant.remote_id.clone() else {
        return Ok(PullOutcome::Unchanged);
    };
    match client.get(Resource::Assistants, &remote_id).await {
        Ok(remote) => {
            let observed = observe_remote(
                store,
                assistant.connection_id,
                assistant.workspace_id,
                &assistant.provider,
                &remote_id,
                &remote.doc,
            )
            .await?;
            Ok(match observed {
                Observed::Created | Observed::Unchanged => PullOutcome::Unchanged,
                Observed::Pulled => PullOutcome::Pulled,
                Observed::Conflict => PullOutcome::Conflict,
            })
        }
        Err(ProviderError::NotFound { .. }) => {
            mark_remote_deleted(store, assistant).await?;
            Ok(PullOutcome::RemoteDeleted)
        }
        Err(err) => Err(err.into()),
    }
}

/// Saves a new local document (an edit or a rollback) as a revision; nothing is sent to the
/// provider. Saving the same document again records nothing.
///
/// An edit is checked first against the provider's schema where it changed the document
/// ([`check_document`](crate::check_document)); a refused one is `SyncError::Invalid` and saves
/// nothing. A rollback is not checked: it brings back a document VoxHive already held.
pub async fn save_local(
    store: &Store,
    assistant: &Assistant,
    document: &Value,
    source: &str,
    author_id: Option<i64>,
) -> Result<bool, SyncError> {
    let hash = content_hash(&assistant.provider, document);
    if hash == assistant.local_hash {
        return Ok(false);
    }
    if source != "rollback" {
        let previous = local_document(store, assistant).await?;
        refuse_invalid(&assistant.provider, Some(&previous), document)?;
    }
    let text = document.to_string();
    let revision = NewRevision {
        hash: &hash,
        document: &text,
        source,
        author_id,
    };
    let becomes = Becomes {
        local: true,
        ..Becomes::default()
    };
    // Decided from `assistant` as it was read; when a push or a pull was recorded since, the
    // edit is applied again to the assistant as it is now, so neither undoes the other.
    let mut seen = assistant.clone();
    loop {
        let mut state = AssistantState::of(&seen);
        state.local_hash = hash.clone();
        state.name = name_of(document);
        state.last_error = None;
        let status = SyncStatus::from_hashes(
            seen.base_hash.as_deref(),
            &hash,
            seen.remote_hash.as_deref(),
            seen.remote_id.is_some(),
        );
        state.sync_status = status.as_str().into();
        if store
            .save_assistant_if_unchanged(&seen, Some(&revision), becomes, &state)
            .await?
        {
            return Ok(true);
        }
        seen = store
            .assistant(seen.workspace_id, seen.id)
            .await?
            .ok_or(SyncError::MissingRevision(seen.local_revision_id))?;
        if seen.local_hash == hash {
            return Ok(false);
        }
    }
}
