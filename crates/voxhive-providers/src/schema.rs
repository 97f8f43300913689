//! Checks an assistant or tool document against its provider's official request schema, so a
//! document the provider would refuse is caught before it is saved, with the field named.
//! Tools: Vapi's `POST /tool` body (one of the Create…ToolDTO, told apart by `type`) and
//! ElevenLabs' `ToolRequestModel`; a function's parameters must also be a JSON Schema.
//!
//! Which schema, per provider (the table is in `build.rs`, which extracts them):
//! - **Vapi**: `CreateAssistantDTO`, the body of `POST /assistant`. A local document is an
//!   `Assistant` (the GET answer) without its read-only fields, and those are exactly what
//!   `Assistant` has beyond the create and update DTOs; `UpdateAssistantDTO` (`PATCH
//!   /assistant/{id}`) declares the very same properties, constraints and no required field (a
//!   test holds the two equal). The create body is the one a whole local document is sent as
//!   (the first push of a new assistant); an update sends some of its top-level fields, each
//!   whole, which the same schema checks.
//! - **ElevenLabs**: the create body (`Body_Create_Agent_v1_convai_agents_create_post`) and the
//!   patch body (`Body_Patches_an_Agent_settings_v1_convai_agents__agent_id__patch`), both. The
//!   create body types `conversation_config` and `platform_settings` in full (the patch body
//!   takes any object there, so it alone would check nothing that matters); the patch body
//!   declares `procedures` and `version_description`, which the agent document carries (GET
//!   answers `procedures`) and the create body lacks.
//!
//! Only what those schemas reach is embedded (about a third of a megabyte, not the 7 MB of both
//! contracts), converted once at build time; each validator is compiled on first use.

mod openapi;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, JsonType, ValidationError, Validator};
use serde_json::{Map, Value};

pub use openapi::{closure, convert, convert_components, declared_properties, Dialect, COMPONENTS};

use crate::ProviderKind;

/// Enums longer than this are shown cut short in messages.
const ENUM_SHOWN: usize = 8;

/// One thing the provider's schema refuses in a document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaProblem {
    /// Where, as an RFC 6901 JSON pointer (`/model/temperature`); empty for the whole document.
    pub path: String,
    /// What is wrong, for people: "must be at most 2".
    pub message: String,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A provider's request schema, compiled.
struct DocSchema {
    validator: Validator,
    /// The top-level fields the schema declares; the providers refuse any other.
    fields: BTreeSet<String>,
    /// How the problems name a document: "a Vapi assistant".
    noun: &'static str,
}

impl DocSchema {
    fn compile(text: &str, noun: &'static str) -> DocSchema {
        let schema: Value = serde_json::from_str(text).expect("the embedded schema is JSON");
        let components = schema["components"]["schemas"].as_object().cloned().unwrap_or_default();
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .build(&schema)
            .unwrap_or_else(|e| panic!("the embedded schema of {noun} compiles: {e}"));
        DocSchema {
            validator,
            fields: declared_properties(&schema, &components),
            noun,
        }
    }

    fn assistant(kind: ProviderKind) -> &'static DocSchema {
        static VAPI: OnceLock<DocSchema> = OnceLock::new();
        static ELEVENLABS: OnceLock<DocSchema> = OnceLock::new();
        match kind {
            ProviderKind::Vapi => VAPI.get_or_init(|| {
                let text = include_str!(concat!(env!("OUT_DIR"), "/vapi-assistant.schema.json"));
                DocSchema::compile(text, "a Vapi assistant")
            }),
            ProviderKind::ElevenLabs => ELEVENLABS.get_or_init(|| {
                let text = include_str!(concat!(env!("OUT_DIR"), "/elevenlabs-agent.schema.json"));
                DocSchema::compile(text, "an ElevenLabs agent")
            }),
        }
    }

    fn tool(kind: ProviderKind) -> &'static DocSchema {
        static VAPI: OnceLock<DocSchema> = OnceLock::new();
        static ELEVENLABS: OnceLock<DocSchema> = OnceLock::new();
        match kind {
            ProviderKind::Vapi => VAPI.get_or_init(|| {
                let text = include_str!(concat!(env!("OUT_DIR"), "/vapi-tool.schema.json"));
                DocSchema::compile(text, "a Vapi tool")
            }),
            ProviderKind::ElevenLabs => ELEVENLABS.get_or_init(|| {
                let text = include_str!(concat!(env!("OUT_DIR"), "/elevenlabs-tool.schema.json"));
                DocSchema::compile(text, "an ElevenLabs tool")
            }),
        }
    }

    /// The problems of `doc`, sorted by path; undeclared top-level fields among them.
    fn check(&self, doc: &Value) -> BTreeSet<SchemaProblem> {
        let mut problems: BTreeSet<SchemaProblem> = doc
            .as_object()
            .into_iter()
            .flat_map(Map::keys)
            .filter(|key| !self.fields.contains(*key))
            .map(|key| SchemaProblem {
                path: pointer(&[key]),
                message: format!("`{key}` is not a field of {}", self.noun),
            })
            .collect();
        for error in self.validator.iter_errors(doc) {
            problems.extend(problems_of(&error));
        }
        problems
    }
}

/// The problems the provider's request schema finds in an assistant document (without its
/// read-only fields), sorted by path. Top-level fields the schema does not declare are problems:
/// the providers refuse them.
pub fn check_assistant(kind: ProviderKind, doc: &Value) -> Vec<SchemaProblem> {
    DocSchema::assistant(kind).check(doc).into_iter().collect()
}

/// Where a tool document keeps the JSON Schema of its arguments, per provider.
const PARAMETER_SCHEMAS: [(ProviderKind, &str); 3] = [
    (ProviderKind::Vapi, "/function/parameters"),
    (ProviderKind::ElevenLabs, "/tool_config/parameters"),
    (ProviderKind::ElevenLabs, "/tool_config/api_schema/request_body_schema"),
];

/// The problems the provider's tool request schema finds in a tool document (without its
/// read-only fields), and a function's parameters that are not a JSON Schema, sorted by path.
pub fn check_tool(kind: ProviderKind, doc: &Value) -> Vec<SchemaProblem> {
    let mut problems = DocSchema::tool(kind).check(doc);
    for (_, at) in PARAMETER_SCHEMAS.iter().filter(|(k, _)| *k == kind) {
        // The provider's schema may already say what is wrong there, more precisely.
        let reported = problems.iter().any(|p| p.path.starts_with(at));
        if let Some(parameters) = doc.pointer(at).filter(|_| !reported) {
            if let Err(error) = jsonschema::meta::validate(parameters) {
                problems.insert(SchemaProblem {
                    path: format!("{at}{}", error.instance_path.as_str()),
                    message: format!(
                        "is not a JSON Schema: {}",
                        describe(&error.kind).unwrap_or_else(|| error.to_string())
                    ),
                });
            }
        }
    }
    problems.into_iter().collect()
}

/// The problems one validation error stands for, each at the field it is about.
fn problems_of(error: &ValidationError) -> Vec<SchemaProblem> {
    let at = error.instance_path.as_str();
    let problem = |path: String, message: String| SchemaProblem { path, message };
    match &error.kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
            vec![problem(format!("{at}{}", pointer(&[&name])), "is required".into())]
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|key| {
                problem(
                    format!("{at}{}", pointer(&[key])),
                    format!("`{key}` is not a field here"),
                )
            })
            .collect(),
        kind => vec![problem(
            at.to_owned(),
            describe(kind).unwrap_or_else(|| error.to_string()),
        )],
    }
}

/// A message for the common kinds of error; `None` for the rest (the validator's own words).
fn describe(kind: &ValidationErrorKind) -> Option<String> {
    Some(match kind {
        ValidationErrorKind::Type { kind } => format!("must be {}", type_names(kind)),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        ValidationErrorKind::MultipleOf { multiple_of } => format!("must be a multiple of {multiple_of}"),
        ValidationErrorKind::MinLength { limit: 1 } => "must not be empty".into(),
        ValidationErrorKind::MinLength { limit } => format!("must be at least {limit} characters long"),
        ValidationErrorKind::MaxLength { limit } => format!("must be at most {limit} characters long"),
        ValidationErrorKind::MinItems { limit } => format!("must have at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} items"),
        ValidationErrorKind::UniqueItems => "must not list an item twice".into(),
        ValidationErrorKind::Enum { options } => format!("must be one of {}", one_of(options)),
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        ValidationErrorKind::Pattern { pattern } => format!("must match the pattern {pattern}"),
        ValidationErrorKind::Format { format } => format!("must be a valid {format}"),
        ValidationErrorKind::AnyOf | ValidationErrorKind::OneOfNotValid => {
            "does not match any of the forms the provider accepts".into()
        }
        _ => return None,
    })
}

fn type_names(kind: &TypeKind) -> String {
    let name = |t: JsonType| match t {
        JsonType::Array => "an array",
        JsonType::Boolean => "true or false",
        JsonType::Integer => "a whole number",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "an object",
        JsonType::String => "a string",
    };
    match kind {
        TypeKind::Single(t) => name(*t).to_owned(),
        TypeKind::Multiple(set) => set.iter().map(name).collect::<Vec<_>>().join(" or "),
    }
}

/// The allowed values, cut short when there are many.
fn one_of(options: &Value) -> String {
    let Some(values) = options.as_array() else {
        return options.to_string();
    };
    let shown: Vec<String> = values.iter().take(ENUM_SHOWN).map(Value::to_string).collect();
    if values.len() > ENUM_SHOWN {
        format!("{}, … ({} in all)", shown.join(", "), values.len())
    } else {
        shown.join(", ")
    }
}

/// Keys as an RFC 6901 pointer suffix: `["a/b"]` is `/a~1b`.
fn pointer(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A seeded Vapi assistant (as the simulator answers it) without its read-only fields.
    fn vapi() -> Value {
        json!({
            "name": "Riley",
            "transcriber": {"provider": "deepgram", "model": "nova-3", "language": "en", "smartFormat": true, "endpointing": 150},
            "model": {
                "provider": "openai", "model": "gpt-4o", "temperature": 0.4, "maxTokens": 300,
                "messages": [{"role": "system", "content": "You are Riley."}],
                "toolIds": ["8a1f0c3e-5b7d-4c2a-9e6f-1d2b3c4d5e6f"], "emotionRecognitionEnabled": false,
            },
            "voice": {"provider": "11labs", "voiceId": "sarah", "model": "eleven_turbo_v2_5", "stability": 0.5, "similarityBoost": 0.75, "speed": 1.0, "cachingEnabled": true},
            "firstMessage": "Hi, this is Riley.",
            "firstMessageMode": "assistant-speaks-first",
            "firstMessageInterruptionsEnabled": false,
            "endCallMessage": "Goodbye.",
            "endCallPhrases": ["goodbye", "have a great day"],
            "maxDurationSeconds": 600,
            "backgroundSound": "office",
            "serverMessages": ["end-of-call-report", "status-update", "transcript", "tool-calls", "hang", "conversation-update"],
            "clientMessages": ["transcript", "hang", "function-call", "speech-update", "metadata", "conversation-update"],
            "analysisPlan": {
                "summaryPlan": {"enabled": true, "timeoutSeconds": 10},
                "successEvaluationPlan": {"enabled": true, "rubric": "PassFail", "timeoutSeconds": 10},
                "structuredDataPlan": {"enabled": false},
            },
            "artifactPlan": {"recordingEnabled": true, "recordingFormat": "mp3", "videoRecordingEnabled": false, "pcapEnabled": false, "loggingEnabled": true},
            "startSpeakingPlan": {"waitSeconds": 0.4, "transcriptionEndpointingPlan": {"onPunctuationSeconds": 0.1, "onNoPunctuationSeconds": 1.5, "onNumberSeconds": 0.5}},
            "stopSpeakingPlan": {"numWords": 2, "voiceSeconds": 0.2, "backoffSeconds": 1},
            "monitorPlan": {"listenEnabled": true, "controlEnabled": true},
            "compliancePlan": {"hipaaEnabled": false, "pciEnabled": false},
            "backgroundSpeechDenoisingPlan": {"smartDenoisingPlan": {"enabled": true}},
            "keypadInputPlan": {"enabled": true, "timeoutSeconds": 2, "delimiters": "#"},
            "modelOutputInMessagesEnabled": false,
            "metadata": {"purpose": "scheduling", "team": "operations"},
            "voicemailMessage": "Please call us back.",
            "voicemailDetection": {"provider": "vapi", "backoffPlan": {"startAtSeconds": 2, "frequencySeconds": 2.5, "maxRetries": 6}},
            "server": {"url": "https://hooks.example.com/vapi/scheduling", "timeoutSeconds": 20, "headers": {"X-Vapi-Secret": "whsec-1"}},
        })
    }

    /// A seeded ElevenLabs agent without its read-only fields.
    fn elevenlabs() -> Value {
        json!({
            "name": "Front desk",
            "conversation_config": {
                "asr": {"quality": "high", "provider": "scribe_realtime", "user_input_audio_format": "pcm_16000", "keywords": []},
                "turn": {"turn_timeout": 7.0, "silence_end_call_timeout": -1.0, "mode": "turn", "turn_eagerness": "normal"},
                "tts": {"model_id": "eleven_flash_v2", "voice_id": "cjVigY5qzO86Huf0OWal", "agent_output_audio_format": "pcm_16000", "stability": 0.5, "speed": 1.0, "similarity_boost": 0.8},
                "conversation": {"text_only": false, "max_duration_seconds": 600, "client_events": ["audio", "interruption", "user_transcript", "agent_response", "agent_response_correction"]},
                "agent": {
                    "first_message": "Hello, front desk.",
                    "language": "en",
                    "prompt": {
                        "prompt": "You answer the phone.", "llm": "gemini-2.5-flash", "temperature": 0.3, "max_tokens": -1,
                        "tool_ids": ["tool_1"], "knowledge_base": [{"type": "text", "name": "Hours", "id": "doc_1", "usage_mode": "auto"}],
                    },
                },
            },
            "platform_settings": {
                "evaluation": {"criteria": [{"id": "goal_reached", "name": "Goal reached", "type": "prompt", "conversation_goal_prompt": "The goal was reached."}]},
                "data_collection": {"caller_name": {"type": "string", "description": "The caller's first name."}},
            },
            "tags": ["reception"],
            "procedures": {},
        })
    }

    fn paths(problems: &[SchemaProblem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn seeded_documents_of_both_providers_pass() {
        assert_eq!(check_assistant(ProviderKind::Vapi, &vapi()), []);
        assert_eq!(check_assistant(ProviderKind::ElevenLabs, &elevenlabs()), []);
    }

    #[test]
    fn a_temperature_out_of_range_fails_at_its_path() {
        let mut doc = vapi();
        doc["model"]["temperature"] = json!(7);
        assert_eq!(
            check_assistant(ProviderKind::Vapi, &doc),
            [SchemaProblem {
                path: "/model/temperature".into(),
                message: "must be at most 2".into()
            }]
        );
    }

    #[test]
    fn an_unknown_top_level_field_fails_with_its_name() {
        let mut doc = vapi();
        doc["fristMessage"] = json!("Hi");
        let problems = check_assistant(ProviderKind::Vapi, &doc);
        assert_eq!(paths(&problems), ["/fristMessage"]);
        assert_eq!(problems[0].message, "`fristMessage` is not a field of a Vapi assistant");

        let mut doc = elevenlabs();
        doc["agent"] = json!({});
        let problems = check_assistant(ProviderKind::ElevenLabs, &doc);
        assert_eq!(
            problems[0].to_string(),
            "/agent: `agent` is not a field of an ElevenLabs agent"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_fails_at_its_path() {
        let mut doc = vapi();
        doc["maxDurationSeconds"] = json!("ten minutes");
        doc["name"] = json!(42);
        let problems = check_assistant(ProviderKind::Vapi, &doc);
        assert_eq!(paths(&problems), ["/maxDurationSeconds", "/name"]);
        assert_eq!(problems[1].message, "must be a string");

        let mut doc = elevenlabs();
        doc["conversation_config"]["agent"]["prompt"]["temperature"] = json!("warm");
        let problems = check_assistant(ProviderKind::ElevenLabs, &doc);
        assert_eq!(
            problems,
            [SchemaProblem {
                path: "/conversation_config/agent/prompt/temperature".into(),
                message: "must be a number".into()
            }]
        );
    }

    #[test]
    fn a_union_member_is_checked_by_its_own_tag() {
        let mut doc = vapi();
        doc["voice"]["provider"] = json!("11labz");
        doc["transcriber"] = json!({"model": "nova-3"});
        let problems = check_assistant(ProviderKind::Vapi, &doc);
        assert_eq!(paths(&problems), ["/transcriber", "/voice/provider"]);
        assert!(problems[1].message.starts_with("must be one of "), "{problems:?}");

        doc = vapi();
        doc["voicemailDetection"] = json!("off");
        doc["model"] = json!({"provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "temperature": -1});
        let problems = check_assistant(ProviderKind::Vapi, &doc);
        assert_eq!(paths(&problems), ["/model/temperature"], "{problems:?}");
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let mut doc = vapi();
        doc["model"].as_object_mut().unwrap().remove("model");
        let problems = check_assistant(ProviderKind::Vapi, &doc);
        assert_eq!(
            problems,
            [SchemaProblem {
                path: "/model/model".into(),
                message: "is required".into()
            }]
        );
    }

    #[test]
    fn tools_are_checked_by_their_type_and_their_parameters_must_be_a_json_schema() {
        let function = json!({
            "type": "function", "async": false,
            "function": {"name": "book_appointment", "description": "Books a slot.",
                         "parameters": {"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]}},
            "server": {"url": "https://x.test/tools"},
            "messages": [{"type": "request-start", "content": "One moment."}],
        });
        assert_eq!(check_tool(ProviderKind::Vapi, &function), []);
        assert_eq!(check_tool(ProviderKind::Vapi, &json!({"type": "endCall"})), []);

        let mut bad = function.clone();
        bad["function"]["parameters"]["properties"]["day"]["type"] = json!("text");
        let problems = check_tool(ProviderKind::Vapi, &bad);
        assert!(
            problems
                .iter()
                .any(|p| p.path.starts_with("/function/parameters/properties/day")),
            "{problems:?}"
        );
        let mut unnamed = function.clone();
        unnamed["function"]["name"] = json!("book appointment!");
        assert_eq!(paths(&check_tool(ProviderKind::Vapi, &unnamed)), ["/function/name"]);
        assert!(!check_tool(ProviderKind::Vapi, &json!({"type": "teleport"})).is_empty());

        let webhook = json!({"tool_config": {"type": "webhook", "name": "lookup_order", "description": "Looks up an order.",
            "api_schema": {"url": "https://x.test/orders", "method": "POST"}}});
        assert_eq!(check_tool(ProviderKind::ElevenLabs, &webhook), []);
        let mut nameless = webhook.clone();
        nameless["tool_config"].as_object_mut().unwrap().remove("name");
        assert_eq!(
            paths(&check_tool(ProviderKind::ElevenLabs, &nameless)),
            ["/tool_config/name"]
        );
    }

    #[test]
    fn vapi_create_and_update_bodies_are_the_same_schema() {
        // The choice of CreateAssistantDTO holds only while the update body is no different.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/vapi-openapi.json");
        let contract: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let schemas = &contract["components"]["schemas"];
        assert_eq!(schemas["CreateAssistantDTO"], schemas["UpdateAssistantDTO"]);
    }
}
