//! `/v1/convai/phone-numbers`: import a Twilio number, list (a bare array), get, assign an agent, delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Workspace;
use super::error::{ElError, ElResult};
use super::validate::{check, parse, Spec, Ty};
use crate::app::AppState;
use crate::ids;
use crate::state::find;

/// Phone-number routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convai/phone-numbers", get(list_numbers).post(import_number))
        .route(
            "/convai/phone-numbers/{id}",
            get(show_number).patch(update_number).delete(delete_number),
        )
}

const IMPORT: &[Spec] = &[
    ("phone_number", Ty::Str, true, false),
    ("label", Ty::Str, true, false),
    ("sid", Ty::Str, true, false),
    ("token", Ty::Str, true, false),
    ("agent_id", Ty::Str, false, true),
    ("supports_inbound", Ty::Bool, false, false),
    ("supports_outbound", Ty::Bool, false, false),
];
const UPDATE: &[Spec] = &[("agent_id", Ty::Str, false, true), ("label", Ty::Str, false, true)];

fn not_found(id: &str) -> ElError {
    ElError::not_found("phone_number_not_found", format!("Phone number {id} not found"))
}

fn assigned(agents: &[Value], agent_id: &str) -> ElResult<Value> {
    let i = find(agents, "agent_id", agent_id)
        .ok_or_else(|| ElError::not_found("agent_not_found", format!("Agent {agent_id} not found")))?;
    Ok(json!({"agent_id": agent_id, "agent_name": agents[i]["name"]}))
}

async fn list_numbers(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Query(params): Query<HashMap<String, String>>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let numbers: Vec<Value> = world.elevenlabs[ws]
        .phone_numbers
        .iter()
        .filter(|p| {
            params
                .get("agent_id")
                .is_none_or(|a| p["assigned_agent"]["agent_id"].as_str() == Some(a))
        })
        .filter(|p| params.get("provider").is_none_or(|v| p["provider"].as_str() == Some(v)))
        .cloned()
        .collect();
    Ok(Json(Value::Array(numbers)))
}

async fn import_number(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    if body["provider"].as_str().is_some_and(|p| p != "twilio") {
        return Err(ElError::bad_request(
            "invalid_provider_config",
            "The simulator imports Twilio numbers only.",
        ));
    }
    check(&body, IMPORT)?;
    let sid = body["sid"].as_str().unwrap_or_default();
    let token = body["token"].as_str().unwrap_or_default();
    let hex32 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !(sid.strip_prefix("AC").is_some_and(hex32) && hex32(token)) {
        return Err(ElError::bad_request(
            "invalid_twilio_credentials",
            "Twilio rejected the account SID and auth token.",
        ));
    }
    let mut world = sim.world();
    let id = ids::prefixed(&mut world.rng, "phnum");
    let account = &mut world.elevenlabs[ws];
    let agent = match body["agent_id"].as_str() {
        Some(agent_id) => assigned(&account.agents, agent_id)?,
        None => Value::Null,
    };
    account.phone_numbers.push(json!({
        "phone_number": body["phone_number"], "label": body["label"], "phone_number_id": id, "provider": "twilio",
        "supports_inbound": body["supports_inbound"].as_bool().unwrap_or(true),
        "supports_outbound": body["supports_outbound"].as_bool().unwrap_or(true),
        "assigned_agent": agent,
    }));
    Ok(Json(json!({"phone_number_id": id})))
}

async fn show_number(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let numbers = &world.elevenlabs[ws].phone_numbers;
    let i = find(numbers, "phone_number_id", &id).ok_or_else(|| not_found(&id))?;
    Ok(Json(numbers[i].clone()))
}

async fn update_number(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
    body: Bytes,
) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, UPDATE)?;
    let mut world = sim.world();
    let account = &mut world.elevenlabs[ws];
    let i = find(&account.phone_numbers, "phone_number_id", &id).ok_or_else(|| not_found(&id))?;
    match &body.get("agent_id") {
        Some(Value::String(agent_id)) => {
            account.phone_numbers[i]["assigned_agent"] = assigned(&account.agents, agent_id)?
        }
        Some(Value::Null) => account.phone_numbers[i]["assigned_agent"] = Value::Null,
        _ => {}
    }
    if let Some(label) = body["label"].as_str() {
        account.phone_numbers[i]["label"] = json!(label);
    }
    Ok(Json(account.phone_numbers[i].clone()))
}

async fn delete_number(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let mut world = sim.world();
    let numbers = &mut world.elevenlabs[ws].phone_numbers;
    let i = find(numbers, "phone_number_id", &id).ok_or_else(|| not_found(&id))?;
    numbers.remove(i);
    Ok(Json(json!({})))
}
