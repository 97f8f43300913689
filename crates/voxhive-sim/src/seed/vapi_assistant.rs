//! Complete Vapi assistant documents for the seeded personas.

use jiff::Timestamp;
use serde_json::{json, Value};

use super::personas::Persona;
use crate::time::iso;

/// What varies between two assistants of the same persona.
pub struct AssistantSeed<'a> {
    /// The assistant id.
    pub id: String,
    /// The organisation id.
    pub org_id: &'a str,
    /// Which persona it plays.
    pub persona: &'a Persona,
    /// Position among the organisation's assistants (picks model and voice).
    pub index: usize,
    /// Tools it may call.
    pub tool_ids: Vec<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update.
    pub updated_at: Timestamp,
}

/// The `Assistant` document, as `GET /assistant/{id}` returns it.
pub fn assistant(seed: &AssistantSeed) -> Value {
    let persona = seed.persona;
    let model = match seed.index % 3 {
        0 => json!({
            "provider": "openai", "model": "gpt-4o", "temperature": 0.4, "maxTokens": 300,
            "messages": [{"role": "system", "content": persona.prompt}],
            "toolIds": seed.tool_ids, "emotionRecognitionEnabled": false,
        }),
        1 => json!({
            "provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "temperature": 0.3, "maxTokens": 250,
            "messages": [{"role": "system", "content": persona.prompt}],
            "toolIds": seed.tool_ids,
        }),
        _ => json!({
            "provider": "openai", "model": "gpt-4.1", "temperature": 0.5, "maxTokens": 400,
            "messages": [{"role": "system", "content": persona.prompt}],
            "toolIds": seed.tool_ids, "numFastTurns": 1,
        }),
    };
    let voice = match seed.index % 2 {
        0 => json!({
            "provider": "11labs", "voiceId": "sarah", "model": "eleven_turbo_v2_5",
            "stability": 0.5, "similarityBoost": 0.75, "speed": 1.0, "cachingEnabled": true,
        }),
        _ => {
            json!({"provider": "cartesia", "voiceId": "248be419-c632-4f23-adf1-5324ed7dbf1d", "model": "sonic-2", "language": "en"})
        }
    };
    let mut doc = json!({
        "id": seed.id,
        "orgId": seed.org_id,
        "name": persona.name,
        "createdAt": iso(seed.created_at),
        "updatedAt": iso(seed.updated_at),
        "transcriber": {"provider": "deepgram", "model": "nova-3", "language": "en", "smartFormat": true, "endpointing": 150},
        "model": model,
        "voice": voice,
        "firstMessage": persona.first_message,
        "firstMessageMode": "assistant-speaks-first",
        "firstMessageInterruptionsEnabled": false,
        "endCallMessage": persona.end_call_message,
        "endCallPhrases": ["goodbye", "have a great day", "talk to you soon"],
        "maxDurationSeconds": 600,
        "backgroundSound": if seed.index.is_multiple_of(2) { "office" } else { "off" },
        "serverMessages": ["end-of-call-report", "status-update", "transcript", "tool-calls", "hang", "conversation-update"],
        "clientMessages": ["transcript", "hang", "function-call", "speech-update", "metadata", "conversation-update"],
        "analysisPlan": {
            "summaryPlan": {"enabled": true, "timeoutSeconds": 10},
            "successEvaluationPlan": {"enabled": true, "rubric": "PassFail", "timeoutSeconds": 10},
            "structuredDataPlan": {"enabled": false},
        },
        "artifactPlan": {
            "recordingEnabled": true, "recordingFormat": "mp3", "videoRecordingEnabled": false,
            "pcapEnabled": false, "loggingEnabled": true,
        },
        "startSpeakingPlan": {
            "waitSeconds": 0.4,
            "transcriptionEndpointingPlan": {"onPunctuationSeconds": 0.1, "onNoPunctuationSeconds": 1.5, "onNumberSeconds": 0.5},
        },
        "stopSpeakingPlan": {"numWords": 2, "voiceSeconds": 0.2, "backoffSeconds": 1},
        "monitorPlan": {"listenEnabled": true, "controlEnabled": true},
        "compliancePlan": {"hipaaEnabled": false, "pciEnabled": false},
        "backgroundSpeechDenoisingPlan": {"smartDenoisingPlan": {"enabled": true}},
        "keypadInputPlan": {"enabled": true, "timeoutSeconds": 2, "delimiters": "#"},
        "modelOutputInMessagesEnabled": false,
        "metadata": {"purpose": persona.purpose, "team": if seed.index.is_multiple_of(2) { "operations" } else { "growth" }},
        "latestVersion": null,
    });
    if persona.outbound {
        doc["voicemailMessage"] = json!(format!(
            "Hi, this is {} calling. Please call us back at your convenience. Thank you!",
            persona.name
        ));
        doc["voicemailDetection"] =
            json!({"provider": "vapi", "backoffPlan": {"startAtSeconds": 2, "frequencySeconds": 2.5, "maxRetries": 6}});
    }
    if seed.index % 2 == 1 {
        doc["server"] = json!({
            "url": format!("https://hooks.example.com/vapi/{}", persona.purpose),
            "timeoutSeconds": 20,
            "headers": {"X-Vapi-Secret": format!("whsec-{}", &seed.id[..8])},
        });
    }
    doc
}
