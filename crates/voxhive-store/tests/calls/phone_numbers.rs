//! Phone numbers: replaced by what the provider lists, changed one at a time, and counted with
//! their calls of a recent period.

use serde_json::json;
use voxhive_store::NewPhoneNumber;

use crate::world::{at, call, world};

fn number(remote_id: &str, e164: &str, assistant: Option<&str>) -> NewPhoneNumber {
    NewPhoneNumber {
        remote_id: remote_id.to_string(),
        number: Some(e164.to_string()),
        carrier: "vapi".to_string(),
        name: Some(format!("Line {e164}")),
        remote_assistant_id: assistant.map(str::to_string),
        remote_squad_id: None,
        server_url: None,
        status: Some("active".to_string()),
        document: json!({"id": remote_id, "number": e164}),
    }
}

#[tokio::test]
async fn a_listing_replaces_the_numbers_and_counts_their_recent_calls() {
    let w = world("phone_numbers").await;
    let store = w.store();
    let desk = w.assistant(w.vapi, "asst_1", "Front desk").await;
    let first = [
        number("pn_1", "+14155550101", Some("asst_1")),
        number("pn_2", "+14155550102", None),
    ];
    assert_eq!(store.replace_phone_numbers(w.ws(), w.vapi, &first).await.unwrap(), 0);

    // Two calls on pn_1 in the period, one before it, one on no number.
    for (id, started, phone) in [
        ("c1", "2026-11-20T10:00:00Z", Some("pn_1")),
        ("c2", "2026-11-21T10:00:00Z", Some("pn_1")),
        ("c3", "2026-10-01T10:00:00Z", Some("pn_1")),
        ("c4", "2026-11-21T11:00:00Z", None),
    ] {
        let mut c = call(w.vapi, id, started);
        c.remote_phone_number_id = phone.map(str::to_string);
        store.upsert_call(&c).await.unwrap();
    }
    let since = at("2026-11-01T00:00:00Z");
    let listed = store.phone_numbers(w.ws(), None, since).await.unwrap();
    let summary: Vec<(&str, Option<i64>, i64, i64)> = listed
        .iter()
        .map(|p| {
            (
                p.remote_id.as_str(),
                p.assistant_id,
                p.recent_calls,
                p.recent_cost_micro_usd,
            )
        })
        .collect();
    assert_eq!(summary, [("pn_1", Some(desk), 2, 200_000), ("pn_2", None, 0, 0)]);
    assert_eq!(listed[0].assistant_name.as_deref(), Some("Front desk"));
    assert_eq!(listed[0].connection_label, "Vapi production");

    // The next listing renames pn_2, drops pn_1 and brings pn_3.
    let mut renamed = number("pn_2", "+14155550102", Some("asst_1"));
    renamed.name = Some("Support".to_string());
    let second = [renamed, number("pn_3", "+14155550103", None)];
    assert_eq!(store.replace_phone_numbers(w.ws(), w.vapi, &second).await.unwrap(), 1);
    let listed = store.phone_numbers(w.ws(), Some(w.vapi), since).await.unwrap();
    let names: Vec<(&str, Option<&str>)> = listed
        .iter()
        .map(|p| (p.remote_id.as_str(), p.name.as_deref()))
        .collect();
    assert_eq!(names, [("pn_2", Some("Support")), ("pn_3", Some("Line +14155550103"))]);
    assert!(store
        .phone_numbers(w.ws(), Some(w.eleven), since)
        .await
        .unwrap()
        .is_empty());

    // One number changed at the provider, then released.
    let pn_3 = listed[1].id;
    let mut assigned = number("pn_3", "+14155550103", Some("asst_1"));
    assigned.server_url = Some("https://hooks.example.com/vapi".to_string());
    assert_eq!(
        store.upsert_phone_number(w.ws(), w.vapi, &assigned).await.unwrap(),
        pn_3
    );
    let one = store.phone_number(w.ws(), pn_3, since).await.unwrap().unwrap();
    assert_eq!(one.assistant_id, Some(desk));
    assert_eq!(one.server_url.as_deref(), Some("https://hooks.example.com/vapi"));
    assert!(store.delete_phone_number(w.ws(), pn_3).await.unwrap());
    assert!(!store.delete_phone_number(w.ws(), pn_3).await.unwrap());
    assert!(store.phone_number(w.ws(), pn_3, since).await.unwrap().is_none());
}
