//! The same seed gives byte-identical responses; another seed gives other data.

use std::time::Instant;

use reqwest::Method;
use voxhive_sim::{SimConfig, Sizes};

use crate::helpers::{fixed_now, small_config, spawn_sim, TestSim};

const PATHS: &[&str] = &[
    "/assistant",
    "/call?limit=1000",
    "/phone-number",
    "/tool",
    "/file?purpose=assistant",
];
const EL_PATHS: &[&str] = &[
    "/v1/convai/agents",
    "/v1/convai/conversations?page_size=100",
    "/v1/convai/phone-numbers",
    "/v1/convai/tools",
];

async fn snapshot(sim: &TestSim) -> String {
    let mut out = String::new();
    for path in PATHS {
        out += &sim.vapi(Method::GET, path).send().await.unwrap().text().await.unwrap();
    }
    for path in EL_PATHS {
        out += &sim.el(Method::GET, path).send().await.unwrap().text().await.unwrap();
    }
    out.replace(&sim.handle.base_url(), "http://sim")
        .replace(&sim.handle.base_url().replacen("http", "ws", 1), "ws://sim")
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_responses() {
    let a = spawn_sim(small_config()).await;
    let b = spawn_sim(small_config()).await;
    let (first, second) = (snapshot(&a).await, snapshot(&b).await);
    assert!(first.len() > 100_000);
    assert!(first == second, "two simulators with one seed answered differently");
    let c = spawn_sim(SimConfig {
        seed: 7,
        ..small_config()
    })
    .await;
    assert!(snapshot(&c).await != first, "another seed gives other data");
}

#[tokio::test]
async fn the_demo_default_seeds_five_thousand_calls_over_ninety_days() {
    let started = Instant::now();
    let sim = spawn_sim(SimConfig {
        now: Some(fixed_now()),
        ..SimConfig::default()
    })
    .await;
    let elapsed = started.elapsed();
    let keys = sim.handle.vapi_keys();
    let vapi: usize = keys.iter().map(|k| sim.handle.vapi_call_count(k)).sum();
    let el = sim.handle.elevenlabs_conversation_count(&sim.el_key());
    assert_eq!(vapi + el, Sizes::default().calls);
    let assistants: usize = keys.iter().map(|k| sim.handle.vapi_assistants(k).len()).sum::<usize>()
        + sim.handle.elevenlabs_agents(&sim.el_key()).len();
    assert_eq!(assistants, 12);
    eprintln!("seeded 5,000 calls in {elapsed:?} (debug build)");
    assert!(elapsed.as_secs() < 10);
}
