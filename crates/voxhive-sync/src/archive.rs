//! The recording archive: VoxHive's own copies of call recordings, kept after the providers
//! delete theirs, in a directory or an S3-compatible bucket (through `object_store`). Keys are
//! `<connection id>/<provider call id>.<extension>`; the extension tells the audio type back.

mod pass;

use std::fmt;
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use voxhive_store::PurgedCall;

pub use pass::{archive_recordings, ArchiveReport};

/// Audio types VoxHive names archived files after, with their extension.
const AUDIO_TYPES: [(&str, &str); 7] = [
    ("audio/mpeg", "mp3"),
    ("audio/wav", "wav"),
    ("audio/ogg", "ogg"),
    ("audio/webm", "webm"),
    ("audio/mp4", "m4a"),
    ("audio/flac", "flac"),
    ("audio/aac", "aac"),
];

/// Why the archive could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("invalid archive URL {url:?}: {message}")]
    Url { url: String, message: String },
    #[error("the archive has no {0}")]
    NotFound(String),
    /// The store turned the request down (permissions, credentials); `reason` is its own word
    /// (an S3 error's code and message) rather than the whole HTTP exchange.
    #[error("the archive at {location} refused to {action} {key}: {reason}")]
    Refused {
        location: String,
        action: &'static str,
        key: String,
        reason: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error("the archive at {location} failed: {source}")]
    Store {
        location: String,
        #[source]
        source: object_store::Error,
    },
}

/// Where archived recordings are kept; cheap to clone.
#[derive(Clone)]
pub struct Archive {
    store: Arc<dyn ObjectStore>,
    /// The archive's URL, for messages (credentials never appear in it).
    location: Arc<str>,
}

impl fmt::Debug for Archive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Archive").field(&self.location).finish()
    }
}

impl Archive {
    /// The archive at `url`: `file://DIR` (created when missing), or `s3://BUCKET/PREFIX` with
    /// credentials and region from the standard `AWS_*` variables; `?endpoint=URL` (or
    /// `AWS_ENDPOINT`) points it at an S3-compatible server.
    pub fn from_url(url: &str) -> Result<Self, ArchiveError> {
        let invalid = |message: String| ArchiveError::Url {
            url: url.to_owned(),
            message,
        };
        if let Some(dir) = url.strip_prefix("file://") {
            return Self::local(FsPath::new(dir));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(invalid("use file://DIRECTORY or s3://BUCKET/PREFIX".into()));
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid("the bucket is missing".into()));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (name, value) in query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
        {
            match name {
                "endpoint" => {
                    builder = builder
                        .with_endpoint(value)
                        .with_allow_http(value.starts_with("http://"));
                }
                other => return Err(invalid(format!("unknown option {other:?}; the one known is endpoint"))),
            }
        }
        let s3 = builder.build().map_err(|e| invalid(e.to_string()))?;
        let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
            "" => Arc::new(s3),
            prefix => Arc::new(PrefixStore::new(s3, prefix)),
        };
        Ok(Self {
            store,
            location: url.into(),
        })
    }

    /// The archive in the directory `dir`, created when missing.
    pub fn local(dir: &FsPath) -> Result<Self, ArchiveError> {
        let invalid = |message: String| ArchiveError::Url {
            url: format!("file://{}", dir.display()),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| invalid(format!("cannot create the directory: {e}")))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| invalid(e.to_string()))?
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(fs),
            location: format!("file://{}", dir.display()).into(),
        })
    }

    /// What went wrong while trying to `action` (a verb: write, read, delete) the object at `key`.
    fn failed(&self, action: &'static str, key: &str, source: object_store::Error) -> ArchiveError {
        match source {
            object_store::Error::NotFound { .. } => ArchiveError::NotFound(key.to_owned()),
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                let reason = s3_error_reason(&source.to_string()).unwrap_or_else(|| match source {
                    object_store::Error::Unauthenticated { .. } => "the credentials were not accepted".to_owned(),
                    _ => "permission denied".to_owned(),
                });
                ArchiveError::Refused {
                    location: self.location.to_string(),
                    action,
                    key: key.to_owned(),
                    reason,
                    source: Box::new(source),
                }
            }
            source => ArchiveError::Store {
                location: self.location.to_string(),
                source,
            },
        }
    }

    fn path(&self, key: &str) -> Result<Path, ArchiveError> {
        Path::parse(key).map_err(|e| self.failed("name", key, e.into()))
    }

    /// Writes `bytes` at `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), ArchiveError> {
        let path = self.path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| self.failed("write", key, e))?;
        Ok(())
    }

    /// The size in bytes of the object at `key`.
    pub async fn size(&self, key: &str) -> Result<u64, ArchiveError> {
        let path = self.path(key)?;
        let meta = self.store.head(&path).await.map_err(|e| self.failed("read", key, e))?;
        Ok(meta.size)
    }

    /// The object at `key`, whole or the bytes of `range`.
    pub async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<Bytes, ArchiveError> {
        let path = self.path(key)?;
        let read = async {
            match range {
                Some(range) => self.store.get_range(&path, range).await,
                None => self.store.get(&path).await?.bytes().await,
            }
        };
        read.await.map_err(|e| self.failed("read", key, e))
    }

    /// Deletes the object at `key`; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), ArchiveError> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed("delete", key, e)),
        }
    }

    /// Deletes the archived recordings of calls whose contents retention deleted; a failure is
    /// logged (the file stays behind) and the others go on.
    pub async fn delete_purged(&self, purged: &[PurgedCall]) {
        for key in purged.iter().filter_map(|p| p.recording_key.as_deref()) {
            if let Err(err) = self.delete(key).await {
                tracing::warn!(key, error = %err, "cannot delete an archived recording");
            }
        }
    }
}

/// The key a call's recording is archived at; `content_type` (or, without a known one, the
/// URL's file name) chooses the extension.
pub fn recording_key(connection_id: i64, remote_id: &str, content_type: Option<&str>, url: Option<&str>) -> String {
    let mime = content_type.map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let by_type = match mime.as_deref() {
        Some("audio/mp3") => Some("mp3"),
        Some("audio/x-wav" | "audio/wave" | "audio/vnd.wave") => Some("wav"),
        Some("audio/x-m4a") => Some("m4a"),
        Some(mime) => AUDIO_TYPES.iter().find(|(t, _)| *t == mime).map(|(_, ext)| *ext),
        None => None,
    };
    let by_url = || {
        let file = url?.split(['?', '#']).next()?.rsplit('/').next()?;
        let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
        AUDIO_TYPES.iter().find(|(_, e)| *e == ext).map(|(_, e)| *e)
    };
    let ext = by_type.or_else(by_url).unwrap_or("bin");
    Path::from_iter([connection_id.to_string(), format!("{remote_id}.{ext}")]).to_string()
}

/// The code and message of an S3 error document (`<Error><Code>…</Code><Message>…</Message>`)
/// quoted in an error's text, as `Code: message`.
fn s3_error_reason(text: &str) -> Option<String> {
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let len = text[start..].find(&format!("</{name}>"))?;
        let value = text[start..start + len]
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        (!value.is_empty()).then_some(value)
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (code, message) => code.or(message),
    }
}

/// The audio type of an archived recording, from its key's extension.
pub fn content_type_of(key: &str) -> &'static str {
    let ext = key.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    AUDIO_TYPES
        .iter()
        .find(|(_, e)| *e == ext)
        .map_or("application/octet-stream", |(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_their_extension_from_the_type_or_else_the_url() {
        assert_eq!(recording_key(3, "abc", Some("audio/mpeg"), None), "3/abc.mp3");
        assert_eq!(
            recording_key(3, "abc", Some("audio/x-wav; rate=8000"), None),
            "3/abc.wav"
        );
        let url = "https://storage.example/rec/abc-mono.wav?X-Amz-Signature=1";
        assert_eq!(
            recording_key(3, "abc", Some("binary/octet-stream"), Some(url)),
            "3/abc.wav"
        );
        assert_eq!(recording_key(3, "abc", None, Some("https://x/y")), "3/abc.bin");
        // A provider id cannot climb out of its folder.
        assert_eq!(recording_key(3, "../x/y", Some("audio/mpeg"), None), "3/..%2Fx%2Fy.mp3");
    }

    #[test]
    fn the_type_comes_back_from_the_key() {
        assert_eq!(content_type_of("3/abc.mp3"), "audio/mpeg");
        assert_eq!(content_type_of("3/abc.wav"), "audio/wav");
        assert_eq!(content_type_of("3/abc.bin"), "application/octet-stream");
    }

    #[test]
    fn an_archive_url_names_a_directory_or_a_bucket() {
        let err = Archive::from_url("ftp://x").unwrap_err().to_string();
        assert!(err.contains("use file://DIRECTORY or s3://BUCKET/PREFIX"), "{err}");
        let err = Archive::from_url("s3:///prefix").unwrap_err().to_string();
        assert!(err.contains("the bucket is missing"), "{err}");
        let err = Archive::from_url("s3://b/p?region=x").unwrap_err().to_string();
        assert!(err.contains("unknown option \"region\""), "{err}");
        let s3 = Archive::from_url("s3://recordings/voxhive?endpoint=http://127.0.0.1:9000").unwrap();
        assert_eq!(
            format!("{s3:?}"),
            "Archive(\"s3://recordings/voxhive?endpoint=http://127.0.0.1:9000\")"
        );
    }

    #[test]
    fn a_refusal_gives_the_stores_own_reason() {
        let archive = Archive::from_url("s3://recordings/voxhive?endpoint=http://127.0.0.1:9000").unwrap();
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>\
            <Message>Writes &amp; deletes are off</Message><RequestId>1</RequestId></Error>";
        let refused = object_store::Error::PermissionDenied {
            path: "voxhive/3/abc.mp3".into(),
            source: format!("Error performing PUT http://127.0.0.1:9000/… in 4ms - 403 Forbidden: {body}").into(),
        };
        assert_eq!(
            archive.failed("write", "3/abc.mp3", refused).to_string(),
            "the archive at s3://recordings/voxhive?endpoint=http://127.0.0.1:9000 refused to write 3/abc.mp3: \
             AccessDenied: Writes & deletes are off"
        );
        let unauthenticated = object_store::Error::Unauthenticated {
            path: "voxhive/3/abc.mp3".into(),
            source: "401 Unauthorized".into(),
        };
        let err = archive.failed("read", "3/abc.mp3", unauthenticated).to_string();
        assert!(
            err.ends_with("refused to read 3/abc.mp3: the credentials were not accepted"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_local_archive_writes_reads_ranges_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::from_url(&format!("file://{}/recordings", dir.path().display())).unwrap();
        archive
            .put("7/call.mp3", Bytes::from_static(b"0123456789"))
            .await
            .unwrap();
        assert!(dir.path().join("recordings/7/call.mp3").is_file());
        assert_eq!(archive.size("7/call.mp3").await.unwrap(), 10);
        assert_eq!(archive.read("7/call.mp3", Some(2..5)).await.unwrap(), &b"234"[..]);
        assert_eq!(archive.read("7/call.mp3", None).await.unwrap(), &b"0123456789"[..]);
        archive.delete("7/call.mp3").await.unwrap();
        archive.delete("7/call.mp3").await.unwrap();
        assert!(matches!(
            archive.size("7/call.mp3").await,
            Err(ArchiveError::NotFound(_))
        ));
        assert!(!dir.path().join("recordings/7").exists(), "empty folders are removed");
    }
}
