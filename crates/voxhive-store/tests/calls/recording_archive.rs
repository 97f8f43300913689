//! The recording archive's queue: which calls are offered, claims, failures with their backoff,
//! success, and calls retention emptied.

use serde_json::json;
use voxhive_store::RECORDING_ARCHIVE_MAX_ATTEMPTS;

use crate::world::{at, call, world, World};

/// Stores the calls every test starts from: a Vapi call with a recording URL, one without, one
/// still running; an ElevenLabs conversation with audio and one without. Returns the ids of
/// the two that have a recording to archive.
async fn calls(w: &World) -> (i64, i64) {
    let mut recorded = call(w.vapi, "recorded", "2026-03-01T09:00:00Z");
    recorded.recording_url = Some("https://storage.example/recorded.wav".to_string());
    let silent = call(w.vapi, "silent", "2026-03-01T10:00:00Z");
    let mut running = call(w.vapi, "running", "2026-03-01T11:00:00Z");
    running.status = "in-progress".to_string();
    running.recording_url = Some("https://storage.example/running.wav".to_string());
    let mut audio = call(w.eleven, "conv_audio", "2026-03-02T09:00:00Z");
    audio.document = json!({"conversation_id": "conv_audio", "has_audio": true});
    let mut no_audio = call(w.eleven, "conv_none", "2026-03-02T10:00:00Z");
    no_audio.document = json!({"conversation_id": "conv_none", "has_audio": false});
    w.store()
        .upsert_calls(&[recorded, silent, running, audio, no_audio])
        .await
        .unwrap();
    let id = |c: i64, r: &'static str| async move { w.store().call_by_remote_id(c, r).await.unwrap().unwrap().id };
    (id(w.vapi, "recorded").await, id(w.eleven, "conv_audio").await)
}

#[tokio::test]
async fn only_ended_calls_with_a_recording_are_offered_oldest_first_and_claimed_once() {
    let w = world("vh_archive_offer").await;
    let (recorded, audio) = calls(&w).await;
    let now = at("2026-03-03T00:00:00Z");
    let offered = w.store().calls_to_archive(10, now).await.unwrap();
    let mut ids: Vec<i64> = offered.iter().map(|c| c.id).collect();
    ids.sort();
    assert_eq!(ids, [recorded, audio]);
    let vapi = offered.iter().find(|c| c.id == recorded).unwrap();
    assert_eq!(
        vapi.recording_url.as_deref(),
        Some("https://storage.example/recorded.wav")
    );
    assert_eq!((vapi.provider.as_str(), vapi.remote_id.as_str()), ("vapi", "recorded"));
    assert_eq!(vapi.connection_id, w.vapi);
    assert_eq!(vapi.attempts, 0);

    // Claimed: not offered again while the claim lasts, offered after it.
    assert!(w.store().calls_to_archive(10, now + 60_000).await.unwrap().is_empty());
    assert_eq!(
        w.store().calls_to_archive(10, now + 11 * 60_000).await.unwrap().len(),
        2
    );

    // The limit takes the oldest.
    let w = world("vh_archive_limit").await;
    let (recorded, _) = calls(&w).await;
    let first = w.store().calls_to_archive(1, now).await.unwrap();
    assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), [recorded]);
}

#[tokio::test]
async fn a_failure_is_counted_and_retried_after_its_backoff_and_success_ends_it() {
    let w = world("vh_archive_failure").await;
    let (recorded, audio) = calls(&w).await;
    let now = at("2026-03-03T00:00:00Z");
    w.store().calls_to_archive(10, now).await.unwrap();
    w.store()
        .record_archive_failure(recorded, "the recording answered 404 Not Found", now + 3_600_000)
        .await
        .unwrap();
    assert!(w
        .store()
        .record_recording_archived(audio, "2/conv_audio.mp3")
        .await
        .unwrap());

    let failures = w.store().recording_archive_failures(recorded).await.unwrap();
    assert_eq!(
        failures,
        Some((1, Some("the recording answered 404 Not Found".to_string())))
    );
    // Before the backoff is over nothing is due (the other call is archived).
    assert!(w
        .store()
        .calls_to_archive(10, now + 3_599_999)
        .await
        .unwrap()
        .is_empty());
    let again = w.store().calls_to_archive(10, now + 3_600_000).await.unwrap();
    assert_eq!(
        again.iter().map(|c| (c.id, c.attempts)).collect::<Vec<_>>(),
        [(recorded, 1)]
    );

    let stored = w.store().call(w.ws(), audio).await.unwrap().unwrap();
    assert_eq!(stored.recording_key.as_deref(), Some("2/conv_audio.mp3"));

    // Success clears the error.
    assert!(w
        .store()
        .record_recording_archived(recorded, "1/recorded.wav")
        .await
        .unwrap());
    let failures = w.store().recording_archive_failures(recorded).await.unwrap();
    assert_eq!(failures, Some((1, None)));
    assert!(w
        .store()
        .calls_to_archive(10, now + 86_400_000)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_call_is_left_alone_after_its_last_attempt() {
    let w = world("vh_archive_give_up").await;
    let (recorded, audio) = calls(&w).await;
    assert!(w
        .store()
        .record_recording_archived(audio, "2/conv_audio.mp3")
        .await
        .unwrap());
    let mut now = at("2026-03-03T00:00:00Z");
    for attempt in 0..RECORDING_ARCHIVE_MAX_ATTEMPTS {
        let due = w.store().calls_to_archive(10, now).await.unwrap();
        assert_eq!(
            due.iter().map(|c| (c.id, c.attempts)).collect::<Vec<_>>(),
            [(recorded, attempt)]
        );
        w.store()
            .record_archive_failure(recorded, "timed out", now + 1)
            .await
            .unwrap();
        now += 1;
    }
    assert!(w
        .store()
        .calls_to_archive(10, now + 86_400_000)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn calls_whose_contents_were_purged_are_never_archived() {
    let w = world("vh_archive_purged").await;
    let (recorded, audio) = calls(&w).await;
    let now = at("2026-03-03T00:00:00Z");
    // A download finished while retention purged the call: the copy is refused.
    let claimed = w.store().calls_to_archive(10, now).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let purged = w.store().purge_call_contents(w.ws(), now, 100).await.unwrap();
    assert_eq!(purged.len(), 5);
    assert!(!w
        .store()
        .record_recording_archived(recorded, "1/recorded.wav")
        .await
        .unwrap());
    assert_eq!(
        w.store().call(w.ws(), recorded).await.unwrap().unwrap().recording_key,
        None
    );
    assert!(w
        .store()
        .calls_to_archive(10, now + 86_400_000)
        .await
        .unwrap()
        .is_empty());
    assert!(!w
        .store()
        .record_recording_archived(audio, "2/conv_audio.mp3")
        .await
        .unwrap());
}
