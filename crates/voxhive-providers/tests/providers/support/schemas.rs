//! The providers' official request schemas, turned into JSON Schema validators by the same
//! conversion the runtime checks assistants with (`voxhive_providers::schema`), applied here to
//! the whole contract so that every request body can be checked.

use serde_json::{Map, Value};
use voxhive_providers::schema::{convert, convert_components, declared_properties, Dialect};
use voxhive_providers::ProviderKind;

/// One provider's API definition, ready to validate request bodies.
pub struct Contract {
    /// The contract, its component schemas converted.
    document: Value,
    /// The component schemas as written, which the conversion of a request body reads.
    original: Map<String, Value>,
    dialect: Dialect,
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
        let dialect = match kind {
            ProviderKind::Vapi => Dialect::OpenApi30,
            ProviderKind::ElevenLabs => Dialect::OpenApi31,
        };
        let schemas = document["components"]["schemas"].as_object_mut().unwrap();
        let original = schemas.clone();
        convert_components(schemas, dialect);
        Contract {
            document,
            original,
            dialect,
        }
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
        let mut schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        if schema.is_null() {
            return None;
        }
        convert(&mut schema, self.dialect, &self.original);
        Some(schema)
    }

    /// Checks `body` against the request schema of `method path`: the schema, and that every
    /// top-level key is a property the schema declares. Returns the problems found.
    pub fn check(&self, method: &str, path: &str, body: &Value) -> Vec<String> {
        let Some(schema) = self.request_schema(&method.to_ascii_lowercase(), path) else {
            return vec![format!("{method} {path} has no JSON request body in the contract")];
        };
        let declared = declared_properties(&schema, &self.original);
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
}

fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}
