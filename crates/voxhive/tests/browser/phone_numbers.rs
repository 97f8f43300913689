//! Browser journey of Deploy, Phone Numbers, against the provider simulator: an unavailable area
//! code is refused in the provider's words; a number is bought, assigned to an assistant with a
//! server URL, and released after a confirmation that names it. Every page passes the suite's
//! checks and is photographed at both widths.

use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_sim::SimHandle;

use super::{assert_flash, check, click, element, element_xpath, fill, mark_page, sign_in, submit, wait_for_new_page};
use super::{OWNER, WORKSPACE};
use crate::checks::{assert_no_problems, resize, DESKTOP};
use crate::support::{self, client, TestApp};
use crate::webdriver::{wait_for, Browser};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

/// The numbers the simulator's first Vapi organisation holds.
async fn sim_numbers(sim: &SimHandle) -> Vec<Value> {
    client()
        .get(format!("{}/phone-number", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Chooses the option reading `label` in the select `css`.
async fn select_option(browser: &Browser, css: &str, label: &str) {
    let select = element(browser, css).await;
    let chosen = browser
        .execute_on(
            &select,
            &format!(
                "var s = arguments[0]; var o = Array.from(s.options).find(o => o.text.trim() === {});
                 if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;",
                json!(label)
            ),
        )
        .await;
    assert_eq!(chosen, json!(true), "{css} offers {label:?}");
}

#[tokio::test]
async fn an_owner_buys_a_number_assigns_it_to_an_assistant_and_releases_it() {
    let sim = support::spawn_sim().await;
    let app: TestApp = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let token = app.token_for(OWNER, WORKSPACE).await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    browser.goto(&app.url("/phone-numbers")).await;
    let rows = wait_for("the imported numbers are listed", async || {
        let n = browser
            .execute(
                "return document.querySelectorAll('.numbers-table tbody tr').length",
                vec![],
            )
            .await;
        (n.as_u64()? >= 2).then_some(n)
    })
    .await;
    assert_eq!(rows, json!(sim_numbers(&sim).await.len()));
    problems.extend(check(&browser, "phone-numbers").await);

    // An area code with no numbers left: the provider's reason, and nothing bought.
    let before = sim_numbers(&sim).await.len();
    fill(&browser, "#buy-area", "011").await;
    submit(&browser, "Buy number", "/phone-numbers").await;
    assert_flash(&browser, "area code 011", "buying in an unavailable area code").await;
    assert_eq!(sim_numbers(&sim).await.len(), before);
    let kept = browser.property(&element(&browser, "#buy-area").await, "value").await;
    assert_eq!(kept, json!("011"), "the form keeps what was typed");
    // The refusal answers 400, which the console reports; nothing else is logged.
    let logged = crate::checks::console_errors(&browser).await;
    assert!(logged.iter().all(|l| l.contains("status of 400")), "{logged:?}");
    problems.extend(check(&browser, "phone-numbers-refused").await);

    browser
        .execute_on(&element(&browser, "#buy-area").await, "arguments[0].value = ''")
        .await;
    fill(&browser, "#buy-area", "212").await;
    fill(&browser, "#buy-name", "NYC office").await;
    let button = element_xpath(&browser, "//button[normalize-space()='Buy number']", "the Buy button").await;
    mark_page(&browser).await;
    click(&browser, &button, "Buy number").await;
    let path = wait_for_new_page(&browser, "buying a number").await;
    assert!(
        path.starts_with("/phone-numbers/"),
        "buying leads to the number's page, not {path}"
    );
    assert_flash(&browser, "Bought +1212", "buying in 212").await;
    let bought = sim_numbers(&sim)
        .await
        .into_iter()
        .find(|n| n["name"] == "NYC office")
        .expect("the number is at Vapi");
    let number = bought["number"].as_str().unwrap().to_owned();
    problems.extend(check(&browser, "phone-number").await);

    // Assign the first imported assistant and a server URL.
    let assistant = sim.vapi_assistants(KEY)[0].clone();
    select_option(&browser, "#number-assistant", assistant["name"].as_str().unwrap()).await;
    fill(&browser, "#number-server", "https://hooks.example.com/vapi").await;
    submit(&browser, "Save at Vapi", &path).await;
    assert_flash(&browser, "Saved", "assigning the assistant").await;
    let at_vapi = sim_numbers(&sim)
        .await
        .into_iter()
        .find(|n| n["id"] == bought["id"])
        .unwrap();
    assert_eq!(at_vapi["assistantId"], assistant["id"]);
    assert_eq!(at_vapi["server"]["url"], "https://hooks.example.com/vapi");
    let details = browser.text(&element(&browser, ".call-side .call-facts").await).await;
    assert!(details.contains(assistant["name"].as_str().unwrap()), "{details}");

    // Release, after a question that names the number.
    let release = element_xpath(
        &browser,
        &format!("//button[normalize-space()='Release {number}']"),
        "the Release button",
    )
    .await;
    mark_page(&browser).await;
    click(&browser, &release, "Release").await;
    let question = wait_for("the browser asks to confirm the release", async || {
        browser.dialog_text().await
    })
    .await;
    assert!(
        question.contains(&number) && question.contains("NYC office"),
        "the confirmation names the number: {question:?}"
    );
    browser.accept_dialog().await;
    assert_eq!(wait_for_new_page(&browser, "releasing").await, "/phone-numbers");
    assert_flash(&browser, &format!("Released {number}"), "releasing").await;
    assert!(sim_numbers(&sim).await.iter().all(|n| n["id"] != bought["id"]));
    let list = browser
        .execute("return document.querySelector('.numbers-table').innerText", vec![])
        .await;
    assert!(
        !list.as_str().unwrap().contains(&number),
        "the released number is gone from the list"
    );

    assert_no_problems(&problems);
    browser.close().await;
    app.stop().await;
}
