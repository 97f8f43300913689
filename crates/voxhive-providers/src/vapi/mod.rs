//! The Vapi client: `/assistant`, `/call`, `/phone-number`, `/tool` and `/file`, with a Bearer key.

pub(crate) mod views;
mod window;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;

use crate::doc::RemoteDoc;
use crate::http::{segment, Body, Http, Multipart, Request};
use crate::pager::FixedPager;
use crate::writable::without;
use crate::{
    AccountSummary, CallQuery, Capabilities, ClientConfig, FileUpload, Pager, ProviderClient, ProviderError,
    ProviderKind, Resource,
};
use window::WindowPager;

/// The most items Vapi returns per list request.
const MAX_PAGE: u32 = 1000;
/// The values of the `purpose` filter `GET /file` requires.
const FILE_PURPOSES: [&str; 3] = ["assistant", "composer-attachment", "knowledge-base-v2"];

/// A client of one Vapi organisation.
pub(crate) struct VapiClient {
    http: Http,
    page_size: u32,
}

impl VapiClient {
    /// A client for the organisation whose private key is in `config`.
    pub fn new(config: &ClientConfig) -> Self {
        Self {
            http: Http::bearer(config),
            page_size: config.page_size.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
        }
    }

    fn doc(&self, resource: Resource, body: Value) -> Result<RemoteDoc, ProviderError> {
        match body.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(RemoteDoc {
                kind: ProviderKind::Vapi,
                resource,
                id: id.to_owned(),
                doc: body,
                complete: true,
            }),
            _ => Err(ProviderError::MalformedResponse {
                provider: ProviderKind::Vapi,
                detail: format!("a {} came without an id", resource.noun(ProviderKind::Vapi)),
            }),
        }
    }
}

/// The collection path of a resource.
fn path(resource: Resource) -> &'static str {
    match resource {
        Resource::Assistants => "/assistant",
        Resource::Calls => "/call",
        Resource::PhoneNumbers => "/phone-number",
        Resource::Tools => "/tool",
        Resource::Files => "/file",
    }
}

/// Fields of a resource's documents that the create and update bodies do not take.
/// Vapi's knowledge bases.
const KNOWLEDGE_BASES: &str = "/v2/knowledge-base";

impl VapiClient {
    /// One knowledge base, whole (`KnowledgeBaseV2WithFiles`).
    async fn knowledge_base(&self, id: &str) -> Result<Value, ProviderError> {
        let request =
            Request::new(Method::GET, format!("{KNOWLEDGE_BASES}/{}", segment(id))).target("knowledge base", id);
        self.http.send(&request).await?.json(ProviderKind::Vapi)
    }
}

fn read_only(resource: Resource) -> &'static [&'static str] {
    match resource {
        Resource::PhoneNumbers => &["id", "orgId", "createdAt", "updatedAt", "status"],
        _ => &["id", "orgId", "createdAt", "updatedAt", "latestVersion"],
    }
}

#[async_trait]
impl ProviderClient for VapiClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Vapi
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::VAPI
    }

    async fn verify(&self) -> Result<AccountSummary, ProviderError> {
        let request = Request::new(Method::GET, "/assistant".into()).query("limit", "100");
        let body = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        let records = crate::pager::take_records(&self.http, body, None)?;
        Ok(AccountSummary {
            kind: ProviderKind::Vapi,
            assistants_in_first_page: records.len(),
            more_assistants: records.len() >= 100,
            account_id: records.iter().find_map(|r| views::text(r, "orgId")),
        })
    }

    fn pages(&self, resource: Resource) -> Box<dyn Pager + '_> {
        match resource {
            Resource::Calls => self.call_pages(CallQuery::default()),
            Resource::Files => Box::new(FixedPager::new(
                &self.http,
                Resource::Files,
                "id",
                FILE_PURPOSES
                    .iter()
                    .map(|p| Request::new(Method::GET, "/file".into()).query("purpose", *p))
                    .collect(),
            )),
            _ => Box::new(WindowPager::new(
                &self.http,
                resource,
                path(resource),
                Vec::new(),
                self.page_size,
            )),
        }
    }

    fn call_pages(&self, query: CallQuery) -> Box<dyn Pager + '_> {
        let mut filters = Vec::new();
        if let Some(after) = query.created_after {
            filters.push(("createdAtGe", after.to_string()));
        }
        if let Some(assistant) = query.assistant_id {
            filters.push(("assistantId", assistant));
        }
        Box::new(WindowPager::new(
            &self.http,
            Resource::Calls,
            "/call",
            filters,
            self.page_size,
        ))
    }

    async fn get(&self, resource: Resource, id: &str) -> Result<RemoteDoc, ProviderError> {
        let request = Request::new(Method::GET, format!("{}/{}", path(resource), segment(id)))
            .target(resource.noun(ProviderKind::Vapi), id);
        let body = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        self.doc(resource, body)
    }

    async fn knowledge_bases(&self) -> Result<Vec<Value>, ProviderError> {
        let request = Request::new(Method::GET, KNOWLEDGE_BASES.into()).query("limit", "1000");
        let listed = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        let mut bases = Vec::new();
        for id in listed.as_array().into_iter().flatten().filter_map(|b| b["id"].as_str()) {
            bases.push(self.knowledge_base(id).await?);
        }
        Ok(bases)
    }

    async fn create_knowledge_base(&self, name: &str, description: Option<&str>) -> Result<Value, ProviderError> {
        let mut body = serde_json::json!({"name": name});
        if let Some(description) = description {
            body["description"] = Value::from(description);
        }
        let request = Request::new(Method::POST, KNOWLEDGE_BASES.into()).body(Body::Json(&body));
        let created = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        let id = created["id"].as_str().ok_or_else(|| ProviderError::MalformedResponse {
            provider: ProviderKind::Vapi,
            detail: "the new knowledge base came without `id`".into(),
        })?;
        self.knowledge_base(id).await
    }

    async fn knowledge_base_file(&self, base_id: &str, file_id: &str, add: bool) -> Result<(), ProviderError> {
        let base = format!("{KNOWLEDGE_BASES}/{}/file", segment(base_id));
        let body = serde_json::json!({"fileId": file_id});
        let request = if add {
            Request::new(Method::POST, base).body(Body::Json(&body))
        } else {
            Request::new(Method::DELETE, format!("{base}/{}", segment(file_id)))
        };
        self.http
            .send(&request.target("knowledge base", base_id))
            .await
            .map(drop)
    }

    async fn control_call(&self, call_id: &str, message: &Value) -> Result<(), ProviderError> {
        let call = self.get(Resource::Calls, call_id).await?;
        let url = call
            .doc
            .pointer("/monitor/controlUrl")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Unsupported {
                provider: ProviderKind::Vapi,
                operation:
                    "controlling this call (it has no control URL: its assistant's monitorPlan turns control off)"
                        .into(),
            })?;
        if !self.http.may_call(url) {
            return Err(ProviderError::Unsupported {
                provider: ProviderKind::Vapi,
                operation: "controlling this call (its control URL is on a host VoxHive does not call: neither Vapi's nor the connection's)".into(),
            });
        }
        let request = Request::new(Method::POST, url.to_owned())
            .body(Body::Json(message))
            .target("live call", call_id);
        self.http.send(&request).await.map(drop)
    }

    async fn create(&self, resource: Resource, body: &Value) -> Result<RemoteDoc, ProviderError> {
        if resource == Resource::Files {
            return Err(ProviderError::Unsupported {
                provider: ProviderKind::Vapi,
                operation: "creating a file from JSON (upload it instead)".into(),
            });
        }
        let body = without(body, read_only(resource));
        let request = Request::new(Method::POST, path(resource).into()).body(Body::Json(&body));
        let created = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        self.doc(resource, created)
    }

    async fn update(&self, resource: Resource, id: &str, body: &Value) -> Result<RemoteDoc, ProviderError> {
        let body = without(body, read_only(resource));
        let request = Request::new(Method::PATCH, format!("{}/{}", path(resource), segment(id)))
            .body(Body::Json(&body))
            .target(resource.noun(ProviderKind::Vapi), id);
        let updated = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        self.doc(resource, updated)
    }

    async fn delete(&self, resource: Resource, id: &str) -> Result<(), ProviderError> {
        let request = Request::new(Method::DELETE, format!("{}/{}", path(resource), segment(id)))
            .target(resource.noun(ProviderKind::Vapi), id);
        self.http.send(&request).await.map(drop)
    }

    async fn upload_file(&self, file: FileUpload) -> Result<RemoteDoc, ProviderError> {
        let form = Multipart {
            file_field: "file",
            file_name: file.file_name,
            content_type: file.content_type,
            bytes: Bytes::from(file.bytes),
            fields: Vec::new(),
        };
        let request = Request::new(Method::POST, "/file".into()).body(Body::Multipart(&form));
        let created = self.http.send(&request).await?.json(ProviderKind::Vapi)?;
        self.doc(Resource::Files, created)
    }

    /// Vapi sends events to each assistant's `server.url` with the headers set there: VoxHive
    /// chooses the secret and the user puts it in the assistant's server settings.
    async fn register_webhook(&self, _url: &str, _name: &str) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }
}
