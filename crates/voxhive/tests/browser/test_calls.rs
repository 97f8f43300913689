//! Browser journeys of test calls, against the provider simulator: a browser call (Chromium's
//! fake microphone streamed over Vapi's WebSocket transport, the assistant's audio played) and a
//! phone call (a number left out first: refused with the field named, what was typed kept), each
//! with its live transcript seen on the page, muted and ended from the controls, then found in
//! Call History. Every page passes the suite's checks and is photographed at both widths.

use std::time::Duration;

use serde_json::json;
use voxhive_core::Role;

use super::{assert_flash, check, click, element, element_xpath, fill, mark_page, sign_in, wait_for_new_page};
use super::{OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, console_errors, resize, DESKTOP};
use crate::support::{self, spawn_live_sim};
use crate::webdriver::{wait_for, Browser};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

/// The transcript's turns on the live page: (role class, text).
async fn live_turns(browser: &Browser) -> Vec<(String, String)> {
    let turns = browser
        .execute(
            "return Array.from(document.querySelectorAll('[data-transcript] li'))
               .map(function (li) { return [li.className, li.querySelector('.turn-text').textContent]; });",
            vec![],
        )
        .await;
    serde_json::from_value(turns).unwrap_or_default()
}

async fn wait_for_turn(browser: &Browser, role: &str) {
    wait_for(&format!("a {role} line in the live transcript"), async || {
        live_turns(browser)
            .await
            .iter()
            .any(|(class, _)| class.contains(&format!("turn-{role}")))
            .then_some(())
    })
    .await;
}

async fn events_text(browser: &Browser) -> String {
    let events = element(browser, "[data-events]").await;
    browser.text(&events).await
}

/// Presses a control and waits for its answer in the events.
async fn press(browser: &Browser, label: &str, answer: &str) {
    let button = element_xpath(browser, &format!("//button[normalize-space()='{label}']"), label).await;
    click(browser, &button, label).await;
    wait_for(&format!("\"{answer}\" in the events"), async || {
        events_text(browser).await.contains(answer).then_some(())
    })
    .await;
}

/// Ends the call from the page and follows it to Call History, where its transcript is.
async fn end_and_find_in_history(browser: &Browser, said: &str) {
    press(browser, "End the call", "Ending the call.").await;
    let link = wait_for("the link to Call History", async || {
        let shown = browser
            .execute(
                "var e = document.querySelector('[data-ended]'); return !!e && !e.hidden;",
                vec![],
            )
            .await;
        (shown == json!(true)).then_some(())?;
        browser.find("[data-call-link]").await
    })
    .await;
    let status = element(browser, "[data-call-status]").await;
    assert_eq!(browser.text(&status).await, "Ended");
    mark_page(browser).await;
    click(browser, &link, "See it in Call History").await;
    let path = wait_for_new_page(browser, "following the ended call").await;
    assert!(path.starts_with("/calls/"), "{path}");
    let body = browser.execute("return document.body.innerText", vec![]).await;
    assert!(
        body.as_str().unwrap().contains(said),
        "the stored transcript has {said:?}"
    );
}

#[tokio::test]
async fn an_owner_talks_to_an_assistant_from_the_browser_mutes_it_and_ends_the_call() {
    let sim = spawn_live_sim(Duration::from_millis(1000)).await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    browser.goto(&app.url("/calls")).await;
    let start = element_xpath(&browser, "//a[normalize-space()='Test call']", "Test call").await;
    mark_page(&browser).await;
    click(&browser, &start, "Test call").await;
    assert_eq!(
        wait_for_new_page(&browser, "opening the test call form").await,
        "/test-calls/new"
    );
    problems.extend(check(&browser, "test-call-new").await);
    let submit = element_xpath(&browser, "//button[normalize-space()='Start the call']", "Start").await;
    mark_page(&browser).await;
    click(&browser, &submit, "Start the call").await;
    let live = wait_for_new_page(&browser, "starting the browser call").await;
    assert!(live.starts_with("/test-calls/"), "{live}");

    // The assistant speaks and is muted at once: the simulator's dialogue then holds at the
    // assistant's next line, so the call cannot run to its end while the page is checked (a
    // short dialogue lasts a few steps). The fake microphone's beeps are heard as the caller's lines.
    wait_for_turn(&browser, "assistant").await;
    press(&browser, "Mute the assistant", "The assistant is muted.").await;
    wait_for_turn(&browser, "user").await;
    let mic = element(&browser, "[data-mic-state]").await;
    assert_eq!(browser.text(&mic).await, "On");
    let played = browser
        .execute("return document.querySelector('[data-events]').textContent", vec![])
        .await;
    assert!(
        played.as_str().unwrap().contains("Assistant started speaking"),
        "{played}"
    );
    element_xpath(&browser, "//button[normalize-space()='Unmute the assistant']", "Unmute").await;
    problems.extend(check(&browser, "test-call-live").await);
    press(&browser, "Unmute the assistant", "The assistant is unmuted.").await;
    let said = live_turns(&browser).await[0].1.clone();
    end_and_find_in_history(&browser, &said).await;

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn an_owner_has_an_assistant_call_a_phone_after_a_refusal_naming_the_number() {
    let sim = spawn_live_sim(Duration::from_millis(1500)).await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    // From the assistant's page, by phone, without the number to call first.
    browser.goto(&app.url("/assistants")).await;
    let first = element(&browser, "a.row-link").await;
    mark_page(&browser).await;
    click(&browser, &first, "the first assistant").await;
    wait_for_new_page(&browser, "opening the assistant").await;
    let test = element_xpath(&browser, "//a[normalize-space()='Test call']", "Test call").await;
    mark_page(&browser).await;
    click(&browser, &test, "Test call").await;
    wait_for_new_page(&browser, "opening the test call form").await;
    let phone = element(&browser, "input[name=transport][value=phone]").await;
    click(&browser, &phone, "By phone").await;
    let number = element(&browser, "#tc-number").await;
    browser.execute_on(&number, "arguments[0].selectedIndex = 1;").await;
    let submit = element_xpath(&browser, "//button[normalize-space()='Start the call']", "Start").await;
    mark_page(&browser).await;
    click(&browser, &submit, "Start the call").await;
    wait_for_new_page(&browser, "the refused call").await;
    assert_flash(&browser, "Give the number to call", "a call with no number").await;
    let kept = browser
        .execute(
            "return document.querySelector('input[name=transport][value=phone]').checked",
            vec![],
        )
        .await;
    assert_eq!(kept, json!(true), "the form keeps what was chosen");
    let logged = console_errors(&browser).await;
    assert!(logged.iter().all(|l| l.contains("status of 400")), "{logged:?}");
    problems.extend(check(&browser, "test-call-refused").await);

    fill(&browser, "#tc-customer", "+14155550123").await;
    let submit = element_xpath(&browser, "//button[normalize-space()='Start the call']", "Start").await;
    mark_page(&browser).await;
    click(&browser, &submit, "Start the call").await;
    let live = wait_for_new_page(&browser, "starting the phone call").await;
    assert!(live.starts_with("/test-calls/"), "{live}");
    wait_for_turn(&browser, "assistant").await;
    assert!(
        browser.find("[data-mic-state]").await.is_none(),
        "no microphone on a phone call"
    );
    press(&browser, "Mute the assistant", "The assistant is muted.").await;
    fill(&browser, "#say-text", "Thanks for holding.").await;
    press(&browser, "Say it", "The assistant will say it next.").await;
    // Checked while muted: the held dialogue cannot end the call meanwhile.
    problems.extend(check(&browser, "test-call-phone").await);
    press(&browser, "Unmute the assistant", "The assistant is unmuted.").await;
    wait_for("the line said in the live transcript", async || {
        live_turns(&browser)
            .await
            .iter()
            .any(|(_, text)| text == "Thanks for holding.")
            .then_some(())
    })
    .await;
    end_and_find_in_history(&browser, "Thanks for holding.").await;

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}
