//! A client that keeps one secret out of every document it hands back: a Vapi connection's
//! webhook secret, which VoxHive sends as an assistant's or number's `X-Vapi-Secret` header when
//! it points them at its own receiver. Documents come back with the secret replaced by
//! [`SECRET_PLACEHOLDER`], and bodies going out have the placeholder replaced by the secret
//! beside the receiver's URL only, so VoxHive's copies (revisions, stored numbers and calls)
//! never hold it while the provider does, and it is never sent anywhere else.

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
/// Going out, the placeholder becomes the secret only as the `X-Vapi-Secret` header of a
/// `server` whose `url` is `receiver_url`, so no one can have the secret sent elsewhere.
pub fn keeping_secret(
    client: Arc<dyn ProviderClient>,
    secret: String,
    receiver_url: String,
) -> Arc<dyn ProviderClient> {
    if secret.is_empty() {
        return client;
    }
    Arc::new(SecretKeeping {
        inner: client,
        secret: secret.into(),
        receiver_url: receiver_url.into(),
    })
}

struct SecretKeeping {
    inner: Arc<dyn ProviderClient>,
    secret: Arc<str>,
    receiver_url: Arc<str>,
}

/// `value` with the placeholder replaced by `secret` where it is the `X-Vapi-Secret` header of
/// an object whose `url` is `receiver_url`; a placeholder anywhere else is sent as it is.
fn reveal(value: &Value, secret: &str, receiver_url: &str) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| reveal(v, secret, receiver_url)).collect()),
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), reveal(v, secret, receiver_url)))
                .collect();
            let beside_receiver =
                !receiver_url.is_empty() && map.get("url").and_then(Value::as_str) == Some(receiver_url);
            if beside_receiver {
                if let Some(Value::Object(headers)) = out.get_mut("headers") {
                    for (name, header) in headers.iter_mut() {
                        if name.eq_ignore_ascii_case("x-vapi-secret") && header.as_str() == Some(SECRET_PLACEHOLDER) {
                            *header = Value::String(secret.to_owned());
                        }
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
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
        let body = reveal(body, &self.secret, &self.receiver_url);
        Ok(conceal(&self.secret, self.inner.create(resource, &body).await?))
    }

    async fn update(&self, resource: Resource, id: &str, body: &Value) -> Result<RemoteDoc, ProviderError> {
        let body = reveal(body, &self.secret, &self.receiver_url);
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

    async fn knowledge_bases(&self) -> Result<Vec<Value>, ProviderError> {
        self.inner.knowledge_bases().await
    }

    async fn create_knowledge_base(&self, name: &str, description: Option<&str>) -> Result<Value, ProviderError> {
        self.inner.create_knowledge_base(name, description).await
    }

    async fn knowledge_base_file(&self, base_id: &str, file_id: &str, add: bool) -> Result<(), ProviderError> {
        self.inner.knowledge_base_file(base_id, file_id, add).await
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
    }

    #[test]
    fn the_secret_goes_out_only_beside_the_receiver_url() {
        let receiver = "https://vh.test/hooks/1";
        let body = json!({
            "server": {"url": receiver, "headers": {"X-Vapi-Secret": SECRET_PLACEHOLDER}},
            "model": {"tools": [{"server": {"url": "https://attacker.test", "headers": {"X-Vapi-Secret": SECRET_PLACEHOLDER}}}]},
            "firstMessage": SECRET_PLACEHOLDER,
        });
        let sent = reveal(&body, "s3cret", receiver);
        assert_eq!(sent["server"]["headers"]["X-Vapi-Secret"], "s3cret");
        assert_eq!(
            sent["model"]["tools"][0]["server"]["headers"]["X-Vapi-Secret"],
            SECRET_PLACEHOLDER
        );
        assert_eq!(sent["firstMessage"], SECRET_PLACEHOLDER);
        assert_eq!(
            reveal(&body, "s3cret", "")["server"],
            body["server"],
            "no receiver, no secret"
        );
    }
}
