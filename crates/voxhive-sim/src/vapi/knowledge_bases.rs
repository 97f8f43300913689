//! `/v2/knowledge-base`: knowledge bases with their files, each file `indexing` for a moment
//! after it is added, then `ready`; a base gets its search tool (`type: knowledgeBase`) when it
//! is made, to attach to assistants through `model.toolIds`, and loses it when deleted.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::auth::Org;
use super::error::{VapiError, VapiResult};
use super::fields::{ATTACH_KNOWLEDGE_BASE_FILE, KNOWLEDGE_BASE};
use super::query::ListQuery;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::ids;
use crate::state::VapiAccount;
use crate::time::{iso, now, parse as parse_time, plus_ms};

/// How long a file added to a knowledge base stays `indexing`.
pub const INDEXING_MS: i64 = 1_500;

/// Knowledge-base routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/knowledge-base", get(list_bases).post(create_base))
        .route(
            "/v2/knowledge-base/{id}",
            get(show_base).patch(update_base).delete(delete_base),
        )
        .route("/v2/knowledge-base/{id}/file", get(list_files).post(add_file))
        .route("/v2/knowledge-base/{id}/file/{file_id}", delete(remove_file))
}

/// The public fields of a base (`KnowledgeBaseV2`), without its files and tool.
fn public(base: &Value) -> Value {
    let mut out = base.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("files");
        map.remove("toolId");
    }
    out
}

/// Marks the files whose indexing time has passed as `ready`.
fn settle(account: &mut VapiAccount) {
    let at = now();
    for base in &mut account.knowledge_bases {
        for file in base["files"].as_array_mut().into_iter().flatten() {
            let indexed = file["status"] == "indexing"
                && file["createdAt"]
                    .as_str()
                    .and_then(parse_time)
                    .is_some_and(|created| plus_ms(created, INDEXING_MS) <= at);
            if indexed {
                file["status"] = json!("ready");
                file["updatedAt"] = json!(iso(at));
            }
        }
    }
}

fn position(account: &VapiAccount, id: &str) -> VapiResult<usize> {
    account
        .knowledge_bases
        .iter()
        .position(|b| b["id"] == id)
        .ok_or_else(|| VapiError::not_found("Knowledge Base"))
}

/// Checks `name` (1 to 80 characters when present) and `description` (null, or up to 1000).
fn check_base(fields: &Map<String, Value>, creating: bool) -> VapiResult<()> {
    let mut problems = Vec::new();
    match fields.get("name").and_then(Value::as_str) {
        Some("") => problems.push("name must be longer than or equal to 1 characters".to_owned()),
        None if creating => problems.push("name must be a string".to_owned()),
        _ => {}
    }
    match fields.get("description") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.chars().count() <= 1000 => {}
        Some(Value::String(_)) => {
            problems.push("description must be shorter than or equal to 1000 characters".to_owned())
        }
        Some(_) => problems.push("description must be a string".to_owned()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(VapiError::validation(problems))
    }
}

async fn list_bases(
    State(sim): State<AppState>,
    Org(org): Org,
    Query(params): Query<HashMap<String, String>>,
) -> VapiResult<Json<Value>> {
    let query = ListQuery::parse(&params, &[])?;
    let world = sim.world();
    let docs: Vec<Value> = world.vapi[org].knowledge_bases.iter().map(public).collect();
    Ok(Json(json!(query.apply(&docs))))
}

async fn create_base(State(sim): State<AppState>, Org(org): Org, body: Bytes) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let fields = check(&body, KNOWLEDGE_BASE)?;
    check_base(fields, true)?;
    let mut world = sim.world();
    let id = ids::uuid(&mut world.rng);
    let tool_id = ids::uuid(&mut world.rng);
    let account = &mut world.vapi[org];
    let at = iso(now());
    let name = fields["name"].as_str().unwrap_or_default();
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(50)
        .collect();
    let base = json!({
        "id": id, "orgId": account.org_id, "name": name,
        "description": fields.get("description").cloned().unwrap_or(Value::Null),
        "createdAt": at, "updatedAt": at, "files": [], "toolId": tool_id,
    });
    account.tools.push(json!({
        "id": tool_id, "orgId": account.org_id, "type": "knowledgeBase", "knowledgeBaseId": id,
        "function": {"name": format!("search_{slug}"), "description": format!("Searches the knowledge base \"{name}\".")},
        "createdAt": at, "updatedAt": at,
    }));
    account.knowledge_bases.push(base.clone());
    Ok((StatusCode::CREATED, Json(public(&base))))
}

async fn show_base(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    settle(account);
    let i = position(account, &id)?;
    Ok(Json(account.knowledge_bases[i].clone()))
}

async fn update_base(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let fields = check(&body, KNOWLEDGE_BASE)?;
    check_base(fields, false)?;
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    let i = position(account, &id)?;
    let base = &mut account.knowledge_bases[i];
    for (key, value) in fields {
        base[key.as_str()] = value.clone();
    }
    base["updatedAt"] = json!(iso(now()));
    Ok(Json(public(base)))
}

async fn delete_base(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    let i = position(account, &id)?;
    let base = account.knowledge_bases.remove(i);
    account.tools.retain(|t| t["knowledgeBaseId"] != id.as_str());
    Ok(Json(public(&base)))
}

async fn list_files(State(sim): State<AppState>, Org(org): Org, Path(id): Path<String>) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    settle(account);
    let i = position(account, &id)?;
    Ok(Json(account.knowledge_bases[i]["files"].clone()))
}

async fn add_file(
    State(sim): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> VapiResult<(StatusCode, Json<Value>)> {
    let body = parse(&body)?;
    let fields = check(&body, ATTACH_KNOWLEDGE_BASE_FILE)?;
    let file_id = fields["fileId"].as_str().unwrap_or_default().to_owned();
    let mut world = sim.world();
    let entry_id = ids::uuid(&mut world.rng);
    let account = &mut world.vapi[org];
    let i = position(account, &id)?;
    let Some((file, _)) = account.files.iter().find(|(f, _)| f["id"] == file_id.as_str()) else {
        return Err(VapiError::bad_request(format!("File {file_id} Does Not Exist.")));
    };
    if account.knowledge_bases[i]["files"]
        .as_array()
        .is_some_and(|files| files.iter().any(|f| f["fileId"] == file_id.as_str()))
    {
        return Err(VapiError::conflict("The file is already in this knowledge base."));
    }
    let at = iso(now());
    let entry = json!({
        "id": entry_id, "knowledgeBaseV2Id": id, "fileId": file_id,
        "fileName": file["originalName"].clone(), "mimetype": file["mimetype"].clone(), "bytes": file["bytes"].clone(),
        "status": "indexing", "createdAt": at, "updatedAt": at,
    });
    if let Some(files) = account.knowledge_bases[i]["files"].as_array_mut() {
        files.push(entry.clone());
    }
    Ok((StatusCode::CREATED, Json(entry)))
}

async fn remove_file(
    State(sim): State<AppState>,
    Org(org): Org,
    Path((id, file_id)): Path<(String, String)>,
) -> VapiResult<Json<Value>> {
    let mut world = sim.world();
    let account = &mut world.vapi[org];
    let i = position(account, &id)?;
    let files = account.knowledge_bases[i]["files"].as_array_mut();
    let Some(files) = files else {
        return Err(VapiError::not_found("Knowledge Base File"));
    };
    let Some(j) = files.iter().position(|f| f["fileId"] == file_id.as_str()) else {
        return Err(VapiError::not_found("Knowledge Base File"));
    };
    Ok(Json(files.remove(j)))
}
