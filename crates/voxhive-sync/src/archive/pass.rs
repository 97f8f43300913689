//! One archiving pass: downloads the recordings not yet archived (Vapi: the recording URL;
//! ElevenLabs: the conversation's audio through the API), writes them to the archive and
//! records their keys. A failure is recorded and tried again after a backoff; it never holds
//! up the other calls.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::task::JoinSet;
use voxhive_core::crypto::MasterKey;
use voxhive_core::time::Millis;
use voxhive_providers::ProviderClient;
use voxhive_store::{RecordingToArchive, Store};

use super::{recording_key, Archive};
use crate::{connection_client, SyncError};

/// Calls claimed at a time.
const BATCH: i64 = 16;
/// Downloads at once.
const CONCURRENCY: usize = 4;
/// The largest recording downloaded (a two-hour stereo WAV at 16 kHz is about 460 MB).
const MAX_BYTES: usize = 512 * 1024 * 1024;
/// How long one download may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The wait before the first retry; it quadruples with each failure, up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 60_000;
const MAX_BACKOFF_MS: i64 = 86_400_000;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Recordings written to the archive.
    pub archived: usize,
    /// Downloads that failed (each tried again later).
    pub failed: usize,
}

impl ArchiveReport {
    fn count(&mut self, attempt: Option<Result<bool, tokio::task::JoinError>>) {
        match attempt {
            Some(Ok(true)) => self.archived += 1,
            Some(Ok(false) | Err(_)) => self.failed += 1,
            None => {}
        }
    }
}

/// The wait before retrying a call that has failed `attempts` times, this one included.
fn backoff_ms(attempts: i64) -> i64 {
    let exponent = attempts.saturating_sub(1).clamp(0, 16) as u32;
    FIRST_BACKOFF_MS
        .saturating_mul(4_i64.saturating_pow(exponent))
        .min(MAX_BACKOFF_MS)
}

/// The client public recording URLs are read with.
static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(DOWNLOAD_TIMEOUT)
        .build()
        .expect("the TLS backend is built in")
});

/// Archives every recording due, a batch at a time, until none is left; `now` is the pass's
/// start, and its clock moves on from there.
pub async fn archive_recordings(
    store: &Store,
    master_key: &MasterKey,
    archive: &Archive,
    now: Millis,
) -> Result<ArchiveReport, SyncError> {
    let mut report = ArchiveReport::default();
    let mut clients: HashMap<i64, Result<Arc<dyn ProviderClient>, String>> = HashMap::new();
    let started = std::time::Instant::now();
    loop {
        let now = now + started.elapsed().as_millis() as Millis;
        let batch = store.calls_to_archive(BATCH, now).await?;
        if batch.is_empty() {
            return Ok(report);
        }
        let mut work = Vec::with_capacity(batch.len());
        for call in batch {
            let client = match call.recording_url {
                Some(_) => None,
                None => Some(client_of(store, master_key, &mut clients, &call).await?),
            };
            work.push((call, client));
        }
        let mut running = JoinSet::new();
        for (call, client) in work {
            if running.len() >= CONCURRENCY {
                report.count(running.join_next().await);
            }
            running.spawn(attempt(store.clone(), archive.clone(), call, client, now));
        }
        while let Some(done) = running.join_next().await {
            report.count(Some(done));
        }
    }
}

/// The ElevenLabs client of a call's connection, opened once per pass; a connection that cannot
/// be used is an error of each of its calls.
async fn client_of(
    store: &Store,
    master_key: &MasterKey,
    clients: &mut HashMap<i64, Result<Arc<dyn ProviderClient>, String>>,
    call: &RecordingToArchive,
) -> Result<Result<Arc<dyn ProviderClient>, String>, SyncError> {
    if let Some(client) = clients.get(&call.connection_id) {
        return Ok(client.clone());
    }
    let client = match store.connection(call.workspace_id, call.connection_id).await? {
        Some(connection) => connection_client(master_key, &connection).map_err(|e| e.to_string()),
        None => Err("the connection was removed".to_owned()),
    };
    clients.insert(call.connection_id, client.clone());
    Ok(client)
}

/// Archives one call's recording, or records why it could not be and when to try again;
/// whether it was archived.
async fn attempt(
    store: Store,
    archive: Archive,
    call: RecordingToArchive,
    client: Option<Result<Arc<dyn ProviderClient>, String>>,
    now: Millis,
) -> bool {
    let Err(error) = archive_one(&store, &archive, &call, client).await else {
        return true;
    };
    let attempts = call.attempts + 1;
    tracing::warn!(call_id = call.id, attempts, %error, "cannot archive a recording");
    if let Err(err) = store
        .record_archive_failure(call.id, &error, now + backoff_ms(attempts))
        .await
    {
        tracing::warn!(call_id = call.id, error = %err, "cannot record a failed archiving");
    }
    false
}

/// Downloads one call's recording, writes it and records its key; the error says what failed.
async fn archive_one(
    store: &Store,
    archive: &Archive,
    call: &RecordingToArchive,
    client: Option<Result<Arc<dyn ProviderClient>, String>>,
) -> Result<(), String> {
    let (bytes, content_type) = match (&call.recording_url, client) {
        (Some(url), _) => download(url).await?,
        (None, Some(client)) => {
            let audio = client?
                .call_audio(&call.remote_id, None)
                .await
                .map_err(|e| format!("the provider did not send the audio: {e}"))?;
            (audio.bytes, audio.content_type)
        }
        (None, None) => return Err("the call has no recording to archive".to_owned()),
    };
    let key = recording_key(
        call.connection_id,
        &call.remote_id,
        content_type.as_deref(),
        call.recording_url.as_deref(),
    );
    archive.put(&key, bytes).await.map_err(|e| e.to_string())?;
    if !store
        .record_recording_archived(call.id, &key)
        .await
        .map_err(|e| e.to_string())?
    {
        // Retention deleted the call's contents meanwhile: the copy goes too.
        archive.delete(&key).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// GETs a public recording URL, refusing more than [`MAX_BYTES`].
async fn download(url: &str) -> Result<(Bytes, Option<String>), String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("the recording URL {url:?} is not an http(s) URL"));
    }
    let too_large = || format!("the recording is larger than {} MiB", MAX_BYTES / (1024 * 1024));
    let mut response = HTTP
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot download the recording: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("the recording URL answered {}", response.status()));
    }
    if response.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(too_large());
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the recording's download broke off: {e}"))?
    {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_quadruples_up_to_a_day() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 240_000);
        assert_eq!(backoff_ms(3), 960_000);
        assert_eq!(backoff_ms(7), 86_400_000);
        assert_eq!(backoff_ms(40), 86_400_000);
    }
}
