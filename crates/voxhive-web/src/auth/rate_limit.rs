//! The sign-in rate limit: failures are counted per client address and per account name in the
//! database (so every instance sees them), and sign-in stops answering once either count is full.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use voxhive_core::time::now_ms;

use crate::error::{AppError, AppResult};
use crate::AppState;

/// The keys a sign-in attempt is counted under.
pub struct LoginKeys {
    ip: String,
    account: String,
}

impl LoginKeys {
    pub fn new(ip: &str, email_input: &str) -> Self {
        Self {
            ip: format!("ip:{ip}"),
            account: format!("account:{}", email_input.trim().to_lowercase()),
        }
    }
}

/// Refuses with 429 when the address or the account has too many recent failures.
pub async fn check(state: &AppState, keys: &LoginKeys) -> AppResult<()> {
    let window = state.config.login_window.as_millis() as i64;
    let since = now_ms() - window;
    for (key, limit) in [
        (&keys.ip, state.config.login_limit_per_ip),
        (&keys.account, state.config.login_limit_per_account),
    ] {
        let (count, oldest) = state.store.login_failures_since(key, since).await?;
        if count >= limit {
            let retry_ms = oldest.map(|o| o + window - now_ms()).unwrap_or(window).max(1000);
            let minutes = (retry_ms + 59_999) / 60_000;
            return Err(AppError::RateLimited {
                message: format!("Too many failed sign-in attempts. Try again in {minutes} min."),
                retry_after_secs: (retry_ms / 1000) as u64,
            });
        }
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, keys: &LoginKeys) -> AppResult<()> {
    Ok(state.store.record_login_failure(&[&keys.ip, &keys.account]).await?)
}

/// Forgets an account's failures after it signs in.
pub async fn clear(state: &AppState, keys: &LoginKeys) -> AppResult<()> {
    Ok(state.store.clear_login_failures(&keys.account).await?)
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        if let Some(first) = forwarded
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return first.to_string();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
