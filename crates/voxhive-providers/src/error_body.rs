//! Reads the provider's own explanation out of an error response body.
//!
//! Vapi answers NestJS-style `{statusCode, message: string | string[], error}` (newer bodies add
//! `detail`, `errors[{message, pointer}]`); ElevenLabs answers `{detail}` where `detail` is a string,
//! an object `{status, message}` or FastAPI's list `[{loc, msg, type}]`.

use serde_json::Value;

/// The message and machine code found in an error body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    /// Human-readable text, as the provider wrote it.
    pub message: Option<String>,
    /// A machine code such as ElevenLabs' `invalid_api_key` or Vapi's `Bad Request`.
    pub code: Option<String>,
}

/// Longest provider message kept, in characters.
const MAX_MESSAGE_CHARS: usize = 600;

/// Parses an error body of either provider; text that is not JSON is kept as the message.
pub(crate) fn parse(body: &[u8]) -> ErrorBody {
    let parsed = match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => {
            let el = elevenlabs(&value);
            if el.message.is_some() && value.get("statusCode").is_none() {
                el
            } else {
                vapi(&value)
            }
        }
        _ => ErrorBody {
            message: Some(String::from_utf8_lossy(body).trim().to_owned()).filter(|m| !m.is_empty()),
            code: None,
        },
    };
    ErrorBody {
        message: parsed.message.map(truncate),
        code: parsed.code,
    }
}

fn vapi(body: &Value) -> ErrorBody {
    let from_message = match body.get("message") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Array(items)) => join(items.iter().filter_map(Value::as_str).map(str::to_owned)),
        _ => None,
    };
    let from_errors = body.get("errors").and_then(Value::as_array).and_then(|errors| {
        join(errors.iter().filter_map(|e| {
            let message = e.get("message")?.as_str()?;
            Some(match e.get("pointer").and_then(Value::as_str) {
                Some(pointer) => format!("{pointer}: {message}"),
                None => message.to_owned(),
            })
        }))
    });
    let message = from_message
        .or(from_errors)
        .or_else(|| text(body, "detail"))
        .or_else(|| text(body, "title"))
        .or_else(|| text(body, "error"));
    let code = text(body, "code").or_else(|| text(body, "error"));
    ErrorBody { message, code }
}

fn elevenlabs(body: &Value) -> ErrorBody {
    match body.get("detail") {
        Some(Value::String(text)) => ErrorBody {
            message: Some(text.clone()),
            code: None,
        },
        Some(detail @ Value::Object(_)) => ErrorBody {
            message: text(detail, "message").or_else(|| text(detail, "status")),
            code: text(detail, "status").or_else(|| text(detail, "code")),
        },
        Some(Value::Array(items)) => ErrorBody {
            message: join(items.iter().filter_map(|item| {
                let msg = item.get("msg").and_then(Value::as_str)?;
                let loc = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|p| match p {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .filter(|loc| !loc.is_empty());
                Some(match loc {
                    Some(loc) => format!("{loc}: {msg}"),
                    None => msg.to_owned(),
                })
            })),
            code: None,
        },
        _ => ErrorBody::default(),
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

fn join(parts: impl Iterator<Item = String>) -> Option<String> {
    let joined = parts.collect::<Vec<_>>().join("; ");
    (!joined.is_empty()).then_some(joined)
}

fn truncate(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Option<String> {
        parse(body.as_bytes()).message
    }

    #[test]
    fn vapi_messages_are_read_as_a_string_or_a_list() {
        assert_eq!(
            message(r#"{"statusCode":400,"message":"assistantId must be a UUID","error":"Bad Request"}"#).as_deref(),
            Some("assistantId must be a UUID")
        );
        assert_eq!(
            message(r#"{"statusCode":400,"message":["name must be shorter","voice must be an object"],"error":"Bad Request"}"#)
                .as_deref(),
            Some("name must be shorter; voice must be an object")
        );
        assert_eq!(
            parse(br#"{"statusCode":409,"error":"assistant_pinned"}"#)
                .code
                .as_deref(),
            Some("assistant_pinned")
        );
    }

    #[test]
    fn elevenlabs_details_are_read_in_all_three_shapes() {
        assert_eq!(
            message(r#"{"detail":"Agent not found"}"#).as_deref(),
            Some("Agent not found")
        );
        let object = parse(br#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#);
        assert_eq!(object.message.as_deref(), Some("Invalid API key"));
        assert_eq!(object.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(
            message(r#"{"detail":[{"type":"missing","loc":["body","conversation_config"],"msg":"Field required","input":null}]}"#)
                .as_deref(),
            Some("body.conversation_config: Field required")
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_kept_as_text_and_cut_when_long() {
        assert_eq!(
            message("upstream connect error").as_deref(),
            Some("upstream connect error")
        );
        assert_eq!(message(""), None);
        let long = "x".repeat(2000);
        assert_eq!(message(&long).unwrap().chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
