//! `/phone-number`: buy a Vapi number, import a Twilio one (credentials checked), assign, rename and release.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};

use super::auth::Org;
use super::error::{VapiError, VapiResult};
use super::fields::{
    Field, CREATE_TWILIO_PHONE_NUMBER, CREATE_VAPI_PHONE_NUMBER, UPDATE_TWILIO_PHONE_NUMBER, UPDATE_VAPI_PHONE_NUMBER,
};
use super::query::ListQuery;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::ids;
use crate::state::find;
use crate::time::{iso, now};

/// Phone-number routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/phone-number", get(list_numbers).post(create_number))
        .route(
            "/phone-number/{id}",
            get(show_number).patch(update_number).delete(delete_number),
        )
}

/// Whether Twilio would accept these credentials: an `AC` SID and a 32-hex-digit auth token.
fn twilio_accepts(sid: &str, token: Option<&str>) -> bool {
    let hex32 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    sid.strip_prefix("AC").is_some_and(hex32) && token.is_some_and(hex32)
}

/// Whether numbers can be bought in a North American area code: three digits, not starting with
/// 0 or 1 (no such area codes exist), and not an N11 service code.
fn area_available(area: &str) -> bool {
    let digits = area.as_bytes();
    digits.len() == 3
        && digits.iter().all(u8::is_ascii_digit)
        && !matches!(digits[0], b'0' | b'1')
        && &digits[1..] != b"11"
}

fn fields_for(provider: Option<&str>, update: bool) -> VapiResult<&'static [Field]> {
    match (provider, update) {
        (Some("vapi"), false) => Ok(CREATE_VAPI_PHONE_NUMBER),
        (Some("twilio"), false) => Ok(CREATE_TWILIO_PHONE_NUMBER),
        (Some("vapi"), true) => Ok(UPDATE_VAPI_PHONE_NUMBER),
        (Some("twilio"), true) => Ok(UPDATE_TWILIO_PHONE_NUMBER),
        (Some(other @ ("vonage" | "telnyx" | "byo-phone-number")), _) => Err(VapiError::bad_request(format!(
            "Provider {other} needs a credential; the simulator supports vapi and twilio numbers."
        ))),
        _ => Err(VapiError::validation(vec![
            "provider must be one of the following values: byo-phone-number, twilio, vonage, vapi, telnyx".into(),
        ])),
    }
}

async fn list_numbers(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    let query = ListQuery::parse(&params, &[])?;
    Ok(Json(json!(query.apply(&sim.world().vapi[org].phone_numbers))))
}

async fn create_number(
    State(sim): State<AppState>,
    Org(org): Org,
    body: Bytes,
) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let provider = body["provider"].as_str();
    let fields = check(&body, fields_for(provider, false)?)?;
    if let Some(area) = fields.get("numberDesiredAreaCode").and_then(Value::as_str) {
        if !area_available(area) {
            return Err(VapiError::bad_request(format!(
                "No phone numbers are available in area code {area}. Try a different area code."
            )));
        }
    }
    if provider == Some("twilio") {
        let sid = fields["twilioAccountSid"].as_str().unwrap_or_default();
        if !twilio_accepts(sid, fields.get("twilioAuthToken").and_then(Value::as_str)) {
            return Err(VapiError::bad_request(
                "Couldn't Import Twilio Number. Twilio Error: Authenticate. Check `twilioAccountSid` and `twilioAuthToken`.",
            ));
        }
    }
    let mut world = sim.world();
    let id = ids::uuid(&mut world.rng);
    let mut doc = json!({"id": id, "orgId": world.vapi[org].org_id, "status": "active"});
    doc.as_object_mut().expect("object").extend(fields.clone());
    if provider == Some("vapi") {
        let area = fields
            .get("numberDesiredAreaCode")
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok())
            .unwrap_or(415);
        let number = ids::phone_number(&mut world.rng, area);
        doc["number"] = json!(number);
        doc["status"] = json!(if world.rng.random_bool(0.5) {
            "active"
        } else {
            "activating"
        });
    }
    let at = iso(now());
    doc["createdAt"] = json!(at);
    doc["updatedAt"] = json!(at);
    world.vapi[org].phone_numbers.push(doc.clone());
    Ok((StatusCode::CREATED, Json(doc)))
}

async fn show_number(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let world = sim.world();
    let docs = &world.vapi[org].phone_numbers;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Phone Number"))?;
    Ok(Json(docs[i].clone()))
}

async fn update_number(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let mut world = sim.world();
    let docs = &mut world.vapi[org].phone_numbers;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Phone Number"))?;
    let fields = check(&body, fields_for(docs[i]["provider"].as_str(), true)?)?;
    let doc = docs[i].as_object_mut().expect("object");
    for (key, value) in fields {
        if value.is_null() {
            doc.remove(key);
        } else {
            doc.insert(key.clone(), value.clone());
        }
    }
    doc.insert("updatedAt".into(), json!(iso(now())));
    Ok(Json(docs[i].clone()))
}

async fn delete_number(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let docs = &mut world.vapi[org].phone_numbers;
    let i = find(docs, "id", &id).ok_or_else(|| VapiError::not_found("Phone Number"))?;
    Ok(Json(docs.remove(i)))
}
