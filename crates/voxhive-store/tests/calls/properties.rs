//! Property: whatever sequence of versions of whatever calls arrives, alone or in batches, the
//! rollups equal a recompute from the calls.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use voxhive_store::NewCall;

use crate::world::{at, call, world};

/// One delivery: which call, and the fields a later version may change.
#[derive(Clone, Debug)]
struct Delivery {
    call: usize,
    eleven: bool,
    minutes: i64,
    assistant: Option<&'static str>,
    reason: Option<&'static str>,
    success: Option<bool>,
    duration_ms: i64,
    costs: [i64; 6],
    credits: i64,
    updated: Option<i64>,
}

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        (0..5usize, any::<bool>(), 0..(3 * 24 * 60i64)),
        proptest::option::of(prop::sample::select(vec!["asst_a", "asst_b"])),
        proptest::option::of(prop::sample::select(vec!["hangup", "error", "voicemail"])),
        proptest::option::of(any::<bool>()),
        0..600_000i64,
        proptest::array::uniform6(0..1_000_000i64),
        0..5_000i64,
        proptest::option::of(0..10i64),
    )
        .prop_map(
            |((call, eleven, minutes), assistant, reason, success, duration_ms, costs, credits, updated)| Delivery {
                call,
                eleven,
                minutes,
                assistant,
                reason,
                success,
                duration_ms,
                costs,
                credits,
                updated,
            },
        )
}

fn new_call(d: &Delivery, vapi: i64, eleven: i64) -> NewCall {
    let connection = if d.eleven { eleven } else { vapi };
    let mut c = call(connection, &format!("call_{}", d.call), "2026-03-10T00:00:00Z");
    c.started_at = at("2026-03-09T22:00:00Z") + d.minutes * 60_000;
    c.remote_assistant_id = d.assistant.map(str::to_string);
    c.ended_reason = d.reason.map(str::to_string);
    c.success = d.success;
    c.duration_ms = d.duration_ms;
    let [total, transport, stt, llm, tts, platform] = d.costs;
    c.cost_micro_usd = total;
    c.cost_transport_micro_usd = transport;
    c.cost_stt_micro_usd = stt;
    c.cost_llm_micro_usd = llm;
    c.cost_tts_micro_usd = tts;
    c.cost_platform_micro_usd = platform;
    c.cost_credits = d.credits;
    c.remote_updated_at = d.updated;
    c
}

#[test]
fn any_sequence_of_upserts_leaves_the_rollups_equal_to_a_recompute() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world("vh_prop"));
    let zones = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    // Deliveries arrive one by one or in batches (one transaction each; a batch may hold two
    // versions of one call).
    let strategy = (0..zones.len(), prop::collection::vec(delivery(), 1..30), 1..6usize);
    let case = std::cell::Cell::new(0);
    runner
        .run(&strategy, |(zone, deliveries, batch)| {
            case.set(case.get() + 1);
            rt.block_on(async {
                // Each case in a workspace of its own, on the same database.
                let ws = w
                    .store()
                    .create_workspace(&format!("case {}", case.get()))
                    .await
                    .unwrap()
                    .id;
                let vapi = connection(&w, ws, "vapi").await;
                let eleven = connection(&w, ws, "elevenlabs").await;
                w.store().set_workspace_time_zone(ws, zones[zone]).await.unwrap();
                let calls: Vec<NewCall> = deliveries.iter().map(|d| new_call(d, vapi, eleven)).collect();
                for chunk in calls.chunks(batch) {
                    let upserted = w.store().upsert_calls(chunk).await.unwrap();
                    prop_assert_eq!(upserted.len(), chunk.len());
                }
                let check = w.store().recompute_rollups(ws).await.unwrap();
                prop_assert!(check.is_clean(), "{check:?}");
                Ok(())
            })
        })
        .unwrap();
}

async fn connection(w: &crate::world::World, workspace_id: i64, provider: &str) -> i64 {
    w.store()
        .create_connection(&voxhive_store::NewConnection {
            workspace_id,
            provider,
            label: provider,
            base_url: None,
            api_key_sealed: "v1.unused",
            key_last4: "0000",
            usd_per_credit_nano: None,
        })
        .await
        .unwrap()
        .id
}
