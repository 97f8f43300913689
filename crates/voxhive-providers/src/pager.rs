//! Page-by-page listing: the `Pager` trait, draining one to the end, and pagers of fixed requests.

use std::collections::HashSet;

use async_trait::async_trait;
use serde_json::Value;

use crate::doc::read_page;
use crate::http::{Http, Request};
use crate::{Listing, ProviderError, Resource};

/// A listing in progress, one provider page at a time, so large lists can be stored as they arrive.
#[async_trait]
pub trait Pager: Send {
    /// The next page, or `None` once the list is exhausted.
    async fn next_page(&mut self) -> Result<Option<Listing>, ProviderError>;
}

/// Reads every page of `pager` into one listing.
pub(crate) async fn drain(mut pager: Box<dyn Pager + '_>) -> Result<Listing, ProviderError> {
    let mut all = Listing::default();
    while let Some(page) = pager.next_page().await? {
        all.extend(page);
    }
    Ok(all)
}

/// Takes the records out of a list body: a bare array, or the array under `items_key`
/// (Vapi's paginated `{results, metadata}` is accepted too).
pub(crate) fn take_records(http: &Http, body: Value, items_key: Option<&str>) -> Result<Vec<Value>, ProviderError> {
    let found = match body {
        Value::Array(records) => Some(records),
        Value::Object(mut map) => {
            let key = items_key.filter(|k| map.contains_key(*k)).unwrap_or("results");
            match map.remove(key) {
                Some(Value::Array(records)) => Some(records),
                _ => None,
            }
        }
        _ => None,
    };
    found.ok_or_else(|| ProviderError::MalformedResponse {
        provider: http.kind(),
        detail: match items_key {
            Some(key) => format!("a list page has no `{key}` array"),
            None => "a list page is not an array".into(),
        },
    })
}

/// Lists with a fixed set of unpaginated requests (ElevenLabs phone numbers, Vapi files per purpose),
/// each answered with the whole list; an item returned by two requests is kept once.
pub(crate) struct FixedPager<'a> {
    http: &'a Http,
    resource: Resource,
    id_key: &'static str,
    requests: std::vec::IntoIter<Request<'static>>,
    seen: HashSet<String>,
    page: usize,
}

impl<'a> FixedPager<'a> {
    /// A pager sending `requests` in order.
    pub fn new(http: &'a Http, resource: Resource, id_key: &'static str, requests: Vec<Request<'static>>) -> Self {
        Self {
            http,
            resource,
            id_key,
            requests: requests.into_iter(),
            seen: HashSet::new(),
            page: 0,
        }
    }
}

#[async_trait]
impl Pager for FixedPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Listing>, ProviderError> {
        let Some(request) = self.requests.next() else {
            return Ok(None);
        };
        self.page += 1;
        let body = self.http.send(&request).await?.json(self.http.kind())?;
        let records = take_records(self.http, body, None)?;
        let mut listing = read_page(self.http.kind(), self.resource, self.id_key, true, self.page, records);
        listing.items.retain(|doc| self.seen.insert(doc.id.clone()));
        Ok(Some(listing))
    }
}
