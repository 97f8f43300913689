//! Figures of the monitor pages (Usage & Cost, Analytics, Call History) as people read them:
//! dollars from micro-USD, minutes, counts with thousands separators, rates, shares and
//! changes, all from integers.

pub use voxhive_core::money::format_thousands as thousands;
use voxhive_core::money::{format_scaled, format_usd};

/// Micro-units in one dollar.
const MICRO: i64 = 1_000_000;

/// `n` divided by `d`, rounded half away from zero (`d` > 0).
fn div_round(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    }
}

/// A scaled integer (`decimals` places) as `$1,234.56`; `scaled` carries the sign.
fn dollars_of(scaled: i128, decimals: u32) -> String {
    let scale = 10i128.pow(decimals);
    let sign = if scaled < 0 { "-" } else { "" };
    let v = scaled.abs();
    let whole = thousands(i64::try_from(v / scale).unwrap_or(i64::MAX));
    format!("{sign}${whole}.{:0width$}", v % scale, width = decimals as usize)
}

/// Micro-USD as dollars and cents: `$1,234.56`; under a cent (but not zero), four decimals.
pub fn usd(micro: i64) -> String {
    if micro != 0 && micro.abs() < 10_000 {
        return usd_fine(micro);
    }
    format_usd(micro)
}

/// Micro-USD as `$1,234.56`; under a cent (but not zero) with the decimals it needs (`$0.0042`).
pub fn usd_exact(micro: i64) -> String {
    let m = micro.unsigned_abs();
    if m != 0 && m < 10_000 {
        let sign = if micro < 0 { "-" } else { "" };
        return format!("{sign}${}", format_scaled(m as i64, 6));
    }
    format_usd(micro)
}

/// Micro-USD for small unit figures (per call, per minute): four decimals under a dollar,
/// cents from a dollar up.
pub fn usd_fine(micro: i64) -> String {
    if micro.abs() >= MICRO {
        return format_usd(micro);
    }
    dollars_of(div_round(micro.into(), 100), 4)
}

/// A duration as minutes: one decimal under 100 minutes, whole minutes from there.
pub fn minutes(duration_ms: i64) -> String {
    let tenths = div_round(duration_ms.into(), 6_000);
    if tenths.abs() < 1_000 {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    } else {
        thousands(i64::try_from(div_round(duration_ms.into(), 60_000)).unwrap_or(i64::MAX))
    }
}

/// `part` of `whole` in tenths of a percent, rounded; `None` when `whole` is not above zero.
pub fn share(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| div_round(i128::from(part) * 1_000, whole.into()) as i64)
}

/// Tenths of a percent as `87.5%`.
pub fn permille(tenths: i64) -> String {
    format!("{}.{}%", tenths / 10, (tenths % 10).abs())
}

/// `part` of `whole` as a percentage with one decimal (`87.5%`); `None` when `whole` is zero.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    share(part, whole).map(permille)
}

/// "1 call", "1,234 calls".
pub fn calls_text(calls: i64) -> String {
    format!("{} call{}", thousands(calls), if calls == 1 { "" } else { "s" })
}

/// The average cost of a call in micro-USD, rounded; zero without calls.
pub fn per_call(cost_micro: i64, calls: i64) -> i64 {
    if calls == 0 {
        return 0;
    }
    div_round(cost_micro.into(), calls.into()) as i64
}

/// The cost of a minute in micro-USD, rounded; zero without talk time.
pub fn per_minute(cost_micro: i64, duration_ms: i64) -> i64 {
    if duration_ms == 0 {
        return 0;
    }
    div_round(i128::from(cost_micro) * 60_000, duration_ms.into()) as i64
}

/// Whether a rise of a figure is good, bad or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rise {
    /// Spending: down is good.
    Bad,
    /// Activity: neither good nor bad.
    Neutral,
}

/// A figure's change against the previous period, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `▲ 12.5%`, `▼ 3.0%`, `no change`, or `new` when the previous period had nothing.
    pub text: String,
    /// The CSS class: `change-good`, `change-bad` or `change-neutral`.
    pub class: &'static str,
    /// Words for screen readers and the tooltip: "up 12.5% from $3.20".
    pub words: String,
}

/// How `current` compares with `previous`; `shown` formats the previous figure for the words.
pub fn change(current: i64, previous: i64, rise: Rise, shown: impl Fn(i64) -> String) -> Change {
    let was = shown(previous);
    if current == previous {
        return Change {
            text: "no change".into(),
            class: "change-neutral",
            words: format!("the same as the previous period ({was})"),
        };
    }
    let up = current > previous;
    let class = match (rise, up) {
        (Rise::Neutral, _) => "change-neutral",
        (Rise::Bad, true) => "change-bad",
        (Rise::Bad, false) => "change-good",
    };
    if previous == 0 {
        return Change {
            text: "new".into(),
            class: "change-neutral",
            words: "nothing in the previous period".into(),
        };
    }
    let tenths = div_round(
        (i128::from(current) - i128::from(previous)).abs() * 1_000,
        previous.abs().into(),
    );
    let pct = format!("{}.{}%", thousands((tenths / 10) as i64), tenths % 10);
    let (arrow, direction) = if up { ("▲", "up") } else { ("▼", "down") };
    Change {
        text: format!("{arrow} {pct}"),
        class,
        words: format!("{direction} {pct} from {was} in the previous period"),
    }
}

/// A file size in the unit people read: bytes, KB or MB (1024-based).
pub fn file_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_rounded_to_cents_with_separators() {
        assert_eq!(usd(1_234_567_890), "$1,234.57");
        assert_eq!(usd(0), "$0.00");
        assert_eq!(usd(5_000), "$0.0050");
        assert_eq!(usd(10_000), "$0.01");
        assert_eq!(usd(994_999), "$0.99");
        assert_eq!(usd(995_000), "$1.00");
        assert_eq!(usd(-2_500_000), "-$2.50");
    }

    #[test]
    fn amounts_under_a_cent_keep_the_decimals_they_need() {
        assert_eq!(usd_exact(0), "$0.00");
        assert_eq!(usd_exact(100_000), "$0.10");
        assert_eq!(usd_exact(4_200), "$0.0042");
        assert_eq!(usd_exact(-1), "-$0.000001");
        assert_eq!(usd_exact(1_234_564_999), "$1,234.56");
        assert_eq!(usd_exact(1_234_565_000), "$1,234.57");
        assert_eq!(usd_exact(999_999_990_000), "$999,999.99");
    }

    #[test]
    fn unit_figures_keep_four_decimals_under_a_dollar() {
        assert_eq!(usd_fine(123_456), "$0.1235");
        assert_eq!(usd_fine(42), "$0.0000");
        assert_eq!(usd_fine(1_250_000), "$1.25");
    }

    #[test]
    fn minutes_read_naturally() {
        assert_eq!(minutes(90_000), "1.5");
        assert_eq!(minutes(0), "0.0");
        assert_eq!(minutes(5_999_999), "100");
        assert_eq!(minutes(60_000 * 12_345), "12,345");
        assert_eq!(thousands(-1_000), "-1,000");
    }

    #[test]
    fn rates_are_rounded_integers() {
        assert_eq!(per_call(1_000_000, 3), 333_333);
        assert_eq!(per_call(5, 0), 0);
        assert_eq!(per_minute(300_000, 90_000), 200_000);
        assert_eq!(percent(7, 8), Some("87.5%".into()));
        assert_eq!(percent(1, 0), None);
        assert_eq!(share(7, 8), Some(875));
        assert_eq!(share(1, 0), None);
        assert_eq!(permille(875), "87.5%");
        assert_eq!(
            (calls_text(1), calls_text(1_234)),
            ("1 call".into(), "1,234 calls".into())
        );
    }

    #[test]
    fn cost_going_down_is_good_and_activity_is_neutral() {
        let cost = change(80, 100, Rise::Bad, usd);
        assert_eq!((cost.text.as_str(), cost.class), ("▼ 20.0%", "change-good"));
        assert!(cost.words.starts_with("down 20.0% from"), "{}", cost.words);
        let cost = change(125, 100, Rise::Bad, usd);
        assert_eq!((cost.text.as_str(), cost.class), ("▲ 25.0%", "change-bad"));
        let calls = change(3, 2, Rise::Neutral, thousands);
        assert_eq!((calls.text.as_str(), calls.class), ("▲ 50.0%", "change-neutral"));
        assert_eq!(change(5, 0, Rise::Bad, thousands).text, "new");
        assert_eq!(change(0, 0, Rise::Bad, thousands).text, "no change");
    }

    #[test]
    fn file_sizes_read_in_bytes_kilobytes_or_megabytes() {
        assert_eq!(file_size(12), "12 B");
        assert_eq!(file_size(1536), "1.5 KB");
        assert_eq!(file_size(21 * 1024 * 1024), "21.0 MB");
    }
}
