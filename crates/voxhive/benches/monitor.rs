//! The Monitor figures, each beside a baseline measured in the same run, on SQLite (or, for the
//! ingestion, on PostgreSQL):
//! - webhook ingestion, durably acknowledged (signed Vapi `end-of-call-report` deliveries to a
//!   real server by concurrent clients), beside bare inserts of the same rows into the event log
//!   (one commit per row, and all in one transaction) and beside the load generator's own
//!   ceiling (the same client against a handler that does nothing);
//! - the Usage & Cost page and `GET /api/v1/usage` at 10 thousand, 100 thousand and 1 million
//!   calls, beside the bare aggregate query over the calls table;
//! - transcript search at the largest scale (a rare word, a common word, a phrase), beside the
//!   bare full-text query;
//! - the process's peak RSS during each phase (the server runs in this process).
//!
//! Run with `cargo bench -p voxhive --bench monitor`. `VOXHIVE_BENCH_SCALES=10k,100k` picks the
//! scales (default `10k,100k,1m`); `VOXHIVE_BENCH_PHASES=ingestion,usage,search` picks the
//! phases (default all three); `VOXHIVE_BENCH_JSON=FILE` also writes the figures as JSON.
//! `VOXHIVE_BENCH_DATABASE_URL` (a PostgreSQL admin URL) runs the ingestion phase on fresh
//! PostgreSQL databases instead; the usage and search phases generate their calls with SQLite's
//! SQL and run on SQLite only.

mod common;
#[allow(dead_code)]
#[path = "../tests/support/seed.rs"]
mod seed;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    fresh_postgres_database, percentile, print_table, proc_status_kib, scrape_counter, scrape_histogram,
    serve_with_owner, signed_in, time_requests, Row, Served, EMAIL, PASSWORD,
};
use reqwest::Client;
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::Connection as _;
use voxhive::{Config, Running};
use voxhive_sim::{SimConfig, SimHandle, Sizes, VapiOrgConfig, DEFAULT_VAPI_KEYS};
use voxhive_store::{DatabaseUrl, NewWebhookEvent, Store, StoreOptions};

const SIM_KEY: &str = DEFAULT_VAPI_KEYS[0];
/// Deliveries sent to the receiver.
const EVENTS: usize = 10_000;
/// Concurrent clients sending them.
const SENDERS: usize = 64;
/// Rows of the one-commit-per-row baseline (each is an fsync: a sample is enough).
const BARE_ROWS: usize = 2_000;
const PAGE_REQUESTS: usize = 100;
const SEARCH_REQUESTS: usize = 50;
const DAY_MS: i64 = 86_400_000;

struct Bench {
    base: String,
    running: Running,
    _sim: SimHandle,
    token: String,
    workspace_id: i64,
    connection_id: i64,
    /// The SQLite file, or `None` on PostgreSQL.
    db_file: Option<std::path::PathBuf>,
    /// The PostgreSQL admin URL (fresh databases are made on it), or `None` on SQLite.
    postgres_admin: Option<String>,
    /// The server's PostgreSQL database, or `None` on SQLite.
    postgres_url: Option<String>,
    http: Client,
    _data_dir: tempfile::TempDir,
}

#[tokio::main]
async fn main() {
    // sqlx's slow-statement warnings would name the bench's own data generation and bare queries.
    voxhive::logging::init(voxhive::config::LogFormat::Human, "warn,sqlx::query=error");
    let scales = scales();
    let phases = std::env::var("VOXHIVE_BENCH_PHASES").unwrap_or_else(|_| "ingestion,usage,search".into());
    let bench = start().await;
    let on_postgres = bench.postgres_url.is_some();
    let phase = |name: &str| phases.split(',').any(|p| p.trim() == name) && (name == "ingestion" || !on_postgres);
    let mut rows = Vec::new();
    if phase("ingestion") {
        rows.extend(measure_ingestion(&bench).await);
    }
    if on_postgres {
        let size: i64 = bench.scalar("SELECT pg_database_size(current_database())").await;
        rows.push(Row::new(
            format!("database size with {EVENTS} events and calls"),
            size as f64 / 1024.0 / 1024.0,
            "MiB",
        ));
        return finish(bench, rows).await;
    }
    for &scale in &scales {
        if !phase("usage") && !phase("search") {
            break;
        }
        grow_calls(&bench, scale).await;
        if phase("usage") {
            rows.extend(measure_usage(&bench, scale).await);
        }
    }
    if phase("search") {
        rows.extend(measure_search(&bench, *scales.last().expect("a scale")).await);
    }
    if phase("usage") || phase("search") {
        // The calls the usage phase generated dominate the file, which then gives a fair size per call.
        let db_file = bench.db_file.as_ref().expect("SQLite");
        let size = std::fs::metadata(db_file).map_or(0, |m| m.len()) as f64 / 1024.0 / 1024.0;
        let calls: i64 = bench.scalar("SELECT COUNT(*) FROM calls").await;
        rows.push(Row::new(format!("database file with {calls} calls"), size, "MiB"));
        rows.push(Row::new(
            "database size per million calls",
            size * 1_000_000.0 / calls.max(1) as f64,
            "MiB",
        ));
    }
    finish(bench, rows).await;
}

/// Prints the table (and writes the JSON) and stops the server.
async fn finish(bench: Bench, rows: Vec<Row>) {
    let engine = bench.running.store.engine().as_str();
    println!(
        "\nVoxHive monitor benchmark: {engine}, {} cores\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    print_table(&rows);
    if let Ok(path) = std::env::var("VOXHIVE_BENCH_JSON") {
        common::write_json(&path, &rows);
    }
    bench.running.stop().await.expect("clean stop");
}

/// The scales asked for, in calls.
fn scales() -> Vec<usize> {
    let text = std::env::var("VOXHIVE_BENCH_SCALES").unwrap_or_else(|_| "10k,100k,1m".into());
    let mut scales: Vec<usize> = text
        .split(',')
        .map(|s| match s.trim().to_ascii_lowercase().as_str() {
            "10k" => 10_000,
            "100k" => 100_000,
            "1m" => 1_000_000,
            other => other.parse().expect("a scale such as 10k, 100k, 1m or a number"),
        })
        .collect();
    scales.sort_unstable();
    scales
}

fn label(scale: usize) -> String {
    match scale {
        s if s >= 1_000_000 && s % 1_000_000 == 0 => format!("{}M", s / 1_000_000),
        s if s >= 1_000 && s % 1_000 == 0 => format!("{}k", s / 1_000),
        s => s.to_string(),
    }
}

/// VoxHive on SQLite with an owner, a token and a Vapi connection to a simulator without calls.
async fn start() -> Bench {
    let sim = voxhive_sim::start(
        SimConfig {
            vapi_orgs: vec![VapiOrgConfig {
                name: "Bench Org".into(),
                api_key: SIM_KEY.into(),
            }],
            elevenlabs_workspaces: Vec::new(),
            sizes: Sizes {
                assistants_per_org: 5,
                calls: 0,
                days: 1,
            },
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("simulator starts");
    let data_dir = tempfile::tempdir().expect("temp dir");
    let postgres_admin = std::env::var("VOXHIVE_BENCH_DATABASE_URL").ok();
    let postgres_url = match &postgres_admin {
        Some(admin) => Some(fresh_postgres_database(admin).await),
        None => None,
    };
    let config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: postgres_url.clone(),
        // The bench's calls carry recording URLs on the internet, which the archive would download.
        archive_url: Some("off".into()),
        ..Config::default()
    };
    let Served {
        running,
        base,
        token,
        workspace_id,
    } = serve_with_owner(&config).await;
    let http = Client::new();
    let connection: Value = http
        .post(format!("{base}/api/v1/connections"))
        .bearer_auth(&token)
        .json(&json!({"provider": "vapi", "label": "Bench", "api_key": SIM_KEY, "base_url": sim.base_url()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let db_file = std::fs::read_dir(data_dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "db"));
    assert!(
        db_file.is_some() || postgres_url.is_some(),
        "the SQLite file in the data directory"
    );
    Bench {
        base,
        running,
        _sim: sim,
        token,
        workspace_id,
        connection_id: connection["id"].as_i64().expect("connection id"),
        db_file,
        postgres_admin,
        postgres_url,
        http,
        _data_dir: data_dir,
    }
}

/// Resets the process's peak RSS, so the next reading is the peak of one phase.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

fn peak_row(phase: &str) -> Row {
    Row::new(
        format!("peak RSS during {phase}"),
        proc_status_kib("VmHWM") / 1024.0,
        "MiB",
    )
}

/// A Vapi end-of-call-report for call number `n`, as Vapi sends it (about 2.5 KB).
fn report(n: usize) -> Vec<u8> {
    // Spread over the last 30 days, so they count in the usage figures too.
    let started = voxhive_core::time::now_ms() - (n as i64 * 7_919 % (30 * 86_400)) * 1_000 - 3_600_000;
    let iso = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
    let messages: Vec<Value> = (0..8)
        .map(|i| {
            let role = if i % 2 == 0 { "bot" } else { "user" };
            json!({"role": role, "message": format!("Line {i} of call {n}: I would like to book a table for two tonight."),
                   "time": started + i * 5_000, "endTime": started + i * 5_000 + 4_000, "secondsFromStart": i * 5})
        })
        .collect();
    let call = json!({
        "id": format!("bench-call-{n:08}"), "orgId": "org-bench", "assistantId": format!("asst-{}", n % 20),
        "type": "inboundPhoneCall", "status": "ended", "createdAt": iso(started - 2_000), "updatedAt": iso(started + 62_000),
        "startedAt": iso(started), "endedAt": iso(started + 60_000), "endedReason": "customer-ended-call",
        "cost": 0.1234, "customer": {"number": "+14155550100"},
    });
    serde_json::to_vec(&json!({"message": {
        "type": "end-of-call-report", "timestamp": started + 61_000, "endedReason": "customer-ended-call",
        "call": call, "startedAt": iso(started), "endedAt": iso(started + 60_000), "durationSeconds": 60.0,
        "cost": 0.1234,
        "costs": [
            {"type": "transport", "cost": 0.01}, {"type": "transcriber", "cost": 0.0134},
            {"type": "model", "cost": 0.03, "promptTokens": 1200, "completionTokens": 90},
            {"type": "voice", "cost": 0.02, "characters": 480}, {"type": "vapi", "cost": 0.05},
        ],
        "artifact": {"messages": messages, "transcript": "AI: Hello!\nUser: I would like to book a table for two tonight.",
                     "recordingUrl": format!("https://storage.vapi.ai/bench-{n}.wav")},
        "analysis": {"summary": "The caller booked a table for two.", "successEvaluation": "true"},
    }}))
    .unwrap()
}

/// Sends every body to `url` from `SENDERS` concurrent clients; the wall time and the 2xx count.
async fn flood(
    client: &Client,
    url: &str,
    headers: &[(&'static str, String)],
    bodies: Arc<Vec<Vec<u8>>>,
) -> (Duration, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (client, url, next, ok, bodies) =
                (client.clone(), url.to_owned(), next.clone(), ok.clone(), bodies.clone());
            let headers = headers.to_vec();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let mut request = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone());
                    for (name, value) in &headers {
                        request = request.header(*name, value);
                    }
                    if let Ok(res) = request.send().await {
                        if res.status().is_success() {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        res.bytes().await.ok();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (started.elapsed(), ok.load(Ordering::Relaxed))
}

/// An HTTP server whose only handler does nothing, to measure the load generator's ceiling.
async fn null_server() -> String {
    let app = axum::Router::new().route("/", axum::routing::post(|| async { "{\"ok\":true}" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn measure_ingestion(bench: &Bench) -> Vec<Row> {
    let hook: Value = bench
        .http
        .get(format!(
            "{}/api/v1/connections/{}/webhook",
            bench.base, bench.connection_id
        ))
        .bearer_auth(&bench.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The URL shown to users carries the public address; the bench talks to the local one.
    let path = hook["url"]
        .as_str()
        .expect("the receiver's URL")
        .split("/hooks/")
        .nth(1)
        .unwrap();
    let url = format!("{}/hooks/{path}", bench.base);
    let secret = hook["secret"].as_str().expect("the webhook secret").to_owned();
    let bodies = Arc::new((0..EVENTS).map(report).collect::<Vec<_>>());
    let client = Client::builder().pool_max_idle_per_host(SENDERS).build().unwrap();

    let (ceiling_time, ceiling_ok) = flood(&client, &null_server().await, &[], bodies.clone()).await;
    assert_eq!(ceiling_ok, EVENTS);

    reset_peak();
    let commits_before = scrape_counter(&bench.base, "webhook_commits_total").await;
    let (time, ok) = flood(&client, &url, &[("x-vapi-secret", secret)], bodies.clone()).await;
    assert_eq!(ok, EVENTS, "every delivery was acknowledged");
    let commits = scrape_counter(&bench.base, "webhook_commits_total").await - commits_before;
    let commit_seconds = scrape_counter(&bench.base, "webhook_commit_seconds_sum").await;
    let acknowledged = Instant::now();
    // Processing runs beside the deliveries; wait until every call is stored.
    loop {
        let stored: i64 = bench
            .scalar("SELECT COUNT(*) FROM calls WHERE remote_id LIKE 'bench-call-%'")
            .await;
        if stored as usize == EVENTS {
            break;
        }
        assert!(
            acknowledged.elapsed() < Duration::from_secs(600),
            "processing stalled at {stored}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let processed = time + acknowledged.elapsed();
    let peak = peak_row("webhook ingestion and processing");

    let (one_by_one, one_tx) = bare_inserts(&bodies, bench.postgres_admin.as_deref()).await;
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let mut acknowledged = Row::new("webhook ingestion, acknowledged (events/s)", rate(EVENTS, time), "/s")
        .vs(one_by_one, "bare insert, one commit per row");
    if bench.postgres_url.is_none() {
        acknowledged = acknowledged.at_least(10_000.0);
    }
    vec![
        acknowledged,
        Row::new("webhook ingestion, acknowledged (events/s)", rate(EVENTS, time), "/s")
            .vs(one_tx, "bare insert, all rows in one transaction"),
        Row::new("load generator ceiling (requests/s)", rate(EVENTS, ceiling_time), "/s"),
        Row::new(
            "deliveries per durable commit (group commit)",
            EVENTS as f64 / commits.max(1.0),
            "",
        ),
        Row::new(
            "time in the writer's commits, turn included (share of the flood)",
            100.0 * commit_seconds / time.as_secs_f64(),
            "%",
        ),
        Row::new(
            "webhooks received and stored as calls (calls/s)",
            rate(EVENTS, processed),
            "/s",
        )
        .vs(rate(EVENTS, time), "acknowledged events/s"),
        peak,
    ]
}

/// Inserts of the same rows into a fresh event log of the same engine (SQLite, or a new database
/// on the PostgreSQL server of `postgres_admin`): one commit per row (a sample of `BARE_ROWS`),
/// and all of them in one transaction; rows per second of each.
async fn bare_inserts(bodies: &[Vec<u8>], postgres_admin: Option<&str>) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let url = match postgres_admin {
        Some(admin) => DatabaseUrl::parse(&fresh_postgres_database(admin).await).unwrap(),
        None => DatabaseUrl::sqlite_file(&dir.path().join("bare.db")),
    };
    let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let ws = store.create_workspace("Bare").await.unwrap();
    let connection = seed::connection(&store, ws.id, "vapi", "Bare").await;
    let texts: Vec<String> = bodies.iter().map(|b| String::from_utf8(b.clone()).unwrap()).collect();
    let event = |body| event_of(ws.id, connection.id, body);
    let started = Instant::now();
    for body in texts.iter().take(BARE_ROWS) {
        store.insert_webhook_events(&[event(body)]).await.unwrap();
    }
    let one_by_one = BARE_ROWS as f64 / started.elapsed().as_secs_f64();
    let all: Vec<NewWebhookEvent> = texts.iter().map(|b| event(b.as_str())).collect();
    let started = Instant::now();
    store.insert_webhook_events(&all).await.unwrap();
    let one_tx = all.len() as f64 / started.elapsed().as_secs_f64();
    (one_by_one, one_tx)
}

fn event_of(workspace_id: i64, connection_id: i64, body: &str) -> NewWebhookEvent<'_> {
    NewWebhookEvent {
        workspace_id,
        connection_id,
        received_at: voxhive_core::time::now_ms(),
        kind: "end-of-call-report",
        body,
        rejection: None,
    }
}

/// A separate connection to the server's SQLite file, for generating data and bare queries.
async fn read_connection(bench: &Bench) -> SqliteConnection {
    SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(bench.db_file.as_ref().expect("an SQLite bench"))
            .busy_timeout(Duration::from_secs(60)),
    )
    .await
    .expect("open the server's database")
}

impl Bench {
    /// One number read from the server's database, on either engine.
    async fn scalar(&self, sql: &str) -> i64 {
        match &self.postgres_url {
            Some(url) => {
                let mut db = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(sql).fetch_one(&mut db).await.expect(sql)
            }
            None => sqlx::query_scalar(sql)
                .fetch_one(&mut read_connection(self).await)
                .await
                .expect(sql),
        }
    }
}

/// Adds generated calls until the workspace has `scale` of them (bench calls from the
/// ingestion included), spread over the past year, then rebuilds the rollups from the calls.
async fn grow_calls(bench: &Bench, scale: usize) {
    let mut db = read_connection(bench).await;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE workspace_id = ?")
        .bind(bench.workspace_id)
        .fetch_one(&mut db)
        .await
        .unwrap();
    let started = Instant::now();
    let now = voxhive_core::time::now_ms();
    let mut from = have as usize + 1;
    while from <= scale {
        let to = (from + 99_999).min(scale);
        // Calls spread over the past 365 days by a multiplicative hash; the words are mixed so
        // that "refund" is common, "opening hours" a frequent phrase and "zanzibar" rare.
        sqlx::query(
            "WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2) \
             INSERT INTO calls (workspace_id, connection_id, provider, remote_id, remote_assistant_id, status, \
             direction, started_at, ended_at, duration_ms, ended_reason, success, cost_micro_usd, \
             cost_transport_micro_usd, cost_stt_micro_usd, cost_llm_micro_usd, cost_tts_micro_usd, \
             cost_platform_micro_usd, summary, transcript_text, document, content_hash, day, first_seen_at, updated_at) \
             SELECT ?3, ?4, 'vapi', 'gen-' || n, 'asst-' || (n % 40), 'ended', 'inbound', \
             ?5 - (n * 2654435761) % (365 * 86400000), ?5 - (n * 2654435761) % (365 * 86400000) + 30000 + (n % 300) * 1000, \
             30000 + (n % 300) * 1000, \
             CASE n % 6 WHEN 0 THEN 'assistant-ended-call' WHEN 1 THEN 'silence-timed-out' WHEN 2 THEN 'voicemail' \
             ELSE 'customer-ended-call' END, n % 4 <> 0, 50000 + (n % 300) * 1000, 10000, 10000, 15000 + (n % 300) * 1000, \
             10000, 5000, 'Call ' || n || ' about ' || CASE n % 3 WHEN 0 THEN 'a booking' WHEN 1 THEN 'a refund' \
             ELSE 'the opening hours' END, \
             'AI: Hello, thanks for calling. User: ' || CASE n % 5 WHEN 0 THEN 'I want a refund for my order' \
             WHEN 1 THEN 'what are your opening hours on sunday' WHEN 2 THEN 'can I book a table for four' \
             WHEN 3 THEN 'my delivery is late again' ELSE 'do you have vegan options' END \
             || CASE WHEN n % 100000 = 7 THEN ' zanzibar' ELSE '' END || ' AI: Of course, let me help.', \
             '{}', 'gen' || n, date((?5 - (n * 2654435761) % (365 * 86400000)) / 1000, 'unixepoch'), ?5, ?5 FROM seq",
        )
        .bind(from as i64)
        .bind(to as i64)
        .bind(bench.workspace_id)
        .bind(bench.connection_id)
        .bind(now)
        .execute(&mut db)
        .await
        .expect("generate calls");
        from = to + 1;
    }
    let check = bench.running.store.rebuild_rollups(bench.workspace_id).await.unwrap();
    eprintln!(
        "{} calls in {:.1} s; rollups rebuilt ({} rows differed)",
        label(scale),
        started.elapsed().as_secs_f64(),
        check.differences.len()
    );
}

/// Times the bare aggregate over the calls table for the last `days` days.
async fn bare_aggregate(bench: &Bench, days: i64) -> Vec<Duration> {
    let mut db = read_connection(bench).await;
    let now = voxhive_core::time::now_ms();
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, COUNT(*), SUM(duration_ms), SUM(cost_micro_usd) FROM calls \
             WHERE workspace_id = ? AND started_at >= ? GROUP BY day",
        )
        .bind(bench.workspace_id)
        .bind(now - days * DAY_MS)
        .fetch_all(&mut db)
        .await
        .unwrap();
        times.push(started.elapsed());
        assert!(!rows.is_empty());
    }
    times
}

async fn measure_usage(bench: &Bench, scale: usize) -> Vec<Row> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = label(scale);
    reset_peak();
    let browser = signed_in(&bench.base, EMAIL, PASSWORD).await;
    let before = scrape_histogram(&bench.base, "/usage").await;
    let page = time_requests(&browser, &format!("{}/usage", bench.base), PAGE_REQUESTS).await;
    let server = scrape_histogram(&bench.base, "/usage").await.since(&before);
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let year_ago = today.checked_sub(jiff::Span::new().days(364)).unwrap();
    let api = bench.http.clone();
    let api_url = format!("{}/api/v1/usage?from={year_ago}&to={today}&group_by=day", bench.base);
    let mut api_times = Vec::new();
    for _ in 0..PAGE_REQUESTS {
        let started = Instant::now();
        let res = api.get(&api_url).bearer_auth(&bench.token).send().await.unwrap();
        assert!(res.status().is_success(), "GET {api_url}: {}", res.status());
        let body: Value = res.json().await.unwrap();
        api_times.push(started.elapsed());
        assert!(body["totals"]["calls"].as_i64().unwrap() > 0);
    }
    let bare_30 = bare_aggregate(bench, 30).await;
    let bare_365 = bare_aggregate(bench, 365).await;
    // At a million calls the goal is also a tenth of the bare per-day aggregate.
    let tenth = |row: Row| {
        if scale >= 1_000_000 {
            row.ratio_at_most(0.1)
        } else {
            row
        }
    };
    vec![
        tenth(
            Row::new(
                format!("/usage (30 days) at {at}: p95, client side"),
                ms(percentile(&page, 95.0)),
                "ms",
            )
            .vs(
                ms(percentile(&bare_30, 95.0)),
                "bare aggregate over calls, 30 days, p95",
            )
            .goal(25.0),
        ),
        Row::new(
            format!("/usage (30 days) at {at}: server p95 (histogram)"),
            server.quantile_ms(0.95),
            "ms",
        )
        .vs(
            ms(percentile(&bare_30, 50.0)),
            "bare aggregate over calls, 30 days, median",
        )
        .goal(25.0),
        tenth(
            Row::new(
                format!("/api/v1/usage (365 days, by day) at {at}: p95"),
                ms(percentile(&api_times, 95.0)),
                "ms",
            )
            .vs(
                ms(percentile(&bare_365, 95.0)),
                "bare aggregate over calls, 365 days, p95",
            )
            .goal(25.0),
        ),
        peak_row(&format!("the usage requests at {at}")),
    ]
}

async fn measure_search(bench: &Bench, scale: usize) -> Vec<Row> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = label(scale);
    let mut db = read_connection(bench).await;
    let mut rows = Vec::new();
    reset_peak();
    for (what, q) in [
        ("a rare word", "zanzibar"),
        ("a common word", "refund"),
        ("a phrase", "\"opening hours\""),
    ] {
        let url = format!("{}/api/v1/calls?q={}&limit=50", bench.base, urlencode(q));
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..SEARCH_REQUESTS {
            let started = Instant::now();
            let res = bench.http.get(&url).bearer_auth(&bench.token).send().await.unwrap();
            assert!(res.status().is_success(), "GET {url}: {}", res.status());
            let body: Value = res.json().await.unwrap();
            times.push(started.elapsed());
            found = body["calls"].as_array().map_or(0, Vec::len);
        }
        assert!(found > 0, "the search for {q} finds calls");
        let mut bare = Vec::new();
        for _ in 0..SEARCH_REQUESTS {
            let started = Instant::now();
            let ids: Vec<i64> = sqlx::query_scalar("SELECT rowid FROM calls_fts WHERE calls_fts MATCH ? LIMIT 50")
                .bind(q)
                .fetch_all(&mut db)
                .await
                .unwrap();
            bare.push(started.elapsed());
            assert!(!ids.is_empty());
        }
        rows.push(
            Row::new(
                format!("search at {at}, {what} ({q}): p95"),
                ms(percentile(&times, 95.0)),
                "ms",
            )
            .vs(ms(percentile(&bare, 95.0)), "bare FTS5 MATCH, first 50 rows, p95")
            .goal(100.0),
        );
    }
    rows.push(peak_row(&format!("the searches at {at}")));
    rows
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
