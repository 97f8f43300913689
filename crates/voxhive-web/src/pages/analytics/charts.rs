//! The data of the Analytics charts, serialised into the page for `analytics.js`: success rate
//! and average duration for each day of the period (gaps where there is nothing to show), and
//! the peak of simultaneous calls for each hour, labelled in the workspace's zone.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use voxhive_store::{Concurrency, DailyPerformance};

use crate::period::Period;

/// One value per day of the period.
#[derive(Serialize)]
pub struct Days {
    /// Short labels for the axis: "10 Mar".
    pub labels: Vec<String>,
    /// Long labels for the legend: "Tue 10 Mar 2026".
    pub dates: Vec<String>,
    pub calls: Vec<i64>,
    /// Tenths of a percent of evaluated calls that succeeded; `null` when none was evaluated.
    pub success_permille: Vec<Option<i64>>,
    pub evaluated: Vec<i64>,
    /// Average call length in milliseconds; `null` without calls.
    pub avg_duration_ms: Vec<Option<i64>>,
}

/// One value per hour of the swept period.
#[derive(Serialize)]
pub struct Hours {
    /// The day of each hour for the axis: "10 Mar".
    pub days: Vec<String>,
    /// Long labels for the legend: "Tue 10 Mar, 14:00".
    pub labels: Vec<String>,
    pub peaks: Vec<i64>,
}

#[derive(Serialize)]
pub struct ChartData {
    pub days: Days,
    pub hours: Hours,
}

impl ChartData {
    pub fn new(period: &Period, daily: &[DailyPerformance], concurrency: &Concurrency, zone: &TimeZone) -> Self {
        let by_day: HashMap<_, _> = daily.iter().map(|d| (d.day, d)).collect();
        let days: Vec<_> = period.each_day().map(|day| (day, by_day.get(&day).copied())).collect();
        let hours: Vec<_> = concurrency
            .hours
            .iter()
            .map(|h| {
                let local = Timestamp::from_millisecond(h.start)
                    .unwrap_or_default()
                    .to_zoned(zone.clone());
                (local, h.peak)
            })
            .collect();
        ChartData {
            days: Days {
                labels: days.iter().map(|(d, _)| d.strftime("%-d %b").to_string()).collect(),
                dates: days
                    .iter()
                    .map(|(d, _)| d.strftime("%a %-d %b %Y").to_string())
                    .collect(),
                calls: days.iter().map(|(_, p)| p.map_or(0, |p| p.calls)).collect(),
                success_permille: days.iter().map(|(_, p)| p.and_then(|p| p.success_permille())).collect(),
                evaluated: days.iter().map(|(_, p)| p.map_or(0, |p| p.evaluated)).collect(),
                avg_duration_ms: days
                    .iter()
                    .map(|(_, p)| p.and_then(|p| p.average_duration_ms()))
                    .collect(),
            },
            hours: Hours {
                days: hours.iter().map(|(z, _)| z.strftime("%-d %b").to_string()).collect(),
                labels: hours
                    .iter()
                    .map(|(z, _)| z.strftime("%a %-d %b, %H:%M").to_string())
                    .collect(),
                peaks: hours.iter().map(|(_, p)| *p).collect(),
            },
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

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use voxhive_store::HourPeak;

    use super::*;

    #[test]
    fn every_day_and_hour_has_a_value_and_the_json_cannot_close_its_element() {
        let period = Period::from_query("", "2026-03-01", "2026-03-03", date(2026, 3, 3)).unwrap();
        let daily = [DailyPerformance {
            day: date(2026, 3, 2),
            calls: 4,
            duration_ms: 100_000,
            successes: 1,
            evaluated: 3,
        }];
        let berlin = voxhive_core::time::parse_zone("Europe/Berlin").unwrap();
        let concurrency = Concurrency {
            from: date(2026, 3, 1),
            hours: vec![HourPeak {
                start: 1_772_319_600_000, // 2026-02-28T23:00:00Z, midnight in Berlin
                peak: 2,
            }],
        };
        let mut data = ChartData::new(&period, &daily, &concurrency, &berlin);
        assert_eq!(data.days.calls, [0, 4, 0]);
        assert_eq!(data.days.success_permille, [None, Some(333), None]);
        assert_eq!(data.days.avg_duration_ms, [None, Some(25_000), None]);
        assert_eq!(data.hours.labels, ["Sun 1 Mar, 00:00"]);
        data.days.labels.push("</script><!--".into());
        let json = data.to_script_json();
        assert!(!json.contains('<') && !json.contains('>'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["days"]["labels"][3], "</script><!--");
    }
}
