//! `/tool`: create by `type` (function, endCall, transferCall, apiRequest checked field by field), list, get, update, delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Org;
use super::error::{VapiError, VapiResult};
use super::fields::*;
use super::query::ListQuery;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::ids;
use crate::state::find;
use crate::time::{iso, now};

/// Tool routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tool", get(list_tools).post(create_tool))
        .route("/tool/{id}", get(show_tool).patch(update_tool).delete(delete_tool))
}

fn fields_for(kind: Option<&str>, update: bool) -> VapiResult<&'static [Field]> {
    Ok(match (kind, update) {
        (Some("function"), false) => CREATE_FUNCTION_TOOL,
        (Some("function"), true) => UPDATE_FUNCTION_TOOL,
        (Some("endCall"), false) => CREATE_END_CALL_TOOL,
        (Some("endCall"), true) => UPDATE_END_CALL_TOOL,
        (Some("transferCall"), false) => CREATE_TRANSFER_CALL_TOOL,
        (Some("transferCall"), true) => UPDATE_TRANSFER_CALL_TOOL,
        (Some("apiRequest"), false) => CREATE_API_REQUEST_TOOL,
        (Some("apiRequest"), true) => UPDATE_API_REQUEST_TOOL,
        _ => {
            return Err(VapiError::validation(vec![
                "type must be one of the following values: apiRequest, endCall, function, transferCall (the simulator's supported tool types)".into(),
            ]))
        }
    })
}

async fn list_tools(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    let query = ListQuery::parse(&params, &[])?;
    Ok(Json(json!(query.apply(&sim.world().vapi[org].tools))))
}

async fn create_tool(State(sim): State<AppState>, Org(org): Org, body: Bytes) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let fields = check(&body, fields_for(body["type"].as_str(), false)?)?;
    let mut world = sim.world();
    let id = ids::uuid(&mut world.rng);
    let at = iso(now());
    let mut doc =
        json!({"id": id, "orgId": world.vapi[org].org_id, "createdAt": at, "updatedAt": at, "latestVersion": null});
    doc.as_object_mut().expect("object").extend(fields.clone());
    world.vapi[org].tools.push(doc.clone());
    Ok((StatusCode::CREATED, Json(doc)))
}

async fn show_tool(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let world = sim.world();
    let docs = &world.vapi[org].tools;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Tool"))?;
    Ok(Json(docs[i].clone()))
}

async fn update_tool(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let mut world = sim.world();
    let docs = &mut world.vapi[org].tools;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Tool"))?;
    let fields = check(&body, fields_for(docs[i]["type"].as_str(), true)?)?;
    let doc = docs[i].as_object_mut().expect("object");
    for (key, value) in fields {
        // null clears an optional field (class-validator's IsOptional).
        if value.is_null() {
            doc.remove(key);
        } else {
            doc.insert(key.clone(), value.clone());
        }
    }
    doc.insert("updatedAt".into(), json!(iso(now())));
    Ok(Json(docs[i].clone()))
}

async fn delete_tool(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let docs = &mut world.vapi[org].tools;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Tool"))?;
    Ok(Json(docs.remove(i)))
}
