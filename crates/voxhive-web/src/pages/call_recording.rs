//! `/calls/{id}/recording`: a call's recording through VoxHive. The archived copy is served
//! first, by byte range. Without one, ElevenLabs audio is read with the connection's key (which
//! never reaches the browser); the browser's `Range` is passed on, and cut here from the whole
//! recording when the provider ignores it; a Vapi call is sent to its recording URL.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use voxhive_providers::ProviderError;
use voxhive_sync::archive::{content_type_of, Archive, ArchiveError};

use super::call_detail::find;
use crate::auth::Auth;
use crate::connections::client_for;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// A single byte range as a request states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ByteRange {
    /// `bytes=a-` or `bytes=a-b` (both included).
    From(u64, Option<u64>),
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

impl ByteRange {
    /// A `Range` header of one byte range; anything else (several ranges, other units, junk)
    /// is `None`, and the whole recording is sent, as HTTP allows.
    fn parse(header: &str) -> Option<Self> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.split_once('-')?;
        match (a.trim(), b.trim()) {
            ("", n) => n.parse().ok().map(ByteRange::Last),
            (a, "") => a.parse().ok().map(|a| ByteRange::From(a, None)),
            (a, b) => {
                let (a, b) = (a.parse().ok()?, b.parse().ok()?);
                (a <= b).then_some(ByteRange::From(a, Some(b)))
            }
        }
    }

    /// The bytes `[start, end)` of a body of `total` bytes, or `None` when none of it is there.
    fn within(self, total: u64) -> Option<(u64, u64)> {
        let (start, end) = match self {
            ByteRange::From(a, b) => (a, b.map_or(total, |b| b.saturating_add(1).min(total))),
            ByteRange::Last(n) => (total.saturating_sub(n), total),
        };
        (start < end).then_some((start, end))
    }

    fn header(self) -> String {
        match self {
            ByteRange::From(a, Some(b)) => format!("bytes={a}-{b}"),
            ByteRange::From(a, None) => format!("bytes={a}-"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

/// An audio answer: 206 with `Content-Range` when `content_range` is given, else 200.
fn audio_response(content_type: &str, content_range: Option<String>, bytes: axum::body::Bytes) -> Response {
    let status = if content_range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut res = (status, Body::from(bytes)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, value(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    if let Some(range) = content_range {
        h.insert(header::CONTENT_RANGE, value(&range));
    }
    res
}

fn unsatisfiable(total: Option<u64>) -> Response {
    let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
    let range = total.map_or("bytes */*".to_string(), |t| format!("bytes */{t}"));
    res.headers_mut().insert(header::CONTENT_RANGE, value(&range));
    res
}

/// The archived recording at `key`, whole or the asked range of it.
async fn archived(archive: &Archive, key: &str, range: Option<ByteRange>) -> Result<Response, ArchiveError> {
    let content_type = content_type_of(key);
    let Some(range) = range else {
        return Ok(audio_response(content_type, None, archive.read(key, None).await?));
    };
    let total = archive.size(key).await?;
    Ok(match range.within(total) {
        None => unsatisfiable(Some(total)),
        Some((start, end)) => audio_response(
            content_type,
            Some(format!("bytes {start}-{}/{total}", end - 1)),
            archive.read(key, Some(start..end)).await?,
        ),
    })
}

pub async fn play_recording(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let call = find(&auth, &state, id).await?;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(ByteRange::parse);
    if let (Some(key), Some(archive)) = (&call.recording_key, &state.archive) {
        match archived(archive, key, range).await {
            Ok(response) => return Ok(response),
            // The copy went missing (the archive moved): the provider may still have it.
            Err(ArchiveError::NotFound(_)) => {
                tracing::warn!(call_id = call.id, key, "the archived recording is missing")
            }
            Err(e) => return Err(AppError::Internal(e.to_string())),
        }
    }
    if call.provider != "elevenlabs" {
        // Vapi recordings not archived are public URLs the browser reads itself; this route
        // only sends the browser there.
        return match call.recording_url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Ok(Redirect::temporary(&url).into_response())
            }
            _ => Err(AppError::NotFound),
        };
    }
    let connection = state
        .store
        .connection(auth.workspace_id(), call.connection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client = client_for(&state, &connection)?;
    let audio = match client
        .call_audio(&call.remote_id, range.map(ByteRange::header).as_deref())
        .await
    {
        Ok(audio) => audio,
        Err(ProviderError::Rejected { status: 416, .. }) => return Ok(unsatisfiable(None)),
        Err(ProviderError::NotFound { .. }) => return Err(AppError::NotFound),
        Err(e) => {
            return Err(AppError::Unprocessable {
                field: None,
                message: e.to_string(),
            })
        }
    };
    let content_type = audio.content_type.as_deref().unwrap_or("audio/mpeg");
    Ok(match (range, audio.content_range) {
        (_, Some(content_range)) => audio_response(content_type, Some(content_range), audio.bytes),
        (None, None) => audio_response(content_type, None, audio.bytes),
        // The provider sent the whole recording: cut the range out of it here.
        (Some(range), None) => {
            let total = audio.bytes.len();
            match range.within(total as u64) {
                None => unsatisfiable(Some(total as u64)),
                Some((start, end)) => audio_response(
                    content_type,
                    Some(format!("bytes {start}-{}/{total}", end - 1)),
                    audio.bytes.slice(start as usize..end as usize),
                ),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_read_and_others_ignored() {
        assert_eq!(ByteRange::parse("bytes=0-99"), Some(ByteRange::From(0, Some(99))));
        assert_eq!(ByteRange::parse("bytes=100-"), Some(ByteRange::From(100, None)));
        assert_eq!(ByteRange::parse("bytes=-500"), Some(ByteRange::Last(500)));
        assert_eq!(ByteRange::parse("bytes=0-1,5-6"), None);
        assert_eq!(ByteRange::parse("items=0-1"), None);
        assert_eq!(ByteRange::parse("bytes=9-2"), None);
        assert_eq!(ByteRange::parse("bytes=0-99").unwrap().header(), "bytes=0-99");
    }

    #[test]
    fn ranges_are_cut_to_the_body() {
        assert_eq!(ByteRange::From(0, Some(99)).within(1000), Some((0, 100)));
        assert_eq!(ByteRange::From(900, Some(5000)).within(1000), Some((900, 1000)));
        assert_eq!(ByteRange::From(1000, None).within(1000), None);
        assert_eq!(ByteRange::Last(10).within(1000), Some((990, 1000)));
        assert_eq!(ByteRange::Last(5000).within(1000), Some((0, 1000)));
    }
}
