//! The sync engine: moves assistants between VoxHive's store and the providers, deciding every
//! status transition from the three content hashes (base, local, remote); and the background
//! work on calls: ingestion, budgets and retention.

pub mod archive;
pub mod budgets;
mod calls;
mod clients;
mod create;
mod error;
mod history;
mod import;
mod jobs;
mod knowledge;
mod phone_numbers;
mod remote;
pub mod retention;
mod status;
mod test_calls;
mod tools;
mod validate;
pub mod webhook_test;

pub use calls::{
    call_document, is_final, process_webhook_events, sync_calls, webhook_event, CallSyncReport, EventCall,
    EventsReport, RECENT_WINDOW_MS,
};
pub use clients::connection_client;
pub use create::{create_local, template_document, Template, TEMPLATES};
pub use error::SyncError;
pub use history::{delete_assistant, merge_preview, resolve_conflict, rollback};
pub use import::{check_remote_ids, import_assistants, name_of, ImportReport};
pub use jobs::{
    enqueue, enqueue_call_sync, start_call_sync, JobRunner, JobSpec, PushFailure, PushReport, POLL_CALLS_EVERY,
};
pub use knowledge::{
    accepted_types, add_knowledge_document, attached_file_ids, check_upload, delete_knowledge_file,
    read_knowledge_file, refresh_knowledge_files, reread_knowledge_file, size_limit, size_limit_text, tool_file_ids,
    upload_knowledge_file, with_file, DocumentSource, SizeLimit, UPLOAD_CAP_BYTES,
};
pub use phone_numbers::{
    buy_body, check_http_url, create_phone_number, edit_body, edit_phone_number, is_e164, read_phone_number,
    refresh_phone_numbers, release_phone_number, twilio_body, NumberEdit, TwilioImport,
};
pub use remote::{audited_push, local_document, pull, push, save_local, PullOutcome, PushOutcome};
pub use status::SyncStatus;
pub use test_calls::{
    read_live_call, start_test_call, CallAction, LiveCall, StartedCall, TestAssistant, TestTransport,
};
pub use tools::{
    attached_tool_ids, check_tool_document, create_tool, delete_tool, read_tool, refresh_tools, update_tool, with_tool,
    writable as writable_tool,
};
pub use validate::{check_document, check_tools, FieldProblem};
