//! Sync status from the three hashes: what a badge shows and what the engine does next.

/// Where an assistant stands between VoxHive and its provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    Synced,
    /// Changed locally, not pushed.
    Modified,
    /// Changed at the provider while nothing changed locally (pulled automatically).
    Outdated,
    /// Changed on both sides differently.
    Conflict,
    /// Exists only locally.
    New,
    RemoteDeleted,
    Syncing,
    Error,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Synced => "synced",
            SyncStatus::Modified => "modified",
            SyncStatus::Outdated => "outdated",
            SyncStatus::Conflict => "conflict",
            SyncStatus::New => "new",
            SyncStatus::RemoteDeleted => "remote_deleted",
            SyncStatus::Syncing => "syncing",
            SyncStatus::Error => "error",
        }
    }

    /// The status the hashes imply: `base` is the last synced state, `remote` `None` when the
    /// provider no longer has the assistant, `pushed` whether it ever reached the provider.
    pub fn from_hashes(base: Option<&str>, local: &str, remote: Option<&str>, pushed: bool) -> Self {
        if !pushed {
            return SyncStatus::New;
        }
        let Some(remote) = remote else {
            return SyncStatus::RemoteDeleted;
        };
        let local_moved = base != Some(local);
        let remote_moved = base != Some(remote);
        match (local_moved, remote_moved) {
            (false, false) => SyncStatus::Synced,
            (true, false) => SyncStatus::Modified,
            (false, true) => SyncStatus::Outdated,
            // The same change made on both sides is no conflict.
            (true, true) if local == remote => SyncStatus::Synced,
            (true, true) => SyncStatus::Conflict,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SyncStatus::*;
    use super::*;

    #[test]
    fn the_hashes_decide_the_status() {
        assert_eq!(SyncStatus::from_hashes(Some("a"), "a", Some("a"), true), Synced);
        assert_eq!(SyncStatus::from_hashes(Some("a"), "b", Some("a"), true), Modified);
        assert_eq!(SyncStatus::from_hashes(Some("a"), "a", Some("c"), true), Outdated);
        assert_eq!(SyncStatus::from_hashes(Some("a"), "b", Some("c"), true), Conflict);
        assert_eq!(SyncStatus::from_hashes(Some("a"), "b", Some("b"), true), Synced);
        assert_eq!(SyncStatus::from_hashes(None, "a", None, false), New);
        assert_eq!(SyncStatus::from_hashes(Some("a"), "a", None, true), RemoteDeleted);
    }
}
