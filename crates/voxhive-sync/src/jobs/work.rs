//! What each kind of job does, with its audit entries.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::watch;
use voxhive_core::crypto::MasterKey;
use voxhive_providers::ProviderClient;
use voxhive_store::{Job, Store};

use super::JobSpec;
use crate::{audited_push, connection_client, import_assistants, sync_calls, PushOutcome, SyncError};

/// How many assistants a bulk push sends at once (each client also limits its own concurrency).
const PUSH_CONCURRENCY: usize = 4;

/// Progress as (done, total once known).
pub(crate) type Progress = watch::Sender<(usize, Option<usize>)>;

/// What a bulk push did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    /// Sent to the provider (updated or created there).
    pub pushed: usize,
    /// Already the same at the provider.
    pub unchanged: usize,
    /// Changed at the provider meanwhile: not pushed, now in conflict.
    pub conflicts: Vec<String>,
    /// Refused or failed; each local revision is kept.
    pub failed: Vec<PushFailure>,
}

/// One assistant a bulk push could not send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushFailure {
    pub name: String,
    pub message: String,
}

/// Whether `job` may run again after an interrupted attempt (see [`JobSpec::is_repeatable`]).
pub(crate) fn is_repeatable(job: &Job) -> bool {
    serde_json::from_str::<JobSpec>(&job.payload).is_ok_and(|spec| spec.is_repeatable())
}

/// Runs one job to its result, reporting progress on `progress`.
pub(crate) async fn execute(
    store: &Store,
    master_key: &MasterKey,
    job: &Job,
    progress: &Progress,
) -> Result<Value, SyncError> {
    let spec: JobSpec = serde_json::from_str(&job.payload)
        .map_err(|e| SyncError::Connection(format!("job {} has an unreadable payload: {e}", job.id)))?;
    let workspace_id = job.workspace_id.unwrap_or_default();
    match spec {
        JobSpec::ImportAssistants {
            connection_id,
            remote_ids,
            user_id,
        } => {
            import(
                store,
                master_key,
                workspace_id,
                connection_id,
                remote_ids,
                user_id,
                progress,
            )
            .await
        }
        JobSpec::PushAssistants { assistant_ids, user_id } => {
            push_many(store, master_key, workspace_id, &assistant_ids, user_id, progress).await
        }
        JobSpec::SyncCalls {
            connection_id,
            backfill,
        } => poll_calls(store, master_key, workspace_id, connection_id, backfill, progress).await,
    }
}

async fn poll_calls(
    store: &Store,
    master_key: &MasterKey,
    workspace_id: i64,
    connection_id: i64,
    backfill: bool,
    progress: &Progress,
) -> Result<Value, SyncError> {
    let connection = store
        .connection(workspace_id, connection_id)
        .await?
        .ok_or_else(|| SyncError::Connection("the connection was removed".into()))?;
    let client = connection_client(master_key, &connection)?;
    let report = sync_calls(store, client.as_ref(), &connection, backfill, &|done, total| {
        progress.send_replace((done, total));
    })
    .await?;
    let mut result = serde_json::to_value(&report).expect("a report serializes");
    result["connection"] = json!(connection.label);
    result["backfill"] = json!(backfill);
    Ok(result)
}

async fn import(
    store: &Store,
    master_key: &MasterKey,
    workspace_id: i64,
    connection_id: i64,
    remote_ids: Option<Vec<String>>,
    user_id: Option<i64>,
    progress: &Progress,
) -> Result<Value, SyncError> {
    let connection = store
        .connection(workspace_id, connection_id)
        .await?
        .ok_or_else(|| SyncError::Connection("the connection was removed".into()))?;
    let client = connection_client(master_key, &connection)?;
    let report = import_assistants(
        store,
        client.as_ref(),
        &connection,
        remote_ids.as_deref(),
        &|done, total| {
            progress.send_replace((done, Some(total)));
        },
    )
    .await?;
    // Calls that arrived before their assistant was imported are linked to it now.
    let linked_calls = store.link_unlinked_calls(connection.id).await?;
    // A whole import also brings the account's phone numbers, tools and files, which name its
    // assistants; a provider that cannot list them does not fail the import.
    let (phone_numbers, tools) = if remote_ids.is_none() {
        let numbers = crate::refresh_phone_numbers(store, client.as_ref(), workspace_id, connection.id).await;
        let tools = crate::refresh_tools(store, client.as_ref(), workspace_id, connection.id).await;
        let files = crate::refresh_knowledge_files(store, client.as_ref(), workspace_id, connection.id).await;
        listed_or_logged(files, "knowledge-base files")?;
        (
            listed_or_logged(numbers, "phone numbers")?,
            listed_or_logged(tools, "tools")?,
        )
    } else {
        (None, None)
    };
    let detail = json!({"connection_id": connection.id, "created": report.created, "pulled": report.pulled, "conflicts": report.conflicts, "remote_deleted": report.remote_deleted});
    store
        .record_audit(workspace_id, user_id, "assistants.import", &connection.label, &detail)
        .await?;
    let mut result = serde_json::to_value(&report).expect("a report serializes");
    result["connection"] = json!(connection.label);
    result["linked_calls"] = json!(linked_calls);
    result["phone_numbers"] = json!(phone_numbers);
    result["tools"] = json!(tools);
    Ok(result)
}

/// How many a refresh read; `None` (logged) when the provider could not list them. A failing
/// database fails the job.
fn listed_or_logged(outcome: Result<usize, SyncError>, what: &str) -> Result<Option<usize>, SyncError> {
    match outcome {
        Ok(listed) => Ok(Some(listed)),
        Err(SyncError::Store(err)) => Err(SyncError::Store(err)),
        Err(err) => {
            tracing::warn!(%err, what, "not refreshed with the import");
            Ok(None)
        }
    }
}

async fn push_many(
    store: &Store,
    master_key: &MasterKey,
    workspace_id: i64,
    ids: &[i64],
    user_id: Option<i64>,
    progress: &Progress,
) -> Result<Value, SyncError> {
    progress.send_replace((0, Some(ids.len())));
    let mut clients: HashMap<i64, Arc<dyn ProviderClient>> = HashMap::new();
    let mut work = Vec::new();
    for id in ids {
        let Some(assistant) = store.assistant(workspace_id, *id).await? else {
            continue;
        };
        if !clients.contains_key(&assistant.connection_id) {
            let connection = store
                .connection(workspace_id, assistant.connection_id)
                .await?
                .ok_or_else(|| SyncError::Connection("the connection was removed".into()))?;
            clients.insert(connection.id, connection_client(master_key, &connection)?);
        }
        work.push((clients[&assistant.connection_id].clone(), assistant));
    }
    let pushes: Vec<BoxFuture<'_, (String, Result<PushOutcome, SyncError>)>> = work
        .into_iter()
        .map(|(client, assistant)| {
            async move {
                let outcome = audited_push(store, client.as_ref(), &assistant, user_id).await;
                (assistant.name, outcome)
            }
            .boxed()
        })
        .collect();
    let mut outcomes = stream::iter(pushes).buffer_unordered(PUSH_CONCURRENCY);
    let mut report = PushReport::default();
    let mut done = 0;
    while let Some((name, outcome)) = outcomes.next().await {
        match outcome {
            Ok(PushOutcome::Pushed | PushOutcome::Created) => report.pushed += 1,
            Ok(PushOutcome::Unchanged) => report.unchanged += 1,
            Ok(PushOutcome::Conflict) => report.conflicts.push(name),
            Err(SyncError::Store(err)) => return Err(SyncError::Store(err)),
            Err(err) => report.failed.push(PushFailure {
                name,
                message: err.to_string(),
            }),
        }
        done += 1;
        progress.send_replace((done, Some(ids.len())));
    }
    report.conflicts.sort();
    report.failed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(serde_json::to_value(&report).expect("a report serializes"))
}
