//! Generated JSON documents for the property tests: documents, and edits of a document.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Keys drawn from a small pool, so generated edits touch the same paths often.
const KEYS: &[&str] = &[
    "name",
    "model",
    "messages",
    "content",
    "role",
    "temperature",
    "voice",
    "voiceId",
    "id",
    "orgId",
    "toolIds",
    "endCallPhrases",
    "server",
    "a/b~c",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(String::from)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-z \"\\\\\n]{0,8}|\\PC{0,4}".prop_map(Value::from),
    ]
}

fn object(members: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), members, 0..5).prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Any JSON value, nested a few levels, with arrays of objects as well as of scalars.
fn any_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(object(inner.clone()), 1..4).prop_map(Value::Array),
            object(inner),
        ]
    })
}

/// A document: an object of JSON values.
pub fn json_doc() -> impl Strategy<Value = Value> {
    object(any_value())
}

/// A base document and two independent edits of it.
pub fn base_and_edits() -> impl Strategy<Value = (Value, Value, Value)> {
    json_doc().prop_flat_map(|base| (Just(base.clone()), edited(&base), edited(&base)))
}

/// The value with a few of its members kept, removed, replaced, added or edited in depth.
fn edited(value: &Value) -> BoxedStrategy<Value> {
    match value {
        Value::Object(map) => {
            let members: Vec<BoxedStrategy<Option<(String, Value)>>> = map
                .iter()
                .map(|(k, v)| {
                    let (kept, replaced, deeper) = (k.clone(), k.clone(), k.clone());
                    prop_oneof![
                        6 => Just(Some((kept, v.clone()))),
                        1 => Just(None),
                        1 => any_value().prop_map(move |n| Some((replaced.clone(), n))),
                        3 => edited(v).prop_map(move |n| Some((deeper.clone(), n))),
                    ]
                    .boxed()
                })
                .collect();
            (members, prop::option::weighted(0.2, (key(), any_value())))
                .prop_map(|(members, added)| {
                    Value::Object(members.into_iter().flatten().chain(added).collect::<Map<_, _>>())
                })
                .boxed()
        }
        Value::Array(items) => {
            let elements: Vec<BoxedStrategy<Value>> = items
                .iter()
                .map(|item| prop_oneof![3 => Just(item.clone()), 1 => edited(item)].boxed())
                .collect();
            prop_oneof![8 => elements.prop_map(Value::Array), 1 => any_value()].boxed()
        }
        scalar_value => prop_oneof![3 => Just(scalar_value.clone()), 1 => scalar()].boxed(),
    }
}

/// The document as JSON text with every object's keys in reverse order and spaces around.
pub fn with_keys_reversed(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| b.0.cmp(a.0));
            let members: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{} : {}", Value::from(k.as_str()), with_keys_reversed(v)))
                .collect();
            format!("{{ {} }}", members.join(" , "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(with_keys_reversed).collect();
            format!("[ {} ]", items.join(" , "))
        }
        scalar_value => scalar_value.to_string(),
    }
}
