//! Checking that a delivery comes from the provider: Vapi's shared secret (as `X-Vapi-Secret`, a
//! bearer token, or an HMAC credential) and ElevenLabs' `ElevenLabs-Signature`. Every comparison
//! runs in constant time.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use voxhive_core::secret::constant_time_eq;

/// How far an ElevenLabs signature's timestamp may be from now: ElevenLabs' SDK
/// (`construct_event` in elevenlabs-python) refuses one more than 30 minutes old. VoxHive also
/// refuses one as far in the future, so a signature cannot be made to last longer.
pub const ELEVENLABS_TOLERANCE_SECS: i64 = 30 * 60;

/// How far the `x-timestamp` of a Vapi HMAC credential may be from now. Vapi states no figure;
/// five minutes is the usual window of signed webhooks (Stripe, Svix) and Vapi signs as it sends.
pub const VAPI_HMAC_TOLERANCE_SECS: i64 = 5 * 60;

/// Why a delivery was refused; recorded with the event and answered to the sender.
pub type Rejection = String;

/// Checks a Vapi delivery: any one of the credential forms Vapi sends must carry the secret.
pub fn vapi(headers: &HeaderMap, body: &[u8], secret: &str, now_secs: i64) -> Result<(), Rejection> {
    let mut presented = false;
    if let Some(value) = header(headers, "x-vapi-secret") {
        presented = true;
        if constant_time_eq(value.trim(), secret) {
            return Ok(());
        }
    }
    if let Some(token) = header(headers, "authorization").and_then(|v| v.strip_prefix("Bearer ")) {
        presented = true;
        if constant_time_eq(token.trim(), secret) {
            return Ok(());
        }
    }
    if let Some(signature) = header(headers, "x-signature") {
        let timestamp = header(headers, "x-timestamp")
            .ok_or("the x-signature header came without x-timestamp (use the payload format {timestamp}.{body})")?;
        check_timestamp(timestamp, now_secs, VAPI_HMAC_TOLERANCE_SECS)?;
        let signature = signature.trim();
        let hex_part = signature.strip_prefix("sha256=").unwrap_or(signature);
        return if hmac_matches(secret, timestamp.trim(), body, hex_part) {
            Ok(())
        } else {
            Err("the x-signature does not match: check the HMAC credential's secret (SHA-256, hex)".into())
        };
    }
    if presented {
        Err("the webhook secret does not match: copy the current one from VoxHive's Settings, Providers".into())
    } else {
        Err(
            "no X-Vapi-Secret, Authorization or x-signature header: add the webhook secret to the server settings"
                .into(),
        )
    }
}

/// Checks an ElevenLabs delivery: `ElevenLabs-Signature: t=<unix>,v0=<hex hmac_sha256(secret, "<t>.<body>")>`.
pub fn elevenlabs(headers: &HeaderMap, body: &[u8], secret: &str, now_secs: i64) -> Result<(), Rejection> {
    let value = header(headers, "elevenlabs-signature").ok_or("no ElevenLabs-Signature header")?;
    let part = |prefix: &str| value.split(',').find_map(|p| p.trim().strip_prefix(prefix));
    let (Some(timestamp), Some(signature)) = (part("t="), part("v0=")) else {
        return Err("the ElevenLabs-Signature header has no t= and v0= parts".into());
    };
    check_timestamp(timestamp, now_secs, ELEVENLABS_TOLERANCE_SECS)?;
    if hmac_matches(secret, timestamp, body, signature) {
        Ok(())
    } else {
        Err("the ElevenLabs-Signature does not match: paste the webhook's current secret in VoxHive".into())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn check_timestamp(text: &str, now_secs: i64, tolerance: i64) -> Result<(), Rejection> {
    let t: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("the signature timestamp {text:?} is not unix seconds"))?;
    if (now_secs - t).abs() > tolerance {
        return Err(format!(
            "the signature timestamp is {}s from now, outside the {}-minute tolerance (a replay, or a clock off)",
            now_secs - t,
            tolerance / 60
        ));
    }
    Ok(())
}

/// Whether `signature_hex` is the HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
fn hmac_matches(secret: &str, timestamp: &str, body: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn vapi_accepts_each_credential_form_and_refuses_a_wrong_secret() {
        let body = br#"{"message":{"type":"end-of-call-report"}}"#;
        assert!(vapi(&headers(&[("x-vapi-secret", "s3cret".into())]), body, "s3cret", NOW).is_ok());
        assert!(vapi(
            &headers(&[("authorization", "Bearer s3cret".into())]),
            body,
            "s3cret",
            NOW
        )
        .is_ok());
        let signed = headers(&[
            ("x-signature", sign("s3cret", NOW, body)),
            ("x-timestamp", NOW.to_string()),
        ]);
        assert!(vapi(&signed, body, "s3cret", NOW + 10).is_ok());
        assert!(vapi(&signed, b"{}", "s3cret", NOW)
            .unwrap_err()
            .contains("does not match"));
        assert!(vapi(&signed, body, "s3cret", NOW + 301)
            .unwrap_err()
            .contains("tolerance"));
        assert!(vapi(&headers(&[("x-vapi-secret", "nope".into())]), body, "s3cret", NOW)
            .unwrap_err()
            .contains("does not match"));
        assert!(vapi(&HeaderMap::new(), body, "s3cret", NOW)
            .unwrap_err()
            .contains("no X-Vapi-Secret"));
    }

    #[test]
    fn elevenlabs_checks_the_hmac_and_a_30_minute_window() {
        let body = br#"{"type":"post_call_transcription"}"#;
        let at = |t: i64| headers(&[("elevenlabs-signature", format!("t={t},v0={}", sign("wsec", t, body)))]);
        assert!(elevenlabs(&at(NOW), body, "wsec", NOW + 29 * 60).is_ok());
        assert!(elevenlabs(&at(NOW), body, "wsec", NOW + 31 * 60)
            .unwrap_err()
            .contains("30-minute"));
        assert!(elevenlabs(&at(NOW), body, "other", NOW)
            .unwrap_err()
            .contains("does not match"));
        assert!(elevenlabs(&at(NOW), b"{}", "wsec", NOW).is_err());
        let garbled = headers(&[("elevenlabs-signature", "v1=abc".into())]);
        assert!(elevenlabs(&garbled, body, "wsec", NOW)
            .unwrap_err()
            .contains("t= and v0="));
        assert!(elevenlabs(&HeaderMap::new(), body, "wsec", NOW).is_err());
    }
}
