//! Delivers webhooks: one JSON POST with the given headers; failures are logged, never retried.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// HMAC of `message` under `key` in hex, with SHA-256 or (for `"sha512"`) SHA-512.
pub fn hmac_hex(algorithm: &str, key: &[u8], message: &[u8]) -> String {
    if algorithm == "sha512" {
        let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("any key length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    } else {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// POSTs `body` as JSON to `url`.
pub async fn deliver(
    http: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    timeout: Duration,
) {
    let mut request = http
        .post(url)
        .timeout(timeout)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => tracing::warn!(url, status = %response.status(), "webhook refused"),
        Err(error) => tracing::warn!(url, %error, "webhook failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        let mac = hmac_hex("sha256", b"Jefe", b"what do ya want for nothing?");
        assert_eq!(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
