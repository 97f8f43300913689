//! The `voxhive` binary as a user runs it: start-up errors, first start, admin verbs, shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::PASSWORD;

fn voxhive(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_voxhive"));
    cmd.env_remove("VOXHIVE_DATABASE_URL")
        .env_remove("VOXHIVE_CONFIG")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn voxhive");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Reads the child's stdout until a line contains `needle`, within a deadline.
fn wait_for_line(child: &mut Child, needle: &str) -> Vec<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return seen;
            }
        }
    }
    panic!("no line with {needle:?} in {seen:?}");
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn an_unknown_config_key_is_named_and_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("voxhive.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:0\"\nsesion_ttl_hours = 3\n").unwrap();
    let out = run(voxhive(dir.path()).arg("--config").arg(&file).arg("serve"), "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("sesion_ttl_hours") && err.contains("line 2"), "{err}");
}

#[test]
fn an_unreachable_database_is_named_with_its_password_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        voxhive(dir.path()).args([
            "--database-url",
            "postgres://vox:topsecretpw@127.0.0.1:1/voxhive",
            "serve",
        ]),
        "",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("postgres://vox:****@127.0.0.1:1/voxhive"), "{err}");
    assert!(!err.contains("topsecretpw"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn a_data_directory_that_cannot_be_written_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let out = run(
        voxhive(&blocker.join("data")).args(["serve", "--bind", "127.0.0.1:0"]),
        "",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("data directory") && err.contains("a-file/data"), "{err}");
}

#[test]
fn a_port_in_use_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(voxhive(dir.path()).args(["serve", "--bind", &addr]), "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot listen on {addr}")) && err.to_lowercase().contains("in use"),
        "{err}"
    );
}

#[test]
fn first_start_explains_how_to_create_the_owner_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = voxhive(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = wait_for_line(&mut child, "voxhive user add --owner");
    assert!(lines.iter().any(|l| l.contains("No account exists yet")), "{lines:?}");
    terminate(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}

#[test]
fn the_admin_verbs_create_an_owner_reset_a_password_and_mint_a_token_the_api_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let mut add = voxhive(dir.path());
    let out = run(
        add.args([
            "user",
            "add",
            "--owner",
            "--email",
            "Owner@Example.com",
            "--workspace",
            "Acme",
            "--password-stdin",
        ]),
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Added owner@example.com to \"Acme\" as owner"));

    let out = run(
        voxhive(dir.path()).args(["user", "add", "--email", "ed@example.com", "--workspace", "Nope"]),
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no workspace is named \"Nope\""));

    let out = run(
        voxhive(dir.path()).args([
            "user",
            "add",
            "--email",
            "weak@example.com",
            "--workspace",
            "Acme",
            "--password-stdin",
        ]),
        "short\n",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at least 10 characters"));

    let out = run(
        voxhive(dir.path()).args(["user", "passwd", "--email", "owner@example.com"]),
        "",
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("a generated password")
        .to_string();
    assert!(generated.len() >= 16);

    let out = run(
        voxhive(dir.path()).args(["token", "create", "--email", "owner@example.com"]),
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("vh_"));

    let mut server = voxhive(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = wait_for_line(&mut server, "listening on");
    let url = lines.last().unwrap().rsplit(' ').next().unwrap().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let me: serde_json::Value = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{url}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert_eq!(me["role"], "owner");
    terminate(&server);
    assert!(server.wait().unwrap().success());
}

#[test]
fn the_master_key_is_created_private_checked_at_start_and_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(voxhive(dir.path()).args(["keys", "rotate"]), "");
    assert!(out.status.success(), "{}", stderr(&out));
    let key_file = dir.path().join("master.key");
    let first = std::fs::read_to_string(&key_file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = run(voxhive(dir.path()).args(["keys", "rotate"]), "");
    assert!(out.status.success(), "{}", stderr(&out));
    let second = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(first, second, "rotation replaces the key");

    // A wrong key stops start-up with a clear message and changes nothing.
    let wrong = "0".repeat(64);
    let out = run(
        voxhive(dir.path())
            .env("VOXHIVE_MASTER_KEY", &wrong)
            .args(["serve", "--bind", "127.0.0.1:0"]),
        "",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("does not match") && err.contains("VOXHIVE_MASTER_KEY"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), second);

    // A missing key file for a database that has secrets is refused, not replaced.
    std::fs::rename(&key_file, dir.path().join("elsewhere.key")).unwrap();
    let out = run(voxhive(dir.path()).args(["serve", "--bind", "127.0.0.1:0"]), "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("none was found"), "{}", stderr(&out));
    assert!(!key_file.exists());
}

#[test]
fn doctor_reports_rollups_that_match_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        voxhive(dir.path()).args([
            "user",
            "add",
            "--owner",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ]),
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(voxhive(dir.path()).arg("doctor"), "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Default: the rollups match the calls."
    );
}

#[tokio::test]
async fn doctor_finds_and_repairs_a_rollup_that_drifted_from_the_calls() {
    let app = crate::support::spawn_app().await;
    app.add_user("ada@example.com", "Acme", voxhive_core::Role::Owner).await;
    let ws = app.workspace_id("Acme").await;
    let connection = app.stored_connection(ws, "vapi", "Agency").await;
    let call = voxhive_store::NewCall {
        cost_micro_usd: 250_000,
        ..crate::support::call(connection.id, "call-1", voxhive_core::time::now_ms())
    };
    app.store().upsert_calls(&[call]).await.unwrap();
    app.execute_sql("UPDATE call_rollups SET cost_micro_usd = cost_micro_usd + 1")
        .await;

    let report = voxhive::admin::doctor(app.store()).await.unwrap();
    let lines = voxhive::admin::doctor_lines(&report);
    assert!(lines[0].starts_with("Acme: 1 rollup row(s) differed"), "{lines:?}");
    assert!(
        lines[1].ends_with("expected 1 call(s) and 250000 micro-USD, found 1 and 250001"),
        "{lines:?}"
    );
    let again = voxhive::admin::doctor(app.store()).await.unwrap();
    assert!(again.iter().all(|(_, check)| check.is_clean()), "repaired: {again:?}");
}
