//! What the VoxHive client costs over bare HTTP: listing 10,000 Vapi calls in 100 pages from the
//! simulator on 127.0.0.1, through `ProviderClient::list_calls` and through a bare reqwest loop that
//! sends the same requests, in the same process and the same run.
//!
//! ```text
//! cargo run --release -p voxhive-providers --example client_overhead [-- [--rounds N] [--json FILE]]
//! ```
//!
//! Both sides ask for the same pages (`limit=101`, newest first, each next page bounded by
//! `createdAtLe=<oldest createdAt seen>`), parse each whole body with `serde_json` into a `Value`,
//! drop the one item each page repeats from the page before, and keep every document to the end.
//! In the seeded data (fixed seed and end of history) no page ends on a `createdAt` shared with the
//! next call, so each page after the first repeats exactly one item; 101 per page is what makes the
//! 10,000 calls exactly 100 requests (101 + 99 × 100 new items, the last page short). Both sides'
//! request counts, items and ids are checked.
//!
//! What the client does beyond the bare loop, kept in the measurement because it is the client's
//! cost: reqwest's per-request timeout, a semaphore permit, building the URL and query from its
//! `Request` description, reading `Retry-After`; per item, cloning its id into a `RemoteDoc`,
//! copying its `createdAt` into a new `String` (each item is the oldest so far) and parsing
//! `createdAt` with jiff (twice for the items of a full page: once to filter, once to collect the
//! ids at the new edge), where the bare loop compares the fixed-width strings.
//! The timings include the simulator rendering the pages, which is the same for both sides, and
//! leave out freeing the 10,000 documents afterwards, for both sides.

use std::collections::HashSet;
use std::error::Error;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::header::AUTHORIZATION;
use serde_json::{json, Value};
use voxhive_providers::{build_client, CallQuery, ClientConfig, ProviderClient, ProviderKind};
use voxhive_sim::{Faults, SimConfig, Sizes, VapiOrgConfig, DEFAULT_VAPI_KEYS};

/// Calls seeded in the one organisation.
const CALLS: usize = 10_000;
/// Items per list request; with the one repeated item per page, 10,000 calls take 100 requests.
const PAGE_SIZE: u32 = 101;
/// Requests one full listing takes.
const PAGES: usize = 100;
/// Timed runs of each side, alternating, after a warm-up run of each.
const DEFAULT_ROUNDS: usize = 7;
/// The ratio of medians (client / bare) the client should stay under.
const GOAL: f64 = 1.1;

type BoxError = Box<dyn Error + Send + Sync>;

struct Args {
    rounds: usize,
    json: Option<String>,
}

fn args() -> Result<Args, BoxError> {
    let mut parsed = Args {
        rounds: DEFAULT_ROUNDS,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => parsed.json = Some(args.next().ok_or("--json needs a file")?),
            "--rounds" => {
                parsed.rounds = args.next().ok_or("--rounds needs a number")?.parse()?;
                if parsed.rounds == 0 {
                    return Err("--rounds must be at least 1".into());
                }
            }
            other => return Err(format!("unknown argument {other:?} (expected --rounds N, --json FILE)").into()),
        }
    }
    Ok(parsed)
}

/// What one bare listing returned.
struct Fetched {
    /// The documents, in the order they were listed.
    docs: Vec<Value>,
    /// List requests sent.
    requests: usize,
    /// Response body bytes read.
    bytes: usize,
}

impl Fetched {
    fn ids(&self) -> Vec<String> {
        self.docs
            .iter()
            .map(|d| d["id"].as_str().expect("every listed call has an id").to_owned())
            .collect()
    }
}

/// The whole listing through the VoxHive client, as a sync would ask for it.
async fn through_client(client: &dyn ProviderClient) -> Result<usize, BoxError> {
    let listing = client.list_calls(CallQuery::default()).await?;
    assert!(listing.skipped.is_empty(), "the simulator sends no malformed record");
    Ok(listing.items.len())
}

/// The ids the client lists, page by page, and the requests that took (not timed).
async fn client_ids_and_requests(client: &dyn ProviderClient) -> Result<(Vec<String>, usize), BoxError> {
    let mut pager = client.call_pages(CallQuery::default());
    let mut ids = Vec::new();
    let mut requests = 0;
    while let Some(page) = pager.next_page().await? {
        requests += 1;
        ids.extend(page.items.into_iter().map(|d| d.id));
    }
    Ok((ids, requests))
}

/// The `createdAt` of a listed call. The simulator writes them fixed-width (`2026-01-02T03:04:05.678Z`),
/// so comparing the strings orders them; the client parses them instead, as it must for a real provider.
fn created_at(doc: &Value) -> &str {
    doc.get("createdAt")
        .and_then(Value::as_str)
        .expect("every seeded call has a createdAt")
}

fn id(doc: &Value) -> &str {
    doc.get("id")
        .and_then(Value::as_str)
        .expect("every seeded call has an id")
}

/// The same listing with nothing but reqwest and serde_json: the same requests, the same windowing.
async fn bare(http: &reqwest::Client, url: &str, auth: &str) -> Result<Fetched, BoxError> {
    let limit = PAGE_SIZE.to_string();
    let mut docs: Vec<Value> = Vec::new();
    // The oldest createdAt returned so far, whether the next window includes it, and the ids returned at it.
    let mut edge: Option<String> = None;
    let mut inclusive = true;
    let mut at_edge: HashSet<String> = HashSet::new();
    let mut requests = 0;
    let mut bytes = 0;
    loop {
        let mut request = http.get(url).header(AUTHORIZATION, auth).query(&[("limit", &limit)]);
        if let Some(edge) = &edge {
            let key = if inclusive { "createdAtLe" } else { "createdAtLt" };
            request = request.query(&[(key, edge)]);
        }
        let body = request.send().await?.error_for_status()?.bytes().await?;
        requests += 1;
        bytes += body.len();
        let Value::Array(page) = serde_json::from_slice::<Value>(&body)? else {
            return Err("a Vapi list page is not an array".into());
        };
        let returned = page.len();
        let oldest = page.iter().map(created_at).min().map(str::to_owned);
        let first_new = docs.len();
        let mut fresh_at_edge = false;
        for doc in page {
            let keep = match edge.as_deref() {
                Some(edge) if created_at(&doc) > edge => false,
                Some(edge) if created_at(&doc) == edge => {
                    let fresh = at_edge.insert(id(&doc).to_owned());
                    fresh_at_edge |= fresh;
                    fresh
                }
                _ => true,
            };
            if keep {
                docs.push(doc);
            }
        }
        if returned < PAGE_SIZE as usize {
            break;
        }
        let oldest = oldest.ok_or("a full page is empty")?;
        match edge.as_deref() {
            Some(edge) if oldest.as_str() == edge && fresh_at_edge => {}
            Some(edge) if oldest.as_str() == edge && inclusive => inclusive = false,
            Some(edge) if oldest.as_str() >= edge => return Err("the window did not move".into()),
            _ => {
                at_edge = docs[first_new..]
                    .iter()
                    .filter(|d| created_at(d) == oldest)
                    .map(|d| id(d).to_owned())
                    .collect();
                edge = Some(oldest);
                inclusive = true;
            }
        }
    }
    Ok(Fetched { docs, requests, bytes })
}

/// One timed listing.
struct Run {
    wall: Duration,
    cpu: Duration,
    caller_cpu: Duration,
    items: usize,
}

/// Times one listing through the client; freeing its documents afterwards is not timed.
async fn time_client(client: &dyn ProviderClient) -> Result<Run, BoxError> {
    let (started, cpu, own) = (Instant::now(), cpu_time(), thread_cpu_time());
    let listing = client.list_calls(CallQuery::default()).await?;
    let run = Run {
        wall: started.elapsed(),
        cpu: cpu_time().saturating_sub(cpu),
        caller_cpu: thread_cpu_time().saturating_sub(own),
        items: listing.items.len(),
    };
    drop(listing);
    Ok(run)
}

/// Times one bare listing; freeing its documents afterwards is not timed.
async fn time_bare(http: &reqwest::Client, url: &str, auth: &str) -> Result<Run, BoxError> {
    let (started, cpu, own) = (Instant::now(), cpu_time(), thread_cpu_time());
    let fetched = bare(http, url, auth).await?;
    let run = Run {
        wall: started.elapsed(),
        cpu: cpu_time().saturating_sub(cpu),
        caller_cpu: thread_cpu_time().saturating_sub(own),
        items: fetched.docs.len(),
    };
    assert_eq!(fetched.requests, PAGES, "the bare loop takes {PAGES} requests");
    drop(fetched);
    Ok(run)
}

/// Median and p95 (nearest rank, so the slowest run when there are fewer than 20) of some durations.
fn stats(samples: &[Duration]) -> (Duration, Duration) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    };
    let rank = (0.95 * n as f64).ceil() as usize;
    (median, sorted[rank.clamp(1, n) - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A memory figure of this process (simulator included) from `/proc/self/status`, in KiB:
/// `VmHWM:` is the peak resident set size, `VmRSS:` the current one.
fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of this whole process so far, simulator included. Less disturbed than
/// wall time by other work on a shared machine, though both sides' figures include the simulator's.
fn cpu_time() -> Duration {
    stat_cpu("/proc/self/stat")
}

/// CPU time (user + system) of the calling thread so far. `main`'s future runs on the thread that
/// called `block_on`, not on a runtime worker, so this is the work of the side being measured
/// (building requests, parsing bodies, windowing, keeping documents) without the simulator's
/// rendering and the socket I/O of hyper's connection tasks, which run on the workers.
fn thread_cpu_time() -> Duration {
    stat_cpu("/proc/thread-self/stat")
}

/// utime + stime of a `stat` file, in clock ticks taken as the usual 100 per second (10 ms resolution).
fn stat_cpu(path: &str) -> Duration {
    let ticks = std::fs::read_to_string(path)
        .ok()
        .and_then(|stat| {
            // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = args()?;
    let key = DEFAULT_VAPI_KEYS[0];
    let config = SimConfig {
        vapi_orgs: vec![VapiOrgConfig {
            name: "Benchmark Org".into(),
            api_key: key.into(),
        }],
        elevenlabs_workspaces: Vec::new(),
        sizes: Sizes {
            assistants_per_org: 4,
            calls: CALLS,
            days: 90,
        },
        faults: Faults::default(),
        // A fixed end of history, so every run lists the same data.
        now: Some("2026-01-05T00:00:00Z".parse()?),
        ..SimConfig::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    let sim = voxhive_sim::start(config, addr).await?;
    assert_eq!(
        sim.vapi_call_count(key),
        CALLS,
        "one organisation holds every seeded call"
    );

    let mut client_config = ClientConfig::new(ProviderKind::Vapi, key, Some(sim.base_url()));
    client_config.page_size = Some(PAGE_SIZE);
    let client = build_client(client_config);
    let http = reqwest::Client::new();
    let url = format!("{}/call", sim.base_url());
    let auth = format!("Bearer {key}");

    let rss_before = rss_kib("VmRSS:");

    // Warm-up, which also checks that both sides list the same calls, each once, in as many requests.
    // Only ids are kept, so the peak RSS stays that of one listing at a time.
    let (client_ids, client_requests) = client_ids_and_requests(client.as_ref()).await?;
    let via_bare = bare(&http, &url, &auth).await?;
    let bare_ids = via_bare.ids();
    let (bare_requests, body_bytes) = (via_bare.requests, via_bare.bytes);
    drop(via_bare);
    assert_eq!(client_ids.len(), CALLS, "the client lists every seeded call");
    assert_eq!(bare_ids.len(), CALLS, "the bare loop lists every seeded call");
    assert_eq!(client_ids, bare_ids, "both sides list the same calls in the same order");
    assert_eq!(
        client_ids.iter().collect::<HashSet<_>>().len(),
        CALLS,
        "no call is listed twice"
    );
    assert_eq!(client_requests, PAGES, "the client takes {PAGES} requests");
    assert_eq!(bare_requests, PAGES, "the bare loop takes {PAGES} requests");
    drop((client_ids, bare_ids));
    // And one warm-up of the timed path of the client.
    assert_eq!(through_client(client.as_ref()).await?, CALLS);

    // Alternating, and swapping which side goes first every round, so neither side always runs
    // right after the other's 10,000 documents were freed (which leaves the allocator in another state).
    let mut client_runs = Vec::with_capacity(args.rounds);
    let mut bare_runs = Vec::with_capacity(args.rounds);
    for round in 0..args.rounds {
        if round % 2 == 0 {
            client_runs.push(time_client(client.as_ref()).await?);
            bare_runs.push(time_bare(&http, &url, &auth).await?);
        } else {
            bare_runs.push(time_bare(&http, &url, &auth).await?);
            client_runs.push(time_client(client.as_ref()).await?);
        }
    }
    let client_items = client_runs[0].items;
    let bare_items = bare_runs[0].items;
    assert!(client_runs.iter().chain(&bare_runs).all(|run| run.items == CALLS));
    assert_eq!(client_items, bare_items);
    let client_times: Vec<Duration> = client_runs.iter().map(|r| r.wall).collect();
    let bare_times: Vec<Duration> = bare_runs.iter().map(|r| r.wall).collect();
    let client_cpu: Vec<Duration> = client_runs.iter().map(|r| r.cpu).collect();
    let bare_cpu: Vec<Duration> = bare_runs.iter().map(|r| r.cpu).collect();
    let client_own: Vec<Duration> = client_runs.iter().map(|r| r.caller_cpu).collect();
    let bare_own: Vec<Duration> = bare_runs.iter().map(|r| r.caller_cpu).collect();

    let (client_median, client_p95) = stats(&client_times);
    let (bare_median, bare_p95) = stats(&bare_times);
    let ratio = client_median.as_secs_f64() / bare_median.as_secs_f64();
    let ratio_p95 = client_p95.as_secs_f64() / bare_p95.as_secs_f64();
    let (client_cpu_median, _) = stats(&client_cpu);
    let (bare_cpu_median, _) = stats(&bare_cpu);
    let cpu_ratio = client_cpu_median.as_secs_f64() / bare_cpu_median.as_secs_f64();
    let (client_own_median, _) = stats(&client_own);
    let (bare_own_median, _) = stats(&bare_own);
    let own_ratio = client_own_median.as_secs_f64() / bare_own_median.as_secs_f64();
    let rss = rss_kib("VmHWM:");

    println!(
        "Vapi list_calls: {CALLS} calls, {PAGES} pages of limit={PAGE_SIZE}, {:.1} MB of JSON per listing, \
         simulator on 127.0.0.1, {} rounds each (alternating, first side swapped every round, after a warm-up)",
        body_bytes as f64 / 1e6,
        args.rounds
    );
    println!();
    println!(
        "{:<8} {:>12} {:>12} {:>12} {:>12} {:>8} {:>6}",
        "side", "wall median", "wall p95", "process CPU", "caller CPU", "items", "pages"
    );
    for (side, median, p95, cpu, own, items) in [
        (
            "client",
            client_median,
            client_p95,
            client_cpu_median,
            client_own_median,
            client_items,
        ),
        (
            "bare",
            bare_median,
            bare_p95,
            bare_cpu_median,
            bare_own_median,
            bare_items,
        ),
    ] {
        println!(
            "{side:<8} {:>9.1} ms {:>9.1} ms {:>9.0} ms {:>9.0} ms {items:>8} {PAGES:>6}",
            ms(median),
            ms(p95),
            ms(cpu),
            ms(own)
        );
    }
    println!(
        "{:<8} {ratio:>12.3} {ratio_p95:>12.3} {cpu_ratio:>12.3} {own_ratio:>12.3}",
        "ratio"
    );
    println!();
    println!(
        "ratio client/bare of wall medians: {ratio:.3} (goal: at most {GOAL}) {}",
        if ratio <= GOAL { "OK" } else { "OVER GOAL" }
    );
    println!(
        "CPU figures are medians; process CPU includes the simulator, caller CPU is the thread that ran the side."
    );
    let mib = |kib: Option<u64>| kib.map_or("n/a".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "peak RSS (VmHWM, simulator included): {}; RSS before the first listing: {}",
        mib(rss),
        mib(rss_before)
    );

    if let Some(path) = &args.json {
        let report = json!({
            "calls": CALLS,
            "pages": PAGES,
            "page_size": PAGE_SIZE,
            "rounds": args.rounds,
            "json_bytes_per_listing": body_bytes,
            "client": {
                "median_ms": ms(client_median),
                "p95_ms": ms(client_p95),
                "items": client_items,
                "samples_ms": client_times.iter().copied().map(ms).collect::<Vec<_>>(),
                "cpu_samples_ms": client_cpu.iter().copied().map(ms).collect::<Vec<_>>(),
                "caller_cpu_samples_ms": client_own.iter().copied().map(ms).collect::<Vec<_>>(),
            },
            "bare": {
                "median_ms": ms(bare_median),
                "p95_ms": ms(bare_p95),
                "items": bare_items,
                "samples_ms": bare_times.iter().copied().map(ms).collect::<Vec<_>>(),
                "cpu_samples_ms": bare_cpu.iter().copied().map(ms).collect::<Vec<_>>(),
                "caller_cpu_samples_ms": bare_own.iter().copied().map(ms).collect::<Vec<_>>(),
            },
            "client_cpu_median_ms": ms(client_cpu_median),
            "bare_cpu_median_ms": ms(bare_cpu_median),
            "ratio_median": ratio,
            "ratio_cpu_median": cpu_ratio,
            "client_caller_cpu_median_ms": ms(client_own_median),
            "bare_caller_cpu_median_ms": ms(bare_own_median),
            "ratio_caller_cpu_median": own_ratio,
            "ratio_p95": ratio_p95,
            "goal_ratio": GOAL,
            "peak_rss_kib": rss,
            "rss_before_listing_kib": rss_before,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
        println!("figures written to {path}");
    }

    sim.shutdown().await;
    Ok(())
}
