//! The Usage & Cost page in a browser: with three weeks of calls its charts draw (uPlot
//! canvases with a size), hovering a day shows that day's figures, the connection filter
//! applies at once, and the page passes every check at both widths and in the dark theme.

use voxhive_store::NewCall;

use super::{
    app_with_two_connections, axe_problems, element, heading_problems, sign_in, switch_theme, wait_for_path, OWNER,
};
use crate::checks::{assert_no_problems, check_page, console_errors, resize, save_screenshot, DESKTOP};
use crate::support::{self, TestApp};
use crate::webdriver::{wait_for, Browser};

const DAY_MS: i64 = 86_400_000;

/// Two connections and 21 days of calls up to now, each day costing a little more.
async fn app_with_calls() -> (TestApp, i64) {
    let (app, _, [vapi_id, eleven_id]) = app_with_two_connections().await;
    let now = voxhive_core::time::now_ms();
    let reasons = [
        "customer-ended-call",
        "assistant-ended-call",
        "silence-timed-out",
        "pipeline-error",
    ];
    let mut calls = Vec::new();
    for day in 0..21_i64 {
        for n in 0..(1 + day % 4) {
            let vapi = (day + n) % 3 != 0;
            let cost = 90_000 + day * 7_000 + n * 13_000;
            let connection_id = if vapi { vapi_id } else { eleven_id };
            let started_at = now - day * DAY_MS - n * 600_000;
            calls.push(NewCall {
                remote_assistant_id: Some(if vapi {
                    format!("asst_{}", n % 2)
                } else {
                    "agent_1".into()
                }),
                duration_ms: 45_000 + n * 30_000 + day * 1_000,
                ended_reason: Some(reasons[((day + n) % 4) as usize].into()),
                success: Some((day + n) % 5 != 0),
                cost_micro_usd: cost,
                cost_credits: if vapi { 0 } else { 400 + day * 10 },
                cost_transport_micro_usd: cost / 10,
                cost_stt_micro_usd: cost / 5,
                cost_llm_micro_usd: cost * 2 / 5,
                cost_tts_micro_usd: cost / 5,
                cost_platform_micro_usd: cost / 10,
                ..support::call(connection_id, &format!("call-{day}-{n}"), started_at)
            });
        }
    }
    app.store().upsert_calls(&calls).await.unwrap();
    (app, eleven_id)
}

/// The size of each chart's canvas: (chart, width, height).
async fn canvas_sizes(browser: &Browser) -> Vec<(String, f64, f64)> {
    let sizes = browser
        .execute(
            r#"return Array.from(document.querySelectorAll("[data-chart]"), function (el) {
                 var c = el.querySelector("canvas"), r = c ? c.getBoundingClientRect() : { width: 0, height: 0 };
                 return [el.getAttribute("data-chart"), r.width, r.height];
               })"#,
            vec![],
        )
        .await;
    serde_json::from_value(sizes).expect("a list of sizes")
}

/// Moves the mouse over the middle of a chart's plotting area, as uPlot listens for it.
async fn hover(browser: &Browser, chart: &str) {
    let script = format!(
        r#"var over = document.querySelector('[data-chart="{chart}"] .u-over'), r = over.getBoundingClientRect();
           var at = {{ clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true }};
           over.dispatchEvent(new MouseEvent("mouseenter", at));
           over.dispatchEvent(new MouseEvent("mousemove", at));"#
    );
    browser.execute(&script, vec![]).await;
}

async fn legend(browser: &Browser, chart: &str) -> String {
    let el = element(browser, &format!("[data-legend=\"{chart}\"]")).await;
    browser.text(&el).await.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_usage_page_draws_its_charts_shows_a_hovered_day_and_passes_every_check() {
    let (app, eleven) = app_with_calls().await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = heading_problems(&browser, "usage").await;

    // Three charts, each a canvas with a size, at desktop width.
    wait_for("the three charts are drawn", async || {
        let sizes = canvas_sizes(&browser).await;
        (sizes.len() == 3 && sizes.iter().all(|(_, w, h)| *w > 100.0 && *h > 100.0)).then_some(())
    })
    .await;

    // The legend shows the period's totals, then the hovered day's figures.
    let idle = legend(&browser, "cost").await;
    assert!(
        idle.starts_with("All days") && idle.contains("LLM") && idle.contains("Total $"),
        "{idle:?}"
    );
    hover(&browser, "cost").await;
    let hovered = wait_for("the legend shows the hovered day", async || {
        let text = legend(&browser, "cost").await;
        (!text.starts_with("All days")).then_some(text)
    })
    .await;
    assert!(
        hovered.contains("Total $") && hovered.contains("Speech-to-text $"),
        "a day's cost by component in dollars: {hovered:?}"
    );
    hover(&browser, "minutes").await;
    let minutes = wait_for("the minutes legend shows the hovered day", async || {
        let text = legend(&browser, "minutes").await;
        (!text.starts_with("All days")).then_some(text)
    })
    .await;
    assert!(minutes.contains(" min"), "talk time in minutes: {minutes:?}");

    problems.extend(check_page(&browser, "usage-with-calls").await);
    // The lower half of the page (breakdowns and ended reasons), for people to look at.
    browser
        .execute(
            "document.getElementById('assistants-title').scrollIntoView({ block: 'start' })",
            vec![],
        )
        .await;
    save_screenshot(&browser, "usage-with-calls-tables-desktop").await;

    // At phone width the charts shrink with their cards.
    resize(&browser, crate::checks::PHONE).await;
    crate::checks::wait_until_still(&browser, "#sidebar").await;
    let sizes = wait_for("the charts follow the phone width", async || {
        let sizes = canvas_sizes(&browser).await;
        sizes.iter().all(|(_, w, _)| *w > 100.0 && *w <= 390.0).then_some(sizes)
    })
    .await;
    assert_eq!(sizes.len(), 3);
    browser
        .execute(
            "document.querySelector('[data-chart=\"cost\"]').scrollIntoView({ block: 'center' })",
            vec![],
        )
        .await;
    save_screenshot(&browser, "usage-with-calls-chart-phone").await;
    resize(&browser, DESKTOP).await;

    // The dark theme redraws the charts in its colours; axe checks its contrast.
    switch_theme(&browser, "dark").await;
    wait_for("the charts are drawn again", async || {
        (canvas_sizes(&browser).await.len() == 3).then_some(())
    })
    .await;
    problems.extend(axe_problems(&browser, "usage (dark)").await);
    save_screenshot(&browser, "usage-with-calls-dark-desktop").await;
    switch_theme(&browser, "light").await;

    // The connection filter applies at once.
    let select = element(&browser, "#usage-connection").await;
    browser
        .execute_on(
            &select,
            &format!(
                "arguments[0].value = '{eleven}'; arguments[0].dispatchEvent(new Event('change', {{ bubbles: true }}))"
            ),
        )
        .await;
    wait_for("the page shows one connection", async || {
        let search = browser.execute("return window.location.search", vec![]).await;
        search
            .as_str()
            .is_some_and(|s| s.contains(&format!("connection={eleven}")))
            .then_some(())
    })
    .await;
    wait_for_path(&browser, "/usage").await;
    let table = browser.text(&element(&browser, "#usage-connections").await).await;
    assert!(
        table.contains("Support line") && !table.contains("Vapi production"),
        "only the chosen connection: {table:?}"
    );
    assert!(
        table.contains("credits"),
        "ElevenLabs credits beside dollars: {table:?}"
    );
    for error in console_errors(&browser).await {
        problems.push(format!("usage: console error: {error}"));
    }

    browser.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}
