//! The period a monitor page shows (Usage & Cost, Analytics): a preset (today, 7 or 30 days,
//! this or last month) or custom dates, in whole days of the workspace's zone, and the period
//! before it.

use jiff::civil::Date;
use jiff::ToSpan;

/// The longest custom period, in days: the page draws one bar per day.
pub const MAX_DAYS: i64 = 1_096;

/// The presets, in the order the picker shows them: (query value, words).
pub const PRESETS: [(&str, &str); 5] = [
    ("today", "Today"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("month", "This month"),
    ("last-month", "Last month"),
];

/// A period of whole days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The preset's query value, or `custom`.
    pub preset: &'static str,
    pub from: Date,
    pub to: Date,
}

/// Why the dates asked for cannot be shown; the page falls back to the default period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodError {
    /// `from` or `to`.
    pub field: &'static str,
    pub message: String,
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(field: &'static str, value: &str) -> Result<Date, PeriodError> {
    let value = value.trim();
    let parsed = (value.len() == 10).then(|| value.parse::<Date>().ok()).flatten();
    parsed.ok_or_else(|| PeriodError {
        field,
        message: if value.is_empty() {
            format!("enter the {} date", if field == "from" { "start" } else { "end" })
        } else {
            format!("{value} is not a date: use the form 2026-03-31")
        },
    })
}

fn days_before(day: Date, n: i64) -> Date {
    day.checked_sub(n.days()).unwrap_or(Date::MIN)
}

impl Period {
    /// The default: the last 30 days, today included.
    pub fn last_30_days(today: Date) -> Period {
        Period {
            preset: "30d",
            from: days_before(today, 29),
            to: today,
        }
    }

    /// The period a preset names, relative to `today`; `None` for an unknown name.
    pub fn preset(name: &str, today: Date) -> Option<Period> {
        let (preset, from, to) = match name {
            "today" => ("today", today, today),
            "7d" => ("7d", days_before(today, 6), today),
            "30d" => return Some(Period::last_30_days(today)),
            "month" => ("month", today.first_of_month(), today),
            "last-month" => {
                let last = days_before(today.first_of_month(), 1);
                ("last-month", last.first_of_month(), last)
            }
            _ => return None,
        };
        Some(Period { preset, from, to })
    }

    /// The period of the page's query: custom dates when given (both needed), else the preset,
    /// else the last 30 days.
    pub fn from_query(preset: &str, from: &str, to: &str, today: Date) -> Result<Period, PeriodError> {
        if (from.trim().is_empty() && to.trim().is_empty()) || (preset != "custom" && !preset.is_empty()) {
            return Ok(Period::preset(preset, today).unwrap_or(Period::last_30_days(today)));
        }
        let from = parse_date("from", from)?;
        let to = parse_date("to", to)?;
        if from > to {
            return Err(PeriodError {
                field: "to",
                message: "the end date is before the start date".into(),
            });
        }
        let period = Period {
            preset: "custom",
            from,
            to,
        };
        if period.days() > MAX_DAYS {
            return Err(PeriodError {
                field: "from",
                message: format!("choose at most {MAX_DAYS} days (three years)"),
            });
        }
        Ok(period)
    }

    /// How many days the period has.
    pub fn days(&self) -> i64 {
        self.from
            .until(self.to)
            .map(|s| i64::from(s.get_days()) + 1)
            .unwrap_or(1)
    }

    /// The period of equal length just before this one.
    pub fn previous(&self) -> Period {
        let to = days_before(self.from, 1);
        Period {
            preset: "custom",
            from: days_before(to, self.days() - 1),
            to,
        }
    }

    /// Every day of the period, in order.
    pub fn each_day(&self) -> impl Iterator<Item = Date> + '_ {
        self.from.series(1.day()).take_while(move |d| *d <= self.to)
    }

    /// The period in words: "10 Mar – 9 Apr 2026", "Today, 9 Apr 2026".
    pub fn words(&self) -> String {
        let full = |d: Date| d.strftime("%-d %b %Y").to_string();
        if self.from == self.to {
            return full(self.from);
        }
        let start = if self.from.year() == self.to.year() {
            self.from.strftime("%-d %b").to_string()
        } else {
            full(self.from)
        };
        format!("{start} – {}", full(self.to))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn presets_count_whole_days_back_from_today() {
        let today = date(2026, 3, 10);
        let p = Period::preset("7d", today).unwrap();
        assert_eq!((p.from, p.to, p.days()), (date(2026, 3, 4), today, 7));
        let p = Period::preset("30d", today).unwrap();
        assert_eq!((p.from, p.days()), (date(2026, 2, 9), 30));
        let p = Period::preset("month", today).unwrap();
        assert_eq!((p.from, p.to), (date(2026, 3, 1), today));
        let p = Period::preset("last-month", today).unwrap();
        assert_eq!((p.from, p.to), (date(2026, 2, 1), date(2026, 2, 28)));
        assert_eq!(Period::preset("today", today).unwrap().days(), 1);
        assert!(Period::preset("fortnight", today).is_none());
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        let p = Period::preset("last-month", date(2026, 3, 10)).unwrap().previous();
        assert_eq!((p.from, p.to), (date(2026, 1, 4), date(2026, 1, 31)));
        assert_eq!(p.days(), 28);
    }

    #[test]
    fn custom_dates_are_checked() {
        let today = date(2026, 3, 10);
        let p = Period::from_query("", "2026-01-01", "2026-01-31", today).unwrap();
        assert_eq!((p.preset, p.days()), ("custom", 31));
        assert_eq!(p.each_day().count(), 31);
        assert_eq!(Period::from_query("", "", "", today).unwrap().preset, "30d");
        assert_eq!(Period::from_query("7d", "2026-01-01", "", today).unwrap().preset, "7d");
        let err = Period::from_query("custom", "2026-13-01", "2026-01-31", today).unwrap_err();
        assert_eq!(err.field, "from");
        let err = Period::from_query("", "2026-02-01", "2026-01-31", today).unwrap_err();
        assert_eq!(err.field, "to");
        assert!(Period::from_query("", "2020-01-01", "2026-01-31", today).is_err());
        assert_eq!(p.words(), "1 Jan – 31 Jan 2026");
    }
}
