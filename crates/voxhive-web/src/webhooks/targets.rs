//! The connections webhook URLs name, kept for a few seconds, so that a flood of deliveries to
//! one URL costs one database read rather than one each. A kept entry can only let a delivery
//! through sooner, never refuse one: a delivery that fails against a kept secret is checked
//! again against the database (another instance may have rotated the secret), and this
//! instance forgets an entry when it changes the secret or removes the connection.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use voxhive_store::{Store, StoreResult, WebhookTarget};

/// How long an entry is used before it is read again.
const KEEP: Duration = Duration::from_secs(5);

/// Recently read webhook targets, by connection id.
#[derive(Debug, Default)]
pub struct WebhookTargets {
    kept: Mutex<HashMap<i64, (Instant, WebhookTarget)>>,
}

/// A target and whether it came from the kept entries (and so may be a few seconds old).
pub struct Found {
    pub target: WebhookTarget,
    pub kept: bool,
}

impl WebhookTargets {
    /// The target of a connection, kept or read; `None` for no such connection.
    pub async fn get(&self, store: &Store, connection_id: i64) -> StoreResult<Option<Found>> {
        let kept = self
            .kept
            .lock()
            .expect("not poisoned")
            .get(&connection_id)
            .filter(|(at, _)| at.elapsed() < KEEP)
            .map(|(_, target)| target.clone());
        if let Some(target) = kept {
            return Ok(Some(Found { target, kept: true }));
        }
        Ok(self
            .read(store, connection_id)
            .await?
            .map(|target| Found { target, kept: false }))
    }

    /// The target as the database has it now (and kept from now on).
    pub async fn read(&self, store: &Store, connection_id: i64) -> StoreResult<Option<WebhookTarget>> {
        let target = store.webhook_target(connection_id).await?;
        let mut kept = self.kept.lock().expect("not poisoned");
        kept.retain(|_, (at, _)| at.elapsed() < KEEP);
        match &target {
            Some(target) => kept.insert(connection_id, (Instant::now(), target.clone())),
            None => kept.remove(&connection_id),
        };
        Ok(target)
    }

    /// Drops a connection's entry (its secret changed, or it was removed).
    pub fn forget(&self, connection_id: i64) {
        self.kept.lock().expect("not poisoned").remove(&connection_id);
    }
}
