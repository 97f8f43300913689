//! Turns at this process's SQLite writes. SQLite has one writer at a time; a writer that finds
//! the lock taken sleeps in SQLite's busy handler (1, 2, 5 … 100 ms) and may wake long after the
//! lock came free. Writers of this process therefore queue here instead, in order, and webhook
//! deliveries (a provider waits for each answer) go before background work such as processing
//! them, which waits for a pause in the deliveries (for a bounded time).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// How long no urgent writer must have taken a turn before background work takes one: a
/// stream of deliveries commits back to back, each within a few milliseconds of the last.
const QUIET: Duration = Duration::from_millis(5);

/// The longest background work waits for deliveries to pause before it queues all the same,
/// so a steady flood of deliveries slows processing down but never stops it.
const YIELD_AT_MOST: Duration = Duration::from_millis(250);

/// The queue of this process's writers.
#[derive(Debug)]
pub(crate) struct WriteGate {
    turn: Mutex<()>,
    urgent_waiting: AtomicUsize,
    /// When an urgent writer last took the turn, in microseconds after `epoch`.
    urgent_taken_us: AtomicU64,
    epoch: Instant,
}

impl Default for WriteGate {
    fn default() -> Self {
        Self {
            turn: Mutex::new(()),
            urgent_waiting: AtomicUsize::new(0),
            urgent_taken_us: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

/// Holding one is holding the turn to write; dropping it passes the turn on.
pub(crate) type WriteTurn<'a> = MutexGuard<'a, ()>;

impl WriteGate {
    /// The turn for work someone is waiting on, before any background work that is queued.
    pub(crate) async fn urgent(&self) -> WriteTurn<'_> {
        self.urgent_waiting.fetch_add(1, Ordering::SeqCst);
        let turn = self.turn.lock().await;
        self.urgent_taken_us
            .store(self.since_epoch_us(Instant::now()), Ordering::SeqCst);
        self.urgent_waiting.fetch_sub(1, Ordering::SeqCst);
        turn
    }

    /// The turn for background work: once urgent writers have paused for [`QUIET`], or after
    /// [`YIELD_AT_MOST`]; then in order.
    pub(crate) async fn background(&self) -> WriteTurn<'_> {
        let deadline = Instant::now() + YIELD_AT_MOST;
        loop {
            let now = Instant::now();
            let quiet_for = if self.urgent_waiting.load(Ordering::SeqCst) > 0 {
                Duration::ZERO
            } else {
                Duration::from_micros(
                    self.since_epoch_us(now)
                        .saturating_sub(self.urgent_taken_us.load(Ordering::SeqCst)),
                )
            };
            if quiet_for < QUIET && now < deadline {
                tokio::time::sleep((QUIET - quiet_for).min(deadline - now)).await;
                continue;
            }
            let turn = self.turn.lock().await;
            if self.urgent_waiting.load(Ordering::SeqCst) == 0 || Instant::now() >= deadline {
                return turn;
            }
            // An urgent writer queued while this one waited: the turn passes to it (the queue is
            // first come, first served).
            drop(turn);
        }
    }

    fn since_epoch_us(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_micros() as u64
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn urgent_writers_go_before_background_work_that_waits() {
        let gate = Arc::new(WriteGate::default());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = gate.urgent().await;
        let spawn = |name: &'static str, urgent: bool| {
            let (gate, order) = (gate.clone(), order.clone());
            tokio::spawn(async move {
                let _turn = if urgent {
                    gate.urgent().await
                } else {
                    gate.background().await
                };
                order.lock().unwrap().push(name);
            })
        };
        let background = spawn("background", false);
        tokio::task::yield_now().await;
        let delivery = spawn("delivery", true);
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        delivery.await.unwrap();
        background.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["delivery", "background"]);
    }

    #[tokio::test(start_paused = true)]
    async fn background_work_waits_a_bounded_time_under_a_flood() {
        let gate = Arc::new(WriteGate::default());
        // Two writers taking urgent turns without end: one of them is always waiting.
        for _ in 0..2 {
            let gate = gate.clone();
            tokio::spawn(async move {
                loop {
                    let _turn = gate.urgent().await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let started = tokio::time::Instant::now();
        drop(gate.background().await);
        let waited = started.elapsed();
        assert!(waited >= YIELD_AT_MOST, "it yielded to the flood first ({waited:?})");
        assert!(
            waited < YIELD_AT_MOST + Duration::from_millis(50),
            "then took its turn ({waited:?})"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn background_work_goes_once_deliveries_pause() {
        let gate = WriteGate::default();
        drop(gate.urgent().await);
        let started = tokio::time::Instant::now();
        drop(gate.background().await);
        let waited = started.elapsed();
        assert!(waited >= QUIET && waited < QUIET * 2, "{waited:?}");
    }
}
