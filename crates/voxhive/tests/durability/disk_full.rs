//! SQLite on a full disk: deliveries are refused with a clear 503 (the provider delivers them
//! again), nothing acknowledged is lost, and the database is sound once space is freed.
//!
//! The data directory is a small tmpfs mounted for the test, filled with a ballast file; it needs
//! the right to mount (root, as in CI). Elsewhere the test says it is skipped.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection as _;

use crate::flood::{assert_stored_once, client, redeliver, report, Receiver};
use crate::process::{Database, Server};
use crate::support;

/// Deliveries padded to this size fill the disk quickly (the padding is not part of the call).
const PADDING: usize = 256 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_deliveries_clearly_and_leaves_the_database_sound() {
    if support::postgres_admin_url().is_some() {
        eprintln!("skipped: the full disk is an SQLite test (PostgreSQL's disk is its own)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let db = Database::in_dir(dir).await;
    let _mount = match Tmpfs::mount(&path, "48m") {
        Ok(mount) => mount,
        Err(why) => {
            eprintln!("skipped: cannot mount a small tmpfs here ({why})");
            return;
        }
    };
    let sim = crate::quiet_sim().await;
    let token = db.owner_token().await;
    let server = Server::start(&db, "server").await;
    let connection = crate::connect_vapi(&server.base, &token, &sim).await;
    let receiver = Receiver::of(&server.base, &token, connection).await;
    let http = client();
    let mut acknowledged = BTreeSet::new();
    for n in 0..20 {
        assert_eq!(receiver.deliver(&http, &server.base, n).await, Some(StatusCode::OK));
        acknowledged.insert(n);
    }

    let ballast = path.join("ballast");
    fill(&ballast);
    let mut refused = Vec::new();
    let mut n = 20;
    let answer = loop {
        let (status, text) = receiver
            .deliver_body(&http, &server.base, padded(n))
            .await
            .expect("an answer");
        if status.is_success() {
            acknowledged.insert(n);
        } else {
            refused.push(n);
            break (status, text);
        }
        n += 1;
        assert!(n < 400, "the disk never filled up");
    };
    eprintln!("{} padded deliveries stored before the disk was full", n - 20);
    assert_eq!(answer.0, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.1);
    let body: Value = serde_json::from_str(&answer.1).unwrap();
    assert_eq!(
        body["error"],
        "the database's disk is full, so the webhook event could not be stored; deliver it again"
    );
    let usage = http
        .get(format!("{}/api/v1/usage", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let status = usage.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "reading still works on a full disk: {}",
        usage.text().await.unwrap()
    );

    std::fs::remove_file(&ballast).unwrap();
    redeliver(std::slice::from_ref(&server.base), &receiver, refused.iter().copied()).await;
    acknowledged.extend(&refused);
    db.wait_until_processed(Duration::from_secs(60)).await;
    assert_stored_once(&db, &server.base, &token, n + 1, &acknowledged).await;
    let mut sqlite = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut sqlite)
        .await
        .unwrap();
    assert_eq!(check, "ok", "the database is sound");
    sqlite.close().await.unwrap();
    db.assert_rollups_exact().await;
    server.stop().await;
}

/// The report of call `n`, padded with text the call does not keep.
fn padded(n: u64) -> String {
    let mut body: Value = serde_json::from_str(&report(n)).unwrap();
    body["message"]["padding"] = Value::from("x".repeat(PADDING));
    body.to_string()
}

/// Writes zeros to `file` until the file system has no room left.
fn fill(file: &Path) {
    let mut out = std::fs::File::create(file).unwrap();
    for chunk in [1 << 20, 4096, 512] {
        let zeros = vec![0u8; chunk];
        while out.write_all(&zeros).is_ok() {}
    }
    out.sync_all().ok();
}

/// A tmpfs mounted over a directory for the test's lifetime.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Self, String> {
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(Self(at.to_owned()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}
