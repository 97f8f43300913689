//! Processing the webhook event log: claim received events, read each into a call, store the
//! batch with one upsert, mark each event. Replays are harmless (the upsert is keyed by provider
//! id and ignores equal content and older versions); a body that cannot be read fails for good.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde::Serialize;
use voxhive_store::{Connection, EventOutcome, NewCall, Store, WebhookEvent, WebhookStatus};

use super::normalize::{self, is_final, EventCall};
use crate::SyncError;

/// Events claimed at once.
const BATCH: u32 = 100;
/// How long a claimed batch stays with this worker. A batch takes well under a second; a worker
/// killed mid-batch leaves its events to another after this. Processing a batch twice (a lease
/// lapsed under a stall) is harmless: the upsert skips a replay.
const LEASE_MS: i64 = 15_000;

/// What processing the log did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventsReport {
    /// Events whose call was stored (or was already stored the same or newer).
    pub stored: usize,
    /// Events of kinds that carry no call.
    pub ignored: usize,
    /// Events that could not be read or stored, marked failed with the reason.
    pub failed: usize,
}

/// Processes received webhook events, batch after batch, until none is waiting.
pub async fn process_webhook_events(store: &Store) -> Result<EventsReport, SyncError> {
    let mut report = EventsReport::default();
    loop {
        let events = store.claim_webhook_events(BATCH, LEASE_MS).await?;
        if events.is_empty() {
            return Ok(report);
        }
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        if let Err(err) = process_batch(store, events, &mut report).await {
            if err.is_transient() {
                // Best effort: when the database cannot take this either, the lease lapses.
                store.release_webhook_events(&ids).await.ok();
            }
            return Err(err);
        }
    }
}

/// A call read from an event, waiting to be stored.
struct Pending {
    event_id: i64,
    call: NewCall,
    live: bool,
}

async fn process_batch(store: &Store, events: Vec<WebhookEvent>, report: &mut EventsReport) -> Result<(), SyncError> {
    let mut connections: HashMap<i64, Option<Connection>> = HashMap::new();
    let mut pending = Vec::new();
    let mut outcomes = Vec::with_capacity(events.len());
    for event in events {
        if let Entry::Vacant(slot) = connections.entry(event.connection_id) {
            slot.insert(store.connection(event.workspace_id, event.connection_id).await?);
        }
        let outcome = match &connections[&event.connection_id] {
            None => Err("the connection was removed".to_owned()),
            Some(connection) => normalize::webhook_event(connection, &event.body),
        };
        match outcome {
            Ok(EventCall::Call { call, live }) => pending.push(Pending {
                event_id: event.id,
                call: *call,
                live,
            }),
            Ok(EventCall::Ignored(reason)) => {
                outcomes.push(processed(event.id, Some(reason)));
                report.ignored += 1;
            }
            Err(reason) => {
                tracing::warn!(event_id = event.id, %reason, "a webhook event cannot be read");
                outcomes.push(failed(event.id, reason));
                report.failed += 1;
            }
        }
    }
    let (calls, superseded) = newest_per_call(pending);
    let mut to_store = Vec::with_capacity(calls.len());
    for p in calls {
        if p.live && ended_already(store, &p.call).await? {
            outcomes.push(processed(
                p.event_id,
                Some("ignored: the call had already ended".into()),
            ));
            report.stored += 1;
        } else {
            to_store.push(p);
        }
    }
    let batch: Vec<NewCall> = to_store.iter().map(|p| p.call.clone()).collect();
    match store.upsert_calls(&batch).await {
        Ok(_) => {
            outcomes.extend(to_store.iter().map(|p| processed(p.event_id, None)));
            report.stored += to_store.len();
        }
        // The events stay received and are taken again (see `process_webhook_events`).
        Err(err) if err.is_transient() => return Err(err.into()),
        Err(err) => {
            tracing::warn!(error = %err, "a batch of webhook calls failed; storing them one by one");
            for p in &to_store {
                match store.upsert_call(&p.call).await {
                    Ok(_) => {
                        outcomes.push(processed(p.event_id, None));
                        report.stored += 1;
                    }
                    Err(err) if err.is_transient() => return Err(err.into()),
                    Err(err) => {
                        outcomes.push(failed(p.event_id, format!("the call cannot be stored: {err}")));
                        report.failed += 1;
                    }
                }
            }
        }
    }
    for (event_id, kept) in superseded {
        outcomes.push(processed(
            event_id,
            Some(format!("superseded by event {kept} of the same call")),
        ));
        report.stored += 1;
    }
    // One transaction for the whole batch: on SQLite every write waits for the single writer,
    // which the webhook receivers need too.
    store.mark_webhook_events(&outcomes).await?;
    Ok(())
}

fn processed(id: i64, reason: Option<String>) -> EventOutcome {
    EventOutcome {
        id,
        status: WebhookStatus::Processed,
        reason,
    }
}

fn failed(id: i64, reason: String) -> EventOutcome {
    EventOutcome {
        id,
        status: WebhookStatus::Failed,
        reason: Some(reason),
    }
}

/// Keeps one event per call: a finished version before a live one, then the newest version,
/// then the latest event. Returns the kept ones and (superseded event, kept event) pairs.
fn newest_per_call(pending: Vec<Pending>) -> (Vec<Pending>, Vec<(i64, i64)>) {
    let rank = |p: &Pending| (!p.live, p.call.remote_updated_at, p.event_id);
    let mut best: HashMap<(i64, String), Pending> = HashMap::new();
    let mut superseded = Vec::new();
    for p in pending {
        let key = (p.call.connection_id, p.call.remote_id.clone());
        match best.remove(&key) {
            Some(old) if rank(&old) > rank(&p) => {
                superseded.push((p.event_id, old.event_id));
                best.insert(key, old);
            }
            Some(old) => {
                superseded.push((old.event_id, p.event_id));
                best.insert(key, p);
            }
            None => {
                best.insert(key, p);
            }
        }
    }
    let mut kept: Vec<Pending> = best.into_values().collect();
    kept.sort_by_key(|p| p.event_id);
    (kept, superseded)
}

/// Whether the store already has this call as finished (a live status must not bring it back).
async fn ended_already(store: &Store, call: &NewCall) -> Result<bool, SyncError> {
    let stored = store.call_by_remote_id(call.connection_id, &call.remote_id).await?;
    Ok(stored.is_some_and(|s| is_final(&s.status)))
}
