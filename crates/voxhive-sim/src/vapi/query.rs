//! The list query of Vapi's v1 endpoints: `limit` and the eight `createdAt`/`updatedAt` bounds.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::error::{VapiError, VapiResult};
use crate::time;

const BOUNDS: [&str; 8] = [
    "createdAtGt",
    "createdAtLt",
    "createdAtGe",
    "createdAtLe",
    "updatedAtGt",
    "updatedAtLt",
    "updatedAtGe",
    "updatedAtLe",
];

/// A parsed list query.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// At most this many items (0 to 1000, default 100).
    pub limit: usize,
    bounds: Vec<(&'static str, Timestamp)>,
    /// Exact-match filters (`id`, `assistantId`, `phoneNumberId`, `purpose`).
    pub equals: Vec<(String, String)>,
}

impl ListQuery {
    /// Parses the query; `filters` are the extra exact-match parameters the endpoint accepts.
    pub fn parse(params: &HashMap<String, String>, filters: &[&str]) -> VapiResult<Self> {
        let mut errors = Vec::new();
        let limit = match params.get("limit") {
            None => 100,
            Some(text) => match text.parse::<f64>() {
                Ok(n) if n > 1000.0 => {
                    errors.push("limit must not be greater than 1000".to_owned());
                    0
                }
                Ok(n) if n < 0.0 => {
                    errors.push("limit must not be less than 0".to_owned());
                    0
                }
                Ok(n) => n as usize,
                Err(_) => {
                    errors.push("limit must be a number conforming to the specified constraints".to_owned());
                    0
                }
            },
        };
        let mut bounds = Vec::new();
        for name in BOUNDS {
            if let Some(text) = params.get(name) {
                match time::parse(text) {
                    Some(ts) => bounds.push((name, ts)),
                    None => errors.push(format!("{name} must be a valid ISO 8601 date string")),
                }
            }
        }
        let equals = filters
            .iter()
            .filter_map(|f| params.get(*f).map(|v| ((*f).to_owned(), v.clone())))
            .collect();
        if errors.is_empty() {
            Ok(Self { limit, bounds, equals })
        } else {
            Err(VapiError::validation(errors))
        }
    }

    /// Whether a document with these timestamps passes the bounds.
    pub fn admits_times(&self, created: Timestamp, updated: Timestamp) -> bool {
        self.bounds.iter().all(|(name, bound)| {
            let value = if name.starts_with("created") { created } else { updated };
            match &name[name.len() - 2..] {
                "Gt" => value > *bound,
                "Lt" => value < *bound,
                "Ge" => value >= *bound,
                _ => value <= *bound,
            }
        })
    }

    /// Whether a JSON document passes the bounds and the exact-match filters.
    pub fn admits(&self, doc: &Value) -> bool {
        let at = |f: &str| doc[f].as_str().and_then(time::parse).unwrap_or_default();
        self.admits_times(at("createdAt"), at("updatedAt"))
            && self
                .equals
                .iter()
                .all(|(k, v)| doc[k.as_str()].as_str() == Some(v.as_str()))
    }

    /// The matching documents, newest first, at most `limit`.
    pub fn apply(&self, docs: &[Value]) -> Vec<Value> {
        let mut out: Vec<&Value> = docs.iter().filter(|d| self.admits(d)).collect();
        out.sort_by(|a, b| b["createdAt"].as_str().cmp(&a["createdAt"].as_str()));
        out.into_iter().take(self.limit).cloned().collect()
    }
}
