//! The cookies VoxHive sets: the session, the pre-sign-in CSRF token, and flash messages.

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use cookie::{Cookie, SameSite};

use crate::views::Flash;

pub const SESSION: &str = "vh_session";
/// The CSRF token of forms shown before sign-in (double-submit).
pub const PRE_CSRF: &str = "vh_csrf";
pub const FLASH: &str = "vh_flash";

/// The value of a named cookie of the request.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse(pair.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// An HttpOnly, SameSite=Lax cookie for the whole site.
pub fn build(name: &'static str, value: String, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time_duration(max_age_secs))
        .build()
        .to_string()
}

/// A cookie that deletes `name`.
pub fn clear(name: &'static str, secure: bool) -> String {
    build(name, String::new(), 0, secure)
}

fn time_duration(secs: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(secs)
}

/// Encodes a flash message for its cookie.
pub fn flash_cookie(flash: &Flash, secure: bool) -> String {
    let value = serde_urlencoded::to_string([
        ("k", flash.kind),
        ("m", flash.message.as_str()),
        ("c", flash.copy.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    build(FLASH, value, 120, secure)
}

/// Decodes the flash message of a request, if any.
pub fn read_flash(headers: &HeaderMap) -> Option<Flash> {
    let raw = read(headers, FLASH)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&raw).ok()?;
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let kind = if get("k")? == "error" { "error" } else { "success" };
    let message = get("m").filter(|m| !m.is_empty())?;
    Some(Flash {
        kind,
        message,
        copy: get("c").filter(|c| !c.is_empty()),
    })
}

/// The CSRF token of forms shown before sign-in: the browser's `vh_csrf` cookie, or a new one.
pub struct PreSessionToken {
    pub value: String,
    minted: bool,
}

impl PreSessionToken {
    /// The token of this request's browser, minting one when it has none.
    pub fn of(headers: &HeaderMap) -> Self {
        match read(headers, PRE_CSRF) {
            Some(value) if value.len() >= 32 => Self { value, minted: false },
            _ => Self {
                value: voxhive_core::secret::random_token(32),
                minted: true,
            },
        }
    }

    /// Sets the cookie on a response when the token is new.
    pub fn attach(&self, res: &mut axum::response::Response, secure: bool) {
        if self.minted {
            super::session::append_cookie(res, build(PRE_CSRF, self.value.clone(), 24 * 3600, secure));
        }
    }
}
