//! Leaves read-only fields out of a document before it is sent as a create or update body.

use std::borrow::Cow;

use serde_json::Value;

/// `body` without the top-level keys in `read_only`; borrowed when it has none of them.
pub(crate) fn without<'a>(body: &'a Value, read_only: &[&str]) -> Cow<'a, Value> {
    match body {
        Value::Object(map) if read_only.iter().any(|key| map.contains_key(*key)) => Cow::Owned(Value::Object(
            map.iter()
                .filter(|(key, _)| !read_only.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )),
        _ => Cow::Borrowed(body),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn read_only_keys_are_dropped_and_everything_else_is_kept() {
        let doc = json!({"id": "x", "orgId": "o", "name": "n", "model": {"id": "nested stays"}});
        assert_eq!(
            *without(&doc, &["id", "orgId"]),
            json!({"name": "n", "model": {"id": "nested stays"}})
        );
        assert!(matches!(without(&json!({"name": "n"}), &["id"]), Cow::Borrowed(_)));
    }
}
