//! `POST /analytics`: sum, avg, count, min and max over calls, grouped by assistant, type, status or
//! ended reason, and bucketed by hour, day, week or month.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::auth::Org;
use super::call_doc;
use super::error::{VapiError, VapiResult};
use super::fields::ANALYTICS_QUERY;
use super::validate::{check, parse};
use crate::app::AppState;
use crate::state::CallRecord;
use crate::time::{iso, now, parse as parse_time, plus_ms};

/// Analytics route.
pub fn router() -> Router<AppState> {
    Router::new().route("/analytics", post(run_queries))
}

const OPERATIONS: &[&str] = &["sum", "avg", "count", "min", "max"];
const GROUPS: &[&str] = &[
    "type",
    "assistantId",
    "endedReason",
    "analysis.successEvaluation",
    "status",
];

/// A column's value for one call, from its rendered costs and duration.
fn column(call: &CallRecord, costs: &super::costs::Costs, name: &str) -> Option<f64> {
    let usd = |units: i64| units as f64 / 10_000.0;
    Some(match name {
        "id" => 1.0,
        "cost" => costs.cost(),
        "duration" => match (call.started_at, call.ended_at) {
            (Some(s), Some(e)) => (e.as_millisecond() - s.as_millisecond()) as f64 / 60_000.0,
            _ => 0.0,
        },
        "costBreakdown.llm" => usd(costs.llm),
        "costBreakdown.stt" | "costBreakdown.transcriber" => usd(costs.stt),
        "costBreakdown.tts" => usd(costs.tts),
        "costBreakdown.vapi" => usd(costs.vapi),
        "costBreakdown.transport" => usd(costs.transport),
        "costBreakdown.analysisBreakdown.summary" => usd(costs.summary),
        "costBreakdown.ttsCharacters" => costs.tts_characters as f64,
        "costBreakdown.llmPromptTokens" => costs.prompt_tokens as f64,
        "costBreakdown.llmCompletionTokens" => costs.completion_tokens as f64,
        "costBreakdown.llmCachedPromptTokens" => 0.0,
        _ => return None,
    })
}

fn bucket(at: Timestamp, step: Option<&str>, start: Timestamp) -> Timestamp {
    let secs = at.as_second();
    let floor = |unit: i64| Timestamp::from_second(secs - secs.rem_euclid(unit)).unwrap_or(at);
    match step {
        Some("minute") => floor(60),
        Some("hour") => floor(3_600),
        Some("day") => floor(86_400),
        Some("week") => Timestamp::from_second(secs - (secs + 3 * 86_400).rem_euclid(7 * 86_400)).unwrap_or(at),
        Some("month") => {
            let date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
            date.first_of_month()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or(at)
        }
        _ => start,
    }
}

fn group_value(call: &CallRecord, analysis: &Value, key: &str) -> Value {
    match key {
        "type" => json!(call.call_type),
        "assistantId" => json!(call.assistant_id),
        "endedReason" => json!(call.ended_reason),
        "status" => json!(call.status),
        _ => analysis["successEvaluation"].clone(),
    }
}

async fn run_queries(State(sim): State<AppState>, Org(org): Org, body: Bytes) -> VapiResult<Json<Value>> {
    let body = parse(&body)?;
    let fields = check(&body, ANALYTICS_QUERY)?;
    let queries = fields["queries"].as_array().cloned().unwrap_or_default();
    let mut errors = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        if !q["name"].is_string() || q["name"].as_str().is_some_and(|n| n.len() > 40) {
            errors.push(format!(
                "queries.{i}.name must be a string shorter than or equal to 40 characters"
            ));
        }
        if !matches!(q["table"].as_str(), Some("call" | "subscription")) {
            errors.push(format!(
                "queries.{i}.table must be one of the following values: call, subscription"
            ));
        }
        for op in q["operations"].as_array().into_iter().flatten() {
            if !op["operation"]
                .as_str()
                .is_some_and(|o| OPERATIONS.contains(&o) || o == "history")
            {
                errors.push(format!(
                    "queries.{i}.operations.operation must be one of the following values: {}",
                    OPERATIONS.join(", ")
                ));
            }
        }
        if !q["operations"].is_array() {
            errors.push(format!("queries.{i}.operations must be an array"));
        }
        for g in q["groupBy"].as_array().into_iter().flatten() {
            if !g.as_str().is_some_and(|g| GROUPS.contains(&g)) {
                errors.push(format!(
                    "queries.{i}.groupBy must be one of the following values: {}",
                    GROUPS.join(", ")
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(VapiError::validation(errors));
    }
    let world = sim.world();
    let account = &world.vapi[org];
    let results = queries.iter().map(|q| run_query(account, q)).collect();
    Ok(Json(Value::Array(results)))
}

/// The group keys of one result row and the values of each operation.
type Bucket = (Map<String, Value>, Vec<Vec<f64>>);

fn run_query(account: &crate::state::VapiAccount, q: &Value) -> Value {
    let range = &q["timeRange"];
    let end = range["end"].as_str().and_then(parse_time).unwrap_or_else(now);
    let start = range["start"]
        .as_str()
        .and_then(parse_time)
        .unwrap_or_else(|| plus_ms(end, -7 * 86_400_000));
    let step = range["step"].as_str();
    let mut time_range =
        json!({"start": iso(start), "end": iso(end), "timezone": range["timezone"].as_str().unwrap_or("UTC")});
    if let Some(step) = step {
        time_range["step"] = json!(step);
    }
    if q["table"] != "call" {
        return json!({"name": q["name"], "timeRange": time_range, "result": []});
    }
    let groups: Vec<&str> = q["groupBy"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let operations: Vec<&Value> = q["operations"].as_array().into_iter().flatten().collect();
    let mut buckets: BTreeMap<(Timestamp, String), Bucket> = BTreeMap::new();
    for call in account
        .calls
        .iter()
        .filter(|c| c.created_at >= start && c.created_at < end)
    {
        let turns = call_doc::turns(call);
        let costs = call_doc::costs(call, &turns);
        let analysis =
            json!({"successEvaluation": if costs.total() > 0 && call.script.dialogue == 0 { "true" } else { "false" }});
        let mut keys = Map::new();
        for g in &groups {
            keys.insert((*g).to_owned(), group_value(call, &analysis, g));
        }
        let at = bucket(call.created_at, step, start);
        let entry = buckets
            .entry((at, Value::Object(keys.clone()).to_string()))
            .or_insert_with(|| (keys, vec![Vec::new(); operations.len()]));
        for (i, op) in operations.iter().enumerate() {
            if let Some(v) = column(call, &costs, op["column"].as_str().unwrap_or_default()) {
                entry.1[i].push(v);
            }
        }
    }
    let rows: Vec<Value> = buckets
        .into_iter()
        .map(|((at, _), (mut row, values))| {
            if step.is_some() {
                row.insert("date".into(), json!(iso(at)));
            }
            for (op, values) in operations.iter().zip(values) {
                let name = op["operation"].as_str().unwrap_or("sum");
                let col = op["column"].as_str().unwrap_or("id");
                let alias = op["alias"].as_str().map(str::to_owned).unwrap_or_else(|| {
                    let mut c = col.chars();
                    format!(
                        "{name}{}{}",
                        c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default(),
                        c.as_str()
                    )
                });
                let sum: f64 = values.iter().sum();
                let value = match name {
                    "count" => values.len() as f64,
                    "avg" if !values.is_empty() => sum / values.len() as f64,
                    "min" => values.iter().copied().fold(f64::INFINITY, f64::min),
                    "max" => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    _ => sum,
                };
                row.insert(alias, json!((value * 10_000.0).round() / 10_000.0));
            }
            Value::Object(row)
        })
        .collect();
    json!({"name": q["name"], "timeRange": time_range, "result": rows})
}
