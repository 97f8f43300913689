//! Usage & Cost over real HTTP: `GET /api/v1/usage` totals and groups to the micro-dollar, with
//! days counted in the workspace's zone and both dates included; its validation and roles; and
//! the page's figures, breakdowns and sorting.

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_store::NewCall;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{self, spawn_app, TestApp};

const ADA: &str = "ada@example.com";
const VIEWER: &str = "viola@example.com";
const ACME: &str = "Acme";
/// Five hours behind UTC in February: a call at 04:30 UTC belongs to the day before.
const ZONE: &str = "America/New_York";

/// An owner and a viewer of Acme (in New York time), a Vapi and an ElevenLabs connection
/// stored directly (no provider behind them), and calls with known costs.
struct Seeded {
    app: TestApp,
    vapi: i64,
    eleven: i64,
    receptionist: i64,
}

fn instant(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// An ended call; `costs` are (total, transport, stt, llm, tts, platform) in micro-USD.
fn call(connection_id: i64, id: &str, assistant: Option<&str>, started: &str, ms: i64, costs: [i64; 6]) -> NewCall {
    let started_at = instant(started);
    NewCall {
        remote_assistant_id: assistant.map(str::to_string),
        ended_at: Some(started_at + ms),
        duration_ms: ms,
        ended_reason: Some("customer-ended-call".into()),
        cost_micro_usd: costs[0],
        cost_transport_micro_usd: costs[1],
        cost_stt_micro_usd: costs[2],
        cost_llm_micro_usd: costs[3],
        cost_tts_micro_usd: costs[4],
        cost_platform_micro_usd: costs[5],
        ..support::call(connection_id, id, started_at)
    }
}

/// A connection stored directly; an ElevenLabs one prices its credits at $0.0005.
async fn connection(app: &TestApp, ws: i64, provider: &str, label: &str) -> i64 {
    let id = app.stored_connection(ws, provider, label).await.id;
    if provider == "elevenlabs" {
        app.store()
            .set_connection_credit_rate(ws, id, Some(500_000))
            .await
            .unwrap();
    }
    id
}

/// From 10 to 12 February (New York): four calls costing $0.801234 in all; one on the 9th and
/// one on the 13th just outside.
async fn seeded() -> Seeded {
    let app = spawn_app().await;
    app.add_user(ADA, ACME, Role::Owner).await;
    app.add_user(VIEWER, ACME, Role::Viewer).await;
    let ws = app.workspace_id(ACME).await;
    app.store().set_workspace_time_zone(ws, ZONE).await.unwrap();
    let vapi = connection(&app, ws, "vapi", "Vapi main").await;
    let eleven = connection(&app, ws, "elevenlabs", "Support line").await;
    let receptionist = app.stored_assistant(ws, vapi, "asst_r", "Receptionist").await;
    app.stored_assistant(ws, eleven, "agent_e", "Billing bot").await;
    let mut calls = vec![
        call(
            vapi,
            "c1",
            Some("asst_r"),
            "2026-02-10T15:00:00Z",
            61_500,
            [123_456, 10_000, 20_000, 50_000, 30_000, 13_456],
        ),
        // 23:30 on the 10th in New York, though already the 11th in UTC.
        call(
            vapi,
            "c2",
            Some("asst_r"),
            "2026-02-11T04:30:00Z",
            30_000,
            [200_001, 0, 0, 200_001, 0, 0],
        ),
        call(
            vapi,
            "c3",
            Some("asst_s"),
            "2026-02-11T14:00:00Z",
            45_250,
            [77_777, 0, 0, 0, 0, 0],
        ),
        // Midnight exactly, the first instant of the 12th.
        call(
            eleven,
            "c4",
            Some("agent_e"),
            "2026-02-12T05:00:00Z",
            120_000,
            [400_000, 0, 0, 0, 0, 0],
        ),
        call(
            vapi,
            "c5",
            Some("asst_r"),
            "2026-02-13T12:00:00Z",
            60_000,
            [999_999, 0, 0, 0, 0, 0],
        ),
        // 23:59:59 on the 9th in New York.
        call(
            vapi,
            "c6",
            None,
            "2026-02-10T04:59:59Z",
            60_000,
            [555_555, 0, 0, 0, 0, 0],
        ),
    ];
    calls[0].success = Some(true);
    calls[1].success = Some(false);
    calls[1].ended_reason = Some("silence-timed-out".into());
    calls[3].success = Some(true);
    calls[3].cost_credits = 800;
    app.store().upsert_calls(&calls).await.unwrap();
    Seeded {
        app,
        vapi,
        eleven,
        receptionist,
    }
}

impl Seeded {
    async fn api_as(&self, email: &str, path: &str) -> (StatusCode, Value) {
        let token = self.app.token_for(email, ACME).await;
        self.app.api(&token, Method::GET, path, None).await
    }

    async fn api(&self, path: &str) -> Value {
        let (status, body) = self.api_as(ADA, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }
}

/// (key, calls, cost) of each group.
fn groups(body: &Value) -> Vec<(Value, i64, i64)> {
    body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].clone(),
                g["calls"].as_i64().unwrap(),
                g["cost_micro_usd"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn usage_totals_and_days_are_exact_and_counted_in_the_workspace_zone() {
    let s = seeded().await;
    let body = s.api("/api/v1/usage?from=2026-02-10&to=2026-02-12").await;
    assert_eq!(
        (
            body["from"].clone(),
            body["to"].clone(),
            body["time_zone"].clone(),
            body["group_by"].clone()
        ),
        (json!("2026-02-10"), json!("2026-02-12"), json!(ZONE), json!("day"))
    );
    let totals = &body["totals"];
    assert_eq!(totals["calls"], 4);
    assert_eq!(totals["cost_micro_usd"], 801_234);
    assert_eq!(totals["duration_ms"], 256_750);
    assert_eq!(totals["seconds"], 257, "256.75 s rounds to 257");
    assert_eq!(totals["cost_credits"], 800);
    assert_eq!(
        (totals["successes"].clone(), totals["evaluated"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(
        totals["cost_components"],
        json!({"transport": 10_000, "stt": 20_000, "llm": 250_001, "tts": 30_000, "platform": 13_456, "other": 477_777})
    );
    assert_eq!(
        groups(&body),
        [
            (json!("2026-02-10"), 2, 323_457),
            (json!("2026-02-11"), 1, 77_777),
            (json!("2026-02-12"), 1, 400_000)
        ],
        "the call at 04:30 UTC on the 11th counts on the 10th in New York"
    );

    // Both dates are included, to the day.
    let one_day = s.api("/api/v1/usage?from=2026-02-12&to=2026-02-12").await;
    assert_eq!(groups(&one_day), [(json!("2026-02-12"), 1, 400_000)]);
    let before = s.api("/api/v1/usage?from=2026-02-09&to=2026-02-09").await;
    assert_eq!(groups(&before), [(json!("2026-02-09"), 1, 555_555)]);
    let wide = s.api("/api/v1/usage?from=2026-02-09&to=2026-02-13").await;
    assert_eq!(wide["totals"]["cost_micro_usd"], 801_234 + 555_555 + 999_999);

    // Without dates: the last 30 days up to today, in the workspace's zone.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap())
        .date();
    let recent = s.api("/api/v1/usage").await;
    assert_eq!(recent["to"], json!(today.to_string()));
    assert_eq!(
        recent["from"],
        json!(today.checked_sub(jiff::Span::new().days(29)).unwrap().to_string())
    );
    assert_eq!(recent["totals"]["calls"], 0);
    s.app.stop().await;
}

#[tokio::test]
async fn usage_groups_by_assistant_connection_and_provider_and_filters_by_connection() {
    let s = seeded().await;
    let period = "from=2026-02-10&to=2026-02-12";
    let by_assistant = s.api(&format!("/api/v1/usage?{period}&group_by=assistant")).await;
    assert_eq!(
        groups(&by_assistant),
        [
            (json!("agent_e"), 1, 400_000),
            (json!("asst_r"), 2, 323_457),
            (json!("asst_s"), 1, 77_777)
        ],
        "highest cost first"
    );
    let receptionist = &by_assistant["groups"][1];
    assert_eq!(receptionist["assistant_id"], s.receptionist);
    assert_eq!(receptionist["name"], "Receptionist");
    assert_eq!(receptionist["connection_id"], s.vapi);
    assert_eq!(
        (receptionist["successes"].clone(), receptionist["evaluated"].clone()),
        (json!(1), json!(2))
    );
    assert!(
        by_assistant["groups"][2].get("assistant_id").is_none(),
        "asst_s is not imported"
    );

    let by_connection = s.api(&format!("/api/v1/usage?{period}&group_by=connection")).await;
    assert_eq!(
        groups(&by_connection),
        [
            (json!(s.vapi.to_string()), 3, 401_234),
            (json!(s.eleven.to_string()), 1, 400_000)
        ]
    );
    assert_eq!(by_connection["groups"][1]["name"], "Support line");
    assert_eq!(by_connection["groups"][1]["provider"], "elevenlabs");
    assert_eq!(by_connection["groups"][1]["cost_credits"], 800);

    let by_provider = s.api(&format!("/api/v1/usage?{period}&group_by=provider")).await;
    assert_eq!(
        groups(&by_provider),
        [(json!("vapi"), 3, 401_234), (json!("elevenlabs"), 1, 400_000)]
    );

    let only_eleven = s
        .api(&format!(
            "/api/v1/usage?{period}&group_by=assistant&connection_id={}",
            s.eleven
        ))
        .await;
    assert_eq!(only_eleven["connection_id"], s.eleven);
    assert_eq!(groups(&only_eleven), [(json!("agent_e"), 1, 400_000)]);
    assert_eq!(only_eleven["totals"]["cost_micro_usd"], 400_000);

    // The answer is what the OpenAPI document says.
    let doc = s.app.openapi().await;
    let schema = response_schema(&doc, "/usage", "get", "200");
    for body in [&by_assistant, &by_connection, &by_provider] {
        assert_matches_schema(&doc, &schema, body);
    }
    s.app.stop().await;
}

#[tokio::test]
async fn bad_usage_parameters_are_refused_naming_the_parameter() {
    let s = seeded().await;
    let other_ws = s.app.store().create_workspace("Elsewhere").await.unwrap().id;
    let foreign = connection(&s.app, other_ws, "vapi", "Not yours").await;
    let cases = [
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=10/02/2026", "from"),
        ("to=yesterday", "to"),
        ("from=2026-02-12&to=2026-02-10", "from"),
        ("group_by=week", "group_by"),
        ("connection_id=abc", "connection_id"),
        ("connection_id=999999", "connection_id"),
        (&format!("connection_id={foreign}"), "connection_id"),
    ];
    let doc = s.app.openapi().await;
    for (query, field) in cases {
        let (status, body) = s.api_as(ADA, &format!("/api/v1/usage?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}:")), "{query}: {message}");
        assert_matches_schema(&doc, &response_schema(&doc, "/usage", "get", "400"), &body);
    }
    let (_, body) = s.api_as(ADA, "/api/v1/usage?group_by=week").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("day, assistant, connection or provider"),
        "the message lists the groupings: {body}"
    );
    s.app.stop().await;
}

#[tokio::test]
async fn any_member_may_read_usage_and_only_their_own_workspace() {
    let s = seeded().await;
    let (status, body) = s.api_as(VIEWER, "/api/v1/usage?from=2026-02-10&to=2026-02-12").await;
    assert_eq!(status, StatusCode::OK, "a viewer reads usage: {body}");
    assert_eq!(body["totals"]["cost_micro_usd"], 801_234);

    let res = Client::new().get(s.app.url("/api/v1/usage")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    s.app.add_user("olga@example.com", "Other", Role::Owner).await;
    let token = s.app.token_for("olga@example.com", "Other").await;
    let february = "/api/v1/usage?from=2026-02-01&to=2026-02-28&group_by=connection";
    let (_, other) = s.app.api(&token, Method::GET, february, None).await;
    assert_eq!(
        other["totals"]["calls"], 0,
        "another workspace sees none of Acme's calls"
    );
    assert_eq!(other["groups"], json!([]));
    assert_eq!(other["time_zone"], "UTC");
    s.app.stop().await;
}

/// The text of the first element after `marker` up to `end`.
fn section<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("the page has {marker}"));
    let rest = &html[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The order in which `names` appear in `html`.
fn order_of<'a>(html: &str, names: &[&'a str]) -> Vec<&'a str> {
    let mut found: Vec<(usize, &str)> = names
        .iter()
        .map(|n| (html.find(n).unwrap_or_else(|| panic!("{n} is in the table")), *n))
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn the_usage_page_shows_the_period_figures_breakdowns_and_sorts_by_any_column() {
    let s = seeded().await;
    let web = s.app.signed_in(VIEWER).await;
    let period = "/usage?period=custom&from=2026-02-10&to=2026-02-12&connection=all";
    let (status, html) = s.app.page(&web, period).await;
    assert_eq!(status, StatusCode::OK);

    let kpis = section(&html, "class=\"kpi-grid\"", "</section>");
    for figure in [
        "<p class=\"kpi-value\">$0.80</p>",
        "<p class=\"kpi-value\">4</p>",
        "<p class=\"kpi-value\">4.3</p>",
        "<p class=\"kpi-value\">$0.2003</p>",
    ] {
        assert!(kpis.contains(figure), "the stat cards show {figure}: {kpis}");
    }
    // Against 7–9 February: one call of $0.555555.
    assert!(kpis.contains("change change-bad") && kpis.contains("▲ 44.2%"), "{kpis}");
    assert!(kpis.contains("▲ 300.0%"), "calls went from 1 to 4: {kpis}");

    let table = section(&html, "id=\"usage-assistants\"", "</table>");
    let receptionist = section(table, "Receptionist", "</tr>");
    for cell in [
        "<td class=\"num\">2</td>",
        "<td class=\"num\">1.5</td>",
        "$0.32",
        "$0.1617",
        "$0.2121",
        "50.0%",
    ] {
        assert!(
            receptionist.contains(cell),
            "the Receptionist row shows {cell}: {receptionist}"
        );
    }
    assert!(
        table.contains(&format!("href=\"/assistants/{}\">Receptionist</a>", s.receptionist)),
        "the row links to the assistant"
    );
    let billing = section(table, "Billing bot", "</tr>");
    assert!(
        billing.contains("$0.40") && billing.contains("800 credits"),
        "{billing}"
    );
    assert!(billing.contains("100.0%"), "{billing}");
    let unknown = section(table, "asst_s", "</tr>");
    assert!(
        unknown.contains("Vapi main · not imported") && unknown.contains("$0.0778") && unknown.contains("—"),
        "{unknown}"
    );
    assert_eq!(
        order_of(table, &["Billing bot", "Receptionist", "asst_s"]),
        ["Billing bot", "Receptionist", "asst_s"]
    );

    let connections = section(&html, "id=\"usage-connections\"", "</table>");
    assert!(connections.contains("Vapi main") && connections.contains("$0.40") && connections.contains("800 credits"));
    let reasons = section(&html, "class=\"reason-list\"", "</ul>");
    assert_eq!(
        order_of(reasons, &["customer-ended-call", "silence-timed-out"]),
        ["customer-ended-call", "silence-timed-out"]
    );
    assert!(reasons.contains("75.0%") && reasons.contains("25.0%"), "{reasons}");

    // The charts' data, one value per day, safe to embed.
    let data = section(
        &html,
        "<script type=\"application/json\" id=\"usage-data\">",
        "</script>",
    );
    let data: Value = serde_json::from_str(data.split_once('>').unwrap().1).unwrap();
    assert_eq!(data["labels"], json!(["10 Feb", "11 Feb", "12 Feb"]));
    assert_eq!(data["calls"], json!([2, 1, 1]));
    assert_eq!(data["cost"], json!([323_457, 77_777, 400_000]));

    // Sorting, server-side, keeps the period and connection in its links.
    let marker = "aria-sort=\"none\"><a href=\"";
    let after = &table[table.find(marker).unwrap() + marker.len()..];
    let sort_link = &after[..after.find('"').unwrap()];
    assert!(
        sort_link.contains("from=2026-02-10") && sort_link.contains("connection=all"),
        "{sort_link}"
    );
    for (sort, expected) in [
        ("sort=assistant&dir=asc", ["asst_s", "Billing bot", "Receptionist"]),
        ("sort=cost&dir=asc", ["asst_s", "Receptionist", "Billing bot"]),
        ("sort=calls&dir=desc", ["Receptionist", "Billing bot", "asst_s"]),
        ("sort=per-minute&dir=desc", ["Receptionist", "Billing bot", "asst_s"]),
    ] {
        let (_, html) = s.app.page(&web, &format!("{period}&{sort}")).await;
        let table = section(&html, "id=\"usage-assistants\"", "</table>");
        assert_eq!(order_of(table, &expected), expected, "{sort}");
    }
    let (_, html) = s.app.page(&web, &format!("{period}&sort=calls&dir=desc")).await;
    let marker = "aria-sort=\"descending\"><a href=\"";
    let after = &html[html.find(marker).expect("a column sorted down") + marker.len()..];
    assert_eq!(
        after[..after.find('"').unwrap()].replace("&#38;", "&"),
        "/usage?period=custom&from=2026-02-10&to=2026-02-12&connection=all&sort=calls&dir=asc",
        "the column sorted down turns round when clicked again"
    );

    // One connection only.
    let (_, html) = s
        .app
        .page(
            &web,
            &format!(
                "/usage?period=custom&from=2026-02-10&to=2026-02-12&connection={}",
                s.vapi
            ),
        )
        .await;
    let kpis = section(&html, "class=\"kpi-grid\"", "</section>");
    assert!(
        kpis.contains("<p class=\"kpi-value\">$0.40</p>"),
        "401,234 micro-USD on Vapi: {kpis}"
    );
    s.app.stop().await;
}

#[tokio::test]
async fn the_usage_page_shows_today_the_month_and_its_projection() {
    let s = seeded().await;
    let now = jiff::Timestamp::now();
    s.app
        .store()
        .upsert_call(&call(
            s.vapi,
            "now",
            Some("asst_r"),
            &now.to_string(),
            60_000,
            [1_000_000, 0, 0, 0, 0, 0],
        ))
        .await
        .unwrap();
    let today = now.to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap()).date();
    let projected = 1_000_000 * i64::from(today.days_in_month()) / i64::from(today.day());
    let cents = (projected + 5_000) / 10_000;
    let web = s.app.signed_in(ADA).await;
    let (_, html) = s.app.page(&web, "/usage").await;
    let glance = section(&html, "class=\"card glance\"", "</section>");
    assert!(
        glance.contains("<p class=\"glance-value\">$1.00</p>"),
        "today and the month: {glance}"
    );
    assert!(glance.contains("1 call<"), "{glance}");
    assert!(
        glance.contains(&format!("${}.{:02}", cents / 100, cents % 100)),
        "projected {projected} micro-USD: {glance}"
    );
    assert!(glance.contains(&format!("{} of {} days", today.day(), today.days_in_month())));
    s.app.stop().await;
}

#[tokio::test]
async fn the_usage_page_says_what_to_do_before_any_call_and_refuses_bad_dates_kindly() {
    let app = spawn_app().await;
    app.add_user(ADA, ACME, Role::Owner).await;
    let web = app.signed_in(ADA).await;
    let (_, html) = app.page(&web, "/usage").await;
    assert!(
        html.contains("href=\"/start\">Connect a provider</a>"),
        "no connection yet"
    );
    assert!(!html.contains("usage-data"), "no chart without data");

    let ws = app.workspace_id(ACME).await;
    connection(&app, ws, "vapi", "Vapi main").await;
    let (_, html) = app.page(&web, "/usage").await;
    assert!(
        html.contains("No calls yet") && html.contains("href=\"/settings/providers\""),
        "{html}"
    );
    assert!(!html.contains("usage-data"), "no chart without data");

    let (status, html) = app
        .page(&web, "/usage?period=custom&from=2026-02-31&to=2026-03-01")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2026-02-31 is not a date"), "the error names the date");
    assert!(html.contains("id=\"usage-from\" name=\"from\" type=\"date\""));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"usage-date-error\""));
    let (_, html) = app
        .page(&web, "/usage?period=custom&from=2026-03-02&to=2026-03-01")
        .await;
    assert!(html.contains("the end date is before the start date"));
    app.stop().await;
}
