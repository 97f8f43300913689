//! Where a value sits in a JSON document: a list of object keys and array indices.

use std::fmt;

use serde_json::Value;

/// One step into a document: an object key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from a document's root to one of its values, shown as `model.messages[0].content`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The segments from the root down; empty for the whole document.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path as an RFC 6901 JSON pointer, such as `/model/messages/0/content`.
    pub fn pointer(&self) -> String {
        self.0
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
                Segment::Index(index) => format!("/{index}"),
            })
            .collect()
    }

    /// This path extended by the key of an object member.
    pub(crate) fn key(&self, key: &str) -> Path {
        self.child(Segment::Key(key.to_owned()))
    }

    /// This path extended by the index of an array element.
    pub(crate) fn index(&self, index: usize) -> Path {
        self.child(Segment::Index(index))
    }

    fn child(&self, segment: Segment) -> Path {
        let mut segments = self.0.clone();
        segments.push(segment);
        Path(segments)
    }

    /// Puts `value` at this path in `doc`, or removes what is there when `value` is `None`.
    /// The parent must exist; an index may be one past the end to append.
    pub(crate) fn set(&self, doc: &mut Value, value: Option<Value>) {
        let Some((last, parents)) = self.0.split_last() else {
            if let Some(value) = value {
                *doc = value;
            }
            return;
        };
        let mut parent = doc;
        for segment in parents {
            let next = match (segment, parent) {
                (Segment::Key(key), Value::Object(map)) => map.get_mut(key),
                (Segment::Index(index), Value::Array(items)) => items.get_mut(*index),
                _ => None,
            };
            let Some(next) = next else { return };
            parent = next;
        }
        match (last, parent, value) {
            (Segment::Key(key), Value::Object(map), Some(value)) => {
                map.insert(key.clone(), value);
            }
            (Segment::Key(key), Value::Object(map), None) => {
                map.remove(key);
            }
            (Segment::Index(i), Value::Array(items), Some(value)) if *i < items.len() => {
                items[*i] = value;
            }
            (Segment::Index(i), Value::Array(items), Some(value)) if *i == items.len() => {
                items.push(value);
            }
            (Segment::Index(i), Value::Array(items), None) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(whole document)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_plain(key) && i == 0 => f.write_str(key)?,
                Segment::Key(key) if is_plain(key) => write!(f, ".{key}")?,
                Segment::Key(key) => write!(f, "[{}]", Value::from(key.as_str()))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Whether a key can be shown bare after a dot, as `camelCase`, `snake_case` and `x-api-key` can.
fn is_plain(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(segments: &[Segment]) -> Path {
        Path(segments.to_vec())
    }

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_owned())
    }

    #[test]
    fn a_path_reads_like_javascript_and_points_like_rfc_6901() {
        let p = path(&[key("model"), key("messages"), Segment::Index(0), key("content")]);
        assert_eq!(p.to_string(), "model.messages[0].content");
        assert_eq!(p.pointer(), "/model/messages/0/content");
    }

    #[test]
    fn odd_keys_are_quoted_in_the_display_and_escaped_in_the_pointer() {
        let p = path(&[key("server"), key("headers"), key("a/b~c d")]);
        assert_eq!(p.to_string(), r#"server.headers["a/b~c d"]"#);
        assert_eq!(p.pointer(), "/server/headers/a~1b~0c d");
        assert_eq!(path(&[key("x-api-key")]).to_string(), "x-api-key");
    }

    #[test]
    fn the_root_path_names_the_whole_document() {
        assert_eq!(Path::default().to_string(), "(whole document)");
        assert_eq!(Path::default().pointer(), "");
    }

    #[test]
    fn set_replaces_inserts_appends_and_removes() {
        let mut doc = json!({"model": {"messages": [{"role": "system"}]}});
        let messages = Path::default().key("model").key("messages");
        messages.index(1).set(&mut doc, Some(json!({"role": "user"})));
        messages.index(0).key("content").set(&mut doc, Some(json!("Hi")));
        Path::default().key("voice").set(&mut doc, Some(json!({})));
        messages.index(0).key("role").set(&mut doc, None);
        assert_eq!(
            doc,
            json!({"model": {"messages": [{"content": "Hi"}, {"role": "user"}]}, "voice": {}})
        );
        messages.index(1).set(&mut doc, None);
        assert_eq!(doc["model"]["messages"], json!([{"content": "Hi"}]));
    }

    #[test]
    fn set_leaves_the_document_alone_when_the_parent_is_missing() {
        let mut doc = json!({"model": {}});
        Path::default()
            .key("voice")
            .key("voiceId")
            .set(&mut doc, Some(json!("x")));
        Path::default().key("model").index(3).set(&mut doc, Some(json!("x")));
        assert_eq!(doc, json!({"model": {}}));
    }
}
