//! kill -9 under a webhook flood: every delivery answered 2xx is stored and counted exactly once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::flood::{assert_stored_once, redeliver, Flood, Receiver};
use crate::process::{random_below, Database, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_delivery_survives_kill_9_and_is_counted_once() {
    let sim = crate::quiet_sim().await;
    let db = Database::fresh().await;
    let token = db.owner_token().await;
    let first = Server::start(&db, "first").await;
    let connection = crate::connect_vapi(&first.base, &token, &sim).await;
    let receiver = Receiver::of(&first.base, &token, connection).await;
    let next = Arc::new(AtomicU64::new(0));

    // The flood, killed at a random moment while deliveries are being written and processed.
    let flood = Flood::start(vec![first.base.clone()], receiver.clone(), 16, next.clone());
    let kill_after = Duration::from_millis(700 + random_below(1_500));
    tokio::time::sleep(kill_after).await;
    first.kill9().await;
    let mut tally = flood.stop().await;
    eprintln!(
        "killed after {kill_after:?}: {} acknowledged, {} without an answer or with an error",
        tally.acknowledged.len(),
        tally.unacknowledged.len()
    );
    assert!(tally.acknowledged.len() > 50, "the flood got going before the kill");

    // The provider delivers again what got no 2xx (and, as after a lost answer, some that did),
    // and the new instance is killed again while it processes the log.
    let second = Server::start(&db, "second").await;
    let retried: Vec<u64> = tally
        .unacknowledged
        .iter()
        .copied()
        .chain(tally.acknowledged.iter().copied().step_by(10))
        .collect();
    redeliver(std::slice::from_ref(&second.base), &receiver, retried.iter().copied()).await;
    tally.acknowledged.extend(&retried);
    tokio::time::sleep(Duration::from_millis(random_below(400))).await;
    second.kill9().await;

    // A third start finishes the work, with events claimed by the killed instance taken over
    // when their lease lapses.
    let third = Server::start(&db, "third").await;
    db.wait_until_processed(Duration::from_secs(60)).await;
    let sent = next.load(Ordering::Relaxed);
    eprintln!("{sent} calls sent, {} acknowledged", tally.acknowledged.len());
    assert_stored_once(&db, &third.base, &token, sent, &tally.acknowledged).await;
    let duplicates = db.count("SELECT COUNT(*) - COUNT(DISTINCT remote_id) FROM calls").await;
    assert_eq!(duplicates, 0);
    db.assert_rollups_exact().await;
    third.stop().await;
}
