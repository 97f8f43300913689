//! Every server URL in use in a workspace: each connection's VoxHive receiver, each ElevenLabs
//! workspace's post-call webhook (read from the provider), each assistant's
//! server URL (from its local document) with the events it is sent, each phone number's, each
//! tool's.

use serde_json::Value;
use voxhive_store::{AssistantFilter, Connection};

use crate::connections::client_for;
use crate::error::AppResult;
use crate::webhooks::secrets::receiver_url;
use crate::AppState;

/// The server messages Vapi sends when an assistant does not list its own (`serverMessages`).
pub const VAPI_DEFAULT_EVENTS: [&str; 11] = [
    "conversation-update",
    "end-of-call-report",
    "function-call",
    "hang",
    "speech-update",
    "status-update",
    "tool-calls",
    "transfer-destination-request",
    "handoff-destination-request",
    "user-interrupted",
    "assistant.started",
];

/// What a server URL belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A connection's own receiver in VoxHive.
    Receiver,
    /// The provider account's own default (ElevenLabs' post-call webhook).
    AccountDefault,
    Assistant,
    PhoneNumber,
    Tool,
}

impl Owner {
    pub fn label(self) -> &'static str {
        match self {
            Owner::Receiver => "VoxHive receiver",
            Owner::AccountDefault => "Workspace default",
            Owner::Assistant => "Assistant",
            Owner::PhoneNumber => "Phone number",
            Owner::Tool => "Tool",
        }
    }
}

/// One server URL in use.
#[derive(Clone, Debug)]
pub struct ServerUrl {
    pub owner: Owner,
    /// The assistant's name, the number, or the connection's label.
    pub name: String,
    /// The page of what it belongs to.
    pub href: String,
    pub connection_label: String,
    /// `vapi` or `elevenlabs`.
    pub provider: String,
    pub url: String,
    /// The events sent to it; empty when the provider decides.
    pub events: Vec<String>,
    /// Whether the events default to the provider's list.
    pub default_events: bool,
    /// Whether the URL is one of this workspace's VoxHive receivers.
    pub own: bool,
    /// Why the URL could not be read from the provider, for an account default.
    pub problem: Option<String>,
    /// What the Webhooks page can point elsewhere (`assistant:ID`, `number:ID`): Vapi's
    /// assistants and numbers.
    pub target: Option<String>,
}

/// An assistant document's server URL and the events it is sent: Vapi's `server.url` (or the
/// older `serverUrl`) and `serverMessages`; ElevenLabs' conversation initiation webhook.
fn assistant_server(provider: &str, doc: &Value) -> Option<(String, Vec<String>, bool)> {
    let text = |pointer: &str| {
        doc.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if provider == "vapi" {
        let url = text("/server/url").or_else(|| text("/serverUrl"))?;
        match doc.get("serverMessages").and_then(Value::as_array) {
            Some(listed) => Some((
                url,
                listed.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                false,
            )),
            None => Some((url, VAPI_DEFAULT_EVENTS.map(str::to_owned).to_vec(), true)),
        }
    } else {
        let url = text("/platform_settings/workspace_overrides/conversation_initiation_client_data_webhook/url")?;
        Some((url, vec!["conversation_initiation_client_data".to_owned()], false))
    }
}

/// How long the page waits for a provider to say where its account's events go.
const ACCOUNT_DEFAULT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The account-wide URL the provider sends call events to, or why it could not be read.
async fn account_default(state: &AppState, connection: &Connection) -> Result<Option<String>, String> {
    let client = client_for(state, connection).map_err(|e| e.to_string())?;
    match tokio::time::timeout(ACCOUNT_DEFAULT_WAIT, client.account_webhook_url()).await {
        Ok(read) => read.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "ElevenLabs did not answer within {} seconds",
            ACCOUNT_DEFAULT_WAIT.as_secs()
        )),
    }
}

/// Every server URL of the workspace's connections (of one connection, if given).
pub async fn in_use(state: &AppState, workspace_id: i64, connection_id: Option<i64>) -> AppResult<Vec<ServerUrl>> {
    let mut connections: Vec<Connection> = state.store.connections(workspace_id).await?;
    let all_receivers: Vec<String> = connections.iter().map(|c| receiver_url(state, c.id)).collect();
    if let Some(id) = connection_id {
        connections.retain(|c| c.id == id);
    }
    let own = |url: &str| all_receivers.iter().any(|r| r == url);
    let mut urls = Vec::new();
    for connection in &connections {
        let url = receiver_url(state, connection.id);
        let events = if connection.provider == "elevenlabs" {
            vec!["post_call_transcription".to_owned()]
        } else {
            vec!["status-update".to_owned(), "end-of-call-report".to_owned()]
        };
        urls.push(ServerUrl {
            owner: Owner::Receiver,
            name: connection.label.clone(),
            href: "/settings/providers".to_owned(),
            connection_label: connection.label.clone(),
            provider: connection.provider.clone(),
            own: true,
            url,
            events,
            default_events: false,
            target: None,
            problem: None,
        });
    }
    let elevenlabs: Vec<&Connection> = connections.iter().filter(|c| c.provider == "elevenlabs").collect();
    let reads = futures::future::join_all(elevenlabs.iter().map(|connection| account_default(state, connection))).await;
    for (connection, read) in elevenlabs.into_iter().zip(reads) {
        let (url, problem) = match read {
            Ok(Some(url)) => (url, None),
            Ok(None) => continue,
            Err(e) => (String::new(), Some(e)),
        };
        urls.push(ServerUrl {
            owner: Owner::AccountDefault,
            name: connection.label.clone(),
            href: "/settings/providers".to_owned(),
            connection_label: connection.label.clone(),
            provider: connection.provider.clone(),
            own: own(&url),
            url,
            events: vec!["post_call_transcription".to_owned()],
            default_events: false,
            target: None,
            problem,
        });
    }
    let filter = AssistantFilter {
        connection_id,
        ..AssistantFilter::default()
    };
    for assistant in state.store.assistants(workspace_id, &filter).await? {
        let doc = voxhive_sync::local_document(&state.store, &assistant).await?;
        if let Some((url, events, default_events)) = assistant_server(&assistant.provider, &doc) {
            let label = connections
                .iter()
                .find(|c| c.id == assistant.connection_id)
                .map(|c| c.label.clone())
                .unwrap_or_default();
            urls.push(ServerUrl {
                owner: Owner::Assistant,
                name: assistant.name.clone(),
                href: format!("/assistants/{}", assistant.id),
                connection_label: label,
                provider: assistant.provider.clone(),
                own: own(&url),
                url,
                events,
                default_events,
                target: (assistant.provider == "vapi").then(|| format!("assistant:{}", assistant.id)),
                problem: None,
            });
        }
    }
    for number in crate::phone_numbers::list(state, workspace_id, connection_id).await? {
        if let Some(url) = number.server_url.clone() {
            urls.push(ServerUrl {
                owner: Owner::PhoneNumber,
                name: crate::phone_numbers::shown(&number),
                href: format!("/phone-numbers/{}", number.id),
                connection_label: number.connection_label.clone(),
                provider: number.provider.clone(),
                own: own(&url),
                url,
                events: Vec::new(),
                default_events: true,
                target: (number.provider == "vapi").then(|| format!("number:{}", number.id)),
                problem: None,
            });
        }
    }
    for tool in state.store.tools(workspace_id, connection_id).await? {
        if let Some(url) = tool.server_url.clone() {
            // A Vapi function's server receives its tool-calls; an ElevenLabs webhook tool is
            // called with the tool's own parameters.
            let events = if tool.provider == "vapi" && tool.kind == "function" {
                vec!["tool-calls".to_owned()]
            } else {
                vec![format!("{} call", tool.kind)]
            };
            urls.push(ServerUrl {
                owner: Owner::Tool,
                name: tool.name.clone().unwrap_or_else(|| tool.kind.clone()),
                href: format!("/tools/{}", tool.id),
                connection_label: tool.connection_label.clone(),
                provider: tool.provider.clone(),
                own: own(&url),
                url,
                events,
                default_events: false,
                target: None,
                problem: None,
            });
        }
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_vapi_assistant_without_server_messages_gets_vapis_defaults() {
        let (url, events, default) =
            assistant_server("vapi", &json!({"server": {"url": "https://x.test/hook"}})).unwrap();
        assert_eq!(url, "https://x.test/hook");
        assert!(default && events.contains(&"end-of-call-report".to_owned()));
        let (_, events, default) = assistant_server(
            "vapi",
            &json!({"serverUrl": "https://x.test/old", "serverMessages": ["tool-calls"]}),
        )
        .unwrap();
        assert_eq!((events, default), (vec!["tool-calls".to_owned()], false));
        assert!(assistant_server("vapi", &json!({"name": "No server"})).is_none());
    }
}
