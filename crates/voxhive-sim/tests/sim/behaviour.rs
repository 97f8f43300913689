//! Provider behaviour a client relies on: paging, filters, scoping, PATCH semantics, costs, audio.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{send, small_config, spawn_sim};

#[tokio::test]
async fn vapi_calls_page_backwards_by_created_at_lt_without_gaps_or_repeats() {
    let sim = spawn_sim(small_config()).await;
    let total = sim.handle.vapi_call_count(&sim.vapi_key());
    let (mut seen, mut before) = (Vec::new(), None::<String>);
    loop {
        let path = match &before {
            Some(at) => format!("/call?limit=37&createdAtLt={at}"),
            None => "/call?limit=37".to_owned(),
        };
        let (status, page) = send(sim.vapi(Method::GET, &path)).await;
        assert_eq!(status, 200);
        let page = page.as_array().unwrap().clone();
        let created: Vec<&str> = page.iter().map(|c| c["createdAt"].as_str().unwrap()).collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
        seen.extend(page.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        if page.len() < 37 {
            break;
        }
        before = created.last().map(|s| (*s).to_owned());
    }
    assert_eq!(seen.len(), total);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), total);
}

#[tokio::test]
async fn vapi_call_filters_and_org_scoping_hold() {
    let sim = spawn_sim(small_config()).await;
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let id = assistants[0]["id"].as_str().unwrap();
    let (_, calls) = send(sim.vapi(Method::GET, &format!("/call?assistantId={id}&limit=1000"))).await;
    assert!(!calls.as_array().unwrap().is_empty());
    assert!(calls.as_array().unwrap().iter().all(|c| c["assistantId"] == id));
    let other = sim.handle.vapi_keys()[1].clone();
    let url = format!("{}/assistant/{id}", sim.handle.base_url());
    let (status, _) = send(sim.http.get(&url).bearer_auth(&other)).await;
    assert_eq!(status, 404, "another organisation's assistant is not found");
    let (_, bounded) = send(sim.vapi(
        Method::GET,
        "/call?createdAtGe=2026-09-20T00:00:00Z&createdAtLt=2026-09-21T00:00:00Z",
    ))
    .await;
    assert!(bounded
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["createdAt"].as_str().unwrap().starts_with("2026-09-20")));
}

#[tokio::test]
async fn vapi_patch_replaces_nested_objects_whole_and_admin_edits_show_through() {
    let sim = spawn_sim(small_config()).await;
    let (_, assistants) = send(sim.vapi(Method::GET, "/assistant")).await;
    let id = assistants[0]["id"].as_str().unwrap();
    let before = assistants
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone();
    let model = json!({"provider": "openai", "model": "gpt-4o-mini"});
    let (status, patched) = send(
        sim.vapi(Method::PATCH, &format!("/assistant/{id}"))
            .json(&json!({"model": model})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(patched["model"], model, "no messages or toolIds survive");
    assert_eq!(patched["voice"], before["voice"], "other fields untouched");
    assert!(patched["updatedAt"].as_str() > before["updatedAt"].as_str());
    sim.handle
        .vapi_edit_assistant(&sim.vapi_key(), id, json!({"firstMessage": "Edited in the dashboard"}))
        .unwrap();
    let (_, read) = send(sim.vapi(Method::GET, &format!("/assistant/{id}"))).await;
    assert_eq!(read["firstMessage"], "Edited in the dashboard");
    assert!(sim.handle.vapi_delete_assistant(&sim.vapi_key(), id));
    let (status, _) = send(sim.vapi(Method::GET, &format!("/assistant/{id}"))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_seeded_call_costs_add_up_to_the_cent() {
    let sim = spawn_sim(small_config()).await;
    let (_, calls) = send(sim.vapi(Method::GET, "/call?limit=1000")).await;
    let mut with_transcript = 0;
    for call in calls.as_array().unwrap() {
        let cost = call["cost"].as_f64().unwrap();
        let parts: f64 = call["costs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cost"].as_f64().unwrap())
            .sum();
        assert!((cost - parts).abs() < 0.005, "{}: {cost} vs {parts}", call["id"]);
        assert!((cost - call["costBreakdown"]["total"].as_f64().unwrap()).abs() < 0.005);
        if call["artifact"]["transcript"]
            .as_str()
            .is_some_and(|t| t.lines().count() >= 4)
        {
            with_transcript += 1;
            assert!(call["artifact"]["recordingUrl"].is_string());
        }
    }
    assert!(with_transcript > 100, "most calls have a multi-turn transcript");
}

#[tokio::test]
async fn elevenlabs_conversations_page_by_cursor_and_filter_by_agent_and_time() {
    let sim = spawn_sim(small_config()).await;
    let total = sim.handle.elevenlabs_conversation_count(&sim.el_key());
    let (mut ids, mut cursor) = (HashSet::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/convai/conversations?page_size=100&cursor={c}"),
            None => "/v1/convai/conversations?page_size=100".to_owned(),
        };
        let (_, page) = send(sim.el(Method::GET, &path)).await;
        for c in page["conversations"].as_array().unwrap() {
            assert!(
                ids.insert(c["conversation_id"].as_str().unwrap().to_owned()),
                "no repeats"
            );
        }
        if page["has_more"] == false {
            break;
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(ids.len(), total);
    let agent = sim.handle.elevenlabs_agents(&sim.el_key())[0]["agent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, page) = send(sim.el(
        Method::GET,
        &format!("/v1/convai/conversations?agent_id={agent}&call_start_after_unix=1788000000&page_size=100"),
    ))
    .await;
    for c in page["conversations"].as_array().unwrap() {
        assert_eq!(c["agent_id"], agent.as_str());
        assert!(c["start_time_unix_secs"].as_i64().unwrap() > 1_788_000_000);
    }
}

#[tokio::test]
async fn elevenlabs_audio_is_mpeg_and_honours_ranges() {
    let sim = spawn_sim(small_config()).await;
    let (_, page) = send(sim.el(Method::GET, "/v1/convai/conversations?page_size=100")).await;
    let conv: &Value = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "done" && c["call_duration_secs"].as_i64() > Some(10))
        .unwrap();
    let path = format!(
        "/v1/convai/conversations/{}/audio",
        conv["conversation_id"].as_str().unwrap()
    );
    let whole = sim.el(Method::GET, &path).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "audio/mpeg");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(&whole[..3], &[0xFF, 0xFB, 0x18]);
    let part = sim
        .el(Method::GET, &path)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap(), whole.slice(100..200));
}

#[tokio::test]
async fn elevenlabs_admin_edits_are_merged_like_patch() {
    let sim = spawn_sim(small_config()).await;
    let key = sim.el_key();
    let agent = sim.handle.elevenlabs_agents(&key)[0].clone();
    let id = agent["agent_id"].as_str().unwrap();
    sim.handle
        .elevenlabs_edit_agent(
            &key,
            id,
            json!({"conversation_config": {"agent": {"first_message": "Changed"}}}),
        )
        .unwrap();
    let (_, read) = send(sim.el(Method::GET, &format!("/v1/convai/agents/{id}"))).await;
    assert_eq!(read["conversation_config"]["agent"]["first_message"], "Changed");
    assert_eq!(
        read["conversation_config"]["agent"]["prompt"],
        agent["conversation_config"]["agent"]["prompt"]
    );
    assert!(sim.handle.elevenlabs_delete_agent(&key, id));
    let (status, body) = send(sim.el(Method::GET, &format!("/v1/convai/agents/{id}"))).await;
    assert_eq!(status, 404);
    assert!(body["detail"]["message"].is_string());
}

#[tokio::test]
async fn a_vapi_file_is_processing_then_done_and_unsupported_types_are_refused() {
    let sim = spawn_sim(small_config()).await;
    let upload = |name: &str| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"Open 8 to 6.".to_vec())
                    .file_name(name.to_owned())
                    .mime_str("text/plain")
                    .unwrap(),
            )
            .text("purpose", "assistant")
    };
    let (status, file) = send(sim.vapi(Method::POST, "/file").multipart(upload("hours.md"))).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["status"], "processing");
    let path = format!("/file/{}", file["id"].as_str().unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(
        voxhive_sim::VAPI_FILE_PARSING_MS as u64 + 100,
    ))
    .await;
    let (_, parsed) = send(sim.vapi(Method::GET, &path)).await;
    assert_eq!(parsed["status"], "done", "{parsed}");
    assert_eq!(parsed["parsedTextBytes"], 12);

    let (status, refused) = send(sim.vapi(Method::POST, "/file").multipart(upload("setup.exe"))).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused.to_string().contains(".exe files are not supported"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_vapi_knowledge_base_gets_a_search_tool_and_indexes_its_files() {
    let sim = spawn_sim(small_config()).await;
    let (status, refused) = send(sim.vapi(Method::POST, "/v2/knowledge-base").json(&json!({"name": ""}))).await;
    assert_eq!(status, 400, "{refused}");
    let (status, base) = send(
        sim.vapi(Method::POST, "/v2/knowledge-base")
            .json(&json!({"name": "Clinic FAQ", "description": "Hours and parking"})),
    )
    .await;
    assert_eq!(status, 201, "{base}");
    assert!(base.get("files").is_none() && base.get("toolId").is_none(), "{base}");
    let path = format!("/v2/knowledge-base/{}", base["id"].as_str().unwrap());
    let (_, whole) = send(sim.vapi(Method::GET, &path)).await;
    let tool_id = whole["toolId"].as_str().unwrap().to_owned();
    let (status, tool) = send(sim.vapi(Method::GET, &format!("/tool/{tool_id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        (tool["type"].clone(), tool["knowledgeBaseId"].clone()),
        (json!("knowledgeBase"), base["id"].clone())
    );

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"Parking at the back.".to_vec())
            .file_name("parking.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let (_, file) = send(sim.vapi(Method::POST, "/file").multipart(form)).await;
    let file_id = file["id"].as_str().unwrap();
    let (status, _) = send(
        sim.vapi(Method::POST, &format!("{path}/file"))
            .json(&json!({"fileId": "nope"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, added) = send(
        sim.vapi(Method::POST, &format!("{path}/file"))
            .json(&json!({"fileId": file_id})),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        (added["status"].clone(), added["fileName"].clone()),
        (json!("indexing"), json!("parking.txt"))
    );
    let (status, _) = send(
        sim.vapi(Method::POST, &format!("{path}/file"))
            .json(&json!({"fileId": file_id})),
    )
    .await;
    assert_eq!(status, 409, "a file is in a base once");
    tokio::time::sleep(std::time::Duration::from_millis(
        voxhive_sim::VAPI_KB_INDEXING_MS as u64 + 100,
    ))
    .await;
    let (_, files) = send(sim.vapi(Method::GET, &format!("{path}/file"))).await;
    assert_eq!(files[0]["status"], "ready", "{files}");
    let (status, _) = send(sim.vapi(Method::DELETE, &format!("{path}/file/{file_id}"))).await;
    assert_eq!(status, 200);
    let (status, _) = send(sim.vapi(Method::DELETE, &path)).await;
    assert_eq!(status, 200);
    let (status, _) = send(sim.vapi(Method::GET, &format!("/tool/{tool_id}"))).await;
    assert_eq!(status, 404, "the search tool goes with its base");
}
