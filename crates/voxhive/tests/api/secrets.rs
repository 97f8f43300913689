//! Provider keys never appear in plaintext in an HTTP response, a log line, or the database file.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{spawn_sim, PASSWORD};

/// Reads the port out of "VoxHive is listening on http://127.0.0.1:PORT" in a growing log file.
fn wait_for_url(log: &std::path::Path) -> String {
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

#[tokio::test]
async fn no_provider_key_appears_in_a_response_a_log_line_or_the_database_file() {
    let sim = spawn_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let voxhive = env!("CARGO_BIN_EXE_voxhive");
    let setup = |args: &[&str], stdin: &str| {
        let mut child = Command::new(voxhive)
            .arg("--data-dir")
            .arg(dir.path())
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
    };
    setup(
        &[
            "user",
            "add",
            "--owner",
            "--email",
            "ada@example.com",
            "--workspace",
            "Acme",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    let token = setup(&["token", "create", "--email", "ada@example.com"], "")
        .trim()
        .to_string();

    // The server logs everything it can, to a file the test reads afterwards.
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(voxhive)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("VOXHIVE_DATABASE_URL")
        .env("VOXHIVE_LOG", "trace")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let url = wait_for_url(&log_path);

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

    Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    let mut logs = String::new();
    std::fs::File::open(&log_path)
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.lines().count() > 20, "the server logged at trace level");
    let mut database = std::fs::read(dir.path().join("voxhive.db")).unwrap();
    database.extend(std::fs::read(dir.path().join("voxhive.db-wal")).unwrap_or_default());
    for key in keys.iter().chain([&refused]) {
        assert!(!seen.contains(key), "{key} in an HTTP response");
        assert!(!logs.contains(key), "{key} in a log line");
        assert!(
            !database.windows(key.len()).any(|w| w == key.as_bytes()),
            "{key} in the database file"
        );
    }
}
