//! Fault injection: latency, errors, dropped and hung connections, and a per-key rate limit.
//!
//! The decision is taken before the handler runs, so a faulted write never happens at all.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::app::AppState;
use crate::config::Faults;
use crate::listener::ConnectionKill;
use crate::{elevenlabs, vapi};

/// Current fault settings with the generator and counters they need.
#[derive(Debug)]
pub struct FaultState {
    /// The settings in force.
    pub faults: Faults,
    rng: ChaCha8Rng,
    windows: HashMap<String, (i64, u32)>,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Pass,
    RateLimited,
    ServerError,
    Unavailable,
    Reset,
    Timeout,
}

impl FaultState {
    /// Fault state with these settings; decisions are drawn from `seed`.
    pub fn new(faults: Faults, seed: u64) -> Self {
        Self {
            faults,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_fa17),
            windows: HashMap::new(),
        }
    }

    fn decide(&mut self, key: Option<&str>) -> Decision {
        if let (Some(limit), Some(key)) = (self.faults.rate_limit_per_key, key) {
            let second = jiff::Timestamp::now().as_second();
            let window = self.windows.entry(key.to_owned()).or_insert((second, 0));
            if window.0 != second {
                *window = (second, 0);
            }
            if window.1 >= limit {
                return Decision::RateLimited;
            }
            window.1 += 1;
        }
        if self.faults.error_rate <= 0.0 || self.rng.random::<f64>() >= self.faults.error_rate {
            return Decision::Pass;
        }
        let mix = self.faults.mix;
        let weights = [
            (Decision::RateLimited, mix.rate_limited),
            (Decision::ServerError, mix.server_error),
            (Decision::Unavailable, mix.unavailable),
            (Decision::Reset, mix.reset),
            (Decision::Timeout, mix.timeout),
        ];
        let total: u32 = weights.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return Decision::ServerError;
        }
        let mut pick = self.rng.random_range(0..total);
        for (decision, weight) in weights {
            if pick < weight {
                return decision;
            }
            pick -= weight;
        }
        Decision::ServerError
    }
}

/// The API key of a request, whichever provider's header carries it.
fn api_key(headers: &HeaderMap) -> Option<String> {
    if let Some(key) = headers.get("xi-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.to_owned());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    Some(auth.strip_prefix("Bearer ").unwrap_or(auth).to_owned())
}

fn error(elevenlabs: bool, status: StatusCode) -> Response {
    let mut response = if elevenlabs {
        elevenlabs::error::status(status).into_response()
    } else {
        vapi::error::status(status).into_response()
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// Middleware in front of every provider route.
pub async fn inject(State(sim): State<AppState>, request: Request, next: Next) -> Response {
    let key = api_key(request.headers());
    let (decision, latency, hang) = {
        let mut state = sim.faults.lock().unwrap_or_else(|e| e.into_inner());
        (
            state.decide(key.as_deref()),
            state.faults.latency_ms,
            state.faults.hang_ms,
        )
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let elevenlabs = request.uri().path().starts_with("/v1/");
    match decision {
        Decision::Pass => next.run(request).await,
        Decision::RateLimited => error(elevenlabs, StatusCode::TOO_MANY_REQUESTS),
        Decision::ServerError => error(elevenlabs, StatusCode::INTERNAL_SERVER_ERROR),
        Decision::Unavailable => error(elevenlabs, StatusCode::SERVICE_UNAVAILABLE),
        Decision::Timeout => {
            tokio::time::sleep(Duration::from_millis(hang)).await;
            error(elevenlabs, StatusCode::GATEWAY_TIMEOUT)
        }
        Decision::Reset => match request.extensions().get::<ConnectionKill>() {
            Some(kill) => {
                let _ = kill.0.send(()).await;
                std::future::pending().await
            }
            None => error(elevenlabs, StatusCode::BAD_GATEWAY),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_counts_requests_per_key_and_second() {
        let faults = Faults {
            rate_limit_per_key: Some(2),
            ..Faults::default()
        };
        let mut state = FaultState::new(faults, 1);
        let second = jiff::Timestamp::now().as_second();
        state.windows.insert("a".into(), (second, 0));
        state.windows.insert("b".into(), (second, 0));
        let decisions: Vec<_> = (0..3).map(|_| state.decide(Some("a"))).collect();
        if jiff::Timestamp::now().as_second() == second {
            assert_eq!(decisions, [Decision::Pass, Decision::Pass, Decision::RateLimited]);
            assert_eq!(state.decide(Some("b")), Decision::Pass);
        }
    }

    #[test]
    fn error_rate_one_faults_every_request() {
        let faults = Faults {
            error_rate: 1.0,
            ..Faults::default()
        };
        let mut state = FaultState::new(faults, 7);
        assert!((0..50).all(|_| state.decide(Some("k")) != Decision::Pass));
    }
}
