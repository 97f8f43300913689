//! A client that keeps one secret out of every document it hands back: a Vapi connection's
//! webhook secret, which VoxHive sends as an assistant's or number's `X-Vapi-Secret` header when
//! it points them at its own receiver. Documents come back with the secret replaced by
//! [`SECRET_PLACEHOLDER`], and bodies going out have the placeholder replaced by the secret, so
//! VoxHive's copies (revisions, stored numbers and calls) never hold it while the provider does.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::{
    AccountSummary, AudioBody, CallQuery, Capabilities, FileContent, FileUpload, Listing, Pager, ProviderClient,
    ProviderError, ProviderKind, RemoteDoc, Resource,
};

/// What stands for the secret in VoxHive's copies of documents.
pub const SECRET_PLACEHOLDER: &str = "{{voxhive.webhook_secret}}";

/// `client`, keeping `secret` out of the documents it returns (an empty secret keeps nothing).
pub fn keeping_secret(client: Arc<dyn ProviderClient>, secret: String) -> Arc<dyn ProviderClient> {
    if secret.is_empty() {
        return client;
    }
    Arc::new(SecretKeeping {
        inner: client,
        secret: secret.into(),
    })
}

struct SecretKeeping {
    inner: Arc<dyn ProviderClient>,
    secret: Arc<str>,
}

/// `value` with every string equal to `from` replaced by `to`.
fn swap(value: &Value, from: &str, to: &str) -> Value {
    match value {
        Value::String(s) if s == from => Value::String(to.to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(|v| swap(v, from, to)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), swap(v, from, to))).collect()),
        other => other.clone(),
    }
}

fn conceal(secret: &str, mut doc: RemoteDoc) -> RemoteDoc {
    doc.doc = swap(&doc.doc, secret, SECRET_PLACEHOLDER);
    doc
}

fn conceal_all(secret: &str, mut listing: Listing) -> Listing {
    listing.items = listing.items.into_iter().map(|d| conceal(secret, d)).collect();
    listing
}

struct ConcealingPager<'a> {
    inner: Box<dyn Pager + 'a>,
    secret: Arc<str>,
}

#[async_trait]
impl Pager for ConcealingPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Listing>, ProviderError> {
        Ok(self
            .inner
            .next_page()
            .await?
            .map(|page| conceal_all(&self.secret, page)))
    }
}

#[async_trait]
impl ProviderClient for SecretKeeping {
    fn kind(&self) -> ProviderKind {
        self.inner.kind()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn verify(&self) -> Result<AccountSummary, ProviderError> {
        self.inner.verify().await
    }

    fn pages(&self, resource: Resource) -> Box<dyn Pager + '_> {
        Box::new(ConcealingPager {
            inner: self.inner.pages(resource),
            secret: self.secret.clone(),
        })
    }

    fn call_pages(&self, query: CallQuery) -> Box<dyn Pager + '_> {
        Box::new(ConcealingPager {
            inner: self.inner.call_pages(query),
            secret: self.secret.clone(),
        })
    }

    async fn get(&self, resource: Resource, id: &str) -> Result<RemoteDoc, ProviderError> {
        Ok(conceal(&self.secret, self.inner.get(resource, id).await?))
    }

    async fn create(&self, resource: Resource, body: &Value) -> Result<RemoteDoc, ProviderError> {
        let body = swap(body, SECRET_PLACEHOLDER, &self.secret);
        Ok(conceal(&self.secret, self.inner.create(resource, &body).await?))
    }

    async fn update(&self, resource: Resource, id: &str, body: &Value) -> Result<RemoteDoc, ProviderError> {
        let body = swap(body, SECRET_PLACEHOLDER, &self.secret);
        Ok(conceal(&self.secret, self.inner.update(resource, id, &body).await?))
    }

    async fn delete(&self, resource: Resource, id: &str) -> Result<(), ProviderError> {
        self.inner.delete(resource, id).await
    }

    async fn upload_file(&self, file: FileUpload) -> Result<RemoteDoc, ProviderError> {
        Ok(conceal(&self.secret, self.inner.upload_file(file).await?))
    }

    async fn call_audio(&self, call_id: &str, range: Option<&str>) -> Result<AudioBody, ProviderError> {
        self.inner.call_audio(call_id, range).await
    }

    async fn file_content(&self, id: &str) -> Result<FileContent, ProviderError> {
        self.inner.file_content(id).await
    }

    async fn control_call(&self, call_id: &str, message: &Value) -> Result<(), ProviderError> {
        self.inner.control_call(call_id, message).await
    }

    async fn account_webhook_url(&self) -> Result<Option<String>, ProviderError> {
        self.inner.account_webhook_url().await
    }

    async fn register_webhook(&self, url: &str, name: &str) -> Result<Option<String>, ProviderError> {
        self.inner.register_webhook(url, name).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_secret_is_swapped_wherever_it_is_a_whole_string() {
        let doc = json!({"server": {"url": "https://vh/hooks/1", "headers": {"X-Vapi-Secret": "s3cret"}},
                         "list": ["s3cret", "not s3cret"], "n": 1});
        let concealed = swap(&doc, "s3cret", SECRET_PLACEHOLDER);
        assert_eq!(concealed["server"]["headers"]["X-Vapi-Secret"], SECRET_PLACEHOLDER);
        assert_eq!(concealed["list"], json!([SECRET_PLACEHOLDER, "not s3cret"]));
        assert_eq!(swap(&concealed, SECRET_PLACEHOLDER, "s3cret"), doc);
    }
}
