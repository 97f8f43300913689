//! Browser journey of Deploy, Webhooks: the receiver of a connection and an imported tool's
//! server are listed among the server URLs in use; its Test link fills the form; the signed test delivery is accepted, shown with
//! its answer, and listed as received by VoxHive; an assistant is pointed at the receiver in one
//! action (a local edit to review). Every page passes the suite's checks and is
//! photographed at both widths.

use reqwest::Method;
use serde_json::json;
use voxhive_core::Role;

use super::{assert_flash, check, click, element, element_xpath, mark_page, sign_in, submit, wait_for_new_page};
use super::{OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, resize, DESKTOP};
use crate::support;
use crate::webdriver::{wait_for, Browser};

#[tokio::test]
async fn an_owner_tests_voxhives_receiver_from_the_webhooks_page() {
    let sim = support::spawn_sim().await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    let connection = app
        .connect_and_import(
            &token,
            "vapi",
            "Main",
            voxhive_sim::DEFAULT_VAPI_KEYS[0],
            &sim.base_url(),
        )
        .await;
    // The receiver's secret, made on first read as the Providers page does.
    let (_, webhook) = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/connections/{connection}/webhook"),
            None,
        )
        .await;
    let receiver = webhook["url"].as_str().unwrap().to_owned();

    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();
    browser.goto(&app.url("/webhooks")).await;
    let urls = browser.text(&element(&browser, ".urls-table").await).await;
    assert!(urls.contains(&receiver), "the receiver is listed: {urls}");
    // The imported function tool's server is listed with the event it is sent.
    assert!(
        urls.contains("check_availability") && urls.contains("tool-calls"),
        "{urls}"
    );
    problems.extend(check(&browser, "webhooks").await);

    // The receiver's Test link fills the form; the test is signed with the receiver's secret.
    let test = element_xpath(
        &browser,
        &format!("//a[@aria-label={}]", json!(format!("Test {receiver}"))),
        "the receiver's Test link",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &test, "Test").await;
    wait_for_new_page(&browser, "following Test").await;
    let filled = browser.property(&element(&browser, "#test-url").await, "value").await;
    assert_eq!(filled, json!(receiver));
    submit(&browser, "Send test", "/webhooks").await;
    assert_flash(
        &browser,
        "accepted the end-of-call-report event: HTTP 200",
        "a test to the receiver",
    )
    .await;
    let delivery = browser.text(&element(&browser, ".delivery-ok").await).await;
    assert!(delivery.contains("HTTP 200"), "{delivery}");

    // The receiver got it: listed once the page is loaded again.
    let received = wait_for("the receiver lists the delivery", async || {
        browser.goto(&app.url("/webhooks")).await;
        let text = browser.text(&browser.find(".received-table").await?).await;
        text.contains("end-of-call-report").then_some(text)
    })
    .await;
    assert!(received.contains("Main"), "{received}");
    browser
        .execute("document.querySelector('.delivery details').open = true", vec![])
        .await;
    problems.extend(check(&browser, "webhooks-tested").await);

    // One action points an assistant at VoxHive's receiver: a local edit to review and push.
    let point = element(&browser, "button[aria-label^='Point at VoxHive: ']").await;
    let label = browser
        .execute_on(&point, "return arguments[0].getAttribute('aria-label')")
        .await;
    let name = label
        .as_str()
        .unwrap()
        .trim_start_matches("Point at VoxHive: ")
        .to_owned();
    mark_page(&browser).await;
    click(&browser, &point, "Point at VoxHive").await;
    let arrived = wait_for_new_page(&browser, "pointing at VoxHive").await;
    assert!(arrived.starts_with("/assistants/"), "{arrived}");
    assert_flash(
        &browser,
        &format!("Pointed {name} at the new server URL as a local change"),
        "pointing",
    )
    .await;

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}
