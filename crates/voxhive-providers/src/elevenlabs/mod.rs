//! The ElevenLabs Agents client: agents, conversations, phone numbers, tools and the knowledge base
//! under `/v1/convai`, with the `xi-api-key` header.

mod collections;
mod cursor;
mod outbound;
pub(crate) mod views;
mod webhooks;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::{HeaderName, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::doc::RemoteDoc;
use crate::http::{segment, Body, Http, Multipart, Request};
use crate::pager::FixedPager;
use crate::writable::without;
use crate::{
    AccountSummary, AudioBody, CallQuery, Capabilities, ClientConfig, FileContent, FileUpload, Pager, ProviderClient,
    ProviderError, ProviderKind, Resource,
};
use collections::{collection, read_only, AGENTS, CONVERSATIONS, DOCUMENTS, EL, MAX_PAGE, PHONE_NUMBERS, TOOLS};
use cursor::CursorPager;

/// A client of one ElevenLabs workspace.
pub(crate) struct ElevenLabsClient {
    http: Http,
    page_size: u32,
}

impl ElevenLabsClient {
    /// A client for the workspace whose key is in `config`.
    pub fn new(config: &ClientConfig) -> Self {
        Self {
            http: Http::new(config, HeaderName::from_static("xi-api-key"), ""),
            page_size: config.page_size.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
        }
    }

    fn item_request<'a>(&self, method: Method, resource: Resource, id: &'a str) -> Request<'a> {
        Request::new(method, format!("{}/{}", collection(resource).path, segment(id))).target(resource.noun(EL), id)
    }

    fn doc(&self, resource: Resource, body: Value) -> Result<RemoteDoc, ProviderError> {
        let id_key = collection(resource).id_key;
        match body.get(id_key).and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(RemoteDoc {
                kind: EL,
                resource,
                id: id.to_owned(),
                doc: body,
                complete: true,
            }),
            _ => Err(ProviderError::MalformedResponse {
                provider: EL,
                detail: format!("a {} came without `{id_key}`", resource.noun(EL)),
            }),
        }
    }

    /// Posts a create request whose answer is only the new id (under `id_key`), then reads the new object.
    async fn create_then_get(
        &self,
        resource: Resource,
        request: Request<'_>,
        id_key: &str,
    ) -> Result<RemoteDoc, ProviderError> {
        let created = self.http.send(&request).await?.json(EL)?;
        let Some(id) = created.get(id_key).and_then(Value::as_str).filter(|id| !id.is_empty()) else {
            return Err(ProviderError::MalformedResponse {
                provider: EL,
                detail: format!("the created {} came without `{id_key}`", resource.noun(EL)),
            });
        };
        match self.get(resource, id).await {
            Ok(doc) => Ok(doc),
            Err(error) => {
                tracing::warn!(%resource, %error, "created an ElevenLabs object but could not read it back");
                Ok(RemoteDoc {
                    kind: EL,
                    resource,
                    id: id.to_owned(),
                    doc: created,
                    complete: false,
                })
            }
        }
    }
}

#[async_trait]
impl ProviderClient for ElevenLabsClient {
    fn kind(&self) -> ProviderKind {
        EL
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::ELEVENLABS
    }

    async fn verify(&self) -> Result<AccountSummary, ProviderError> {
        let mut pager = CursorPager::new(&self.http, AGENTS, Vec::new(), MAX_PAGE);
        let first = pager.next_page().await?.unwrap_or_default();
        Ok(AccountSummary {
            kind: EL,
            assistants_in_first_page: first.items.len() + first.skipped.len(),
            more_assistants: !pager.is_done(),
            account_id: None,
        })
    }

    fn pages(&self, resource: Resource) -> Box<dyn Pager + '_> {
        match resource {
            Resource::Calls => self.call_pages(CallQuery::default()),
            Resource::PhoneNumbers => Box::new(FixedPager::new(
                &self.http,
                resource,
                PHONE_NUMBERS.id_key,
                vec![Request::new(Method::GET, PHONE_NUMBERS.path.into())],
            )),
            _ => Box::new(CursorPager::new(
                &self.http,
                collection(resource),
                Vec::new(),
                self.page_size,
            )),
        }
    }

    fn call_pages(&self, query: CallQuery) -> Box<dyn Pager + '_> {
        let mut filters = Vec::new();
        if let Some(agent) = query.assistant_id {
            filters.push(("agent_id", agent));
        }
        if let Some(after) = query.created_after {
            // One second earlier, whatever the API's bound (> or ≥); the pager drops what is too early.
            let ceil = after.as_second() + i64::from(after.subsec_nanosecond() > 0);
            filters.push(("call_start_after_unix", (ceil - 1).to_string()));
        }
        Box::new(
            CursorPager::new(&self.http, CONVERSATIONS, filters, self.page_size).started_since(query.created_after),
        )
    }

    async fn get(&self, resource: Resource, id: &str) -> Result<RemoteDoc, ProviderError> {
        let body = self
            .http
            .send(&self.item_request(Method::GET, resource, id))
            .await?
            .json(EL)?;
        self.doc(resource, body)
    }

    async fn create(&self, resource: Resource, body: &Value) -> Result<RemoteDoc, ProviderError> {
        let body = without(body, read_only(resource, true));
        match resource {
            Resource::Assistants => {
                let request = Request::new(Method::POST, format!("{}/create", AGENTS.path)).body(Body::Json(&body));
                self.create_then_get(resource, request, "agent_id").await
            }
            Resource::PhoneNumbers => {
                let request = Request::new(Method::POST, PHONE_NUMBERS.path.into()).body(Body::Json(&body));
                self.create_then_get(resource, request, "phone_number_id").await
            }
            Resource::Tools => {
                let request = Request::new(Method::POST, TOOLS.path.into()).body(Body::Json(&body));
                let created = self.http.send(&request).await?.json(EL)?;
                self.doc(resource, created)
            }
            Resource::Files => {
                let kind = if body.get("url").is_some() { "url" } else { "text" };
                let request = Request::new(Method::POST, format!("{}/{kind}", DOCUMENTS.path)).body(Body::Json(&body));
                self.create_then_get(resource, request, "id").await
            }
            Resource::Calls => outbound::start_call(self, &body).await,
        }
    }

    async fn update(&self, resource: Resource, id: &str, body: &Value) -> Result<RemoteDoc, ProviderError> {
        if resource == Resource::Calls {
            return Err(ProviderError::Unsupported {
                provider: EL,
                operation: "updating a conversation".into(),
            });
        }
        let body = without(body, read_only(resource, false));
        let request = self.item_request(Method::PATCH, resource, id).body(Body::Json(&body));
        let updated = self.http.send(&request).await?.json(EL)?;
        self.doc(resource, updated)
    }

    async fn delete(&self, resource: Resource, id: &str) -> Result<(), ProviderError> {
        self.http
            .send(&self.item_request(Method::DELETE, resource, id))
            .await
            .map(drop)
    }

    async fn upload_file(&self, file: FileUpload) -> Result<RemoteDoc, ProviderError> {
        let form = Multipart {
            file_field: "file",
            fields: vec![("name", file.file_name.clone())],
            file_name: file.file_name,
            content_type: file.content_type,
            bytes: Bytes::from(file.bytes),
        };
        let request = Request::new(Method::POST, format!("{}/file", DOCUMENTS.path)).body(Body::Multipart(&form));
        self.create_then_get(Resource::Files, request, "id").await
    }

    async fn account_webhook_url(&self) -> Result<Option<String>, ProviderError> {
        webhooks::post_call_url(&self.http).await
    }

    async fn file_content(&self, id: &str) -> Result<FileContent, ProviderError> {
        let path = format!("{}/{}/content", DOCUMENTS.path, segment(id));
        let request = Request::new(Method::GET, path).target("knowledge-base document", id);
        let reply = self.http.send(&request).await?;
        Ok(FileContent {
            content_type: reply
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            bytes: reply.body,
        })
    }

    async fn call_audio(&self, call_id: &str, range: Option<&str>) -> Result<AudioBody, ProviderError> {
        let path = format!("{}/{}/audio", CONVERSATIONS.path, segment(call_id));
        let mut request = Request::new(Method::GET, path).target("conversation recording", call_id);
        if let Some(range) = range {
            request = request.header(RANGE, range);
        }
        let reply = self.http.send(&request).await?;
        let header = |name| reply.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(AudioBody {
            content_type: header(CONTENT_TYPE),
            content_range: (reply.status == StatusCode::PARTIAL_CONTENT)
                .then(|| header(CONTENT_RANGE))
                .flatten(),
            bytes: reply.body,
        })
    }

    async fn register_webhook(&self, url: &str, name: &str) -> Result<Option<String>, ProviderError> {
        webhooks::register(&self.http, url, name).await
    }
}
