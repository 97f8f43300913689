//! Request-body validation as Vapi's whitelist does it: unknown properties, wrong types, lengths and enums.

use serde_json::{Map, Value};

use super::error::{VapiError, VapiResult};
use super::fields::{Field, Kind};

/// Parses a JSON body; a syntax error is a 400 like Vapi's.
pub fn parse(body: &[u8]) -> VapiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| VapiError::bad_request(format!("Unexpected token in JSON: {e}")))
}

fn kind_matches(kind: Kind, value: &Value) -> bool {
    match kind {
        Kind::Str => value.is_string(),
        Kind::Num => value.is_number(),
        Kind::Bool => value.is_boolean(),
        Kind::Arr => value.is_array(),
        Kind::Obj => value.is_object(),
        Kind::Any => true,
    }
}

fn type_message(field: &Field) -> String {
    let name = field.name;
    match field.kind {
        Kind::Str => format!("{name} must be a string"),
        Kind::Num => format!("{name} must be a number conforming to the specified constraints"),
        Kind::Bool => format!("{name} must be a boolean value"),
        Kind::Arr => format!("{name} must be an array"),
        Kind::Obj | Kind::Any => format!("nested property {name} must be either object or array"),
    }
}

/// Checks `body` against a DTO's fields and returns its properties; every problem is listed.
pub fn check<'a>(body: &'a Value, fields: &[Field]) -> VapiResult<&'a Map<String, Value>> {
    let Some(map) = body.as_object() else {
        return Err(VapiError::bad_request("Request body must be a JSON object"));
    };
    problems(map, fields, "")
}

/// Checks the nested object at `path` (such as `transport.audioFormat`), naming the path in every message.
pub fn check_at<'a>(value: &'a Value, fields: &[Field], path: &str) -> VapiResult<&'a Map<String, Value>> {
    let Some(map) = value.as_object() else {
        return Err(VapiError::validation(vec![format!(
            "nested property {path} must be either object or array"
        )]));
    };
    problems(map, fields, &format!("{path}."))
}

fn problems<'a>(map: &'a Map<String, Value>, fields: &[Field], prefix: &str) -> VapiResult<&'a Map<String, Value>> {
    let mut errors: Vec<String> = map
        .keys()
        .filter(|k| !fields.iter().any(|f| f.name == k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    for field in fields {
        match map.get(field.name) {
            None if field.required => errors.push(format!("{} should not be empty", field.name)),
            None => {}
            // class-validator's @IsOptional: null passes, and clears the field on update.
            Some(Value::Null) if !field.required => {}
            Some(value) if !kind_matches(field.kind, value) => errors.push(type_message(field)),
            Some(value) => {
                let text = value.as_str().unwrap_or_default();
                if field.max_len.is_some_and(|max| text.chars().count() as u64 > max) {
                    let max = field.max_len.unwrap_or_default();
                    errors.push(format!(
                        "{} must be shorter than or equal to {max} characters",
                        field.name
                    ));
                }
                if field
                    .one_of
                    .is_some_and(|allowed| value.is_string() && !allowed.contains(&text))
                {
                    let allowed = field.one_of.unwrap_or_default().join(", ");
                    errors.push(format!("{} must be one of the following values: {allowed}", field.name));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(VapiError::validation(
            errors.into_iter().map(|e| format!("{prefix}{e}")).collect(),
        ))
    }
}

/// Checks that a nested object (model, voice, transcriber) names its required properties.
pub fn require_nested(map: &Map<String, Value>, field: &str, required: &[&str], errors: &mut Vec<String>) {
    if let Some(nested) = map.get(field).and_then(Value::as_object) {
        for key in required {
            if !nested.contains_key(*key) {
                errors.push(format!("{field}.{key} should not be empty"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields::{AUDIO_FORMAT, CREATE_ASSISTANT};
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_and_wrong_types_are_all_reported() {
        let body = json!({"name": 5, "colour": "blue", "firstMessageMode": "shout"});
        let err = format!("{:?}", check(&body, CREATE_ASSISTANT).unwrap_err());
        assert!(err.contains("property colour should not exist"));
        assert!(err.contains("name must be a string"));
        assert!(err.contains("firstMessageMode must be one of the following values"));
    }

    #[test]
    fn nested_problems_name_their_path() {
        let body = json!({"format": "opus", "sampleRate": 8000, "bitrate": 1});
        let err = format!(
            "{:?}",
            check_at(&body, AUDIO_FORMAT, "transport.audioFormat").unwrap_err()
        );
        assert!(err.contains("transport.audioFormat.property bitrate should not exist"));
        assert!(err.contains("transport.audioFormat.format must be one of the following values: pcm_s16le, mulaw"));
    }
}
