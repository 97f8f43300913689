//! Usage & Cost from the rollups: groups, cost components, ended reasons.

use jiff::civil::date;
use voxhive_store::{DailyComponents, ReasonCount, UsageGroupBy, UsageKey, UsageQuery};

use crate::world::{call, world, World};

/// Three calls on the 10th and 11th of March over two connections and three assistants, and one
/// in April outside the period.
async fn seeded() -> (World, i64) {
    let w = world("vh_usage").await;
    let receptionist = w.assistant(w.vapi, "asst_1", "Receptionist").await;
    w.store()
        .upsert_call(&call(w.vapi, "a", "2026-03-10T09:00:00Z"))
        .await
        .unwrap();
    let mut c = call(w.vapi, "b", "2026-03-11T09:00:00Z");
    c.remote_assistant_id = None;
    c.cost_micro_usd = 50_000;
    c.cost_platform_micro_usd = 0;
    c.ended_reason = Some("silence-timed-out".to_string());
    c.success = None;
    w.store().upsert_call(&c).await.unwrap();
    let mut c = call(w.eleven, "c", "2026-03-11T10:00:00Z");
    c.remote_assistant_id = Some("agent_9".to_string());
    c.cost_micro_usd = 400_000;
    c.cost_credits = 800;
    c.duration_ms = 120_000;
    c.success = Some(false);
    w.store().upsert_call(&c).await.unwrap();
    w.store()
        .upsert_call(&call(w.vapi, "d", "2026-04-02T09:00:00Z"))
        .await
        .unwrap();
    (w, receptionist)
}

fn march() -> UsageQuery {
    UsageQuery {
        from: date(2026, 3, 1),
        to: date(2026, 3, 31),
        connection_id: None,
    }
}

#[tokio::test]
async fn usage_is_totalled_and_grouped_by_day_assistant_connection_and_provider() {
    let (w, receptionist) = seeded().await;
    let usage = w.store().usage(w.ws(), &march(), UsageGroupBy::Day).await.unwrap();
    assert_eq!(usage.totals.calls, 3);
    assert_eq!(usage.totals.duration_ms, 240_000);
    assert_eq!(usage.totals.cost_micro_usd, 550_000);
    assert_eq!(usage.totals.cost_credits, 800);
    assert_eq!((usage.totals.successes, usage.totals.evaluated), (1, 2));
    let days: Vec<(UsageKey, i64)> = usage.groups.iter().map(|g| (g.key.clone(), g.totals.calls)).collect();
    assert_eq!(
        days,
        [
            (UsageKey::Day(date(2026, 3, 10)), 1),
            (UsageKey::Day(date(2026, 3, 11)), 2)
        ]
    );

    let by_assistant = w
        .store()
        .usage(w.ws(), &march(), UsageGroupBy::Assistant)
        .await
        .unwrap();
    assert_eq!(by_assistant.totals, usage.totals);
    let keys: Vec<UsageKey> = by_assistant.groups.iter().map(|g| g.key.clone()).collect();
    assert_eq!(
        keys,
        [
            UsageKey::Assistant {
                connection_id: w.eleven,
                remote_assistant_id: Some("agent_9".to_string()),
                assistant_id: None,
                name: None
            },
            UsageKey::Assistant {
                connection_id: w.vapi,
                remote_assistant_id: Some("asst_1".to_string()),
                assistant_id: Some(receptionist),
                name: Some("Receptionist".to_string())
            },
            UsageKey::Assistant {
                connection_id: w.vapi,
                remote_assistant_id: None,
                assistant_id: None,
                name: None
            },
        ],
        "highest cost first"
    );

    let by_connection = w
        .store()
        .usage(w.ws(), &march(), UsageGroupBy::Connection)
        .await
        .unwrap();
    let costs: Vec<(UsageKey, i64)> = by_connection
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.totals.cost_micro_usd))
        .collect();
    assert_eq!(
        costs,
        [
            (
                UsageKey::Connection {
                    connection_id: w.eleven,
                    label: "ElevenLabs".to_string(),
                    provider: "elevenlabs".to_string()
                },
                400_000
            ),
            (
                UsageKey::Connection {
                    connection_id: w.vapi,
                    label: "Vapi production".to_string(),
                    provider: "vapi".to_string()
                },
                150_000
            ),
        ]
    );

    let by_provider = w.store().usage(w.ws(), &march(), UsageGroupBy::Provider).await.unwrap();
    let providers: Vec<(UsageKey, i64, i64)> = by_provider
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.totals.calls, g.totals.cost_credits))
        .collect();
    assert_eq!(
        providers,
        [
            (UsageKey::Provider("elevenlabs".to_string()), 1, 800),
            (UsageKey::Provider("vapi".to_string()), 2, 0)
        ]
    );

    // One connection only; an empty period.
    let vapi_only = UsageQuery {
        connection_id: Some(w.vapi),
        ..march()
    };
    let usage = w.store().usage(w.ws(), &vapi_only, UsageGroupBy::Day).await.unwrap();
    assert_eq!(usage.totals.calls, 2);
    let empty = UsageQuery {
        from: date(2025, 1, 1),
        to: date(2025, 1, 31),
        connection_id: None,
    };
    let usage = w.store().usage(w.ws(), &empty, UsageGroupBy::Provider).await.unwrap();
    assert!(usage.groups.is_empty() && usage.totals.calls == 0);
}

#[tokio::test]
async fn daily_cost_is_stacked_by_component_and_adds_up_to_the_total() {
    let (w, _) = seeded().await;
    let days = w.store().daily_components(w.ws(), &march()).await.unwrap();
    assert_eq!(
        days[0],
        DailyComponents {
            day: date(2026, 3, 10),
            transport_micro_usd: 10_000,
            stt_micro_usd: 20_000,
            llm_micro_usd: 30_000,
            tts_micro_usd: 25_000,
            platform_micro_usd: 5_000,
            other_micro_usd: 10_000,
            total_micro_usd: 100_000,
            credits: 0,
        }
    );
    for d in &days {
        let parts = d.transport_micro_usd
            + d.stt_micro_usd
            + d.llm_micro_usd
            + d.tts_micro_usd
            + d.platform_micro_usd
            + d.other_micro_usd;
        assert_eq!(parts, d.total_micro_usd);
    }
    assert_eq!(days[1].credits, 800);
}

#[tokio::test]
async fn ended_reasons_are_counted_most_frequent_first() {
    let (w, _) = seeded().await;
    let mut c = call(w.vapi, "in-progress", "2026-03-12T09:00:00Z");
    c.status = "in-progress".to_string();
    c.ended_reason = None;
    w.store().upsert_call(&c).await.unwrap();
    let reasons = w.store().ended_reasons(w.ws(), &march()).await.unwrap();
    assert_eq!(
        reasons,
        [
            ReasonCount {
                reason: Some("customer-ended-call".to_string()),
                calls: 2
            },
            ReasonCount { reason: None, calls: 1 },
            ReasonCount {
                reason: Some("silence-timed-out".to_string()),
                calls: 1
            },
        ]
    );
}
