//! `/v1/convai/tools`: workspace tools (webhook, client, system, mcp); list, create, get, update, delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Workspace;
use super::error::{ElError, ElResult, Invalid};
use super::page::page;
use super::validate::{check, page_size, parse, Spec, Ty};
use crate::app::AppState;
use crate::ids;
use crate::seed::elevenlabs_agent::access_info;
use crate::state::find;

/// Tool routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convai/tools", get(list_tools).post(create_tool))
        .route(
            "/convai/tools/{id}",
            get(show_tool).patch(update_tool).delete(delete_tool),
        )
}

const REQUEST: &[Spec] = &[
    ("tool_config", Ty::Dict, true, false),
    ("response_mocks", Ty::List, false, true),
];

fn not_found(id: &str) -> ElError {
    ElError::not_found("tool_not_found", format!("Tool {id} not found"))
}

/// Checks `tool_config`: a known `type`, and `name` and `description` for webhook and client tools.
fn check_config(body: &Value) -> ElResult<()> {
    check(body, REQUEST)?;
    let config = &body["tool_config"];
    let kind = config["type"].as_str().unwrap_or("webhook");
    if !["webhook", "client", "system", "mcp"].contains(&kind) {
        return Err(ElError::validation(vec![Invalid {
            loc: vec!["body".into(), "tool_config".into()],
            msg: "Input tag does not match any of the expected tags: 'webhook', 'client', 'system', 'mcp'".into(),
            kind: "union_tag_invalid",
            input: config.clone(),
        }]));
    }
    let mut specs: Vec<Spec> = vec![
        ("name", Ty::Str, true, false),
        ("description", Ty::Str, kind != "system", false),
    ];
    if kind == "webhook" {
        specs.push(("api_schema", Ty::Dict, true, false));
    }
    check(config, &specs).map_err(|_| {
        let missing: Vec<Invalid> = specs
            .iter()
            .filter(|(name, _, required, _)| *required && !config[*name].is_string() && !config[*name].is_object())
            .map(|(name, ..)| Invalid {
                loc: vec!["body".into(), "tool_config".into(), kind.into(), (*name).into()],
                msg: "Field required".into(),
                kind: "missing",
                input: config.clone(),
            })
            .collect();
        ElError::validation(missing)
    })
}

async fn list_tools(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Query(params): Query<HashMap<String, String>>,
) -> ElResult<Json<Value>> {
    let size = page_size(&params)?;
    let world = sim.world();
    let items = world.elevenlabs[ws]
        .tools
        .iter()
        .enumerate()
        .map(|(i, t)| (i as i64, t["id"].as_str().unwrap_or_default().to_owned(), t.clone()))
        .collect();
    let (tools, next_cursor, has_more) = page(items, params.get("cursor").map(String::as_str), size);
    Ok(Json(
        json!({"tools": tools, "next_cursor": next_cursor, "has_more": has_more}),
    ))
}

async fn create_tool(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check_config(&body)?;
    let mut world = sim.world();
    let id = ids::prefixed(&mut world.rng, "tool");
    let account = &mut world.elevenlabs[ws];
    let mut config = body["tool_config"].clone();
    if config.get("type").is_none() {
        config["type"] = json!("webhook");
    }
    let doc = json!({
        "id": id, "tool_config": config, "access_info": access_info(&account.name),
        "usage_stats": {"total_calls": 0, "avg_latency_secs": 0.0},
        "response_mocks": body.get("response_mocks").cloned().unwrap_or(Value::Null),
    });
    account.tools.push(doc.clone());
    Ok(Json(doc))
}

async fn show_tool(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let tools = &world.elevenlabs[ws].tools;
    let i = find(tools, "id", &id).ok_or_else(|| not_found(&id))?;
    Ok(Json(tools[i].clone()))
}

async fn update_tool(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
    body: Bytes,
) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check_config(&body)?;
    let mut world = sim.world();
    let tools = &mut world.elevenlabs[ws].tools;
    let i = find(tools, "id", &id).ok_or_else(|| not_found(&id))?;
    tools[i]["tool_config"] = body["tool_config"].clone();
    Ok(Json(tools[i].clone()))
}

async fn delete_tool(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let mut world = sim.world();
    let tools = &mut world.elevenlabs[ws].tools;
    let i = find(tools, "id", &id).ok_or_else(|| not_found(&id))?;
    tools.remove(i);
    Ok(Json(json!({})))
}
