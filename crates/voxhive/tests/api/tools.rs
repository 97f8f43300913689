//! Tools through the JSON API and the pages, against the simulator over HTTP: read with the
//! assistants using each; created (and refused when the parameters are not a JSON Schema, nothing
//! sent); changed; attached to an assistant as a local edit that a push sends; deleted, refused
//! while in use unless detaching it from every assistant is confirmed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{client, csrf_from, location, spawn_app, spawn_sim, TestApp};

const KEY: &str = voxhive_sim::DEFAULT_VAPI_KEYS[0];
const OWNER: &str = "owner@example.com";

async fn sim_tools(sim: &voxhive_sim::SimHandle) -> Vec<Value> {
    client()
        .get(format!("{}/tool", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

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

fn function_tool(name: &str) -> Value {
    json!({
        "type": "function",
        "function": {"name": name, "description": "Books a slot.",
                     "parameters": {"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]}},
        "server": {"url": "https://hooks.example.com/tools"},
        "messages": [{"type": "request-start", "content": "One moment."}],
    })
}

#[tokio::test]
async fn tools_are_listed_with_the_assistants_that_use_them() {
    let (app, sim, token, _) = setup().await;
    let doc = app.openapi().await;
    let (status, list) = app.api(&token, Method::GET, "/api/v1/tools", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_matches_schema(&doc, &response_schema(&doc, "/tools", "get", "200"), &list);
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), sim_tools(&sim).await.len());
    // Every assistant whose model attaches a tool is named under it, and no other.
    for tool in listed {
        let remote = tool["remote_id"].as_str().unwrap();
        let mut expected: Vec<String> = sim
            .vapi_assistants(KEY)
            .iter()
            .filter(|a| {
                a["model"]["toolIds"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i == remote))
            })
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        let named: Vec<String> = tool["used_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(named, expected, "{tool}");
    }
    assert!(listed.iter().any(|t| !t["used_by"].as_array().unwrap().is_empty()));
    let (_, page) = app.page(&app.signed_in(OWNER).await, "/tools").await;
    assert!(page.contains("check_availability"), "the page lists the tools");
    app.stop().await;
}

#[tokio::test]
async fn a_tool_is_created_attached_pushed_and_deleted_only_once_detached_everywhere() {
    let (app, sim, token, connection) = setup().await;
    let doc = app.openapi().await;
    let before = sim_tools(&sim).await.len();

    // Parameters that are not a JSON Schema: refused with the field named, nothing sent.
    let mut bad = function_tool("book");
    bad["function"]["parameters"]["properties"]["day"]["type"] = json!("text");
    let (status, error) = app
        .api(
            &token,
            Method::POST,
            "/api/v1/tools",
            Some(json!({"connection_id": connection, "document": bad})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["error"]["field"]
            .as_str()
            .unwrap()
            .starts_with("/function/parameters"),
        "{error}"
    );
    assert_eq!(sim_tools(&sim).await.len(), before);

    let (status, created) = app
        .api(
            &token,
            Method::POST,
            "/api/v1/tools",
            Some(json!({"connection_id": connection, "document": function_tool("book_appointment")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_matches_schema(&doc, &response_schema(&doc, "/tools", "post", "201"), &created);
    assert_eq!(
        (created["kind"].as_str(), created["name"].as_str()),
        (Some("function"), Some("book_appointment"))
    );
    let remote_id = created["remote_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tools/{}", created["id"]);

    // Changed at the provider.
    let mut changed = created["document"].clone();
    changed["function"]["description"] = json!("Books an appointment.");
    // A field left out is cleared at the provider, not kept.
    changed.as_object_mut().unwrap().remove("server");
    let (status, after) = app
        .api(&token, Method::PATCH, &path, Some(json!({"document": changed})))
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let at_sim = sim_tools(&sim)
        .await
        .into_iter()
        .find(|t| t["id"] == remote_id.as_str())
        .unwrap();
    assert_eq!(at_sim["function"]["description"], "Books an appointment.");
    assert_eq!(at_sim.get("server"), None, "{at_sim}");
    assert_eq!(after["server_url"], Value::Null);

    // Attached from the tool's page: a local edit of the assistant, sent by its push.
    let (_, assistants) = app.api(&token, Method::GET, "/api/v1/assistants", None).await;
    let assistant = assistants[0].clone();
    let browser = app.signed_in(OWNER).await;
    let tool_page = format!("/tools/{}", created["id"]);
    let (_, html) = app.page(&browser, &tool_page).await;
    let res = browser
        .post(app.url(&format!("{tool_page}/attach")))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("assistant_id", &assistant["id"].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/assistants/{}", assistant["id"]));
    let (_, attached) = app.api(&token, Method::GET, &path, None).await;
    assert_eq!(attached["used_by"][0]["assistant_id"], assistant["id"]);
    let remote_assistant = assistant["remote_id"].as_str().unwrap();
    let tool_ids =
        |sim: &voxhive_sim::SimHandle| sim.vapi_assistant(KEY, remote_assistant).unwrap()["model"]["toolIds"].clone();
    assert!(
        !tool_ids(&sim)
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == remote_id.as_str()),
        "not pushed yet"
    );
    let (status, _) = app
        .api(
            &token,
            Method::POST,
            &format!("/api/v1/assistants/{}/push", assistant["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        tool_ids(&sim)
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == remote_id.as_str()),
        "pushed"
    );

    // In use: refused with the assistant named; confirmed, it is detached (pushed) and deleted.
    let (status, refused) = app.api(&token, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(assistant["name"].as_str().unwrap()),
        "{refused}"
    );
    assert!(sim_tools(&sim).await.iter().any(|t| t["id"] == remote_id.as_str()));
    let (status, _) = app
        .api(&token, Method::DELETE, &format!("{path}?detach=true"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!sim_tools(&sim).await.iter().any(|t| t["id"] == remote_id.as_str()));
    assert!(
        !tool_ids(&sim)
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == remote_id.as_str()),
        "detached at Vapi"
    );
    assert_eq!(app.api(&token, Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);

    // Viewers read, but do not change.
    app.add_user("viewer@example.com", "Acme", Role::Viewer).await;
    let viewer = app.token_for("viewer@example.com", "Acme").await;
    let body = json!({"connection_id": connection, "document": function_tool("other")});
    assert_eq!(
        app.api(&viewer, Method::POST, "/api/v1/tools", Some(body)).await.0,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}
