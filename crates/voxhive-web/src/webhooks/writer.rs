//! Group commit of webhook deliveries: one task takes whatever deliveries are queued (up to
//! [`MAX_BATCH`]), writes them in one transaction, and only then answers each one. SQLite pays one
//! fsync per transaction, so deliveries arriving together cost one fsync between them.

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use voxhive_core::time::Millis;
use voxhive_store::{NewWebhookEvent, Store};

/// The most deliveries written in one transaction.
pub const MAX_BATCH: usize = 500;

/// Deliveries that may wait for the writer; a sender past this waits for room.
const QUEUE: usize = 4 * MAX_BATCH;

/// A delivery to record, owned so it can wait in the queue.
#[derive(Debug)]
pub struct Delivery {
    pub workspace_id: i64,
    pub connection_id: i64,
    pub received_at: Millis,
    pub kind: String,
    pub body: String,
    /// Why the delivery was refused; `None` for one to process.
    pub rejection: Option<String>,
}

/// The delivery could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotStored {
    #[error("the database's disk is full, so the webhook event could not be stored")]
    DiskFull,
    /// The database failed otherwise, or the server is stopping.
    #[error("the webhook event could not be stored")]
    Failed,
}

struct Queued {
    delivery: Delivery,
    stored: oneshot::Sender<Result<(), NotStored>>,
}

/// The handle requests use to record deliveries; the writer task stops when the last handle is
/// dropped (the channel closes) after writing what was queued.
pub struct WebhookWriter {
    queue: mpsc::Sender<Queued>,
}

impl WebhookWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> Self {
        Self::spawn(store).0
    }

    fn spawn(store: Store) -> (Self, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(QUEUE);
        (Self { queue }, tokio::spawn(run(store, rx)))
    }

    /// Records a delivery; returns once the transaction holding it has committed.
    pub async fn record(&self, delivery: Delivery) -> Result<(), NotStored> {
        let (stored, done) = oneshot::channel();
        self.queue
            .send(Queued { delivery, stored })
            .await
            .map_err(|_| NotStored::Failed)?;
        done.await.unwrap_or(Err(NotStored::Failed))
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let outcome = commit(&store, &batch).await;
        for queued in batch.drain(..) {
            let _ = queued.stored.send(outcome);
        }
    }
}

/// Writes one batch in one transaction; when it failed (logged), every sender of the batch
/// answers an error and the provider delivers again.
async fn commit(store: &Store, batch: &[Queued]) -> Result<(), NotStored> {
    let events: Vec<NewWebhookEvent<'_>> = batch
        .iter()
        .map(|q| {
            let d = &q.delivery;
            NewWebhookEvent {
                workspace_id: d.workspace_id,
                connection_id: d.connection_id,
                received_at: d.received_at,
                kind: &d.kind,
                body: &d.body,
                rejection: d.rejection.as_deref(),
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let stored = store.insert_webhook_events(&events).await;
    // The wait for the write turn included: what each delivery of the batch waited for.
    metrics::histogram!("webhook_commit_seconds").record(started.elapsed().as_secs_f64());
    match stored {
        Ok(_) => {
            metrics::counter!("webhook_commits_total").increment(1);
            metrics::counter!("webhook_events_stored_total").increment(events.len() as u64);
            Ok(())
        }
        Err(error) => {
            tracing::error!(%error, events = events.len(), "could not store webhook events");
            Err(if error.is_disk_full() {
                NotStored::DiskFull
            } else {
                NotStored::Failed
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voxhive_store::{DatabaseUrl, StoreOptions};

    #[tokio::test]
    async fn the_writer_stops_when_its_last_handle_is_dropped() {
        let store = Store::connect(
            &DatabaseUrl::parse("sqlite::memory:").unwrap(),
            &StoreOptions::default(),
        )
        .await
        .unwrap();
        let (writer, task) = WebhookWriter::spawn(store);
        drop(writer);
        tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .expect("the task ends")
            .unwrap();
    }
}
