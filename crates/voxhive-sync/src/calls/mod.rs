//! Call ingestion: provider documents and webhook bodies normalised into calls, the webhook event
//! log processed, and each connection's calls polled (incrementally and as a resumable backfill).

mod events;
mod normalize;
mod poll;

pub use events::{process_webhook_events, EventsReport};
pub use normalize::{call_document, is_final, webhook_event, EventCall};
pub use poll::{sync_calls, CallSyncReport, RECENT_WINDOW_MS};
