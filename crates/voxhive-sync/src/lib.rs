//! The sync engine: moves assistants between VoxHive's store and the providers, deciding every
//! status transition from the three content hashes (base, local, remote).

mod create;
mod error;
mod history;
mod import;
mod remote;
mod status;

pub use create::{create_local, template_document, Template, TEMPLATES};
pub use error::SyncError;
pub use history::{delete_assistant, merge_preview, resolve_conflict, rollback};
pub use import::{import_assistants, ImportReport};
pub use remote::{local_document, pull, push, save_local, PullOutcome, PushOutcome};
pub use status::SyncStatus;
