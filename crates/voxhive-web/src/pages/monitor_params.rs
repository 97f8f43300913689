//! The query the monitor pages with a period (Usage & Cost, Analytics) share: the period, the
//! connection and the sort of an assistant table; the filter bar and sortable headings built
//! from it (the bar is templates/monitor_filter.html).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use voxhive_store::Connection;

use crate::period::{Period, PeriodError, PRESETS};

/// The column a table is sorted by when the query names none (or an unknown one).
const DEFAULT_SORT: &str = "cost";

/// The column of names, sorted from A first; the others start with the largest figures.
const NAME_COLUMN: &str = "assistant";

/// A monitor page's query: period, connection and the assistant table's sort.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct MonitorParams {
    /// A preset of [`PRESETS`], or `custom` with `from` and `to`.
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// A connection id, `all`, or empty for the connection the top bar is scoped to.
    #[serde(default)]
    pub connection: String,
    /// A column of the assistant table.
    #[serde(default)]
    pub sort: String,
    /// `asc` or `desc`.
    #[serde(default)]
    pub dir: String,
}

impl MonitorParams {
    /// A link to `path` with some parameters changed, the others kept (empty ones left out).
    fn link(&self, path: &str, changes: &[(&str, &str)]) -> String {
        let mut params = [
            ("period", self.period.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("connection", self.connection.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
        ];
        for (key, value) in changes {
            if let Some(p) = params.iter_mut().find(|(k, _)| k == key) {
                p.1 = value;
            }
        }
        let kept: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        if kept.is_empty() {
            return path.to_string();
        }
        format!("{path}?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

/// A preset of the period picker.
pub struct PresetLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// An entry of the connection filter.
pub struct ConnectionOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
    pub href: String,
}

/// A sortable column heading.
pub struct SortHeading {
    pub label: &'static str,
    pub href: String,
    pub aria_sort: &'static str,
    pub numeric: bool,
}

/// The period and connection filter bar, and the query it was built from.
pub struct FilterBar {
    /// The page's path: the form's action and the base of every link.
    pub path: &'static str,
    /// The prefix of the fields' ids (`usage` gives `usage-from`).
    pub id: &'static str,
    pub params: MonitorParams,
    /// The date inputs' values: the period shown.
    pub from_value: String,
    pub to_value: String,
    pub presets: Vec<PresetLink>,
    pub connection_options: Vec<ConnectionOption>,
    pub date_error: Option<PeriodError>,
}

/// What a monitor page's query chooses, and the filter bar that shows it.
pub struct Monitor {
    pub period: Period,
    /// The connection the page is filtered to; `None` for all.
    pub connection_id: Option<i64>,
    /// The chosen connection's label.
    pub connection_name: Option<String>,
    pub filter: FilterBar,
}

/// The connection the page is filtered to: the query's choice, else the top bar's scope.
fn chosen_connection(params: &MonitorParams, scope: Option<i64>, connections: &[Connection]) -> Option<i64> {
    let known = |id: i64| connections.iter().any(|c| c.id == id).then_some(id);
    match params.connection.as_str() {
        "all" => None,
        "" => scope.and_then(known),
        id => id.parse().ok().and_then(known),
    }
}

impl Monitor {
    /// Reads the query of the page at `path` (`scope` is the top bar's connection): a period that cannot be shown falls back to the last
    /// 30 days with its error, and custom dates are dropped from links once a preset is chosen.
    pub fn of(
        path: &'static str,
        id: &'static str,
        mut params: MonitorParams,
        scope: Option<i64>,
        connections: &[Connection],
        today: Date,
    ) -> Monitor {
        let (period, date_error) = match Period::from_query(&params.period, &params.from, &params.to, today) {
            Ok(period) => (period, None),
            Err(err) => (Period::last_30_days(today), Some(err)),
        };
        if period.preset != "custom" {
            params.from.clear();
            params.to.clear();
        }
        params.period = period.preset.to_string();
        let connection_id = chosen_connection(&params, scope, connections);
        let presets = PRESETS
            .iter()
            .map(|(key, label)| PresetLink {
                label,
                href: params.link(path, &[("period", key), ("from", ""), ("to", "")]),
                current: period.preset == *key,
            })
            .collect();
        let selected = connection_id.map(|id| id.to_string()).unwrap_or_else(|| "all".into());
        let connection_options = std::iter::once(("all".to_string(), "All connections".to_string()))
            .chain(connections.iter().map(|c| (c.id.to_string(), c.label.clone())))
            .map(|(value, label)| ConnectionOption {
                selected: value == selected,
                href: params.link(path, &[("connection", &value)]),
                value,
                label,
            })
            .collect();
        Monitor {
            connection_id,
            connection_name: connections
                .iter()
                .find(|c| Some(c.id) == connection_id)
                .map(|c| c.label.clone()),
            filter: FilterBar {
                path,
                id,
                from_value: period.from.to_string(),
                to_value: period.to.to_string(),
                presets,
                connection_options,
                date_error,
                params,
            },
            period,
        }
    }
}

impl FilterBar {
    /// The link to the last 30 days of all connections, offered when the period has no calls.
    pub fn reset_href(&self) -> String {
        self.params.link(
            self.path,
            &[("period", "30d"), ("from", ""), ("to", ""), ("connection", "all")],
        )
    }

    /// The column of `columns` (query value, heading) the query sorts by, and whether largest first.
    pub fn sort(&self, columns: &[(&'static str, &'static str)]) -> (&'static str, bool) {
        let column = columns
            .iter()
            .map(|(key, _)| *key)
            .find(|key| *key == self.params.sort)
            .unwrap_or(DEFAULT_SORT);
        (column, self.params.dir != "asc")
    }

    /// The headings of a table sorted by `column`: a click on the current column turns it round;
    /// a new column starts with the largest figures first (names from A).
    pub fn sort_headings(
        &self,
        columns: &[(&'static str, &'static str)],
        column: &str,
        descending: bool,
    ) -> Vec<SortHeading> {
        columns
            .iter()
            .map(|(key, label)| {
                let current = *key == column;
                let dir = match (current, descending, *key == NAME_COLUMN) {
                    (true, true, _) | (false, _, true) => "asc",
                    _ => "desc",
                };
                SortHeading {
                    label,
                    href: self.params.link(self.path, &[("sort", key), ("dir", dir)]),
                    aria_sort: match (current, descending) {
                        (false, _) => "none",
                        (true, true) => "descending",
                        (true, false) => "ascending",
                    },
                    numeric: *key != NAME_COLUMN,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(params: MonitorParams) -> FilterBar {
        let today = jiff::civil::date(2026, 3, 10);
        Monitor::of("/usage", "usage", params, None, &[], today).filter
    }

    #[test]
    fn links_keep_the_other_parameters_and_leave_out_empty_ones() {
        let filter = bar(MonitorParams {
            period: "7d".into(),
            from: "2026-01-01".into(),
            sort: "calls".into(),
            ..MonitorParams::default()
        });
        assert_eq!(filter.params.from, "", "a preset drops the custom dates");
        assert_eq!(filter.presets[2].href, "/usage?period=30d&sort=calls");
        assert!(filter.presets[1].current);
        assert_eq!(filter.reset_href(), "/usage?period=30d&connection=all&sort=calls");
        assert_eq!(
            filter.connection_options[0].href,
            "/usage?period=7d&connection=all&sort=calls"
        );
    }

    #[test]
    fn headings_turn_the_current_column_round_and_start_names_from_a() {
        let filter = bar(MonitorParams {
            sort: "calls".into(),
            ..MonitorParams::default()
        });
        let columns = [("assistant", "Assistant"), ("calls", "Calls"), ("cost", "Cost")];
        let (column, descending) = filter.sort(&columns);
        assert_eq!((column, descending), ("calls", true));
        let headings = filter.sort_headings(&columns, column, descending);
        let hrefs: Vec<&str> = headings.iter().map(|h| h.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "/usage?period=30d&sort=assistant&dir=asc",
                "/usage?period=30d&sort=calls&dir=asc",
                "/usage?period=30d&sort=cost&dir=desc",
            ]
        );
        let aria: Vec<&str> = headings.iter().map(|h| h.aria_sort).collect();
        assert_eq!(aria, ["none", "descending", "none"]);
        assert!(!headings[0].numeric && headings[1].numeric);
        assert_eq!(bar(MonitorParams::default()).sort(&columns), ("cost", true));
    }
}
