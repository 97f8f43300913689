//! The Analytics page in a browser: with three weeks of calls its three charts draw (uPlot
//! canvases with a size), hovering an hour shows its peak, the heat map and reason categories
//! are there with a drill-down into Call History, and the page passes every check at both widths.

use voxhive_store::NewCall;

use super::{
    app_with_two_connections, axe_problems, click, click_to, element, heading_problems, sign_in, switch_theme, OWNER,
};
use crate::checks::{assert_no_problems, check_page, console_errors, resize, save_screenshot, DESKTOP, PHONE};
use crate::support::{self, TestApp};
use crate::webdriver::{wait_for, Browser};

const DAY_MS: i64 = 86_400_000;

/// A Vapi and an ElevenLabs connection with 21 days of calls up to now, some overlapping.
async fn app_with_calls() -> TestApp {
    let (app, ws, [vapi_id, eleven_id]) = app_with_two_connections().await;
    app.store().set_workspace_time_zone(ws, "Europe/Berlin").await.unwrap();
    let now = voxhive_core::time::now_ms();
    let reasons = [
        "customer-ended-call",
        "assistant-ended-call",
        "silence-timed-out",
        "pipeline-error-openai-llm-failed",
        "voicemail",
        "customer-did-not-answer",
    ];
    let mut calls = Vec::new();
    for day in 0..21_i64 {
        for n in 0..(2 + day % 5) {
            let vapi = (day + n) % 3 != 0;
            let started_at = now - day * DAY_MS - n * 50_000 - (day % 7) * 3_600_000;
            let duration_ms = 60_000 + n * 45_000 + day * 2_000;
            let connection_id = if vapi { vapi_id } else { eleven_id };
            calls.push(NewCall {
                remote_assistant_id: Some(if vapi {
                    format!("asst_{}", n % 2)
                } else {
                    "agent_1".into()
                }),
                ended_at: Some(started_at + duration_ms),
                duration_ms,
                ended_reason: Some(reasons[((day + n) % 6) as usize].into()),
                success: Some((day + n) % 4 != 0),
                cost_micro_usd: 80_000 + day * 5_000 + n * 11_000,
                ..support::call(connection_id, &format!("call-{day}-{n}"), started_at)
            });
        }
    }
    app.store().upsert_calls(&calls).await.unwrap();
    app
}

/// The size of each chart's canvas: (chart, width, height).
async fn canvas_sizes(browser: &Browser) -> Vec<(String, f64, f64)> {
    let sizes = browser
        .execute(
            r#"return Array.from(document.querySelectorAll("[data-analytics-chart]"), function (el) {
                 var c = el.querySelector("canvas"), r = c ? c.getBoundingClientRect() : { width: 0, height: 0 };
                 return [el.getAttribute("data-analytics-chart"), r.width, r.height];
               })"#,
            vec![],
        )
        .await;
    serde_json::from_value(sizes).expect("a list of sizes")
}

async fn legend(browser: &Browser, chart: &str) -> String {
    let el = element(browser, &format!("[data-legend=\"{chart}\"]")).await;
    browser.text(&el).await
}

#[tokio::test]
async fn the_analytics_page_draws_its_charts_drills_down_to_calls_and_passes_every_check() {
    let app = app_with_calls().await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    click_to(
        &browser,
        &element(&browser, "nav[aria-label=\"Main\"] a.nav-link[href=\"/analytics\"]").await,
        "the Analytics link",
        "/analytics",
    )
    .await;
    let mut problems = heading_problems(&browser, "analytics").await;

    wait_for("the three charts are drawn", async || {
        let sizes = canvas_sizes(&browser).await;
        (sizes.len() == 3 && sizes.iter().all(|(_, w, h)| *w > 100.0 && *h > 100.0)).then_some(())
    })
    .await;
    assert!(legend(&browser, "success").await.starts_with("Hover a day"));

    // Hovering the concurrency chart names an hour and its peak.
    browser
        .execute(
            r#"var over = document.querySelector('[data-analytics-chart="concurrency"] .u-over'), r = over.getBoundingClientRect();
               var at = { clientX: r.left + r.width * 0.9, clientY: r.top + r.height / 2, bubbles: true };
               over.dispatchEvent(new MouseEvent("mouseenter", at));
               over.dispatchEvent(new MouseEvent("mousemove", at));"#,
            vec![],
        )
        .await;
    let hovered = wait_for("the legend shows the hovered hour", async || {
        let text = legend(&browser, "concurrency").await;
        (!text.starts_with("Hover")).then_some(text)
    })
    .await;
    assert!(
        hovered.contains(":00") && hovered.contains("At most at once"),
        "{hovered:?}"
    );

    // The heat map has a count in the cells of busy hours.
    let filled = browser
        .execute(
            "return document.querySelectorAll('#analytics-heat td.heat:not(.heat-0)').length",
            vec![],
        )
        .await;
    assert!(filled.as_u64().unwrap_or(0) > 5, "busy hours are shaded: {filled}");

    problems.extend(check_page(&browser, "analytics-with-calls").await);
    browser
        .execute(
            "document.querySelector('[data-analytics-chart=\"concurrency\"]').scrollIntoView({ block: 'start' })",
            vec![],
        )
        .await;
    save_screenshot(&browser, "analytics-concurrency-desktop").await;

    // The dark theme redraws the charts and shades the heat map in its colours; axe checks them.
    switch_theme(&browser, "dark").await;
    wait_for("the charts are drawn again", async || {
        (canvas_sizes(&browser).await.len() == 3).then_some(())
    })
    .await;
    problems.extend(axe_problems(&browser, "analytics (dark)").await);
    save_screenshot(&browser, "analytics-dark-desktop").await;
    switch_theme(&browser, "light").await;

    // At phone width the charts shrink with their cards; the heat map scrolls inside its card.
    resize(&browser, PHONE).await;
    wait_for("the charts follow the phone width", async || {
        let sizes = canvas_sizes(&browser).await;
        (sizes.len() == 3 && sizes.iter().all(|(_, w, _)| *w > 100.0 && *w <= 390.0)).then_some(())
    })
    .await;
    browser
        .execute(
            "document.querySelector('section[aria-labelledby=\"heat-title\"]').scrollIntoView({ block: 'center' })",
            vec![],
        )
        .await;
    save_screenshot(&browser, "analytics-heat-phone").await;
    resize(&browser, DESKTOP).await;
    browser
        .execute(
            "document.querySelector('#analytics-categories').scrollIntoView({ block: 'start' })",
            vec![],
        )
        .await;

    // A category opens to its reasons; a reason leads to its calls.
    click(
        &browser,
        &element(&browser, "#analytics-categories details summary").await,
        "the first category",
    )
    .await;
    save_screenshot(&browser, "analytics-reasons-desktop").await;
    let link = element(&browser, "#analytics-categories details[open] a").await;
    let href = browser
        .execute_on(&link, "return arguments[0].getAttribute('href')")
        .await;
    assert!(
        href.as_str()
            .is_some_and(|h| h.starts_with("/calls?ended_reason=") && h.contains("&from=")),
        "{href}"
    );
    click_to(&browser, &link, "a reason", "/calls").await;
    for error in console_errors(&browser).await {
        problems.push(format!("analytics: console error: {error}"));
    }

    browser.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}
