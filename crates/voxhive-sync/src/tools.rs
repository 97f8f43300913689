//! Function-calling tools: each provider's tool read into the store's shape, a connection's
//! stored tools refreshed from its provider, and tools created, changed and deleted at the
//! provider first (a document the provider's schema refuses is refused here, field named).

use serde_json::Value;
use voxhive_providers::schema::check_tool;
use voxhive_providers::{ProviderClient, ProviderError, ProviderKind, RemoteDoc, Resource};
use voxhive_store::{NewTool, Store, Tool};

use crate::{FieldProblem, SyncError};

/// Where an assistant document lists the ids of the tools its model may call.
pub fn tool_ids_path(kind: ProviderKind) -> &'static [&'static str] {
    match kind {
        ProviderKind::Vapi => &["model", "toolIds"],
        ProviderKind::ElevenLabs => &["conversation_config", "agent", "prompt", "tool_ids"],
    }
}

/// The tool ids an assistant document attaches.
pub fn attached_tool_ids(kind: ProviderKind, doc: &Value) -> Vec<String> {
    let mut at = doc;
    for key in tool_ids_path(kind) {
        match at.get(*key) {
            Some(next) => at = next,
            None => return Vec::new(),
        }
    }
    at.as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The document with `tool_id` attached (`attach`) or detached; `None` when nothing changes.
pub fn with_tool(kind: ProviderKind, doc: &Value, tool_id: &str, attach: bool) -> Option<Value> {
    let mut ids = attached_tool_ids(kind, doc);
    let present = ids.iter().any(|id| id == tool_id);
    if present == attach {
        return None;
    }
    if attach {
        ids.push(tool_id.to_owned());
    } else {
        ids.retain(|id| id != tool_id);
    }
    let mut changed = doc.clone();
    let path = tool_ids_path(kind);
    let mut at = &mut changed;
    for key in &path[..path.len() - 1] {
        if !at.get(*key).is_some_and(Value::is_object) {
            at[*key] = Value::Object(Default::default());
        }
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = Value::from(ids);
    Some(changed)
}

/// A provider's tool in the store's shape. Vapi: `type`, the function's (or the tool's) name
/// and description, `server.url`. ElevenLabs: `tool_config.type`, `name`, `description`,
/// `api_schema.url`.
pub fn read_tool(remote: &RemoteDoc) -> NewTool {
    let doc = &remote.doc;
    let text = |pointers: &[&str]| {
        pointers.iter().find_map(|p| {
            doc.pointer(p)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
    };
    let (kind, name, description, server_url) = match remote.kind {
        ProviderKind::Vapi => (
            text(&["/type"]),
            text(&["/function/name", "/name"]),
            text(&["/function/description", "/description"]),
            text(&["/server/url", "/url"]),
        ),
        ProviderKind::ElevenLabs => (
            text(&["/tool_config/type"]).or_else(|| Some("webhook".into())),
            text(&["/tool_config/name"]),
            text(&["/tool_config/description"]),
            text(&["/tool_config/api_schema/url"]),
        ),
    };
    NewTool {
        remote_id: remote.id.clone(),
        kind: kind.unwrap_or_else(|| "unknown".into()),
        name,
        description,
        server_url,
        document: doc.clone(),
    }
}

/// Reads every tool of a connection from its provider and makes the stored ones match; returns
/// how many the provider listed.
pub async fn refresh_tools(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> Result<usize, SyncError> {
    let listing = client.list(Resource::Tools).await?;
    let tools: Vec<NewTool> = listing.items.iter().map(read_tool).collect();
    if listing.skipped.is_empty() {
        store.replace_tools(workspace_id, connection_id, &tools).await?;
    } else {
        // A record the client could not read may be one stored: keep what is not listed.
        for tool in &tools {
            store.upsert_tool(workspace_id, connection_id, tool).await?;
        }
    }
    Ok(tools.len())
}

/// Refuses a tool document the provider's schema refuses, each problem at its field.
pub fn check_tool_document(kind: ProviderKind, doc: &Value) -> Result<(), SyncError> {
    let problems = check_tool(kind, doc);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SyncError::Invalid(
            problems.into_iter().map(FieldProblem::from).collect(),
        ))
    }
}

/// Creates a tool at the provider from a checked document, then stores its answer; returns the
/// stored id.
pub async fn create_tool(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
    doc: &Value,
) -> Result<i64, SyncError> {
    check_tool_document(client.kind(), doc)?;
    let created = client.create(Resource::Tools, doc).await?;
    Ok(store
        .upsert_tool(workspace_id, connection_id, &read_tool(&created))
        .await?)
}

/// Replaces a tool's document at the provider (checked first), then stores its answer. The
/// providers merge a PATCH into what they have, so a field the new document drops is sent as
/// null, which clears it.
pub async fn update_tool(
    store: &Store,
    client: &dyn ProviderClient,
    tool: &Tool,
    doc: &Value,
) -> Result<(), SyncError> {
    let kind = client.kind();
    let mut body = writable(kind, doc);
    check_tool_document(kind, &body)?;
    let stored: Value = serde_json::from_str(&tool.document).unwrap_or(Value::Null);
    if let (Some(fields), Some(before)) = (body.as_object_mut(), writable(kind, &stored).as_object()) {
        for key in before.keys() {
            fields.entry(key.clone()).or_insert(Value::Null);
        }
    }
    let updated = client.update(Resource::Tools, &tool.remote_id, &body).await?;
    store
        .upsert_tool(tool.workspace_id, tool.connection_id, &read_tool(&updated))
        .await?;
    Ok(())
}

/// Deletes a tool at the provider and forgets it; one the provider no longer has is forgotten
/// all the same.
pub async fn delete_tool(store: &Store, client: &dyn ProviderClient, tool: &Tool) -> Result<(), SyncError> {
    match client.delete(Resource::Tools, &tool.remote_id).await {
        Ok(()) | Err(ProviderError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    store.delete_tool(tool.workspace_id, tool.id).await?;
    Ok(())
}

/// A tool document without the fields the provider sets (ids, times, usage), as a request body.
pub fn writable(kind: ProviderKind, doc: &Value) -> Value {
    let read_only: &[&str] = match kind {
        ProviderKind::Vapi => &["id", "orgId", "createdAt", "updatedAt", "latestVersion"],
        ProviderKind::ElevenLabs => &["id", "access_info", "usage_stats"],
    };
    let mut body = doc.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.retain(|key, _| !read_only.contains(&key.as_str()));
    }
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tools_attach_and_detach_on_each_providers_path() {
        let doc = json!({"model": {"provider": "openai", "toolIds": ["t1"]}});
        let attached = with_tool(ProviderKind::Vapi, &doc, "t2", true).unwrap();
        assert_eq!(attached["model"]["toolIds"], json!(["t1", "t2"]));
        assert_eq!(attached["model"]["provider"], "openai");
        assert!(with_tool(ProviderKind::Vapi, &attached, "t2", true).is_none());
        let detached = with_tool(ProviderKind::Vapi, &attached, "t1", false).unwrap();
        assert_eq!(attached_tool_ids(ProviderKind::Vapi, &detached), ["t2"]);
        let agent = with_tool(ProviderKind::ElevenLabs, &json!({"name": "A"}), "tool_1", true).unwrap();
        assert_eq!(
            agent["conversation_config"]["agent"]["prompt"]["tool_ids"],
            json!(["tool_1"])
        );
    }

    #[test]
    fn each_providers_tool_is_read_with_its_name_and_server() {
        let vapi = read_tool(&RemoteDoc {
            kind: ProviderKind::Vapi,
            resource: Resource::Tools,
            id: "t1".into(),
            doc: json!({"id": "t1", "type": "function", "function": {"name": "book", "description": "Books"},
                        "server": {"url": "https://x.test/tools"}}),
            complete: true,
        });
        assert_eq!(
            (vapi.kind.as_str(), vapi.name.as_deref(), vapi.server_url.as_deref()),
            ("function", Some("book"), Some("https://x.test/tools"))
        );
        let el = read_tool(&RemoteDoc {
            kind: ProviderKind::ElevenLabs,
            resource: Resource::Tools,
            id: "tool_1".into(),
            doc: json!({"id": "tool_1", "tool_config": {"type": "webhook", "name": "lookup", "description": "Looks up",
                        "api_schema": {"url": "https://x.test/el", "method": "POST"}}}),
            complete: true,
        });
        assert_eq!(
            (el.kind.as_str(), el.name.as_deref(), el.server_url.as_deref()),
            ("webhook", Some("lookup"), Some("https://x.test/el"))
        );
    }
}
