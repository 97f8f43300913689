//! Durability and fault tests: VoxHive under a kill -9, an unreliable provider, a database that
//! goes away or fills up, several instances on one PostgreSQL, and an S3-compatible archive. Each
//! starts real processes or servers and is sized to finish in well under a minute.

#[path = "../support/mod.rs"]
mod support;

mod archive_s3;
mod disk_full;
mod flood;
mod instances;
mod kill9;
mod outage;
mod process;
mod soak;

/// A simulator with a few assistants and no calls, so that every call stored came by webhook.
async fn quiet_sim() -> voxhive_sim::SimHandle {
    let mut config = voxhive_sim::SimConfig::default();
    config.sizes.assistants_per_org = 2;
    config.sizes.calls = 0;
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// Adds the simulator's first Vapi account as a connection through the JSON API of `base`.
async fn connect_vapi(base: &str, token: &str, sim: &voxhive_sim::SimHandle) -> i64 {
    let res = support::client()
        .post(format!("{base}/api/v1/connections"))
        .bearer_auth(token)
        .json(&serde_json::json!({"provider": "vapi", "label": "Durable", "api_key": voxhive_sim::DEFAULT_VAPI_KEYS[0], "base_url": sim.base_url()}))
        .send()
        .await
        .expect("POST /api/v1/connections");
    assert!(res.status().is_success(), "connect: {}", res.status());
    res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .expect("connection id")
}
