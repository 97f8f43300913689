//! Browser journey of Build, Knowledge Base, against the provider simulator: two files dropped
//! at once (one of a type Vapi does not take is refused on the page, the other uploaded), the
//! uploaded file followed from processing to ready, attached to an assistant as a local edit,
//! downloaded, put in a new Vapi knowledge base whose search tool is attached to an assistant,
//! and deleted after a confirmation. Every page passes the suite's checks and is
//! photographed at both widths.

use serde_json::json;
use voxhive_core::Role;

use super::{
    assert_flash, check, check_at, click, element, element_xpath, fill, mark_page, sign_in, wait_for_new_page,
};
use super::{OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, resize, DESKTOP};
use crate::support::{self, client};
use crate::webdriver::{wait_for, Browser};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

async fn sim_file_names(sim: &voxhive_sim::SimHandle) -> Vec<String> {
    let files: Vec<serde_json::Value> = client()
        .get(format!("{}/file?purpose=assistant", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    files
        .iter()
        .filter_map(|f| f["originalName"].as_str().map(str::to_owned))
        .collect()
}

/// Drops files on the page's drop zone, as a user dragging them from their desktop would.
async fn drop_files(browser: &Browser, files: &[(&str, &str)]) {
    let zone = element(browser, "[data-dropzone]").await;
    browser
        .execute_on(
            &zone,
            &format!(
                "var dt = new DataTransfer();
                 {}.forEach(function (f) {{ dt.items.add(new File([f[1]], f[0], {{ type: 'text/plain' }})); }});
                 arguments[0].dispatchEvent(new DragEvent('dragover', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
                 arguments[0].dispatchEvent(new DragEvent('drop', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));",
                json!(files)
            ),
        )
        .await;
}

/// The text of the upload list's entry for `name`, once it has settled on `wanted`.
async fn upload_state(browser: &Browser, name: &str, wanted: &str) -> String {
    let xpath = format!("//li[contains(@class,'upload-item')][starts-with(normalize-space(), '{name}')]");
    wait_for(&format!("the upload of {name} says \"{wanted}\""), async || {
        let item = browser.find_xpath(&xpath).await?;
        let text = browser.text(&item).await;
        text.contains(wanted).then_some(text)
    })
    .await
}

#[tokio::test]
async fn an_owner_drops_files_follows_parsing_attaches_one_and_deletes_it() {
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

    browser.goto(&app.url("/knowledge-base")).await;
    element(&browser, ".files-table").await;
    problems.extend(check(&browser, "knowledge-base").await);

    drop_files(&browser, &[("opening-hours.txt", "Open 8 to 6."), ("setup.exe", "MZ")]).await;
    let refused = upload_state(&browser, "setup.exe", "Not sent").await;
    assert!(refused.contains(".exe is not a type"), "{refused}");
    assert!(refused.contains(".txt"), "the types Vapi takes are named: {refused}");
    upload_state(&browser, "opening-hours.txt", "Uploaded to Vapi").await;
    let on_sim = sim_file_names(&sim).await;
    assert!(on_sim.contains(&"opening-hours.txt".to_owned()));
    assert!(
        !on_sim.contains(&"setup.exe".to_owned()),
        "the refused file was never sent"
    );
    problems.extend(check_at(&browser, "knowledge-base-uploaded", "[data-upload-list]").await);

    // The list shows the new file processing, then ready once Vapi has parsed it.
    browser.goto(&app.url("/knowledge-base")).await;
    let link = element_xpath(&browser, "//a[normalize-space()='opening-hours.txt']", "the new file").await;
    let row_status = "//tr[.//a[normalize-space()='opening-hours.txt']]//span[contains(@class,'badge')]";
    wait_for("the file to be ready", async || {
        let badge = browser.find_xpath(row_status).await?;
        (browser.text(&badge).await == "Ready").then_some(())
    })
    .await;
    mark_page(&browser).await;
    click(&browser, &link, "the new file").await;
    let file_path = wait_for_new_page(&browser, "opening the file").await;
    assert!(file_path.starts_with("/knowledge-base/"), "{file_path}");
    problems.extend(check(&browser, "knowledge-file").await);

    // Download: the content as uploaded (Vapi serves it from the file's storage URL).
    browser.goto(&app.url(&format!("{file_path}/download"))).await;
    wait_for("the downloaded content", async || {
        let text = browser
            .execute("return document.body ? document.body.innerText : ''", vec![])
            .await;
        text.as_str().is_some_and(|t| t.contains("Open 8 to 6.")).then_some(())
    })
    .await;
    browser.goto(&app.url(&file_path)).await;
    // The provider's storage has no favicon, which the browser asked it for; nothing else. Read
    // after leaving, so a favicon request answered late is not blamed on the next page.
    let logged = crate::checks::console_errors(&browser).await;
    assert!(logged.iter().all(|l| l.contains("favicon.ico")), "{logged:?}");

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
    browser.goto(&app.url(&file_path)).await;
    element_xpath(
        &browser,
        &format!("//ul[@class='used-by']//a[normalize-space()={}]", json!(assistant)),
        "the assistant under Used by",
    )
    .await;

    // A Vapi knowledge base: made with its search tool, given the file, the tool attached.
    browser.goto(&app.url("/knowledge-base")).await;
    fill(&browser, "#base-name", "Clinic FAQ").await;
    let make = element_xpath(
        &browser,
        "//button[normalize-space()='Make the knowledge base']",
        "Make",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &make, "Make the knowledge base").await;
    wait_for_new_page(&browser, "making the knowledge base").await;
    assert_flash(
        &browser,
        "Made the knowledge base Clinic FAQ at Vapi",
        "making a knowledge base",
    )
    .await;
    let add = element_xpath(&browser, "//li[contains(@class,'base')][.//strong[normalize-space()='Clinic FAQ']]//button[normalize-space()='Add file']", "Add file").await;
    browser
        .execute(
            "var s = document.querySelector('li.base select'); s.value = Array.from(s.options).find(o => o.text === 'opening-hours.txt').value;",
            vec![],
        )
        .await;
    mark_page(&browser).await;
    click(&browser, &add, "Add file").await;
    wait_for_new_page(&browser, "adding the file").await;
    assert_flash(&browser, "Added the file", "adding a file to the knowledge base").await;
    wait_for("the file indexed", async || {
        browser.goto(&app.url("/knowledge-base")).await;
        let item = browser
            .find_xpath("//ul[@class='base-files']/li[contains(normalize-space(), 'opening-hours.txt')]")
            .await?;
        browser.text(&item).await.contains("Ready").then_some(())
    })
    .await;
    problems.extend(check_at(&browser, "knowledge-bases", "#bases-title").await);
    let tool = element_xpath(
        &browser,
        "//a[normalize-space()='attach it to assistants']",
        "the search tool",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &tool, "the search tool").await;
    let tool_page = wait_for_new_page(&browser, "opening the search tool").await;
    assert!(tool_page.starts_with("/tools/"), "{tool_page}");
    let heading = browser.text(&element(&browser, "h1").await).await;
    assert!(heading.contains("search_clinic_faq"), "{heading}");
    let attach = element_xpath(&browser, "//button[normalize-space()='Attach']", "Attach").await;
    mark_page(&browser).await;
    click(&browser, &attach, "Attach").await;
    let arrived = wait_for_new_page(&browser, "attaching the search tool").await;
    assert!(arrived.starts_with("/assistants/"), "{arrived}");
    assert_flash(&browser, "review and push it to Vapi", "attaching the search tool").await;
    browser.goto(&app.url(&file_path)).await;

    // Delete, after a confirmation that names the file and who uses it.
    let delete = element_xpath(
        &browser,
        "//button[normalize-space()='Delete opening-hours.txt']",
        "Delete",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &delete, "Delete").await;
    let asked = wait_for("the confirmation", async || browser.dialog_text().await).await;
    assert!(
        asked.contains("opening-hours.txt") && asked.contains(&assistant),
        "{asked}"
    );
    browser.accept_dialog().await;
    assert_eq!(wait_for_new_page(&browser, "deleting").await, "/knowledge-base");
    assert_flash(&browser, "Deleted opening-hours.txt at Vapi", "deleting").await;
    assert!(!sim_file_names(&sim).await.contains(&"opening-hours.txt".to_owned()));

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}
