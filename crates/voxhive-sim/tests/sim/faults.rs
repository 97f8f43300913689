//! Injected faults: a retrying client still reads everything once, faulted writes never apply,
//! the rate limit answers 429 with Retry-After, and a reset closes the connection without a response.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use voxhive_sim::{FaultMix, Faults};

use crate::helpers::{send, small_config, spawn_sim, TestSim};

/// GETs `path` until it answers 200, counting the faults seen.
async fn get_with_retries(sim: &TestSim, client: &reqwest::Client, path: &str, faults: &mut usize) -> Value {
    for _ in 0..200 {
        let request = client
            .get(format!("{}{path}", sim.handle.base_url()))
            .bearer_auth(sim.vapi_key());
        match request.send().await {
            Ok(r) if r.status() == 200 => return r.json().await.unwrap(),
            Ok(r) => {
                assert!(
                    [429, 500, 503, 504].contains(&r.status().as_u16()),
                    "unexpected {}",
                    r.status()
                );
                if r.status() == 429 {
                    assert_eq!(r.headers()["retry-after"], "1");
                }
                *faults += 1;
            }
            Err(_) => *faults += 1,
        }
    }
    panic!("{path} never succeeded");
}

#[tokio::test]
async fn with_thirty_percent_faults_a_retrying_client_reads_every_call_exactly_once() {
    let faults = Faults {
        error_rate: 0.3,
        hang_ms: 1_500,
        ..Faults::default()
    };
    let sim = spawn_sim(voxhive_sim::SimConfig {
        faults,
        ..small_config()
    })
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(1_000))
        .build()
        .unwrap();
    let (mut ids, mut before, mut seen_faults) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &before {
            Some(at) => format!("/call?limit=20&createdAtLt={at}"),
            None => "/call?limit=20".to_owned(),
        };
        let page = get_with_retries(&sim, &client, &path, &mut seen_faults).await;
        let page = page.as_array().unwrap();
        ids.extend(page.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        if page.len() < 20 {
            break;
        }
        before = page.last().and_then(|c| c["createdAt"].as_str()).map(str::to_owned);
    }
    let total = sim.handle.vapi_call_count(&sim.vapi_key());
    assert_eq!(ids.len(), total, "every call read");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), total, "no call read twice");
    assert!(seen_faults > 0, "faults were injected");
}

#[tokio::test]
async fn a_faulted_write_never_applies() {
    let sim = spawn_sim(small_config()).await;
    // The client waits long enough for any answer but gives up on a hung request before it answers.
    sim.handle.set_faults(Faults {
        error_rate: 0.3,
        hang_ms: 3_000,
        ..Faults::default()
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(2_000))
        .build()
        .unwrap();
    let before = sim.handle.vapi_assistants(&sim.vapi_key()).len();
    let mut created = 0;
    for i in 0..15 {
        loop {
            let request = client
                .post(format!("{}/assistant", sim.handle.base_url()))
                .bearer_auth(sim.vapi_key())
                .json(&json!({"name": format!("A{i}")}));
            if matches!(request.send().await, Ok(r) if r.status() == 201) {
                created += 1;
                break;
            }
        }
    }
    sim.handle.set_faults(Faults::default());
    let names: Vec<String> = sim
        .handle
        .vapi_assistants(&sim.vapi_key())
        .iter()
        .skip(before)
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created, 15);
    assert_eq!(
        names,
        (0..15).map(|i| format!("A{i}")).collect::<Vec<_>>(),
        "each write applied exactly once"
    );
}

#[tokio::test]
async fn the_per_key_rate_limit_answers_429_with_retry_after_in_each_providers_shape() {
    let sim = spawn_sim(small_config()).await;
    let url = format!("{}/__sim/faults", sim.handle.base_url());
    let (status, _) = send(sim.http.post(&url).json(&json!({"rate_limit_per_key": 2}))).await;
    assert_eq!(status, 200);
    assert_eq!(sim.handle.faults().rate_limit_per_key, Some(2));
    let mut limited = None;
    for _ in 0..10 {
        let r = sim.vapi(Method::GET, "/phone-number").send().await.unwrap();
        if r.status() == 429 {
            limited = Some((
                r.headers()["retry-after"].to_str().unwrap().to_owned(),
                r.json::<Value>().await.unwrap(),
            ));
            break;
        }
    }
    let (retry_after, body) = limited.expect("a 429 within 10 quick requests");
    assert_eq!(retry_after, "1");
    assert_eq!(body["statusCode"], 429);
    let mut el_limited = None;
    for _ in 0..10 {
        let r = sim.el(Method::GET, "/v1/convai/phone-numbers").send().await.unwrap();
        if r.status() == 429 {
            el_limited = Some(r.json::<Value>().await.unwrap());
            break;
        }
    }
    assert_eq!(el_limited.expect("a 429")["detail"]["status"], "rate_limit_exceeded");
}

#[tokio::test]
async fn a_reset_closes_the_connection_without_a_response() {
    let sim = spawn_sim(small_config()).await;
    let mix = FaultMix {
        rate_limited: 0,
        server_error: 0,
        unavailable: 0,
        reset: 1,
        timeout: 0,
    };
    sim.handle.set_faults(Faults {
        error_rate: 1.0,
        mix,
        ..Faults::default()
    });
    let error = sim
        .vapi(Method::GET, "/assistant")
        .send()
        .await
        .expect_err("no response");
    assert!(!error.is_timeout(), "{error}");
    sim.handle.set_faults(Faults::default());
    let (status, _) = send(sim.vapi(Method::GET, "/assistant")).await;
    assert_eq!(status, 200);
}
