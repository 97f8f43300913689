//! Phone numbers: each provider's description read into the store's shape, a connection's
//! stored numbers refreshed from what its provider lists, and the request bodies of the changes
//! VoxHive makes at the provider (buy, import from Twilio, edit).

use serde_json::{json, Map, Value};
use voxhive_providers::{ProviderClient, ProviderError, ProviderKind, RemoteDoc, Resource};
use voxhive_store::{NewPhoneNumber, PhoneNumber, Store};

use crate::{FieldProblem, SyncError};

/// The provider's credentials a number's document may echo, at any depth (Vapi answers a Twilio
/// number with its auth token, a SIP number with its `authentication.password`, a server with
/// its headers): never stored.
const CREDENTIAL_KEYS: [&str; 6] = [
    "twilioAuthToken",
    "twilioApiSecret",
    "token",
    "password",
    "secret",
    "headers",
];

/// `doc` without any of [`CREDENTIAL_KEYS`], however deep.
fn without_credentials(doc: &mut Value) {
    match doc {
        Value::Object(fields) => {
            fields.retain(|key, _| !CREDENTIAL_KEYS.contains(&key.as_str()));
            fields.values_mut().for_each(without_credentials);
        }
        Value::Array(items) => items.iter_mut().for_each(without_credentials),
        _ => {}
    }
}

/// A provider's phone number in the store's shape, its credentials removed. Vapi: `number` (or
/// `sipUri`), `provider`, `name`, `assistantId`, `squadId`, `server.url`, `status`. ElevenLabs:
/// `phone_number`, `provider` (`twilio`, `sip_trunk`), `label`, `assigned_agent.agent_id`; no
/// server URL.
pub fn read_phone_number(remote: &RemoteDoc) -> NewPhoneNumber {
    let doc = &remote.doc;
    let mut kept = doc.clone();
    without_credentials(&mut kept);
    let text = |pointer: &str| {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match remote.kind {
        ProviderKind::Vapi => NewPhoneNumber {
            remote_id: remote.id.clone(),
            number: text("/number").or_else(|| text("/sipUri")),
            carrier: text("/provider").unwrap_or_else(|| "vapi".into()),
            name: text("/name"),
            remote_assistant_id: text("/assistantId"),
            remote_squad_id: text("/squadId"),
            server_url: text("/server/url"),
            status: text("/status"),
            document: kept,
        },
        ProviderKind::ElevenLabs => NewPhoneNumber {
            remote_id: remote.id.clone(),
            number: text("/phone_number"),
            carrier: text("/provider").unwrap_or_else(|| "twilio".into()),
            name: text("/label"),
            remote_assistant_id: text("/assigned_agent/agent_id"),
            remote_squad_id: None,
            server_url: None,
            status: None,
            document: kept,
        },
    }
}

/// Reads every number of a connection from its provider and makes the stored ones match;
/// returns how many the provider listed.
pub async fn refresh_phone_numbers(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
) -> Result<usize, SyncError> {
    let listing = client.list(Resource::PhoneNumbers).await?;
    let numbers: Vec<NewPhoneNumber> = listing.items.iter().map(read_phone_number).collect();
    if listing.skipped.is_empty() {
        store
            .replace_phone_numbers(workspace_id, connection_id, &numbers)
            .await?;
    } else {
        // A record the client could not read may be one stored: keep what is not listed.
        for number in &numbers {
            store.upsert_phone_number(workspace_id, connection_id, number).await?;
        }
    }
    Ok(numbers.len())
}

/// Buys or imports a number with `body` (from [`buy_body`] or [`twilio_body`]), then stores
/// the provider's answer; returns the stored id. Nothing is stored when the provider refuses.
pub async fn create_phone_number(
    store: &Store,
    client: &dyn ProviderClient,
    workspace_id: i64,
    connection_id: i64,
    body: &Value,
) -> Result<i64, SyncError> {
    let created = client.create(Resource::PhoneNumbers, body).await?;
    Ok(store
        .upsert_phone_number(workspace_id, connection_id, &read_phone_number(&created))
        .await?)
}

/// Changes a number at the provider, then stores the provider's answer.
pub async fn edit_phone_number(
    store: &Store,
    client: &dyn ProviderClient,
    number: &PhoneNumber,
    edit: &NumberEdit,
) -> Result<i64, SyncError> {
    let body = edit_body(client.kind(), edit)?;
    let updated = client.update(Resource::PhoneNumbers, &number.remote_id, &body).await?;
    Ok(store
        .upsert_phone_number(number.workspace_id, number.connection_id, &read_phone_number(&updated))
        .await?)
}

/// Releases a number at the provider and forgets it; a number the provider no longer has is
/// forgotten all the same.
pub async fn release_phone_number(
    store: &Store,
    client: &dyn ProviderClient,
    number: &PhoneNumber,
) -> Result<(), SyncError> {
    match client.delete(Resource::PhoneNumbers, &number.remote_id).await {
        Ok(()) | Err(ProviderError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    store.delete_phone_number(number.workspace_id, number.id).await?;
    Ok(())
}

/// A Twilio number to import, with the credentials the provider checks (VoxHive never stores
/// the token).
#[derive(Clone, Debug)]
pub struct TwilioImport {
    pub number: String,
    pub account_sid: String,
    pub auth_token: String,
    pub name: Option<String>,
}

/// A change to a number; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct NumberEdit {
    pub name: Option<Option<String>>,
    /// The provider's assistant (agent) id.
    pub assistant: Option<Option<String>>,
    /// A Vapi squad id, kept as it is.
    pub squad: Option<Option<String>>,
    pub server_url: Option<Option<String>>,
    /// The whole `server` object (Vapi: url with headers or a credential); set, it is sent as it
    /// is, in place of `server_url`.
    pub server: Option<Value>,
}

/// A refusal of one field of a request, before anything is sent to the provider.
fn refused(path: &str, message: String) -> SyncError {
    SyncError::Invalid(vec![FieldProblem {
        path: path.into(),
        message,
    }])
}

/// Whether `number` is in E.164: a plus, then 8 to 15 digits, the first not zero.
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
    })
}

/// The body that buys a Vapi number in an area code (three digits, checked here so the user
/// hears about a typo before the provider is asked).
pub fn buy_body(area_code: &str, name: Option<&str>) -> Result<Value, SyncError> {
    if area_code.len() != 3 || !area_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(
            "/area_code",
            format!("an area code is three digits, such as 415; \"{area_code}\" is not one"),
        ));
    }
    let mut body = json!({"provider": "vapi", "numberDesiredAreaCode": area_code});
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    Ok(body)
}

/// The body that imports a Twilio number into a provider, after checking the number is E.164
/// and the credentials have Twilio's shape (the provider checks that Twilio accepts them).
pub fn twilio_body(kind: ProviderKind, import: &TwilioImport) -> Result<Value, SyncError> {
    if !is_e164(&import.number) {
        return Err(refused(
            "/number",
            format!(
                "write the number in E.164, a plus and the country code then the number, such as +14155550100; \"{}\" is not",
                import.number
            ),
        ));
    }
    let sid = &import.account_sid;
    if !(sid.len() == 34 && sid.starts_with("AC") && sid.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err(refused(
            "/account_sid",
            "a Twilio account SID is AC followed by 32 letters and digits, as shown in the Twilio console".into(),
        ));
    }
    if import.auth_token.trim().is_empty() {
        return Err(refused(
            "/auth_token",
            "enter the Twilio auth token: the provider checks it with Twilio (VoxHive does not keep it)".into(),
        ));
    }
    let name = import.name.clone().unwrap_or_else(|| import.number.clone());
    Ok(match kind {
        ProviderKind::Vapi => json!({
            "provider": "twilio", "number": import.number, "twilioAccountSid": sid,
            "twilioAuthToken": import.auth_token, "name": name,
        }),
        ProviderKind::ElevenLabs => json!({
            "provider": "twilio", "phone_number": import.number, "sid": sid,
            "token": import.auth_token, "label": name,
        }),
    })
}

/// The PATCH body of an edit. An assistant and a squad exclude each other (setting one clears
/// the other); ElevenLabs numbers have neither a squad nor a server URL of their own.
pub fn edit_body(kind: ProviderKind, edit: &NumberEdit) -> Result<Value, SyncError> {
    let mut body = Map::new();
    let (name_key, assistant_key) = match kind {
        ProviderKind::Vapi => ("name", "assistantId"),
        ProviderKind::ElevenLabs => ("label", "agent_id"),
    };
    if let Some(name) = &edit.name {
        body.insert(name_key.into(), json!(name));
    }
    if let Some(assistant) = &edit.assistant {
        body.insert(assistant_key.into(), json!(assistant));
        if kind == ProviderKind::Vapi && assistant.is_some() {
            body.insert("squadId".into(), Value::Null);
        }
    }
    if let Some(squad) = &edit.squad {
        if kind == ProviderKind::ElevenLabs {
            return Err(refused("/squad_id", "ElevenLabs has no squads: assign an agent".into()));
        }
        if squad.is_some() && edit.assistant.as_ref().is_some_and(Option::is_some) {
            return Err(refused(
                "/squad_id",
                "a number answers with an assistant or a squad, not both".into(),
            ));
        }
        body.insert("squadId".into(), json!(squad));
        if squad.is_some() {
            body.insert("assistantId".into(), Value::Null);
        }
    }
    if let Some(url) = &edit.server_url {
        if kind == ProviderKind::ElevenLabs {
            return Err(refused(
                "/server_url",
                "ElevenLabs numbers have no server URL: ElevenLabs sends its webhooks to the workspace's URL".into(),
            ));
        }
        if let Some(url) = url {
            check_http_url("/server_url", url)?;
        }
        body.insert(
            "server".into(),
            url.as_ref().map_or(Value::Null, |url| json!({"url": url})),
        );
    }
    if let Some(server) = &edit.server {
        if kind == ProviderKind::ElevenLabs {
            return Err(refused(
                "/server_url",
                "ElevenLabs numbers have no server URL: ElevenLabs sends its webhooks to the workspace's URL".into(),
            ));
        }
        body.insert("server".into(), server.clone());
    }
    Ok(Value::Object(body))
}

/// Refuses a URL that is not an absolute http(s) URL with a host.
pub fn check_http_url(path: &str, url: &str) -> Result<(), SyncError> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(()),
        _ => Err(refused(
            path,
            format!("a server URL starts with https:// (or http://) and names a host, such as https://example.com/hooks; \"{url}\" does not"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn remote(kind: ProviderKind, id: &str, doc: Value) -> RemoteDoc {
        RemoteDoc {
            kind,
            resource: Resource::PhoneNumbers,
            id: id.into(),
            doc,
            complete: true,
        }
    }

    #[test]
    fn a_vapi_number_is_read_with_its_assistant_squad_and_server() {
        let n = read_phone_number(&remote(
            ProviderKind::Vapi,
            "pn-1",
            json!({"id": "pn-1", "provider": "twilio", "number": "+14155550100", "name": "Sales",
                   "assistantId": "asst-1", "squadId": "sq-1", "server": {"url": "https://x.test/hook"},
                   "status": "active", "twilioAccountSid": "AC1", "twilioAuthToken": "shh",
                   "authentication": {"username": "desk", "password": "shh"}}),
        ));
        assert_eq!(n.number.as_deref(), Some("+14155550100"));
        assert_eq!(n.carrier, "twilio");
        assert_eq!(n.remote_assistant_id.as_deref(), Some("asst-1"));
        assert_eq!(n.remote_squad_id.as_deref(), Some("sq-1"));
        assert_eq!(n.server_url.as_deref(), Some("https://x.test/hook"));
        assert_eq!(n.document.get("twilioAuthToken"), None, "credentials are not kept");
        assert!(!n.document.to_string().contains("shh"), "nor nested ones");
        assert_eq!(n.document["twilioAccountSid"], "AC1");
        let sip = read_phone_number(&remote(
            ProviderKind::Vapi,
            "pn-2",
            json!({"id": "pn-2", "provider": "byo-phone-number", "sipUri": "sip:desk@example.com"}),
        ));
        assert_eq!(sip.number.as_deref(), Some("sip:desk@example.com"));
        assert_eq!(sip.remote_assistant_id, None);
    }

    #[test]
    fn an_elevenlabs_number_is_read_with_its_agent() {
        let n = read_phone_number(&remote(
            ProviderKind::ElevenLabs,
            "phnum_1",
            json!({"phone_number_id": "phnum_1", "phone_number": "+442071234567", "label": "London",
                   "provider": "sip_trunk", "assigned_agent": {"agent_id": "agent_1", "agent_name": "Desk"}}),
        ));
        assert_eq!(
            (n.number.as_deref(), n.carrier.as_str(), n.name.as_deref()),
            (Some("+442071234567"), "sip_trunk", Some("London"))
        );
        assert_eq!(n.remote_assistant_id.as_deref(), Some("agent_1"));
        assert_eq!(n.server_url, None);
    }
    #[test]
    fn bodies_follow_each_providers_names() {
        assert_eq!(
            buy_body("415", Some("Sales")).unwrap(),
            json!({"provider": "vapi", "numberDesiredAreaCode": "415", "name": "Sales"})
        );
        assert!(buy_body("41a", None).unwrap_err().to_string().contains("three digits"));
        let import = TwilioImport {
            number: "+14155550100".into(),
            account_sid: format!("AC{}", "0123456789abcdef".repeat(2)),
            auth_token: "secret".into(),
            name: None,
        };
        assert_eq!(
            twilio_body(ProviderKind::ElevenLabs, &import).unwrap()["label"],
            "+14155550100"
        );
        assert_eq!(
            twilio_body(ProviderKind::Vapi, &import).unwrap()["twilioAuthToken"],
            "secret"
        );
        let edit = NumberEdit {
            name: Some(Some("Support".into())),
            assistant: Some(None),
            squad: None,
            server_url: Some(Some("https://x.test/hook".into())),
            server: None,
        };
        assert_eq!(
            edit_body(ProviderKind::Vapi, &edit).unwrap(),
            json!({"name": "Support", "assistantId": null, "server": {"url": "https://x.test/hook"}})
        );
        assert!(edit_body(ProviderKind::ElevenLabs, &edit).is_err());
        let squad = NumberEdit {
            squad: Some(Some("sq-1".into())),
            ..NumberEdit::default()
        };
        assert_eq!(
            edit_body(ProviderKind::Vapi, &squad).unwrap(),
            json!({"squadId": "sq-1", "assistantId": null})
        );
        let bad_url = NumberEdit {
            server_url: Some(Some("ftp://x.test".into())),
            ..NumberEdit::default()
        };
        let refused = edit_body(ProviderKind::Vapi, &bad_url).unwrap_err();
        assert!(refused.to_string().contains("https://"), "{refused}");
        let mut not_e164 = import.clone();
        not_e164.number = "415-555-0100".into();
        assert!(
            matches!(twilio_body(ProviderKind::Vapi, &not_e164), Err(SyncError::Invalid(p)) if p[0].path == "/number")
        );
        assert!(is_e164("+442071234567") && !is_e164("+0123456789") && !is_e164("+1415"));
        let unassign = NumberEdit {
            assistant: Some(None),
            ..NumberEdit::default()
        };
        assert_eq!(
            edit_body(ProviderKind::ElevenLabs, &unassign).unwrap(),
            json!({"agent_id": null})
        );
    }
}
