//! Extracts the assistant and tool request schemas from the providers' OpenAPI documents in
//! `../../contracts` (about 3.5 MB each) and writes only what they reach, converted to JSON Schema
//! and without annotations, to `OUT_DIR`, where `src/schema.rs` embeds it.

use std::path::Path;

use serde_json::{json, Map, Value};

#[allow(dead_code)] // The build uses the extraction and conversion; the runtime uses the rest.
#[path = "src/schema/openapi.rs"]
mod openapi;

use openapi::{closure, convert_components, Dialect, COMPONENTS};

/// One embedded schema: the contract it comes from, the request bodies it checks, and its file.
struct Extract {
    contract: &'static str,
    dialect: Dialect,
    /// Component schemas a document must satisfy, all of them.
    roots: &'static [&'static str],
    /// A request body that is not a component of its own, added as the component named first,
    /// from its JSON pointer into the contract.
    inline: Option<(&'static str, &'static str)>,
    out: &'static str,
}

/// Why these request bodies, in `src/schema.rs`.
const EXTRACTS: [Extract; 4] = [
    Extract {
        contract: "vapi-openapi.json",
        dialect: Dialect::OpenApi30,
        roots: &["CreateAssistantDTO"],
        inline: None,
        out: "vapi-assistant.schema.json",
    },
    // `POST /tool` takes one of the Create…ToolDTO, told apart by `type`.
    Extract {
        contract: "vapi-openapi.json",
        dialect: Dialect::OpenApi30,
        roots: &["VoxHiveToolRequest"],
        inline: Some((
            "VoxHiveToolRequest",
            "/paths/~1tool/post/requestBody/content/application~1json/schema",
        )),
        out: "vapi-tool.schema.json",
    },
    Extract {
        contract: "elevenlabs-openapi.json",
        dialect: Dialect::OpenApi31,
        roots: &["ToolRequestModel"],
        inline: None,
        out: "elevenlabs-tool.schema.json",
    },
    Extract {
        contract: "elevenlabs-openapi.json",
        dialect: Dialect::OpenApi31,
        roots: &[
            "Body_Create_Agent_v1_convai_agents_create_post",
            "Body_Patches_an_Agent_settings_v1_convai_agents__agent_id__patch",
        ],
        inline: None,
        out: "elevenlabs-agent.schema.json",
    },
];

fn main() {
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for extract in &EXTRACTS {
        let path = contracts.join(extract.contract);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let document: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let schema = bundle(&document, extract);
        let target = Path::new(&out_dir).join(extract.out);
        std::fs::write(&target, schema.to_string()).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    }
}

/// A self-contained JSON Schema: every root must hold, with the component schemas they reach.
fn bundle(document: &Value, extract: &Extract) -> Value {
    let mut schemas = document["components"]["schemas"]
        .as_object()
        .unwrap_or_else(|| panic!("{} has no component schemas", extract.contract))
        .clone();
    if let Some((name, pointer)) = extract.inline {
        let body = document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{} has nothing at {pointer}", extract.contract));
        schemas.insert(name.to_owned(), body.clone());
    }
    let schemas = &schemas;
    for root in extract.roots {
        assert!(schemas.contains_key(*root), "{} has no schema {root}", extract.contract);
    }
    let mut reached: Map<String, Value> = closure(schemas, extract.roots)
        .into_iter()
        .map(|name| {
            let schema = schemas[&name].clone();
            (name, schema)
        })
        .collect();
    convert_components(&mut reached, extract.dialect);
    let roots: Vec<Value> = extract
        .roots
        .iter()
        .map(|root| json!({"$ref": format!("{COMPONENTS}{root}")}))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": roots,
        "components": {"schemas": reached},
    })
}
