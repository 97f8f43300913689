//! What the charts of the Usage & Cost page draw: one value per day of the period (days
//! without calls as zeros), serialised into the page for `usage.js`, and the stat cards'
//! sparklines as SVG points.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;
use voxhive_store::{CallTotals, UsageGroup, UsageKey};

use crate::period::Period;

/// A cost component: its key (the CSS colour `--c-{key}`), its words, and one value per day.
#[derive(Serialize)]
pub struct Component {
    pub key: &'static str,
    pub label: &'static str,
    pub values: Vec<i64>,
}

/// The data of the daily charts, in integers: micro-USD and milliseconds.
#[derive(Serialize)]
pub struct ChartData {
    /// Short day labels for the axis: "10 Mar".
    pub labels: Vec<String>,
    /// Long day labels for the hover legend: "Tue 10 Mar 2026".
    pub dates: Vec<String>,
    /// Cost by component, bottom of the stack first; the parts add up to `cost`.
    pub components: Vec<Component>,
    pub cost: Vec<i64>,
    pub calls: Vec<i64>,
    pub duration_ms: Vec<i64>,
}

/// The totals of each day of the period, zeros for days without calls.
pub fn per_day(period: &Period, groups: &[UsageGroup]) -> Vec<(Date, CallTotals)> {
    let by_day: HashMap<Date, &CallTotals> = groups
        .iter()
        .filter_map(|g| match g.key {
            UsageKey::Day(day) => Some((day, &g.totals)),
            _ => None,
        })
        .collect();
    period
        .each_day()
        .map(|day| (day, by_day.get(&day).copied().copied().unwrap_or_default()))
        .collect()
}

impl ChartData {
    pub fn new(days: &[(Date, CallTotals)]) -> ChartData {
        let series = |f: fn(&CallTotals) -> i64| days.iter().map(|(_, t)| f(t)).collect::<Vec<i64>>();
        let mut components = vec![
            Component {
                key: "transport",
                label: "Transport",
                values: series(|t| t.cost_transport_micro_usd),
            },
            Component {
                key: "stt",
                label: "Speech-to-text",
                values: series(|t| t.cost_stt_micro_usd),
            },
            Component {
                key: "llm",
                label: "LLM",
                values: series(|t| t.cost_llm_micro_usd),
            },
            Component {
                key: "tts",
                label: "Text-to-speech",
                values: series(|t| t.cost_tts_micro_usd),
            },
            Component {
                key: "platform",
                label: "Platform",
                values: series(|t| t.cost_platform_micro_usd),
            },
        ];
        let other = series(CallTotals::other_micro_usd);
        if other.iter().any(|v| *v != 0) {
            components.push(Component {
                key: "other",
                label: "Other",
                values: other,
            });
        }
        ChartData {
            labels: days.iter().map(|(d, _)| d.strftime("%-d %b").to_string()).collect(),
            dates: days
                .iter()
                .map(|(d, _)| d.strftime("%a %-d %b %Y").to_string())
                .collect(),
            components,
            cost: series(|t| t.cost_micro_usd),
            calls: series(|t| t.calls),
            duration_ms: series(|t| t.duration_ms),
        }
    }

    /// The data as JSON safe inside a `<script type="application/json">` element: `<`, `>` and
    /// `&` are escaped, so no `</script>` or comment can end it early.
    pub fn to_script_json(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        json.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }
}

/// Width and height of a sparkline's SVG viewBox.
const SPARK_W: i64 = 100;
const SPARK_H: i64 = 28;

/// The points of a sparkline of `values` in a 100 × 28 viewBox (1 unit of margin at the top
/// and bottom), as the `points` attribute of a polyline.
pub fn sparkline(values: &[i64]) -> String {
    let (min, max) = (
        values.iter().copied().min().unwrap_or(0).min(0),
        values.iter().copied().max().unwrap_or(0),
    );
    let range = i128::from((max - min).max(1));
    let last = (values.len() as i64 - 1).max(1);
    let point = |i: i64, v: i64| {
        let x = i * SPARK_W * 10 / last;
        let y = (SPARK_H - 1) * 10 - (i128::from(v - min) * i128::from(SPARK_H - 2) * 10 / range) as i64;
        format!("{}.{},{}.{}", x / 10, x % 10, y / 10, y % 10)
    };
    match values {
        [] => String::new(),
        [only] => format!("{} {}", point(0, *only), point(last, *only)),
        _ => values
            .iter()
            .enumerate()
            .map(|(i, v)| point(i as i64, *v))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_day_has_a_value_and_components_add_up() {
        let period = Period::from_query("", "2026-03-01", "2026-03-03", date(2026, 3, 3)).unwrap();
        let totals = CallTotals {
            calls: 2,
            cost_micro_usd: 500,
            cost_llm_micro_usd: 300,
            cost_tts_micro_usd: 100,
            ..CallTotals::default()
        };
        let groups = vec![UsageGroup {
            key: UsageKey::Day(date(2026, 3, 2)),
            totals,
        }];
        let data = ChartData::new(&per_day(&period, &groups));
        assert_eq!(data.calls, [0, 2, 0]);
        assert_eq!(data.labels, ["1 Mar", "2 Mar", "3 Mar"]);
        let stacked: i64 = data.components.iter().map(|c| c.values[1]).sum();
        assert_eq!(stacked, 500);
        assert_eq!(data.components.last().unwrap().key, "other");
    }

    #[test]
    fn the_embedded_json_cannot_close_its_script_element() {
        let mut data = ChartData::new(&[]);
        data.labels.push("</script><!--".into());
        let json = data.to_script_json();
        assert!(!json.contains('<') && !json.contains('>'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["labels"][0], "</script><!--");
    }

    #[test]
    fn sparklines_span_the_box() {
        assert_eq!(sparkline(&[0, 5, 10]), "0.0,27.0 50.0,14.0 100.0,1.0");
        assert_eq!(sparkline(&[3]), "0.0,1.0 100.0,1.0");
        assert_eq!(sparkline(&[]), "");
    }
}
