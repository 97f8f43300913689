//! `/file`: multipart upload (the types Vapi documents), list by purpose, get, rename and
//! delete. A file is `processing` for a moment after its upload, then `done` with its parsed
//! text, so clients have a status to poll.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
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
use crate::time::{iso, now, parse as parse_time, plus_ms};

/// How long an uploaded file stays `processing`.
pub const PARSING_MS: i64 = 1_500;
/// The file types Vapi's knowledge base documents: .txt, .pdf, .docx, .doc, .csv, .md, .tsv,
/// .yaml, .json, .xml and .log.
pub const FILE_TYPES: [&str; 11] = [
    "txt", "pdf", "docx", "doc", "csv", "md", "tsv", "yaml", "json", "xml", "log",
];

/// A file name made safe for one URL path segment.
fn url_segment(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Marks the files whose parsing time has passed as `done`, with their parsed text.
fn settle(files: &mut [(Value, Bytes)]) {
    let at = now();
    for (doc, bytes) in files.iter_mut() {
        let parsed = doc["status"] == "processing"
            && doc["createdAt"]
                .as_str()
                .and_then(parse_time)
                .is_some_and(|created| plus_ms(created, PARSING_MS) <= at);
        if parsed {
            doc["status"] = json!("done");
            doc["parsedTextUrl"] = json!(format!("{}.parsed.txt", doc["url"].as_str().unwrap_or_default()));
            doc["parsedTextBytes"] = json!(bytes.len());
        }
    }
}

/// File routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/file", get(list_files).post(upload_file))
        .route("/file/{id}", get(show_file).patch(update_file).delete(delete_file))
        .route("/storage/{id}/{name}", get(download_file))
        .layer(DefaultBodyLimit::max(100 * 1024 * 1024))
}

/// A file's content at its public storage URL (`url`), as Vapi serves it: no key needed.
async fn download_file(State(sim): State<AppState>, Path((id, _name)): Path<(String, String)>) -> Response {
    let world = sim.world();
    let found = world
        .vapi
        .iter()
        .flat_map(|account| account.files.iter())
        .find(|(doc, _)| doc["id"] == id.as_str());
    match found {
        Some((doc, bytes)) => {
            let mime = doc["mimetype"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_owned();
            ([(header::CONTENT_TYPE, mime)], bytes.clone()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
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
    let mut world = sim.world();
    settle(&mut world.vapi[org].files);
    let docs: Vec<Value> = world.vapi[org].files.iter().map(|(doc, _)| doc.clone()).collect();
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
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !FILE_TYPES.contains(&extension.as_str()) {
        return Err(VapiError::bad_request(format!(
            "Invalid file: .{extension} files are not supported. Supported: .{}",
            FILE_TYPES.join(", .")
        )));
    }
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
        "id": id, "orgId": org_id, "object": "file", "status": "processing", "name": short, "originalName": name,
        "bytes": bytes.len(), "purpose": purpose, "mimetype": mime, "metadata": metadata,
        "key": format!("{id}-{name}"), "path": format!("{org_id}/{id}-{name}"), "bucket": "vapi-files",
        "url": format!("{}/storage/{id}/{}", sim.base_url, url_segment(&name)), "createdAt": at, "updatedAt": at,
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
    let mut world = sim.world();
    settle(&mut world.vapi[org].files);
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
