//! The form for the fields people change most, mapped onto paths of the provider's document.
//! Everything else in the document is left exactly as it is, and what the form changed is
//! checked against the provider's schema, a problem shown at the form field it is about.

use serde_json::{Map, Value};

/// How a field is edited and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    LongText,
    Number,
    Bool,
    /// A list of strings, one per line.
    Lines,
    /// A list of strings, separated by commas.
    Csv,
}

/// What an absent flag means at the provider (Vapi records calls unless told not to).
const BOOL_DEFAULT: bool = true;

/// One form field and where it lives in the document (`*` = the first system message).
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    path: &'static [&'static str],
}

const fn field(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    kind: Kind,
    path: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        help,
        kind,
        path,
    }
}

static VAPI: &[FieldSpec] = &[
    field("name", "Name", "Up to 40 characters.", Kind::Text, &["name"]),
    field(
        "first_message",
        "First message",
        "What the assistant says when the call starts.",
        Kind::LongText,
        &["firstMessage"],
    ),
    field(
        "system_prompt",
        "System prompt",
        "The instructions the model follows.",
        Kind::LongText,
        &["model", "messages", "*"],
    ),
    field(
        "model_provider",
        "Model provider",
        "For example openai, anthropic, google.",
        Kind::Text,
        &["model", "provider"],
    ),
    field(
        "model",
        "Model",
        "For example gpt-4o-mini.",
        Kind::Text,
        &["model", "model"],
    ),
    field(
        "temperature",
        "Temperature",
        "From 0 to 2; lower is more predictable.",
        Kind::Number,
        &["model", "temperature"],
    ),
    field(
        "voice_provider",
        "Voice provider",
        "For example 11labs, cartesia, azure.",
        Kind::Text,
        &["voice", "provider"],
    ),
    field(
        "voice_id",
        "Voice",
        "The provider's voice id.",
        Kind::Text,
        &["voice", "voiceId"],
    ),
    field(
        "transcriber_provider",
        "Transcriber provider",
        "For example deepgram.",
        Kind::Text,
        &["transcriber", "provider"],
    ),
    field(
        "transcriber_model",
        "Transcriber model",
        "For example nova-2.",
        Kind::Text,
        &["transcriber", "model"],
    ),
    field(
        "tool_ids",
        "Attached tools",
        "Tool ids, separated by commas.",
        Kind::Csv,
        &["model", "toolIds"],
    ),
    field(
        "server_url",
        "Server URL",
        "Where Vapi sends this assistant's server messages.",
        Kind::Text,
        &["server", "url"],
    ),
    field(
        "server_secret",
        "Server secret",
        "Sent as the X-Vapi-Secret header with every server message.",
        Kind::Text,
        &["server", "headers", "X-Vapi-Secret"],
    ),
    field(
        "recording",
        "Record calls",
        "",
        Kind::Bool,
        &["artifactPlan", "recordingEnabled"],
    ),
    field(
        "end_call_phrases",
        "End-call phrases",
        "One per line: the call ends when the assistant says one.",
        Kind::Lines,
        &["endCallPhrases"],
    ),
];

static ELEVENLABS: &[FieldSpec] = &[
    field("name", "Name", "", Kind::Text, &["name"]),
    field(
        "first_message",
        "First message",
        "What the agent says when the call starts.",
        Kind::LongText,
        &["conversation_config", "agent", "first_message"],
    ),
    field(
        "system_prompt",
        "System prompt",
        "The instructions the model follows.",
        Kind::LongText,
        &["conversation_config", "agent", "prompt", "prompt"],
    ),
    field(
        "model",
        "LLM",
        "For example gpt-4o-mini, gemini-2.0-flash.",
        Kind::Text,
        &["conversation_config", "agent", "prompt", "llm"],
    ),
    field(
        "temperature",
        "Temperature",
        "From 0 to 1; lower is more predictable.",
        Kind::Number,
        &["conversation_config", "agent", "prompt", "temperature"],
    ),
    field(
        "language",
        "Language",
        "For example en, de, es.",
        Kind::Text,
        &["conversation_config", "agent", "language"],
    ),
    field(
        "voice_id",
        "Voice",
        "The ElevenLabs voice id.",
        Kind::Text,
        &["conversation_config", "tts", "voice_id"],
    ),
    field(
        "tts_model",
        "Voice model",
        "For example eleven_flash_v2_5.",
        Kind::Text,
        &["conversation_config", "tts", "model_id"],
    ),
    field(
        "tool_ids",
        "Attached tools",
        "Tool ids, separated by commas.",
        Kind::Csv,
        &["conversation_config", "agent", "prompt", "tool_ids"],
    ),
];

/// The form fields of a provider.
pub fn fields(provider: &str) -> &'static [FieldSpec] {
    if provider == "elevenlabs" {
        ELEVENLABS
    } else {
        VAPI
    }
}

/// The value at a path, following `*` to the first system message's content.
fn get<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut at = doc;
    for seg in path {
        at = match *seg {
            "*" => at.as_array()?.iter().find(|m| m["role"] == "system")?.get("content")?,
            key => at.get(key)?,
        };
    }
    Some(at)
}

/// Sets (or, with `None`, removes) the value at a path, creating objects on the way.
fn set(doc: &mut Value, path: &[&str], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = doc;
    for seg in parents {
        if *seg == "*" {
            return;
        }
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        at = at
            .as_object_mut()
            .expect("object")
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if *last == "*" {
        let messages = at.as_array_mut();
        let Some(messages) = messages else {
            if let Some(v) = value {
                *at = Value::Array(vec![serde_json::json!({"role": "system", "content": v})]);
            }
            return;
        };
        match (messages.iter_mut().find(|m| m["role"] == "system"), value) {
            (Some(m), Some(v)) => m["content"] = v,
            (None, Some(v)) => messages.insert(0, serde_json::json!({"role": "system", "content": v})),
            (Some(_), None) => messages.retain(|m| m["role"] != "system"),
            (None, None) => {}
        }
        return;
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    let map = at.as_object_mut().expect("object");
    match value {
        Some(v) => {
            map.insert(last.to_string(), v);
        }
        None => {
            map.remove(*last);
        }
    }
}

/// The text a field shows for a document.
pub fn show(spec: &FieldSpec, doc: &Value) -> String {
    let Some(v) = get(doc, spec.path) else {
        return if spec.kind == Kind::Bool && BOOL_DEFAULT {
            "on".into()
        } else {
            String::new()
        };
    };
    match spec.kind {
        Kind::Lines | Kind::Csv => {
            let sep = if spec.kind == Kind::Lines { "\n" } else { ", " };
            v.as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(sep))
                .unwrap_or_default()
        }
        Kind::Bool => {
            if v.as_bool().unwrap_or(BOOL_DEFAULT) {
                "on".into()
            } else {
                String::new()
            }
        }
        _ => v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| if v.is_null() { String::new() } else { v.to_string() }),
    }
}

/// The form field whose value holds the JSON pointer `pointer` (`/model/temperature`).
fn field_at(provider: &str, pointer: &str) -> Option<&'static FieldSpec> {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    fields(provider).iter().find(|spec| {
        let mut at = segments.iter().map(String::as_str);
        spec.path.iter().all(|step| match *step {
            // A message, by index, and its content.
            "*" => at.next().is_some_and(|i| i.parse::<usize>().is_ok()) && at.next() == Some("content"),
            key => at.next() == Some(key),
        })
    })
}

/// Applies submitted form values to a document; an error names the field (its key, or "" when
/// the problem lies outside the form) and says what is wrong.
pub fn apply(provider: &str, original: &Value, form: &[(String, String)]) -> Result<Value, (&'static str, String)> {
    let mut doc = original.clone();
    for spec in fields(provider) {
        let submitted = form
            .iter()
            .find(|(k, _)| k == spec.key)
            .map(|(_, v)| v.trim().to_string());
        let value = match (spec.kind, submitted) {
            (Kind::Bool, v) => {
                let on = v.is_some_and(|v| v == "on");
                // An absent flag means the provider's default: leave it absent while it matches.
                if get(&doc, spec.path).is_none() && on == BOOL_DEFAULT {
                    continue;
                }
                Some(Value::Bool(on))
            }
            (_, None) => continue,
            (_, Some(v)) if v.is_empty() => None,
            (Kind::Text | Kind::LongText, Some(v)) => Some(Value::String(v)),
            (Kind::Number, Some(v)) => match v.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => Some(Value::Number(n)),
                None => return Err((spec.key, format!("{}: enter a number such as 0.5", spec.label))),
            },
            (Kind::Lines, Some(v)) => Some(Value::Array(
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.into()))
                    .collect(),
            )),
            (Kind::Csv, Some(v)) => Some(Value::Array(
                v.split(',')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.into()))
                    .collect(),
            )),
        };
        if spec.key == "name" && value.is_none() {
            return Err((spec.key, "Name: give the assistant a name".into()));
        }
        if get(&doc, spec.path) != value.as_ref() {
            set(&mut doc, spec.path, value);
        }
    }
    let problems = voxhive_sync::check_document(provider, Some(original), &doc);
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(refusal(provider, &problems))
    }
}

/// The form field of the first problem (empty when no field holds it) and every problem in
/// words, each named by its field's label where the form has one.
pub fn refusal(provider: &str, problems: &[voxhive_sync::FieldProblem]) -> (&'static str, String) {
    let message = problems
        .iter()
        .map(|p| match field_at(provider, &p.path) {
            Some(spec) => format!("{}: {}", spec.label, p.message),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let key = problems
        .first()
        .and_then(|p| field_at(provider, &p.path))
        .map_or("", |spec| spec.key);
    (key, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_form_changes_only_the_fields_it_holds() {
        let doc = json!({"name": "A", "model": {"provider": "openai", "model": "gpt-4o", "messages": [{"role": "system", "content": "old"}, {"role": "user", "content": "u"}], "extra": 1}, "unknownField": {"kept": true}});
        let out = apply(
            "vapi",
            &doc,
            &form(&[
                ("name", "B"),
                ("system_prompt", "new prompt"),
                ("temperature", "0.3"),
                ("end_call_phrases", "bye\n\n see you "),
            ]),
        )
        .unwrap();
        assert_eq!(out["name"], "B");
        assert_eq!(out["model"]["messages"][0]["content"], "new prompt");
        assert_eq!(out["model"]["messages"][1]["content"], "u");
        assert_eq!(out["model"]["temperature"], 0.3);
        assert_eq!(out["model"]["extra"], 1);
        assert_eq!(out["endCallPhrases"], json!(["bye", "see you"]));
        assert_eq!(out["unknownField"], json!({"kept": true}));
        assert_eq!(
            out["artifactPlan"]["recordingEnabled"], false,
            "an unticked box is false"
        );
        let untouched = apply("vapi", &json!({"name": "A"}), &form(&[("recording", "on")])).unwrap();
        assert_eq!(
            untouched,
            json!({"name": "A"}),
            "the default left as it is adds nothing"
        );
    }

    #[test]
    fn bad_numbers_and_empty_names_name_the_field() {
        let doc = json!({"name": "A"});
        assert_eq!(
            apply("vapi", &doc, &form(&[("temperature", "warm")])).unwrap_err().0,
            "temperature"
        );
        assert_eq!(apply("vapi", &doc, &form(&[("name", " ")])).unwrap_err().0, "name");
    }

    #[test]
    fn a_value_the_provider_would_refuse_is_named_at_its_form_field() {
        let doc = json!({"name": "A", "model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.5}});
        let (field, message) = apply("vapi", &doc, &form(&[("temperature", "7")])).unwrap_err();
        assert_eq!(
            (field, message.as_str()),
            ("temperature", "Temperature: must be at most 2")
        );

        let (field, message) = apply("vapi", &doc, &form(&[("model_provider", "openay")])).unwrap_err();
        assert_eq!(field, "model_provider");
        assert!(message.starts_with("Model provider: must be one of "), "{message}");

        let el = json!({"name": "Agent", "conversation_config": {"agent": {"prompt": {"prompt": "p", "llm": "gpt-4o-mini"}}}});
        let (field, _) = apply("elevenlabs", &el, &form(&[("model", "gpt-5-ultra")])).unwrap_err();
        assert_eq!(field, "model");
    }

    #[test]
    fn a_problem_the_form_did_not_cause_does_not_stop_it() {
        let doc = json!({"name": "A", "maxDurationSeconds": 1, "model": {"provider": "openai", "model": "gpt-4o"}});
        let out = apply("vapi", &doc, &form(&[("first_message", "Hello")])).unwrap();
        assert_eq!(out["firstMessage"], "Hello");
    }

    #[test]
    fn json_pointers_find_their_form_field() {
        let key = |pointer| field_at("vapi", pointer).map(|s| s.key);
        assert_eq!(key("/model/temperature"), Some("temperature"));
        assert_eq!(key("/model/messages/0/content"), Some("system_prompt"));
        assert_eq!(key("/server/headers/X-Vapi-Secret"), Some("server_secret"));
        assert_eq!(key("/model/toolIds/1"), Some("tool_ids"));
        assert_eq!(key("/model/messages/0/role"), None);
        assert_eq!(key("/voicemailMessage"), None);
    }

    #[test]
    fn elevenlabs_fields_live_in_the_conversation_config() {
        let doc = json!({"name": "Agent", "conversation_config": {"agent": {"prompt": {"prompt": "p"}}}});
        let out = apply(
            "elevenlabs",
            &doc,
            &form(&[("first_message", "Hello"), ("temperature", "0.2")]),
        )
        .unwrap();
        assert_eq!(out["conversation_config"]["agent"]["first_message"], "Hello");
        assert_eq!(out["conversation_config"]["agent"]["prompt"]["temperature"], 0.2);
        assert_eq!(show(&fields("elevenlabs")[2], &out), "p");
    }
}
