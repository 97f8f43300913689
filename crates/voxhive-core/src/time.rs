//! Time: UTC instants stored as milliseconds since the Unix epoch, shown in a workspace's zone.

use jiff::{tz::TimeZone, Timestamp};

/// Milliseconds since the Unix epoch, UTC; the storage form of every instant.
pub type Millis = i64;

/// The current instant in storage form.
pub fn now_ms() -> Millis {
    Timestamp::now().as_millisecond()
}

/// Parses an IANA time-zone name such as `Europe/Berlin`.
pub fn parse_zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// Formats an instant as `2026-11-25 16:32` in the given zone.
pub fn format_minute(ms: Millis, zone: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => "—".to_string(),
    }
}

/// Describes how long ago an instant was: "just now", "3 min ago", "5 h ago", "2 d ago".
pub fn relative(ms: Millis, now: Millis) -> String {
    let secs = (now - ms) / 1000;
    match secs {
        s if s < 45 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", (s + 30) / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_zone() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        // 2026-11-25T16:32:00Z is 17:32 in Berlin (CET).
        assert_eq!(format_minute(1_795_624_320_000, &berlin), "2026-11-25 17:32");
        assert_eq!(format_minute(1_795_624_320_000, &TimeZone::UTC), "2026-11-25 16:32");
        assert!(parse_zone("Mars/Olympus").is_none());
    }

    #[test]
    fn relative_reads_naturally() {
        assert_eq!(relative(0, 10_000), "just now");
        assert_eq!(relative(0, 180_000), "3 min ago");
        assert_eq!(relative(0, 7_200_000), "2 h ago");
        assert_eq!(relative(0, 3 * 86_400_000), "3 d ago");
    }
}
