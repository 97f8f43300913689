//! Retention: old calls lose their transcripts and recordings, keep their costs, and stay
//! emptied when the provider sends them again.

use serde_json::json;
use voxhive_store::{CallFilter, CallSort};

use crate::world::{at, call, world};

#[tokio::test]
async fn old_contents_are_deleted_costs_stay_and_a_later_poll_does_not_restore_them() {
    let w = world("vh_retention").await;
    let mut old = call(w.vapi, "old", "2026-01-10T09:00:00Z");
    old.recording_url = Some("https://storage.example/old.wav".to_string());
    old.document = json!({"id": "old", "cost": 0.1, "artifact": {"transcript": "When are you open?"}});
    let recent = call(w.vapi, "recent", "2026-03-10T09:00:00Z");
    w.store().upsert_calls(&[old.clone(), recent]).await.unwrap();
    let old_id = w.store().call_by_remote_id(w.vapi, "old").await.unwrap().unwrap().id;
    w.store()
        .set_call_recording_key(w.ws(), old_id, "recordings/old.wav")
        .await
        .unwrap();

    let purged = w
        .store()
        .purge_call_contents(w.ws(), at("2026-02-01T00:00:00Z"), 100)
        .await
        .unwrap();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].id, old_id);
    assert_eq!(purged[0].recording_key.as_deref(), Some("recordings/old.wav"));
    // Nothing is left to purge.
    assert!(w
        .store()
        .purge_call_contents(w.ws(), at("2026-02-01T00:00:00Z"), 100)
        .await
        .unwrap()
        .is_empty());

    let stored = w.store().call(w.ws(), old_id).await.unwrap().unwrap();
    assert_eq!(stored.transcript_text, None);
    assert_eq!(stored.recording_url, None);
    assert_eq!(stored.recording_key, None);
    assert_eq!(stored.cost_micro_usd, 100_000);
    assert_eq!(stored.summary.as_deref(), Some("The caller asked about opening hours."));
    let document: serde_json::Value = serde_json::from_str(&stored.document).unwrap();
    assert_eq!(document, json!({"id": "old", "cost": 0.1}));
    w.assert_rollups_exact().await;

    // The transcript's words are no longer found; the recent call's still are.
    let search = |q: &str| CallFilter {
        q: Some(q.to_string()),
        ..CallFilter::default()
    };
    let page = w
        .store()
        .calls(w.ws(), &search("open"), CallSort::Newest, None, 10)
        .await
        .unwrap();
    let found: Vec<&str> = page.rows.iter().map(|r| r.remote_id.as_str()).collect();
    assert_eq!(found, ["recent"]);

    // The provider sends the old call again, changed: its facts update, its contents stay gone.
    let mut again = old;
    again.ended_reason = Some("assistant-ended-call".to_string());
    w.store().upsert_call(&again).await.unwrap();
    let stored = w.store().call(w.ws(), old_id).await.unwrap().unwrap();
    assert_eq!(stored.ended_reason.as_deref(), Some("assistant-ended-call"));
    assert_eq!(stored.transcript_text, None);
    assert_eq!(stored.recording_url, None);
    assert!(!stored.document.contains("artifact"));
    w.assert_rollups_exact().await;
}
