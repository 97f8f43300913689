//! The fault soak: call backfills, imports and a bulk push run at once through the JSON API while
//! the simulator answers 30% of provider requests with a fault (429 with Retry-After, 500, 503, a
//! reset connection, a hang ended by 504) after some latency, and a few assistants are edited
//! again while the push is sending them. Whatever a job could not do after its retries is
//! reported with a readable reason and nothing is lost or duplicated; once the faults stop, the
//! same jobs run again converge. A second test takes the provider down entirely, so the give-up
//! path is taken every time instead of by chance.
//!
//! The simulators' seed (data and faults) is new on every run and printed; `VOXHIVE_SOAK_SEED`
//! repeats one. No assertion depends on it: each accepts a job given up after its retries,
//! provided it said why and lost nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use voxhive_core::doc::content_hash;
use voxhive_core::Role;
use voxhive_sim::{FaultMix, Faults, SimConfig, SimHandle, DEFAULT_EL_KEY, DEFAULT_VAPI_KEYS};

use crate::support::{client, spawn_app, urlencode, TestApp};

/// 30% of provider requests fail, evenly among the five kinds of fault.
fn soak_faults() -> Faults {
    Faults {
        latency_ms: 5,
        error_rate: 0.3,
        mix: FaultMix {
            rate_limited: 1,
            server_error: 1,
            unavailable: 1,
            reset: 1,
            timeout: 1,
        },
        rate_limit_per_key: None,
        hang_ms: 300,
    }
}

/// Every provider request fails.
fn provider_down() -> Faults {
    Faults {
        error_rate: 1.0,
        ..soak_faults()
    }
}

#[tokio::test]
async fn under_thirty_percent_faults_nothing_is_lost_or_duplicated_and_a_rerun_converges() {
    let started = Instant::now();
    let retries = Retries::default();
    let _counting = tracing::subscriber::set_default(retries.subscriber());
    let seed = soak_seed();
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let edits_sim = sim(seed, 10, 6).await;
    let history_sim = sim(seed.wrapping_add(1), 12, 240).await;

    // Before the faults: two accounts imported and ten assistants of each edited locally.
    let mut edited = Vec::new();
    for account in &EDITED_ACCOUNTS {
        let id = app
            .connect(
                &token,
                account.provider,
                account.label,
                account.key,
                &edits_sim.base_url(),
            )
            .await;
        assert_eq!(app.sync_calls(&token, id, true).await["succeeded"], true);
        assert_eq!(
            run_job(&app, &token, &import_path(id), json!({})).await["succeeded"],
            true
        );
        edited.extend(edit_assistants(&app, &token, account, id, 10).await);
    }
    let ids: Vec<i64> = edited.iter().map(|e| e.id).collect();
    let expected_calls = sim_calls(&history_sim).await;
    let setup = started.elapsed();

    // The soak: three backfills, three imports and the bulk push at once, through faults, with
    // a few assistants edited again while the push sends them.
    edits_sim.set_faults(soak_faults());
    history_sim.set_faults(soak_faults());
    let soak = Instant::now();
    let mut connections = Vec::new();
    let mut connect_refusals = 0;
    for account in &ACCOUNTS {
        let (id, refused) = connect_through_faults(&app, &token, account, &history_sim).await;
        connect_refusals += refused;
        connections.push((account, id));
    }
    let mut jobs = Vec::new();
    for (_, id) in &connections {
        let backfill = start_job(&app, &token, &sync_path(*id), json!({"backfill": true})).await;
        jobs.push((backfill, start_job(&app, &token, &import_path(*id), json!({})).await));
    }
    let push = start_job(&app, &token, "/api/v1/assistants/push", json!({"ids": ids})).await;
    let edited_again = edit_while_pushing(&app, &token, push, &mut edited, 5).await;

    let mut given_up = Vec::new();
    for ((account, connection), (backfill, import)) in connections.iter().zip(jobs) {
        let job = app.finished_job(&token, backfill).await;
        let expected = &expected_calls[account.label];
        let stored = stored_calls(&app, &token, *connection).await;
        if job["status"] == "done" {
            assert_eq!(stored, expected.ids, "{}: every call, once", account.label);
        } else {
            assert_failed_readably(account, &job);
            assert!(
                stored.is_subset(&expected.ids),
                "{}: the provider's calls only",
                account.label
            );
            given_up.push(format!("backfill of {}", account.label));
        }
        let job = app.finished_job(&token, import).await;
        let imported = check_imported(&app, &token, &history_sim, account, *connection).await;
        if job["status"] == "done" {
            assert_eq!(job["result"]["created"], imported.len(), "{job}");
            assert_eq!(imported, sim_assistant_ids(&history_sim, account), "{}", account.label);
        } else {
            assert_failed_readably(account, &job);
            given_up.push(format!("import of {}", account.label));
        }
    }
    assert_rollups_match_calls(&app).await;
    let job = app.finished_job(&token, push).await;
    assert_eq!(
        job["status"], "done",
        "a bulk push reports failures in its result: {job}"
    );
    let report = &job["result"];
    assert_eq!(
        (
            report["unchanged"].as_u64(),
            report["conflicts"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let pushed = check_pushes(&app, &token, &edits_sim, &edited, report).await;
    assert_eq!(report["pushed"], pushed.latest + pushed.earlier, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), pushed.failed, "{report}");
    assert_eq!(pushed.latest + pushed.earlier + pushed.failed, edited.len());
    let soak = soak.elapsed();
    let during = retries.counts();
    assert!(during.values().sum::<usize>() > 0, "the soak met no fault");

    // Without faults the same requests converge: a second run lands everything.
    edits_sim.set_faults(Faults::default());
    history_sim.set_faults(Faults::default());
    let (mut calls, mut assistants) = (0, 0);
    for (account, connection) in &connections {
        assert_eq!(app.sync_calls(&token, *connection, true).await["succeeded"], true);
        let expected = &expected_calls[account.label];
        assert_eq!(
            stored_calls(&app, &token, *connection).await,
            expected.ids,
            "{}",
            account.label
        );
        assert_usage(&app, &token, *connection, expected).await;
        calls += expected.ids.len();
        let job = run_job(&app, &token, &import_path(*connection), json!({})).await;
        assert_eq!(job["succeeded"], true, "{job}");
        let imported = check_imported(&app, &token, &history_sim, account, *connection).await;
        assert_eq!(imported, sim_assistant_ids(&history_sim, account), "{}", account.label);
        assistants += imported.len();
    }
    assert_rollups_match_calls(&app).await;
    let job = run_job(&app, &token, "/api/v1/assistants/push", json!({"ids": ids})).await;
    assert_eq!(job["succeeded"], true, "{job}");
    assert_eq!(job["result"]["pushed"], pushed.earlier + pushed.failed, "{job}");
    assert_eq!(job["result"]["unchanged"], pushed.latest, "{job}");
    edited.iter_mut().for_each(|e| e.pushing = None);
    let everything = Pushed {
        latest: edited.len(),
        ..Pushed::default()
    };
    assert_eq!(
        check_pushes(&app, &token, &edits_sim, &edited, &job["result"]).await,
        everything
    );

    eprintln!(
        "soak ({}, seed {seed}): {calls} calls, {assistants} assistants imported, {} assistants pushed \
         ({edited_again} edited again meanwhile), under faults {pushed:?}; retries by fault {during:?}; \
         connections refused {connect_refusals}; jobs given up {given_up:?}; setup {setup:.1?}, soak {soak:.1?}, \
         total {:.1?}",
        crate::support::engine(),
        edited.len(),
        started.elapsed(),
    );
    app.stop().await;
}

#[tokio::test]
async fn while_the_provider_is_down_every_job_reports_why_and_nothing_is_lost() {
    let started = Instant::now();
    let retries = Retries::default();
    let _counting = tracing::subscriber::set_default(retries.subscriber());
    let seed = soak_seed();
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let sim = sim(seed, 3, 30).await;
    let expected_calls = sim_calls(&sim).await;
    // Every account's calls are read; the first account is left to be imported while the
    // provider is down, two assistants of each of the others are edited.
    let mut connections = Vec::new();
    let mut edited = Vec::new();
    for (i, account) in ACCOUNTS.iter().enumerate() {
        let id = app
            .connect(&token, account.provider, account.label, account.key, &sim.base_url())
            .await;
        assert_eq!(app.sync_calls(&token, id, true).await["succeeded"], true);
        if i > 0 {
            assert_eq!(
                run_job(&app, &token, &import_path(id), json!({})).await["succeeded"],
                true
            );
            edited.extend(edit_assistants(&app, &token, account, id, 2).await);
        }
        connections.push((account, id));
    }
    let ids: Vec<i64> = edited.iter().map(|e| e.id).collect();
    let (unimported_account, unimported) = connections[0];

    sim.set_faults(provider_down());
    let down = Instant::now();
    let new_connection =
        json!({"provider": "vapi", "label": "Down", "api_key": DEFAULT_VAPI_KEYS[0], "base_url": sim.base_url()});
    let (status, refused) = app
        .api(&token, Method::POST, "/api/v1/connections", Some(new_connection))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_readable(&ACCOUNTS[0], refused["error"]["message"].as_str().unwrap_or_default());
    let (_, listed) = app.api(&token, Method::GET, "/api/v1/connections", None).await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        ACCOUNTS.len(),
        "a refused connection is not stored"
    );

    let mut backfills = Vec::new();
    for (_, id) in &connections {
        backfills.push(start_job(&app, &token, &sync_path(*id), json!({"backfill": true})).await);
    }
    let import = start_job(&app, &token, &import_path(unimported), json!({})).await;
    let push = start_job(&app, &token, "/api/v1/assistants/push", json!({"ids": ids})).await;
    let edited_again = edit_while_pushing(&app, &token, push, &mut edited, 2).await;
    for ((account, connection), job) in connections.iter().zip(backfills) {
        assert_failed_readably(account, &app.finished_job(&token, job).await);
        let stored = stored_calls(&app, &token, *connection).await;
        assert_eq!(
            stored, expected_calls[account.label].ids,
            "a failed backfill loses nothing"
        );
    }
    assert_rollups_match_calls(&app).await;
    assert_failed_readably(unimported_account, &app.finished_job(&token, import).await);
    assert!(check_imported(&app, &token, &sim, unimported_account, unimported)
        .await
        .is_empty());
    let job = app.finished_job(&token, push).await;
    assert_eq!(
        (job["status"].as_str(), job["result"]["pushed"].as_u64()),
        (Some("done"), Some(0)),
        "{job}"
    );
    assert_eq!(job["result"]["failed"].as_array().unwrap().len(), edited.len(), "{job}");
    let all_failed = Pushed {
        failed: edited.len(),
        ..Pushed::default()
    };
    assert_eq!(
        check_pushes(&app, &token, &sim, &edited, &job["result"]).await,
        all_failed
    );
    let down = down.elapsed();

    sim.set_faults(Faults::default());
    for (account, connection) in &connections {
        assert_eq!(app.sync_calls(&token, *connection, true).await["succeeded"], true);
        let expected = &expected_calls[account.label];
        assert_eq!(stored_calls(&app, &token, *connection).await, expected.ids);
        assert_usage(&app, &token, *connection, expected).await;
    }
    assert_rollups_match_calls(&app).await;
    let job = run_job(&app, &token, &import_path(unimported), json!({})).await;
    let imported = check_imported(&app, &token, &sim, unimported_account, unimported).await;
    assert_eq!(imported, sim_assistant_ids(&sim, unimported_account));
    assert_eq!(job["result"]["created"], imported.len(), "{job}");
    let job = run_job(&app, &token, "/api/v1/assistants/push", json!({"ids": ids})).await;
    assert_eq!(
        (job["succeeded"].as_bool(), job["result"]["pushed"].as_u64()),
        (Some(true), Some(edited.len() as u64))
    );
    edited.iter_mut().for_each(|e| e.pushing = None);
    let everything = Pushed {
        latest: edited.len(),
        ..Pushed::default()
    };
    assert_eq!(
        check_pushes(&app, &token, &sim, &edited, &job["result"]).await,
        everything
    );

    let counts = retries.counts();
    assert!(counts.values().sum::<usize>() > 0, "no request was retried");
    eprintln!(
        "provider down ({}, seed {seed}): {} assistants pushed ({edited_again} edited again meanwhile); \
         retries by fault {counts:?}; down {down:.1?}, total {:.1?}",
        crate::support::engine(),
        edited.len(),
        started.elapsed()
    );
    app.stop().await;
}

fn import_path(connection: i64) -> String {
    format!("/api/v1/connections/{connection}/import")
}

fn sync_path(connection: i64) -> String {
    format!("/api/v1/connections/{connection}/sync-calls")
}

/// One account of a simulator, as connected to VoxHive.
struct Account {
    provider: &'static str,
    label: &'static str,
    key: &'static str,
}

/// Each simulator's accounts: two Vapi organisations and an ElevenLabs workspace.
const ACCOUNTS: [Account; 3] = [
    Account {
        provider: "vapi",
        label: "Vapi North",
        key: DEFAULT_VAPI_KEYS[1],
    },
    Account {
        provider: "vapi",
        label: "Vapi Acme",
        key: DEFAULT_VAPI_KEYS[0],
    },
    Account {
        provider: "elevenlabs",
        label: "ElevenLabs Globex",
        key: DEFAULT_EL_KEY,
    },
];

/// The accounts whose assistants the soak's bulk push sends, on a simulator of their own.
const EDITED_ACCOUNTS: [Account; 2] = [
    Account {
        provider: "vapi",
        label: "Edited Vapi",
        key: DEFAULT_VAPI_KEYS[0],
    },
    Account {
        provider: "elevenlabs",
        label: "Edited ElevenLabs",
        key: DEFAULT_EL_KEY,
    },
];

/// A new seed each run unless `VOXHIVE_SOAK_SEED` names one.
fn soak_seed() -> u64 {
    std::env::var("VOXHIVE_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::collections::hash_map::RandomState::new().hash_one("soak"))
}

/// A simulator with `assistants` per account and `calls` over the last week.
async fn sim(seed: u64, assistants: usize, calls: usize) -> SimHandle {
    let mut config = SimConfig {
        seed,
        ..SimConfig::default()
    };
    config.sizes.assistants_per_org = assistants;
    config.sizes.calls = calls;
    config.sizes.days = 7;
    voxhive_sim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

/// Starts a job through the API without waiting for it; its id.
async fn start_job(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let res = client()
        .post(app.url(path))
        .bearer_auth(token)
        .header("Prefer", "respond-async")
        .json(&body)
        .send()
        .await
        .expect("start a job");
    assert_eq!(res.status(), StatusCode::ACCEPTED, "{path}");
    let job: Value = res.json().await.unwrap();
    job["id"].as_i64().expect("job id")
}

/// Starts a job through the API and follows it until it has finished.
async fn run_job(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let id = start_job(app, token, path, body).await;
    app.finished_job(token, id).await
}

/// Adds a connection through faults: a refusal must name the provider's failure and store
/// nothing, and is asked again. The connection's id and how many times it was refused.
async fn connect_through_faults(app: &TestApp, token: &str, account: &Account, sim: &SimHandle) -> (i64, usize) {
    let body = json!({"provider": account.provider, "label": account.label, "api_key": account.key, "base_url": sim.base_url()});
    for refused in 0..5 {
        let (status, answer) = app
            .api(token, Method::POST, "/api/v1/connections", Some(body.clone()))
            .await;
        if status == StatusCode::CREATED {
            return (answer["id"].as_i64().unwrap(), refused);
        }
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_readable(account, answer["error"]["message"].as_str().unwrap_or_default());
        let (_, listed) = app.api(token, Method::GET, "/api/v1/connections", None).await;
        assert!(!listed.as_array().unwrap().iter().any(|c| c["label"] == account.label));
    }
    panic!("{} could not be connected in five tries", account.label);
}

/// A job that gave up: failed, with an error that names the provider and says what failed.
fn assert_failed_readably(account: &Account, job: &Value) {
    assert_eq!(job["status"], "failed", "{job}");
    assert_readable(account, job["error"].as_str().unwrap_or_default());
}

/// An error a user can read: it names the provider and says what failed, in words.
fn assert_readable(account: &Account, error: &str) {
    let provider = if account.provider == "vapi" {
        "Vapi "
    } else {
        "ElevenLabs "
    };
    assert!(error.starts_with(provider), "an unreadable error: {error:?}");
    for internal in ["Status(", "Broken", "reqwest", "hyper"] {
        assert!(!error.contains(internal), "an unreadable error: {error:?}");
    }
}

/// One of the assistants edited locally before the soak.
struct Edited {
    id: i64,
    provider: &'static str,
    key: &'static str,
    remote_id: String,
    /// The first message of its latest local revision.
    latest: String,
    /// When it was edited again while a push was sending it: the edit that push read.
    pushing: Option<String>,
}

/// The first message of a provider document.
fn first_message(provider: &str, doc: &Value) -> Value {
    if provider == "vapi" {
        doc["firstMessage"].clone()
    } else {
        doc["conversation_config"]["agent"]["first_message"].clone()
    }
}

/// Saves `text` as the first message of an assistant through the API.
async fn edit_first_message(app: &TestApp, token: &str, provider: &str, id: i64, text: &str) -> Value {
    let patch = if provider == "vapi" {
        json!({"firstMessage": text})
    } else {
        json!({"conversation_config": {"agent": {"first_message": text}}})
    };
    let (status, detail) = app
        .api(token, Method::PATCH, &format!("/api/v1/assistants/{id}"), Some(patch))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    detail
}

/// Edits the first message of `count` assistants of a connection through the API.
async fn edit_assistants(app: &TestApp, token: &str, account: &Account, connection: i64, count: usize) -> Vec<Edited> {
    let (_, list) = app
        .api(
            token,
            Method::GET,
            &format!("/api/v1/assistants?connection_id={connection}"),
            None,
        )
        .await;
    let list = list.as_array().unwrap();
    assert!(list.len() >= count, "{} has {} assistants", account.label, list.len());
    let mut edited = Vec::new();
    for (i, assistant) in list.iter().take(count).enumerate() {
        let id = assistant["id"].as_i64().unwrap();
        let latest = format!("Soak edit {i} of {}", account.label);
        let detail = edit_first_message(app, token, account.provider, id, &latest).await;
        assert_eq!(detail["sync_status"], "modified", "{detail}");
        edited.push(Edited {
            id,
            provider: account.provider,
            key: account.key,
            remote_id: detail["remote_id"].as_str().unwrap().to_owned(),
            latest,
            pushing: None,
        });
    }
    edited
}

/// Until the bulk push `job` has finished, edits again (up to `most`) assistants it is sending
/// at that moment, as a user might while a slow push goes on; how many it edited.
async fn edit_while_pushing(app: &TestApp, token: &str, job: i64, edited: &mut [Edited], most: usize) -> usize {
    let mut again = 0;
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the push did not finish within a minute");
        let (_, view) = app.api(token, Method::GET, &format!("/api/v1/jobs/{job}"), None).await;
        if view["finished"] == true {
            return again;
        }
        let (_, syncing) = app
            .api(token, Method::GET, "/api/v1/assistants?status=syncing", None)
            .await;
        for assistant in syncing.as_array().unwrap() {
            let Some(e) = edited.iter_mut().find(|e| Some(e.id) == assistant["id"].as_i64()) else {
                continue;
            };
            if again == most || e.pushing.is_some() {
                continue;
            }
            let text = format!("{} (edited again while pushed)", e.latest);
            edit_first_message(app, token, e.provider, e.id, &text).await;
            e.pushing = Some(std::mem::replace(&mut e.latest, text));
            again += 1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// How a bulk push left the edited assistants.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pushed {
    /// The provider holds the latest local revision; the assistant is synced.
    latest: usize,
    /// The provider holds the revision the push read; the edit made meanwhile waits, modified.
    earlier: usize,
    /// Not sent: named in the push's result; the local revision is kept.
    failed: usize,
}

/// Checks each edited assistant after a bulk push whose result is `report`: the local document
/// holds its latest edit, always; the provider holds that edit (synced), or the one the push
/// read when an edit came meanwhile (modified), or nothing new, and then the push's result
/// names the assistant with the reason the assistant shows.
async fn check_pushes(app: &TestApp, token: &str, sim: &SimHandle, edited: &[Edited], report: &Value) -> Pushed {
    let failures: Vec<(&str, &str)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    let mut pushed = Pushed::default();
    for e in edited {
        let (_, local) = app
            .api(token, Method::GET, &format!("/api/v1/assistants/{}", e.id), None)
            .await;
        let remote = if e.provider == "vapi" {
            sim.vapi_assistant(e.key, &e.remote_id)
        } else {
            sim.elevenlabs_agent(e.key, &e.remote_id)
        }
        .expect("the provider still has the assistant");
        assert_eq!(
            first_message(e.provider, &local["document"]),
            e.latest,
            "an edit was lost: {local}"
        );
        let remote_hash = content_hash(e.provider, &remote);
        let at_provider = first_message(e.provider, &remote);
        if at_provider == e.latest {
            pushed.latest += 1;
            assert_eq!(local["sync_status"], "synced", "{local}");
            assert_eq!(local["base_hash"], local["local_hash"], "{local}");
            assert_eq!(local["local_hash"].as_str(), Some(remote_hash.as_str()), "{local}");
        } else if e.pushing.as_ref().is_some_and(|read| at_provider == read.as_str()) {
            pushed.earlier += 1;
            assert_eq!(local["sync_status"], "modified", "{local}");
            assert_eq!(local["base_hash"].as_str(), Some(remote_hash.as_str()), "{local}");
            assert_eq!(local["remote_hash"].as_str(), Some(remote_hash.as_str()), "{local}");
        } else {
            pushed.failed += 1;
            assert_ne!(
                local["base_hash"], local["local_hash"],
                "the edit is still to push: {local}"
            );
            let name = local["name"].as_str().unwrap();
            assert!(
                failures.iter().any(|(n, _)| *n == name),
                "the push's result names {name}: {report}"
            );
            // An edit made after the failure was recorded shows as modified instead.
            let edited_since = e.pushing.is_some() && local["sync_status"] == "modified";
            if !edited_since {
                assert_eq!(local["sync_status"], "error", "a failed push says so: {local}");
                let reason = local["last_error"].as_str().expect("the reason is kept");
                assert!(
                    failures.contains(&(name, reason)),
                    "the result gives {name}'s reason {reason:?}: {report}"
                );
            }
        }
    }
    pushed
}

/// The remote ids of a connection's assistants, after checking that each is there once and in
/// sync with the provider's document.
async fn check_imported(
    app: &TestApp,
    token: &str,
    sim: &SimHandle,
    account: &Account,
    connection: i64,
) -> BTreeSet<String> {
    let (_, list) = app
        .api(
            token,
            Method::GET,
            &format!("/api/v1/assistants?connection_id={connection}"),
            None,
        )
        .await;
    let mut ids = BTreeSet::new();
    for assistant in list.as_array().unwrap() {
        let remote_id = assistant["remote_id"].as_str().unwrap().to_owned();
        let doc = if account.provider == "vapi" {
            sim.vapi_assistant(account.key, &remote_id)
        } else {
            sim.elevenlabs_agent(account.key, &remote_id)
        }
        .expect("an imported assistant exists at the provider");
        assert_eq!(assistant["sync_status"], "synced", "{assistant}");
        assert_eq!(
            assistant["local_hash"].as_str(),
            Some(content_hash(account.provider, &doc).as_str())
        );
        assert!(ids.insert(remote_id), "imported twice: {assistant}");
    }
    ids
}

/// The remote ids of an account's assistants at the provider.
fn sim_assistant_ids(sim: &SimHandle, account: &Account) -> BTreeSet<String> {
    if account.provider == "vapi" {
        sim.vapi_assistants(account.key)
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    } else {
        sim.elevenlabs_agents(account.key)
            .iter()
            .map(|a| a["agent_id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// An account's calls at the provider.
struct ExpectedCalls {
    ids: BTreeSet<String>,
    /// Vapi: the sum of the calls' costs in micro-USD.
    cost_micro_usd: Option<i64>,
}

/// Every account's calls, read from the simulator's API (before any fault), by label.
async fn sim_calls(sim: &SimHandle) -> BTreeMap<&'static str, ExpectedCalls> {
    let mut all = BTreeMap::new();
    for account in &ACCOUNTS {
        let expected = if account.provider == "vapi" {
            let calls: Value = client()
                .get(format!("{}/call?limit=1000", sim.base_url()))
                .bearer_auth(account.key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let calls = calls.as_array().unwrap();
            let cost = calls
                .iter()
                .map(|c| voxhive_core::money::micros_from_number(c["cost"].as_number().unwrap()).unwrap())
                .sum();
            ExpectedCalls {
                ids: calls.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect(),
                cost_micro_usd: Some(cost),
            }
        } else {
            let mut ids = BTreeSet::new();
            let mut cursor = String::new();
            loop {
                let page: Value = client()
                    .get(format!(
                        "{}/v1/convai/conversations?page_size=100&cursor={}",
                        sim.base_url(),
                        urlencode(&cursor)
                    ))
                    .header("xi-api-key", account.key)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                for c in page["conversations"].as_array().unwrap() {
                    ids.insert(c["conversation_id"].as_str().unwrap().to_owned());
                }
                match page["next_cursor"].as_str() {
                    Some(next) if page["has_more"] == true => cursor = next.to_owned(),
                    _ => break,
                }
            }
            ExpectedCalls {
                ids,
                cost_micro_usd: None,
            }
        };
        assert!(!expected.ids.is_empty(), "{} has calls", account.label);
        all.insert(account.label, expected);
    }
    all
}

/// A connection's stored calls by provider id, after checking that none is stored twice.
async fn stored_calls(app: &TestApp, token: &str, connection: i64) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/api/v1/calls?connection={connection}&limit=200&cursor={}",
            urlencode(&cursor)
        );
        let (status, page) = app.api(token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for call in page["calls"].as_array().unwrap() {
            let id = call["remote_id"].as_str().unwrap().to_owned();
            assert!(ids.insert(id), "a call stored twice: {call}");
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return ids,
        }
    }
}

/// Usage & Cost counts every call of the connection once and, for Vapi, its cost to the micro-dollar.
async fn assert_usage(app: &TestApp, token: &str, connection: i64, expected: &ExpectedCalls) {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today.checked_sub(jiff::Span::new().days(29)).unwrap();
    let path = format!("/api/v1/usage?from={from}&to={today}&connection_id={connection}");
    let (status, usage) = app.api(token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["totals"]["calls"], expected.ids.len(), "{usage}");
    if let Some(cost) = expected.cost_micro_usd {
        assert_eq!(usage["totals"]["cost_micro_usd"], cost, "{usage}");
    }
}

/// The doctor finds the rollups equal to a recomputation from the calls.
async fn assert_rollups_match_calls(app: &TestApp) {
    let workspace = app.workspace_id("Acme").await;
    let check = app.store().recompute_rollups(workspace).await.expect("the doctor runs");
    assert!(check.is_clean(), "rollups differ from the calls: {check:?}");
}

/// Counts the provider clients' retries by the failure that caused them, from their log.
#[derive(Clone, Default)]
struct Retries(Arc<Mutex<BTreeMap<&'static str, usize>>>);

impl Retries {
    /// A subscriber for this test's thread (a `#[tokio::test]` runs every task on it) that
    /// counts retries and records nothing else.
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let only_retries = Targets::new().with_target("voxhive_providers::http", tracing::Level::WARN);
        tracing_subscriber::registry().with(self.clone().with_filter(only_retries))
    }

    fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.0.lock().unwrap().clone()
    }
}

impl<S: tracing::Subscriber> Layer<S> for Retries {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = RetryFields::default();
        event.record(&mut fields);
        if fields.message != "retrying a provider request" {
            return;
        }
        let kind = match fields.failure.as_str() {
            "Broken" => "reset",
            f if f.starts_with("Status(429") => "429",
            f if f.starts_with("Status(500") => "500",
            f if f.starts_with("Status(503") => "503",
            f if f.starts_with("Status(504") => "504",
            _ => "other",
        };
        *self.0.lock().unwrap().entry(kind).or_default() += 1;
    }
}

#[derive(Default)]
struct RetryFields {
    message: String,
    failure: String,
}

impl Visit for RetryFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "failure" => self.failure = format!("{value:?}"),
            _ => {}
        }
    }
}
