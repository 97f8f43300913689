//! `voxhive serve` as a child process that a test can kill, on a database of the test's own,
//! with the CLI verbs the tests run against that database.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use tokio::process::{Child, Command};

use crate::support::{self, PASSWORD};

/// The master key every process of a test shares (several instances need the same one).
const MASTER_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
/// The owner the tests sign in as.
pub const OWNER: &str = "owner@example.com";

/// A database for one test (SQLite in the data directory, or a fresh PostgreSQL database when
/// `VOXHIVE_TEST_DATABASE_URL` names a server) and the data directory beside it.
pub struct Database {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Database {
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::in_dir(dir).await
    }

    /// A database whose data directory is `dir` (SQLite keeps its file there).
    pub async fn in_dir(dir: tempfile::TempDir) -> Self {
        let url = match support::postgres_admin_url() {
            Some(admin) => support::fresh_postgres_database(&admin).await,
            None => format!("sqlite://{}", dir.path().join("voxhive.db").display()),
        };
        Self { url, dir }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// Runs a verb of the binary on this database, feeding it `stdin`.
    pub async fn verb(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(&self.url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the voxhive binary");
        let mut input = child.stdin.take().unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut input, stdin.as_bytes())
            .await
            .unwrap();
        drop(input);
        child.wait_with_output().await.unwrap()
    }

    /// Creates the owner of workspace "Acme" through the CLI; returns an API token of theirs.
    pub async fn owner_token(&self) -> String {
        let add = [
            "user",
            "add",
            "--owner",
            "--email",
            OWNER,
            "--workspace",
            "Acme",
            "--password-stdin",
        ];
        let out = self.verb(&add, &format!("{PASSWORD}\n")).await;
        assert!(
            out.status.success(),
            "user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = self.verb(&["token", "create", "--email", OWNER], "").await;
        assert!(
            out.status.success(),
            "token create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// `voxhive doctor`: recomputes every rollup from the calls; asserts that nothing differed.
    pub async fn assert_rollups_exact(&self) {
        let out = self.verb(&["doctor"], "").await;
        assert!(
            out.status.success(),
            "the rollups differ from a recomputation (doctor exit {:?}): {}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The first column of every row of `sql`, read directly from the database.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        if self.is_postgres() {
            let mut db = sqlx::PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut db).await.expect(sql)
        } else {
            let mut db = sqlx::SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut db).await.expect(sql)
        }
    }

    /// A count read directly from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        if self.is_postgres() {
            let mut db = sqlx::PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_one(&mut db).await.expect(sql)
        } else {
            let mut db = sqlx::SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_one(&mut db).await.expect(sql)
        }
    }

    /// Waits until no webhook event is waiting to be processed.
    pub async fn wait_until_processed(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let waiting = self
                .count("SELECT COUNT(*) FROM webhook_events WHERE status = 'received'")
                .await;
            if waiting == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{waiting} webhook events still wait to be processed after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The binary with this test's data directory and master key, on the database at `url`.
    fn command(&self, url: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_voxhive"));
        command
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--database-url")
            .arg(url)
            .env_remove("VOXHIVE_DATABASE_URL")
            .env("VOXHIVE_MASTER_KEY", MASTER_KEY)
            .env("VOXHIVE_ARCHIVE_URL", "off")
            .env("VOXHIVE_LOG", "info")
            .kill_on_drop(true);
        command
    }
}

/// One `voxhive serve` process, logging to a file in the data directory.
pub struct Server {
    process: Child,
    /// Its base URL, such as `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts an instance named `name` (its log is `name.log`) on the test's database.
    pub async fn start(db: &Database, name: &str) -> Self {
        Self::start_on(db, name, &db.url).await
    }

    /// Starts an instance that reaches the database at `url` (such as through a proxy).
    pub async fn start_on(db: &Database, name: &str, url: &str) -> Self {
        let log = db.dir.path().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let process = db
            .command(url)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start voxhive serve");
        let base = wait_for_url(&log).await;
        Self { process, base, log }
    }

    /// SIGKILL: the process ends at once, with no chance to finish anything.
    pub async fn kill9(mut self) {
        self.process.start_kill().expect("SIGKILL");
        let status = self.process.wait().await.unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "the server was killed"
        );
    }

    /// SIGTERM, then waits for the clean exit.
    pub async fn stop(mut self) {
        let pid = self.process.id().expect("running").to_string();
        Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
        let status = tokio::time::timeout(Duration::from_secs(30), self.process.wait())
            .await
            .expect("the server stops within 30 s")
            .unwrap();
        assert!(status.success(), "clean exit; log:\n{}", self.log_tail());
    }

    /// The end of the instance's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// A browser-like client signed in as the owner on the instance at `base`.
pub async fn signed_in(base: &str) -> reqwest::Client {
    let browser = support::client();
    let login = browser.get(format!("{base}/login")).send().await.unwrap();
    let csrf = support::csrf_from(&login.text().await.unwrap());
    let res = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", OWNER),
            ("password", PASSWORD),
            ("next", "/usage"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "signed in");
    browser
}

/// Reads the address out of "VoxHive is listening on http://127.0.0.1:PORT" in a growing log.
async fn wait_for_url(log: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("listening on http://")) {
            return line.rsplit(' ').next().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the server did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A pseudo-random number below `n`, from the clock: each run kills at a different moment.
pub fn random_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) % n
}
