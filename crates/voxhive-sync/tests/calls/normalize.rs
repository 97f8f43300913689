//! Real simulator documents normalised: exact costs, components that add up, transcript turns.

use serde_json::Value;
use voxhive_providers::ProviderKind;
use voxhive_sync::call_document;

use crate::world::{components, micro_usd, world};

#[tokio::test]
async fn vapi_calls_normalise_with_decimal_rounded_costs_and_turns() {
    let w = world("vh_calls_norm_vapi", 60).await;
    let connection = w.connect(ProviderKind::Vapi).await;
    let docs = w.sim_calls(ProviderKind::Vapi).await;
    assert!(docs.len() >= 10, "the simulator has calls: {}", docs.len());
    let mut costed = 0;
    for doc in &docs {
        let call = call_document(&connection, doc).unwrap();
        assert_eq!(call.remote_id, doc["id"].as_str().unwrap());
        assert_eq!(call.remote_assistant_id.as_deref(), doc["assistantId"].as_str());
        assert_eq!(call.status, "ended");
        assert_eq!(
            call.cost_micro_usd,
            micro_usd(doc, "/cost"),
            "cost of {}",
            call.remote_id
        );
        assert_eq!(
            components(&call),
            call.cost_micro_usd,
            "components of {}",
            call.remote_id
        );
        assert_eq!(
            call.cost_transport_micro_usd,
            micro_usd(doc, "/costBreakdown/transport")
        );
        assert_eq!(call.cost_stt_micro_usd, micro_usd(doc, "/costBreakdown/stt"));
        assert_eq!(call.cost_tts_micro_usd, micro_usd(doc, "/costBreakdown/tts"));
        assert_eq!(call.cost_platform_micro_usd, micro_usd(doc, "/costBreakdown/vapi"));
        let analysis = micro_usd(doc, "/costBreakdown/analysisCostBreakdown/summary")
            + micro_usd(doc, "/costBreakdown/analysisCostBreakdown/successEvaluation");
        assert_eq!(call.cost_llm_micro_usd, micro_usd(doc, "/costBreakdown/llm") + analysis);
        assert_eq!(
            Some(call.llm_prompt_tokens),
            doc.pointer("/costBreakdown/llmPromptTokens")
                .and_then(Value::as_i64)
                .or(Some(0))
        );
        if call.cost_micro_usd > 0 {
            costed += 1;
            assert_eq!(call.recording_url.as_deref(), doc["artifact"]["recordingUrl"].as_str());
            assert_eq!(
                call.success,
                Some(doc["analysis"]["successEvaluation"] == "true"),
                "success of {}",
                call.remote_id
            );
            assert!(call.duration_ms > 0);
            assert!(call.ended_at.unwrap() > call.started_at);
        }
        let messages = doc["messages"].as_array().map_or(0, |m| m.len());
        let turns = call
            .transcript
            .as_ref()
            .and_then(Value::as_array)
            .map_or(0, |t| t.len());
        assert_eq!(turns, messages, "one turn per message of {}", call.remote_id);
        if let Some(turns) = call.transcript.as_ref().and_then(Value::as_array) {
            assert_eq!(turns[0]["role"], "system");
            assert!(turns
                .iter()
                .all(|t| ["assistant", "user", "system", "tool"].contains(&t["role"].as_str().unwrap())));
            assert!(turns[1..].iter().all(|t| t["seconds"].is_number()));
            let text = call.transcript_text.as_deref().unwrap_or_default();
            assert_eq!(text.lines().count(), turns.len() - 1);
            assert!(text
                .lines()
                .all(|l| l.starts_with("Assistant: ") || l.starts_with("User: ")));
        }
        assert_eq!(call.document, *doc, "the document is kept whole");
    }
    assert!(costed > 0, "some calls were billed");
}

#[tokio::test]
async fn elevenlabs_conversations_normalise_with_fiat_cost_credits_and_turns() {
    let w = world("vh_calls_norm_el", 60).await;
    let connection = w.connect(ProviderKind::ElevenLabs).await;
    let docs = w.sim_calls(ProviderKind::ElevenLabs).await;
    assert!(docs.len() >= 5, "the simulator has conversations: {}", docs.len());
    for doc in &docs {
        let call = call_document(&connection, doc).unwrap();
        let id = &call.remote_id;
        assert_eq!(
            call.cost_micro_usd,
            micro_usd(doc, "/metadata/cost_fiat"),
            "cost of {id}"
        );
        assert_eq!(
            Some(call.cost_credits),
            doc["metadata"]["cost"].as_i64(),
            "credits of {id}"
        );
        assert_eq!(components(&call), call.cost_micro_usd, "components of {id}");
        assert_eq!(
            call.duration_ms,
            doc["metadata"]["call_duration_secs"].as_i64().unwrap() * 1000
        );
        assert_eq!(
            call.started_at,
            doc["metadata"]["start_time_unix_secs"].as_i64().unwrap() * 1000
        );
        let expected_status = if doc["status"] == "failed" { "failed" } else { "ended" };
        assert_eq!(call.status, expected_status);
        assert_eq!(call.recording_url, None, "ElevenLabs audio is fetched by id");
        match doc["analysis"]["call_successful"].as_str() {
            Some("success") => assert_eq!(call.success, Some(true)),
            Some("failure") => assert_eq!(call.success, Some(false)),
            _ => assert_eq!(call.success, None),
        }
        assert_eq!(call.summary.as_deref(), doc["analysis"]["transcript_summary"].as_str());
        let messages = doc["transcript"].as_array().unwrap();
        let turns = call
            .transcript
            .as_ref()
            .and_then(Value::as_array)
            .map_or(0, |t| t.len());
        assert_eq!(turns, messages.len(), "one turn per message of {id}");
        for (turn, message) in call.transcript.iter().flat_map(|t| t.as_array().unwrap()).zip(messages) {
            let role = if message["role"] == "agent" {
                "assistant"
            } else {
                "user"
            };
            assert_eq!(turn["role"], role);
            assert_eq!(turn["text"], message["message"]);
            assert_eq!(turn["seconds"], message["time_in_call_secs"]);
        }
    }
}
