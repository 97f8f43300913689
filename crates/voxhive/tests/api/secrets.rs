//! Provider keys never appear in plaintext in an HTTP response, a log line, or the database file.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{spawn_sim, PASSWORD};

const ADA: &str = "ada@example.com";

/// Reads the port out of "VoxHive is listening on http://127.0.0.1:PORT" in a growing log file.
fn wait_for_url(log: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("listening on http://")) {
            return line.rsplit(' ').next().unwrap().to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the server did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Runs a verb of the binary on the SQLite database in `dir`, feeding it `stdin`; returns its output.
fn run_verb(dir: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_voxhive"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("VOXHIVE_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Creates `ADA`, owner of "Acme", in `dir` through the CLI; returns an API token of hers.
pub(crate) fn owner_token_by_cli(dir: &Path) -> String {
    let add = [
        "user",
        "add",
        "--owner",
        "--email",
        ADA,
        "--workspace",
        "Acme",
        "--password-stdin",
    ];
    run_verb(dir, &add, &format!("{PASSWORD}\n"));
    run_verb(dir, &["token", "create", "--email", ADA], "")
        .trim()
        .to_string()
}

/// `voxhive serve` on `dir`, logging everything it can to `log` for the test to read afterwards.
pub(crate) struct LoggingServer {
    process: Child,
    /// Its base URL, such as `http://127.0.0.1:PORT`.
    pub url: String,
}

impl LoggingServer {
    pub(crate) fn start(dir: &Path, log: &Path) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let process = Command::new(env!("CARGO_BIN_EXE_voxhive"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("VOXHIVE_DATABASE_URL")
            .env("VOXHIVE_LOG", "trace")
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let url = wait_for_url(log);
        LoggingServer { process, url }
    }

    /// Sends SIGTERM and asserts a clean exit.
    pub(crate) fn stop(mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.process.id().to_string())
            .status()
            .unwrap();
        assert!(self.process.wait().unwrap().success());
    }
}

/// What the database file and its write-ahead log hold, as bytes.
pub(crate) fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut database = std::fs::read(dir.join("voxhive.db")).unwrap();
    database.extend(std::fs::read(dir.join("voxhive.db-wal")).unwrap_or_default());
    database
}

#[tokio::test]
async fn no_provider_key_appears_in_a_response_a_log_line_or_the_database_file() {
    let sim = spawn_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let token = owner_token_by_cli(dir.path());
    let log_path = dir.path().join("server.log");
    let server = LoggingServer::start(dir.path(), &log_path);
    let url = server.url.clone();

    let keys = [
        voxhive_sim::DEFAULT_VAPI_KEYS[0],
        voxhive_sim::DEFAULT_VAPI_KEYS[1],
        voxhive_sim::DEFAULT_EL_KEY,
    ];
    let http = reqwest::Client::new();
    let mut seen = String::new();
    for (i, key) in keys.iter().enumerate() {
        let provider = if key.starts_with("el-") { "elevenlabs" } else { "vapi" };
        let res = http
            .post(format!("{url}/api/v1/connections"))
            .bearer_auth(&token)
            .json(&json!({"provider": provider, "label": format!("Account {i}"), "api_key": key, "base_url": sim.base_url()}))
            .send()
            .await
            .unwrap();
        seen.push_str(&format!("{:?}", res.headers()));
        let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
        for res in [
            http.get(format!("{url}/api/v1/connections"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
            http.get(format!("{url}/api/v1/connections/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
            http.post(format!("{url}/api/v1/connections/{id}/test"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        ] {
            seen.push_str(&format!("{:?}", res.headers()));
            seen.push_str(&res.text().await.unwrap());
        }
    }
    // A refused key is logged nowhere either.
    let refused = "sk-refused-key-c35f0000";
    let res = http
        .post(format!("{url}/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider": "vapi", "label": "Refused", "api_key": refused, "base_url": sim.base_url()}))
        .send()
        .await
        .unwrap();
    seen.push_str(&res.text().await.unwrap());

    server.stop();

    let mut logs = String::new();
    std::fs::File::open(&log_path)
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.lines().count() > 20, "the server logged at trace level");
    let database = database_bytes(dir.path());
    for key in keys.iter().chain([&refused]) {
        assert!(!seen.contains(key), "{key} in an HTTP response");
        assert!(!logs.contains(key), "{key} in a log line");
        assert!(
            !database.windows(key.len()).any(|w| w == key.as_bytes()),
            "{key} in the database file"
        );
    }
}
