//! The sync engine: moves assistants between VoxHive's store and the providers, deciding every
//! status transition from the three content hashes (base, local, remote).

mod clients;
mod create;
mod error;
mod history;
mod import;
mod jobs;
mod remote;
mod status;
mod validate;

pub use clients::connection_client;
pub use create::{create_local, template_document, Template, TEMPLATES};
pub use error::SyncError;
pub use history::{delete_assistant, merge_preview, resolve_conflict, rollback};
pub use import::{check_remote_ids, import_assistants, name_of, ImportReport};
pub use jobs::{enqueue, JobRunner, JobSpec, PushFailure, PushReport};
pub use remote::{audited_push, local_document, pull, push, save_local, PullOutcome, PushOutcome};
pub use status::SyncStatus;
pub use validate::{check_document, check_tools, FieldProblem};
