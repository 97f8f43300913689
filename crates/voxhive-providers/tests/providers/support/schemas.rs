//! The providers' official request schemas, turned into JSON Schema validators.
//!
//! Vapi's document is OpenAPI 3.0: `nullable` becomes a union with null, an `enum` on an array
//! applies to its items, `oneOf` becomes `anyOf` (its branches overlap), and `example`, `xml` and
//! `discriminator` are dropped, and patterns written as ECMAScript literals (`/^…$/`) lose their slashes. ElevenLabs' document is OpenAPI 3.1, JSON Schema 2020-12 already.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use voxhive_providers::ProviderKind;

/// One provider's API definition, ready to validate request bodies.
pub struct Contract {
    document: Value,
}

impl Contract {
    /// Loads the contract of `kind` from the repository's `contracts/` folder.
    pub fn load(kind: ProviderKind) -> Contract {
        let file = match kind {
            ProviderKind::Vapi => "vapi-openapi.json",
            ProviderKind::ElevenLabs => "elevenlabs-openapi.json",
        };
        let path = format!("{}/../../contracts/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut document: Value = serde_json::from_str(&text).unwrap();
        if kind == ProviderKind::Vapi {
            for schema in document["components"]["schemas"].as_object_mut().unwrap().values_mut() {
                convert_openapi_30(schema);
            }
        }
        Contract { document }
    }

    /// The request-body schema of the operation `method path`, with the path's `{params}` matched.
    fn request_schema(&self, method: &str, path: &str) -> Option<Value> {
        let paths = self.document["paths"].as_object()?;
        let operation = paths.get(path).and_then(|p| p.get(method)).or_else(|| {
            paths
                .iter()
                .find(|(template, item)| template_matches(template, path) && item.get(method).is_some())
                .and_then(|(_, item)| item.get(method))
        })?;
        let content = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        let mut schema = content;
        if let Value::Object(map) = &mut schema {
            if let Some(one_of) = map.remove("oneOf") {
                map.insert("anyOf".into(), one_of);
            }
            map.remove("discriminator");
        }
        Some(schema)
    }

    /// Checks `body` against the request schema of `method path`: the schema, and that every
    /// top-level key is a property the schema declares. Returns the problems found.
    pub fn check(&self, method: &str, path: &str, body: &Value) -> Vec<String> {
        let Some(schema) = self.request_schema(&method.to_ascii_lowercase(), path) else {
            return vec![format!("{method} {path} has no JSON request body in the contract")];
        };
        let declared = self.declared_properties(&schema);
        let mut problems: Vec<String> = body
            .as_object()
            .map(|map| {
                map.keys()
                    .filter(|k| !declared.contains(*k))
                    .map(|k| format!("`{k}` is not a declared property"))
                    .collect()
            })
            .unwrap_or_default();
        let mut root = schema;
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema of {method} {path} compiles: {e}"));
        problems.extend(
            validator
                .iter_errors(body)
                .map(|e| format!("{} at {}", e, e.instance_path)),
        );
        problems
    }

    fn declared_properties(&self, schema: &Value) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/components/schemas/");
            out.extend(self.declared_properties(&self.document["components"]["schemas"][name]));
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            out.extend(properties.keys().cloned());
        }
        for union in ["anyOf", "oneOf", "allOf"] {
            for branch in schema.get(union).and_then(Value::as_array).into_iter().flatten() {
                out.extend(self.declared_properties(branch));
            }
        }
        out
    }
}

fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

/// The body of a pattern written as an ECMAScript literal, `/^[a-z]+$/` (flags dropped).
fn regex_literal_body(pattern: &str) -> Option<String> {
    let rest = pattern.strip_prefix('/')?;
    let end = rest.rfind('/')?;
    rest[end + 1..]
        .chars()
        .all(|c| c.is_ascii_alphabetic())
        .then(|| rest[..end].to_owned())
}

/// Rewrites one OpenAPI 3.0 schema, and the schemas inside it, as JSON Schema.
fn convert_openapi_30(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    for key in ["example", "xml", "discriminator"] {
        map.remove(key);
    }
    if let Some(one_of) = map.remove("oneOf") {
        map.insert("anyOf".into(), one_of);
    }
    if let Some(Value::String(pattern)) = map.get_mut("pattern") {
        if let Some(inner) = regex_literal_body(pattern) {
            *pattern = inner;
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("array") {
        if let Some(values) = map.remove("enum") {
            if let Some(Value::Object(items)) = map.get_mut("items") {
                items.insert("enum".into(), values);
            }
        }
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            convert_openapi_30(inner);
        }
    }
    for key in ["properties"] {
        if let Some(Value::Object(properties)) = map.get_mut(key) {
            properties.values_mut().for_each(convert_openapi_30);
        }
    }
    for key in ["anyOf", "allOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            branches.iter_mut().for_each(convert_openapi_30);
        }
    }
    if map.remove("nullable") == Some(Value::Bool(true)) {
        let inner = Value::Object(std::mem::take(map));
        *map = Map::from_iter([("anyOf".to_owned(), json!([inner, {"type": "null"}]))]);
    }
}
