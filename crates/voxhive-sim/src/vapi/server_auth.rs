//! Headers that authenticate a server message: `server.headers` as given, and the server's credential
//! (bearer, including the legacy `X-Vapi-Secret` form, or HMAC) when `server.credentialId` names one.

use serde_json::Value;

use crate::webhook::hmac_hex;

/// The headers to send with `body` to `server`, given the organisation's credentials.
pub fn headers(server: &Value, credentials: &[Value], body: &[u8], unix_secs: i64) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = server["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .collect();
    let credential = server["credentialId"]
        .as_str()
        .and_then(|id| credentials.iter().find(|c| c["id"].as_str() == Some(id)));
    let Some(plan) = credential.map(|c| &c["authenticationPlan"]) else {
        return out;
    };
    match plan["type"].as_str() {
        Some("bearer") => {
            let token = plan["token"].as_str().unwrap_or_default();
            let name = plan["headerName"].as_str().unwrap_or("Authorization");
            let value = if plan["bearerPrefixEnabled"].as_bool().unwrap_or(true) {
                format!("Bearer {token}")
            } else {
                token.to_owned()
            };
            if !out.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                out.push((name.to_owned(), value));
            }
        }
        Some("hmac") => {
            let timestamp = unix_secs.to_string();
            let payload = plan["payloadFormat"]
                .as_str()
                .unwrap_or("{timestamp}.{body}")
                .replace("{timestamp}", &timestamp)
                .replace("{method}", "POST")
                .replace("{url}", server["url"].as_str().unwrap_or_default());
            let (before, after) = payload.split_once("{body}").unwrap_or((payload.as_str(), ""));
            let message = [before.as_bytes(), body, after.as_bytes()].concat();
            let key = plan["secretKey"].as_str().unwrap_or_default();
            let signature = hmac_hex(plan["algorithm"].as_str().unwrap_or("sha256"), key.as_bytes(), &message);
            let prefix = plan["signaturePrefix"].as_str().unwrap_or_default();
            out.push((
                plan["signatureHeader"].as_str().unwrap_or("x-signature").to_owned(),
                format!("{prefix}{signature}"),
            ));
            if plan["includeTimestamp"].as_bool().unwrap_or(true) {
                out.push((
                    plan["timestampHeader"].as_str().unwrap_or("x-timestamp").to_owned(),
                    timestamp,
                ));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_legacy_secret_credential_sends_the_raw_secret_as_x_vapi_secret() {
        let server = json!({"url": "http://x", "credentialId": "c1"});
        let creds = [
            json!({"id": "c1", "authenticationPlan": {"type": "bearer", "token": "s3cret", "headerName": "X-Vapi-Secret", "bearerPrefixEnabled": false}}),
        ];
        assert_eq!(
            headers(&server, &creds, b"{}", 0),
            [("X-Vapi-Secret".to_owned(), "s3cret".to_owned())]
        );
    }

    #[test]
    fn an_hmac_credential_signs_timestamp_dot_body() {
        let server = json!({"url": "http://x", "credentialId": "c1"});
        let creds =
            [json!({"id": "c1", "authenticationPlan": {"type": "hmac", "secretKey": "k", "algorithm": "sha256"}})];
        let sent = headers(&server, &creds, b"{}", 1700000000);
        assert_eq!(
            sent[0],
            ("x-signature".to_owned(), hmac_hex("sha256", b"k", b"1700000000.{}"))
        );
        assert_eq!(sent[1], ("x-timestamp".to_owned(), "1700000000".to_owned()));
    }
}
