//! What changed between two documents, one entry per JSON path.

use serde_json::Value;

use super::{is_whole, Path};

/// One difference between two documents.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub path: Path,
    pub kind: ChangeKind,
}

/// How the value at a path differs.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    /// The path is new, with this value.
    Added(Value),
    /// The path is gone; this was its value.
    Removed(Value),
    /// The value at the path went from `old` to `new`.
    Changed { old: Value, new: Value },
}

/// The changes that turn `base` into `other`: objects member by member, arrays of objects
/// element by element (extra elements added or removed at the end), anything else whole.
pub fn diff(base: &Value, other: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let (base, other) = (super::normalize_numbers(base), super::normalize_numbers(other));
    walk(&Path::default(), &base, &other, &mut changes);
    changes
}

fn walk(path: &Path, base: &Value, other: &Value, changes: &mut Vec<Change>) {
    if base == other {
        return;
    }
    match (base, other) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                match new.get(key) {
                    Some(new_value) => walk(&path.key(key), old_value, new_value, changes),
                    None => changes.push(Change {
                        path: path.key(key),
                        kind: ChangeKind::Removed(old_value.clone()),
                    }),
                }
            }
            for (key, new_value) in new.iter().filter(|(key, _)| !old.contains_key(*key)) {
                changes.push(Change {
                    path: path.key(key),
                    kind: ChangeKind::Added(new_value.clone()),
                });
            }
        }
        (Value::Array(old), Value::Array(new)) if !is_whole(old, new) => {
            for (i, (old_item, new_item)) in old.iter().zip(new).enumerate() {
                walk(&path.index(i), old_item, new_item, changes);
            }
            for (i, new_item) in new.iter().enumerate().skip(old.len()) {
                changes.push(Change {
                    path: path.index(i),
                    kind: ChangeKind::Added(new_item.clone()),
                });
            }
            for (i, old_item) in old.iter().enumerate().skip(new.len()) {
                changes.push(Change {
                    path: path.index(i),
                    kind: ChangeKind::Removed(old_item.clone()),
                });
            }
        }
        _ => changes.push(Change {
            path: path.clone(),
            kind: ChangeKind::Changed {
                old: base.clone(),
                new: other.clone(),
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::doc::normalize_numbers;
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::doc::strategies::{base_and_edits, json_doc};

    /// Applies changes in order, removals last and from the end, so trailing array
    /// elements come off highest index first.
    fn apply(doc: &Value, changes: &[Change]) -> Value {
        let mut doc = doc.clone();
        let (removals, edits): (Vec<&Change>, Vec<&Change>) =
            changes.iter().partition(|c| matches!(c.kind, ChangeKind::Removed(_)));
        for change in edits {
            let value = match &change.kind {
                ChangeKind::Added(value) | ChangeKind::Changed { new: value, .. } => value.clone(),
                ChangeKind::Removed(_) => unreachable!("removals were set apart"),
            };
            change.path.set(&mut doc, Some(value));
        }
        for change in removals.into_iter().rev() {
            change.path.set(&mut doc, None);
        }
        doc
    }

    fn assistant() -> Value {
        json!({
            "name": "Riley",
            "firstMessage": "Hi, this is Riley from Wellness Partners. How can I help?",
            "model": {
                "provider": "openai",
                "model": "gpt-4o",
                "temperature": 0.7,
                "messages": [
                    {"role": "system", "content": "You are Riley, a scheduling assistant."},
                    {"role": "assistant", "content": "How can I help?"}
                ],
                "toolIds": ["tool-calendar", "tool-sms"]
            },
            "voice": {"provider": "vapi", "voiceId": "Elliot"},
            "transcriber": {"provider": "deepgram", "model": "nova-3", "language": "en"},
            "server": {"url": "https://example.com/vapi", "timeoutSeconds": 20},
            "endCallPhrases": ["goodbye", "talk to you soon"]
        })
    }

    fn shown(changes: &[Change]) -> Vec<String> {
        changes.iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn an_edit_deep_in_an_assistant_is_one_change_at_its_path() {
        let mut edited = assistant();
        edited["model"]["messages"][0]["content"] = json!("You are Riley. Be brief.");
        edited["model"]["temperature"] = json!(0.3);
        let changes = diff(&assistant(), &edited);
        assert_eq!(shown(&changes), ["model.messages[0].content", "model.temperature"]);
        assert_eq!(changes[1].path.pointer(), "/model/temperature");
        assert_eq!(
            changes[1].kind,
            ChangeKind::Changed {
                old: json!(0.7),
                new: json!(0.3)
            }
        );
    }

    #[test]
    fn reordering_a_list_of_phrases_is_one_change_of_the_whole_list() {
        let mut edited = assistant();
        edited["endCallPhrases"] = json!(["talk to you soon", "goodbye"]);
        edited["model"]["toolIds"] = json!(["tool-calendar"]);
        let changes = diff(&assistant(), &edited);
        assert_eq!(shown(&changes), ["endCallPhrases", "model.toolIds"]);
        assert_eq!(
            changes[0].kind,
            ChangeKind::Changed {
                old: json!(["goodbye", "talk to you soon"]),
                new: json!(["talk to you soon", "goodbye"])
            }
        );
    }

    #[test]
    fn added_and_removed_members_and_messages_are_reported_as_such() {
        let mut edited = assistant();
        let doc = edited.as_object_mut().unwrap();
        doc.remove("server");
        doc.insert("voicemailMessage".into(), json!("Please call back."));
        edited["model"]["messages"]
            .as_array_mut()
            .unwrap()
            .push(json!({"role": "user", "content": "Book me in"}));
        let changes = diff(&assistant(), &edited);
        assert_eq!(
            changes,
            [
                Change {
                    path: Path::default().key("model").key("messages").index(2),
                    kind: ChangeKind::Added(json!({"role": "user", "content": "Book me in"}))
                },
                Change {
                    path: Path::default().key("server"),
                    kind: ChangeKind::Removed(assistant()["server"].clone())
                },
                Change {
                    path: Path::default().key("voicemailMessage"),
                    kind: ChangeKind::Added(json!("Please call back."))
                },
            ]
        );
        assert_eq!(apply(&assistant(), &changes), edited);
    }

    #[test]
    fn a_value_that_changes_type_is_one_change() {
        let changes = diff(&json!({"voice": {"provider": "vapi"}}), &json!({"voice": null}));
        assert_eq!(shown(&changes), ["voice"]);
    }

    proptest! {
        #[test]
        fn a_document_has_no_changes_from_itself(doc in json_doc()) {
            prop_assert!(diff(&doc, &doc).is_empty());
        }

        #[test]
        fn applying_the_changes_turns_one_document_into_the_other(a in json_doc(), b in json_doc()) {
            // Equal as JSON numbers: 0.0 and 0 are one number.
            prop_assert_eq!(normalize_numbers(&apply(&a, &diff(&a, &b))), normalize_numbers(&b));
        }

        #[test]
        fn applying_the_changes_of_an_edit_reproduces_the_edit((base, edit, _) in base_and_edits()) {
            prop_assert_eq!(normalize_numbers(&apply(&base, &diff(&base, &edit))), normalize_numbers(&edit));
        }
    }
}
