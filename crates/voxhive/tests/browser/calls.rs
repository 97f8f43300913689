//! Browser journey of Monitor, Call History: a search shows its matches highlighted, a call's
//! page shows the transcript's turns and plays the recording through VoxHive. Every page passes
//! the suite's checks (axe-core, no console errors, no sideways scroll at phone width) and is
//! photographed at both widths.

use serde_json::json;
use voxhive_core::Role;
use voxhive_store::NewCall;

use super::{check, click_to, element, fill, sign_in, submit, wait_for_path, OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, resize, save_screenshot, wait_until_still, DESKTOP, PHONE};
use crate::support;
use crate::webdriver::{wait_for, Browser};

/// 2026-03-10T12:00:00Z.
const T0: i64 = 1_773_144_000_000;

/// A call `minutes` after T0, saying `said` in its transcript.
fn call(connection_id: i64, remote_id: &str, minutes: i64, said: &str) -> NewCall {
    let started_at = T0 + minutes * 60_000;
    NewCall {
        remote_assistant_id: Some("agent_unknown".to_string()),
        direction: Some("inbound".to_string()),
        customer_number: Some("+4930123456".to_string()),
        ended_at: Some(started_at + 95_000),
        duration_ms: 95_000,
        ended_reason: Some("customer-ended-call".to_string()),
        success: Some(minutes % 2 == 0),
        cost_micro_usd: 142_000,
        cost_transport_micro_usd: 12_000,
        cost_stt_micro_usd: 20_000,
        cost_llm_micro_usd: 61_000,
        cost_tts_micro_usd: 39_000,
        cost_platform_micro_usd: 10_000,
        llm_prompt_tokens: 2_400,
        llm_completion_tokens: 310,
        tts_characters: 1_180,
        summary: Some("The caller asked about an order.".to_string()),
        transcript_text: Some(format!("AI: Hello, thanks for calling Acme.\nUser: {said}")),
        transcript: Some(json!([
            {"role": "assistant", "text": "Hello, thanks for calling Acme. How can I help?", "seconds": 0.4},
            {"role": "user", "text": said, "seconds": 4.2},
            {"role": "assistant", "text": "Of course, let me look that up for you.", "seconds": 9.8},
        ])),
        analysis: Some(json!({"successEvaluation": "true", "structuredData": {"order": "A-1043", "topic": "refund"}})),
        document: json!({"conversation_id": remote_id, "has_audio": true}),
        ..support::call(connection_id, remote_id, started_at)
    }
}

#[tokio::test]
async fn a_search_in_call_history_highlights_matches_and_a_call_plays_its_recording() {
    let sim = support::spawn_sim().await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    let key = voxhive_sim::DEFAULT_EL_KEY;
    let connection = app
        .connect(&token, "elevenlabs", "Support line", key, &sim.base_url())
        .await;
    // The backfill that adding a connection starts must not overwrite the calls seeded below.
    app.sync_calls(&token, connection, true).await;
    let conversation = support::finished_conversation(&sim).await["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let calls = vec![
        call(
            connection,
            &conversation,
            30,
            "I would like a refund for order A-1043, please.",
        ),
        call(connection, "conv_2", 20, "When are you open on Saturdays?"),
        call(
            connection,
            "conv_3",
            10,
            "Can I get a refund if the parcel never arrived?",
        ),
        call(connection, "conv_4", 0, "I want to change my delivery address."),
    ];
    app.store().upsert_calls(&calls).await.unwrap();

    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    browser.goto(&app.url("/calls")).await;
    wait_for_path(&browser, "/calls").await;
    element(&browser, "table.calls-table tbody tr").await;
    problems.extend(check(&browser, "call-history").await);

    // A search for "refund" lists the two calls that said it, the word marked in each snippet.
    fill(&browser, "#f-q", "refund").await;
    submit(&browser, "Filter", "/calls").await;
    let marks = wait_for("the search's highlighted matches", async || {
        let marks = browser
            .execute(
                "return Array.from(document.querySelectorAll('.snippet mark'), m => m.textContent)",
                vec![],
            )
            .await;
        let marks: Vec<String> = serde_json::from_value(marks).unwrap_or_default();
        (!marks.is_empty()).then_some(marks)
    })
    .await;
    assert_eq!(marks, ["refund", "refund"]);
    let rows = browser
        .execute("return document.querySelectorAll('a.row-link').length", vec![])
        .await;
    assert_eq!(rows, json!(2), "only the calls that said the word are listed");
    let kept = browser.property(&element(&browser, "#f-q").await, "value").await;
    assert_eq!(kept, json!("refund"), "the search stays in its box");
    problems.extend(check(&browser, "call-history-search").await);

    // A value the filter cannot read is shown at its field, which has the focus, with the value kept.
    browser.goto(&app.url("/calls?min_cost=abc&q=refund")).await;
    wait_for_path(&browser, "/calls").await;
    let error = element(&browser, "#f-min_cost-error").await;
    assert!(browser.text(&error).await.contains("Enter an amount in dollars"));
    // Chromium applies autofocus at a rendering frame, which may come after the load event.
    wait_for("the field at fault has the focus", async || {
        let focused = browser.execute("return document.activeElement.id", vec![]).await;
        (focused == json!("f-min_cost")).then_some(())
    })
    .await;
    problems.extend(check(&browser, "call-history-error").await);
    browser.goto(&app.url("/calls?q=refund")).await;
    wait_for_path(&browser, "/calls").await;

    // The newest match is the call with the simulator's recording.
    let link = element(&browser, "a.row-link").await;
    let href = browser
        .execute_on(&link, "return arguments[0].getAttribute('href')")
        .await;
    let href = href.as_str().unwrap().to_string();
    click_to(&browser, &link, "the first call of the search", &href).await;
    let speakers = browser
        .execute(
            "return Array.from(document.querySelectorAll('.transcript .turn-speaker'), s => s.textContent)",
            vec![],
        )
        .await;
    assert_eq!(speakers, json!(["Assistant", "Customer", "Assistant"]));
    let times = browser
        .execute(
            "return Array.from(document.querySelectorAll('.transcript .turn-time'), s => s.textContent)",
            vec![],
        )
        .await;
    assert_eq!(times, json!(["00:00", "00:04", "00:09"]));
    let audio = element(&browser, "audio.call-audio[controls]").await;
    assert_eq!(
        browser
            .execute_on(&audio, "return arguments[0].getAttribute('src')")
            .await,
        json!(format!("{href}/recording"))
    );
    // The browser reads the recording's metadata through VoxHive (by byte ranges).
    browser
        .execute_on(&audio, "arguments[0].preload = 'metadata'; arguments[0].load();")
        .await;
    let state = wait_for("the recording's metadata has loaded", async || {
        let state = browser
            .execute_on(
                &audio,
                "var a = arguments[0]; return a.error ? 'error ' + a.error.code : (a.readyState >= 1 ? 'duration ' + a.duration : null)",
            )
            .await;
        state.as_str().map(str::to_string)
    })
    .await;
    assert!(state.starts_with("duration "), "the recording plays: {state}");
    problems.extend(check(&browser, "call-detail").await);
    // The cost breakdown, lower on the page, photographed at both widths too.
    for (size, name) in [(DESKTOP, "call-detail-cost-desktop"), (PHONE, "call-detail-cost-phone")] {
        resize(&browser, size).await;
        wait_until_still(&browser, "#sidebar").await;
        browser
            .execute(
                "document.getElementById('cost-title').scrollIntoView({ block: 'start' })",
                vec![],
            )
            .await;
        save_screenshot(&browser, name).await;
    }
    resize(&browser, DESKTOP).await;

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}
