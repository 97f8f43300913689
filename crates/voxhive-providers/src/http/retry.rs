//! When to try a request again and how long to wait first: backoff with jitter, Retry-After.

use std::time::Duration;

use jiff::Timestamp;
use rand::Rng;

/// The first backoff delay; each retry doubles it.
const BASE_DELAY: Duration = Duration::from_millis(200);
/// The longest backoff delay.
const MAX_DELAY: Duration = Duration::from_secs(8);
/// The longest Retry-After this client waits; a longer one ends the request with "rate limited".
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How a request may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Repeating it has no further effect (GET, DELETE, PATCH of one object): retry any transient failure.
    Idempotent,
    /// Repeating it may create a second object (POST): retry only when the first surely was not acted on.
    OnlyIfNotProcessed,
}

/// Why an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be opened: the request never reached the server.
    Connect,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection broke after the request may have been sent.
    Broken,
    /// The server answered with this status, and maybe a Retry-After.
    Status(u16, Option<Duration>),
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop and report the failure.
    GiveUp,
}

/// Decides whether attempt number `attempt` (from 1) is followed by another, out of `max_attempts`.
pub(crate) fn decide(replay: Replay, failure: Failure, attempt: u32, max_attempts: u32) -> Decision {
    if attempt >= max_attempts {
        return Decision::GiveUp;
    }
    let idempotent = replay == Replay::Idempotent;
    let retryable = match failure {
        Failure::Connect => true,
        Failure::Timeout | Failure::Broken => idempotent,
        Failure::Status(429 | 503, Some(_)) => true,
        Failure::Status(status, _) => idempotent && (status == 408 || status == 429 || status >= 500),
    };
    if !retryable {
        return Decision::GiveUp;
    }
    match failure {
        Failure::Status(_, Some(wait)) if wait > MAX_RETRY_AFTER => Decision::GiveUp,
        Failure::Status(_, Some(wait)) => Decision::RetryAfter(wait.max(jittered(BASE_DELAY))),
        _ => Decision::RetryAfter(backoff(attempt)),
    }
}

/// Exponential backoff with equal jitter: between half and all of `BASE_DELAY * 2^(attempt-1)`, capped.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exponential = BASE_DELAY.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    jittered(exponential.min(MAX_DELAY))
}

fn jittered(ceiling: Duration) -> Duration {
    let half = ceiling / 2;
    let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(rand::rng().random_range(0..=spread))
}

/// Reads a Retry-After header: delay seconds or an HTTP date, relative to `now`.
pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_requests_are_retried_on_every_transient_failure() {
        for failure in [
            Failure::Connect,
            Failure::Timeout,
            Failure::Broken,
            Failure::Status(429, None),
            Failure::Status(500, None),
            Failure::Status(502, None),
            Failure::Status(503, None),
        ] {
            assert!(
                matches!(decide(Replay::Idempotent, failure, 1, 3), Decision::RetryAfter(_)),
                "{failure:?}"
            );
        }
        assert_eq!(
            decide(Replay::Idempotent, Failure::Status(400, None), 1, 3),
            Decision::GiveUp
        );
        assert_eq!(
            decide(Replay::Idempotent, Failure::Status(404, None), 1, 3),
            Decision::GiveUp
        );
    }

    #[test]
    fn creates_are_retried_only_when_surely_not_processed() {
        let replay = Replay::OnlyIfNotProcessed;
        assert!(matches!(
            decide(replay, Failure::Connect, 1, 3),
            Decision::RetryAfter(_)
        ));
        let wait = Some(Duration::from_secs(2));
        assert_eq!(
            decide(replay, Failure::Status(429, wait), 1, 3),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            decide(replay, Failure::Status(503, wait), 1, 3),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        for failure in [
            Failure::Timeout,
            Failure::Broken,
            Failure::Status(500, None),
            Failure::Status(429, None),
        ] {
            assert_eq!(decide(replay, failure, 1, 3), Decision::GiveUp, "{failure:?}");
        }
    }

    #[test]
    fn retries_stop_at_the_last_attempt_and_at_a_retry_after_beyond_the_cap() {
        assert_eq!(decide(Replay::Idempotent, Failure::Connect, 3, 3), Decision::GiveUp);
        let too_long = Some(MAX_RETRY_AFTER + Duration::from_secs(1));
        assert_eq!(
            decide(Replay::Idempotent, Failure::Status(429, too_long), 1, 3),
            Decision::GiveUp
        );
    }

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_is_capped() {
        for attempt in 1..=12 {
            let ceiling = (BASE_DELAY * 2u32.pow(attempt - 1)).min(MAX_DELAY);
            let delay = backoff(attempt);
            assert!(delay >= ceiling / 2 && delay <= ceiling, "attempt {attempt}: {delay:?}");
        }
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Mon, 05 Jan 2026 10:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Mon, 05 Jan 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
