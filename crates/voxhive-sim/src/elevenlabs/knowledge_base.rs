//! `/v1/convai/knowledge-base`: documents from a file (multipart), a URL or text; list, get, rename, delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Workspace;
use super::error::{ElError, ElResult, Invalid};
use super::page::page;
use super::validate::{check, page_size, parse, Spec, Ty};
use crate::app::AppState;
use crate::ids;
use crate::seed::elevenlabs_agent::{document, document_summary};
use crate::state::find;

/// Knowledge-base routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convai/knowledge-base", get(list_documents))
        .route("/convai/knowledge-base/file", post(create_from_file))
        .route("/convai/knowledge-base/url", post(create_from_url))
        .route("/convai/knowledge-base/text", post(create_from_text))
        .route(
            "/convai/knowledge-base/{id}",
            get(show_document).patch(update_document).delete(delete_document),
        )
        .route("/convai/knowledge-base/{id}/content", get(document_content))
        .layer(DefaultBodyLimit::max(2 * MAX_FILE_BYTES))
}

/// The file types ElevenLabs' knowledge base takes (its upload form: PDF, TXT, DOCX, HTML, EPUB).
pub const FILE_TYPES: [&str; 5] = ["pdf", "txt", "docx", "html", "epub"];
/// The largest file it takes (its upload form: 21 MB).
pub const MAX_FILE_BYTES: usize = 21 * 1024 * 1024;

const URL: &[Spec] = &[
    ("url", Ty::Str, true, false),
    ("name", Ty::Str, false, true),
    ("parent_folder_id", Ty::Str, false, true),
];
const TEXT: &[Spec] = &[
    ("text", Ty::Str, true, false),
    ("name", Ty::Str, false, true),
    ("parent_folder_id", Ty::Str, false, true),
];
const UPDATE: &[Spec] = &[("name", Ty::Str, false, true), ("content", Ty::Str, false, true)];

fn not_found(id: &str) -> ElError {
    ElError::not_found("document_not_found", format!("Document {id} not found"))
}

fn add(sim: &AppState, ws: usize, name: &str, kind: &str, content: &str, extra: Value) -> Json<Value> {
    let mut world = sim.world();
    let id = ids::alnum(&mut world.rng, 20);
    let account = &mut world.elevenlabs[ws];
    let now = jiff::Timestamp::now().as_second();
    account
        .documents
        .push(document(&id, name, kind, content, extra, now, &account.name));
    Json(json!({"id": id, "name": name, "folder_path": []}))
}

async fn list_documents(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Query(params): Query<HashMap<String, String>>,
) -> ElResult<Json<Value>> {
    let size = page_size(&params)?;
    let search = params.get("search").map(|s| s.to_lowercase());
    let world = sim.world();
    let items = world.elevenlabs[ws]
        .documents
        .iter()
        .filter(|d| {
            search
                .as_ref()
                .is_none_or(|s| d["name"].as_str().unwrap_or_default().to_lowercase().contains(s))
        })
        .map(|d| {
            (
                d["metadata"]["created_at_unix_secs"].as_i64().unwrap_or_default(),
                d["id"].as_str().unwrap_or_default().to_owned(),
                document_summary(d),
            )
        })
        .collect();
    let (documents, next_cursor, has_more) = page(items, params.get("cursor").map(String::as_str), size);
    Ok(Json(
        json!({"documents": documents, "next_cursor": next_cursor, "has_more": has_more}),
    ))
}

async fn create_from_file(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    mut form: Multipart,
) -> ElResult<Json<Value>> {
    let (mut file, mut name) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "file" => {
                let filename = field.file_name().unwrap_or("document.txt").to_owned();
                let bytes = field.bytes().await.unwrap_or_default();
                let extension = filename
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_ascii_lowercase())
                    .unwrap_or_default();
                if !FILE_TYPES.contains(&extension.as_str()) {
                    return Err(ElError::bad_request(
                        "unsupported_file_type",
                        format!(
                            "Unsupported file type .{extension}. Supported: {}",
                            FILE_TYPES.join(", ")
                        ),
                    ));
                }
                if bytes.len() > MAX_FILE_BYTES {
                    return Err(ElError::bad_request(
                        "file_too_large",
                        "The file is larger than the 21 MB limit.",
                    ));
                }
                file = Some((filename, String::from_utf8_lossy(&bytes).into_owned()));
            }
            "name" => name = field.text().await.ok(),
            _ => {}
        }
    }
    let Some((filename, content)) = file else {
        return Err(ElError::validation(vec![Invalid {
            loc: vec!["body".into(), "file".into()],
            msg: "Field required".into(),
            kind: "missing",
            input: Value::Null,
        }]));
    };
    let name = name.unwrap_or_else(|| filename.clone());
    Ok(add(
        &sim,
        ws,
        &name,
        "file",
        &content,
        json!({"filename": filename, "content_format": "html"}),
    ))
}

async fn create_from_url(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, URL)?;
    let url = body["url"].as_str().unwrap_or_default();
    let name = body["name"].as_str().unwrap_or(url);
    let content = format!("<p>Content of {url}</p>");
    Ok(add(
        &sim,
        ws,
        name,
        "url",
        &content,
        json!({"url": url, "content_format": "html"}),
    ))
}

async fn create_from_text(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, TEXT)?;
    let text = body["text"].as_str().unwrap_or_default();
    let name = body["name"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| text.chars().take(30).collect());
    Ok(add(
        &sim,
        ws,
        &name,
        "text",
        text,
        json!({"content_format": "markdown"}),
    ))
}

async fn show_document(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let docs = &world.elevenlabs[ws].documents;
    let i = find(docs, "id", &id).ok_or_else(|| not_found(&id))?;
    Ok(Json(docs[i].clone()))
}

async fn document_content(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<([(header::HeaderName, &'static str); 1], String)> {
    let world = sim.world();
    let docs = &world.elevenlabs[ws].documents;
    let i = find(docs, "id", &id).ok_or_else(|| not_found(&id))?;
    let html = docs[i]["content_format"] != "markdown";
    let content = docs[i]["extracted_inner_html"].as_str().unwrap_or_default().to_owned();
    let kind = if html {
        "text/html; charset=utf-8"
    } else {
        "text/markdown; charset=utf-8"
    };
    Ok(([(header::CONTENT_TYPE, kind)], content))
}

async fn update_document(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
    body: Bytes,
) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, UPDATE)?;
    let mut world = sim.world();
    let docs = &mut world.elevenlabs[ws].documents;
    let i = find(docs, "id", &id).ok_or_else(|| not_found(&id))?;
    if let Some(name) = body["name"].as_str() {
        docs[i]["name"] = json!(name);
    }
    if let Some(content) = body["content"].as_str() {
        docs[i]["extracted_inner_html"] = json!(content);
        docs[i]["metadata"]["size_bytes"] = json!(content.len());
    }
    docs[i]["metadata"]["last_updated_at_unix_secs"] = json!(jiff::Timestamp::now().as_second());
    Ok(Json(docs[i].clone()))
}

async fn delete_document(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let mut world = sim.world();
    let docs = &mut world.elevenlabs[ws].documents;
    let i = find(docs, "id", &id).ok_or_else(|| not_found(&id))?;
    docs.remove(i);
    Ok(Json(json!({})))
}
