//! The sync engine's error type.

use voxhive_providers::ProviderError;
use voxhive_store::StoreError;

use crate::validate::FieldProblem;

/// What can stop a sync operation.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The provider refused or failed; its message is meant for the user.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The provider no longer has the assistant; it is marked deleted remotely.
    #[error("the provider no longer has this assistant: it was deleted there")]
    RemoteDeleted,
    /// A revision an assistant points to is missing or unreadable.
    #[error("revision {0} is missing or unreadable")]
    MissingRevision(i64),
    /// A merge was asked of an assistant that is not in conflict.
    #[error("this assistant has no conflict to resolve")]
    NotInConflict,
    /// The choices do not resolve the conflict (a field left open, or one that has no conflict).
    #[error("{0}")]
    Unresolved(String),
    /// A connection that cannot be used (removed, or its key unreadable).
    #[error("{0}")]
    Connection(String),
    /// The document was not saved: the provider would refuse it. Each problem names its field.
    #[error("{}", FieldProblem::summary(.0))]
    Invalid(Vec<FieldProblem>),
    /// Remote ids asked for that the account does not have.
    #[error("the account has no assistant with the id {}", .0.join(", "))]
    UnknownRemoteIds(Vec<String>),
}

impl SyncError {
    /// Whether the operation stopped for a reason that may well be gone on a second try: the
    /// database was unavailable, full or held up by other transactions. Provider errors are not
    /// among them: the clients already retry what is worth retrying.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Store(err) if err.is_transient())
    }
}
