//! The providers' OpenAPI schemas rewritten as JSON Schema 2020-12 that a validator can check and
//! that reports each problem where it is.
//!
//! This file depends on `serde_json` alone: the build script includes it (`#[path]`) to extract
//! and convert the assistant schemas at build time, and the runtime uses it for the same
//! conversion, so the rules live here once.
//!
//! - Vapi's document is OpenAPI 3.0: `nullable` admits null, an `enum` on an array applies to
//!   its items, and patterns written as ECMAScript literals (`/^…$/`) lose their slashes.
//! - Both: `oneOf` becomes `anyOf` (Vapi's branches overlap, so a correct document can match
//!   two), annotations (`description`, `example`, `discriminator`, `x-…`) are dropped, and
//!   unions are rewritten so a validator reports the problem inside the branch the document
//!   meant: a union with null checks the other branch unless the value is null, and a union of
//!   objects told apart by a constant property (`provider: "openai"`, `type: "webhook"`) checks
//!   the branch that property names. `{"model": {"provider": "openai", "temperature": 7}}` then
//!   fails at `/model/temperature` instead of "matches none of 17 models" at `/model`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// Which OpenAPI version a document follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0 (Vapi): its own schema dialect.
    OpenApi30,
    /// OpenAPI 3.1 (ElevenLabs): JSON Schema 2020-12 already.
    OpenApi31,
}

/// Where component schemas live, as a `$ref` prefix.
pub const COMPONENTS: &str = "#/components/schemas/";

/// Keywords no validator reads; dropped to keep the embedded schemas small.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "xml",
    "discriminator",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "optional",
    "$comment",
];

/// The names of the component schemas that `roots` reach through `$ref`, roots included.
pub fn closure(schemas: &Map<String, Value>, roots: &[&str]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
    while let Some(name) = pending.pop() {
        if let Some(schema) = schemas.get(&name) {
            if seen.insert(name) {
                collect_refs(schema, &mut pending);
            }
        }
    }
    seen
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(COMPONENTS))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Converts every schema of `schemas` (component schemas by name) in place.
pub fn convert_components(schemas: &mut Map<String, Value>, dialect: Dialect) {
    let original = schemas.clone();
    for schema in schemas.values_mut() {
        convert(schema, dialect, &original);
    }
}

/// Rewrites one schema, and the schemas inside it, as JSON Schema 2020-12. `components` are the
/// document's component schemas as written (before conversion), to tell union branches apart.
pub fn convert(schema: &mut Value, dialect: Dialect, components: &Map<String, Value>) {
    let Value::Object(map) = schema else { return };
    map.retain(|key, _| !ANNOTATIONS.contains(&key.as_str()) && !key.starts_with("x-"));
    if let Some(one_of) = map.remove("oneOf") {
        add_keyword(map, "anyOf", one_of);
    }
    if dialect == Dialect::OpenApi30 {
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
    }
    for_each_subschema(map, &mut |inner| convert(inner, dialect, components));
    if let Some(Value::Array(branches)) = map.remove("anyOf") {
        match union(branches, components) {
            Value::Object(rewritten) if rewritten.keys().all(|k| !map.contains_key(k)) => map.extend(rewritten),
            rewritten => add_keyword(map, "allOf", Value::Array(vec![rewritten])),
        }
    }
    if dialect == Dialect::OpenApi30 && map.remove("nullable") == Some(Value::Bool(true)) {
        let inner = Value::Object(std::mem::take(map));
        *map = nullable(inner);
    }
}

/// Puts `value` under `keyword`; when the schema has that keyword already, both must hold.
fn add_keyword(map: &mut Map<String, Value>, keyword: &str, value: Value) {
    if !map.contains_key(keyword) {
        map.insert(keyword.into(), value);
        return;
    }
    let extra = json!({ keyword: value });
    match map.entry("allOf").or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(all) => all.push(extra),
        other => *other = Value::Array(vec![other.take(), extra]),
    }
}

/// Calls `f` on every schema directly inside `map` (not on `enum`, `const` or other values).
fn for_each_subschema(map: &mut Map<String, Value>, f: &mut impl FnMut(&mut Value)) {
    for key in [
        "items",
        "not",
        "additionalProperties",
        "unevaluatedProperties",
        "propertyNames",
        "contains",
        "if",
        "then",
        "else",
    ] {
        match map.get_mut(key) {
            Some(Value::Array(items)) => items.iter_mut().for_each(&mut *f),
            Some(inner) => f(inner),
            None => {}
        }
    }
    for key in ["properties", "patternProperties", "$defs"] {
        if let Some(Value::Object(named)) = map.get_mut(key) {
            named.values_mut().for_each(&mut *f);
        }
    }
    for key in ["anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            branches.iter_mut().for_each(&mut *f);
        }
    }
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

/// `schema`, or null.
fn nullable(schema: Value) -> Map<String, Value> {
    Map::from_iter([("if".to_owned(), json!({"type": "null"})), ("else".to_owned(), schema)])
}

/// The schema of `anyOf: branches`, written so that errors come from the branch meant.
fn union(branches: Vec<Value>, components: &Map<String, Value>) -> Value {
    let (nulls, others): (Vec<Value>, Vec<Value>) = branches.into_iter().partition(|b| *b == json!({"type": "null"}));
    let core = match others.len() {
        0 => return json!({ "anyOf": nulls }),
        1 => others.into_iter().next().expect("one branch"),
        _ => tagged(&others, components).unwrap_or_else(|| json!({ "anyOf": others })),
    };
    if nulls.is_empty() {
        core
    } else {
        Value::Object(nullable(core))
    }
}

/// A union of objects told apart by a property that each branch fixes to one value (plus,
/// optionally, branches of other types such as the string `"off"`), dispatched on that value.
/// `None` when the branches have no such property.
fn tagged(branches: &[Value], components: &Map<String, Value>) -> Option<Value> {
    let (objects, scalars): (Vec<&Value>, Vec<&Value>) =
        branches.iter().partition(|b| resolve(b, components).is_some());
    if objects.len() < 2 || !scalars.iter().all(|b| is_typed_non_object(b)) {
        return None;
    }
    let resolved: Vec<&Map<String, Value>> = objects.iter().filter_map(|b| resolve(b, components)).collect();
    let tag = resolved[0]
        .get("properties")?
        .as_object()?
        .keys()
        .find(|key| resolved.iter().all(|schema| tag_value(schema, key).is_some()))?
        .clone();
    let mut groups: BTreeMap<String, (Value, Vec<Value>)> = BTreeMap::new();
    for (branch, schema) in objects.iter().zip(&resolved) {
        let value = tag_value(schema, &tag).expect("every branch has the tag");
        groups
            .entry(value.to_string())
            .or_insert_with(|| (value.clone(), Vec::new()))
            .1
            .push((*branch).clone());
    }
    let values: Vec<Value> = groups.values().map(|(v, _)| v.clone()).collect();
    let dispatch: Vec<Value> = groups
        .into_values()
        .map(|(value, mut group)| {
            let then = if group.len() == 1 {
                group.remove(0)
            } else {
                json!({ "anyOf": group })
            };
            json!({"if": {"properties": {tag.clone(): {"const": value}}}, "then": then})
        })
        .collect();
    let objects: Vec<Value> = objects.into_iter().cloned().collect();
    let all_typed_objects = resolved
        .iter()
        .all(|s| s.get("type").and_then(Value::as_str) == Some("object"));
    let object = json!({
        "if": {"required": [tag.clone()]},
        "then": {"properties": {tag: {"enum": values}}, "allOf": dispatch},
        "else": {"anyOf": objects.clone()},
    });
    let not_object = match scalars.len() {
        0 if all_typed_objects => json!({"type": "object"}),
        0 => json!({ "anyOf": objects }),
        1 => scalars[0].clone(),
        _ => json!({ "anyOf": scalars }),
    };
    Some(json!({"if": {"type": "object"}, "then": object, "else": not_object}))
}

/// The object schema a union branch stands for (following `$ref`s), if it describes an object.
fn resolve<'a>(branch: &'a Value, components: &'a Map<String, Value>) -> Option<&'a Map<String, Value>> {
    let mut at = branch.as_object()?;
    for _ in 0..8 {
        match at.get("$ref").and_then(Value::as_str) {
            Some(reference) => at = components.get(reference.strip_prefix(COMPONENTS)?)?.as_object()?,
            None => break,
        }
    }
    at.contains_key("properties").then_some(at)
}

/// The one value a schema fixes `property` to (`const`, or an `enum` of one).
fn tag_value<'a>(schema: &'a Map<String, Value>, property: &str) -> Option<&'a Value> {
    let property = schema.get("properties")?.get(property)?;
    if let Some(value) = property.get("const") {
        return Some(value);
    }
    match property.get("enum")?.as_array()?.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Whether a branch only admits values of types other than object (such as `"off"`).
fn is_typed_non_object(branch: &Value) -> bool {
    match branch.get("type") {
        Some(Value::String(t)) => t != "object",
        Some(Value::Array(types)) => types.iter().all(|t| t != "object"),
        _ => false,
    }
}

/// The top-level properties a (converted or not) schema declares, through `$ref`s and unions.
pub fn declared_properties(schema: &Value, components: &Map<String, Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    declare(schema, components, &mut out, 0);
    out
}

fn declare(schema: &Value, components: &Map<String, Value>, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(COMPONENTS))
    {
        if let Some(target) = components.get(name) {
            declare(target, components, out, depth + 1);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        out.extend(properties.keys().cloned());
    }
    for union in ["anyOf", "oneOf", "allOf"] {
        for branch in schema.get(union).and_then(Value::as_array).into_iter().flatten() {
            declare(branch, components, out, depth + 1);
        }
    }
    for branch in ["then", "else"] {
        if let Some(inner) = schema.get(branch) {
            declare(inner, components, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components() -> Map<String, Value> {
        json!({
            "OpenAIModel": {"type": "object", "required": ["provider"], "properties": {
                "provider": {"type": "string", "enum": ["openai"]},
                "temperature": {"type": "number", "maximum": 2},
            }},
            "AnthropicModel": {"type": "object", "properties": {
                "provider": {"type": "string", "enum": ["anthropic"]},
                "thinking": {"type": "boolean"},
            }},
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn openapi_30_nullable_array_enums_and_regex_literals_become_json_schema() {
        let mut schema = json!({
            "type": "object",
            "description": "dropped",
            "x-internal": true,
            "properties": {
                "name": {"type": "string", "nullable": true, "example": "Riley"},
                "messages": {"type": "array", "enum": ["a", "b"], "items": {"type": "string"}},
                "slug": {"type": "string", "pattern": "/^[a-z]+$/i"},
                "description": {"type": "string"},
            },
        });
        convert(&mut schema, Dialect::OpenApi30, &Map::new());
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "name": {"if": {"type": "null"}, "else": {"type": "string"}},
                    "messages": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                    "slug": {"type": "string", "pattern": "^[a-z]+$"},
                    "description": {"type": "string"},
                },
            }),
            "a property named like an annotation is kept"
        );
    }

    #[test]
    fn a_union_of_tagged_objects_dispatches_on_the_tag() {
        let mut schema = json!({"oneOf": [
            {"$ref": "#/components/schemas/OpenAIModel", "title": "OpenAI"},
            {"$ref": "#/components/schemas/AnthropicModel"},
            {"type": "string", "enum": ["off"]},
        ]});
        convert(&mut schema, Dialect::OpenApi30, &components());
        let openai = json!({"$ref": "#/components/schemas/OpenAIModel"});
        let anthropic = json!({"$ref": "#/components/schemas/AnthropicModel"});
        assert_eq!(
            schema,
            json!({
                "if": {"type": "object"},
                "then": {
                    "if": {"required": ["provider"]},
                    "then": {
                        "properties": {"provider": {"enum": ["anthropic", "openai"]}},
                        "allOf": [
                            {"if": {"properties": {"provider": {"const": "anthropic"}}}, "then": anthropic},
                            {"if": {"properties": {"provider": {"const": "openai"}}}, "then": openai},
                        ],
                    },
                    "else": {"anyOf": [openai, anthropic]},
                },
                "else": {"type": "string", "enum": ["off"]},
            })
        );
    }

    #[test]
    fn a_union_with_null_checks_the_other_branch_unless_the_value_is_null() {
        let mut schema = json!({"anyOf": [{"type": "number", "maximum": 1}, {"type": "null"}], "title": "T"});
        convert(&mut schema, Dialect::OpenApi31, &Map::new());
        assert_eq!(
            schema,
            json!({"if": {"type": "null"}, "else": {"type": "number", "maximum": 1}})
        );
    }

    #[test]
    fn untagged_unions_stay_unions() {
        let mut schema = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        convert(&mut schema, Dialect::OpenApi31, &Map::new());
        assert_eq!(schema, json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}));
    }

    #[test]
    fn the_closure_holds_every_schema_reached_and_nothing_else() {
        let schemas = json!({
            "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"items": {"anyOf": [{"$ref": "#/components/schemas/C"}]}},
            "C": {"properties": {"a": {"$ref": "#/components/schemas/A"}}},
            "D": {"type": "string"},
        });
        let names = closure(schemas.as_object().unwrap(), &["A"]);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    }

    #[test]
    fn declared_properties_follow_refs_and_unions() {
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/OpenAIModel"}, {"properties": {"extra": {}}}]});
        let declared = declared_properties(&schema, &components());
        assert_eq!(
            declared.into_iter().collect::<Vec<_>>(),
            ["extra", "provider", "temperature"]
        );
    }
}
