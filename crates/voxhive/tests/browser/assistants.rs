//! Browser journeys of Build, Assistants: import from the provider simulator, edit in the JSON
//! editor, review and push, resolve a conflict field by field, roll back, and create from a
//! template. Every page visited passes the same checks as the rest of the suite (axe-core, no
//! console errors, no sideways scroll at phone width) and is photographed at both widths.

use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_sim::SimHandle;

use super::{
    assert_flash, button, check, check_at, choose, click, click_to, element, element_xpath, fill, follow_link,
    mark_page, sign_in, submit, wait_for_new_page, wait_for_path, OWNER, WORKSPACE,
};
use crate::checks::{assert_no_problems, resize, DESKTOP};
use crate::support::{self, TestApp};
use crate::webdriver::{wait_for, Browser};

/// The simulator's first Vapi organisation, which the connection "Main" reads.
const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const LABEL: &str = "Main";

// ---------------------------------------------------------------------------------------------
// Setting up
// ---------------------------------------------------------------------------------------------

/// A server and a simulator, an owner, and a Vapi connection "Main" to the simulator (made
/// through the JSON API: the Providers pages have journeys of their own).
async fn app_with_connection() -> (SimHandle, TestApp) {
    let sim = support::spawn_sim().await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider": "vapi", "label": LABEL, "api_key": KEY, "base_url": sim.base_url()}))
        .send()
        .await
        .expect("POST /api/v1/connections");
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, reqwest::StatusCode::CREATED, "create the connection: {body}");
    (sim, app)
}

/// A signed-in owner's browser at desktop width.
async fn owner_browser(app: &TestApp) -> Browser {
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, app, OWNER, support::PASSWORD).await;
    browser
}

// ---------------------------------------------------------------------------------------------
// Small steps on these pages
// ---------------------------------------------------------------------------------------------

/// Waits until the job card of the page (import, bulk push) shows its job finished without a
/// problem and its summary contains `expected`; the progress arrives live, then the page reloads.
async fn assert_job_finished(browser: &Browser, expected: &str, after: &str) {
    let card = element(browser, ".job-card.job-done .job-summary").await;
    let summary = browser.text(&card).await;
    assert!(
        summary.contains(expected),
        "after {after} the job card says {expected:?}, but it says {summary:?}"
    );
}

/// The words of the sync badge in the page's h1.
async fn badge(browser: &Browser) -> String {
    let badge = element(browser, "h1 span.badge").await;
    browser.text(&badge).await.trim().to_string()
}

async fn assert_badge(browser: &Browser, expected: &str, when: &str) {
    assert_eq!(badge(browser).await, expected, "the status badge {when}");
}

/// The assistant rows of the list: (name, badge words, href).
async fn list_rows(browser: &Browser) -> Vec<(String, String, String)> {
    let rows = browser
        .execute(
            r#"return Array.from(document.querySelectorAll("table tbody tr"), function (tr) {
                 var a = tr.querySelector("a.row-link"), b = tr.querySelector("span.badge");
                 return [a ? a.textContent.trim() : "", b ? b.textContent.trim() : "", a ? a.getAttribute("href") : ""];
               })"#,
            vec![],
        )
        .await;
    serde_json::from_value(rows).expect("a list of rows")
}

/// Opens the assistant named `name` from the list, by its row link, and returns its path.
async fn open_assistant(browser: &Browser, name: &str) -> String {
    let rows = list_rows(browser).await;
    let href = rows
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, _, href)| href.clone())
        .unwrap_or_else(|| panic!("the list shows the assistant {name:?}, it shows {rows:?}"));
    let link = element(browser, &format!("a.row-link[href={}]", json!(href))).await;
    click_to(browser, &link, &format!("the row link of {name:?}"), &href).await;
    href
}

/// Imports from the connection "Main" with the Import card's button on the list.
async fn import_from_page(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/assistants")).await;
    wait_for_path(browser, "/assistants").await;
    submit(browser, &format!("Import from {LABEL}"), "/assistants").await;
    assert_job_finished(browser, &format!("Imported from \"{LABEL}\": "), "importing").await;
}

/// The JSON editor's document, parsed.
async fn editor_document(browser: &Browser) -> Value {
    let text = browser
        .property(&element(browser, "textarea#document").await, "value")
        .await;
    serde_json::from_str(text.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the JSON editor holds a JSON document ({e}): {text}"))
}

/// Changes top-level fields of the document in the JSON editor (as a person pasting an edited
/// document would) and saves it as a revision.
async fn save_fields(browser: &Browser, path: &str, fields: Value) {
    let editor = element(browser, "textarea#document").await;
    let script = r#"var doc = JSON.parse(arguments[0].value);
        Object.assign(doc, arguments[1]);
        arguments[0].value = JSON.stringify(doc, null, 2);"#;
    let editor_ref = serde_json::to_value(&editor).expect("an element reference is JSON");
    browser.execute(script, vec![editor_ref, fields]).await;
    submit(browser, "Save revision", path).await;
    assert_flash(browser, "Saved as a new revision.", "saving the editor").await;
}

/// The paths listed under "Changed fields" on a review or compare page.
async fn changed_paths(browser: &Browser) -> Vec<String> {
    element(browser, "ul.change-summary").await;
    let paths = browser
        .execute(
            "return Array.from(document.querySelectorAll('ul.change-summary li code'), c => c.textContent.trim())",
            vec![],
        )
        .await;
    serde_json::from_value(paths).expect("a list of paths")
}

/// Checks that a review or compare page lists exactly the fields `expected` as changed. A
/// difference is recorded in `problems` rather than failing at once, so the journey goes on and
/// the run reports everything it finds. Returns how many fields the page lists.
async fn expect_changed_paths(browser: &Browser, page: &str, expected: &[&str], problems: &mut Vec<String>) -> usize {
    let listed = changed_paths(browser).await;
    if listed != expected {
        let shown = browser
            .execute(
                r"return Array.from(document.querySelectorAll('section.change'), s => s.innerText.replace(/\s+/g, ' ').trim())",
                vec![],
            )
            .await;
        problems.push(format!(
            "{page}: \"Changed fields\" should list exactly {expected:?}, it lists {listed:?}. The changes shown: {shown}"
        ));
    }
    listed.len()
}

/// The label of the review's push button for `n` changed fields.
fn push_label(n: usize) -> String {
    format!("Push {n} change{}", if n == 1 { "" } else { "s" })
}

/// The Vapi id the assistant page shows under its name.
async fn remote_id(browser: &Browser) -> String {
    let code = element(browser, "p.page-lead code").await;
    browser.text(&code).await.trim().to_string()
}

/// A simulator assistant to work on: the first one with a voicemail message, if any.
fn pick_remote(sim: &SimHandle) -> Value {
    let all = sim.vapi_assistants(KEY);
    assert!(!all.is_empty(), "the simulator has Vapi assistants");
    all.iter()
        .find(|a| a["voicemailMessage"].is_string())
        .unwrap_or(&all[0])
        .clone()
}

fn str_of(doc: &Value, field: &str) -> String {
    doc[field].as_str().unwrap_or_default().to_string()
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_owner_imports_assistants_edits_one_reviews_the_change_and_pushes_it_to_vapi() {
    let (sim, app) = app_with_connection().await;
    let browser = owner_browser(&app).await;
    let mut problems = Vec::new();

    // The list before anything is imported: the Import card and an empty table.
    browser.goto(&app.url("/assistants")).await;
    wait_for_path(&browser, "/assistants").await;
    problems.extend(check(&browser, "assistants-before-import").await);

    // The provider's assistants can be chosen one by one; here all of them are imported.
    follow_link(&browser, "Choose…", "/assistants/import").await;
    element(&browser, "input[name=remote_ids]").await;
    let offered = browser
        .execute(
            "return document.querySelectorAll('input[name=remote_ids]').length",
            vec![],
        )
        .await;
    assert_eq!(
        offered,
        json!(sim.vapi_assistants(KEY).len()),
        "every assistant at Vapi is offered"
    );
    problems.extend(check(&browser, "assistants-import-choice").await);
    browser.goto(&app.url("/assistants")).await;
    wait_for_path(&browser, "/assistants").await;

    // Import, and every assistant of the account is listed as synced.
    submit(&browser, &format!("Import from {LABEL}"), "/assistants").await;
    let remote = sim.vapi_assistants(KEY);
    assert_job_finished(
        &browser,
        &format!("Imported from \"{LABEL}\": {} new", remote.len()),
        "importing",
    )
    .await;
    problems.extend(check(&browser, "assistants-imported").await);
    let rows = list_rows(&browser).await;
    let mut listed: Vec<&str> = rows.iter().map(|(name, _, _)| name.as_str()).collect();
    let mut expected: Vec<&str> = remote.iter().map(|a| a["name"].as_str().unwrap_or_default()).collect();
    listed.sort_unstable();
    expected.sort_unstable();
    assert_eq!(listed, expected, "the list shows every assistant of the account");
    assert!(
        rows.iter().all(|(_, badge, _)| badge == "synced"),
        "freshly imported assistants are synced: {rows:?}"
    );
    problems.extend(check(&browser, "assistants-imported").await);

    // Open one, change its first message in the JSON editor and save a revision.
    let chosen = pick_remote(&sim);
    let path = open_assistant(&browser, &str_of(&chosen, "name")).await;
    assert_badge(&browser, "synced", "of a freshly imported assistant").await;
    let id = remote_id(&browser).await;
    assert_eq!(id, str_of(&chosen, "id"), "the page shows the assistant's Vapi id");
    problems.extend(check(&browser, "assistant-synced").await);
    let greeting = "Good morning, and thank you for calling the Riverside clinic. I can book, move or cancel \
                    your appointment right now. How can I help?";
    save_fields(&browser, &path, json!({ "firstMessage": greeting })).await;
    assert_badge(&browser, "modified", "after a local edit").await;
    assert_eq!(
        editor_document(&browser).await["firstMessage"],
        json!(greeting),
        "the editor shows the saved document"
    );
    problems.extend(check(&browser, "assistant-modified").await);

    // The review lists the one changed field, with the long text as a line diff.
    let review = format!("{path}/review");
    follow_link(&browser, "Review and push", &review).await;
    let listed = expect_changed_paths(&browser, "review-one-change", &["firstMessage"], &mut problems).await;
    let added = browser
        .execute(
            "return Array.from(document.querySelectorAll('div.diff-line.line-added'), d => d.textContent)",
            vec![],
        )
        .await;
    assert!(
        added.as_array().is_some_and(|lines| lines
            .iter()
            .any(|l| l.as_str().unwrap_or_default().contains("Riverside clinic"))),
        "the line diff shows the new first message as an added line, found {added}"
    );
    problems.extend(check(&browser, "review-one-change").await);

    // Push: the notice, the badge, and Vapi has the new first message.
    submit(&browser, &push_label(listed), &path).await;
    assert_flash(&browser, "Pushed to Vapi.", "pushing").await;
    assert_badge(&browser, "synced", "after pushing").await;
    problems.extend(check(&browser, "assistant-pushed").await);
    let pushed = sim
        .vapi_assistant(KEY, &id)
        .expect("the assistant still exists at Vapi");
    assert_eq!(
        pushed["firstMessage"],
        json!(greeting),
        "Vapi has the new first message"
    );
    assert_eq!(pushed["name"], chosen["name"], "the other fields stay as they were");
    assert_eq!(pushed["model"], chosen["model"], "the other fields stay as they were");

    // The list agrees.
    browser.goto(&app.url("/assistants")).await;
    wait_for_path(&browser, "/assistants").await;
    let rows = list_rows(&browser).await;
    assert!(
        rows.iter().all(|(_, badge, _)| badge == "synced"),
        "after the push every assistant is synced again: {rows:?}"
    );

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn a_conflict_with_a_change_made_at_vapi_is_resolved_field_by_field_and_pushed() {
    let (sim, app) = app_with_connection().await;
    let browser = owner_browser(&app).await;
    let mut problems = Vec::new();
    import_from_page(&browser, &app).await;
    let chosen = pick_remote(&sim);
    let id = str_of(&chosen, "id");
    let path = open_assistant(&browser, &str_of(&chosen, "name")).await;

    // Both sides change the first message and the voicemail message.
    save_fields(
        &browser,
        &path,
        json!({
            "firstMessage": "Hello from VoxHive, how can I help?",
            "voicemailMessage": "VoxHive here: please call us back.",
        }),
    )
    .await;
    let theirs_greeting = "Hello from the Vapi dashboard, how can I help?";
    sim.vapi_edit_assistant(
        KEY,
        &id,
        json!({
            "firstMessage": theirs_greeting,
            "voicemailMessage": "Vapi dashboard here: please call us back.",
        }),
    )
    .expect("the simulator edits the assistant");

    // Pulling finds the overlap and keeps both versions as a conflict.
    submit(&browser, "Pull from the provider", &path).await;
    assert_flash(&browser, "both are kept as a conflict", "pulling a conflicting change").await;
    assert_badge(&browser, "conflict", "after pulling a conflicting change").await;
    problems.extend(check(&browser, "assistant-conflict").await);

    // The review refuses to push and points at the merge.
    let review = format!("{path}/review");
    follow_link(&browser, "Review and push", &review).await;
    assert!(
        browser
            .find_xpath("//button[starts-with(normalize-space(), 'Push')]")
            .await
            .is_none(),
        "a conflicting assistant has no Push button"
    );
    problems.extend(check(&browser, "review-conflict").await);
    let merge = format!("{path}/merge");
    follow_link(&browser, "Resolve the conflict first", &merge).await;

    // One fieldset per conflicting field.
    let fields = browser
        .execute(
            "return Array.from(document.querySelectorAll('input[type=hidden][name^=\"path-\"]'), i => [i.name.slice(5), i.value])",
            vec![],
        )
        .await;
    let fields: Vec<(String, String)> = serde_json::from_value(fields).expect("a list of fields");
    let index_of = |field: &str| {
        fields
            .iter()
            .find(|(_, path)| path == field)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| panic!("the merge page lists {field} as a conflict, it lists {fields:?}"))
    };
    assert_eq!(
        fields.len(),
        2,
        "exactly the two fields changed on both sides conflict: {fields:?}"
    );
    let (greeting_n, voicemail_n) = (index_of("firstMessage"), index_of("voicemailMessage"));
    problems.extend(check(&browser, "merge-two-conflicts").await);

    // Take Vapi's greeting, and write a new voicemail message by hand.
    choose(&browser, &format!("choice-{greeting_n}"), "theirs").await;
    choose(&browser, &format!("choice-{voicemail_n}"), "edit").await;
    let edited_voicemail = "Sorry we missed you. Please call us back at your convenience.";
    fill(
        &browser,
        &format!("#edit-{voicemail_n}"),
        &serde_json::to_string(edited_voicemail).expect("a JSON string"),
    )
    .await;
    problems.extend(check(&browser, "merge-choices-made").await);
    submit(&browser, "Merge and review", &review).await;
    assert_flash(&browser, "Merged. Review the result and push it.", "merging").await;
    // Only the hand-edited voicemail message differs from Vapi's version.
    let listed = expect_changed_paths(&browser, "review-merged", &["voicemailMessage"], &mut problems).await;
    problems.extend(check(&browser, "review-merged").await);

    submit(&browser, &push_label(listed), &path).await;
    assert_flash(&browser, "Pushed to Vapi.", "pushing the merge").await;
    assert_badge(&browser, "synced", "after pushing the merge").await;
    problems.extend(check(&browser, "assistant-merged-and-pushed").await);
    let pushed = sim
        .vapi_assistant(KEY, &id)
        .expect("the assistant still exists at Vapi");
    assert_eq!(
        pushed["firstMessage"],
        json!(theirs_greeting),
        "Vapi keeps its own greeting"
    );
    assert_eq!(
        pushed["voicemailMessage"],
        json!(edited_voicemail),
        "Vapi has the hand-edited voicemail message"
    );

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn rolling_back_to_the_imported_revision_restores_its_document_as_a_new_local_edit() {
    let (sim, app) = app_with_connection().await;
    let browser = owner_browser(&app).await;
    let mut problems = Vec::new();
    import_from_page(&browser, &app).await;
    let chosen = pick_remote(&sim);
    let original = str_of(&chosen, "firstMessage");
    let path = open_assistant(&browser, &str_of(&chosen, "name")).await;

    // An edit, pushed.
    let greeting = "Thanks for calling, this is the new greeting.";
    save_fields(&browser, &path, json!({ "firstMessage": greeting })).await;
    follow_link(&browser, "Review and push", &format!("{path}/review")).await;
    let listed = expect_changed_paths(
        &browser,
        "review (before the rollback)",
        &["firstMessage"],
        &mut problems,
    )
    .await;
    submit(&browser, &push_label(listed), &path).await;
    assert_flash(&browser, "Pushed to Vapi.", "pushing").await;
    assert_badge(&browser, "synced", "after pushing").await;
    problems.extend(check_at(&browser, "assistant-history", "#history-title").await);

    // The imported revision, compared with the current one.
    let import_row = "//table//tr[td[2][normalize-space()='import']]";
    let import_cell = element_xpath(
        &browser,
        &format!("{import_row}/td[1]"),
        "the history row of the import",
    )
    .await;
    let revision = browser
        .text(&import_cell)
        .await
        .trim()
        .trim_start_matches('#')
        .to_string();
    assert!(
        revision.parse::<i64>().is_ok(),
        "the import row starts with its revision number, found {revision:?}"
    );
    let compare = element_xpath(
        &browser,
        &format!("{import_row}//a[normalize-space()='Compare with current']"),
        "the import row's Compare link",
    )
    .await;
    click_to(
        &browser,
        &compare,
        "Compare with current on the import row",
        &format!("{path}/compare"),
    )
    .await;
    expect_changed_paths(
        &browser,
        "compare-import-with-current",
        &["firstMessage"],
        &mut problems,
    )
    .await;
    problems.extend(check(&browser, "compare-import-with-current").await);
    browser.goto(&app.url(&path)).await;
    wait_for_path(&browser, &path).await;

    // Roll back, confirming the question.
    let roll_back = element_xpath(
        &browser,
        &format!("{import_row}//button[normalize-space()='Roll back']"),
        "the import row's Roll back button",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &roll_back, "Roll back on the import row").await;
    let question = wait_for("the browser asks to confirm the rollback", async || {
        browser.dialog_text().await
    })
    .await;
    assert!(
        question.contains(&format!("Make revision #{revision} the local document again?")),
        "the confirmation names the revision, it says {question:?}"
    );
    browser.accept_dialog().await;
    let arrived = wait_for_new_page(&browser, "confirming the rollback").await;
    assert_eq!(arrived, path, "the rollback leads back to the assistant");
    assert_flash(
        &browser,
        &format!("Rolled back to revision #{revision}"),
        "rolling back",
    )
    .await;
    assert_badge(&browser, "modified", "after rolling back a pushed edit").await;
    assert_eq!(
        editor_document(&browser).await["firstMessage"],
        json!(original),
        "the editor shows the imported first message again"
    );
    problems.extend(check(&browser, "assistant-rolled-back").await);
    assert_eq!(
        sim.vapi_assistant(KEY, &str_of(&chosen, "id")).expect("still at Vapi")["firstMessage"],
        json!(greeting),
        "a rollback pushes nothing"
    );

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn a_new_assistant_from_the_appointment_booking_template_is_created_at_vapi() {
    let (sim, app) = app_with_connection().await;
    let browser = owner_browser(&app).await;
    let mut problems = Vec::new();
    let before = sim.vapi_assistants(KEY).len();

    browser.goto(&app.url("/assistants")).await;
    wait_for_path(&browser, "/assistants").await;
    follow_link(&browser, "New assistant", "/assistants/new").await;
    problems.extend(check(&browser, "new-assistant").await);

    // Quick Start is the default; pick the template card and name it.
    let mode = element(&browser, "input[name=\"mode\"][value=\"template\"]").await;
    assert_eq!(
        browser.execute_on(&mode, "return arguments[0].checked").await,
        json!(true),
        "Quick Start is chosen to begin with"
    );
    choose(&browser, "template", "appointment-booking").await;
    let name = "Booking desk";
    fill(&browser, "#new-name", name).await;
    problems.extend(check(&browser, "new-assistant-filled-in").await);
    let create = button(&browser, "Create and review").await;
    mark_page(&browser).await;
    click(&browser, &create, "the Create and review button").await;
    let review = wait_for_new_page(&browser, "clicking \"Create and review\"").await;
    let path = review
        .strip_suffix("/review")
        .filter(|p| {
            p.strip_prefix("/assistants/")
                .is_some_and(|id| id.parse::<i64>().is_ok())
        })
        .unwrap_or_else(|| panic!("creating leads to the new assistant's review, not {review}"))
        .to_string();
    assert_flash(&browser, "Created in VoxHive.", "creating").await;
    assert_badge(&browser, "new", "of an assistant not yet at Vapi").await;
    let fields = changed_paths(&browser).await;
    assert!(
        fields.iter().any(|f| f == "firstMessage") && fields.iter().any(|f| f == "name"),
        "the review lists the template's fields, found {fields:?}"
    );
    assert_eq!(
        sim.vapi_assistants(KEY).len(),
        before,
        "nothing is sent before the review"
    );
    problems.extend(check(&browser, "review-new-assistant").await);

    submit(&browser, "Create at Vapi", &path).await;
    assert_flash(&browser, "Created at Vapi.", "creating at Vapi").await;
    assert_badge(&browser, "synced", "after creating at Vapi").await;
    problems.extend(check(&browser, "assistant-created").await);
    let remote = sim.vapi_assistants(KEY);
    assert_eq!(remote.len(), before + 1, "Vapi has one more assistant");
    let created = remote
        .iter()
        .find(|a| a["name"] == json!(name))
        .unwrap_or_else(|| panic!("Vapi has an assistant named {name:?}"));
    assert!(
        str_of(created, "firstMessage").contains("book, move or cancel"),
        "the new assistant has the template's greeting: {created}"
    );
    assert_eq!(
        remote_id(&browser).await,
        str_of(created, "id"),
        "the page shows the new Vapi id"
    );

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}
