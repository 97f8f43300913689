//! `/call`: list with filters (newest first), get, create (outbound phone or WebSocket, then live), rename and delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::assistants::check_assistant;
use super::auth::Org;
use super::call_doc::{live_url, render};
use super::error::{VapiError, VapiResult};
use super::fields::{CREATE_CALL, UPDATE_CALL};
use super::query::ListQuery;
use super::transport;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::ids;
use crate::seed::dialogue::Script;
use crate::seed::vapi::persona_of;
use crate::state::{find, CallRecord, Live, VapiAccount};
use crate::time::now;

/// Call routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/call", get(list_calls).post(create_call))
        .route("/call/{id}", get(show_call).patch(update_call).delete(delete_call))
}

async fn list_calls(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    let query = ListQuery::parse(&params, &["id", "assistantId", "phoneNumberId"])?;
    let world = sim.world();
    let account = &world.vapi[org];
    let wanted = |key: &str| query.equals.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let mut matching: Vec<&CallRecord> = account
        .calls
        .iter()
        .filter(|c| wanted("id").is_none_or(|v| c.id == v))
        .filter(|c| wanted("assistantId").is_none_or(|v| c.assistant_id.as_deref() == Some(v)))
        .filter(|c| wanted("phoneNumberId").is_none_or(|v| c.phone_number_id.as_deref() == Some(v)))
        .filter(|c| query.admits_times(c.created_at, c.updated_at))
        .collect();
    matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
    let docs: Vec<Value> = matching
        .into_iter()
        .take(query.limit)
        .map(|c| render(account, c, &sim.base_url))
        .collect();
    Ok(Json(Value::Array(docs)))
}

async fn show_call(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let world = sim.world();
    let account = &world.vapi[org];
    let call = account
        .calls
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| VapiError::not_found("Call"))?;
    Ok(Json(render(account, call, &sim.base_url)))
}

async fn create_call(State(sim): State<AppState>, Org(org): Org, body: Bytes) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let fields = check(&body, CREATE_CALL)?;
    if let Some(assistant) = fields.get("assistant") {
        check_assistant(assistant, super::fields::CREATE_ASSISTANT)?;
    }
    let socket = match fields.get("transport").filter(|t| !t.is_null()) {
        Some(transport) => transport::websocket_format(transport)?,
        None => None,
    };
    if socket.is_some() {
        transport::refuse_phone_fields(fields)?;
    }
    let mut world = sim.world();
    let account = &world.vapi[org];
    let assistant_id = fields.get("assistantId").and_then(Value::as_str).map(str::to_owned);
    let persona = match (&assistant_id, fields.get("assistant")) {
        (Some(id), _) => {
            let i = find(&account.assistants, "id", id).ok_or_else(|| {
                VapiError::bad_request(format!("Couldn't Get Assistant. `assistantId` {id} Does Not Exist."))
            })?;
            persona_of(&account.assistants[i])
        }
        (None, Some(transient)) => persona_of(transient),
        (None, None) => {
            return Err(VapiError::bad_request(
                "Need Either `assistant`, `assistantId`, `squad`, `squadId`, `workflow`, or `workflowId`.",
            ))
        }
    };
    let (call_type, phone_number_id, number) = match socket {
        Some(_) => ("vapi.websocketCall", None, None),
        None => {
            let (pid, number) = phone_leg(account, fields)?;
            ("outboundPhoneCall", Some(pid), Some(number))
        }
    };
    let mut request = Map::new();
    for key in ["assistant", "assistantOverrides", "name", "customer", "schedulePlan"] {
        if let Some(value) = fields.get(key) {
            request.insert(key.into(), value.clone());
        }
    }
    let id = ids::uuid(&mut world.rng);
    if let Some(format) = socket {
        let url = live_url(&sim.base_url, &id, "transport", true);
        request.insert("transport".into(), transport::document(format, url));
    }
    let at = now();
    let dialogue = usize::from(rand::Rng::random_bool(&mut world.rng, 0.3));
    let record = CallRecord {
        id: id.clone(),
        call_type,
        assistant_id,
        phone_number_id,
        customer_number: number,
        created_at: at,
        updated_at: at,
        started_at: None,
        ended_at: None,
        status: "queued",
        ended_reason: None,
        script: Script {
            persona: persona as u8,
            dialogue: dialogue as u8,
            lines: 0,
            name: 0,
            day: 1,
            time: 2,
        },
        request,
        live: Some(Box::new(Live {
            socket,
            driven: socket.is_none(),
            ..Live::default()
        })),
    };
    let account = &mut world.vapi[org];
    account.calls.push(record);
    let doc = render(account, account.calls.last().expect("pushed"), &sim.base_url);
    drop(world);
    if socket.is_none() {
        super::live::spawn_phone(sim.clone(), org, id);
    }
    Ok((StatusCode::CREATED, Json(doc)))
}

/// The phone number id and the customer's number of an outbound phone call.
fn phone_leg(account: &VapiAccount, fields: &Map<String, Value>) -> VapiResult<(String, String)> {
    let phone_number_id = fields.get("phoneNumberId").and_then(Value::as_str).map(str::to_owned);
    let Some(phone_number_id) = phone_number_id else {
        return Err(VapiError::bad_request("Need Either `phoneNumberId` Or `phoneNumber`."));
    };
    if find(&account.phone_numbers, "id", &phone_number_id).is_none() {
        return Err(VapiError::bad_request(format!(
            "Couldn't Get Phone Number. `phoneNumberId` {phone_number_id} Does Not Exist."
        )));
    }
    let number = fields
        .get("customer")
        .and_then(|c| c.get("number"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(number) = number else {
        return Err(VapiError::bad_request(
            "Need Either `customer`, `customerId` Or `customers`.",
        ));
    };
    Ok((phone_number_id, number))
}

async fn update_call(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let fields = check(&body, UPDATE_CALL)?;
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    let call = account
        .calls
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| VapiError::not_found("Call"))?;
    if let Some(name) = fields.get("name") {
        call.request.insert("name".into(), name.clone());
    }
    call.updated_at = now();
    let account = &world.vapi[org];
    let call = account.calls.iter().find(|c| c.id == id).expect("found above");
    Ok(Json(render(account, call, &sim.base_url)))
}

async fn delete_call(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    let i = account
        .calls
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| VapiError::not_found("Call"))?;
    let call = account.calls.remove(i);
    Ok(Json(json!(render(account, &call, &sim.base_url))))
}
