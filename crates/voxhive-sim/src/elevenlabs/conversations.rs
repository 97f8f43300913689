//! `/v1/convai/conversations`: cursor-paged list with filters, get, audio (with Range) and delete.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Workspace;
use super::conversation_doc::{full, summary};
use super::error::{ElError, ElResult};
use super::page::page;
use super::validate::{int_param, page_size};
use crate::app::AppState;
use crate::audio::serve_mp3;

/// Conversation routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/convai/conversations", get(list_conversations))
        .route(
            "/convai/conversations/{id}",
            get(show_conversation).delete(delete_conversation),
        )
        .route("/convai/conversations/{id}/audio", get(conversation_audio))
}

fn not_found(id: &str) -> ElError {
    ElError::not_found("conversation_not_found", format!("Conversation {id} not found"))
}

async fn list_conversations(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Query(params): Query<HashMap<String, String>>,
) -> ElResult<Json<Value>> {
    let size = page_size(&params)?;
    let after = int_param(&params, "call_start_after_unix")?;
    let before = int_param(&params, "call_start_before_unix")?;
    let agent = params.get("agent_id");
    let successful = params.get("call_successful");
    let with_summary = params.get("summary_mode").map(String::as_str) == Some("include");
    let world = sim.world();
    let items = world.elevenlabs[ws]
        .conversations
        .iter()
        .filter(|c| agent.is_none_or(|a| &c.agent_id == a))
        .filter(|c| successful.is_none_or(|s| c.call_successful == s))
        .filter(|c| after.is_none_or(|t| c.start_unix > t) && before.is_none_or(|t| c.start_unix < t))
        .map(|c| (c.start_unix, c.id.clone(), c))
        .collect();
    let (items, next_cursor, has_more) = page(items, params.get("cursor").map(String::as_str), size);
    let conversations: Vec<Value> = items.into_iter().map(|c| summary(c, with_summary)).collect();
    Ok(Json(
        json!({"conversations": conversations, "next_cursor": next_cursor, "has_more": has_more}),
    ))
}

async fn show_conversation(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let world = sim.world();
    let conv = world.elevenlabs[ws]
        .conversations
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(full(conv)))
}

async fn conversation_audio(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ElResult<Response> {
    let world = sim.world();
    let conv = world.elevenlabs[ws]
        .conversations
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found(&id))?;
    if conv.duration_secs == 0 || conv.status != "done" {
        return Err(ElError::not_found(
            "conversation_audio_not_found",
            "This conversation has no audio.",
        ));
    }
    Ok(serve_mp3(&headers, conv.duration_secs).into_response())
}

async fn delete_conversation(
    State(sim): State<AppState>,
    Workspace(ws): Workspace,
    Path(id): Path<String>,
) -> ElResult<Json<Value>> {
    let mut world = sim.world();
    let convs = &mut world.elevenlabs[ws].conversations;
    let i = convs.iter().position(|c| c.id == id).ok_or_else(|| not_found(&id))?;
    convs.remove(i);
    Ok(Json(json!({})))
}
