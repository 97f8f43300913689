//! Polling a connection's calls: an incremental poll from the stored watermark, and a backfill
//! of the whole history with progress that resumes where it stopped.
//!
//! - Incremental: calls created at or after the watermark (inclusive; the repeats are absorbed by
//!   the upsert), widened to every call created in the last [`RECENT_WINDOW_MS`], so a call that
//!   was live or not yet analysed at the last poll is read again and updated.
//! - Backfill: every call, newest first (both providers list newest first). After each stored
//!   batch, `backfill_cursor` records the oldest and newest creation instants read; a backfill
//!   that stopped resumes by listing again and skipping, without fetching or storing them, the
//!   calls created after that oldest instant (the provider trait offers no list cursor to start
//!   from). Calls created after the backfill began are left to the next incremental poll.
//! - ElevenLabs lists summaries: the whole conversation is fetched only for calls the store
//!   does not have finished in the same provider status (`done`, `failed`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use voxhive_core::time::{now_ms, Millis};
use voxhive_providers::{CallQuery, ProviderClient, RemoteDoc, Resource};
use voxhive_store::{CallSyncState, Connection, NewCall, Store};

use super::normalize::call_document;
use crate::SyncError;

/// Calls created this recently are read again by every incremental poll (24 hours).
pub const RECENT_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// Calls stored per upsert.
const BATCH: usize = 100;

/// What a poll or backfill did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSyncReport {
    /// Calls listed and looked at.
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    /// Already stored the same (or newer), including ElevenLabs calls not fetched again.
    pub unchanged: usize,
    /// Calls the provider listed but VoxHive could not read (logged).
    pub unreadable: usize,
    /// Calls linked to assistants afterwards.
    pub linked: u64,
}

/// Where a backfill stands, kept as JSON in `backfill_cursor`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct Cursor {
    /// The oldest creation instant of the calls stored so far.
    oldest: Option<Millis>,
    /// The newest creation instant read, the watermark once the backfill is done.
    newest: Option<Millis>,
}

/// Polls `connection` (a backfill when `backfill`), storing its calls in batches, then links
/// them to imported assistants. A failure is recorded in the polling state's `last_error` and
/// returned; what was stored before it stays.
pub async fn sync_calls(
    store: &Store,
    client: &dyn ProviderClient,
    connection: &Connection,
    backfill: bool,
    progress: &(dyn Fn(usize, Option<usize>) + Send + Sync),
) -> Result<CallSyncReport, SyncError> {
    let mut state = store
        .call_sync_state(connection.id)
        .await?
        .unwrap_or_else(|| CallSyncState::new(connection.id));
    let mut poll = Poll {
        store,
        client,
        connection,
        backfill,
        report: CallSyncReport::default(),
        buffer: Vec::new(),
        buffer_oldest: None,
    };
    let outcome = poll.run(&mut state, progress).await;
    state.last_poll_at = Some(now_ms());
    match outcome {
        Ok(()) => {
            state.last_error = None;
            store.save_call_sync_state(&state).await?;
            poll.report.linked = store.link_unlinked_calls(connection.id).await?;
            Ok(poll.report)
        }
        Err(err) => {
            state.last_error = Some(err.to_string());
            if backfill {
                state.backfill_status = "failed".into();
            }
            store.save_call_sync_state(&state).await?;
            Err(err)
        }
    }
}

struct Poll<'a> {
    store: &'a Store,
    client: &'a dyn ProviderClient,
    connection: &'a Connection,
    backfill: bool,
    report: CallSyncReport,
    buffer: Vec<NewCall>,
    /// The oldest creation instant among the buffered calls.
    buffer_oldest: Option<Millis>,
}

impl Poll<'_> {
    async fn run(
        &mut self,
        state: &mut CallSyncState,
        progress: &(dyn Fn(usize, Option<usize>) + Send + Sync),
    ) -> Result<(), SyncError> {
        let resumed = self.backfill && matches!(state.backfill_status.as_str(), "running" | "failed");
        let mut cursor: Cursor = match (resumed, &state.backfill_cursor) {
            (true, Some(text)) => serde_json::from_str(text).unwrap_or_default(),
            _ => Cursor::default(),
        };
        let skip_after = cursor.oldest;
        let query = if self.backfill {
            if !resumed || skip_after.is_none() {
                state.backfill_progress = 0;
            }
            state.backfill_status = "running".into();
            state.backfill_total = None;
            self.store.save_call_sync_state(state).await?;
            CallQuery::default()
        } else {
            let since = state.watermark.map(|w| w.min(now_ms() - RECENT_WINDOW_MS));
            CallQuery {
                created_after: since.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()),
                assistant_id: None,
            }
        };
        let mut read = if self.backfill {
            state.backfill_progress as usize
        } else {
            0
        };
        let mut newest = state.watermark;
        let outcome = async {
            let mut pager = self.client.call_pages(query);
            while let Some(page) = pager.next_page().await? {
                for doc in page.items {
                    let created = doc.call().and_then(|v| v.created_at).map(|t| t.as_millisecond());
                    if let (Some(created), Some(edge)) = (created, skip_after) {
                        if created > edge {
                            continue;
                        }
                    }
                    newest = newest.max(created);
                    cursor.newest = cursor.newest.max(created);
                    self.buffer_oldest = match (self.buffer_oldest, created) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    self.take(doc).await?;
                    read += 1;
                    if self.buffer.len() >= BATCH {
                        self.flush(state, &mut cursor, read).await?;
                    }
                }
                progress(read, None);
            }
            Ok::<_, SyncError>(())
        }
        .await;
        // What was read before a failure is stored all the same.
        self.flush(state, &mut cursor, read).await?;
        outcome?;
        self.report.read = read;
        if self.backfill {
            state.backfill_status = "done".into();
            state.backfill_cursor = None;
            state.backfill_progress = read as i64;
            state.backfill_total = Some(read as i64);
            newest = newest.max(cursor.newest);
        }
        state.watermark = newest;
        progress(read, Some(read));
        Ok(())
    }

    /// Reads one listed call into the buffer: ElevenLabs summaries are fetched whole when needed.
    async fn take(&mut self, listed: RemoteDoc) -> Result<(), SyncError> {
        let doc = if listed.complete {
            listed.doc
        } else if self.is_settled(&listed).await? {
            self.report.unchanged += 1;
            return Ok(());
        } else {
            self.client.get(Resource::Calls, &listed.id).await?.doc
        };
        match call_document(self.connection, &doc) {
            Ok(call) => self.buffer.push(call),
            Err(reason) => {
                tracing::warn!(connection_id = self.connection.id, %reason, "a listed call cannot be read");
                self.report.unreadable += 1;
            }
        }
        Ok(())
    }

    /// Whether the store has this summarised call finished in the status the summary shows.
    async fn is_settled(&self, listed: &RemoteDoc) -> Result<bool, SyncError> {
        let status = listed.doc.get("status").and_then(Value::as_str);
        if !matches!(status, Some("done" | "failed")) {
            return Ok(false);
        }
        let Some(stored) = self.store.call_by_remote_id(self.connection.id, &listed.id).await? else {
            return Ok(false);
        };
        let stored: Value = serde_json::from_str(&stored.document).unwrap_or_default();
        Ok(stored.get("status").and_then(Value::as_str) == status)
    }

    /// Stores the buffered calls and, in a backfill, records how far it got.
    async fn flush(&mut self, state: &mut CallSyncState, cursor: &mut Cursor, read: usize) -> Result<(), SyncError> {
        if !self.buffer.is_empty() {
            for upserted in self.store.upsert_calls(&self.buffer).await? {
                match (upserted.created, upserted.changed) {
                    (true, _) => self.report.created += 1,
                    (false, true) => self.report.updated += 1,
                    (false, false) => self.report.unchanged += 1,
                }
            }
            self.buffer.clear();
        }
        if self.backfill {
            cursor.oldest = match (cursor.oldest, self.buffer_oldest.take()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            state.backfill_cursor = Some(serde_json::to_string(cursor).expect("a cursor serializes"));
            state.backfill_progress = read as i64;
            self.store.save_call_sync_state(state).await?;
        }
        Ok(())
    }
}
