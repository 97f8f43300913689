//! Canonical JSON and the content hash of an assistant document.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::strip_read_only;

/// The document as compact JSON with object keys sorted (by UTF-8 bytes) at every level,
/// strings escaped and numbers printed as serde_json prints them.
pub fn canonical_json(doc: &Value) -> String {
    let mut out = String::new();
    write(doc, &mut out);
    out
}

/// Hex SHA-256 of the canonical JSON of the document without its provider's read-only fields:
/// two documents that differ only in key order, whitespace, ids or timestamps hash the same.
pub fn content_hash(provider: &str, doc: &Value) -> String {
    let canonical = canonical_json(&normalize_numbers(&strip_read_only(provider, doc)));
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The document with every number that has an integral value written as an integer, so that
/// `1.0` and `1` (which JSON, and JavaScript editors, treat as the same number) compare equal.
pub fn normalize_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => Value::from(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize_numbers).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize_numbers(v))).collect()),
        other => other.clone(),
    }
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::doc::strategies::{json_doc, with_keys_reversed};

    #[test]
    fn keys_are_sorted_at_every_level_without_whitespace() {
        let doc: Value = serde_json::from_str(
            r#"{ "voice": {"voiceId": "Elliot", "provider": "vapi"},
                 "model": {"temperature": 0.7, "messages": [{"role": "system", "content": "Hi \"there\"\n"}]},
                 "endCallPhrases": ["bye", "goodbye"], "maxDurationSeconds": 600, "hipaa": null }"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&doc),
            r#"{"endCallPhrases":["bye","goodbye"],"hipaa":null,"maxDurationSeconds":600,"model":{"messages":[{"content":"Hi \"there\"\n","role":"system"}],"temperature":0.7},"voice":{"provider":"vapi","voiceId":"Elliot"}}"#
        );
    }

    #[test]
    fn the_hash_is_hex_sha_256_of_the_canonical_json() {
        assert_eq!(
            content_hash("vapi", &json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(content_hash("vapi", &json!({"b": 1, "a": 2})).len(), 64);
    }

    #[test]
    fn the_hash_ignores_ids_and_timestamps_but_not_content() {
        let remote = json!({"id": "a1", "orgId": "o1", "updatedAt": "2026-03-01T00:00:00Z", "name": "Riley"});
        let local = json!({"name": "Riley"});
        assert_eq!(content_hash("vapi", &remote), content_hash("vapi", &local));
        assert_ne!(
            content_hash("vapi", &local),
            content_hash("vapi", &json!({"name": "Riley 2"}))
        );
    }

    proptest! {
        #[test]
        fn canonical_json_reads_back_as_the_same_document(doc in json_doc()) {
            let back: Value = serde_json::from_str(&canonical_json(&doc)).unwrap();
            prop_assert_eq!(back, doc);
        }

        #[test]
        fn the_hash_does_not_depend_on_key_order(doc in json_doc()) {
            let reordered: Value = serde_json::from_str(&with_keys_reversed(&doc)).unwrap();
            prop_assert_eq!(canonical_json(&reordered), canonical_json(&doc));
            prop_assert_eq!(content_hash("vapi", &reordered), content_hash("vapi", &doc));
        }

        #[test]
        fn the_hash_does_not_depend_on_read_only_fields(
            doc in json_doc(),
            id in "[a-f0-9-]{36}",
            updated in 0u64..2_000_000_000,
        ) {
            let mut vapi = doc.clone();
            let mut elevenlabs = doc.clone();
            if let (Value::Object(v), Value::Object(e)) = (&mut vapi, &mut elevenlabs) {
                v.insert("id".into(), json!(id));
                v.insert("orgId".into(), json!("org"));
                v.insert("updatedAt".into(), json!(updated.to_string()));
                e.insert("agent_id".into(), json!(id));
                e.insert("metadata".into(), json!({"updated_at_unix_secs": updated}));
            }
            let bare_vapi = strip_read_only("vapi", &doc);
            let bare_elevenlabs = strip_read_only("elevenlabs", &doc);
            prop_assert_eq!(content_hash("vapi", &vapi), content_hash("vapi", &bare_vapi));
            prop_assert_eq!(
                content_hash("elevenlabs", &elevenlabs),
                content_hash("elevenlabs", &bare_elevenlabs)
            );
        }
    }
}

#[cfg(test)]
mod number_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_numbers_hash_and_compare_the_same_however_written() {
        let a: Value = serde_json::from_str(r#"{"voice": {"speed": 1.0}, "t": 0.5}"#).unwrap();
        let b = json!({"voice": {"speed": 1}, "t": 0.5});
        assert_eq!(content_hash("vapi", &a), content_hash("vapi", &b));
        assert!(crate::doc::diff(&a, &b).is_empty());
        assert_ne!(
            content_hash("vapi", &json!({"t": 0.5})),
            content_hash("vapi", &json!({"t": 0.25}))
        );
    }
}
