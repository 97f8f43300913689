//! The one trait every provider client implements, and the small types its methods take and return.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::pager::drain;
use crate::{Capabilities, Listing, Pager, ProviderError, ProviderKind, RemoteDoc, Resource};

/// Which calls to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallQuery {
    /// Only calls created (ElevenLabs: started) at or after this instant; inclusive, so a call that
    /// shares the watermark's timestamp is never lost (the caller's upsert absorbs the repeat).
    pub created_after: Option<Timestamp>,
    /// Only calls of this assistant (agent).
    pub assistant_id: Option<String>,
}

/// What a key check learned about the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    /// The provider.
    pub kind: ProviderKind,
    /// Assistants (agents) on the first page of the list.
    pub assistants_in_first_page: usize,
    /// Whether the account has more assistants than that first page.
    pub more_assistants: bool,
    /// The account's id when the provider shows it (Vapi `orgId`).
    pub account_id: Option<String>,
}

/// A file to upload: to Vapi's files, or as an ElevenLabs knowledge-base document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUpload {
    /// File name, as shown by the provider.
    pub file_name: String,
    /// MIME type, such as `text/plain` or `application/pdf`.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A call's recording as the provider sent it: whole, or the part a `Range` header asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioBody {
    /// The MIME type the provider gave, such as `audio/mpeg`.
    pub content_type: Option<String>,
    /// The provider's `Content-Range` when it answered the range (206); `None` when it sent the
    /// whole recording, whether or not a range was asked for.
    pub content_range: Option<String>,
    /// The bytes sent.
    pub bytes: bytes::Bytes,
}

/// A knowledge-base document's content as the provider sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContent {
    /// The MIME type the provider gave.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: bytes::Bytes,
}

/// A client of one provider account. Read-only fields (ids, timestamps, org ids) are left out of
/// create and update bodies, so a document fetched with `get` can be sent back as it is.
#[async_trait]
pub trait ProviderClient: Send + Sync {
    /// The provider.
    fn kind(&self) -> ProviderKind;

    /// What the provider offers.
    fn capabilities(&self) -> Capabilities;

    /// Checks the key with a cheap read: the first page of assistants.
    async fn verify(&self) -> Result<AccountSummary, ProviderError>;

    /// Lists a resource page by page; for calls, all of them.
    fn pages(&self, resource: Resource) -> Box<dyn Pager + '_>;

    /// Lists the calls that match `query`, page by page.
    fn call_pages(&self, query: CallQuery) -> Box<dyn Pager + '_>;

    /// Lists a whole resource, following pagination to the end.
    async fn list(&self, resource: Resource) -> Result<Listing, ProviderError> {
        drain(self.pages(resource)).await
    }

    /// Lists every call that matches `query`, following pagination to the end.
    async fn list_calls(&self, query: CallQuery) -> Result<Listing, ProviderError> {
        drain(self.call_pages(query)).await
    }

    /// Reads one object, whole.
    async fn get(&self, resource: Resource, id: &str) -> Result<RemoteDoc, ProviderError>;

    /// Creates an object from the provider's create body and returns it as the provider stores it.
    async fn create(&self, resource: Resource, body: &Value) -> Result<RemoteDoc, ProviderError>;

    /// Updates an object with the provider's update body (Vapi replaces nested objects whole).
    async fn update(&self, resource: Resource, id: &str, body: &Value) -> Result<RemoteDoc, ProviderError>;

    /// Deletes an object; deleting one already gone after a retried request counts as done.
    async fn delete(&self, resource: Resource, id: &str) -> Result<(), ProviderError>;

    /// Uploads a file (Vapi file, ElevenLabs knowledge-base document).
    async fn upload_file(&self, file: FileUpload) -> Result<RemoteDoc, ProviderError>;

    /// Reads a call's recording, passing a `Range` header (`bytes=0-99`) on. Providers whose
    /// recordings are plain URLs (Vapi) do not offer it.
    async fn call_audio(&self, _call_id: &str, _range: Option<&str>) -> Result<AudioBody, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "reading a call's recording through the API (its recording URL is public)".into(),
        })
    }

    /// Reads a knowledge-base document's content. Providers whose files are plain URLs (Vapi)
    /// do not offer it.
    async fn file_content(&self, _id: &str) -> Result<FileContent, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "reading a file's content through the API (its URL is public)".into(),
        })
    }

    /// The account's knowledge bases (Vapi's `/v2/knowledge-base`), each whole: its files with
    /// their indexing status, and the id of the tool that searches it.
    async fn knowledge_bases(&self) -> Result<Vec<Value>, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "knowledge bases apart from documents".into(),
        })
    }

    /// Makes a knowledge base; returns it whole.
    async fn create_knowledge_base(&self, _name: &str, _description: Option<&str>) -> Result<Value, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "knowledge bases apart from documents".into(),
        })
    }

    /// Adds a file to a knowledge base (`add`), or takes it out.
    async fn knowledge_base_file(&self, _base_id: &str, _file_id: &str, _add: bool) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "knowledge bases apart from documents".into(),
        })
    }

    /// Sends a live call a control message (Vapi's `monitor.controlUrl`: `say`, `control`
    /// mute / unmute, `end-call`). Providers without live control do not offer it.
    async fn control_call(&self, _call_id: &str, _message: &Value) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "controlling a live call".into(),
        })
    }

    /// The account-wide URL the provider sends call events to, where it has one it shows
    /// (ElevenLabs' post-call webhook); `None` when none is set. Vapi's organisation server URL
    /// is not in its API.
    async fn account_webhook_url(&self) -> Result<Option<String>, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            operation: "reading the organisation's server URL (it is set in the provider's dashboard)".into(),
        })
    }

    /// Points the provider's call events at `url` (VoxHive's receiver for this connection) and
    /// returns the secret the provider will sign them with; `None` when the provider leaves the
    /// secret to VoxHive (Vapi: it goes in the assistants' server settings).
    async fn register_webhook(&self, url: &str, name: &str) -> Result<Option<String>, ProviderError>;
}
