//! Storing calls once, keeping the rollups exact, linking assistants imported later.

use std::sync::Arc;

use jiff::civil::date;
use voxhive_store::{CallTotals, Upserted, UsageGroupBy, UsageKey, UsageQuery};

use crate::world::{at, call, world};

fn period(from: jiff::civil::Date, to: jiff::civil::Date) -> UsageQuery {
    UsageQuery {
        from,
        to,
        connection_id: None,
    }
}

#[tokio::test]
async fn a_replayed_call_is_stored_once_and_leaves_the_rollups_alone() {
    let w = world("vh_calls").await;
    let c = call(w.vapi, "call_1", "2026-03-10T12:00:00Z");
    let first = w.store().upsert_call(&c).await.unwrap();
    assert!(first.created && first.changed);
    let march = period(date(2026, 3, 1), date(2026, 3, 31));
    let before = w.store().usage(w.ws(), &march, UsageGroupBy::Day).await.unwrap();

    let again = w.store().upsert_call(&c).await.unwrap();
    assert_eq!(
        again,
        Upserted {
            id: first.id,
            created: false,
            changed: false
        }
    );
    let after = w.store().usage(w.ws(), &march, UsageGroupBy::Day).await.unwrap();
    assert_eq!(before, after);
    assert_eq!(after.totals.calls, 1);
    assert_eq!(after.totals.cost_micro_usd, 100_000);
    w.assert_rollups_exact().await;
}

#[tokio::test]
async fn an_update_moving_cost_day_and_assistant_keeps_the_rollups_equal_to_a_recompute() {
    let w = world("vh_calls").await;
    let mut c = call(w.vapi, "call_1", "2026-03-10T12:00:00Z");
    c.status = "in-progress".to_string();
    c.cost_micro_usd = 0;
    c.ended_reason = None;
    c.success = None;
    let id = w.store().upsert_call(&c).await.unwrap().id;
    w.store()
        .upsert_call(&call(w.vapi, "call_2", "2026-03-10T13:00:00Z"))
        .await
        .unwrap();

    let mut ended = call(w.vapi, "call_1", "2026-03-11T09:00:00Z");
    ended.remote_assistant_id = Some("asst_2".to_string());
    ended.cost_micro_usd = 250_000;
    ended.success = Some(false);
    let up = w.store().upsert_call(&ended).await.unwrap();
    assert_eq!(
        up,
        Upserted {
            id,
            created: false,
            changed: true
        }
    );
    w.assert_rollups_exact().await;

    let march = period(date(2026, 3, 1), date(2026, 3, 31));
    let days = w.store().usage(w.ws(), &march, UsageGroupBy::Day).await.unwrap();
    let by_day: Vec<(UsageKey, i64, i64)> = days
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.totals.calls, g.totals.cost_micro_usd))
        .collect();
    assert_eq!(
        by_day,
        [
            (UsageKey::Day(date(2026, 3, 10)), 1, 100_000),
            (UsageKey::Day(date(2026, 3, 11)), 1, 250_000)
        ]
    );
    assert_eq!((days.totals.successes, days.totals.evaluated), (1, 2));
    let reasons = w.store().ended_reasons(w.ws(), &march).await.unwrap();
    assert_eq!(
        reasons.len(),
        1,
        "the in-progress call's empty reason moved away: {reasons:?}"
    );
    assert_eq!(reasons[0].calls, 2);
}

#[tokio::test]
async fn costs_add_up_exactly_in_integer_micro_dollars() {
    let w = world("vh_calls").await;
    // 0.1 + 0.2 dollars, and a thousand calls of one micro-dollar each.
    for (i, cost) in [100_000, 200_000].into_iter().enumerate() {
        let mut c = call(w.vapi, &format!("dime_{i}"), "2026-03-10T12:00:00Z");
        c.cost_micro_usd = cost;
        w.store().upsert_call(&c).await.unwrap();
    }
    for i in 0..1000 {
        let mut c = call(w.eleven, &format!("micro_{i}"), "2026-03-10T12:00:00Z");
        c.cost_micro_usd = 1;
        c.cost_credits = 3;
        w.store().upsert_call(&c).await.unwrap();
    }
    let day = period(date(2026, 3, 10), date(2026, 3, 10));
    let usage = w.store().usage(w.ws(), &day, UsageGroupBy::Provider).await.unwrap();
    assert_eq!(usage.totals.cost_micro_usd, 300_000 + 1_000);
    assert_eq!(usage.totals.cost_credits, 3_000);
    let vapi = usage
        .groups
        .iter()
        .find(|g| g.key == UsageKey::Provider("vapi".to_string()))
        .unwrap();
    assert_eq!(vapi.totals.cost_micro_usd, 300_000);
}

#[tokio::test]
async fn an_older_version_of_a_call_does_not_overwrite_a_newer_one() {
    let w = world("vh_calls").await;
    let mut ended = call(w.vapi, "call_1", "2026-03-10T12:00:00Z");
    ended.remote_updated_at = Some(at("2026-03-10T12:05:00Z"));
    w.store().upsert_call(&ended).await.unwrap();

    let mut stale = ended.clone();
    stale.remote_updated_at = Some(at("2026-03-10T12:00:30Z"));
    stale.status = "in-progress".to_string();
    stale.cost_micro_usd = 0;
    let up = w.store().upsert_call(&stale).await.unwrap();
    assert!(!up.changed);
    let stored = w.store().call(w.ws(), up.id).await.unwrap().unwrap();
    assert_eq!((stored.status.as_str(), stored.cost_micro_usd), ("ended", 100_000));
    w.assert_rollups_exact().await;
}

#[tokio::test]
async fn a_call_at_half_past_eleven_utc_counts_on_the_next_day_in_berlin() {
    let w = world("vh_calls").await;
    w.store()
        .set_workspace_time_zone(w.ws(), "Europe/Berlin")
        .await
        .unwrap();
    let id = w
        .store()
        .upsert_call(&call(w.vapi, "late", "2026-03-10T23:30:00Z"))
        .await
        .unwrap()
        .id;
    assert_eq!(w.store().call(w.ws(), id).await.unwrap().unwrap().day, "2026-03-11");
    let usage = w
        .store()
        .usage(w.ws(), &period(date(2026, 3, 10), date(2026, 3, 11)), UsageGroupBy::Day)
        .await
        .unwrap();
    assert_eq!(usage.groups.len(), 1);
    assert_eq!(usage.groups[0].key, UsageKey::Day(date(2026, 3, 11)));

    // Back to UTC: the call and its rollup move to the 10th, in one step.
    let check = w.store().set_workspace_time_zone(w.ws(), "UTC").await.unwrap();
    assert_eq!(check.misdated_calls, 1);
    let usage = w
        .store()
        .usage(w.ws(), &period(date(2026, 3, 10), date(2026, 3, 11)), UsageGroupBy::Day)
        .await
        .unwrap();
    assert_eq!(usage.groups[0].key, UsageKey::Day(date(2026, 3, 10)));
    w.assert_rollups_exact().await;
    assert!(w.store().set_workspace_time_zone(w.ws(), "Mars/Olympus").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_upserts_of_one_call_store_it_once_with_exact_rollups() {
    let w = Arc::new(world("vh_calls").await);
    // Eight deliveries of the same call (the same version twice each), racing with other calls
    // that share its rollup row.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let w = w.clone();
            tokio::spawn(async move {
                let mut c = call(w.vapi, "raced", "2026-03-10T12:00:00Z");
                c.cost_micro_usd = 100_000 + (i % 4) * 1_000;
                let up = w.store().upsert_call(&c).await.unwrap();
                let other = call(w.vapi, &format!("other_{i}"), "2026-03-10T12:00:00Z");
                w.store().upsert_call(&other).await.unwrap();
                up
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let id = results[0].id;
    assert!(results.iter().all(|r| r.id == id));
    assert_eq!(results.iter().filter(|r| r.created).count(), 1);
    w.assert_rollups_exact().await;

    let stored = w.store().call(w.ws(), id).await.unwrap().unwrap();
    let usage = w
        .store()
        .usage(w.ws(), &period(date(2026, 3, 10), date(2026, 3, 10)), UsageGroupBy::Day)
        .await
        .unwrap();
    assert_eq!(usage.totals.calls, 9);
    assert_eq!(usage.totals.cost_micro_usd, 8 * 100_000 + stored.cost_micro_usd);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batches_over_the_same_calls_in_opposite_orders_neither_deadlock_nor_drift() {
    let w = Arc::new(world("vh_calls").await);
    let tasks: Vec<_> = (0..6i64)
        .map(|t| {
            let w = w.clone();
            tokio::spawn(async move {
                let mut batch: Vec<_> = (0..20)
                    .map(|i| {
                        let connection = if i % 3 == 0 { w.eleven } else { w.vapi };
                        let mut c = call(connection, &format!("c{i}"), "2026-03-10T12:00:00Z");
                        c.started_at += (i + t) * 3_600_000;
                        c.cost_micro_usd = 1_000 * t + i;
                        c.remote_assistant_id = Some(format!("asst_{}", (i + t) % 3));
                        c
                    })
                    .collect();
                if t % 2 == 1 {
                    batch.reverse();
                }
                // The first call twice: the later version wins within the batch.
                batch.push(batch[0].clone());
                batch.last_mut().unwrap().cost_micro_usd += 1;
                let upserted = w.store().upsert_calls(&batch).await.unwrap();
                assert_eq!(upserted.len(), 21);
                assert_eq!(upserted[0].id, upserted[20].id);
                assert!(upserted[20].changed && !upserted[20].created);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    w.assert_rollups_exact().await;
    let usage = w
        .store()
        .usage(
            w.ws(),
            &period(date(2026, 3, 1), date(2026, 3, 31)),
            UsageGroupBy::Connection,
        )
        .await
        .unwrap();
    assert_eq!(usage.totals.calls, 20);
    assert!(w.store().upsert_calls(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn calls_are_linked_to_their_assistant_now_or_once_it_is_imported() {
    let w = world("vh_calls").await;
    let known = w.assistant(w.vapi, "asst_known", "Receptionist").await;
    let mut c = call(w.vapi, "c1", "2026-03-10T12:00:00Z");
    c.remote_assistant_id = Some("asst_known".to_string());
    let id = w.store().upsert_call(&c).await.unwrap().id;
    let stored = w.store().call(w.ws(), id).await.unwrap().unwrap();
    assert_eq!(stored.assistant_id, Some(known));
    assert_eq!(stored.assistant_name.as_deref(), Some("Receptionist"));

    // Calls of an assistant not imported yet are stored all the same, unlinked.
    let mut ids = Vec::new();
    for n in ["c2", "c3"] {
        let mut c = call(w.vapi, n, "2026-03-10T12:00:00Z");
        c.remote_assistant_id = Some("asst_later".to_string());
        ids.push(w.store().upsert_call(&c).await.unwrap().id);
    }
    let mut other = call(w.eleven, "c4", "2026-03-10T12:00:00Z");
    other.remote_assistant_id = Some("asst_later".to_string());
    let other_id = w.store().upsert_call(&other).await.unwrap().id;
    assert_eq!(
        w.store().call(w.ws(), ids[0]).await.unwrap().unwrap().assistant_id,
        None
    );

    let later = w.assistant(w.vapi, "asst_later", "Sales").await;
    assert_eq!(w.store().link_unlinked_calls(w.vapi).await.unwrap(), 2);
    assert_eq!(w.store().link_unlinked_calls(w.vapi).await.unwrap(), 0);
    for id in &ids {
        assert_eq!(
            w.store().call(w.ws(), *id).await.unwrap().unwrap().assistant_id,
            Some(later)
        );
    }
    // The same provider id on another connection is another assistant.
    assert_eq!(
        w.store().call(w.ws(), other_id).await.unwrap().unwrap().assistant_id,
        None
    );
    let el = w.assistant(w.eleven, "asst_later", "Sales (EL)").await;
    assert_eq!(w.store().link_calls(w.eleven, "asst_later", el).await.unwrap(), 1);
    assert_eq!(w.store().link_calls(w.eleven, "asst_later", el).await.unwrap(), 0);
    assert_eq!(
        w.store().call(w.ws(), other_id).await.unwrap().unwrap().assistant_id,
        Some(el)
    );

    // A later version of a linked call stays linked; rollups never moved.
    let mut again = call(w.vapi, "c2", "2026-03-10T12:00:00Z");
    again.remote_assistant_id = Some("asst_later".to_string());
    again.cost_micro_usd = 1;
    w.store().upsert_call(&again).await.unwrap();
    assert_eq!(
        w.store().call(w.ws(), ids[0]).await.unwrap().unwrap().assistant_id,
        Some(later)
    );
    w.assert_rollups_exact().await;
}

#[tokio::test]
async fn the_doctor_reports_a_damaged_rollup_and_repairs_it() {
    let w = world("vh_calls").await;
    w.store()
        .upsert_call(&call(w.vapi, "c1", "2026-03-10T12:00:00Z"))
        .await
        .unwrap();
    w.t.execute_raw("UPDATE call_rollups SET cost_micro_usd = cost_micro_usd + 7")
        .await;
    w.t.execute_raw("DELETE FROM call_reason_rollups").await;

    let check = w.store().recompute_rollups(w.ws()).await.unwrap();
    assert_eq!(check.misdated_calls, 0);
    assert_eq!(check.differences.len(), 2, "{check:?}");
    let totals = check.differences.iter().find(|d| d.ended_reason.is_none()).unwrap();
    assert_eq!(totals.day, "2026-03-10");
    assert_eq!(totals.remote_assistant_id.as_deref(), Some("asst_1"));
    assert_eq!(totals.actual.cost_micro_usd - totals.expected.cost_micro_usd, 7);
    let reason = check.differences.iter().find(|d| d.ended_reason.is_some()).unwrap();
    assert_eq!((reason.expected.calls, reason.actual), (1, CallTotals::default()));
    w.assert_rollups_exact().await;
    assert!(w.store().rebuild_rollups(w.ws()).await.unwrap().is_clean());
}

#[tokio::test]
async fn deleting_a_connection_takes_its_calls_and_rollups_with_it() {
    let w = world("vh_calls").await;
    let id = w
        .store()
        .upsert_call(&call(w.eleven, "c1", "2026-03-10T12:00:00Z"))
        .await
        .unwrap()
        .id;
    w.store()
        .upsert_call(&call(w.vapi, "c2", "2026-03-10T12:00:00Z"))
        .await
        .unwrap();
    assert!(w.store().delete_connection(w.ws(), w.eleven).await.unwrap());
    assert!(w.store().call(w.ws(), id).await.unwrap().is_none());
    let usage = w
        .store()
        .usage(w.ws(), &period(date(2026, 3, 10), date(2026, 3, 10)), UsageGroupBy::Day)
        .await
        .unwrap();
    assert_eq!(usage.totals.calls, 1);
    w.assert_rollups_exact().await;
}
