//! Three-way merge of documents per JSON path, and the field-by-field resolution of conflicts.

use serde_json::{Map, Value};

use super::{is_whole, Path};

/// The result of a three-way merge: the merged document and the paths left to resolve.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeOutcome {
    /// Both sides' changes applied; at each conflicting path, ours until resolved.
    pub merged: Value,
    pub conflicts: Vec<Conflict>,
}

/// A path that both sides changed differently; `None` where a side has no value there.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub path: Path,
    pub base: Option<Value>,
    pub ours: Option<Value>,
    pub theirs: Option<Value>,
}

/// What to keep at a conflicting path.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Our value, or no value if we removed it.
    KeepMine,
    /// Their value, or no value if they removed it.
    TakeTheirs,
    /// A value written by hand.
    Edit(Value),
}

/// Why resolutions could not be applied.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ResolveError {
    #[error("choose a value for {0}")]
    Unresolved(Path),
    #[error("{0} has no conflict to resolve")]
    NotAConflict(Path),
}

/// Merges the changes from `base` to `ours` and from `base` to `theirs`. Changes to different
/// paths, and the same change made on both sides, merge; different changes to one path, or a
/// removal on one side and an edit on the other, conflict. Objects merge member by member;
/// arrays of objects element by element while both sides keep the base's length; anything else,
/// including lists of scalars, merges as one value.
pub fn merge(base: &Value, ours: &Value, theirs: &Value) -> MergeOutcome {
    let mut conflicts = Vec::new();
    let normalize = super::normalize_numbers;
    let (base, ours, theirs) = (normalize(base), normalize(ours), normalize(theirs));
    let merged = merge_present(&Path::default(), Some(&base), &ours, &theirs, &mut conflicts);
    MergeOutcome { merged, conflicts }
}

impl MergeOutcome {
    /// The merged document with a resolution applied at each conflicting path; every conflict
    /// needs one, and each resolution must name a conflict.
    pub fn resolve(&self, resolutions: &[(Path, Resolution)]) -> Result<Value, ResolveError> {
        if let Some((path, _)) = resolutions
            .iter()
            .find(|(path, _)| !self.conflicts.iter().any(|c| &c.path == path))
        {
            return Err(ResolveError::NotAConflict(path.clone()));
        }
        let mut doc = self.merged.clone();
        for conflict in &self.conflicts {
            let resolution = resolutions
                .iter()
                .rev()
                .find(|(path, _)| path == &conflict.path)
                .map(|(_, resolution)| resolution)
                .ok_or_else(|| ResolveError::Unresolved(conflict.path.clone()))?;
            let value = match resolution {
                Resolution::KeepMine => conflict.ours.clone(),
                Resolution::TakeTheirs => conflict.theirs.clone(),
                Resolution::Edit(value) => Some(value.clone()),
            };
            conflict.path.set(&mut doc, value);
        }
        Ok(doc)
    }
}

/// The merged value at a path where any side may have no value.
fn merge_entry(
    path: &Path,
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    match (ours, theirs) {
        (Some(ours), Some(theirs)) => Some(merge_present(path, base, ours, theirs, conflicts)),
        _ if ours == theirs || theirs == base => ours.cloned(),
        _ if ours == base => theirs.cloned(),
        _ => {
            conflicts.push(conflict(path, base, ours, theirs));
            ours.cloned()
        }
    }
}

/// The merged value at a path where both sides have a value.
fn merge_present(
    path: &Path,
    base: Option<&Value>,
    ours: &Value,
    theirs: &Value,
    conflicts: &mut Vec<Conflict>,
) -> Value {
    if ours == theirs || Some(theirs) == base {
        return ours.clone();
    }
    if Some(ours) == base {
        return theirs.clone();
    }
    match (base, ours, theirs) {
        (_, Value::Object(o), Value::Object(t)) => {
            let empty = Map::new();
            let b = base.and_then(Value::as_object).unwrap_or(&empty);
            // The base's keys in its order, then keys new on our side, then on theirs.
            let keys = b
                .keys()
                .chain(o.keys().filter(|k| !b.contains_key(*k)))
                .chain(t.keys().filter(|k| !b.contains_key(*k) && !o.contains_key(*k)));
            let mut merged = Map::new();
            for key in keys {
                let value = merge_entry(&path.key(key), b.get(key), o.get(key), t.get(key), conflicts);
                if let Some(value) = value {
                    merged.insert(key.clone(), value);
                }
            }
            Value::Object(merged)
        }
        (Some(Value::Array(b)), Value::Array(o), Value::Array(t))
            if o.len() == b.len() && t.len() == b.len() && !is_whole(b, o) && !is_whole(b, t) =>
        {
            let items = b.iter().zip(o).zip(t).enumerate();
            let merged = items.map(|(i, ((b, o), t))| merge_present(&path.index(i), Some(b), o, t, conflicts));
            Value::Array(merged.collect())
        }
        _ => {
            conflicts.push(conflict(path, base, Some(ours), Some(theirs)));
            ours.clone()
        }
    }
}

fn conflict(path: &Path, base: Option<&Value>, ours: Option<&Value>, theirs: Option<&Value>) -> Conflict {
    Conflict {
        path: path.clone(),
        base: base.cloned(),
        ours: ours.cloned(),
        theirs: theirs.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::doc::strategies::base_and_edits;

    fn assistant() -> Value {
        json!({
            "name": "Riley",
            "firstMessage": "Hi, this is Riley. How can I help?",
            "model": {
                "provider": "openai",
                "model": "gpt-4o",
                "temperature": 0.7,
                "messages": [
                    {"role": "system", "content": "You are Riley, a scheduling assistant."},
                    {"role": "assistant", "content": "How can I help?"}
                ]
            },
            "voice": {"provider": "11labs", "voiceId": "burt"},
            "transcriber": {"provider": "deepgram", "model": "nova-3"},
            "server": {"url": "https://example.com/vapi"},
            "endCallPhrases": ["goodbye", "bye"]
        })
    }

    fn with(edits: &[(&str, Value)]) -> Value {
        let mut doc = assistant();
        for (pointer, value) in edits {
            *doc.pointer_mut(pointer).unwrap() = value.clone();
        }
        doc
    }

    fn paths(outcome: &MergeOutcome) -> Vec<String> {
        outcome.conflicts.iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn changes_to_different_fields_merge_without_conflict() {
        let ours = with(&[("/model/messages/0/content", json!("You are Riley. Be brief."))]);
        let theirs = with(&[("/voice/voiceId", json!("sarah")), ("/model/temperature", json!(0.3))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert!(outcome.conflicts.is_empty());
        assert_eq!(
            outcome.merged,
            with(&[
                ("/model/messages/0/content", json!("You are Riley. Be brief.")),
                ("/voice/voiceId", json!("sarah")),
                ("/model/temperature", json!(0.3)),
            ])
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_not_a_conflict() {
        let both = with(&[("/model/temperature", json!(0.2)), ("/endCallPhrases", json!(["bye"]))]);
        let outcome = merge(&assistant(), &both, &both.clone());
        assert_eq!(
            outcome,
            MergeOutcome {
                merged: both,
                conflicts: vec![]
            }
        );
    }

    #[test]
    fn different_changes_to_one_field_conflict_and_keep_ours_until_resolved() {
        let ours = with(&[("/model/temperature", json!(0.2))]);
        let theirs = with(&[("/model/temperature", json!(0.9)), ("/name", json!("Riley v2"))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(
            outcome.conflicts,
            [Conflict {
                path: Path::default().key("model").key("temperature"),
                base: Some(json!(0.7)),
                ours: Some(json!(0.2)),
                theirs: Some(json!(0.9)),
            }]
        );
        assert_eq!(outcome.merged["model"]["temperature"], json!(0.2));
        assert_eq!(outcome.merged["name"], json!("Riley v2"));
    }

    #[test]
    fn removing_a_field_that_the_other_side_edited_is_a_conflict() {
        let mut ours = assistant();
        ours.as_object_mut().unwrap().remove("server");
        let theirs = with(&[("/server/url", json!("https://example.com/v2"))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(paths(&outcome), ["server"]);
        assert_eq!(outcome.conflicts[0].ours, None);
        assert_eq!(
            outcome.conflicts[0].theirs,
            Some(json!({"url": "https://example.com/v2"}))
        );
        assert!(outcome.merged.get("server").is_none());
    }

    #[test]
    fn removing_a_field_the_other_side_left_alone_removes_it() {
        let mut theirs = assistant();
        theirs.as_object_mut().unwrap().remove("transcriber");
        let ours = with(&[("/name", json!("Riley 2"))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert!(outcome.conflicts.is_empty());
        assert!(outcome.merged.get("transcriber").is_none());
        assert_eq!(outcome.merged["name"], json!("Riley 2"));
    }

    #[test]
    fn messages_merge_one_by_one_while_both_sides_keep_their_number() {
        let ours = with(&[("/model/messages/0/content", json!("Be brief."))]);
        let theirs = with(&[("/model/messages/1/content", json!("Hello!"))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert!(outcome.conflicts.is_empty());
        assert_eq!(outcome.merged["model"]["messages"][0]["content"], json!("Be brief."));
        assert_eq!(outcome.merged["model"]["messages"][1]["content"], json!("Hello!"));
    }

    #[test]
    fn messages_added_on_one_side_make_the_list_one_unit() {
        let mut ours = assistant();
        ours["model"]["messages"]
            .as_array_mut()
            .unwrap()
            .push(json!({"role": "user", "content": "Hi"}));
        let theirs = with(&[("/model/messages/0/content", json!("Be brief."))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(paths(&outcome), ["model.messages"]);
    }

    #[test]
    fn a_list_of_phrases_merges_as_one_value() {
        let ours = with(&[("/endCallPhrases", json!(["goodbye", "bye", "see you"]))]);
        let theirs = with(&[("/endCallPhrases", json!(["bye", "goodbye"]))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(paths(&outcome), ["endCallPhrases"]);
    }

    #[test]
    fn an_object_added_on_both_sides_merges_member_by_member() {
        let mut ours = assistant();
        ours["voicemailDetection"] = json!({"provider": "vapi", "backoffPlan": {"maxRetries": 3}});
        let mut theirs = assistant();
        theirs["voicemailDetection"] = json!({"provider": "google", "beepMaxAwaitSeconds": 20});
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(paths(&outcome), ["voicemailDetection.provider"]);
        assert_eq!(outcome.conflicts[0].base, None);
        assert_eq!(
            outcome.merged["voicemailDetection"],
            json!({"provider": "vapi", "backoffPlan": {"maxRetries": 3}, "beepMaxAwaitSeconds": 20})
        );
    }

    #[test]
    fn conflicts_resolve_field_by_field() {
        let mut ours = with(&[
            ("/model/temperature", json!(0.2)),
            ("/voice/voiceId", json!("jennifer")),
        ]);
        ours.as_object_mut().unwrap().remove("server");
        let theirs = with(&[
            ("/model/temperature", json!(0.9)),
            ("/voice/voiceId", json!("sarah")),
            ("/server/url", json!("https://example.com/v2")),
            ("/firstMessage", json!("Hello!")),
        ]);
        let outcome = merge(&assistant(), &ours, &theirs);
        assert_eq!(paths(&outcome), ["model.temperature", "server", "voice.voiceId"]);
        let [temperature, server, voice] = [0, 1, 2].map(|i| outcome.conflicts[i].path.clone());
        let resolved = outcome
            .resolve(&[
                (server, Resolution::TakeTheirs),
                (temperature, Resolution::KeepMine),
                (voice, Resolution::Edit(json!("burt"))),
            ])
            .unwrap();
        assert_eq!(
            resolved,
            with(&[
                ("/model/temperature", json!(0.2)),
                ("/server/url", json!("https://example.com/v2")),
                ("/firstMessage", json!("Hello!")),
            ])
        );
    }

    #[test]
    fn every_conflict_needs_a_resolution_and_every_resolution_a_conflict() {
        let ours = with(&[("/name", json!("A"))]);
        let theirs = with(&[("/name", json!("B"))]);
        let outcome = merge(&assistant(), &ours, &theirs);
        let name = outcome.conflicts[0].path.clone();
        assert_eq!(outcome.resolve(&[]), Err(ResolveError::Unresolved(name.clone())));
        assert_eq!(
            outcome.resolve(&[(name, Resolution::TakeTheirs), (Path::default(), Resolution::KeepMine)]),
            Err(ResolveError::NotAConflict(Path::default()))
        );
        assert_eq!(
            ResolveError::Unresolved(Path::default().key("name")).to_string(),
            "choose a value for name"
        );
    }

    fn resolve_all(outcome: &MergeOutcome, resolution: Resolution) -> Value {
        let all: Vec<_> = outcome
            .conflicts
            .iter()
            .map(|c| (c.path.clone(), resolution.clone()))
            .collect();
        outcome.resolve(&all).unwrap()
    }

    proptest! {
        #[test]
        fn merging_an_unchanged_side_gives_the_other_side((base, x, _) in base_and_edits()) {
            // Numbers compare as numbers: merge writes integral values as integers.
            let x = crate::doc::normalize_numbers(&x);
            prop_assert_eq!(merge(&base, &x, &base), MergeOutcome { merged: x.clone(), conflicts: vec![] });
            prop_assert_eq!(merge(&base, &base, &x), MergeOutcome { merged: x.clone(), conflicts: vec![] });
        }

        #[test]
        fn merging_the_same_edit_twice_gives_that_edit((base, x, _) in base_and_edits()) {
            let x = crate::doc::normalize_numbers(&x);
            prop_assert_eq!(merge(&base, &x, &x), MergeOutcome { merged: x.clone(), conflicts: vec![] });
        }

        #[test]
        fn disjoint_edits_merge_the_same_in_either_order((base, x, y) in base_and_edits()) {
            let xy = merge(&base, &x, &y);
            let yx = merge(&base, &y, &x);
            let conflict_paths = |o: &MergeOutcome| o.conflicts.iter().map(|c| c.path.clone()).collect::<Vec<_>>();
            let mut xy_paths = conflict_paths(&xy);
            let mut yx_paths = conflict_paths(&yx);
            xy_paths.sort_by_key(Path::pointer);
            yx_paths.sort_by_key(Path::pointer);
            prop_assert_eq!(xy_paths, yx_paths);
            if xy.conflicts.is_empty() {
                prop_assert_eq!(&xy.merged, &yx.merged);
            }
            prop_assert_eq!(resolve_all(&xy, Resolution::TakeTheirs), resolve_all(&yx, Resolution::KeepMine));
        }
    }
}
