//! Pydantic-style validation of JSON bodies and query parameters, answered as FastAPI's 422.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::error::{ElError, ElResult, Invalid};

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// `true` or `false`.
    Bool,
    /// An integer.
    Int,
    /// An object.
    Dict,
    /// An array.
    List,
}

/// One body field: name, type, required, nullable.
pub type Spec = (&'static str, Ty, bool, bool);

/// Parses a JSON body; a syntax error is FastAPI's `json_invalid`.
pub fn parse(body: &[u8]) -> ElResult<Value> {
    serde_json::from_slice(body).map_err(|e| {
        ElError::validation(vec![Invalid {
            loc: vec!["body".into(), e.column().to_string()],
            msg: "JSON decode error".into(),
            kind: "json_invalid",
            input: json!({}),
        }])
    })
}

fn type_error(ty: Ty) -> (&'static str, &'static str) {
    match ty {
        Ty::Str => ("string_type", "Input should be a valid string"),
        Ty::Bool => ("bool_type", "Input should be a valid boolean"),
        Ty::Int => ("int_type", "Input should be a valid integer"),
        Ty::Dict => ("dict_type", "Input should be a valid dictionary"),
        Ty::List => ("list_type", "Input should be a valid list"),
    }
}

fn matches(ty: Ty, value: &Value) -> bool {
    match ty {
        Ty::Str => value.is_string(),
        Ty::Bool => value.is_boolean(),
        Ty::Int => value.is_i64() || value.is_u64(),
        Ty::Dict => value.is_object(),
        Ty::List => value.is_array(),
    }
}

/// Checks `body` against the specs; unknown fields are ignored, as FastAPI does.
pub fn check(body: &Value, specs: &[Spec]) -> ElResult<()> {
    if !body.is_object() {
        return Err(ElError::validation(vec![Invalid {
            loc: vec!["body".into()],
            msg: "Input should be a valid dictionary or object to extract fields from".into(),
            kind: "model_attributes_type",
            input: body.clone(),
        }]));
    }
    let mut errors = Vec::new();
    for (name, ty, required, nullable) in specs {
        let loc = vec!["body".to_owned(), (*name).to_owned()];
        match body.get(*name) {
            None if *required => errors.push(Invalid {
                loc,
                msg: "Field required".into(),
                kind: "missing",
                input: body.clone(),
            }),
            None => {}
            Some(Value::Null) if *nullable => {}
            Some(value) if !matches(*ty, value) => {
                let (kind, msg) = type_error(*ty);
                errors.push(Invalid {
                    loc,
                    msg: msg.into(),
                    kind,
                    input: value.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ElError::validation(errors))
    }
}

/// Reads `page_size` (1 to 100, default 30).
pub fn page_size(params: &HashMap<String, String>) -> ElResult<usize> {
    let Some(text) = params.get("page_size") else {
        return Ok(30);
    };
    let invalid = |kind: &'static str, msg: &str| {
        ElError::validation(vec![Invalid {
            loc: vec!["query".into(), "page_size".into()],
            msg: msg.into(),
            kind,
            input: json!(text),
        }])
    };
    let n: i64 = text.parse().map_err(|_| {
        invalid(
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        )
    })?;
    match n {
        n if n > 100 => Err(invalid("less_than_equal", "Input should be less than or equal to 100")),
        n if n < 1 => Err(invalid(
            "greater_than_equal",
            "Input should be greater than or equal to 1",
        )),
        n => Ok(n as usize),
    }
}

/// Reads an optional integer query parameter.
pub fn int_param(params: &HashMap<String, String>, name: &str) -> ElResult<Option<i64>> {
    params
        .get(name)
        .map(|text| {
            text.parse().map_err(|_| {
                ElError::validation(vec![Invalid {
                    loc: vec!["query".into(), name.into()],
                    msg: "Input should be a valid integer, unable to parse string as an integer".into(),
                    kind: "int_parsing",
                    input: json!(text),
                }])
            })
        })
        .transpose()
}
