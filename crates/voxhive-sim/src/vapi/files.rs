//! `/file`: multipart upload, list by purpose, get, rename and delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Org;
use super::error::{VapiError, VapiResult};
use super::fields::UPDATE_FILE;
use super::query::ListQuery;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::ids;
use crate::time::{iso, now};

/// File routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/file", get(list_files).post(upload_file))
        .route("/file/{id}", get(show_file).patch(update_file).delete(delete_file))
}

async fn list_files(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    if !params.contains_key("purpose") {
        return Err(VapiError::validation(vec!["purpose must be a string".into()]));
    }
    let query = ListQuery::parse(&params, &["purpose"])?;
    let docs: Vec<Value> = sim.world().vapi[org].files.iter().map(|(doc, _)| doc.clone()).collect();
    Ok(Json(json!(query.apply(&docs))))
}

async fn upload_file(
    State(sim): State<AppState>,
    Org(org): Org,
    mut form: Multipart,
) -> VapiResult<(StatusCode, Json<Value>)> {
    let (mut file, mut purpose, mut metadata) = (None, None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| VapiError::bad_request("Invalid file"))?
    {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("upload.bin").to_owned();
                let mime = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| VapiError::bad_request("Invalid file"))?;
                file = Some((name, mime, bytes));
            }
            "purpose" => purpose = field.text().await.ok(),
            "metadata" => metadata = field.text().await.ok(),
            other => {
                return Err(VapiError::validation(vec![format!(
                    "property {other} should not exist"
                )]))
            }
        }
    }
    let Some((name, mime, bytes)) = file else {
        return Err(VapiError::bad_request("Invalid file"));
    };
    let purpose = purpose.unwrap_or_else(|| "assistant".into());
    if !["assistant", "composer-attachment", "knowledge-base-v2"].contains(&purpose.as_str()) {
        return Err(VapiError::validation(vec![
            "purpose must be one of the following values: assistant, composer-attachment, knowledge-base-v2".into(),
        ]));
    }
    let metadata: Value = match metadata {
        Some(text) => serde_json::from_str(&text)
            .map_err(|_| VapiError::validation(vec!["metadata must be a json string".into()]))?,
        None => json!({}),
    };
    let mut world = sim.world();
    let id = ids::uuid(&mut world.rng);
    let org_id = world.vapi[org].org_id.clone();
    let at = iso(now());
    let short: String = name.chars().take(40).collect();
    let doc = json!({
        "id": id, "orgId": org_id, "object": "file", "status": "done", "name": short, "originalName": name,
        "bytes": bytes.len(), "purpose": purpose, "mimetype": mime, "metadata": metadata,
        "key": format!("{id}-{name}"), "path": format!("{org_id}/{id}-{name}"), "bucket": "vapi-files",
        "url": format!("https://storage.vapi.ai/{id}-{name}"), "createdAt": at, "updatedAt": at,
    });
    world.vapi[org].files.push((doc.clone(), bytes));
    Ok((StatusCode::CREATED, Json(doc)))
}

fn position(files: &[(Value, Bytes)], id: &str) -> VapiResult<usize> {
    files
        .iter()
        .position(|(d, _)| d["id"].as_str() == Some(id))
        .ok_or_else(|| VapiError::not_found("File"))
}

async fn show_file(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let world = sim.world();
    let files = &world.vapi[org].files;
    Ok(Json(files[position(files, &id)?].0.clone()))
}

async fn update_file(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let fields = check(&body, UPDATE_FILE)?;
    let mut world = sim.world();
    let files = &mut world.vapi[org].files;
    let i = position(files, &id)?;
    let doc = files[i].0.as_object_mut().expect("object");
    doc.extend(fields.clone());
    doc.insert("updatedAt".into(), json!(iso(now())));
    Ok(Json(files[i].0.clone()))
}

async fn delete_file(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let files = &mut world.vapi[org].files;
    let i = position(files, &id)?;
    Ok(Json(files.remove(i).0))
}
