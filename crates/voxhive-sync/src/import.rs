//! Import: bring every assistant of a connection (or a chosen set) into the store. Importing
//! again is idempotent; a remote change is pulled when nothing changed locally, and marked as a
//! conflict when something did.

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use voxhive_core::doc::content_hash;
use voxhive_providers::{ProviderClient, RemoteDoc, Resource};
use voxhive_store::{Assistant, AssistantFilter, AssistantState, Becomes, Connection, NewRevision, Store, StoreError};

use crate::{SyncError, SyncStatus};

/// How many whole documents are fetched at once (the client limits its own concurrency too).
const FETCH_CONCURRENCY: usize = 8;

/// What an import did, assistant by assistant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Assistants considered.
    pub total: usize,
    /// New to VoxHive.
    pub created: usize,
    /// Changed at the provider with no local change: pulled.
    pub pulled: usize,
    /// Already up to date.
    pub unchanged: usize,
    /// Changed at the provider and locally: kept both, marked as a conflict.
    pub conflicts: usize,
    /// Known to VoxHive but gone from the provider.
    pub remote_deleted: usize,
    /// Records of the provider's list that could not be read, with the reason.
    pub skipped: Vec<String>,
}

/// What observing one remote document did.
pub(crate) enum Observed {
    Created,
    Pulled,
    Unchanged,
    Conflict,
}

/// The display name of a provider document.
pub fn name_of(doc: &Value) -> String {
    doc.get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or("(unnamed)")
        .to_string()
}

/// Refuses, naming them, the `wanted` ids that are not among the `listed` ones.
fn all_listed(listed: &[String], wanted: &[String]) -> Result<(), SyncError> {
    let unknown: Vec<String> = wanted.iter().filter(|id| !listed.contains(id)).cloned().collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(SyncError::UnknownRemoteIds(unknown))
    }
}

/// Checks, before an import of a chosen set is queued, that the account has every one of `ids`.
pub async fn check_remote_ids(client: &dyn ProviderClient, ids: &[String]) -> Result<(), SyncError> {
    let listing = client.list(Resource::Assistants).await?;
    let listed: Vec<String> = listing.items.into_iter().map(|d| d.id).collect();
    all_listed(&listed, ids)
}

/// Imports the assistants of `connection`: all of them, or those in `remote_ids`. `progress`
/// is told (done, total) after each assistant.
pub async fn import_assistants(
    store: &Store,
    client: &dyn ProviderClient,
    connection: &Connection,
    remote_ids: Option<&[String]>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ImportReport, SyncError> {
    let listing = client.list(Resource::Assistants).await?;
    let mut report = ImportReport {
        skipped: listing
            .skipped
            .iter()
            .map(|s| format!("record {} of page {}: {}", s.index, s.page, s.reason))
            .collect(),
        ..ImportReport::default()
    };
    let listed_ids: Vec<String> = listing.items.iter().map(|d| d.id.clone()).collect();
    let wanted: Vec<RemoteDoc> = match remote_ids {
        None => listing.items,
        Some(ids) => {
            all_listed(&listed_ids, ids)?;
            listing.items.into_iter().filter(|d| ids.contains(&d.id)).collect()
        }
    };
    report.total = wanted.len();
    progress(0, report.total);

    let mut whole = stream::iter(wanted)
        .map(|item| async move {
            if item.complete {
                Ok(item)
            } else {
                client.get(Resource::Assistants, &item.id).await
            }
        })
        .buffer_unordered(FETCH_CONCURRENCY);
    let mut done = 0;
    while let Some(fetched) = whole.next().await {
        let doc = fetched?;
        match observe_remote(
            store,
            connection.id,
            connection.workspace_id,
            &connection.provider,
            &doc.id,
            &doc.doc,
        )
        .await?
        {
            Observed::Created => report.created += 1,
            Observed::Pulled => report.pulled += 1,
            Observed::Unchanged => report.unchanged += 1,
            Observed::Conflict => report.conflicts += 1,
        }
        done += 1;
        progress(done, report.total);
    }

    // Only a complete, fully readable list proves that an assistant is gone.
    if remote_ids.is_none() && report.skipped.is_empty() {
        let filter = AssistantFilter {
            connection_id: Some(connection.id),
            ..AssistantFilter::default()
        };
        for local in store.assistants(connection.workspace_id, &filter).await? {
            let gone = local.remote_id.as_ref().is_some_and(|id| !listed_ids.contains(id));
            if gone && local.sync_status != SyncStatus::RemoteDeleted.as_str() {
                mark_remote_deleted(store, &local).await?;
                report.remote_deleted += 1;
            }
        }
    }
    tracing::info!(connection_id = connection.id, ?report, "import finished");
    Ok(report)
}

/// Records what the provider holds for one assistant and moves its status accordingly.
pub(crate) async fn observe_remote(
    store: &Store,
    connection_id: i64,
    workspace_id: i64,
    provider: &str,
    remote_id: &str,
    doc: &Value,
) -> Result<Observed, SyncError> {
    let hash = content_hash(provider, doc);
    let document = doc.to_string();
    let existing = match store.assistant_by_remote_id(connection_id, remote_id).await? {
        Some(existing) => existing,
        None => match create(store, workspace_id, connection_id, remote_id, doc, &hash, &document).await {
            Ok(()) => return Ok(Observed::Created),
            // A concurrent import (another job, or another instance) stored it first: observe
            // the remote document against that copy instead.
            Err(StoreError::Duplicate(what)) => store
                .assistant_by_remote_id(connection_id, remote_id)
                .await?
                .ok_or(StoreError::Duplicate(what))?,
            Err(other) => return Err(other.into()),
        },
    };
    if existing.remote_hash.as_deref() == Some(hash.as_str())
        && existing.sync_status != SyncStatus::RemoteDeleted.as_str()
    {
        return Ok(Observed::Unchanged);
    }
    let mut state = AssistantState::of(&existing);
    state.remote_hash = Some(hash.clone());
    state.last_error = None;
    let revision = NewRevision {
        hash: &hash,
        document: &document,
        source: "pull",
        author_id: None,
    };
    let local_unchanged = existing.base_hash.as_deref() == Some(existing.local_hash.as_str());
    if local_unchanged || existing.local_hash == hash {
        // Outdated, pulled at once: the remote document becomes the base (and the local state
        // too when nothing changed locally; when both sides made the same change it already is).
        state.base_hash = Some(hash.clone());
        if local_unchanged {
            state.name = name_of(doc);
            state.local_hash = hash.clone();
        }
        state.sync_status = SyncStatus::Synced.as_str().into();
        let becomes = Becomes {
            base: true,
            local: local_unchanged,
            remote: true,
        };
        store
            .save_assistant(existing.id, Some(&revision), becomes, &state)
            .await?;
        Ok(Observed::Pulled)
    } else {
        // Both sides moved differently: keep both; the merge resolves it.
        state.sync_status = SyncStatus::Conflict.as_str().into();
        store
            .save_assistant(
                existing.id,
                Some(&revision),
                Becomes {
                    remote: true,
                    ..Becomes::default()
                },
                &state,
            )
            .await?;
        Ok(Observed::Conflict)
    }
}

/// Stores an assistant seen for the first time, in sync with the provider's document.
async fn create(
    store: &Store,
    workspace_id: i64,
    connection_id: i64,
    remote_id: &str,
    doc: &Value,
    hash: &str,
    document: &str,
) -> Result<(), StoreError> {
    let state = AssistantState {
        remote_id: Some(remote_id.to_string()),
        name: name_of(doc),
        sync_status: SyncStatus::Synced.as_str().into(),
        base_hash: Some(hash.to_owned()),
        local_hash: hash.to_owned(),
        remote_hash: Some(hash.to_owned()),
        base_revision_id: None,
        local_revision_id: 0,
        remote_revision_id: None,
        last_error: None,
    };
    let revision = NewRevision {
        hash,
        document,
        source: "import",
        author_id: None,
    };
    let all = Becomes {
        base: true,
        local: true,
        remote: true,
    };
    store
        .create_assistant(workspace_id, connection_id, &state, &revision, all)
        .await?;
    Ok(())
}

/// Marks an assistant whose remote document is gone; its local revisions stay.
pub(crate) async fn mark_remote_deleted(store: &Store, local: &Assistant) -> Result<(), SyncError> {
    let mut state = AssistantState::of(local);
    state.remote_hash = None;
    state.sync_status = SyncStatus::RemoteDeleted.as_str().into();
    store.save_assistant(local.id, None, Becomes::default(), &state).await?;
    Ok(())
}
