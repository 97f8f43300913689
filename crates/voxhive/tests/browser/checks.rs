//! What every page must pass: axe-core, no console errors, no sideways scroll at phone width;
//! and the screenshots people look at after a run.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::webdriver::{target_dir, wait_for, Browser};

/// axe-core, vendored from the npm registry.
const AXE: &str = include_str!("../assets/axe-4.14.1.min.js");

pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// `target/screenshots` of the workspace, created if needed.
pub fn screenshot_dir() -> PathBuf {
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// A file-name-friendly name for a path: `/settings/team` → `settings-team`.
pub fn slug(path: &str) -> String {
    let slug: String = path
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if slug.is_empty() {
        "home".into()
    } else {
        slug
    }
}

/// Saves a PNG of the viewport as `target/screenshots/{name}.png`.
pub async fn save_screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "the screenshot {name} is not a PNG");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Resizes the viewport and waits until the page has the new width.
pub async fn resize(browser: &Browser, (width, height): (u32, u32)) {
    browser.set_viewport(width, height).await;
    wait_for(&format!("the page is {width} px wide"), async || {
        let inner = browser.execute("return window.innerWidth", vec![]).await;
        (inner == json!(width)).then_some(())
    })
    .await;
}

/// The serious and critical axe-core violations of the current page, described for a person.
pub async fn axe_violations(browser: &Browser) -> Vec<String> {
    let script = r#"
        if (!window.axe) { (0, eval)(arguments[0]); }
        return window.axe.run(document, { resultTypes: ["violations"] }).then(function (result) {
            return result.violations.map(function (v) {
                return {
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(function (n) {
                        return { target: n.target, html: n.html, summary: n.failureSummary };
                    })
                };
            });
        });
    "#;
    let violations = browser.execute(script, vec![Value::String(AXE.to_string())]).await;
    violations
        .as_array()
        .expect("axe returns a list of violations")
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(describe_violation)
        .collect()
}

fn describe_violation(v: &Value) -> String {
    let mut text = format!(
        "[{}] {}: {} ({})",
        v["impact"].as_str().unwrap_or("?"),
        v["id"].as_str().unwrap_or("?"),
        v["help"].as_str().unwrap_or_default(),
        v["helpUrl"].as_str().unwrap_or_default()
    );
    for node in v["nodes"].as_array().into_iter().flatten() {
        let summary = node["summary"].as_str().unwrap_or_default().replace('\n', "\n        ");
        text.push_str(&format!(
            "\n      at {}  {}\n        {summary}",
            node["target"],
            node["html"].as_str().unwrap_or_default()
        ));
    }
    text
}

/// Console errors logged since the last call.
pub async fn console_errors(browser: &Browser) -> Vec<String> {
    browser
        .console()
        .await
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, message)| message)
        .collect()
}

/// `Some(description)` when the page scrolls sideways.
pub async fn sideways_scroll(browser: &Browser) -> Option<String> {
    let sizes = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await;
    let (scroll, inner) = (sizes[0].as_u64().unwrap_or(0), sizes[1].as_u64().unwrap_or(0));
    if scroll <= inner {
        return None;
    }
    // Name the elements that stick out, to make the failure actionable.
    let culprits = browser
        .execute(
            r##"var out = [];
               document.querySelectorAll("body *").forEach(function (el) {
                 var r = el.getBoundingClientRect();
                 if (r.right > window.innerWidth + 1 && out.length < 8) {
                   out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                     (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
                     " (right edge " + Math.round(r.right) + " px)");
                 }
               });
               return out;"##,
            vec![],
        )
        .await;
    Some(format!(
        "the page is {scroll} px wide in a {inner} px viewport; sticking out: {culprits}"
    ))
}

/// Waits until an element's CSS animations and transitions are over (the phone sidebar slides in).
pub async fn wait_until_still(browser: &Browser, css: &str) {
    let script = format!(
        "var el = document.querySelector({}); return !!el && el.getAnimations().length === 0",
        json!(css)
    );
    wait_for(&format!("{css} has stopped moving"), async || {
        (browser.execute(&script, vec![]).await == json!(true)).then_some(())
    })
    .await;
}

/// Runs every check on the current page at desktop and phone width and saves
/// `{name}-desktop.png` and `{name}-phone.png`. Returns the problems found; leaves the viewport
/// at desktop width.
pub async fn check_page(browser: &Browser, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for violation in axe_violations(browser).await {
        problems.push(format!("{name} (desktop): axe {violation}"));
    }
    save_screenshot(browser, &format!("{name}-desktop")).await;

    resize(browser, PHONE).await;
    // The sidebar slides away when the page narrows; the checks look at where it comes to rest.
    if browser.find("#sidebar").await.is_some() {
        wait_until_still(browser, "#sidebar").await;
    }
    if let Some(scroll) = sideways_scroll(browser).await {
        problems.push(format!("{name} (phone): {scroll}"));
    }
    for violation in axe_violations(browser).await {
        problems.push(format!("{name} (phone): axe {violation}"));
    }
    save_screenshot(browser, &format!("{name}-phone")).await;
    resize(browser, DESKTOP).await;

    for error in console_errors(browser).await {
        problems.push(format!("{name}: console error: {error}"));
    }
    problems
}

/// Fails the test with every problem found, one per paragraph.
pub fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s) found (screenshots in {}):\n\n{}",
        problems.len(),
        screenshot_dir().display(),
        problems.join("\n\n")
    );
}
