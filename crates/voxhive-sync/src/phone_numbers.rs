//! Phone numbers: each provider's description read into the store's shape, and a connection's
//! stored numbers refreshed from what its provider lists.

use serde_json::Value;
use voxhive_providers::{ProviderClient, ProviderKind, RemoteDoc, Resource};
use voxhive_store::{NewPhoneNumber, Store};

use crate::SyncError;

/// A provider's phone number in the store's shape. Vapi: `number` (or `sipUri`), `provider`,
/// `name`, `assistantId`, `squadId`, `server.url`, `status`. ElevenLabs: `phone_number`,
/// `provider` (`twilio`, `sip_trunk`), `label`, `assigned_agent.agent_id`; no server URL.
pub fn read_phone_number(remote: &RemoteDoc) -> NewPhoneNumber {
    let doc = &remote.doc;
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
            document: doc.clone(),
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
            document: doc.clone(),
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
    store
        .replace_phone_numbers(workspace_id, connection_id, &numbers)
        .await?;
    Ok(numbers.len())
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
                   "status": "active"}),
        ));
        assert_eq!(n.number.as_deref(), Some("+14155550100"));
        assert_eq!(n.carrier, "twilio");
        assert_eq!(n.remote_assistant_id.as_deref(), Some("asst-1"));
        assert_eq!(n.remote_squad_id.as_deref(), Some("sq-1"));
        assert_eq!(n.server_url.as_deref(), Some("https://x.test/hook"));
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
}
