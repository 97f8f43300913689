//! Phone numbers through the JSON API and the pages, against the simulator over HTTP: read with
//! their calls of the last 30 days; bought, assigned, reassigned and released; a Twilio import
//! refused for a wrong token (the provider's words, nothing stored); bad input refused with the
//! field named before anything is sent; audit entries; viewers kept out.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{client, csrf_from, spawn_app, spawn_sim, TestApp};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const OWNER: &str = "owner@example.com";

/// The numbers the simulator's first Vapi organisation holds, as its API lists them.
async fn sim_numbers(sim: &voxhive_sim::SimHandle) -> Vec<Value> {
    client()
        .get(format!("{}/phone-number", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// One number of the simulator's organisation, if it still holds it.
async fn sim_number(sim: &voxhive_sim::SimHandle, remote_id: &str) -> Option<Value> {
    sim_numbers(sim).await.into_iter().find(|n| n["id"] == remote_id)
}

/// An owner with a Vapi connection "Main" to the simulator, its assistants imported.
async fn setup() -> (TestApp, voxhive_sim::SimHandle, String, i64) {
    let app = spawn_app().await;
    let sim = spawn_sim().await;
    app.add_user(OWNER, "Acme", Role::Owner).await;
    let token = app.token_for(OWNER, "Acme").await;
    let connection = app
        .connect_and_import(&token, "vapi", "Main", KEY, &sim.base_url())
        .await;
    (app, sim, token, connection)
}

async fn numbers(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, list) = app.api(token, Method::GET, "/api/v1/phone-numbers", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn numbers_are_listed_with_their_assistant_and_the_calls_and_cost_of_30_days() {
    let (app, sim, token, connection) = setup().await;
    let job = app.sync_calls(&token, connection, true).await;
    assert_eq!(job["succeeded"], true, "{job}");
    let (status, refreshed) = app
        .api(&token, Method::POST, "/api/v1/phone-numbers/refresh", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refreshed, json!([{"connection": "Main", "count": 2, "error": null}]));

    let doc = app.openapi().await;
    let (_, list) = app.api(&token, Method::GET, "/api/v1/phone-numbers", None).await;
    assert_matches_schema(&doc, &response_schema(&doc, "/phone-numbers", "get", "200"), &list);
    let listed = list.as_array().unwrap();
    let at_sim = sim_numbers(&sim).await;
    assert_eq!(listed.len(), at_sim.len());
    let calls: Vec<Value> = client()
        .get(format!("{}/call?limit=1000", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for number in listed {
        let remote = number["remote_id"].as_str().unwrap();
        let expected = calls.iter().filter(|c| c["phoneNumberId"] == remote).count();
        assert_eq!(number["calls_30d"], json!(expected), "{number}");
        assert_eq!(
            number["cost_30d_micro_usd"].as_i64().unwrap() > 0,
            expected > 0,
            "{number}"
        );
        assert!(
            !number.to_string().contains("twilioAuthToken"),
            "no credential leaves VoxHive"
        );
    }
    // The simulator's main line answers with an imported assistant: VoxHive names it.
    let main_line = listed.iter().find(|n| n["name"] == "Main line").unwrap();
    assert!(main_line["assistant_id"].is_i64(), "{main_line}");
    assert!(main_line["assistant_name"].is_string(), "{main_line}");

    // Scoped by connection, and the page shows the same numbers.
    let (_, scoped) = app
        .api(
            &token,
            Method::GET,
            &format!("/api/v1/phone-numbers?connection_id={}", connection + 1000),
            None,
        )
        .await;
    assert_eq!(scoped, json!([]));
    let browser = app.signed_in(OWNER).await;
    let (status, html) = app.page(&browser, "/phone-numbers").await;
    assert_eq!(status, StatusCode::OK);
    for number in listed {
        assert!(html.contains(number["number"].as_str().unwrap()), "{number}");
    }
    assert!(html.contains(main_line["assistant_name"].as_str().unwrap()));
    app.stop().await;
}

#[tokio::test]
async fn a_number_is_bought_assigned_reassigned_and_released_at_the_provider() {
    let (app, sim, token, connection) = setup().await;
    let doc = app.openapi().await;
    let before = sim_numbers(&sim).await.len();
    let path = format!("/api/v1/connections/{connection}/phone-numbers");

    let (status, bought) = app
        .api(
            &token,
            Method::POST,
            &path,
            Some(json!({"kind": "buy", "area_code": "212", "name": "NYC office"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_matches_schema(
        &doc,
        &response_schema(&doc, "/connections/{id}/phone-numbers", "post", "201"),
        &bought,
    );
    assert!(bought["number"].as_str().unwrap().starts_with("+1212"), "{bought}");
    assert_eq!(
        (bought["carrier"].as_str(), bought["name"].as_str()),
        (Some("vapi"), Some("NYC office"))
    );
    assert_eq!(sim_numbers(&sim).await.len(), before + 1);
    let number_path = format!("/api/v1/phone-numbers/{}", bought["id"]);
    let remote_id = bought["remote_id"].as_str().unwrap().to_owned();

    // Assign an imported assistant, then reassign to another.
    let (_, assistants) = app.api(&token, Method::GET, "/api/v1/assistants", None).await;
    let assistants = assistants.as_array().unwrap();
    let (first, second) = (&assistants[0], &assistants[1]);
    let (status, assigned) = app
        .api(
            &token,
            Method::PATCH,
            &number_path,
            Some(json!({"assistant_id": first["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["assistant_id"], first["id"]);
    assert_eq!(
        sim_number(&sim, &remote_id).await.unwrap()["assistantId"],
        first["remote_id"]
    );
    let (_, reassigned) = app
        .api(
            &token,
            Method::PATCH,
            &number_path,
            Some(json!({"assistant_id": second["id"], "server_url": "https://hooks.example.com/vapi", "name": "NYC"})),
        )
        .await;
    assert_eq!(reassigned["assistant_name"], second["name"]);
    assert_eq!(reassigned["server_url"], "https://hooks.example.com/vapi");
    assert_eq!(reassigned["name"], "NYC");
    let remote = sim_number(&sim, &remote_id).await.unwrap();
    assert_eq!(remote["assistantId"], second["remote_id"]);
    assert_eq!(remote["server"]["url"], "https://hooks.example.com/vapi");

    // A squad replaces the assistant; null clears the server URL; fields left out stay.
    let (_, squad) = app
        .api(
            &token,
            Method::PATCH,
            &number_path,
            Some(json!({"squad_id": "squad-42", "server_url": null})),
        )
        .await;
    assert_eq!(
        (
            &squad["squad_id"],
            &squad["assistant_id"],
            &squad["server_url"],
            &squad["name"]
        ),
        (&json!("squad-42"), &Value::Null, &Value::Null, &json!("NYC"))
    );
    let remote = sim_number(&sim, &remote_id).await.unwrap();
    assert_eq!(
        (remote.get("assistantId"), remote.get("server")),
        (None, None),
        "{remote}"
    );

    // Released at the provider, then forgotten.
    let (status, _) = app.api(&token, Method::DELETE, &number_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(sim_number(&sim, &remote_id).await.is_none());
    assert_eq!(
        app.api(&token, Method::GET, &number_path, None).await.0,
        StatusCode::NOT_FOUND
    );

    let audit = audit_actions(&app).await;
    for action in ["phone_number.buy", "phone_number.change", "phone_number.release"] {
        assert!(audit.iter().any(|a| a == action), "{action} in {audit:?}");
    }
    app.stop().await;
}

/// The audit log's actions, oldest first.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    let ws = app.workspace_id("Acme").await;
    app.store()
        .audit_entries(ws, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn refusals_name_the_field_or_the_providers_reason_and_store_nothing() {
    let (app, sim, token, connection) = setup().await;
    let path = format!("/api/v1/connections/{connection}/phone-numbers");
    let before_sim = sim_numbers(&sim).await.len();
    let before = numbers(&app, &token).await.len();
    let sid = format!("AC{}", "0123456789abcdef".repeat(2));
    let cases = [
        (
            json!({"kind": "buy", "area_code": "41"}),
            StatusCode::BAD_REQUEST,
            "area_code",
        ),
        (json!({"kind": "buy"}), StatusCode::BAD_REQUEST, "area_code"),
        (json!({"kind": "sell"}), StatusCode::BAD_REQUEST, "kind"),
        (
            json!({"kind": "twilio", "number": "415 555 0100", "account_sid": sid, "auth_token": "x"}),
            StatusCode::BAD_REQUEST,
            "number",
        ),
        (
            json!({"kind": "twilio", "number": "+14155550100", "account_sid": "SK123", "auth_token": "x"}),
            StatusCode::BAD_REQUEST,
            "account_sid",
        ),
        (
            json!({"kind": "buy", "area_code": "212", "name": "x".repeat(41)}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
    ];
    for (body, status, field) in cases {
        let (got, error) = app.api(&token, Method::POST, &path, Some(body.clone())).await;
        assert_eq!(got, status, "{body} → {error}");
        assert_eq!(error["error"]["field"], field, "{body} → {error}");
    }
    // The provider's refusals: an area code with no numbers, Twilio credentials refused.
    let (status, error) = app
        .api(
            &token,
            Method::POST,
            &path,
            Some(json!({"kind": "buy", "area_code": "011"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("area code 011"),
        "{error}"
    );
    let wrong_token = json!({"kind": "twilio", "number": "+14155550100", "account_sid": sid, "auth_token": "wrong"});
    let (status, error) = app.api(&token, Method::POST, &path, Some(wrong_token)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("Twilio"),
        "{error}"
    );
    assert_eq!(numbers(&app, &token).await.len(), before, "nothing stored");
    assert_eq!(
        sim_numbers(&sim).await.len(),
        before_sim,
        "nothing made at the provider"
    );

    // A change with a bad server URL or an assistant of nowhere: named, nothing sent.
    let number = &numbers(&app, &token).await[0];
    let number_path = format!("/api/v1/phone-numbers/{}", number["id"]);
    let (status, error) = app
        .api(
            &token,
            Method::PATCH,
            &number_path,
            Some(json!({"server_url": "ftp://x.test"})),
        )
        .await;
    assert_eq!(
        (status, &error["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("server_url"))
    );
    let (status, error) = app
        .api(
            &token,
            Method::PATCH,
            &number_path,
            Some(json!({"assistant_id": 987_654})),
        )
        .await;
    assert_eq!(
        (status, &error["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("assistant_id"))
    );

    // The page shows the same refusal as a flash above the forms.
    let browser = app.signed_in(OWNER).await;
    let (_, html) = app.page(&browser, "/phone-numbers").await;
    let res = browser
        .post(app.url("/phone-numbers"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("kind", "twilio"),
            ("connection_id", &connection.to_string()),
            ("number", "+14155550100"),
            ("account_sid", &sid),
            ("auth_token", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("Twilio"), "the provider's reason is shown");
    assert!(
        html.contains("+14155550100") && html.contains(&sid),
        "what was typed is kept"
    );
    assert!(!html.contains("wrong"), "the token typed is not echoed");
    app.stop().await;
}

#[tokio::test]
async fn viewers_see_numbers_but_cannot_change_them() {
    let (app, _sim, _token, connection) = setup().await;
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    let viewer = app.token_for("viewer@example.com", "Acme").await;
    assert_eq!(numbers(&app, &viewer).await.len(), 2);
    let buy = json!({"kind": "buy", "area_code": "212"});
    let path = format!("/api/v1/connections/{connection}/phone-numbers");
    assert_eq!(
        app.api(&viewer, Method::POST, &path, Some(buy)).await.0,
        StatusCode::FORBIDDEN
    );
    let id = numbers(&app, &viewer).await[0]["id"].clone();
    let number_path = format!("/api/v1/phone-numbers/{id}");
    assert_eq!(
        app.api(&viewer, Method::DELETE, &number_path, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(&viewer, Method::POST, "/api/v1/phone-numbers/refresh", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let browser = app.signed_in("viewer@example.com").await;
    let (_, html) = app.page(&browser, "/phone-numbers").await;
    assert!(!html.contains("Buy a Vapi number") && !html.contains("Refresh from providers"));
    app.stop().await;
}
