//! Polling against the simulator: a backfill stores exactly the provider's calls, repeats change
//! nothing, a stopped backfill resumes, and provider failures are recorded with a clear message.

use voxhive_providers::ProviderKind;
use voxhive_sim::{FaultMix, Faults};
use voxhive_store::CallSyncState;
use voxhive_sync::sync_calls;

use crate::world::{remote_id, sim_cost, world, World};

async fn backfill_matches_the_provider(w: &World, kind: ProviderKind) {
    let connection = w.connect(kind).await;
    let client = w.client(kind);
    let docs = w.sim_calls(kind).await;
    assert!(docs.len() >= 5, "the simulator has calls");
    let seen = std::sync::Mutex::new(Vec::new());
    let report = sync_calls(&w.store, client.as_ref(), &connection, true, &|done, total| {
        seen.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    assert_eq!(
        (report.read, report.created, report.updated),
        (docs.len(), docs.len(), 0)
    );
    assert_eq!(seen.lock().unwrap().last(), Some(&(docs.len(), Some(docs.len()))));

    let expected: i64 = docs.iter().map(|d| sim_cost(kind, d)).sum();
    let totals = w.totals(connection.id).await;
    assert_eq!(totals.calls, docs.len() as i64);
    assert_eq!(
        totals.cost_micro_usd, expected,
        "the sum of the decimal-rounded provider costs"
    );
    for doc in &docs {
        let stored = w
            .store
            .call_by_remote_id(connection.id, &remote_id(kind, doc))
            .await
            .unwrap();
        assert_eq!(stored.unwrap().cost_micro_usd, sim_cost(kind, doc));
    }
    let state = w.store.call_sync_state(connection.id).await.unwrap().unwrap();
    assert_eq!(state.backfill_status, "done");
    assert_eq!(
        (state.backfill_progress, state.backfill_total),
        (docs.len() as i64, Some(docs.len() as i64))
    );
    assert_eq!(state.backfill_cursor, None);
    assert!(state.watermark.is_some() && state.last_poll_at.is_some() && state.last_error.is_none());

    let again = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (again.read, again.created, again.updated),
        (docs.len(), 0, 0),
        "{again:?}"
    );
    assert_eq!(again.unchanged, docs.len());
    let poll = sync_calls(&w.store, client.as_ref(), &connection, false, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((poll.created, poll.updated), (0, 0), "{poll:?}");
    assert_eq!(w.totals(connection.id).await, totals);
    assert!(w.store.recompute_rollups(1).await.unwrap().is_clean());
}

#[tokio::test]
async fn a_vapi_backfill_stores_exactly_the_providers_calls_and_repeats_change_nothing() {
    let w = world("vh_calls_poll_vapi", 90).await;
    backfill_matches_the_provider(&w, ProviderKind::Vapi).await;
}

#[tokio::test]
async fn an_elevenlabs_backfill_stores_exactly_the_providers_conversations_and_repeats_change_nothing() {
    let w = world("vh_calls_poll_el", 90).await;
    backfill_matches_the_provider(&w, ProviderKind::ElevenLabs).await;
}

#[tokio::test]
async fn a_stopped_backfill_resumes_after_the_calls_it_had_stored() {
    let w = world("vh_calls_poll_resume", 90).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let client = w.client(ProviderKind::Vapi);
    let mut docs = w.sim_calls(ProviderKind::Vapi).await;
    docs.sort_by_key(|d| std::cmp::Reverse(d["createdAt"].as_str().unwrap().to_owned()));
    // As a backfill that stored the newest ten calls and stopped would have left it.
    let stored = 10;
    let edge: jiff::Timestamp = docs[stored - 1]["createdAt"].as_str().unwrap().parse().unwrap();
    let newest: jiff::Timestamp = docs[0]["createdAt"].as_str().unwrap().parse().unwrap();
    let mut state = CallSyncState::new(connection.id);
    state.backfill_status = "failed".into();
    state.backfill_progress = stored as i64;
    state.backfill_cursor = Some(format!(
        r#"{{"oldest": {}, "newest": {}}}"#,
        edge.as_millisecond(),
        newest.as_millisecond()
    ));
    state.last_error = Some("Vapi is unavailable".into());
    w.store.save_call_sync_state(&state).await.unwrap();

    let report = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    let rest = docs.len() - stored;
    // The call at the edge is read again (its timestamp may be shared); the newer ones are not.
    assert_eq!(report.created, rest + 1, "{report:?}");
    assert_eq!(report.read, stored + rest + 1);
    assert!(w
        .store
        .call_by_remote_id(connection.id, &remote_id(ProviderKind::Vapi, &docs[0]))
        .await
        .unwrap()
        .is_none());
    let state = w.store.call_sync_state(connection.id).await.unwrap().unwrap();
    assert_eq!((state.backfill_status.as_str(), state.last_error), ("done", None));
    assert_eq!(state.watermark, Some(newest.as_millisecond()));
}

#[tokio::test]
async fn a_refused_key_is_recorded_and_nothing_stored_is_lost() {
    let w = world("vh_calls_poll_401", 30).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let good = w.client(ProviderKind::Vapi);
    sync_calls(&w.store, good.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    let before = w.totals(connection.id).await;

    let wrong = w.client_with_key(ProviderKind::Vapi, "not-a-key");
    let err = sync_calls(&w.store, wrong.as_ref(), &connection, false, &|_, _| {})
        .await
        .unwrap_err();
    let message = err.to_string();
    assert_eq!(
        message,
        "Vapi refused the API key: check it in the Vapi dashboard, API Keys"
    );
    let state = w.store.call_sync_state(connection.id).await.unwrap().unwrap();
    assert_eq!(state.last_error.as_deref(), Some(message.as_str()));
    assert_eq!(
        state.backfill_status, "done",
        "an incremental poll leaves the finished backfill alone"
    );
    assert_eq!(w.totals(connection.id).await, before);

    sync_calls(&w.store, good.as_ref(), &connection, false, &|_, _| {})
        .await
        .unwrap();
    let state = w.store.call_sync_state(connection.id).await.unwrap().unwrap();
    assert_eq!(state.last_error, None, "a good poll clears the error");
}

#[tokio::test]
async fn a_provider_that_fails_is_recorded_as_unavailable() {
    let w = world("vh_calls_poll_500", 30).await;
    let connection = w.connect(ProviderKind::ElevenLabs).await;
    let client = w.client(ProviderKind::ElevenLabs);
    w.sim.set_faults(Faults {
        error_rate: 1.0,
        mix: FaultMix {
            rate_limited: 0,
            server_error: 1,
            unavailable: 0,
            reset: 0,
            timeout: 0,
        },
        ..Faults::default()
    });
    let err = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("ElevenLabs is unavailable (HTTP 500"),
        "{err}"
    );
    let state = w.store.call_sync_state(connection.id).await.unwrap().unwrap();
    assert_eq!(state.last_error, Some(err.to_string()));
    assert_eq!(state.backfill_status, "failed");
    assert_eq!(w.totals(connection.id).await.calls, 0);

    w.sim.set_faults(Faults::default());
    let report = sync_calls(&w.store, client.as_ref(), &connection, true, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(report.created, w.sim_calls(ProviderKind::ElevenLabs).await.len());
}
