//! ElevenLabs' list pagination: `cursor` and `page_size` in, `next_cursor` and `has_more` out.

use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::Method;
use serde_json::Value;

use super::collections::Collection;
use crate::doc::read_page;
use crate::http::{Http, Request};
use crate::pager::take_records;
use crate::{Listing, Pager, ProviderError};

/// A cursor listing of one collection with fixed filters.
pub(crate) struct CursorPager<'a> {
    http: &'a Http,
    collection: Collection,
    filters: Vec<(&'static str, String)>,
    page_size: u32,
    /// Drops conversations that started before this instant (the API filters in whole seconds).
    started_since: Option<Timestamp>,
    cursor: Option<String>,
    page: usize,
    done: bool,
}

impl<'a> CursorPager<'a> {
    /// A listing of `collection` with `filters` on every request.
    pub fn new(http: &'a Http, collection: Collection, filters: Vec<(&'static str, String)>, page_size: u32) -> Self {
        Self {
            http,
            collection,
            filters,
            page_size,
            started_since: None,
            cursor: None,
            page: 0,
            done: false,
        }
    }

    /// Whether the last page has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Keeps only items whose `start_time_unix_secs` is at or after `since`.
    pub fn started_since(mut self, since: Option<Timestamp>) -> Self {
        self.started_since = since;
        self
    }
}

#[async_trait]
impl Pager for CursorPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Listing>, ProviderError> {
        if self.done {
            return Ok(None);
        }
        let mut request =
            Request::new(Method::GET, self.collection.path.to_owned()).query("page_size", self.page_size.to_string());
        request.query.extend(self.filters.iter().cloned());
        if let Some(cursor) = &self.cursor {
            request = request.query("cursor", cursor.clone());
        }
        self.page += 1;
        let mut body = self.http.send(&request).await?.json(self.http.kind())?;
        let has_more = body.get("has_more").and_then(Value::as_bool).unwrap_or(false);
        let next = match body.get_mut("next_cursor").map(Value::take) {
            Some(Value::String(next)) if !next.is_empty() => Some(next),
            _ => None,
        };
        let records = take_records(self.http, body, Some(self.collection.items_key))?;
        let c = self.collection;
        let mut listing = read_page(self.http.kind(), c.resource, c.id_key, c.complete, self.page, records);
        if let Some(since) = self.started_since {
            listing.items.retain(|doc| {
                let start = doc.doc.get("start_time_unix_secs").and_then(Value::as_i64);
                start
                    .and_then(|s| Timestamp::from_second(s).ok())
                    .is_none_or(|start| start >= since)
            });
        }
        match next {
            Some(next) if has_more => {
                if self.cursor.as_deref() == Some(next.as_str()) {
                    return Err(ProviderError::MalformedResponse {
                        provider: self.http.kind(),
                        detail: format!("the {} list returned the same cursor twice", c.path),
                    });
                }
                self.cursor = Some(next);
            }
            None if has_more => {
                tracing::warn!(
                    path = c.path,
                    "an ElevenLabs page says has_more without a next_cursor; listing stops here"
                );
                self.done = true;
            }
            _ => self.done = true,
        }
        Ok(Some(listing))
    }
}
