//! JSON merge patches (RFC 7396): objects merge member by member, `null` removes a member.

use serde_json::Value;

/// The document with the merge patch applied, as RFC 7396 defines it.
pub fn apply_merge_patch(doc: &Value, patch: &Value) -> Value {
    let mut doc = doc.clone();
    json_patch::merge(&mut doc, patch);
    doc
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_examples_of_rfc_7396_hold() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (doc, patch, expected) in cases {
            assert_eq!(apply_merge_patch(&doc, &patch), expected, "patch {patch} on {doc}");
        }
    }

    #[test]
    fn a_patch_changes_an_assistant_and_leaves_the_rest() {
        let doc = json!({
            "name": "Riley",
            "model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.7},
            "voice": {"provider": "vapi", "voiceId": "Elliot"}
        });
        let patch = json!({"model": {"temperature": 0.3}, "voice": null});
        assert_eq!(
            apply_merge_patch(&doc, &patch),
            json!({"name": "Riley", "model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.3}})
        );
    }
}
