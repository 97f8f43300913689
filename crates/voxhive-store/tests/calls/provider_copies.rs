//! Tools and knowledge-base files, the providers' resources VoxHive keeps a copy of: replaced
//! whole by a listing, changed one at a time, scoped by connection and workspace.

use serde_json::json;
use voxhive_store::{NewKnowledgeFile, NewTool};

use crate::world::world;

fn tool(remote_id: &str, kind: &str, name: &str) -> NewTool {
    NewTool {
        remote_id: remote_id.to_string(),
        kind: kind.to_string(),
        name: Some(name.to_string()),
        description: None,
        server_url: Some("https://x.test/tools".to_string()),
        document: json!({"id": remote_id, "type": kind, "function": {"name": name}}),
    }
}

fn file(remote_id: &str, name: &str, status: &str) -> NewKnowledgeFile {
    NewKnowledgeFile {
        remote_id: remote_id.to_string(),
        name: name.to_string(),
        source: "file".to_string(),
        mimetype: Some("text/plain".to_string()),
        bytes: Some(12),
        status: status.to_string(),
        document: json!({"id": remote_id, "name": name, "status": status}),
    }
}

#[tokio::test]
async fn tools_are_replaced_by_a_listing_and_kept_per_connection() {
    let w = world("tools").await;
    let store = w.store();
    store
        .replace_tools(
            w.ws(),
            w.vapi,
            &[tool("t1", "function", "book"), tool("t2", "endCall", "end")],
        )
        .await
        .unwrap();
    store
        .replace_tools(w.ws(), w.eleven, &[tool("el1", "webhook", "lookup")])
        .await
        .unwrap();
    // The next listing no longer has t2 and renames t1.
    store
        .replace_tools(w.ws(), w.vapi, &[tool("t1", "function", "book_slot")])
        .await
        .unwrap();
    let vapi = store.tools(w.ws(), Some(w.vapi)).await.unwrap();
    assert_eq!(
        vapi.iter().map(|t| t.name.as_deref()).collect::<Vec<_>>(),
        [Some("book_slot")]
    );
    assert_eq!(store.tools(w.ws(), None).await.unwrap().len(), 2);
    let id = vapi[0].id;
    assert_eq!(
        store
            .upsert_tool(w.ws(), w.vapi, &tool("t1", "function", "book"))
            .await
            .unwrap(),
        id
    );
    assert!(
        store.tool(w.ws() + 1, id).await.unwrap().is_none(),
        "another workspace sees nothing"
    );
    assert!(store.delete_tool(w.ws(), id).await.unwrap());
    assert!(store.tool(w.ws(), id).await.unwrap().is_none());
}

#[tokio::test]
async fn knowledge_files_keep_the_status_last_seen() {
    let w = world("knowledge").await;
    let store = w.store();
    store
        .replace_knowledge_files(
            w.ws(),
            w.vapi,
            &[file("f1", "hours.txt", "processing"), file("f2", "menu.pdf", "done")],
        )
        .await
        .unwrap();
    let id = store
        .upsert_knowledge_file(w.ws(), w.vapi, &file("f1", "hours.txt", "done"))
        .await
        .unwrap();
    let listed = store.knowledge_files(w.ws(), None).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|f| (f.name.as_str(), f.status.as_str()))
            .collect::<Vec<_>>(),
        [("hours.txt", "done"), ("menu.pdf", "done")]
    );
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].connection_label, "Vapi production");
    store.replace_knowledge_files(w.ws(), w.vapi, &[]).await.unwrap();
    assert!(store.knowledge_files(w.ws(), Some(w.vapi)).await.unwrap().is_empty());
}
