//! What the Analytics page shows, built from the store's figures: the summary, the heat map's
//! cells, the ended-reason categories with links to their calls, the assistant comparison
//! (sortable) and the assistants whose cost grew most. Figures are formatted from integers.

use std::cmp::Ordering;
use std::collections::HashMap;

use voxhive_core::money::format_usd;
use voxhive_store::{AssistantFigures, AssistantRef, Connection, CostGrowth, ReasonCategoryCount, WeekHours};

use crate::format::{calls_text, minutes, per_call, permille, share, thousands};

/// A call's length as people say it: `45s`, `2m 05s`, `1h 02m`.
pub fn duration(ms: i64) -> String {
    let s = (ms + 500) / 1_000;
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3_600, s % 3_600 / 60),
    }
}

/// A large figure of the summary row.
pub struct Stat {
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

/// One cell of the heat map: the count and its shade (0 for none, 1 to 5 by fifths of the
/// busiest hour).
pub struct HeatCell {
    pub calls: i64,
    pub shade: i64,
    /// "Tuesday 14:00–15:00: 12 calls".
    pub words: String,
}

/// A weekday's row of the heat map.
pub struct HeatRow {
    pub day: String,
    pub cells: Vec<HeatCell>,
}

/// The rows of [`WeekHours::counts`], Monday first.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

pub fn heat_rows(week: &WeekHours) -> Vec<HeatRow> {
    let busiest = week.counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    week.counts
        .iter()
        .enumerate()
        .map(|(row, hours)| {
            let long = WEEKDAYS[row];
            HeatRow {
                day: long[..3].to_string(),
                cells: hours
                    .iter()
                    .enumerate()
                    .map(|(hour, &calls)| HeatCell {
                        calls,
                        shade: if calls == 0 { 0 } else { 1 + (calls * 5 - 1) / busiest },
                        words: format!("{long} {hour:02}:00–{:02}:00: {}", (hour + 1) % 24, calls_text(calls)),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// An ended reason with the link to its calls.
pub struct ReasonLink {
    pub reason: String,
    pub calls: String,
    pub href: Option<String>,
}

/// A category of ended reasons.
pub struct CategoryRow {
    pub key: &'static str,
    pub label: &'static str,
    pub calls_text: String,
    pub share: String,
    /// Where the category's segment of the stacked bar starts, and its width, in thousandths.
    pub bar_x: i64,
    pub bar_width: i64,
    pub reasons: Vec<ReasonLink>,
}

/// The categories with their shares; each reason links to Call History filtered by it, the
/// period and the connection (`calls_query` holds `from`, `to` and perhaps `connection`).
pub fn category_rows(categories: &[ReasonCategoryCount], calls_query: &[(&str, String)]) -> Vec<CategoryRow> {
    let total: i64 = categories.iter().map(|c| c.calls).sum();
    let mut before = 0;
    categories
        .iter()
        .map(|c| CategoryRow {
            bar_x: share(before, total).unwrap_or(0),
            bar_width: {
                before += c.calls;
                share(before, total).unwrap_or(0) - share(before - c.calls, total).unwrap_or(0)
            },
            key: c.category.key(),
            label: c.category.label(),
            calls_text: thousands(c.calls),
            share: share(c.calls, total).map(permille).unwrap_or_default(),
            reasons: c
                .reasons
                .iter()
                .map(|r| ReasonLink {
                    reason: r.reason.clone().unwrap_or_else(|| "No reason yet".into()),
                    calls: thousands(r.calls),
                    href: r.reason.as_ref().map(|reason| {
                        let mut query = vec![("ended_reason", reason.clone())];
                        query.extend(calls_query.iter().cloned());
                        format!("/calls?{}", serde_urlencoded::to_string(query).unwrap_or_default())
                    }),
                })
                .collect(),
        })
        .collect()
}

/// How an assistant is named on the page, its link, and its connection's label.
pub struct AssistantName {
    pub name: String,
    pub href: Option<String>,
    pub remote_id: Option<String>,
    pub connection: String,
}

fn name_of(a: &AssistantRef, labels: &HashMap<i64, &str>) -> AssistantName {
    AssistantName {
        name: match (&a.name, &a.remote_assistant_id) {
            (Some(name), _) if !name.trim().is_empty() => name.clone(),
            (Some(_), _) => "(unnamed)".into(),
            (None, Some(_)) => "Not imported".into(),
            (None, None) => "No assistant".into(),
        },
        href: a.assistant_id.map(|id| format!("/assistants/{id}")),
        remote_id: a.remote_assistant_id.clone(),
        connection: labels.get(&a.connection_id).copied().unwrap_or("—").to_string(),
    }
}

fn labels(connections: &[Connection]) -> HashMap<i64, &str> {
    connections.iter().map(|c| (c.id, c.label.as_str())).collect()
}

/// The columns the comparison sorts by: (query value, heading).
pub const COLUMNS: [(&str, &str); 6] = [
    ("assistant", "Assistant"),
    ("calls", "Calls"),
    ("minutes", "Minutes"),
    ("cost", "Cost"),
    ("avg-duration", "Avg duration"),
    ("success", "Success"),
];

/// A row of the assistant comparison.
pub struct AssistantRow {
    pub who: AssistantName,
    pub calls: String,
    pub minutes: String,
    pub cost: String,
    pub avg_duration: String,
    /// The success rate, or "—" when no call was evaluated.
    pub success: String,
    pub success_words: String,
    /// The largest ended-reason categories: (key, "Customer ended 60%").
    pub top_categories: Vec<(&'static str, String)>,
    sort: SortKeys,
}

struct SortKeys {
    name: String,
    calls: i64,
    duration_ms: i64,
    cost: i64,
    avg_duration: i64,
    success: i64,
}

pub fn assistant_rows(figures: &[AssistantFigures], connections: &[Connection]) -> Vec<AssistantRow> {
    let labels = labels(connections);
    figures
        .iter()
        .map(|f| {
            let t = &f.totals;
            let avg = per_call(t.duration_ms, t.calls);
            let success = share(t.successes, t.evaluated);
            let who = name_of(&f.assistant, &labels);
            let top_categories = f
                .categories
                .iter()
                .take(2)
                .map(|(category, calls)| {
                    let pct = share(*calls, t.calls).unwrap_or(0);
                    (category.key(), format!("{} {}%", category.label(), (pct + 5) / 10))
                })
                .collect();
            AssistantRow {
                sort: SortKeys {
                    name: who.name.to_lowercase(),
                    calls: t.calls,
                    duration_ms: t.duration_ms,
                    cost: t.cost_micro_usd,
                    avg_duration: avg,
                    success: success.unwrap_or(-1),
                },
                who,
                calls: thousands(t.calls),
                minutes: minutes(t.duration_ms),
                cost: format_usd(t.cost_micro_usd),
                avg_duration: duration(avg),
                success: success.map(permille).unwrap_or_else(|| "—".into()),
                success_words: if t.evaluated == 0 {
                    "no call was evaluated".into()
                } else {
                    format!("{} of {} evaluated calls succeeded", t.successes, t.evaluated)
                },
                top_categories,
            }
        })
        .collect()
}

/// Sorts the comparison by a column of [`COLUMNS`]; ties by name.
pub fn sort_rows(rows: &mut [AssistantRow], column: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let (a, b) = (&a.sort, &b.sort);
        let order = match column {
            "assistant" => a.name.cmp(&b.name),
            "calls" => a.calls.cmp(&b.calls),
            "minutes" => a.duration_ms.cmp(&b.duration_ms),
            "avg-duration" => a.avg_duration.cmp(&b.avg_duration),
            "success" => a.success.cmp(&b.success),
            _ => a.cost.cmp(&b.cost),
        };
        let order = if descending { order.reverse() } else { order };
        order.then_with(|| a.name.cmp(&b.name)).then(Ordering::Equal)
    });
}

/// An assistant whose cost grew.
pub struct GrowthRow {
    pub who: AssistantName,
    /// "+$4.50".
    pub growth: String,
    /// "$1.50 → $6.00".
    pub change: String,
}

/// How many assistants the growth list shows.
const GROWTH_SHOWN: usize = 5;

/// The assistants whose cost grew most (growth above zero only).
pub fn growth_rows(growth: &[CostGrowth], connections: &[Connection]) -> Vec<GrowthRow> {
    let labels = labels(connections);
    growth
        .iter()
        .filter(|g| g.growth_micro_usd() > 0)
        .take(GROWTH_SHOWN)
        .map(|g| GrowthRow {
            who: name_of(&g.assistant, &labels),
            growth: format!("+{}", format_usd(g.growth_micro_usd())),
            change: format!(
                "{} → {}",
                format_usd(g.previous_micro_usd),
                format_usd(g.current_micro_usd)
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_lengths_read_as_people_say_them() {
        assert_eq!(duration(44_600), "45s");
        assert_eq!(duration(125_000), "2m 05s");
        assert_eq!(duration(3_720_000), "1h 02m");
    }

    #[test]
    fn the_heat_map_shades_by_fifths_of_the_busiest_hour() {
        let mut week = WeekHours::default();
        week.counts[0][9] = 10;
        week.counts[0][10] = 1;
        week.counts[6][23] = 6;
        let rows = heat_rows(&week);
        assert_eq!(rows[0].day, "Mon");
        assert_eq!(rows[6].day, "Sun");
        let shades: Vec<i64> = [
            rows[0].cells[9].shade,
            rows[0].cells[10].shade,
            rows[6].cells[23].shade,
            rows[1].cells[0].shade,
        ]
        .to_vec();
        assert_eq!(shades, [5, 1, 3, 0]);
        assert_eq!(rows[6].cells[23].words, "Sunday 23:00–00:00: 6 calls");
    }
}
