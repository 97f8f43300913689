//! The browser side of the suite: one chromedriver process for the whole test binary, and a
//! fantoccini client per Chromium session, connected to chromedriver over plain HTTP on 127.0.0.1.
//!
//! fantoccini is built without its TLS features (`default-features = false`), so the client is
//! made with `ClientBuilder::new` over hyper-util's plain `HttpConnector`. The two commands
//! fantoccini has no method for are Chromium's own endpoints, sent through its extension-command
//! trait `WebDriverCompatibleCommand`: `goog/cdp/execute` (the viewport size) and `se/log` (the
//! browser console).
//!
//! Cleanup: statics are never dropped, so `kill_on_drop` cannot end a chromedriver held in one.
//! Instead chromedriver runs under a tiny `sh` watchdog in its own process group, whose stdin is a
//! pipe held by this process. When the test binary exits, however it exits (success, panic,
//! abort, SIGKILL), the pipe closes, `read` returns and the watchdog kills the whole group:
//! chromedriver and every Chromium it started. Each session is also closed explicitly, or by
//! `Drop` when a test panics, so a failing test does not leave a browser running until the end.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

pub use fantoccini::elements::Element;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long any wait for a condition in the browser may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The workspace's `target` directory.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// The chromedriver process shared by every test of this binary.
struct Chromedriver {
    /// `http://127.0.0.1:<port>`, where the fantoccini clients connect.
    url: String,
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

    // Readiness is asked before any session exists, and a fantoccini client is a session; a plain
    // GET of `/status` answers it.
    let url = format!("http://127.0.0.1:{port}");
    let status_url = format!("{url}/status");
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
        url,
        log,
        _watchdog: watchdog,
        _lifeline: lifeline,
    }
}

/// How fantoccini reaches chromedriver: plain HTTP on 127.0.0.1, no TLS.
fn connector() -> HttpConnector {
    HttpConnector::new()
}

/// A Chromium-specific WebDriver command that fantoccini has no method for:
/// `POST /session/{id}/{path}` with a JSON body.
#[derive(Debug)]
struct ChromiumCommand {
    path: &'static str,
    body: Value,
}

impl ChromiumCommand {
    /// `goog/cdp/execute`: runs a Chrome DevTools Protocol command on the session's page.
    fn cdp(cmd: &str, params: Value) -> Self {
        ChromiumCommand {
            path: "goog/cdp/execute",
            body: json!({ "cmd": cmd, "params": params }),
        }
    }

    /// `se/log`: the entries of a log (here the browser console) since the last read.
    fn log(kind: &str) -> Self {
        ChromiumCommand {
            path: "se/log",
            body: json!({ "type": kind }),
        }
    }
}

impl WebDriverCompatibleCommand for ChromiumCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        // Only ever sent through a connected client, which has a session.
        let session = session_id.expect("a Chromium command is sent within a session");
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// A Chromium session driven through chromedriver, with its own fresh profile.
pub struct Browser {
    client: Client,
    /// Where chromedriver listens and which session this is, for [`Drop`].
    driver_url: String,
    session: String,
    closed: bool,
    _slot: SemaphorePermit<'static>,
    _profile: tempfile::TempDir,
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
            // Test calls: a fake microphone (a beep), granted without asking, and audio that
            // may play before the page is touched.
            "--use-fake-device-for-media-stream".into(),
            "--use-fake-ui-for-media-stream".into(),
            "--autoplay-policy=no-user-gesture-required".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1280,900".into(),
        ];
        let Value::Object(capabilities) = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
        }) else {
            unreachable!("the capabilities are a JSON object")
        };
        let connected = ClientBuilder::new(connector())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await;
        let client = connected.unwrap_or_else(|e| {
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
                "chromedriver could not start Chromium: {e}\nchromedriver log ({}):\n{tail}",
                driver.log.display()
            );
        });
        let session = client
            .session_creation_response()
            .expect("a connected client has a session")
            .session_id()
            .to_string();
        Browser {
            client,
            driver_url: driver.url.clone(),
            session,
            closed: false,
            _slot: slot,
            _profile: profile,
        }
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result; a
    /// returned promise is awaited.
    pub async fn try_execute(&self, script: &str, args: Vec<Value>) -> Result<Value, CmdError> {
        self.client.execute(script, args).await
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.try_execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\nscript: {}", abbreviate(script)))
    }

    async fn find_by(&self, locator: Locator<'_>) -> Result<Option<Element>, CmdError> {
        match self.client.find(locator).await {
            Ok(element) => Ok(Some(element)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.find_by(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// The first element matching an XPath expression, if any.
    pub async fn find_xpath(&self, xpath: &str) -> Option<Element> {
        self.find_by(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("find {xpath}: {e}"))
    }

    /// Clicks an element as a user would (it must be visible and not covered).
    pub async fn try_click(&self, element: &Element) -> Result<(), CmdError> {
        element.click().await
    }

    /// Replaces the value of a text field by typing `text`.
    pub async fn type_into(&self, element: &Element, text: &str) {
        element.clear().await.expect("clear the field");
        element.send_keys(text).await.expect("type into the field");
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> String {
        element.text().await.expect("element text")
    }

    /// A DOM property of an element (`value`, ...), as JSON: a string, or `null` when the element
    /// has no such property.
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        Value::from(element.prop(name).await.expect("element property"))
    }

    /// Runs a script with an element as `arguments[0]`.
    pub async fn execute_on(&self, element: &Element, script: &str) -> Value {
        let element = serde_json::to_value(element).expect("an element reference is JSON");
        self.execute(script, vec![element]).await
    }

    /// The text of the open `alert`/`confirm` dialog, or `None` when no dialog is open.
    pub async fn dialog_text(&self) -> Option<String> {
        self.client.get_alert_text().await.ok()
    }

    /// Accepts the open `alert`/`confirm` dialog (OK).
    pub async fn accept_dialog(&self) {
        self.client.accept_alert().await.expect("accept the dialog");
    }

    /// Sets the size of the page's viewport exactly (the window's own size includes browser
    /// chrome, so it would not give a 1280×900 or 390×844 page).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let params = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false });
        self.client
            .issue_cmd(ChromiumCommand::cdp("Emulation.setDeviceMetricsOverride", params))
            .await
            .expect("set the viewport size");
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("take a screenshot")
    }

    /// Console messages logged since the last call, as (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let entries = self
            .client
            .issue_cmd(ChromiumCommand::log("browser"))
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
        if let Err(e) = self.client.clone().close().await {
            eprintln!("closing the browser session failed: {e}");
        }
    }
}

impl Drop for Browser {
    /// A test that panics never reaches `close`, and the runtime its fantoccini client runs on is
    /// being torn down with it, so that client never sends its own DELETE. Attach a second client
    /// to the same session, on a runtime in a thread of its own (this thread may be inside the
    /// test's runtime), and close the session from there.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let (url, session) = (self.driver_url.clone(), self.session.clone());
        let closing = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let client = Client::with_existing_session(&url, &session, connector())
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::time::timeout(Duration::from_secs(20), client.close())
                    .await
                    .map_err(|_| "chromedriver did not answer within 20 s".to_string())?
                    .map_err(|e| e.to_string())
            })
        });
        match closing.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("closing the browser session failed: {e}"),
            Err(_) => eprintln!("closing the browser session failed: the closing thread panicked"),
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
