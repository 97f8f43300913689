//! Analytics: success rate and duration per day, ended reasons by category, simultaneous calls
//! per hour, calls by weekday and hour in the workspace's zone, assistants side by side and
//! their cost growth.

use jiff::civil::date;
use voxhive_core::ended_reason::ReasonCategory;
use voxhive_store::{AssistantRef, DailyPerformance, ReasonCount, UsageQuery, MAX_CONCURRENCY_DAYS};

use crate::world::{at, call, world, World};

fn period(from: (i16, i8, i8), to: (i16, i8, i8), connection_id: Option<i64>) -> UsageQuery {
    UsageQuery {
        from: date(from.0, from.1, from.2),
        to: date(to.0, to.1, to.2),
        connection_id,
    }
}

fn march() -> UsageQuery {
    period((2026, 3, 1), (2026, 3, 31), None)
}

/// A call to store; by default one second long, ended by the customer, costing one
/// micro-dollar and not evaluated.
struct Seed<'a> {
    connection_id: i64,
    assistant: &'a str,
    id: &'a str,
    started: &'a str,
    reason: &'a str,
    duration_ms: i64,
    cost_micro_usd: i64,
    success: Option<bool>,
}

impl<'a> Seed<'a> {
    fn new(connection_id: i64, assistant: &'a str, id: &'a str, started: &'a str) -> Self {
        Seed {
            connection_id,
            assistant,
            id,
            started,
            reason: "customer-ended-call",
            duration_ms: 1_000,
            cost_micro_usd: 1,
            success: None,
        }
    }

    /// A call of the world's Vapi assistant `asst_1`.
    fn vapi(w: &World, id: &'a str, started: &'a str) -> Self {
        Seed::new(w.vapi, "asst_1", id, started)
    }

    /// A call of the world's ElevenLabs agent `agent_9`.
    fn eleven(w: &World, id: &'a str, started: &'a str) -> Self {
        Seed::new(w.eleven, "agent_9", id, started)
    }
}

/// Stores each of `seeds`, its cost all in the total.
async fn store_calls(w: &World, seeds: &[Seed<'_>]) {
    for seed in seeds {
        let mut c = call(seed.connection_id, seed.id, seed.started);
        c.remote_assistant_id = Some(seed.assistant.to_string());
        c.ended_reason = Some(seed.reason.to_string());
        c.duration_ms = seed.duration_ms;
        c.ended_at = Some(c.started_at + seed.duration_ms);
        c.cost_micro_usd = seed.cost_micro_usd;
        c.cost_transport_micro_usd = 0;
        c.cost_stt_micro_usd = 0;
        c.cost_llm_micro_usd = 0;
        c.cost_tts_micro_usd = 0;
        c.cost_platform_micro_usd = 0;
        c.success = seed.success;
        w.store().upsert_call(&c).await.unwrap();
    }
}

#[tokio::test]
async fn success_rate_and_average_duration_are_given_per_day() {
    let w = world("vh_an_daily").await;
    let s = |b| Some(b);
    store_calls(
        &w,
        &[
            Seed {
                duration_ms: 60_000,
                success: s(true),
                ..Seed::vapi(&w, "a", "2026-03-10T09:00:00Z")
            },
            Seed {
                duration_ms: 30_000,
                success: s(false),
                ..Seed::vapi(&w, "b", "2026-03-10T10:00:00Z")
            },
            Seed {
                reason: "Call not answered.",
                duration_ms: 0,
                ..Seed::eleven(&w, "c", "2026-03-10T11:00:00Z")
            },
            Seed {
                reason: "voicemail",
                duration_ms: 45_000,
                success: s(true),
                ..Seed::vapi(&w, "d", "2026-03-12T09:00:00Z")
            },
            Seed {
                reason: "voicemail",
                duration_ms: 45_000,
                success: s(true),
                ..Seed::vapi(&w, "e", "2026-04-01T09:00:00Z")
            },
        ],
    )
    .await;

    let days = w.store().daily_performance(w.ws(), &march()).await.unwrap();
    assert_eq!(
        days,
        [
            DailyPerformance {
                day: date(2026, 3, 10),
                calls: 3,
                duration_ms: 90_000,
                successes: 1,
                evaluated: 2
            },
            DailyPerformance {
                day: date(2026, 3, 12),
                calls: 1,
                duration_ms: 45_000,
                successes: 1,
                evaluated: 1
            },
        ]
    );
    assert_eq!(days[0].success_permille(), Some(500));
    assert_eq!(days[0].average_duration_ms(), Some(30_000));
    assert_eq!(days[1].success_permille(), Some(1_000));

    let vapi_only = period((2026, 3, 1), (2026, 3, 31), Some(w.vapi));
    let days = w.store().daily_performance(w.ws(), &vapi_only).await.unwrap();
    assert_eq!(days[0].calls, 2);
    assert_eq!(days[0].average_duration_ms(), Some(45_000));
    w.assert_rollups_exact().await;
}

#[tokio::test]
async fn ended_reasons_are_grouped_into_categories_with_their_reasons() {
    let w = world("vh_an_reasons").await;
    let reasons = [
        "customer-ended-call",
        "customer-ended-call",
        "customer-did-not-give-microphone-permission",
        "assistant-said-end-call-phrase",
        "exceeded-max-duration",
        "pipeline-error-openai-llm-failed",
        "call.in-progress.error-providerfault-openai-llm-failed",
        "voicemail",
        "customer-busy",
        "customer-did-not-answer",
        "manually-canceled",
    ];
    for (i, reason) in reasons.iter().enumerate() {
        let id = format!("v{i}");
        store_calls(
            &w,
            &[Seed {
                reason,
                ..Seed::vapi(&w, &id, "2026-03-10T09:00:00Z")
            }],
        )
        .await;
    }
    store_calls(
        &w,
        &[
            Seed {
                reason: "end_call tool was called.",
                ..Seed::eleven(&w, "e1", "2026-03-11T09:00:00Z")
            },
            Seed {
                reason: "Voicemail detected.",
                ..Seed::eleven(&w, "e2", "2026-03-11T09:00:00Z")
            },
        ],
    )
    .await;

    let categories = w.store().reason_categories(w.ws(), &march()).await.unwrap();
    let summary: Vec<(ReasonCategory, i64)> = categories.iter().map(|c| (c.category, c.calls)).collect();
    assert_eq!(
        summary,
        [
            (ReasonCategory::Customer, 3),
            (ReasonCategory::Assistant, 3),
            (ReasonCategory::Error, 2),
            (ReasonCategory::Voicemail, 2),
            (ReasonCategory::NoAnswer, 2),
            (ReasonCategory::Other, 1),
        ]
    );
    assert_eq!(
        categories[0].reasons,
        [
            ReasonCount {
                reason: Some("customer-ended-call".into()),
                calls: 2
            },
            ReasonCount {
                reason: Some("customer-did-not-give-microphone-permission".into()),
                calls: 1
            },
        ],
        "each category lists its reasons, most frequent first"
    );
    let voicemail: Vec<Option<&str>> = categories[3].reasons.iter().map(|r| r.reason.as_deref()).collect();
    assert_eq!(voicemail, [Some("Voicemail detected."), Some("voicemail")]);

    let eleven_only = period((2026, 3, 1), (2026, 3, 31), Some(w.eleven));
    let categories = w.store().reason_categories(w.ws(), &eleven_only).await.unwrap();
    let summary: Vec<(ReasonCategory, i64)> = categories.iter().map(|c| (c.category, c.calls)).collect();
    assert_eq!(
        summary,
        [(ReasonCategory::Assistant, 1), (ReasonCategory::Voicemail, 1)]
    );
}

#[tokio::test]
async fn the_peak_of_simultaneous_calls_is_swept_per_hour() {
    let w = world("vh_an_concurrency").await;
    let min = 60_000;
    // 09:50–10:20 crosses into the 10 o'clock hour; 10:05–10:10 and 10:08–10:33 overlap it.
    store_calls(
        &w,
        &[
            Seed {
                duration_ms: 30 * min,
                ..Seed::vapi(&w, "a", "2026-03-10T09:50:00Z")
            },
            Seed {
                duration_ms: 5 * min,
                ..Seed::vapi(&w, "b", "2026-03-10T10:05:00Z")
            },
            Seed {
                duration_ms: 25 * min,
                ..Seed::eleven(&w, "c", "2026-03-10T10:08:00Z")
            },
            // Starts the moment b ends: b and d never run together (else 4 at 10:10).
            Seed {
                duration_ms: 2 * min,
                ..Seed::vapi(&w, "d", "2026-03-10T10:10:00Z")
            },
            // Started the evening before, still running at midnight and until 00:30.
            Seed {
                duration_ms: 60 * min,
                ..Seed::vapi(&w, "e", "2026-03-09T23:30:00Z")
            },
        ],
    )
    .await;

    let q = period((2026, 3, 10), (2026, 3, 11), None);
    let c = w.store().concurrency(w.ws(), &q).await.unwrap();
    assert_eq!(c.from, date(2026, 3, 10));
    assert!(!c.capped(&q));
    assert_eq!(c.hours.len(), 48, "every hour of both days");
    assert_eq!(c.hours[0].start, at("2026-03-10T00:00:00Z"));
    let peaks: Vec<i64> = c.hours.iter().map(|h| h.peak).collect();
    let mut expected = vec![0; 48];
    expected[0] = 1;
    expected[9] = 1;
    expected[10] = 3;
    assert_eq!(peaks, expected);

    let vapi_only = period((2026, 3, 10), (2026, 3, 11), Some(w.vapi));
    let c = w.store().concurrency(w.ws(), &vapi_only).await.unwrap();
    assert_eq!(c.hours[10].peak, 2, "without the ElevenLabs call");

    // A long period is cut to its last days.
    let long = period((2025, 1, 1), (2026, 3, 11), None);
    let c = w.store().concurrency(w.ws(), &long).await.unwrap();
    assert!(c.capped(&long));
    assert_eq!(c.hours.len() as i64, MAX_CONCURRENCY_DAYS * 24);
    assert_eq!(c.from, date(2025, 12, 10));
    assert_eq!(c.hours.iter().map(|h| h.peak).max(), Some(3));
}

#[tokio::test]
async fn calls_by_weekday_and_hour_are_placed_in_the_workspace_zone() {
    let w = world("vh_an_week").await;
    w.store().set_workspace_time_zone(w.ws(), "Asia/Kolkata").await.unwrap();
    // Monday 9 March 23:45 UTC is Tuesday 05:15 in Kolkata (+05:30).
    store_calls(
        &w,
        &[
            Seed::vapi(&w, "a", "2026-03-09T23:45:00Z"),
            Seed::vapi(&w, "b", "2026-03-09T23:50:00Z"),
            // 04:29 UTC is 09:59 in Kolkata; 04:30 UTC is 10:00.
            Seed::eleven(&w, "c", "2026-03-13T04:29:00Z"),
            Seed::eleven(&w, "d", "2026-03-13T04:30:00Z"),
            // 31 March 20:00 UTC is already 1 April in Kolkata: outside March.
            Seed::vapi(&w, "e", "2026-03-31T20:00:00Z"),
            // 28 February 19:00 UTC is 1 March 00:30 in Kolkata (a Sunday): inside.
            Seed::vapi(&w, "f", "2026-02-28T19:00:00Z"),
        ],
    )
    .await;

    let week = w.store().week_hours(w.ws(), &march()).await.unwrap();
    let mut expected = [[0_i64; 24]; 7];
    expected[1][5] = 2; // Tuesday 05:00
    expected[4][9] = 1; // Friday 09:00
    expected[4][10] = 1; // Friday 10:00
    expected[6][0] = 1; // Sunday 00:00
    assert_eq!(week.counts, expected);

    let eleven_only = period((2026, 3, 1), (2026, 3, 31), Some(w.eleven));
    let week = w.store().week_hours(w.ws(), &eleven_only).await.unwrap();
    assert_eq!(week.counts.iter().flatten().sum::<i64>(), 2);
}

#[tokio::test]
async fn assistants_are_compared_and_ranked_by_cost_growth() {
    let w = world("vh_an_assistants").await;
    let receptionist = w.assistant(w.vapi, "asst_1", "Receptionist").await;
    let (t, f) = (Some(true), Some(false));
    // March.
    store_calls(
        &w,
        &[
            Seed {
                duration_ms: 60_000,
                cost_micro_usd: 300_000,
                success: t,
                ..Seed::vapi(&w, "m1", "2026-03-10T09:00:00Z")
            },
            Seed {
                duration_ms: 120_000,
                cost_micro_usd: 300_000,
                success: f,
                ..Seed::vapi(&w, "m2", "2026-03-11T09:00:00Z")
            },
            Seed {
                reason: "pipeline-error-openai-llm-failed",
                duration_ms: 0,
                cost_micro_usd: 0,
                ..Seed::vapi(&w, "m3", "2026-03-12T09:00:00Z")
            },
            Seed {
                reason: "Voicemail detected.",
                duration_ms: 30_000,
                cost_micro_usd: 50_000,
                success: f,
                ..Seed::eleven(&w, "m4", "2026-03-12T09:00:00Z")
            },
            Seed {
                assistant: "asst_2",
                reason: "customer-busy",
                duration_ms: 0,
                cost_micro_usd: 10_000,
                ..Seed::vapi(&w, "m5", "2026-03-13T09:00:00Z")
            },
            // The 31 days before March: 29 January to 28 February.
            Seed {
                duration_ms: 60_000,
                cost_micro_usd: 100_000,
                success: t,
                ..Seed::vapi(&w, "p1", "2026-01-29T09:00:00Z")
            },
            Seed {
                reason: "Voicemail detected.",
                duration_ms: 30_000,
                cost_micro_usd: 250_000,
                success: t,
                ..Seed::eleven(&w, "p2", "2026-02-20T09:00:00Z")
            },
            Seed {
                assistant: "asst_2",
                reason: "customer-busy",
                duration_ms: 0,
                cost_micro_usd: 999_000,
                ..Seed::vapi(&w, "p3", "2026-01-28T09:00:00Z")
            },
        ],
    )
    .await;

    let figures = w.store().assistant_figures(w.ws(), &march()).await.unwrap();
    let receptionist_ref = AssistantRef {
        connection_id: w.vapi,
        remote_assistant_id: Some("asst_1".into()),
        assistant_id: Some(receptionist),
        name: Some("Receptionist".into()),
    };
    assert_eq!(figures.len(), 3);
    assert_eq!(figures[0].assistant, receptionist_ref, "by cost, highest first");
    let r = &figures[0].totals;
    assert_eq!(
        (r.calls, r.duration_ms, r.cost_micro_usd, r.successes, r.evaluated),
        (3, 180_000, 600_000, 1, 2)
    );
    assert_eq!(
        figures[0].categories,
        [(ReasonCategory::Customer, 2), (ReasonCategory::Error, 1)]
    );
    assert_eq!(figures[1].assistant.remote_assistant_id.as_deref(), Some("agent_9"));
    assert_eq!(figures[1].assistant.name, None, "not imported");
    assert_eq!(figures[1].categories, [(ReasonCategory::Voicemail, 1)]);
    assert_eq!(figures[2].categories, [(ReasonCategory::NoAnswer, 1)]);

    let growth = w.store().cost_growth(w.ws(), &march()).await.unwrap();
    let ranked: Vec<(Option<&str>, i64, i64, i64)> = growth
        .iter()
        .map(|g| {
            (
                g.assistant.remote_assistant_id.as_deref(),
                g.current_micro_usd,
                g.previous_micro_usd,
                g.growth_micro_usd(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            (Some("asst_1"), 600_000, 100_000, 500_000),
            (Some("asst_2"), 10_000, 0, 10_000),
            (Some("agent_9"), 50_000, 250_000, -200_000),
        ],
        "the call of 28 January is before the previous period"
    );
    assert_eq!(growth[0].assistant, receptionist_ref);
}
