//! Reading a connection's calls from the simulator: the backfill queued when a connection is
//! added, `POST /api/v1/connections/{id}/sync-calls`, and the totals of Usage & Cost equal to the
//! simulator's own call costs to the micro-dollar.

use reqwest::StatusCode;
use serde_json::Value;
use voxhive_core::Role;

use crate::support::{client, spawn_app, spawn_sim};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];

/// Every call of the simulator's first Vapi organisation, as its API lists them.
async fn sim_calls(sim: &voxhive_sim::SimHandle) -> Vec<Value> {
    client()
        .get(format!("{}/call?limit=1000", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backfill_stores_every_call_once_with_totals_equal_to_the_simulators_costs() {
    let app = spawn_app().await;
    let sim = spawn_sim().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    // Adding the connection queues its backfill; asking again answers that job or a new one.
    let connection = app.connect(&token, "vapi", "Main", KEY, &sim.base_url()).await;
    let job = app.sync_calls(&token, connection, true).await;
    assert_eq!(job["succeeded"], true, "{job}");
    assert_eq!(job["kind"], "sync_calls");

    let expected = sim_calls(&sim).await;
    assert!(!expected.is_empty());
    let expected_cost: i64 = expected
        .iter()
        .map(|c| voxhive_core::money::micros_from_number(c["cost"].as_number().unwrap()).unwrap())
        .sum();

    // A second backfill and an incremental poll change nothing.
    let again = app.sync_calls(&token, connection, true).await;
    assert_eq!(again["result"]["created"], 0, "{again}");
    let poll = app.sync_calls(&token, connection, false).await;
    assert_eq!(poll["result"]["created"], 0, "{poll}");
    assert!(poll["summary"].as_str().unwrap().starts_with("Read "), "{poll}");

    // The simulator's calls span its last 7 days.
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today.checked_sub(jiff::Span::new().days(29)).unwrap();
    let usage: Value = client()
        .get(app.url(&format!("/api/v1/usage?from={from}&to={today}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(usage["totals"]["calls"], expected.len());
    assert_eq!(usage["totals"]["cost_micro_usd"], expected_cost, "to the micro-dollar");

    // The page shows the same total, in dollars and cents.
    let browser = app.signed_in("owner@example.com").await;
    let (status, html) = app.page(&browser, &format!("/usage?from={from}&to={today}")).await;
    assert_eq!(status, StatusCode::OK);
    let dollars = voxhive_core::money::format_usd(expected_cost);
    assert!(html.contains(&dollars), "the page shows {dollars}");

    // Settings shows where reading the calls stands, and reads them again on demand.
    let (_, html) = app.page(&browser, "/settings/providers").await;
    assert!(html.contains("All read · just now"), "{html}");
    let res = app
        .post_form(&browser, &format!("/settings/providers/{connection}/sync-calls"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&browser, "/settings/providers").await;
    assert!(html.contains("Reading the calls of &#34;Main&#34;"), "{html}");

    // Each call is stored once: the list holds every simulator call exactly once.
    let listed: Value = client()
        .get(app.url("/api/v1/calls?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids: Vec<&str> = listed["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["remote_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected_ids: Vec<&str> = expected.iter().map(|c| c["id"].as_str().unwrap()).collect();
    expected_ids.sort_unstable();
    assert_eq!(ids, expected_ids);
}

#[tokio::test]
async fn viewers_cannot_sync_and_unknown_connections_or_bad_bodies_are_refused() {
    let app = spawn_app().await;
    let sim = spawn_sim().await;
    app.add_user("owner@example.com", "Acme", Role::Owner).await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    let token = app.token_for("owner@example.com", "Acme").await;
    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let connection = app.connect(&token, "vapi", "Main", KEY, &sim.base_url()).await;
    let post = |token: &str, id: i64, body: &'static str| {
        client()
            .post(app.url(&format!("/api/v1/connections/{id}/sync-calls")))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(
        post(&viewer, connection, "{}").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&token, connection + 100, "{}").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let res = post(&token, connection, "{\"backfill\": \"yes\"}").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["field"], "backfill");
    // No body at all is a poll.
    assert_eq!(
        post(&token, connection, "").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
}
