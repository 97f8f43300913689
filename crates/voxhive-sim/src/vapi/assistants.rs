//! `/assistant`: list, create, get, update (top-level fields replaced whole) and delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::auth::Org;
use super::error::{VapiError, VapiResult};
use super::fields::{CREATE_ASSISTANT, UPDATE_ASSISTANT};
use super::query::ListQuery;
use super::validate::{check, parse, require_nested};
use crate::app::AppState;
use crate::ids;
use crate::state::find;
use crate::time::{iso, now};

/// Assistant routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assistant", get(list_assistants).post(create_assistant))
        .route(
            "/assistant/{id}",
            get(show_assistant).patch(update_assistant).delete(delete_assistant),
        )
}

/// Checks an assistant body: whitelist, types, and the required keys of model, voice and transcriber.
pub fn check_assistant<'a>(body: &'a Value, fields: &[super::fields::Field]) -> VapiResult<&'a Map<String, Value>> {
    let map = check(body, fields)?;
    let mut errors = Vec::new();
    require_nested(map, "model", &["provider", "model"], &mut errors);
    require_nested(map, "voice", &["provider", "voiceId"], &mut errors);
    require_nested(map, "transcriber", &["provider"], &mut errors);
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(VapiError::validation(errors))
    }
}

async fn list_assistants(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    let query = ListQuery::parse(&params, &[])?;
    Ok(Json(json!(query.apply(&sim.world().vapi[org].assistants))))
}

async fn create_assistant(
    State(sim): State<AppState>,
    Org(org): Org,
    body: Bytes,
) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let fields = check_assistant(&body, CREATE_ASSISTANT)?;
    let mut world = sim.world();
    let id = ids::uuid(&mut world.rng);
    let at = iso(now());
    let account = &mut world.vapi[org];
    let mut doc = json!({"id": id, "orgId": account.org_id, "createdAt": at, "updatedAt": at});
    doc.as_object_mut().expect("object").extend(fields.clone());
    account.assistants.push(doc.clone());
    Ok((StatusCode::CREATED, Json(doc)))
}

async fn show_assistant(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let world = sim.world();
    let docs = &world.vapi[org].assistants;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Assistant"))?;
    Ok(Json(docs[i].clone()))
}

async fn update_assistant(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let fields = check_assistant(&body, UPDATE_ASSISTANT)?;
    let mut world = sim.world();
    let docs = &mut world.vapi[org].assistants;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Assistant"))?;
    let doc = docs[i].as_object_mut().expect("object");
    doc.extend(fields.clone());
    doc.insert("updatedAt".into(), json!(iso(now())));
    Ok(Json(docs[i].clone()))
}

async fn delete_assistant(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let docs = &mut world.vapi[org].assistants;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Assistant"))?;
    Ok(Json(docs.remove(i)))
}
