//! What the benchmarks share: the table of figures beside their baselines, percentiles, the
//! server's request histogram, a signed-in client, peak memory, a fresh PostgreSQL database, and
//! VoxHive started with an owner and a token.

#![allow(dead_code)] // Each bench uses its own part of this module.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::Client;
use sqlx::Connection as _;

/// The owner account every bench signs in with.
pub const EMAIL: &str = "bench@example.com";
pub const PASSWORD: &str = "correct horse battery staple";
pub const WORKSPACE: &str = "Bench";

/// VoxHive running in this process, with an owner of [`WORKSPACE`] and their API token.
pub struct Served {
    pub running: voxhive::Running,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub token: String,
    pub workspace_id: i64,
}

/// Starts VoxHive with `config` and adds the owner and a token.
pub async fn serve_with_owner(config: &voxhive::Config) -> Served {
    let running = voxhive::start(config).await.expect("server starts");
    let added = voxhive::admin::add_user(
        &running.store,
        EMAIL,
        "",
        PASSWORD,
        Some(WORKSPACE),
        voxhive_core::Role::Owner,
    )
    .await
    .expect("add user");
    let token = voxhive::admin::create_token(&running.store, EMAIL, Some(WORKSPACE), "bench")
        .await
        .expect("token");
    let workspace_id = running
        .store
        .workspace_by_name(&added.workspace)
        .await
        .unwrap()
        .expect("workspace")
        .id;
    Served {
        base: format!("http://{}", running.addr),
        running,
        token,
        workspace_id,
    }
}

/// One line of the table: a figure, its baseline, and the goal it must meet.
pub struct Row {
    pub figure: String,
    pub value: f64,
    pub baseline: Option<f64>,
    pub unit: &'static str,
    pub goal: Option<f64>,
    /// The goal is a floor (`>=`) rather than a ceiling (`<`).
    pub at_least: bool,
    /// The most the value may be, as a multiple of the baseline.
    pub ratio_goal: Option<f64>,
    pub baseline_is: String,
}

impl Row {
    pub fn new(figure: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Row {
            figure: figure.into(),
            value,
            baseline: None,
            unit,
            goal: None,
            at_least: false,
            ratio_goal: None,
            baseline_is: String::new(),
        }
    }

    pub fn vs(mut self, baseline: f64, baseline_is: impl Into<String>) -> Self {
        self.baseline = Some(baseline);
        self.baseline_is = baseline_is.into();
        self
    }

    pub fn goal(mut self, below: f64) -> Self {
        self.goal = Some(below);
        self
    }

    pub fn at_least(mut self, floor: f64) -> Self {
        self.goal = Some(floor);
        self.at_least = true;
        self
    }

    /// A goal on the ratio: the value is at most `times` the baseline.
    pub fn ratio_at_most(mut self, times: f64) -> Self {
        self.ratio_goal = Some(times);
        self
    }

    /// Whether the value meets its goals, if it has any.
    pub fn met(&self) -> Option<bool> {
        let value = self
            .goal
            .map(|g| if self.at_least { self.value >= g } else { self.value < g });
        let ratio = self
            .ratio_goal
            .zip(self.baseline)
            .map(|(times, baseline)| self.value <= times * baseline);
        match (value, ratio) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(true) && b.unwrap_or(true)),
        }
    }

    /// The goals as text, such as `< 25.00 ms` or `<= 1.10x`.
    fn goal_text(&self, fmt: impl Fn(f64, &str) -> String) -> String {
        let op = if self.at_least { ">=" } else { "<" };
        let mut goals: Vec<String> = self
            .goal
            .iter()
            .map(|g| format!("{op} {}", fmt(*g, self.unit)))
            .collect();
        goals.extend(self.ratio_goal.map(|t| format!("<= {t:.2}x")));
        if goals.is_empty() {
            "-".into()
        } else {
            goals.join(", ")
        }
    }
}

/// Creates an empty database on the PostgreSQL server of `admin_url` and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("vh_bench_{}", voxhive_core::secret::random_token(8));
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create the bench database");
    conn.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("the admin URL names a database");
    format!("{base}/{name}")
}

/// A cookie-keeping client signed in through the form, as a browser would.
pub async fn signed_in(base: &str, email: &str, password: &str) -> Client {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let login = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = login.find(marker).expect("a CSRF field") + marker.len();
    let csrf = login[start..].split('"').next().unwrap();
    let form = [
        ("csrf_token", csrf),
        ("email", email),
        ("password", password),
        ("next", "/"),
    ];
    let res = browser.post(format!("{base}/login")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303, "signed in");
    browser
}

/// Times `n` sequential GETs of `url` (whole body read), after a few to warm up.
pub async fn time_requests(client: &Client, url: &str, n: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 10 {
        let started = Instant::now();
        let res = client.get(url).send().await.unwrap();
        assert!(res.status().is_success(), "GET {url}: {}", res.status());
        res.bytes().await.unwrap();
        if i >= 10 {
            times.push(started.elapsed());
        }
    }
    times
}

/// The nearest-rank percentile `p` (0 to 100) of some durations.
pub fn percentile(times: &[Duration], p: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The server's `http_request_duration_seconds` histogram of one GET route.
#[derive(Default)]
pub struct Histogram {
    /// (upper bound in seconds, cumulative count), by bound.
    buckets: Vec<(f64, f64)>,
    sum: f64,
    count: f64,
}

impl Histogram {
    /// The requests between `earlier` and this reading.
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        let before = |le: f64| earlier.buckets.iter().find(|b| b.0 == le).map_or(0.0, |b| b.1);
        Histogram {
            buckets: self.buckets.iter().map(|&(le, n)| (le, n - before(le))).collect(),
            sum: self.sum - earlier.sum,
            count: self.count - earlier.count,
        }
    }

    pub fn mean_ms(&self) -> f64 {
        self.sum / self.count.max(1.0) * 1000.0
    }

    /// Quantile `q`, interpolated linearly inside its bucket as Prometheus's
    /// `histogram_quantile` does: an estimate, only as fine as the buckets.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let wanted = q * self.count;
        let mut below = (0.0, 0.0);
        for &(le, n) in &self.buckets {
            if n >= wanted {
                if le.is_infinite() {
                    return below.0 * 1000.0;
                }
                let share = (wanted - below.1) / (n - below.1).max(1.0);
                return (below.0 + (le - below.0) * share) * 1000.0;
            }
            below = (le, n);
        }
        f64::NAN
    }
}

/// The server's `/metrics` page.
async fn metrics_text(base: &str) -> String {
    Client::new()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Reads the request-duration histogram of `GET route` from the server at `base`.
pub async fn scrape_histogram(base: &str, route: &str) -> Histogram {
    let text = metrics_text(base).await;
    let labels = [format!("route=\"{route}\""), "method=\"GET\"".to_string()];
    let mut h = Histogram::default();
    for line in text
        .lines()
        .filter(|l| labels.iter().all(|label| l.contains(label.as_str())))
    {
        let value: f64 = line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        if line.starts_with("http_request_duration_seconds_bucket") {
            let le = line
                .split("le=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("+Inf");
            h.buckets.push((le.parse().unwrap_or(f64::INFINITY), value));
        } else if line.starts_with("http_request_duration_seconds_sum") {
            h.sum = value;
        } else if line.starts_with("http_request_duration_seconds_count") {
            h.count = value;
        }
    }
    h.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    h
}

/// The value of an unlabelled counter on the server's `/metrics` page (0 when absent).
pub async fn scrape_counter(base: &str, name: &str) -> f64 {
    metrics_text(base)
        .await
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// A `Vm*` line of `/proc/self/status`, in KiB (0 where there is no such file).
pub fn proc_status_kib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

pub fn print_table(rows: &[Row]) {
    let fmt = |v: f64, unit: &str| match unit {
        "" => format!("{v:.0}"),
        _ => format!("{v:.2} {unit}"),
    };
    println!(
        "{:<55} {:>12} {:>12} {:>8} {:>20} {:>5}  baseline is",
        "figure", "value", "baseline", "ratio", "goal", "met?"
    );
    println!("{}", "-".repeat(136));
    for r in rows {
        let baseline = r.baseline.map_or("-".into(), |b| fmt(b, r.unit));
        let ratio = r.baseline.map_or("-".into(), |b| format!("{:.2}x", r.value / b));
        let goal = r.goal_text(fmt);
        let met = r.met().map_or("-", |met| if met { "yes" } else { "NO" });
        println!(
            "{:<55} {:>12} {:>12} {:>8} {:>20} {:>5}  {}",
            r.figure,
            fmt(r.value, r.unit),
            baseline,
            ratio,
            goal,
            met,
            r.baseline_is
        );
    }
    println!();
}

/// Writes the figures as a JSON array to `path`.
pub fn write_json(path: &str, rows: &[Row]) {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "figure": r.figure, "value": r.value, "unit": r.unit, "baseline": r.baseline,
                "baseline_is": r.baseline_is, "ratio": r.baseline.map(|b| r.value / b),
                "goal": r.goal, "goal_is_floor": r.at_least, "ratio_goal": r.ratio_goal, "met": r.met(),
            })
        })
        .collect();
    std::fs::write(path, serde_json::to_string_pretty(&rows).expect("JSON")).expect("write the JSON figures");
}
