//! Browser journey of Build, Tools, against the provider simulator: a function is created with
//! the form (bad parameters first refused, the field named, what was typed kept), attached to an assistant as a local
//! edit, and deleted: refused while in use, done once detaching is confirmed. Every page passes
//! the suite's checks and is photographed at both widths.

use serde_json::json;
use voxhive_core::Role;

use super::{assert_flash, check, click, element, element_xpath, fill, mark_page, sign_in, submit, wait_for_new_page};
use super::{OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, resize, DESKTOP};
use crate::support::{self, client};
use crate::webdriver::{wait_for, Browser};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

async fn sim_tool_names(sim: &voxhive_sim::SimHandle) -> Vec<String> {
    let tools: Vec<serde_json::Value> = client()
        .get(format!("{}/tool", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tools
        .iter()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// Replaces the text of a field.
async fn replace(browser: &Browser, css: &str, text: &str) {
    let field = element(browser, css).await;
    browser.execute_on(&field, "arguments[0].value = ''").await;
    fill(browser, css, text).await;
}

#[tokio::test]
async fn an_owner_creates_a_function_attaches_it_and_deletes_it_once_detached() {
    let sim = support::spawn_sim().await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    browser.goto(&app.url("/tools")).await;
    element(&browser, ".tools-table").await;
    problems.extend(check(&browser, "tools").await);
    browser.goto(&app.url("/tools/new")).await;
    fill(&browser, "#tool-name", "book_appointment").await;
    fill(&browser, "#tool-description", "Books an appointment.").await;
    replace(
        &browser,
        "#tool-parameters",
        r#"{"type": "object", "properties": {"day": {"type": "txt"}}}"#,
    )
    .await;
    fill(&browser, "#tool-server", "https://hooks.example.com/tools").await;
    problems.extend(check(&browser, "tool-new").await);
    submit(&browser, "Create tool", "/tools").await;
    assert_flash(
        &browser,
        "parameters.properties.day.type",
        "parameters that are not a JSON Schema",
    )
    .await;
    assert!(!sim_tool_names(&sim).await.contains(&"book_appointment".to_owned()));
    // What was typed is still there: only the parameters need fixing.
    let name = browser.property(&element(&browser, "#tool-name").await, "value").await;
    assert_eq!(name, json!("book_appointment"), "the form keeps what was typed");
    // The refusal answers 400, which the console reports; nothing else is logged.
    let logged = crate::checks::console_errors(&browser).await;
    assert!(logged.iter().all(|l| l.contains("status of 400")), "{logged:?}");
    problems.extend(check(&browser, "tool-new-refused").await);
    replace(
        &browser,
        "#tool-parameters",
        r#"{"type": "object", "properties": {"day": {"type": "string"}}}"#,
    )
    .await;
    fill(&browser, "#tool-start", "One moment.").await;
    let create = element_xpath(&browser, "//button[normalize-space()='Create tool']", "Create tool").await;
    mark_page(&browser).await;
    click(&browser, &create, "Create tool").await;
    let tool_path = wait_for_new_page(&browser, "creating the tool").await;
    assert!(tool_path.starts_with("/tools/"), "{tool_path}");
    assert_flash(&browser, "Created \"book_appointment\" at Vapi", "creating").await;
    assert!(sim_tool_names(&sim).await.contains(&"book_appointment".to_owned()));
    problems.extend(check(&browser, "tool").await);

    // Attach: the assistant's page says it is a local change to review and push.
    let assistant = sim.vapi_assistants(KEY)[0]["name"].as_str().unwrap().to_owned();
    let select = element(&browser, "#attach-assistant").await;
    browser
        .execute_on(
            &select,
            &format!(
                "var s = arguments[0]; s.value = Array.from(s.options).find(o => o.text === {}).value;",
                json!(assistant)
            ),
        )
        .await;
    let attach = element_xpath(&browser, "//button[normalize-space()='Attach']", "Attach").await;
    mark_page(&browser).await;
    click(&browser, &attach, "Attach").await;
    let arrived = wait_for_new_page(&browser, "attaching").await;
    assert!(arrived.starts_with("/assistants/"), "{arrived}");
    assert_flash(&browser, "review and push it to Vapi", "attaching").await;

    // Delete: refused while the assistant uses it, then confirmed with detaching.
    browser.goto(&app.url(&tool_path)).await;
    let delete = element_xpath(
        &browser,
        "//button[normalize-space()='Delete book_appointment']",
        "Delete",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &delete, "Delete").await;
    wait_for("the confirmation", async || browser.dialog_text().await).await;
    browser.accept_dialog().await;
    assert_eq!(wait_for_new_page(&browser, "deleting").await, tool_path);
    assert_flash(&browser, &format!("is used by {assistant}"), "deleting a tool in use").await;
    problems.extend(check(&browser, "tool-in-use").await);
    let detach = element(&browser, "input[name=detach]").await;
    click(&browser, &detach, "the detach checkbox").await;
    let delete = element_xpath(
        &browser,
        "//button[normalize-space()='Delete book_appointment']",
        "Delete",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &delete, "Delete").await;
    wait_for("the confirmation", async || browser.dialog_text().await).await;
    browser.accept_dialog().await;
    assert_eq!(wait_for_new_page(&browser, "deleting with detach").await, "/tools");
    assert_flash(&browser, "Deleted \"book_appointment\" at Vapi", "deleting").await;
    assert!(!sim_tool_names(&sim).await.contains(&"book_appointment".to_owned()));

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}
