//! Remote documents kept whole, and the listings that carry them.

use serde::Serialize;
use serde_json::Value;

use crate::views::{AssistantView, CallView};
use crate::{elevenlabs, vapi, ProviderKind, Resource};

/// One object as the provider sent it, whole, so fields VoxHive does not know survive a round trip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteDoc {
    /// The provider it came from.
    pub kind: ProviderKind,
    /// What it is.
    pub resource: Resource,
    /// The provider's id (`id`, `agent_id`, `conversation_id`, `phone_number_id`).
    pub id: String,
    /// The document, untouched.
    pub doc: Value,
    /// Whether `doc` is the whole document as `get` returns it; list summaries are not.
    pub complete: bool,
}

impl RemoteDoc {
    /// The fields VoxHive reads from an assistant (agent); `None` for other resources.
    pub fn assistant(&self) -> Option<AssistantView> {
        (self.resource == Resource::Assistants).then(|| match self.kind {
            ProviderKind::Vapi => vapi::views::assistant(&self.id, &self.doc),
            ProviderKind::ElevenLabs => elevenlabs::views::assistant(&self.id, &self.doc),
        })
    }

    /// The fields VoxHive reads from a call (conversation); `None` for other resources.
    pub fn call(&self) -> Option<CallView> {
        (self.resource == Resource::Calls).then(|| match self.kind {
            ProviderKind::Vapi => vapi::views::call(&self.id, &self.doc),
            ProviderKind::ElevenLabs => elevenlabs::views::call(&self.id, &self.doc),
        })
    }
}

/// A list result: the readable items, and the records that had to be left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Listing {
    /// Items in the order the provider sent them, none twice.
    pub items: Vec<RemoteDoc>,
    /// Records of the pages that were not usable (not an object, no id).
    pub skipped: Vec<SkippedRecord>,
}

impl Listing {
    /// Appends another page.
    pub fn extend(&mut self, page: Listing) {
        self.items.extend(page.items);
        self.skipped.extend(page.skipped);
    }
}

/// A record of a list page that was left out, and why; its content is not kept (it may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    /// The page it was on, counting from 1.
    pub page: usize,
    /// Its position in that page, counting from 0.
    pub index: usize,
    /// Why it was left out.
    pub reason: String,
}

/// Splits a page of raw records into documents and skipped records, moving each value, never copying it.
pub(crate) fn read_page(
    kind: ProviderKind,
    resource: Resource,
    id_key: &str,
    complete: bool,
    page: usize,
    records: Vec<Value>,
) -> Listing {
    let mut listing = Listing {
        items: Vec::with_capacity(records.len()),
        skipped: Vec::new(),
    };
    for (index, record) in records.into_iter().enumerate() {
        let id = match &record {
            Value::Object(map) => match map.get(id_key) {
                Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
                Some(_) => Err(format!("`{id_key}` is not a non-empty string")),
                None => Err(format!("no `{id_key}` field")),
            },
            other => Err(format!("not an object but {}", json_type(other))),
        };
        match id {
            Ok(id) => listing.items.push(RemoteDoc {
                kind,
                resource,
                id,
                doc: record,
                complete,
            }),
            Err(reason) => {
                tracing::warn!(provider = %kind, %resource, page, index, %reason, "skipped a malformed record in a list page");
                listing.skipped.push(SkippedRecord { page, index, reason });
            }
        }
    }
    listing
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_malformed_record_is_skipped_and_reported_while_the_rest_of_the_page_is_kept() {
        let records = vec![
            json!({"id": "a", "name": "one", "futureField": {"x": 1}}),
            json!("not an object"),
            json!({"name": "no id"}),
            json!({"id": 7}),
            json!({"id": "b"}),
        ];
        let listing = read_page(ProviderKind::Vapi, Resource::Assistants, "id", true, 3, records);
        let ids: Vec<_> = listing.items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(listing.items[0].doc["futureField"], json!({"x": 1}));
        let skipped: Vec<_> = listing.skipped.iter().map(|s| (s.page, s.index)).collect();
        assert_eq!(skipped, [(3, 1), (3, 2), (3, 3)]);
        assert_eq!(listing.skipped[0].reason, "not an object but a string");
    }
}
