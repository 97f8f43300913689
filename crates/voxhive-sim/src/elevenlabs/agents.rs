//! `/v1/convai/agents`: cursor-paged list with search, create, get, PATCH (objects merged, lists replaced), delete.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Workspace;
use super::error::{ElError, ElResult};
use super::page::page;
use super::validate::{check, page_size, parse, Spec, Ty};
use crate::app::AppState;
use crate::ids;
use crate::seed::elevenlabs_agent::{access_info, summary};
use crate::state::find;

/// Agent routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convai/agents", get(list_agents))
        .route("/convai/agents/create", post(create_agent))
        .route(
            "/convai/agents/{id}",
            get(show_agent).patch(update_agent).delete(delete_agent),
        )
}

const CREATE: &[Spec] = &[
    ("conversation_config", Ty::Dict, true, false),
    ("platform_settings", Ty::Dict, false, true),
    ("workflow", Ty::Dict, false, true),
    ("name", Ty::Str, false, true),
    ("tags", Ty::List, false, true),
];
const UPDATE: &[Spec] = &[
    ("conversation_config", Ty::Dict, false, true),
    ("platform_settings", Ty::Dict, false, true),
    ("workflow", Ty::Dict, false, true),
    ("name", Ty::Str, false, true),
    ("tags", Ty::List, false, true),
    ("version_description", Ty::Str, false, true),
    ("procedures", Ty::Dict, false, true),
];

fn not_found(id: &str) -> ElError {
    ElError::not_found("agent_not_found", format!("Agent {id} not found"))
}

/// Merges `patch` into `doc`: objects key by key, anything else (lists included) replaced.
pub fn merge(doc: &mut Value, patch: &Value) {
    match (doc, patch) {
        (Value::Object(doc), Value::Object(patch)) => {
            for (k, v) in patch {
                match doc.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        doc.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (doc, patch) => *doc = patch.clone(),
    }
}

async fn list_agents(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Query(params): Query<HashMap<String, String>>,
) -> ElResult<Json<Value>> {
    let size = page_size(&params)?;
    let search = params.get("search").map(|s| s.to_lowercase());
    let world = sim.world();
    let account = &world.elevenlabs[ws];
    let items = account
        .agents
        .iter()
        .filter(|a| {
            search
                .as_ref()
                .is_none_or(|s| a["name"].as_str().unwrap_or_default().to_lowercase().contains(s))
        })
        .map(|a| {
            let id = a["agent_id"].as_str().unwrap_or_default();
            let last = account
                .conversations
                .iter()
                .filter(|c| c.agent_id == id)
                .map(|c| c.start_unix)
                .max();
            (
                a["metadata"]["created_at_unix_secs"].as_i64().unwrap_or_default(),
                id.to_owned(),
                summary(a, last),
            )
        })
        .collect();
    let (agents, next_cursor, has_more) = page(items, params.get("cursor").map(String::as_str), size);
    Ok(Json(
        json!({"agents": agents, "next_cursor": next_cursor, "has_more": has_more}),
    ))
}

async fn create_agent(State(sim): State<AppState>, Workspace(ws): Workspace, body: Bytes) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, CREATE)?;
    let mut world = sim.world();
    let id = ids::prefixed(&mut world.rng, "agent");
    let now = jiff::Timestamp::now().as_second();
    let account = &mut world.elevenlabs[ws];
    let doc = json!({
        "agent_id": id,
        "name": body["name"].as_str().unwrap_or("New agent"),
        "conversation_config": body["conversation_config"],
        "metadata": {"created_at_unix_secs": now, "updated_at_unix_secs": now},
        "platform_settings": if body["platform_settings"].is_object() { body["platform_settings"].clone() } else { json!({}) },
        "phone_numbers": [],
        "access_info": access_info(&account.name),
        "tags": if body["tags"].is_array() { body["tags"].clone() } else { json!([]) },
        "procedures": {},
        "version_id": null,
        "branch_id": null,
        "main_branch_id": null,
    });
    account.agents.push(doc);
    Ok(Json(json!({"agent_id": id})))
}

async fn show_agent(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let account = &world.elevenlabs[ws];
    let i = find(&account.agents, "agent_id", &id).ok_or_else(|| not_found(&id))?;
    let mut doc = account.agents[i].clone();
    doc["phone_numbers"] = json!(account
        .phone_numbers
        .iter()
        .filter(|p| p["assigned_agent"]["agent_id"].as_str() == Some(&id))
        .collect::<Vec<_>>());
    Ok(Json(doc))
}

async fn update_agent(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
    body: Bytes,
) -> ElResult<Json<Value>> {
    let body = parse(&body)?;
    check(&body, UPDATE)?;
    let mut world = sim.world();
    let agents = &mut world.elevenlabs[ws].agents;
    let i = find(agents, "agent_id", &id).ok_or_else(|| not_found(&id))?;
    let doc = &mut agents[i];
    for key in ["conversation_config", "platform_settings", "workflow", "procedures"] {
        if body[key].is_object() {
            merge(&mut doc[key], &body[key]);
        }
    }
    for key in ["name", "tags"] {
        if !body[key].is_null() {
            doc[key] = body[key].clone();
        }
    }
    doc["metadata"]["updated_at_unix_secs"] = json!(jiff::Timestamp::now().as_second());
    Ok(Json(doc.clone()))
}

async fn delete_agent(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<StatusCode> {
    let mut world = sim.world();
    let agents = &mut world.elevenlabs[ws].agents;
    let i = find(agents, "agent_id", &id).ok_or_else(|| not_found(&id))?;
    agents.remove(i);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_untouched_keys_and_replaces_lists() {
        let mut doc = json!({"agent": {"prompt": {"prompt": "a", "tool_ids": ["x", "y"]}, "language": "en"}});
        merge(&mut doc, &json!({"agent": {"prompt": {"tool_ids": ["z"]}}}));
        assert_eq!(
            doc,
            json!({"agent": {"prompt": {"prompt": "a", "tool_ids": ["z"]}, "language": "en"}})
        );
    }
}
