//! The sync engine's error type.

use voxhive_providers::ProviderError;
use voxhive_store::StoreError;

/// What can stop a sync operation.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The provider refused or failed; its message is meant for the user.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Remote ids asked for that the account does not have.
    #[error("the account has no assistant with the id {}", .0.join(", "))]
    UnknownRemoteIds(Vec<String>),
}
