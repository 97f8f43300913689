//! Test support: a fresh database per test (SQLite, or PostgreSQL when
//! `VOXHIVE_TEST_DATABASE_URL` names a server), the real server on 127.0.0.1:0, and a
//! cookie-keeping HTTP client that does not follow redirects.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use sqlx::Connection;
use voxhive::config::Config;
use voxhive::Running;
use voxhive_core::Role;
use voxhive_store::Connection as StoredConnection;

pub mod seed;
#[allow(unused_imports)]
pub use seed::call;

/// The admin URL of a PostgreSQL server to create test databases on, when set.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("VOXHIVE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// The engine this run tests against.
pub fn engine() -> &'static str {
    if postgres_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Creates an empty PostgreSQL database for one test and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("vh_test_{}", voxhive_core::secret::random_token(8));
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("admin URL names a database");
    format!("{base}/{name}")
}

/// A running VoxHive with its own data directory and database.
pub struct TestApp {
    pub base: String,
    pub running: Option<Running>,
    pub data_dir: tempfile::TempDir,
    pub config: Config,
}

/// Starts VoxHive on 127.0.0.1:0 with a fresh database, after `tweak` adjusts the configuration.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        // Seeded calls carry recording URLs on the internet, which the archive would download.
        archive_url: Some("off".into()),
        ..Config::default()
    };
    if let Some(admin) = postgres_admin_url() {
        config.database_url = Some(fresh_postgres_database(&admin).await);
        config.db_max_connections = 5;
    }
    tweak(&mut config);
    let running = voxhive::start(&config).await.expect("server starts");
    TestApp {
        base: format!("http://{}", running.addr),
        running: Some(running),
        data_dir,
        config,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Pulls the first `csrf_token` value out of a page.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("the page has a CSRF field");
    html[start..].split('"').next().unwrap().to_string()
}

/// The `Location` header of a redirect.
pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Asserts a 303 redirect to `to` (path and query).
pub fn assert_redirects_to(res: &Response, to: &str) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "expected a redirect to {to}");
    assert_eq!(location(res), to);
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn store(&self) -> &voxhive_store::Store {
        &self.running.as_ref().expect("running").store
    }

    /// Creates an account with `PASSWORD` in `workspace` (created for owners) with `role`.
    pub async fn add_user(&self, email: &str, workspace: &str, role: Role) {
        if role != Role::Owner && self.store().workspace_by_name(workspace).await.unwrap().is_none() {
            self.store().create_workspace(workspace).await.unwrap();
        }
        voxhive::admin::add_user(self.store(), email, "", PASSWORD, Some(workspace), role)
            .await
            .expect("add user");
    }

    /// GETs a page and returns its body.
    pub async fn page(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let res = client.get(self.url(path)).send().await.expect("GET");
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Follows the page a job was started from (the redirect of `res`, such as
    /// `/assistants?job=7`) until the job has finished; returns that page.
    pub async fn page_after_job(&self, client: &Client, res: &Response) -> String {
        let path = location(res);
        assert!(
            path.contains("job="),
            "the answer leads to the job's progress, not to {path}"
        );
        for _ in 0..600 {
            let (_, page) = self.page(client, &path).await;
            if !page.contains("data-job-events") {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the job of {path} did not finish within 30 s");
    }

    /// Submits the sign-in form as a browser would (fetching it first for its CSRF token).
    pub async fn sign_in_as(&self, client: &Client, email: &str, password: &str) -> Response {
        let (_, html) = self.page(client, "/login").await;
        let csrf = csrf_from(&html);
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/usage"),
            ])
            .send()
            .await
            .expect("POST /login")
    }

    /// A client signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = client();
        let res = self.sign_in_as(&client, email, PASSWORD).await;
        assert_redirects_to(&res, "/usage");
        client
    }

    /// POSTs a form with the session's CSRF token, taken from a signed-in page.
    pub async fn post_form(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        let (_, html) = self.page(client, "/settings/tokens").await;
        let csrf = csrf_from(&html);
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        client.post(self.url(path)).form(&form).send().await.expect("POST")
    }

    /// Calls the JSON API with `token` and an optional JSON body; returns the status and the
    /// answer (`null` when it is not JSON).
    pub async fn api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = client().request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let res = request.send().await.expect("call the JSON API");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Polls `/api/v1/jobs/{id}` until the job has finished; returns it.
    pub async fn finished_job(&self, token: &str, id: i64) -> serde_json::Value {
        for _ in 0..1200 {
            let (_, job) = self
                .api(token, reqwest::Method::GET, &format!("/api/v1/jobs/{id}"), None)
                .await;
            if job["finished"] == true {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id} did not finish");
    }

    /// Reads a connection's calls through `POST /api/v1/connections/{id}/sync-calls` (or joins
    /// the sync already running, such as the one adding a connection starts) and waits for it.
    pub async fn sync_calls(&self, token: &str, connection: i64, backfill: bool) -> serde_json::Value {
        let path = format!("/api/v1/connections/{connection}/sync-calls");
        let (status, job) = self
            .api(
                token,
                reqwest::Method::POST,
                &path,
                Some(serde_json::json!({"backfill": backfill})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        self.finished_job(token, job["id"].as_i64().expect("job id")).await
    }

    /// The OpenAPI document the server publishes.
    pub async fn openapi(&self) -> serde_json::Value {
        let res = client()
            .get(self.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("GET openapi.json");
        res.json().await.expect("the OpenAPI document is JSON")
    }

    /// The id of the workspace `name`, which must exist.
    pub async fn workspace_id(&self, name: &str) -> i64 {
        self.store()
            .workspace_by_name(name)
            .await
            .unwrap()
            .expect("the workspace exists")
            .id
    }

    /// A connection stored directly, with no provider behind it (for seeded calls).
    pub async fn stored_connection(&self, workspace_id: i64, provider: &str, label: &str) -> StoredConnection {
        seed::connection(self.store(), workspace_id, provider, label).await
    }

    /// An assistant stored directly, in sync; returns its id.
    pub async fn stored_assistant(&self, workspace_id: i64, connection_id: i64, remote_id: &str, name: &str) -> i64 {
        seed::assistant(self.store(), workspace_id, connection_id, remote_id, name).await
    }

    /// Creates an API token for a user through the admin verb.
    pub async fn token_for(&self, email: &str, workspace: &str) -> String {
        voxhive::admin::create_token(self.store(), email, Some(workspace), "test")
            .await
            .expect("token")
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("clean stop");
        }
    }
}

impl TestApp {
    /// Runs a statement directly on the test's database, to set up states a user cannot reach
    /// quickly (such as a session that has expired).
    pub async fn execute_sql(&self, sql: &str) {
        if let Some(pg) = &self.config.database_url {
            let mut conn = sqlx::PgConnection::connect(pg).await.expect("connect");
            sqlx::query(sql).execute(&mut conn).await.expect("execute");
        } else {
            let path = self.config.data_dir.join("voxhive.db");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            sqlx::query(sql).execute(&mut conn).await.expect("execute");
        }
    }
}

/// A small simulator of both providers on 127.0.0.1:0, with the default keys.
pub async fn spawn_sim() -> voxhive_sim::SimHandle {
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = 2;
    config.sizes.calls = 40;
    config.sizes.days = 7;
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// A simulator whose live calls move one line every `step` (test calls).
pub async fn spawn_live_sim(step: std::time::Duration) -> voxhive_sim::SimHandle {
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = 2;
    config.sizes.calls = 10;
    config.sizes.days = 7;
    config.live_step = step;
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// A finished ElevenLabs conversation of the simulator (one with a recording), as its list shows it.
pub async fn finished_conversation(sim: &voxhive_sim::SimHandle) -> serde_json::Value {
    let list: serde_json::Value = client()
        .get(format!("{}/v1/convai/conversations?page_size=100", sim.base_url()))
        .header("xi-api-key", voxhive_sim::DEFAULT_EL_KEY)
        .send()
        .await
        .expect("list the simulator's conversations")
        .json()
        .await
        .unwrap();
    list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "done" && c["call_duration_secs"].as_i64().unwrap_or(0) > 0)
        .expect("the simulator has a finished conversation")
        .clone()
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_string()
}

impl TestApp {
    /// Adds a provider connection through the JSON API (the simulator's account with `api_key`);
    /// returns the connection's id.
    pub async fn connect(&self, token: &str, provider: &str, label: &str, api_key: &str, base_url: &str) -> i64 {
        let res = client()
            .post(self.url("/api/v1/connections"))
            .bearer_auth(token)
            .json(&serde_json::json!({"provider": provider, "label": label, "api_key": api_key, "base_url": base_url}))
            .send()
            .await
            .expect("POST /api/v1/connections");
        assert!(res.status().is_success(), "connect: {}", res.status());
        res.json::<serde_json::Value>().await.unwrap()["id"]
            .as_i64()
            .expect("connection id")
    }

    /// [`TestApp::connect`], then imports the connection's assistants; returns its id.
    pub async fn connect_and_import(
        &self,
        token: &str,
        provider: &str,
        label: &str,
        api_key: &str,
        base_url: &str,
    ) -> i64 {
        let id = self.connect(token, provider, label, api_key, base_url).await;
        let res = client()
            .post(self.url(&format!("/api/v1/connections/{id}/import")))
            .bearer_auth(token)
            .send()
            .await
            .expect("POST import");
        // A busy machine can take longer than the request waits: the job is then followed.
        if res.status() == StatusCode::ACCEPTED {
            let job: serde_json::Value = res.json().await.expect("the import job");
            let job = self.finished_job(token, job["id"].as_i64().expect("a job id")).await;
            assert_eq!(job["status"], "done", "import: {job}");
        } else {
            assert_eq!(res.status(), StatusCode::OK, "import");
        }
        id
    }
}
