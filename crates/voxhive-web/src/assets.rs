//! Static assets embedded in the binary, served under content-hashed URLs with long caching.
//! Compression is left to the compression layer, which negotiates with the browser.

use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

static ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../assets/app.css"),
    },
    Asset {
        name: "app.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/app.js"),
    },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "uPlot.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/uPlot-1.6.32.iife.min.js"),
    },
    Asset {
        name: "uPlot.min.css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../assets/vendor/uPlot-1.6.32.min.css"),
    },
    Asset {
        name: "charts.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/charts.js"),
    },
    Asset {
        name: "usage.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/usage.js"),
    },
    Asset {
        name: "analytics.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/analytics.js"),
    },
    Asset {
        name: "knowledge.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/knowledge.js"),
    },
    Asset {
        name: "test_call.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/test_call.js"),
    },
    Asset {
        name: "favicon.svg",
        mime: "image/svg+xml",
        body: include_bytes!("../assets/favicon.svg"),
    },
];

/// The versioned URLs of the assets a page links to.
pub struct AssetUrls {
    pub css: String,
    pub js: String,
    pub htmx: String,
    pub favicon: String,
    /// uPlot, the chart library, and its stylesheet.
    pub uplot_js: String,
    pub uplot_css: String,
    /// What the chart pages share; loaded before their own script.
    pub charts_js: String,
    /// The charts of the Usage & Cost page.
    pub usage_js: String,
    /// The charts of the Analytics page.
    pub analytics_js: String,
    /// The Knowledge Base's uploader and status poller.
    pub knowledge_js: String,
    /// A test call's live view, controls and browser audio.
    pub test_call_js: String,
}

fn version(body: &[u8]) -> String {
    hex::encode(&Sha256::digest(body)[..6])
}

/// URLs carrying each asset's content hash, computed once.
pub fn urls() -> &'static AssetUrls {
    static URLS: OnceLock<AssetUrls> = OnceLock::new();
    URLS.get_or_init(|| {
        let url = |name: &str| {
            let asset = ASSETS.iter().find(|a| a.name == name).expect("asset is embedded");
            format!("/assets/{name}?v={}", version(asset.body))
        };
        AssetUrls {
            css: url("app.css"),
            js: url("app.js"),
            htmx: url("htmx.min.js"),
            favicon: url("favicon.svg"),
            uplot_js: url("uPlot.min.js"),
            uplot_css: url("uPlot.min.css"),
            charts_js: url("charts.js"),
            usage_js: url("usage.js"),
            analytics_js: url("analytics.js"),
            knowledge_js: url("knowledge.js"),
            test_call_js: url("test_call.js"),
        }
    })
}

#[derive(serde::Deserialize)]
pub(crate) struct VersionQuery {
    v: Option<String>,
}

/// Serves an embedded asset; immutable for a year when the URL names the current version.
pub(crate) async fn serve_asset(Path(name): Path<String>, Query(q): Query<VersionQuery>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let cache = if q.v.as_deref() == Some(version(asset.body).as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response()
}
