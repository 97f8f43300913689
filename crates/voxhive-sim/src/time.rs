//! Timestamps in the providers' formats and parsing of time filters.

use jiff::{SignedDuration, Timestamp};

/// ISO-8601 with milliseconds and `Z`, as Vapi writes `createdAt` (`2026-01-02T03:04:05.678Z`).
pub fn iso(ts: Timestamp) -> String {
    let ms = ts.subsec_millisecond();
    format!("{}.{ms:03}Z", ts.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// Parses an ISO-8601 timestamp from a query string or body.
pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// The timestamp `ms` milliseconds after `ts`.
pub fn plus_ms(ts: Timestamp, ms: i64) -> Timestamp {
    ts.saturating_add(SignedDuration::from_millis(ms)).expect("in range")
}

/// The current time truncated to milliseconds.
pub fn now() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond()).expect("in range")
}

/// The start of the current UTC day.
pub fn today() -> Timestamp {
    let secs = Timestamp::now().as_second();
    Timestamp::from_second(secs - secs.rem_euclid(86_400)).expect("in range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_keeps_milliseconds_and_zulu() {
        let ts = Timestamp::from_millisecond(1_700_000_000_123).unwrap();
        assert_eq!(iso(ts), "2023-11-14T22:13:20.123Z");
        assert_eq!(parse(&iso(ts)), Some(ts));
    }
}
