//! Recordings: silent MP3 streams of a call's length, served whole or by byte range.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

/// One MPEG-1 Layer III frame: 32 kbit/s, 32 kHz, mono; 144 bytes, 36 ms of silence.
const FRAME_HEADER: [u8; 4] = [0xFF, 0xFB, 0x18, 0xC4];
const FRAME_LEN: usize = 144;
/// Bytes per second of audio.
pub const BYTES_PER_SEC: usize = 4_000;

/// The bytes `[start, end)` of a silent MP3 of `total` bytes.
fn mp3_bytes(start: usize, end: usize) -> Vec<u8> {
    (start..end)
        .map(|i| {
            if i % FRAME_LEN < 4 {
                FRAME_HEADER[i % FRAME_LEN]
            } else {
                0
            }
        })
        .collect()
}

/// Answers a GET for a silent MP3 of `seconds`, honouring a single `Range: bytes=a-b`.
pub fn serve_mp3(headers: &HeaderMap, seconds: i64) -> Response {
    let total = (seconds.max(1) as usize * BYTES_PER_SEC).div_ceil(FRAME_LEN) * FRAME_LEN;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="));
    let mut response = match range {
        None => (StatusCode::OK, mp3_bytes(0, total)).into_response(),
        Some(spec) => {
            let (a, b) = spec.split_once('-').unwrap_or((spec, ""));
            let (start, end) = match (a.parse::<usize>().ok(), b.parse::<usize>().ok()) {
                (Some(a), Some(b)) => (a, b.saturating_add(1).min(total)),
                (Some(a), None) => (a, total),
                (None, Some(suffix)) => (total.saturating_sub(suffix), total),
                (None, None) => (total, 0),
            };
            if start >= end {
                let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                r.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{total}")).expect("ascii"),
                );
                return r;
            }
            let mut r = (StatusCode::PARTIAL_CONTENT, mp3_bytes(start, end)).into_response();
            let value = format!("bytes {start}-{}/{total}", end - 1);
            r.headers_mut()
                .insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).expect("ascii"));
            r
        }
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg"));
    response
        .headers_mut()
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

/// Vapi recording URLs (`/recordings/<callId>-<kind>.mp3`), public like presigned storage links.
pub fn router() -> Router<AppState> {
    Router::new().route("/recordings/{file}", get(recording))
}

async fn recording(State(sim): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some((id, _kind)) = file.strip_suffix(".mp3").and_then(|f| f.rsplit_once('-')) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let world = sim.world();
    let call = world.vapi.iter().flat_map(|a| a.calls.iter()).find(|c| c.id == id);
    match call.and_then(|c| Some(c.ended_at?.as_second() - c.started_at?.as_second())) {
        Some(seconds) => serve_mp3(&headers, seconds),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_request_returns_exactly_the_asked_bytes() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=140-149"));
        let response = serve_mp3(&headers, 2);
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(response.headers()[header::CONTENT_RANGE], "bytes 140-149/8064");
        assert_eq!(mp3_bytes(140, 150), [0, 0, 0, 0, 0xFF, 0xFB, 0x18, 0xC4, 0, 0]);
    }
}
