//! Validators for the official API definitions in `contracts/`, with Vapi's OpenAPI 3.0 converted to
//! JSON Schema as `contracts/README.md` prescribes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{json, Map, Value};

/// Which provider's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `contracts/vapi-openapi.json` (OpenAPI 3.0).
    Vapi,
    /// `contracts/elevenlabs-openapi.json` (OpenAPI 3.1).
    ElevenLabs,
}

fn load(api: Api) -> &'static Value {
    static VAPI: OnceLock<Value> = OnceLock::new();
    static EL: OnceLock<Value> = OnceLock::new();
    let (cell, file) = match api {
        Api::Vapi => (&VAPI, "vapi-openapi.json"),
        Api::ElevenLabs => (&EL, "elevenlabs-openapi.json"),
    };
    cell.get_or_init(|| {
        let path = format!("{}/../../contracts/{file}", env!("CARGO_MANIFEST_DIR"));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("contract readable")).expect("contract is JSON");
        match api {
            Api::Vapi => convert(&doc),
            Api::ElevenLabs => doc,
        }
    })
}

/// Strips a JavaScript regex literal (`/^a$/u`) to its pattern; drops patterns with `\p{..}` classes.
fn pattern(text: &str) -> Option<String> {
    let inner = match text.strip_prefix('/') {
        Some(rest) => rest.rsplit_once('/').map_or(rest, |(p, _flags)| p),
        None => text,
    };
    (!inner.contains("\\p{")).then(|| inner.to_owned())
}

/// OpenAPI 3.0 schema to JSON Schema 2020-12: `nullable`, item enums on arrays, `oneOf` as `anyOf`,
/// boolean exclusive bounds, and no `example`, `xml` or `discriminator`. A string enum typed `object` (a slip in
/// the document, e.g. `AudioFormat.format`) is left to its enum.
pub fn convert(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                match key.as_str() {
                    "example" | "examples" | "xml" | "discriminator" | "nullable" => {}
                    "oneOf" => {
                        out.insert("anyOf".into(), convert(v));
                    }
                    "pattern" if v.is_string() => {
                        if let Some(p) = pattern(v.as_str().unwrap_or_default()) {
                            out.insert(key.clone(), json!(p));
                        }
                    }
                    _ => {
                        out.insert(key.clone(), convert(v));
                    }
                }
            }
            let string_enum = out
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|values| values.iter().all(Value::is_string));
            if out.get("type") == Some(&json!("object")) && string_enum {
                out.remove("type");
            }
            if out.get("type") == Some(&json!("array")) {
                if let Some(values) = out.remove("enum") {
                    if let Some(items) = out.get_mut("items").and_then(Value::as_object_mut) {
                        items.entry("enum").or_insert(values);
                    }
                }
            }
            for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
                if let Some(Value::Bool(on)) = out.get(flag).cloned() {
                    out.remove(flag);
                    if on {
                        if let Some(b) = out.remove(bound) {
                            out.insert(flag.into(), b);
                        }
                    }
                }
            }
            if map.get("nullable") == Some(&json!(true)) {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Compiled validators by provider and schema text.
type Validators = HashMap<(Api, String), Arc<Validator>>;

fn compile(api: Api, schema: &Value) -> Arc<Validator> {
    static CACHE: OnceLock<Mutex<Validators>> = OnceLock::new();
    let key = (api, schema.to_string());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(&key) {
        return v.clone();
    }
    let doc = load(api);
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert("components".into(), json!({"schemas": doc["components"]["schemas"]}));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&Value::Object(root))
        .expect("schema compiles");
    let validator = Arc::new(validator);
    cache.lock().unwrap().insert(key, validator.clone());
    validator
}

/// The response schema of an operation, for a status code.
pub fn response_schema(api: Api, path: &str, method: &str, status: u16) -> Value {
    let doc = load(api);
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is in the {api:?} contract");
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} {status} has a JSON schema");
    schema.clone()
}

/// Asserts that `body` is valid against `schema`, listing every error.
pub fn assert_valid(api: Api, schema: &Value, body: &Value, what: &str) {
    let validator = compile(api, schema);
    let errors: Vec<String> = validator
        .iter_errors(body)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the contract:\n{}",
        errors.join("\n")
    );
}

/// Asserts that `body` matches the response schema of the operation.
pub fn assert_response(api: Api, path: &str, method: &str, status: u16, body: &Value) {
    let schema = response_schema(api, path, method, status);
    assert_valid(api, &schema, body, &format!("{method} {path} {status}"));
}

/// Asserts that `body` matches a named component schema.
pub fn assert_component(api: Api, name: &str, body: &Value) {
    let schema = json!({"$ref": format!("#/components/schemas/{name}")});
    assert_valid(api, &schema, body, name);
}
