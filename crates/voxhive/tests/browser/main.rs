//! Browser tests: the real server, driven by headless Chromium through chromedriver.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`). One chromedriver serves the whole binary; each test has its own browser
//! session and its own server and database (SQLite, or PostgreSQL when
//! `VOXHIVE_TEST_DATABASE_URL` is set). Screenshots land in `target/screenshots/`.
//!
//! Run with `cargo test -p voxhive --test browser`.

#[path = "../support/mod.rs"]
mod support;

mod analytics;
mod assistants;
mod calls;
mod checks;
mod knowledge;
mod phone_numbers;
mod test_calls;
mod tools;
mod usage;
mod webdriver;
mod webhooks;

use serde_json::json;
use voxhive_core::Role;

use checks::{
    assert_no_problems, axe_violations, check_page, console_errors, resize, save_screenshot, slug, wait_until_still,
    DESKTOP, PHONE,
};
use webdriver::{wait_for, Browser, Element};

const OWNER: &str = "owner@example.com";
const WORKSPACE: &str = "Acme Voice";

// ---------------------------------------------------------------------------------------------
// Small steps a user takes
// ---------------------------------------------------------------------------------------------

/// The path of the current page (without query), once it has finished loading.
async fn loaded_path(browser: &Browser) -> Option<String> {
    let state = browser
        .try_execute("return [document.readyState, window.location.pathname]", vec![])
        .await
        .ok()?;
    (state[0] == "complete").then(|| state[1].as_str().unwrap_or_default().to_string())
}

/// Waits until the browser shows `path`, fully loaded.
async fn wait_for_path(browser: &Browser, path: &str) {
    let mut last = String::new();
    let found = tokio::time::timeout(webdriver::DEADLINE, async {
        loop {
            if let Some(current) = loaded_path(browser).await {
                if current == path {
                    return;
                }
                last = current;
            }
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "expected to arrive on {path}, but the browser stayed on {last}"
    );
}

async fn element(browser: &Browser, css: &str) -> Element {
    wait_for(&format!("{css} is on the page"), async || browser.find(css).await).await
}

async fn button(browser: &Browser, label: &str) -> Element {
    let xpath = format!("//button[normalize-space()='{label}']");
    wait_for(&format!("a button \"{label}\" is on the page"), async || {
        browser.find_xpath(&xpath).await
    })
    .await
}

async fn click(browser: &Browser, element: &Element, what: &str) {
    browser
        .try_click(element)
        .await
        .unwrap_or_else(|e| panic!("click {what}: {e}"));
}

async fn fill(browser: &Browser, css: &str, text: &str) {
    let field = element(browser, css).await;
    browser.type_into(&field, text).await;
}

/// Fills and submits the sign-in form of the current page.
async fn submit_sign_in(browser: &Browser, email: &str, password: &str) {
    fill(browser, "#email", email).await;
    fill(browser, "#password", password).await;
    click(browser, &button(browser, "Sign in").await, "the Sign in button").await;
}

/// Opens the app, which sends a signed-out visitor to the sign-in page, and signs in.
async fn sign_in(browser: &Browser, app: &support::TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/usage")).await;
    wait_for_path(browser, "/login").await;
    submit_sign_in(browser, email, password).await;
    wait_for_path(browser, "/usage").await;
}

/// The hrefs of the sidebar's links, in order.
async fn sidebar_hrefs(browser: &Browser) -> Vec<String> {
    let hrefs = browser
        .execute(
            r#"return Array.from(document.querySelectorAll('nav[aria-label="Main"] a.nav-link'), a => a.getAttribute("href"))"#,
            vec![],
        )
        .await;
    serde_json::from_value(hrefs).expect("a list of hrefs")
}

fn nav_link_selector(href: &str) -> String {
    format!(r#"nav[aria-label="Main"] a.nav-link[href={}]"#, json!(href))
}

/// The hrefs of the sidebar links marked as the current page.
async fn current_nav_links(browser: &Browser) -> Vec<String> {
    let hrefs = browser
        .execute(
            r#"return Array.from(document.querySelectorAll('nav[aria-label="Main"] a[aria-current="page"]'), a => a.getAttribute("href"))"#,
            vec![],
        )
        .await;
    serde_json::from_value(hrefs).expect("a list of hrefs")
}

/// The structure check and every check of [`check_page`], with screenshots named `name`.
async fn check(browser: &Browser, name: &str) -> Vec<String> {
    let mut problems = heading_problems(browser, name).await;
    problems.extend(check_page(browser, name).await);
    problems
}

/// Like [`check`], with the element `css` scrolled to the top of the viewport (again after each
/// resize), so the screenshots at both widths show that part of a long page.
async fn check_at(browser: &Browser, name: &str, css: &str) -> Vec<String> {
    let target = element(browser, css).await;
    browser
        .execute_on(
            &target,
            "var el = arguments[0], show = function () { el.scrollIntoView({ block: 'start' }); };
             show(); window.addEventListener('resize', show);",
        )
        .await;
    check(browser, name).await
}

/// Marks the current document, so that [`wait_for_new_page`] can tell it from the next one.
async fn mark_page(browser: &Browser) {
    browser.execute("window.__voxhiveOldPage = true", vec![]).await;
}

/// Waits until a new document (not the one [`mark_page`] marked) has loaded, and returns its path.
async fn wait_for_new_page(browser: &Browser, what: &str) -> String {
    wait_for(&format!("a new page has loaded after {what}"), async || {
        let state = browser
            .try_execute(
                "return [document.readyState, !!window.__voxhiveOldPage, window.location.pathname]",
                vec![],
            )
            .await
            .ok()?;
        (state[0] == "complete" && state[1] == json!(false)).then(|| state[2].as_str().unwrap_or_default().to_string())
    })
    .await
}

/// Clicks the button labelled `label` (a form's submit button) and waits for the answer, which
/// must be the page at `path`.
async fn submit(browser: &Browser, label: &str, path: &str) {
    let target = button(browser, label).await;
    mark_page(browser).await;
    click(browser, &target, &format!("the \"{label}\" button")).await;
    let arrived = wait_for_new_page(browser, &format!("clicking \"{label}\"")).await;
    assert_eq!(arrived, path, "clicking \"{label}\" leads to {path}");
}

/// Clicks a link or button that leads to another page and waits for it, which must be at `path`
/// (a new document, so a link to the page already shown is waited for too).
async fn click_to(browser: &Browser, element: &Element, what: &str, path: &str) {
    mark_page(browser).await;
    click(browser, element, what).await;
    let arrived = wait_for_new_page(browser, what).await;
    assert_eq!(arrived, path, "{what} leads to {path}");
}

/// The first element matching an XPath expression, once it is on the page.
async fn element_xpath(browser: &Browser, xpath: &str, what: &str) -> Element {
    wait_for(&format!("{what} is on the page"), async || {
        browser.find_xpath(xpath).await
    })
    .await
}

/// Clicks the link reading `text` and waits for the page at `path`.
async fn follow_link(browser: &Browser, text: &str, path: &str) {
    let link = element_xpath(
        browser,
        &format!("//main//a[normalize-space()='{text}']"),
        &format!("a link \"{text}\""),
    )
    .await;
    click_to(browser, &link, &format!("the \"{text}\" link"), path).await;
}

/// The message of the flash (the one-time notice after an action), once it is on the page.
async fn flash(browser: &Browser) -> String {
    let notice = element(browser, "div.flash[role=\"status\"] p").await;
    browser.text(&notice).await.trim().to_string()
}

/// Asserts that the flash says `expected` (it may say more, such as counts).
async fn assert_flash(browser: &Browser, expected: &str, after: &str) {
    let message = flash(browser).await;
    assert!(
        message.contains(expected),
        "after {after} the page says {expected:?}, but its message is {message:?}"
    );
}

/// The texts of the page's h1 headings.
async fn headings(browser: &Browser) -> Vec<String> {
    let texts = browser
        .execute(
            "return Array.from(document.querySelectorAll('h1'), h => h.textContent.trim())",
            vec![],
        )
        .await;
    serde_json::from_value(texts).expect("a list of headings")
}

/// Problems with the page's structure: exactly one non-empty h1.
async fn heading_problems(browser: &Browser, name: &str) -> Vec<String> {
    let headings = headings(browser).await;
    if headings.len() == 1 && !headings[0].is_empty() {
        Vec::new()
    } else {
        vec![format!("{name}: expected one non-empty h1, found {headings:?}")]
    }
}

/// Clicks the theme toggle in the top bar and waits until the page is `theme` (`dark` or `light`).
async fn switch_theme(browser: &Browser, theme: &str) {
    click(
        browser,
        &element(browser, "button.theme-toggle").await,
        "the theme toggle",
    )
    .await;
    wait_for(&format!("the page is {theme}"), async || {
        (browser
            .execute("return document.documentElement.dataset.theme", vec![])
            .await
            == json!(theme))
        .then_some(())
    })
    .await;
}

/// What axe finds wrong with the page, each named after `name`.
async fn axe_problems(browser: &Browser, name: &str) -> Vec<String> {
    let violations = axe_violations(browser).await;
    violations.into_iter().map(|v| format!("{name}: axe {v}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Seeded data
// ---------------------------------------------------------------------------------------------

/// An app with `OWNER` in `WORKSPACE` and two connections stored directly (no provider behind
/// them): "Vapi production" and the ElevenLabs "Support line". Returns the app, the workspace's
/// id and the two connections' ids.
async fn app_with_two_connections() -> (support::TestApp, i64, [i64; 2]) {
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let ws = app.workspace_id(WORKSPACE).await;
    let vapi = app.stored_connection(ws, "vapi", "Vapi production").await.id;
    let eleven = app.stored_connection(ws, "elevenlabs", "Support line").await.id;
    (app, ws, [vapi, eleven])
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_member_signs_in_visits_every_page_and_signs_out_with_no_accessibility_or_layout_problems() {
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    let mut problems = Vec::new();

    // The sign-in page, reached by asking for a page while signed out.
    browser.goto(&app.url("/usage")).await;
    wait_for_path(&browser, "/login").await;
    problems.extend(heading_problems(&browser, "login").await);
    problems.extend(check_page(&browser, "login").await);

    submit_sign_in(&browser, OWNER, support::PASSWORD).await;
    wait_for_path(&browser, "/usage").await;

    // Every entry of the sidebar, reached by clicking it.
    let hrefs = sidebar_hrefs(&browser).await;
    assert!(
        hrefs.len() >= 11,
        "the sidebar lists every section, found only {hrefs:?}"
    );
    assert!(
        hrefs.iter().any(|h| h == "/usage"),
        "the sidebar links to Usage & Cost: {hrefs:?}"
    );
    for href in &hrefs {
        let link = element(&browser, &nav_link_selector(href)).await;
        click_to(&browser, &link, &format!("the sidebar link to {href}"), href).await;
        let name = slug(href);
        problems.extend(heading_problems(&browser, &name).await);
        let current = current_nav_links(&browser).await;
        if current != [href.clone()] {
            problems.push(format!(
                "{name}: expected only the link to {href} to have aria-current=\"page\", found {current:?}"
            ));
        }
        problems.extend(check_page(&browser, &name).await);
    }

    // The onboarding page, linked from the empty Usage page rather than the sidebar.
    browser.goto(&app.url("/start")).await;
    wait_for_path(&browser, "/start").await;
    problems.extend(heading_problems(&browser, "start").await);
    problems.extend(check_page(&browser, "start").await);

    // The dark theme, switched on with the toggle in the top bar. Contrast differs per theme, so
    // axe checks the pages with the most kinds of components again.
    browser.goto(&app.url("/usage")).await;
    wait_for_path(&browser, "/usage").await;
    switch_theme(&browser, "dark").await;
    problems.extend(check_page(&browser, "usage-dark").await);
    for path in ["/settings/team", "/start"] {
        browser.goto(&app.url(path)).await;
        wait_for_path(&browser, path).await;
        let theme = browser
            .execute("return document.documentElement.dataset.theme", vec![])
            .await;
        assert_eq!(theme, json!("dark"), "the chosen theme stays on {path}");
        problems.extend(axe_problems(&browser, &format!("{} (dark)", slug(path))).await);
        for error in console_errors(&browser).await {
            problems.push(format!("{} (dark): console error: {error}", slug(path)));
        }
    }
    // Back to light, so the sign-in page below looks as it does for everyone.
    switch_theme(&browser, "light").await;

    // Sign out through the user menu.
    click(
        &browser,
        &element(&browser, "details.user-menu > summary").await,
        "the user menu",
    )
    .await;
    wait_for("the user menu is open", async || {
        browser.find("details.user-menu[open]").await
    })
    .await;
    let sign_out = wait_for("the user menu shows Sign out", async || {
        browser
            .find_xpath("//details[contains(@class, 'user-menu')]//button[normalize-space()='Sign out']")
            .await
    })
    .await;
    click_to(&browser, &sign_out, "Sign out", "/login").await;
    browser.goto(&app.url("/usage")).await;
    wait_for_path(&browser, "/login").await;

    browser.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn a_wrong_password_shows_only_the_generic_message() {
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    browser.goto(&app.url("/login")).await;

    // A wrong password and an unknown account read the same, so the form does not reveal who has one.
    for (email, password) in [
        (OWNER, "not the right password"),
        ("nobody@example.com", support::PASSWORD),
    ] {
        // The refusal posts back to /login, so the path alone cannot tell the answer from the page
        // that sent the form: wait for a new document.
        mark_page(&browser).await;
        submit_sign_in(&browser, email, password).await;
        let arrived = wait_for_new_page(&browser, &format!("signing in as {email}")).await;
        assert_eq!(arrived, "/login", "a refused sign-in stays on /login");
        let error = element(&browser, "#login-error").await;
        assert_eq!(
            browser.text(&error).await.trim(),
            "Incorrect e-mail or password.",
            "signing in as {email}"
        );
        let kept = browser.property(&element(&browser, "#email").await, "value").await;
        assert_eq!(kept, json!(email), "the form keeps the e-mail address");
        assert!(
            browser.find("nav[aria-label=\"Main\"]").await.is_none(),
            "no app page is shown"
        );
    }
    let mut problems = axe_problems(&browser, "login with an error").await;
    save_screenshot(&browser, "login-error-desktop").await;
    // A refused sign-in answers 401, which Chromium logs as "Failed to load resource"; that is the
    // right status, not a page error, so only those entries are allowed here.
    for error in console_errors(&browser).await {
        if !error.contains("status of 401") {
            problems.push(format!("login with an error: console error: {error}"));
        }
    }

    // The right password still works after the mistakes.
    submit_sign_in(&browser, OWNER, support::PASSWORD).await;
    wait_for_path(&browser, "/usage").await;
    problems.extend(
        console_errors(&browser)
            .await
            .into_iter()
            .map(|e| format!("console error: {e}")),
    );

    browser.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn at_phone_width_the_menu_button_opens_the_sidebar_and_its_links_work() {
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let browser = Browser::start().await;
    resize(&browser, PHONE).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;

    // The sidebar starts off screen, behind the menu button.
    let team = nav_link_selector("/settings/team");
    let link_right_edge = format!(
        "return document.querySelector({}).getBoundingClientRect().right",
        json!(team)
    );
    let toggle = element(&browser, "button.menu-toggle").await;
    assert_eq!(
        browser
            .execute_on(&toggle, "return arguments[0].getAttribute('aria-expanded')")
            .await,
        json!("false")
    );
    wait_until_still(&browser, "#sidebar").await;
    let right = browser
        .execute(&link_right_edge, vec![])
        .await
        .as_f64()
        .unwrap_or(f64::MAX);
    assert!(
        right <= 0.0,
        "at phone width the sidebar is hidden until the menu opens (its Team link ends at {right} px)"
    );
    let focusable = format!(
        "var a = document.querySelector({}); a.focus(); return document.activeElement === a",
        json!(team)
    );
    assert_eq!(
        browser.execute(&focusable, vec![]).await,
        json!(false),
        "the hidden sidebar's links are not reachable with Tab"
    );

    click(&browser, &toggle, "the menu button").await;
    wait_for("the menu says it is open", async || {
        (browser
            .execute_on(&toggle, "return arguments[0].getAttribute('aria-expanded')")
            .await
            == json!("true"))
        .then_some(())
    })
    .await;
    wait_until_still(&browser, "#sidebar").await;
    let left = browser
        .execute(&link_right_edge.replace(".right", ".left"), vec![])
        .await
        .as_f64()
        .unwrap_or(-1.0);
    assert!(
        left >= 0.0,
        "the open menu shows the Team link on screen (its left edge is at {left} px)"
    );
    save_screenshot(&browser, "menu-open-phone").await;
    let mut problems = axe_problems(&browser, "open phone menu").await;

    click(
        &browser,
        &element(&browser, &team).await,
        "the Team link in the open menu",
    )
    .await;
    wait_for_path(&browser, "/settings/team").await;
    assert_eq!(current_nav_links(&browser).await, ["/settings/team"]);
    let expanded = browser
        .execute(
            "return document.querySelector('button.menu-toggle').getAttribute('aria-expanded')",
            vec![],
        )
        .await;
    assert_eq!(expanded, json!("false"), "the menu starts closed on the next page");
    problems.extend(
        console_errors(&browser)
            .await
            .into_iter()
            .map(|e| format!("console error: {e}")),
    );

    // At desktop width the sidebar is always there and the menu button is gone.
    resize(&browser, DESKTOP).await;
    let shown = browser
        .execute(
            "return getComputedStyle(document.querySelector('button.menu-toggle')).display",
            vec![],
        )
        .await;
    assert_eq!(shown, json!("none"), "no menu button at desktop width");
    let left = browser
        .execute(&link_right_edge.replace(".right", ".left"), vec![])
        .await
        .as_f64()
        .unwrap_or(-1.0);
    assert!(
        left >= 0.0,
        "the sidebar shows at desktop width (the Team link's left edge is at {left} px)"
    );

    browser.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}

#[tokio::test]
async fn an_invited_member_sets_a_password_from_the_one_time_link_and_signs_in() {
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let invitee = "new.member@example.com";
    let new_password = "purple elephants dance quietly";
    let mut problems = Vec::new();

    // The owner invites someone from the Team page and gets the one-time link to pass on.
    let owner = Browser::start().await;
    resize(&owner, DESKTOP).await;
    sign_in(&owner, &app, OWNER, support::PASSWORD).await;
    click(
        &owner,
        &element(&owner, &nav_link_selector("/settings/team")).await,
        "the Team link",
    )
    .await;
    wait_for_path(&owner, "/settings/team").await;
    fill(&owner, "#invite-email", invitee).await;
    click(
        &owner,
        &element(&owner, "#invite-role option[value=\"viewer\"]").await,
        "the viewer role",
    )
    .await;
    assert_eq!(
        owner.property(&element(&owner, "#invite-role").await, "value").await,
        json!("viewer")
    );
    click(&owner, &button(&owner, "Invite").await, "the Invite button").await;
    let copy = element(&owner, "input#flash-copy").await;
    let link = owner
        .property(&copy, "value")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        link.contains("/set-password/"),
        "the flash message shows a set-password link, got {link:?}"
    );
    assert!(
        link.starts_with(&app.base),
        "the link points at this server ({}), got {link:?}",
        app.base
    );
    let row = wait_for("the member list shows the invitee", async || {
        owner
            .find_xpath(&format!("//table//tr[td[contains(., '{invitee}')]]"))
            .await
    })
    .await;
    let row_text = owner.text(&row).await;
    assert!(
        row_text.contains("invited"),
        "the invitee is listed as invited: {row_text:?}"
    );
    problems.extend(check_page(&owner, "team-invited").await);
    owner.close().await;

    // The invitee opens the link in a browser of their own and chooses a password.
    let guest = Browser::start().await;
    resize(&guest, DESKTOP).await;
    guest.goto(&link).await;
    let path = link.strip_prefix(&app.base).unwrap_or(&link).to_string();
    wait_for_path(&guest, &path).await;
    problems.extend(heading_problems(&guest, "set-password").await);
    problems.extend(check_page(&guest, "set-password").await);
    fill(&guest, "#password", new_password).await;
    fill(&guest, "#confirm", new_password).await;
    click(&guest, &button(&guest, "Set password").await, "the Set password button").await;

    // Then signs in with it, the e-mail already filled in.
    wait_for_path(&guest, "/login").await;
    let email = guest.property(&element(&guest, "#email").await, "value").await;
    assert_eq!(
        email,
        json!(invitee),
        "the sign-in form is filled in with the invitee's address"
    );
    fill(&guest, "#password", new_password).await;
    click(&guest, &button(&guest, "Sign in").await, "the Sign in button").await;
    wait_for_path(&guest, "/usage").await;
    let signed_in_as = guest
        .text(&element(&guest, "details.user-menu .user-email").await)
        .await;
    assert_eq!(signed_in_as, invitee);
    problems.extend(
        console_errors(&guest)
            .await
            .into_iter()
            .map(|e| format!("console error: {e}")),
    );

    // The link works once.
    guest.goto(&link).await;
    let used = guest.execute("return document.body.innerText", vec![]).await;
    assert!(
        used.as_str()
            .unwrap_or_default()
            .contains("expired or was already used"),
        "a used link is refused, got {used}"
    );

    guest.close().await;
    app.stop().await;
    assert_no_problems(&problems);
}

/// Chooses the radio input `name`=`value` by clicking the `label.choice` around it, as a user
/// clicks the visible card (the input itself is styled away), and checks that it took.
async fn choose(browser: &Browser, name: &str, value: &str) {
    let xpath = format!(
        "//label[contains(concat(' ', normalize-space(@class), ' '), ' choice ')][input[@type='radio' and @name='{name}' and @value='{value}']]"
    );
    let choice = wait_for(&format!("the choice {name}={value} is on the page"), async || {
        browser.find_xpath(&xpath).await
    })
    .await;
    click(browser, &choice, &format!("the choice {name}={value}")).await;
    let radio = element(browser, &format!("input[name=\"{name}\"][value=\"{value}\"]")).await;
    assert_eq!(
        browser.execute_on(&radio, "return arguments[0].checked").await,
        json!(true),
        "clicking its card chooses {name}={value}"
    );
}

/// Opens the "Advanced" section of the connection form, if it is closed.
async fn open_advanced(browser: &Browser) {
    if browser.find("details.advanced[open]").await.is_none() {
        click(
            browser,
            &element(browser, "details.advanced > summary").await,
            "the Advanced summary",
        )
        .await;
    }
    wait_for("the Advanced section is open", async || {
        browser.find("details.advanced[open]").await
    })
    .await;
}

#[tokio::test]
async fn a_new_owner_connects_a_provider_from_start_and_lands_on_the_dashboard() {
    let sim = support::spawn_sim().await;
    let app = support::spawn_app().await;
    app.add_user(OWNER, WORKSPACE, Role::Owner).await;
    let workspace = app
        .store()
        .workspace_by_name(WORKSPACE)
        .await
        .expect("read the workspace")
        .expect("the owner's workspace exists")
        .id;
    let browser = Browser::start().await;
    resize(&browser, DESKTOP).await;
    sign_in(&browser, &app, OWNER, support::PASSWORD).await;
    let mut problems = Vec::new();

    // The empty dashboard points to onboarding.
    let connect = wait_for("the Usage page links to onboarding", async || {
        browser
            .find_xpath("//a[@href='/start' and normalize-space()='Connect a provider']")
            .await
    })
    .await;
    click_to(&browser, &connect, "the Connect a provider link", "/start").await;

    // Step by step: ElevenLabs, import, a label and key, and the simulator as the endpoint.
    choose(&browser, "provider", "elevenlabs").await;
    choose(&browser, "mode", "import").await;
    fill(&browser, "#conn-label", "Support line").await;
    fill(&browser, "#conn-key", voxhive_sim::DEFAULT_EL_KEY).await;
    open_advanced(&browser).await;
    fill(&browser, "#conn-base", &sim.base_url()).await;
    problems.extend(heading_problems(&browser, "start-filled-in").await);
    problems.extend(check_page(&browser, "start-filled-in").await);
    click(&browser, &button(&browser, "Connect").await, "the Connect button").await;

    // The dashboard, with the news and the new connection chosen in the top bar.
    wait_for_path(&browser, "/usage").await;
    let flash = browser.text(&element(&browser, ".flash.flash-success").await).await;
    assert!(
        flash.contains("Connected") && flash.contains("Support line"),
        "a success message names the new connection, got {flash:?}"
    );
    let connections = app.store().connections(workspace).await.expect("read the connections");
    assert_eq!(connections.len(), 1, "one connection was created");
    let (id, label) = (connections[0].id, connections[0].label.clone());
    assert_eq!(label, "Support line");
    assert_eq!(connections[0].provider, "elevenlabs");
    let select = element(&browser, "#connection-select").await;
    assert_eq!(
        browser.property(&select, "value").await,
        json!(id.to_string()),
        "the top bar shows the new connection"
    );
    let shown = browser
        .execute_on(
            &select,
            "return arguments[0].options[arguments[0].selectedIndex].textContent.trim()",
        )
        .await;
    assert_eq!(shown, json!("Support line"));
    problems.extend(
        console_errors(&browser)
            .await
            .into_iter()
            .map(|e| format!("usage after connecting: console error: {e}")),
    );

    // Settings, Providers lists it.
    click(
        &browser,
        &element(&browser, &nav_link_selector("/settings/providers")).await,
        "the Providers link",
    )
    .await;
    wait_for_path(&browser, "/settings/providers").await;
    let rows = browser
        .execute(
            "return Array.from(document.querySelectorAll('table tbody tr'), r => r.querySelector('td strong').textContent.trim())",
            vec![],
        )
        .await;
    assert_eq!(rows, json!(["Support line"]), "one connection is listed");
    problems.extend(heading_problems(&browser, "settings-providers-one-connection").await);
    problems.extend(check_page(&browser, "settings-providers-one-connection").await);

    // A wrong key is refused at the field, the form keeps what was typed but the key, and
    // nothing is created.
    browser.goto(&app.url("/start")).await;
    wait_for_path(&browser, "/start").await;
    choose(&browser, "provider", "elevenlabs").await;
    fill(&browser, "#conn-label", "Backup line").await;
    fill(&browser, "#conn-key", "wrong-key-1234").await;
    open_advanced(&browser).await;
    fill(&browser, "#conn-base", &sim.base_url()).await;
    submit(&browser, "Connect", "/start").await;
    let error = element(&browser, "p#conn-error").await;
    let message = browser.text(&error).await;
    assert!(
        message.contains("ElevenLabs refused the API key"),
        "the error says the key was refused, got {message:?}"
    );
    assert_eq!(
        browser.property(&element(&browser, "#conn-label").await, "value").await,
        json!("Backup line"),
        "the form keeps the label"
    );
    assert_eq!(
        browser.property(&element(&browser, "#conn-key").await, "value").await,
        json!(""),
        "the refused key is not put back into the page"
    );
    let provider = element(&browser, "input[name=\"provider\"][value=\"elevenlabs\"]").await;
    assert_eq!(
        browser.execute_on(&provider, "return arguments[0].checked").await,
        json!(true),
        "the form keeps the chosen provider"
    );
    assert_eq!(
        browser
            .execute_on(
                &element(&browser, "#conn-key").await,
                "return arguments[0].getAttribute('aria-invalid')"
            )
            .await,
        json!("true"),
        "the key field is marked invalid"
    );
    assert_eq!(
        app.store()
            .connections(workspace)
            .await
            .expect("read the connections")
            .len(),
        1,
        "no second connection was created"
    );
    problems.extend(axe_problems(&browser, "start with an error").await);
    // The message sits below the fold, under the fields; the screenshot is of it.
    browser
        .execute_on(&error, "arguments[0].scrollIntoView({ block: 'center' })")
        .await;
    save_screenshot(&browser, "start-error-desktop").await;
    // A refused key answers 422, which Chromium logs as "Failed to load resource"; that is the
    // right status, not a page error, so only those entries are allowed here.
    for error in console_errors(&browser).await {
        if !error.contains("status of 422") {
            problems.push(format!("start with an error: console error: {error}"));
        }
    }

    browser.close().await;
    app.stop().await;
    sim.shutdown().await;
    assert_no_problems(&problems);
}
