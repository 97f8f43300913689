//! The breakdown tables of the Usage & Cost page: per assistant (sortable by every column), per
//! connection and per provider, with figures formatted and ElevenLabs credits beside dollars.

use std::cmp::Ordering;
use std::collections::HashMap;

use voxhive_store::{CallTotals, Connection, UsageGroup, UsageKey};

use crate::format::{minutes, per_call, per_minute, percent, thousands, usd, usd_fine};

/// The columns the assistant table sorts by: (query value, heading).
pub const COLUMNS: [(&str, &str); 7] = [
    ("assistant", "Assistant"),
    ("calls", "Calls"),
    ("minutes", "Minutes"),
    ("cost", "Cost"),
    ("avg", "Avg / call"),
    ("per-minute", "Cost / min"),
    ("success", "Success"),
];

/// The figures every breakdown row shows.
pub struct Figures {
    pub calls: String,
    pub minutes: String,
    pub cost: String,
    /// ElevenLabs credits, when the row has any.
    pub credits: Option<String>,
    pub avg: String,
    pub per_minute: String,
    /// The success rate, or "—" when the provider evaluated none of the calls.
    pub success: String,
    /// "7 of 8 evaluated calls succeeded".
    pub success_words: String,
}

impl Figures {
    pub fn of(t: &CallTotals) -> Figures {
        Figures {
            calls: thousands(t.calls),
            minutes: minutes(t.duration_ms),
            cost: usd(t.cost_micro_usd),
            credits: (t.cost_credits != 0).then(|| format!("{} credits", thousands(t.cost_credits))),
            avg: usd_fine(per_call(t.cost_micro_usd, t.calls)),
            per_minute: usd_fine(per_minute(t.cost_micro_usd, t.duration_ms)),
            success: percent(t.successes, t.evaluated).unwrap_or_else(|| "—".into()),
            success_words: if t.evaluated == 0 {
                "no call was evaluated".into()
            } else {
                format!("{} of {} evaluated calls succeeded", t.successes, t.evaluated)
            },
        }
    }
}

/// A row of the assistant table.
pub struct AssistantRow {
    pub name: String,
    /// The assistant's page, once imported.
    pub href: Option<String>,
    /// Why the name is not linked: "not imported" (the name is the provider's id).
    pub note: Option<&'static str>,
    pub connection: String,
    pub figures: Figures,
    totals: CallTotals,
}

/// A row of the connection or provider table.
pub struct BreakdownRow {
    pub name: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub provider_name: String,
    pub figures: Figures,
}

/// The words of a provider.
pub fn provider_name(provider: &str) -> String {
    match provider {
        "vapi" => "Vapi".into(),
        "elevenlabs" => "ElevenLabs".into(),
        other => other.to_string(),
    }
}

pub fn assistant_rows(groups: &[UsageGroup], connections: &[Connection]) -> Vec<AssistantRow> {
    let labels: HashMap<i64, &str> = connections.iter().map(|c| (c.id, c.label.as_str())).collect();
    groups
        .iter()
        .filter_map(|g| match &g.key {
            UsageKey::Assistant {
                connection_id,
                remote_assistant_id,
                assistant_id,
                name,
            } => Some(AssistantRow {
                name: match (name, remote_assistant_id) {
                    (Some(name), _) if !name.trim().is_empty() => name.clone(),
                    (Some(_), _) => "(unnamed)".into(),
                    (None, Some(remote_id)) => remote_id.clone(),
                    (None, None) => "No assistant".into(),
                },
                href: assistant_id.map(|id| format!("/assistants/{id}")),
                note: (assistant_id.is_none() && remote_assistant_id.is_some()).then_some("not imported"),
                connection: labels.get(connection_id).copied().unwrap_or("—").to_string(),
                figures: Figures::of(&g.totals),
                totals: g.totals,
            }),
            _ => None,
        })
        .collect()
}

pub fn connection_rows(groups: &[UsageGroup]) -> Vec<BreakdownRow> {
    groups
        .iter()
        .filter_map(|g| match &g.key {
            UsageKey::Connection { label, provider, .. } => Some(BreakdownRow {
                name: label.clone(),
                provider: provider.clone(),
                provider_name: provider_name(provider),
                figures: Figures::of(&g.totals),
            }),
            _ => None,
        })
        .collect()
}

pub fn provider_rows(groups: &[UsageGroup]) -> Vec<BreakdownRow> {
    groups
        .iter()
        .filter_map(|g| match &g.key {
            UsageKey::Provider(provider) => Some(BreakdownRow {
                name: provider_name(provider),
                provider: provider.clone(),
                provider_name: provider_name(provider),
                figures: Figures::of(&g.totals),
            }),
            _ => None,
        })
        .collect()
}

/// Compares two success rates exactly (cross-multiplied); rows without evaluations come last
/// when sorting down.
fn success_order(a: &CallTotals, b: &CallTotals) -> Ordering {
    match (a.evaluated, b.evaluated) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Less,
        (_, 0) => Ordering::Greater,
        _ => (i128::from(a.successes) * i128::from(b.evaluated))
            .cmp(&(i128::from(b.successes) * i128::from(a.evaluated))),
    }
}

/// Sorts the assistant rows by a column of [`COLUMNS`]; ties keep the store's order (cost).
pub fn sort_rows(rows: &mut [AssistantRow], column: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let (x, y) = (&a.totals, &b.totals);
        let order = match column {
            "assistant" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "calls" => x.calls.cmp(&y.calls),
            "minutes" => x.duration_ms.cmp(&y.duration_ms),
            "avg" => per_call(x.cost_micro_usd, x.calls).cmp(&per_call(y.cost_micro_usd, y.calls)),
            "per-minute" => {
                per_minute(x.cost_micro_usd, x.duration_ms).cmp(&per_minute(y.cost_micro_usd, y.duration_ms))
            }
            "success" => success_order(x, y),
            _ => x.cost_micro_usd.cmp(&y.cost_micro_usd),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, calls: i64, cost: i64, successes: i64, evaluated: i64) -> AssistantRow {
        let totals = CallTotals {
            calls,
            duration_ms: calls * 60_000,
            cost_micro_usd: cost,
            successes,
            evaluated,
            ..CallTotals::default()
        };
        AssistantRow {
            name: name.into(),
            href: None,
            note: None,
            connection: "Main".into(),
            figures: Figures::of(&totals),
            totals,
        }
    }

    fn names(rows: &[AssistantRow]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn rows_sort_by_each_column_both_ways() {
        let mut rows = vec![row("b", 1, 300, 1, 1), row("a", 3, 600, 1, 3), row("C", 2, 100, 0, 0)];
        sort_rows(&mut rows, "assistant", false);
        assert_eq!(names(&rows), ["a", "b", "C"]);
        sort_rows(&mut rows, "calls", true);
        assert_eq!(names(&rows), ["a", "C", "b"]);
        sort_rows(&mut rows, "avg", true);
        assert_eq!(names(&rows), ["b", "a", "C"]);
        sort_rows(&mut rows, "success", true);
        assert_eq!(names(&rows), ["b", "a", "C"], "no evaluation sorts last going down");
        sort_rows(&mut rows, "nonsense", true);
        assert_eq!(names(&rows), ["a", "b", "C"], "unknown columns sort by cost");
    }

    #[test]
    fn figures_show_credits_and_success_only_when_there_are_some() {
        let f = Figures::of(&CallTotals {
            calls: 8,
            duration_ms: 480_000,
            cost_micro_usd: 2_000_000,
            cost_credits: 1_500,
            successes: 7,
            evaluated: 8,
            ..CallTotals::default()
        });
        assert_eq!(
            (
                f.cost.as_str(),
                f.credits.as_deref(),
                f.avg.as_str(),
                f.per_minute.as_str(),
                f.success.as_str()
            ),
            ("$2.00", Some("1,500 credits"), "$0.2500", "$0.2500", "87.5%")
        );
        let f = Figures::of(&CallTotals::default());
        assert_eq!((f.credits, f.success.as_str()), (None, "—"));
    }
}
