//! Vapi's list pagination: newest first, by `createdAt` windows, without losing or repeating an item.
//!
//! Vapi lists answer at most `limit` items, newest first, and take no cursor. Each next window asks
//! for `createdAtLe=<oldest createdAt seen>`, so items sharing that timestamp with the cut are not
//! lost, and drops the ids already returned at that timestamp. Only when more than `limit` items
//! share one timestamp does it step past it with `createdAtLt` (and logs that some may be missed).

use std::collections::HashSet;

use async_trait::async_trait;
use jiff::Timestamp;

use super::views::timestamp;
use crate::doc::read_page;
use crate::http::{Http, Request};
use crate::pager::take_records;
use crate::{Listing, Pager, ProviderError, Resource};

/// The state of a windowed listing, apart from any I/O.
#[derive(Debug)]
pub(crate) struct Window {
    limit: u32,
    /// The oldest `createdAt` returned so far, as the provider wrote it.
    edge: Option<(Timestamp, String)>,
    /// Whether the next window includes `edge` (`createdAtLe`) or stops before it (`createdAtLt`).
    inclusive: bool,
    /// Ids already returned whose `createdAt` equals `edge`.
    at_edge: HashSet<String>,
    /// Ids already returned that have no readable `createdAt`.
    undated: HashSet<String>,
    done: bool,
}

impl Window {
    /// A listing that asks for `limit` items per page.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            edge: None,
            inclusive: true,
            at_edge: HashSet::new(),
            undated: HashSet::new(),
            done: false,
        }
    }

    /// Whether the last page has been absorbed.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The bound of the next window, as a query parameter.
    pub fn bound(&self) -> Option<(&'static str, String)> {
        let (_, raw) = self.edge.as_ref()?;
        Some((if self.inclusive { "createdAtLe" } else { "createdAtLt" }, raw.clone()))
    }

    /// Takes in a page of `returned` records (its readable items in `page`), keeping only items not returned before.
    pub fn absorb(&mut self, mut page: Listing, returned: usize) -> Listing {
        let edge = self.edge.as_ref().map(|(ts, _)| *ts);
        let mut oldest: Option<(Timestamp, String)> = None;
        let mut new_at_edge = false;
        page.items.retain(|doc| {
            let Some(created) = timestamp(&doc.doc, "createdAt") else {
                return self.undated.insert(doc.id.clone());
            };
            if oldest.as_ref().is_none_or(|(ts, _)| created < *ts) {
                let raw = doc.doc["createdAt"].as_str().unwrap_or_default().to_owned();
                oldest = Some((created, raw));
            }
            match edge {
                Some(edge) if created > edge => false,
                Some(edge) if created == edge => {
                    let fresh = self.at_edge.insert(doc.id.clone());
                    new_at_edge |= fresh;
                    fresh
                }
                _ => true,
            }
        });
        if returned < self.limit as usize {
            self.done = true;
            return page;
        }
        match (oldest, edge) {
            (None, _) => {
                tracing::warn!("a full Vapi list page has no readable createdAt; listing stops here");
                self.done = true;
            }
            (Some((oldest, raw)), edge) if edge.is_none_or(|edge| oldest < edge) => {
                self.at_edge = page
                    .items
                    .iter()
                    .filter(|doc| timestamp(&doc.doc, "createdAt") == Some(oldest))
                    .map(|doc| doc.id.clone())
                    .collect();
                self.edge = Some((oldest, raw));
                self.inclusive = true;
            }
            (Some(oldest), Some(edge)) if oldest.0 == edge && !new_at_edge && self.inclusive => {
                tracing::warn!(
                    created_at = %edge, limit = self.limit,
                    "more Vapi items share one createdAt than a page holds; stepping past it, some may be missed"
                );
                self.inclusive = false;
            }
            (Some(oldest), Some(edge)) if oldest.0 == edge && new_at_edge => {}
            _ => {
                tracing::warn!("Vapi answered items outside the requested window; listing stops here");
                self.done = true;
            }
        }
        page
    }
}

/// A windowed Vapi listing of one resource with fixed filters.
pub(crate) struct WindowPager<'a> {
    http: &'a Http,
    resource: Resource,
    path: &'static str,
    filters: Vec<(&'static str, String)>,
    window: Window,
    page: usize,
}

impl<'a> WindowPager<'a> {
    /// A listing of `path` with `filters` added to every request.
    pub fn new(
        http: &'a Http,
        resource: Resource,
        path: &'static str,
        filters: Vec<(&'static str, String)>,
        limit: u32,
    ) -> Self {
        Self {
            http,
            resource,
            path,
            filters,
            window: Window::new(limit),
            page: 0,
        }
    }
}

#[async_trait]
impl Pager for WindowPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Listing>, ProviderError> {
        if self.window.is_done() {
            return Ok(None);
        }
        let mut request =
            Request::new(reqwest::Method::GET, self.path.to_owned()).query("limit", self.window.limit.to_string());
        request.query.extend(self.filters.iter().cloned());
        if let Some((key, value)) = self.window.bound() {
            request = request.query(key, value);
        }
        self.page += 1;
        let body = self.http.send(&request).await?.json(self.http.kind())?;
        let records = take_records(self.http, body, None)?;
        let returned = records.len();
        let page = read_page(self.http.kind(), self.resource, "id", true, self.page, records);
        Ok(Some(self.window.absorb(page, returned)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{ProviderKind, RemoteDoc};

    fn page(items: &[(&str, &str)]) -> Listing {
        Listing {
            items: items
                .iter()
                .map(|(id, created)| RemoteDoc {
                    kind: ProviderKind::Vapi,
                    resource: Resource::Calls,
                    id: (*id).into(),
                    doc: json!({"id": id, "createdAt": created}),
                    complete: true,
                })
                .collect(),
            skipped: Vec::new(),
        }
    }

    fn ids(listing: &Listing) -> Vec<&str> {
        listing.items.iter().map(|d| d.id.as_str()).collect()
    }

    const T3: &str = "2026-01-05T10:00:03.000Z";
    const T2: &str = "2026-01-05T10:00:02.000Z";
    const T1: &str = "2026-01-05T10:00:01.000Z";

    #[test]
    fn a_short_first_page_is_the_whole_list() {
        let mut window = Window::new(3);
        assert_eq!(window.bound(), None);
        let got = window.absorb(page(&[("a", T3), ("b", T2)]), 2);
        assert_eq!(ids(&got), ["a", "b"]);
        assert!(window.is_done());
    }

    #[test]
    fn items_sharing_the_timestamp_of_the_cut_are_neither_lost_nor_repeated() {
        let mut window = Window::new(3);
        let first = window.absorb(page(&[("a", T3), ("b", T2), ("c", T2)]), 3);
        assert_eq!(ids(&first), ["a", "b", "c"]);
        assert_eq!(window.bound(), Some(("createdAtLe", T2.to_owned())));
        // The server answers everything at or before T2 again, including the unseen "d" at T2.
        let second = window.absorb(page(&[("b", T2), ("c", T2), ("d", T2)]), 3);
        assert_eq!(ids(&second), ["d"]);
        assert_eq!(window.bound(), Some(("createdAtLe", T2.to_owned())));
        let third = window.absorb(page(&[("b", T2), ("c", T2), ("d", T2)]), 3);
        assert!(third.items.is_empty());
        assert_eq!(window.bound(), Some(("createdAtLt", T2.to_owned())));
        let last = window.absorb(page(&[("e", T1)]), 1);
        assert_eq!(ids(&last), ["e"]);
        assert!(window.is_done());
    }

    #[test]
    fn the_window_moves_to_the_oldest_item_whatever_the_order_in_the_page() {
        let mut window = Window::new(2);
        window.absorb(page(&[("b", T2), ("a", T3)]), 2);
        assert_eq!(window.bound(), Some(("createdAtLe", T2.to_owned())));
        let next = window.absorb(page(&[("b", T2), ("c", T1)]), 2);
        assert_eq!(ids(&next), ["c"]);
        assert_eq!(window.bound(), Some(("createdAtLe", T1.to_owned())));
    }

    #[test]
    fn items_newer_than_the_window_are_dropped_as_already_listed() {
        let mut window = Window::new(2);
        window.absorb(page(&[("a", T3), ("b", T2)]), 2);
        let next = window.absorb(page(&[("a", T3), ("c", T1)]), 2);
        assert_eq!(ids(&next), ["c"]);
    }
}
