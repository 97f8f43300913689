//! The Analytics page over real HTTP: its summary, heat map (in the workspace's zone), ended
//! reasons with links to their calls, assistant comparison, cost growth and chart data, all
//! from calls stored through the store; its connection filter, empty state and date errors.

use reqwest::StatusCode;
use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_store::NewCall;

use crate::support::{self, spawn_app, TestApp};

const ADA: &str = "ada@example.com";
const ACME: &str = "Acme";
/// Five hours behind UTC in February.
const ZONE: &str = "America/New_York";
/// Monday 9 to Sunday 15 February 2026.
const WEEK: &str = "/analytics?period=custom&from=2026-02-09&to=2026-02-15&connection=all";

struct Seeded {
    app: TestApp,
    eleven: i64,
}

/// An ended call of `ms` milliseconds.
fn call(connection_id: i64, id: &str, assistant: &str, started: &str, ms: i64, reason: &str, cost: i64) -> NewCall {
    let started_at = started.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    NewCall {
        remote_assistant_id: Some(assistant.into()),
        ended_at: Some(started_at + ms),
        duration_ms: ms,
        ended_reason: Some(reason.into()),
        cost_micro_usd: cost,
        ..support::call(connection_id, id, started_at)
    }
}

/// Four calls in the week (two overlapping on Tuesday morning in New York, one late on Tuesday
/// evening there though already Wednesday in UTC, a voicemail on Thursday), two the week before.
async fn seeded() -> Seeded {
    let app = spawn_app().await;
    app.add_user(ADA, ACME, Role::Owner).await;
    let ws = app.workspace_id(ACME).await;
    app.store().set_workspace_time_zone(ws, ZONE).await.unwrap();
    let vapi = app.stored_connection(ws, "vapi", "Vapi main").await.id;
    let eleven = app.stored_connection(ws, "elevenlabs", "Support line").await.id;
    app.stored_assistant(ws, vapi, "asst_r", "Receptionist").await;
    let min = 60_000;
    let mut calls = vec![
        call(
            vapi,
            "c1",
            "asst_r",
            "2026-02-10T15:00:00Z",
            10 * min,
            "customer-ended-call",
            300_000,
        ),
        call(
            vapi,
            "c2",
            "asst_r",
            "2026-02-10T15:05:00Z",
            2 * min,
            "silence-timed-out",
            100_000,
        ),
        call(
            vapi,
            "c3",
            "asst_s",
            "2026-02-11T04:30:00Z",
            min,
            "pipeline-error-openai-llm-failed",
            50_000,
        ),
        call(
            eleven,
            "c4",
            "agent_e",
            "2026-02-12T14:00:00Z",
            30_000,
            "Voicemail detected.",
            450_000,
        ),
        call(
            vapi,
            "p1",
            "asst_r",
            "2026-02-05T15:00:00Z",
            min,
            "customer-ended-call",
            100_000,
        ),
        call(
            eleven,
            "p2",
            "agent_e",
            "2026-02-04T15:00:00Z",
            min,
            "Voicemail detected.",
            500_000,
        ),
    ];
    calls[0].success = Some(true);
    calls[1].success = Some(false);
    calls[3].success = Some(true);
    app.store().upsert_calls(&calls).await.unwrap();
    Seeded { app, eleven }
}

/// The text of the first element after `marker` up to `end`.
fn section<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("the page has {marker}"));
    let rest = &html[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The chart data embedded in the page.
fn chart_data(html: &str) -> Value {
    let json = section(html, "id=\"analytics-data\">", "</script>")
        .trim_start_matches("id=\"analytics-data\">")
        .to_string();
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[tokio::test]
async fn the_analytics_page_shows_the_figures_of_the_stored_calls() {
    let s = seeded().await;
    let web = s.app.signed_in(ADA).await;
    let (status, html) = s.app.page(&web, WEEK).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("times in America/New_York"), "the zone is named");

    // Four calls; two of three evaluated succeeded; 13.5 minutes over four calls; two at once.
    let stats = section(&html, "analytics-stats", "</section>");
    for figure in ["4", "66.7%", "3m 23s", "2"] {
        assert!(
            stats.contains(&format!("<p class=\"kpi-value\">{figure}</p>")),
            "the summary shows {figure}: {stats}"
        );
    }

    // The heat map in New York time: Tuesday 10:00 twice, Tuesday 23:00 and Thursday 09:00 once.
    let heat = section(&html, "id=\"analytics-heat\"", "</table>");
    for cell in [
        "Tuesday 10:00–11:00: 2 calls\">2</td>",
        "Tuesday 23:00–00:00: 1 call\">1</td>",
        "Thursday 09:00–10:00: 1 call\">1</td>",
    ] {
        assert!(heat.contains(cell), "the heat map has {cell}");
    }
    assert!(
        heat.contains("class=\"heat heat-5\" title=\"Tuesday 10:00"),
        "the busiest hour is darkest"
    );
    assert_eq!(
        heat.matches("heat heat-0").count(),
        7 * 24 - 3,
        "every other hour is empty"
    );

    // Each category once; each reason links to its calls in Call History.
    let categories = section(&html, "id=\"analytics-categories\"", "</section>");
    for label in ["Customer ended", "Assistant ended", "Errors", "Voicemail"] {
        assert!(categories.contains(label), "{label} is listed: {categories}");
    }
    assert!(!categories.contains("No answer"), "empty categories are left out");
    assert!(
        categories.contains(
            "href=\"/calls?ended_reason=pipeline-error-openai-llm-failed&#38;from=2026-02-09&#38;to=2026-02-15\""
        ),
        "the error links to its calls: {categories}"
    );
    assert!(
        categories.contains("href=\"/calls?ended_reason=Voicemail+detected.&#38;from=2026-02-09&#38;to=2026-02-15\""),
        "{categories}"
    );

    // The assistants by cost, then by calls.
    let table = section(&html, "id=\"analytics-assistants\"", "</table>");
    let order = |t: &str| {
        let mut at: Vec<(usize, &str)> = ["Receptionist", "agent_e", "asst_s"]
            .into_iter()
            .map(|n| (t.find(n).unwrap_or_else(|| panic!("{n} is compared")), n))
            .collect();
        at.sort();
        at.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    };
    assert_eq!(order(table), ["agent_e", "Receptionist", "asst_s"]);
    let receptionist = section(table, "Receptionist", "</tr>");
    for cell in [
        "<td class=\"num\">2</td>",
        "$0.40",
        "6m 00s",
        "50.0%",
        "Customer ended 50%",
    ] {
        assert!(
            receptionist.contains(cell),
            "the Receptionist row has {cell}: {receptionist}"
        );
    }
    let (_, by_calls) = s.app.page(&web, &format!("{WEEK}&sort=calls&dir=desc")).await;
    let table = section(&by_calls, "id=\"analytics-assistants\"", "</table>");
    assert_eq!(order(table)[0], "Receptionist");
    assert!(
        table.contains("aria-sort=\"descending\"><a href=\"/analytics?"),
        "{table}"
    );

    // Against 2–8 February: the Receptionist grew by $0.30, asst_s by $0.05; agent_e fell.
    let growth = section(&html, "id=\"analytics-growth\"", "</ol>");
    let receptionist = section(growth, "Receptionist", "</li>");
    assert!(
        receptionist.contains("+$0.30") && receptionist.contains("$0.10 → $0.40"),
        "{receptionist}"
    );
    assert!(growth.contains("+$0.05"), "{growth}");
    assert_eq!(growth.matches("<li class=\"growth\">").count(), 2, "{growth}");
    assert!(
        !growth.contains("Support line"),
        "agent_e's fall is not growth: {growth}"
    );

    // The charts' data: a value per day and per hour, the peak at 10:00 on Tuesday.
    let data = chart_data(&html);
    assert_eq!(data["days"]["calls"], json!([0, 3, 0, 1, 0, 0, 0]));
    assert_eq!(
        data["days"]["success_permille"],
        json!([null, 500, null, 1000, null, null, null])
    );
    assert_eq!(data["days"]["avg_duration_ms"][1], json!(260_000));
    let peaks = data["hours"]["peaks"].as_array().unwrap();
    assert_eq!(peaks.len(), 7 * 24);
    assert_eq!(data["hours"]["labels"][24 + 10], "Tue 10 Feb, 10:00");
    assert_eq!(peaks[24 + 10], 2);
    assert_eq!(peaks.iter().filter(|p| **p != json!(0)).count(), 3);
    s.app.stop().await;
}

#[tokio::test]
async fn the_analytics_page_filters_by_connection_says_when_empty_and_names_a_bad_date() {
    let s = seeded().await;
    let web = s.app.signed_in(ADA).await;
    let eleven_only = format!(
        "/analytics?period=custom&from=2026-02-09&to=2026-02-15&connection={}",
        s.eleven
    );
    let (_, html) = s.app.page(&web, &eleven_only).await;
    let stats = section(&html, "analytics-stats", "</section>");
    assert!(
        stats.contains("<p class=\"kpi-value\">1</p>"),
        "one ElevenLabs call: {stats}"
    );
    let categories = section(&html, "id=\"analytics-categories\"", "</section>");
    assert!(
        categories.contains(&format!("&#38;connection={}\"", s.eleven)),
        "the links keep the connection: {categories}"
    );
    assert!(!categories.contains("Customer ended"));

    let (status, html) = s
        .app
        .page(&web, "/analytics?period=custom&from=2025-01-01&to=2025-01-31")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No calls in this period"), "the empty state");
    assert!(!html.contains("analytics-data"), "no charts without calls");

    let (status, html) = s
        .app
        .page(&web, "/analytics?period=custom&from=2026-13-01&to=2026-02-15")
        .await;
    assert_eq!(status, StatusCode::OK);
    let error = section(&html, "id=\"analytics-date-error\"", "</p>");
    assert!(
        error.contains("2026-13-01 is not a date") && error.contains("Showing the last 30 days instead"),
        "{error}"
    );
    assert!(html.contains("id=\"analytics-from\" name=\"from\" type=\"date\""));
    s.app.stop().await;
}

#[tokio::test]
async fn a_workspace_without_connections_is_pointed_to_onboarding() {
    let app = spawn_app().await;
    app.add_user(ADA, ACME, Role::Viewer).await;
    let web = app.signed_in(ADA).await;
    let (status, html) = app.page(&web, "/analytics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No provider connected yet") && html.contains("href=\"/start\""));
    assert!(!html.contains("coming soon") && !html.contains("Coming soon"));
    app.stop().await;
}
