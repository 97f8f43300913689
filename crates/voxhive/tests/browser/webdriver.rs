//! The browser side of the suite: one chromedriver process for the whole test binary, and a small
//! W3C WebDriver client speaking JSON over plain HTTP with reqwest.
//!
//! Why not fantoccini: with `default-features = false` it has no connector a caller can build
//! without naming `hyper-util` (its `ClientBuilder::new` takes a `hyper_util` connector, and
//! `native()` / `rustls()` need its TLS features), and this crate may not gain dependencies. The
//! handful of WebDriver commands the suite needs fit in this file.
//!
//! Cleanup: statics are never dropped, so `kill_on_drop` cannot end a chromedriver held in one.
//! Instead chromedriver runs under a tiny `sh` watchdog in its own process group, whose stdin is a
//! pipe held by this process. When the test binary exits, however it exits (success, panic,
//! abort, SIGKILL), the pipe closes, `read` returns and the watchdog kills the whole group:
//! chromedriver and every Chromium it started. Each session is also closed explicitly, or by
//! `Drop` when a test panics, so a failing test does not leave a browser running until the end.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde_json::{json, Value};
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long any wait for a condition in the browser may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The workspace's `target` directory.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// The chromedriver process shared by every test of this binary.
struct Chromedriver {
    port: u16,
    log: PathBuf,
    /// The watchdog `sh`; kept so its stdin pipe stays open for the life of the test binary.
    _watchdog: Child,
    _lifeline: ChildStdin,
}

static CHROMEDRIVER_PROCESS: OnceCell<Chromedriver> = OnceCell::const_new();

/// At most two browsers at once: CI has two cores, and a third Chromium only makes all of them slower.
static BROWSER_SLOTS: Semaphore = Semaphore::const_new(2);

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    listener.local_addr().expect("local address").port()
}

async fn chromedriver() -> &'static Chromedriver {
    CHROMEDRIVER_PROCESS.get_or_init(start_chromedriver).await
}

async fn start_chromedriver() -> Chromedriver {
    for (path, what) in [(CHROMEDRIVER, "chromedriver"), (CHROMIUM, "chromium")] {
        assert!(
            Path::new(path).exists(),
            "The browser tests need {what} at {path}, which is missing. Install Chromium and its driver \
             (Debian/Ubuntu: `apt-get install chromium chromium-driver`)."
        );
    }
    let port = free_port();
    std::fs::create_dir_all(target_dir()).expect("create the target directory");
    let log = target_dir().join("chromedriver.log");
    // `read` returns when this process exits and closes the pipe; `kill 0` then ends the whole
    // process group (the watchdog, chromedriver, and the browsers chromedriver started).
    let script = r#""$0" --port="$1" >"$2" 2>&1 </dev/null & read -r _ ; kill -TERM 0"#;
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(CHROMEDRIVER)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start chromedriver (through sh)");
    let lifeline = watchdog.stdin.take().expect("the watchdog's stdin");

    let status_url = format!("http://127.0.0.1:{port}/status");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("HTTP client");
    let started = Instant::now();
    loop {
        if let Ok(res) = http.get(&status_url).send().await {
            if let Ok(body) = res.json::<Value>().await {
                if body["value"]["ready"] == json!(true) {
                    break;
                }
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "chromedriver did not answer {status_url} within 30 s. Its output ({}):\n{output}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Chromedriver {
        port,
        log,
        _watchdog: watchdog,
        _lifeline: lifeline,
    }
}

/// A Chromium session driven through chromedriver, with its own fresh profile.
pub struct Browser {
    http: reqwest::Client,
    port: u16,
    session: String,
    closed: bool,
    _slot: SemaphorePermit<'static>,
    _profile: tempfile::TempDir,
}

/// An element reference in the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Element {
    fn as_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

impl Browser {
    /// Starts a headless Chromium with a fresh profile and a 1280×900 window.
    pub async fn start() -> Browser {
        let slot = BROWSER_SLOTS.acquire().await.expect("browser slots are never closed");
        let driver = chromedriver().await;
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1280,900".into(),
        ];
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
                }
            }
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let url = format!("http://127.0.0.1:{}/session", driver.port);
        let res = http
            .post(&url)
            .json(&capabilities)
            .send()
            .await
            .expect("ask chromedriver for a session");
        let body: Value = res.json().await.expect("chromedriver answers JSON");
        let Some(session) = body["value"]["sessionId"].as_str() else {
            let output = std::fs::read_to_string(&driver.log).unwrap_or_default();
            let tail: String = output
                .lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            panic!(
                "chromedriver could not start Chromium: {body}\nchromedriver log ({}):\n{tail}",
                driver.log.display()
            );
        };
        Browser {
            http,
            port: driver.port,
            session: session.to_string(),
            closed: false,
            _slot: slot,
            _profile: profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("http://127.0.0.1:{}/session/{}{path}", self.port, self.session);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let res = req.send().await.with_context(|| format!("{method} {path}"))?;
        let status = res.status();
        let body: Value = res
            .json()
            .await
            .with_context(|| format!("{method} {path}: reading the answer"))?;
        if !status.is_success() {
            let error = body["value"]["error"].as_str().unwrap_or("unknown error");
            let message = body["value"]["message"].as_str().unwrap_or_default();
            let message = message.lines().next().unwrap_or_default();
            bail!("WebDriver {method} {path} failed: {error}: {message}");
        }
        Ok(body["value"].clone())
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.command(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }))
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result; a
    /// returned promise is awaited.
    pub async fn try_execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.try_execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\nscript: {}", abbreviate(script)))
    }

    async fn find_with(&self, using: &str, value: &str) -> anyhow::Result<Option<Element>> {
        match self.post("/element", json!({ "using": using, "value": value })).await {
            Ok(v) => Ok(v[ELEMENT_KEY].as_str().map(|id| Element(id.to_string()))),
            Err(e) if e.to_string().contains("no such element") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.find_with("css selector", css)
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// The first element matching an XPath expression, if any.
    pub async fn find_xpath(&self, xpath: &str) -> Option<Element> {
        self.find_with("xpath", xpath)
            .await
            .unwrap_or_else(|e| panic!("find {xpath}: {e}"))
    }

    /// Clicks an element as a user would (it must be visible and not covered).
    pub async fn try_click(&self, element: &Element) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await
            .map(|_| ())
    }

    /// Replaces the value of a text field by typing `text`.
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/clear", element.0), json!({}))
            .await
            .expect("clear the field");
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text }))
            .await
            .expect("type into the field");
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0))
            .await
            .expect("element text")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A DOM property of an element (`value`, `checked`, ...), as JSON.
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        self.get(&format!("/element/{}/property/{name}", element.0))
            .await
            .expect("element property")
    }

    /// Runs a script with an element as `arguments[0]`.
    pub async fn execute_on(&self, element: &Element, script: &str) -> Value {
        self.execute(script, vec![element.as_arg()]).await
    }

    /// Sets the size of the page's viewport exactly (the window's own size includes browser
    /// chrome, so it would not give a 1280×900 or 390×844 page).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let params = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false });
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": params }),
        )
        .await
        .expect("set the viewport size");
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.get("/screenshot").await.expect("take a screenshot");
        base64_decode(encoded.as_str().expect("the screenshot is a base64 string"))
    }

    /// Console messages logged since the last call, as (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let entries = self
            .post("/se/log", json!({ "type": "browser" }))
            .await
            .expect("read the browser console");
        entries
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or_default().to_string(),
                            e["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ends the session and its Chromium.
    pub async fn close(mut self) {
        self.closed = true;
        let url = format!("http://127.0.0.1:{}/session/{}", self.port, self.session);
        if let Err(e) = self.http.delete(&url).send().await {
            eprintln!("closing the browser session failed: {e}");
        }
    }
}

impl Drop for Browser {
    /// A test that panics never reaches `close`: end its Chromium here, with a blocking request so
    /// it works whatever state the async runtime is in.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session, self.port
        );
        let result = (|| -> std::io::Result<()> {
            let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
            stream.set_read_timeout(Some(Duration::from_secs(20)))?;
            stream.write_all(request.as_bytes())?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).map(|_| ())
        })();
        if let Err(e) = result {
            eprintln!("closing the browser session failed: {e}");
        }
    }
}

fn abbreviate(script: &str) -> String {
    if script.len() > 300 {
        format!(
            "{}…",
            &script[..script.char_indices().nth(300).map(|(i, _)| i).unwrap_or(script.len())]
        )
    } else {
        script.to_string()
    }
}

/// Standard base64 (WebDriver screenshots); no crate for it among this crate's dependencies.
fn base64_decode(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let Some(v) = value(c) else { continue }; // padding and line breaks
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Polls `probe` until it returns `Some`, failing the test with `what` after [`DEADLINE`].
pub async fn wait_for<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if started.elapsed() > DEADLINE {
            panic!("timed out after {DEADLINE:?} waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_what_it_should() {
        assert_eq!(super::base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
        assert_eq!(super::base64_decode("AAEC/w=="), [0, 1, 2, 255]);
    }
}
