//! A small client of a running VoxHive's JSON API (`/api/v1`), with the calls config as code
//! makes and errors that say what to do.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// What went wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach VoxHive at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("VoxHive at {server} refused the API token ({message}); check VOXHIVE_TOKEN, or create a token with `voxhive token create` or in Settings, API tokens")]
    Unauthorized { server: String, message: String },
    /// The API's own error: `{"error": {"code", "message", "field"}}`.
    #[error("{message}{}", field.as_ref().map(|f| format!(" (field `{f}`)")).unwrap_or_default())]
    Api {
        status: StatusCode,
        code: String,
        message: String,
        field: Option<String>,
    },
    #[error("unexpected answer from {url}: {reason}")]
    Unexpected { url: String, reason: String },
}

impl ClientError {
    /// Whether the server answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::Api { status, .. } if *status == StatusCode::NOT_FOUND)
    }
}

/// The token's user and workspace.
#[derive(Debug, Deserialize)]
pub struct Me {
    pub user: MeUser,
    pub workspace: MeWorkspace,
}

#[derive(Debug, Deserialize)]
pub struct MeUser {
    pub email: String,
}

#[derive(Debug, Deserialize)]
pub struct MeWorkspace {
    pub name: String,
}

/// A provider connection of the workspace.
#[derive(Clone, Debug, Deserialize)]
pub struct Connection {
    pub id: i64,
    pub provider: String,
    pub label: String,
}

/// An assistant as listed.
#[derive(Clone, Debug, Deserialize)]
pub struct Summary {
    pub id: i64,
    pub connection_id: i64,
    pub provider: String,
    pub remote_id: Option<String>,
    pub name: String,
    pub local_hash: String,
}

/// An assistant with its whole local document.
#[derive(Clone, Debug, Deserialize)]
pub struct Detail {
    #[serde(flatten)]
    pub summary: Summary,
    pub document: Value,
}

/// What a push did: created, pushed, unchanged or conflict.
#[derive(Debug, Deserialize)]
pub struct PushResult {
    pub outcome: String,
}

/// A client of one server, acting with one API token.
pub struct Api {
    http: reqwest::Client,
    server: String,
    token: String,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("server", &self.server)
            .field("token", &"****")
            .finish()
    }
}

impl Api {
    /// A client of the server at `server` (`http://host:port`, with or without `/api/v1`).
    pub fn new(server: &str, token: &str) -> Result<Api, String> {
        let server = server.trim().trim_end_matches('/');
        let server = server.strip_suffix("/api/v1").unwrap_or(server).to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(format!(
                "--server: give VoxHive's URL, such as http://127.0.0.1:8080 (not {server:?})"
            ));
        }
        let token = token.trim().to_string();
        if token.is_empty() {
            return Err("the API token is empty; set VOXHIVE_TOKEN".into());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("voxhive/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api { http, server, token })
    }

    /// The server's URL, as shown to users.
    pub fn server(&self) -> &str {
        &self.server
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ClientError> {
        let url = format!("{}/api/v1{path}", self.server);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            server: self.server.clone(),
            reason: innermost(&e),
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| ClientError::Unreachable {
            server: self.server.clone(),
            reason: innermost(&e),
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected {
                url,
                reason: e.to_string(),
            });
        }
        let error = serde_json::from_slice::<Value>(&bytes).ok().map(|v| v["error"].clone());
        let Some(error) = error.filter(Value::is_object) else {
            return Err(ClientError::Unexpected {
                url,
                reason: format!("{status} (is {} a VoxHive server?)", self.server),
            });
        };
        let message = error["message"].as_str().unwrap_or("no reason given").to_string();
        if status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::Unauthorized {
                server: self.server.clone(),
                message,
            });
        }
        Err(ClientError::Api {
            status,
            code: error["code"].as_str().unwrap_or_default().to_string(),
            message,
            field: error["field"].as_str().map(str::to_string),
        })
    }

    /// Who the token acts as; the first call, so a wrong server or token is named at once.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.call(Method::GET, "/me", None).await
    }

    pub async fn connections(&self) -> Result<Vec<Connection>, ClientError> {
        self.call(Method::GET, "/connections", None).await
    }

    /// Every assistant of the workspace.
    pub async fn assistants(&self) -> Result<Vec<Summary>, ClientError> {
        self.call(Method::GET, "/assistants", None).await
    }

    pub async fn assistant(&self, id: i64) -> Result<Detail, ClientError> {
        self.call(Method::GET, &format!("/assistants/{id}"), None).await
    }

    /// Creates an assistant locally (status new) from a whole document.
    pub async fn create(&self, connection_id: i64, document: &Value) -> Result<Detail, ClientError> {
        let body = json!({"connection_id": connection_id, "document": document});
        self.call(Method::POST, "/assistants", Some(&body)).await
    }

    /// Replaces the local document: a new revision, nothing sent to the provider.
    pub async fn replace_document(&self, id: i64, document: &Value) -> Result<Detail, ClientError> {
        self.call(Method::PUT, &format!("/assistants/{id}/document"), Some(document))
            .await
    }

    /// Pushes to the provider, guarded: a remote change stops it with a conflict.
    pub async fn push(&self, id: i64) -> Result<PushResult, ClientError> {
        self.call(Method::POST, &format!("/assistants/{id}/push"), None).await
    }
}

/// The deepest cause of a transport error ("Connection refused"), which says the most.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
