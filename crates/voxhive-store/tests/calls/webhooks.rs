//! The webhook event log, webhook secrets and the polling state.

use voxhive_core::time::now_ms;
use voxhive_store::{CallSyncState, EventOutcome, NewWebhookEvent, WebhookStatus, WEBHOOK_MAX_ATTEMPTS};

use crate::world::world;

#[tokio::test]
async fn a_batch_of_events_is_stored_in_order_and_each_claimed_once() {
    let w = world("vh_hooks").await;
    let bodies: Vec<String> = (0..1_203).map(|i| format!("{{\"n\":{i}}}")).collect();
    let events: Vec<NewWebhookEvent> = bodies
        .iter()
        .map(|body| NewWebhookEvent {
            workspace_id: w.ws(),
            connection_id: w.vapi,
            received_at: now_ms(),
            kind: "end-of-call-report",
            body,
            rejection: None,
        })
        .collect();
    let ids = w.store().insert_webhook_events(&events).await.unwrap();
    assert_eq!(ids.len(), 1_203);
    assert!(ids.windows(2).all(|p| p[0] < p[1]));
    let last = w.store().webhook_event(w.ws(), ids[1_202]).await.unwrap().unwrap();
    assert_eq!(last.body, "{\"n\":1202}");
    assert_eq!(last.status, "received");
    assert!(w.store().insert_webhook_events(&[]).await.unwrap().is_empty());

    let first = w.store().claim_webhook_events(1_000, 60_000).await.unwrap();
    let second = w.store().claim_webhook_events(1_000, 60_000).await.unwrap();
    let third = w.store().claim_webhook_events(1_000, 60_000).await.unwrap();
    assert_eq!((first.len(), second.len(), third.len()), (1_000, 203, 0));
    assert_eq!(first[0].id, ids[0]);
    assert_eq!(first[0].body, "{\"n\":0}");
    assert_eq!(first[0].attempts, 1);

    let outcome = |id, status, reason: Option<&str>| EventOutcome {
        id,
        status,
        reason: reason.map(str::to_owned),
    };
    let marks = [
        outcome(first[0].id, WebhookStatus::Processed, None),
        outcome(first[1].id, WebhookStatus::Failed, Some("unreadable body")),
    ];
    assert_eq!(w.store().mark_webhook_events(&marks).await.unwrap(), 2);
    // Marked once: a second outcome for a finished event changes nothing.
    assert_eq!(w.store().mark_webhook_events(&marks[..1]).await.unwrap(), 0);
    assert_eq!(w.store().mark_webhook_events(&[]).await.unwrap(), 0);
    let failed = w.store().webhook_event(w.ws(), first[1].id).await.unwrap().unwrap();
    assert_eq!(
        (failed.status.as_str(), failed.reason.as_deref()),
        ("failed", Some("unreadable body"))
    );
    assert!(failed.processed_at.is_some());
    assert!(w
        .store()
        .webhook_event(w.ws() + 1, first[1].id)
        .await
        .unwrap()
        .is_none());

    assert_eq!(w.store().prune_webhook_events(now_ms() + 1).await.unwrap(), 2);
}

#[tokio::test]
async fn a_rejected_delivery_is_recorded_and_never_processed() {
    let w = world("vh_hooks").await;
    let ids = w
        .store()
        .insert_webhook_events(&[NewWebhookEvent {
            workspace_id: w.ws(),
            connection_id: w.eleven,
            received_at: now_ms(),
            kind: "post_call_transcription",
            body: "{}",
            rejection: Some("bad signature"),
        }])
        .await
        .unwrap();
    let event = w.store().webhook_event(w.ws(), ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (event.status.as_str(), event.reason.as_deref()),
        ("rejected", Some("bad signature"))
    );
    assert!(w.store().claim_webhook_events(10, 60_000).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_event_whose_worker_vanished_is_claimed_again_then_failed() {
    let w = world("vh_hooks").await;
    let ids = w
        .store()
        .insert_webhook_events(&[NewWebhookEvent {
            workspace_id: w.ws(),
            connection_id: w.vapi,
            received_at: now_ms(),
            kind: "end-of-call-report",
            body: "{}",
            rejection: None,
        }])
        .await
        .unwrap();
    // A lease that has already run out: every claim finds the event again.
    for attempt in 1..=WEBHOOK_MAX_ATTEMPTS {
        let claimed = w.store().claim_webhook_events(10, -1).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].attempts, attempt);
    }
    assert!(w.store().claim_webhook_events(10, -1).await.unwrap().is_empty());
    let event = w.store().webhook_event(w.ws(), ids[0]).await.unwrap().unwrap();
    assert_eq!(event.status, "failed");
}

#[tokio::test]
async fn webhook_secrets_are_kept_sealed_per_connection_and_resealed_with_the_key() {
    let w = world("vh_hooks").await;
    let target = w.store().webhook_target(w.vapi).await.unwrap().unwrap();
    assert_eq!((target.workspace_id, target.provider.as_str()), (w.ws(), "vapi"));
    assert_eq!(target.secret_sealed, None);
    assert!(w
        .store()
        .set_webhook_secret(w.ws(), w.vapi, Some(("v1.sealed", "c35f")))
        .await
        .unwrap());
    assert!(!w
        .store()
        .set_webhook_secret(w.ws() + 1, w.vapi, Some(("v1.other", "0000")))
        .await
        .unwrap());
    let target = w.store().webhook_target(w.vapi).await.unwrap().unwrap();
    assert_eq!(target.secret_sealed.as_deref(), Some("v1.sealed"));
    assert_eq!(target.secret_last4.as_deref(), Some("c35f"));
    assert!(w.store().webhook_target(w.vapi + 100).await.unwrap().is_none());

    // Key rotation re-seals webhook secrets with the API keys: two keys and one secret.
    let count = w
        .store()
        .reseal_secrets(|s| Ok::<_, voxhive_store::StoreError>(format!("{s}+")))
        .await
        .unwrap();
    assert_eq!(count, 3);
    let target = w.store().webhook_target(w.vapi).await.unwrap().unwrap();
    assert_eq!(target.secret_sealed.as_deref(), Some("v1.sealed+"));

    assert!(w.store().set_webhook_secret(w.ws(), w.vapi, None).await.unwrap());
    let target = w.store().webhook_target(w.vapi).await.unwrap().unwrap();
    assert_eq!((target.secret_sealed, target.secret_last4), (None, None));
}

#[tokio::test]
async fn the_polling_state_of_a_connection_is_kept() {
    let w = world("vh_hooks").await;
    assert_eq!(w.store().call_sync_state(w.vapi).await.unwrap(), None);
    let mut state = CallSyncState::new(w.vapi);
    state.backfill_status = "running".to_string();
    state.backfill_cursor = Some("createdAtLt=2026-03-01T00:00:00Z".to_string());
    state.backfill_progress = 1_000;
    w.store().save_call_sync_state(&state).await.unwrap();
    let stored = w.store().call_sync_state(w.vapi).await.unwrap().unwrap();
    assert_eq!(stored.backfill_cursor, state.backfill_cursor);
    assert!(stored.updated_at > 0);

    state.backfill_status = "done".to_string();
    state.backfill_cursor = None;
    state.watermark = Some(1_767_310_200_000);
    state.last_poll_at = Some(now_ms());
    state.last_error = Some("429 from the provider".to_string());
    w.store().save_call_sync_state(&state).await.unwrap();
    let stored = w.store().call_sync_state(w.vapi).await.unwrap().unwrap();
    assert_eq!(
        CallSyncState {
            updated_at: 0,
            ..stored
        },
        state
    );
    assert_eq!(w.store().call_sync_state(w.eleven).await.unwrap(), None);
}
