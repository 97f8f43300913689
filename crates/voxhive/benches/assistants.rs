//! The Assistants figures, each beside a baseline measured in the same run: importing 1,000
//! assistants from the simulator, pushing 200 edited ones, and the `/assistants` page with 1,000
//! rows; and the Vapi client beside a bare HTTP loop over the same pages. Run with `cargo bench -p voxhive --bench assistants` (release build); set
//! `VOXHIVE_BENCH_DATABASE_URL` to a PostgreSQL admin URL to run on a fresh PostgreSQL database,
//! `VOXHIVE_BENCH_JSON=FILE` to also write the figures as JSON.

use std::time::{Duration, Instant};

mod common;

use common::{
    fresh_postgres_database, percentile, print_table, proc_status_kib, scrape_histogram, serve_with_owner, signed_in,
    time_requests, Row, EMAIL, PASSWORD,
};
use futures::stream::{self, StreamExt};
use reqwest::Client;
use serde_json::{json, Value};
use voxhive::{Config, Running};
use voxhive_providers::{ClientConfig, ProviderKind, Resource};
use voxhive_sim::{SimConfig, SimHandle, Sizes, VapiOrgConfig, DEFAULT_VAPI_KEYS};
use voxhive_store::AssistantFilter;

const ASSISTANTS: usize = 1000;
const PUSHED: usize = 200;
const PAGE_REQUESTS: usize = 200;
/// The concurrency of the import's fetches and of a bulk push (voxhive-sync's constants).
const FETCH_CONCURRENCY: usize = 8;
const PUSH_CONCURRENCY: usize = 4;
const SIM_KEY: &str = DEFAULT_VAPI_KEYS[0];
/// How often a running job is polled.
const POLL_STEP: Duration = Duration::from_millis(25);

/// A finished job as the bench saw it.
struct JobRun {
    /// Items done (all of them only if it succeeded).
    done: f64,
    succeeded: bool,
    result: Value,
    /// From the POST to the poll that saw it finished.
    wall: Duration,
    /// The job's own time, from queued to finished (its `created_at` and last `updated_at`).
    own: Duration,
    /// Polls answered with an error status.
    failed_polls: u32,
}

/// The server, its simulator and an API token for the bench's account.
struct Bench {
    base: String,
    running: Running,
    sim: SimHandle,
    token: String,
    workspace_id: i64,
    http: Client,
    /// RSS with the simulator seeded, before VoxHive started, in MiB.
    rss_before: f64,
    /// The process's peak RSS after each phase, which shows the phase that raised it.
    peaks: std::sync::Mutex<Vec<Row>>,
    _data_dir: tempfile::TempDir,
}

#[tokio::main]
async fn main() {
    // Warnings and errors only: logging every request would time the log writer too.
    // sqlx's slow-statement warnings would name the bench's own data generation and bare queries.
    voxhive::logging::init(voxhive::config::LogFormat::Human, "warn,sqlx::query=error");
    let mut rows = Vec::new();
    let bench = start_server(start_sim().await).await;
    let engine = bench.running.store.engine().as_str().to_string();

    let connection = create_connection(&bench).await;
    rows.extend(measure_import(&bench, connection).await);
    bench.note_peak("peak RSS of the bench process, after the import");
    if rows.iter().any(|r| r.met() == Some(false) && r.at_least) {
        print_table(&rows);
        panic!("the import did not bring in every assistant; nothing else to measure");
    }
    rows.extend(measure_push(&bench).await);
    bench.note_peak("peak RSS of the bench process, after the push");
    rows.extend(measure_list_page(&bench).await);
    bench.note_peak("peak RSS of the bench process, after the page");
    rows.extend(measure_client(&bench).await);
    rows.append(&mut bench.peaks.lock().unwrap());

    println!(
        "\nVoxHive assistants benchmark: {ASSISTANTS} assistants, {engine}, {} cores\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    print_table(&rows);
    if let Ok(path) = std::env::var("VOXHIVE_BENCH_JSON") {
        common::write_json(&path, &rows);
    }
    bench.running.stop().await.expect("clean stop");
}

/// A simulator with one Vapi organisation of `ASSISTANTS` assistants and few calls.
async fn start_sim() -> SimHandle {
    let config = SimConfig {
        vapi_orgs: vec![VapiOrgConfig {
            name: "Bench Org".into(),
            api_key: SIM_KEY.into(),
        }],
        elevenlabs_workspaces: Vec::new(),
        sizes: Sizes {
            assistants_per_org: ASSISTANTS,
            calls: 10,
            days: 1,
        },
        ..SimConfig::default()
    };
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// VoxHive on 127.0.0.1:0 with a fresh database, an owner account and an API token.
async fn start_server(sim: SimHandle) -> Bench {
    let rss_before = proc_status_kib("VmRSS") / 1024.0;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    };
    if let Ok(admin) = std::env::var("VOXHIVE_BENCH_DATABASE_URL") {
        config.database_url = Some(fresh_postgres_database(&admin).await);
    }
    let served = serve_with_owner(&config).await;
    Bench {
        base: served.base,
        running: served.running,
        sim,
        token: served.token,
        workspace_id: served.workspace_id,
        http: Client::new(),
        rss_before,
        peaks: Default::default(),
        _data_dir: data_dir,
    }
}

impl Bench {
    /// Notes the process's peak RSS (the server runs in this process) after a phase.
    fn note_peak(&self, phase: &'static str) {
        let row = Row::new(phase, proc_status_kib("VmHWM") / 1024.0, "MiB")
            .vs(self.rss_before, "RSS with the sim seeded, before VoxHive started");
        self.peaks.lock().unwrap().push(row);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends an API request and returns its JSON answer, panicking on an error status.
    async fn api(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let res = request.bearer_auth(&self.token).send().await.expect("API request");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "API answered {status}: {body}");
        (status.as_u16(), body)
    }

    /// Starts a job with `Prefer: respond-async` and polls it until finished, counting the polls
    /// the server failed to answer (they are retried).
    async fn run_job(&self, path: &str, body: Value) -> JobRun {
        let started = Instant::now();
        let request = self
            .http
            .post(self.url(path))
            .header("prefer", "respond-async")
            .json(&body);
        let (status, job) = self.api(request).await;
        assert_eq!(status, 202, "the job is answered at once");
        let id = job["id"].as_i64().expect("job id");
        let mut failed_polls = 0;
        let job = loop {
            let poll = self
                .http
                .get(self.url(&format!("/api/v1/jobs/{id}")))
                .bearer_auth(&self.token);
            let res = poll.send().await.expect("GET the job");
            if res.status().is_success() {
                let job: Value = res.json().await.expect("a job");
                if job["finished"] == json!(true) {
                    break job;
                }
            } else {
                failed_polls += 1;
            }
            tokio::time::sleep(POLL_STEP).await;
        };
        let wall = started.elapsed();
        if job["succeeded"] != json!(true) {
            eprintln!("\n{path}: the job did not succeed: {}\n", job["summary"]);
        }
        let stored = self
            .running
            .store
            .job(self.workspace_id, id)
            .await
            .unwrap()
            .expect("job");
        JobRun {
            done: job["progress"].as_f64().unwrap_or(0.0),
            succeeded: job["succeeded"] == json!(true),
            result: job["result"].clone(),
            wall,
            own: Duration::from_millis((stored.updated_at - stored.created_at).max(0) as u64),
            failed_polls,
        }
    }

    /// The simulator's Vapi API, with the organisation's key.
    fn sim(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(SIM_KEY)
    }
}

async fn create_connection(bench: &Bench) -> i64 {
    let body = json!({"provider": "vapi", "label": "Bench", "api_key": SIM_KEY, "base_url": bench.sim.base_url()});
    let (_, connection) = bench
        .api(bench.http.post(bench.url("/api/v1/connections")).json(&body))
        .await;
    connection["id"].as_i64().expect("connection id")
}

/// Lists the organisation's assistants the way the Vapi client does: `limit=1000` windows
/// going back by `createdAtLe` until a page comes back short.
async fn sim_list(bench: &Bench) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut edge: Option<String> = None;
    loop {
        let mut request = bench
            .sim(reqwest::Method::GET, "/assistant")
            .query(&[("limit", "1000")]);
        if let Some(edge) = &edge {
            request = request.query(&[("createdAtLe", edge)]);
        }
        let page: Vec<Value> = request.send().await.unwrap().json().await.expect("a list");
        let returned = page.len();
        edge = page
            .iter()
            .filter_map(|d| d["createdAt"].as_str())
            .min()
            .map(str::to_owned);
        for doc in page {
            if seen.insert(doc["id"].as_str().unwrap_or_default().to_owned()) {
                all.push(doc);
            }
        }
        if returned < 1000 {
            return all;
        }
    }
}

/// Import of every assistant through `POST /api/v1/connections/{id}/import`, against the bare
/// simulator list, and list plus GET of every document.
async fn measure_import(bench: &Bench, connection: i64) -> Vec<Row> {
    let started = Instant::now();
    let listed = sim_list(bench).await;
    let list_only = started.elapsed();
    assert_eq!(listed.len(), ASSISTANTS, "the simulator lists every assistant");
    let fetched: Vec<_> = stream::iter(&listed)
        .map(|doc| async move {
            let path = format!("/assistant/{}", doc["id"].as_str().unwrap());
            let res = bench.sim(reqwest::Method::GET, &path).send().await.unwrap();
            res.json::<Value>().await.expect("a document")
        })
        .buffer_unordered(FETCH_CONCURRENCY)
        .collect()
        .await;
    let list_and_get = started.elapsed();
    assert_eq!(fetched.len(), ASSISTANTS);

    let path = format!("/api/v1/connections/{connection}/import");
    let job = bench.run_job(&path, json!({})).await;
    let imported = if job.succeeded {
        job.result["created"].as_f64().unwrap_or(0.0)
    } else {
        0.0
    };
    let rate = |d: Duration| ASSISTANTS as f64 / d.as_secs_f64();
    vec![
        Row::new(
            "import 1,000: wall time (POST to finished)",
            job.wall.as_secs_f64(),
            "s",
        )
        .vs(list_and_get.as_secs_f64(), "sim list + GET each, reqwest, 8 at once"),
        Row::new("import 1,000: job's own time", job.own.as_secs_f64(), "s")
            .vs(list_only.as_secs_f64(), "sim list alone (all the Vapi client sends)"),
        Row::new("import 1,000: assistants per second", rate(job.wall), "/s")
            .vs(rate(list_and_get), "sim list + GET each"),
        Row::new(
            "import 1,000: assistants imported by a job that succeeded",
            imported,
            "",
        )
        .at_least(ASSISTANTS as f64),
        Row::new(
            "import 1,000: job polls answered with an error",
            job.failed_polls.into(),
            "",
        )
        .goal(1.0),
    ]
}

/// Edits `PUSHED` assistants through the API and pushes them with `POST /api/v1/assistants/push`,
/// against as many bare PATCHes to the simulator.
async fn measure_push(bench: &Bench) -> Vec<Row> {
    let (_, listed) = bench.api(bench.http.get(bench.url("/api/v1/assistants"))).await;
    let listed = listed.as_array().expect("a list").clone();
    assert_eq!(listed.len(), ASSISTANTS);
    let (edited, others) = listed.split_at(PUSHED);

    // The baseline goes first, on other assistants, so that the pushed ones stay unmoved remotely.
    let started = Instant::now();
    stream::iter(&others[..PUSHED])
        .for_each_concurrent(PUSH_CONCURRENCY, |a| async move {
            let path = format!("/assistant/{}", a["remote_id"].as_str().unwrap());
            let body = json!({"firstMessage": "Hello from the bench baseline."});
            let res = bench
                .sim(reqwest::Method::PATCH, &path)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "sim PATCH: {}", res.status());
        })
        .await;
    let bare = started.elapsed();

    // One edit first, untimed: it compiles the provider's schema validator, once per process.
    let first = format!("/api/v1/assistants/{}", edited[0]["id"]);
    let patch = json!({"firstMessage": "Hello, this is the first edit."});
    bench.api(bench.http.patch(bench.url(&first)).json(&patch)).await;
    bench.note_peak("peak RSS of the bench process, after the first edit");
    let started = Instant::now();
    stream::iter(edited.iter().enumerate())
        .for_each_concurrent(PUSH_CONCURRENCY, |(i, a)| async move {
            let path = format!("/api/v1/assistants/{}", a["id"]);
            let patch = json!({"firstMessage": format!("Hello, this is edit {i} from the bench.")});
            bench.api(bench.http.patch(bench.url(&path)).json(&patch)).await;
        })
        .await;
    let edits = started.elapsed();
    bench.note_peak("peak RSS of the bench process, after the 200 edits");

    let ids: Vec<i64> = edited.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    let job = bench.run_job("/api/v1/assistants/push", json!({"ids": ids})).await;
    let pushed = if job.succeeded {
        job.result["pushed"].as_f64().unwrap_or(0.0)
    } else {
        0.0
    };
    let each = |d: Duration| d.as_secs_f64() * 1000.0 / PUSHED as f64;
    vec![
        Row::new("push 200: wall time (POST to finished)", job.wall.as_secs_f64(), "s")
            .vs(bare.as_secs_f64(), "200 bare PATCHes to the sim, 4 at once"),
        Row::new("push 200: job's own time", job.own.as_secs_f64(), "s").vs(bare.as_secs_f64(), "same"),
        Row::new("push 200: wall time per assistant", each(job.wall), "ms").vs(each(bare), "same, per PATCH"),
        Row::new("push 200: pushed by a job that succeeded", pushed, "").at_least(PUSHED as f64),
        Row::new("push 200: items done before the job ended", job.done, ""),
        Row::new(
            "push 200: job polls answered with an error",
            job.failed_polls.into(),
            "",
        )
        .goal(1.0),
        Row::new("edit 200 (API PATCH, 4 at once), per assistant", each(edits), "ms")
            .vs(each(bare), "bare sim PATCH, per PATCH"),
    ]
}

/// `GET /assistants` with 1,000 rows, signed in, sequentially; against `/healthz` and the bare
/// `Store::assistants` listing.
async fn measure_list_page(bench: &Bench) -> Vec<Row> {
    let browser = signed_in(&bench.base, EMAIL, PASSWORD).await;
    let page = browser
        .get(bench.url("/assistants"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("<span class=\"count\">{ASSISTANTS}</span>")),
        "the page lists every assistant"
    );
    let before = scrape_histogram(&bench.base, "/assistants").await;
    let page_times = time_requests(&browser, &bench.url("/assistants"), PAGE_REQUESTS).await;
    let after = scrape_histogram(&bench.base, "/assistants").await;
    let health_times = time_requests(&browser, &bench.url("/healthz"), PAGE_REQUESTS).await;

    let store = &bench.running.store;
    let mut sql_times = Vec::with_capacity(PAGE_REQUESTS);
    for _ in 0..PAGE_REQUESTS {
        let started = Instant::now();
        let rows = store
            .assistants(bench.workspace_id, &AssistantFilter::default())
            .await
            .unwrap();
        sql_times.push(started.elapsed());
        assert_eq!(rows.len(), ASSISTANTS);
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let server = after.since(&before);
    vec![
        Row::new(
            "/assistants (1,000 rows): median, client side",
            ms(percentile(&page_times, 50.0)),
            "ms",
        )
        .vs(ms(percentile(&health_times, 50.0)), "GET /healthz, same session"),
        Row::new(
            "/assistants (1,000 rows): p95, client side",
            ms(percentile(&page_times, 95.0)),
            "ms",
        )
        .vs(ms(percentile(&health_times, 95.0)), "GET /healthz, same session")
        .goal(50.0),
        Row::new(
            "/assistants: server mean (Prometheus sum/count)",
            server.mean_ms(),
            "ms",
        )
        .vs(ms(percentile(&sql_times, 50.0)), "Store::assistants median (bare SQL)"),
        Row::new(
            "/assistants: server p95 (histogram, interpolated)",
            server.quantile_ms(0.95),
            "ms",
        )
        .vs(ms(percentile(&sql_times, 95.0)), "Store::assistants p95")
        .goal(50.0),
        Row::new("/assistants: page size", page.len() as f64 / 1024.0, "KiB"),
    ]
}

/// Rounds each way is timed; the median is kept (the machine is shared and noisy).
const CLIENT_ROUNDS: usize = 15;
/// Documents fetched one by one in each round.
const CLIENT_GETS: usize = 200;

/// The Vapi client of `voxhive-providers` against a bare reqwest loop over the same pages: the
/// list of every assistant (its `limit=1000` windows), then a GET of `CLIENT_GETS` of them, one
/// at a time. Rounds alternate between the two so that noise falls on both alike.
async fn measure_client(bench: &Bench) -> Vec<Row> {
    let config = ClientConfig::new(ProviderKind::Vapi, SIM_KEY, Some(bench.sim.base_url()));
    let client = voxhive_providers::build_client(config);
    let listed = client.list(Resource::Assistants).await.expect("the client lists");
    assert_eq!(listed.items.len(), ASSISTANTS);
    let ids: Vec<String> = listed.items.iter().take(CLIENT_GETS).map(|d| d.id.clone()).collect();
    let (mut client_list, mut bare_list, mut client_gets, mut bare_gets) = (vec![], vec![], vec![], vec![]);
    for round in 0..CLIENT_ROUNDS {
        // Each way goes first in every other round, so neither always follows the other's work.
        for client_turn in [round % 2 == 0, round % 2 == 1] {
            if client_turn {
                let started = Instant::now();
                let listing = client.list(Resource::Assistants).await.expect("the client lists");
                client_list.push(started.elapsed());
                assert_eq!(listing.items.len(), ASSISTANTS);
                let started = Instant::now();
                for id in &ids {
                    client.get(Resource::Assistants, id).await.expect("the client reads");
                }
                client_gets.push(started.elapsed());
            } else {
                let started = Instant::now();
                assert_eq!(sim_list(bench).await.len(), ASSISTANTS);
                bare_list.push(started.elapsed());
                let started = Instant::now();
                for id in &ids {
                    let res = bench
                        .sim(reqwest::Method::GET, &format!("/assistant/{id}"))
                        .send()
                        .await
                        .unwrap();
                    let _: Value = res.json().await.expect("a document");
                }
                bare_gets.push(started.elapsed());
            }
        }
    }
    let ms = |times: &[Duration]| percentile(times, 50.0).as_secs_f64() * 1000.0;
    vec![
        Row::new(
            format!("Vapi client: list {ASSISTANTS} assistants (median)"),
            ms(&client_list),
            "ms",
        )
        .vs(ms(&bare_list), "bare reqwest loop over the same pages")
        .ratio_at_most(1.1),
        Row::new(
            format!("Vapi client: GET {CLIENT_GETS} assistants one by one (median)"),
            ms(&client_gets),
            "ms",
        )
        .vs(ms(&bare_gets), "bare reqwest GETs of the same documents")
        .ratio_at_most(1.1),
    ]
}
