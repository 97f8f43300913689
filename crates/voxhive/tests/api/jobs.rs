//! Imports and bulk pushes as background jobs: followed through the API (`Prefer:
//! respond-async`, `/api/v1/jobs/{id}`), pushed in bulk, watched live by the page as
//! server-sent events, and imported as a chosen set.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{location, spawn_app, spawn_sim, TestApp};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

/// The API's OpenAPI document.
async fn openapi(app: &TestApp) -> Value {
    reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls `/api/v1/jobs/{id}` until the job has finished.
async fn finished_job(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let job: Value = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/jobs/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["finished"] == true {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish within 30 s");
}

#[tokio::test]
async fn an_import_asked_to_respond_async_answers_202_and_is_followed_to_its_result() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let connection = app.connect(&token, "vapi", "Main", KEY, &sim.base_url()).await;
    let http = reqwest::Client::new();

    let res = http
        .post(app.url(&format!("/api/v1/connections/{connection}/import")))
        .bearer_auth(&token)
        .header("Prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let job: Value = res.json().await.unwrap();
    let doc = openapi(&app).await;
    assert_matches_schema(
        &doc,
        &response_schema(&doc, "/connections/{id}/import", "post", "202"),
        &job,
    );
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["kind"], "import_assistants");
    assert_eq!(job["finished"], false);

    let done = finished_job(&app, &token, id).await;
    assert_matches_schema(&doc, &response_schema(&doc, "/jobs/{id}", "get", "200"), &done);
    let count = sim.vapi_assistants(KEY).len();
    assert_eq!(done["status"], "done");
    assert_eq!(done["succeeded"], true);
    assert_eq!(done["result"]["created"], count);
    assert_eq!(
        (done["progress"].as_u64(), done["total"].as_u64()),
        (Some(count as u64), Some(count as u64))
    );
    assert!(done["summary"].as_str().unwrap().contains(&format!("{count} new")));

    let other = app.token_for("other@example.com", "Other").await;
    let res = http
        .get(app.url(&format!("/api/v1/jobs/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a job belongs to its workspace");

    // Without the preference, the answer waits for the job and is its result.
    let again: Value = http
        .post(app.url(&format!("/api/v1/connections/{connection}/import")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(count as u64))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bulk_push_through_the_api_pushes_each_and_names_what_it_could_not() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    app.connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(app.url("/api/v1/assistants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let picked: Vec<&Value> = list.as_array().unwrap().iter().take(2).collect();
    for (i, a) in picked.iter().enumerate() {
        let res = http
            .patch(app.url(&format!("/api/v1/assistants/{}", a["id"])))
            .bearer_auth(&token)
            .json(&json!({"firstMessage": format!("Bulk {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let conflicted = picked[1];
    sim.vapi_edit_assistant(
        KEY,
        conflicted["remote_id"].as_str().unwrap(),
        json!({"firstMessage": "At Vapi"}),
    )
    .unwrap();
    let ids: Vec<i64> = picked.iter().map(|a| a["id"].as_i64().unwrap()).collect();

    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let push = app.url("/api/v1/assistants/push");
    let res = http
        .post(&push)
        .bearer_auth(&viewer)
        .json(&json!({"ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = http
        .post(&push)
        .bearer_auth(&token)
        .json(&json!({"ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = http
        .post(&push)
        .bearer_auth(&token)
        .json(&json!({"ids": [ids[0], 999_999]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "an id of no assistant here pushes nothing"
    );
    let untouched = sim
        .vapi_assistant(KEY, picked[0]["remote_id"].as_str().unwrap())
        .unwrap();
    assert_ne!(untouched["firstMessage"], "Bulk 0", "a refused bulk push sends nothing");

    let res = http
        .post(&push)
        .bearer_auth(&token)
        .json(&json!({"ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let doc = openapi(&app).await;
    assert_matches_schema(&doc, &response_schema(&doc, "/assistants/push", "post", "200"), &report);
    assert_eq!(report["pushed"], 1);
    assert_eq!(report["conflicts"], json!([conflicted["name"]]));
    let remote = sim
        .vapi_assistant(KEY, picked[0]["remote_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(remote["firstMessage"], "Bulk 0");
    let remote = sim
        .vapi_assistant(KEY, conflicted["remote_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(remote["firstMessage"], "At Vapi", "a conflict is never overwritten");
    app.stop().await;
}

#[tokio::test]
async fn the_list_page_follows_an_import_live_and_imports_a_chosen_set() {
    let sim = spawn_sim().await;
    let app = spawn_app().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("other@example.com", "Other", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let connection = app
        .connect(&token, "vapi", "Main", KEY, &sim.base_url())
        .await
        .to_string();
    let owner = app.signed_in("owner@example.com").await;
    let remote = sim.vapi_assistants(KEY);

    // A chosen set: the page lists what the provider has, each one to tick.
    let (status, page) = app
        .page(&owner, &format!("/assistants/import?connection_id={connection}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for a in &remote {
        assert!(page.contains(a["id"].as_str().unwrap()), "{} is offered", a["id"]);
    }
    let res = app
        .post_form(
            &owner,
            "/assistants/import",
            &[("connection_id", &connection), ("scope", "chosen")],
        )
        .await;
    let back = location(&res);
    assert!(
        back.starts_with("/assistants/import?"),
        "choosing nothing goes back to the choice: {back}"
    );
    let chosen: Vec<&str> = remote.iter().take(2).map(|a| a["id"].as_str().unwrap()).collect();
    let res = app
        .post_form(
            &owner,
            "/assistants/import",
            &[
                ("connection_id", &connection),
                ("scope", "chosen"),
                ("remote_ids", chosen[0]),
                ("remote_ids", chosen[1]),
            ],
        )
        .await;
    let path = location(&res);
    let job = path.rsplit_once("job=").unwrap().1.to_string();

    // The progress arrives as server-sent events, the last one when the job has finished.
    let events = owner.get(app.url(&format!("/jobs/{job}/events"))).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert!(events.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let stream = tokio::time::timeout(Duration::from_secs(30), events.text())
        .await
        .expect("the event stream ends when the job has finished")
        .unwrap();
    assert!(stream.contains("event: progress"), "{stream}");
    let last: Value = serde_json::from_str(
        stream
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .next_back()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (last["status"].as_str(), last["finished"].as_bool()),
        (Some("done"), Some(true))
    );
    assert_eq!(last["result"]["created"], 2);

    let page = app.page_after_job(&owner, &res).await;
    assert!(
        page.contains("Import finished") && page.contains(": 2 new, 0 updated from the provider"),
        "{page}"
    );
    let names: Vec<String> = app
        .store()
        .assistants(1, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.remote_id)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(chosen.iter().all(|id| names.contains(&id.to_string())));

    let other = app.signed_in("other@example.com").await;
    let res = other.get(app.url(&format!("/jobs/{job}/events"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (_, theirs) = app.page(&other, &format!("/assistants?job={job}")).await;
    assert!(
        !theirs.contains("Import finished"),
        "another workspace's job is not shown"
    );
    app.stop().await;
}
