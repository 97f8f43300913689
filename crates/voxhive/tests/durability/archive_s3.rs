//! The recording archive in an S3-compatible bucket: a real S3 server runs in the test (s3s over
//! a directory, every request checked against its SigV4 signature) and VoxHive is started with
//! `archive_url = s3://BUCKET/PREFIX?endpoint=…`. Recordings are copied byte for byte, play by
//! range from the bucket once the provider deleted them, leave the bucket with retention, and a
//! bucket that refuses writes is named in the recorded error and tried again after the backoff.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Client, StatusCode};
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use s3s::{s3_error, S3Result};
use voxhive_core::time::now_ms;
use voxhive_core::Role;
use voxhive_sim::SimHandle;
use voxhive_store::{Call, CallSort};
use voxhive_sync::archive::{archive_recordings, Archive, ArchiveReport};

use crate::support::{location, spawn_app_with, spawn_sim, TestApp};

const ADA: &str = "ada@example.com";
const ACCESS_KEY: &str = "VOXHIVETESTACCESSKEY";
const SECRET_KEY: &str = "voxhive-test-secret-access-key";
const BUCKET: &str = "recordings";
const PREFIX: &str = "voxhive";
/// What the bucket answers a write while it refuses them.
const REFUSAL: &str = "this bucket is read-only for now";

/// object_store reads S3 credentials from the process's `AWS_*` variables only (the archive URL
/// carries no secrets). They are the whole process's, so every test sets the same values, once,
/// before anything reads them.
fn aws_credentials() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        std::env::set_var("AWS_REGION", "us-east-1");
    });
}

/// The bucket's access hook: signed requests only (as s3s's default check), and no object
/// written while `refuse_writes` is set.
struct WriteSwitch(Arc<AtomicBool>);

#[async_trait::async_trait]
impl S3Access for WriteSwitch {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3_error!(AccessDenied, "Signature is required"));
        }
        let writes = matches!(
            cx.s3_op().name(),
            "PutObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" | "CopyObject"
        );
        if writes && self.0.load(Ordering::SeqCst) {
            return Err(s3_error!(AccessDenied, "{REFUSAL}"));
        }
        Ok(())
    }
}

/// An S3-compatible server on 127.0.0.1:0 with one empty bucket, kept in a temporary directory.
struct S3Server {
    endpoint: String,
    root: tempfile::TempDir,
    refuse_writes: Arc<AtomicBool>,
    serving: tokio::task::JoinHandle<()>,
}

impl S3Server {
    async fn start() -> Self {
        aws_credentials();
        let root = tempfile::tempdir().unwrap();
        // s3s-fs keeps each bucket as a directory of its root (its CreateBucket makes one).
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let refuse_writes = Arc::new(AtomicBool::new(false));
        let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(root.path()).unwrap());
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.set_access(WriteSwitch(refuse_writes.clone()));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let serving = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let connection =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service.clone());
                tokio::spawn(connection);
            }
        });
        Self {
            endpoint,
            root,
            refuse_writes,
            serving,
        }
    }

    /// The archive URL VoxHive is configured with.
    fn archive_url(&self) -> String {
        format!("s3://{BUCKET}/{PREFIX}?endpoint={}", self.endpoint)
    }

    /// Where the object of an archive key lies on disk.
    fn file(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(PREFIX).join(key)
    }

    /// The object at an archive key, read from the server's directory.
    fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.file(key)).ok()
    }

    fn refuse_writes(&self, refuse: bool) {
        self.refuse_writes.store(refuse, Ordering::SeqCst);
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

/// VoxHive archiving into a fresh bucket, with a Vapi connection to the simulator whose calls
/// are backfilled.
struct World {
    s3: S3Server,
    sim: SimHandle,
    app: TestApp,
    web: Client,
    ws: i64,
    connection_id: i64,
    /// The archive as the server opens it from its configuration.
    archive: Archive,
}

async fn world() -> World {
    let s3 = S3Server::start().await;
    let sim = spawn_sim().await;
    let archive_url = s3.archive_url();
    let app = spawn_app_with(|c| c.archive_url = Some(archive_url)).await;
    app.add_user(ADA, "Acme", Role::Owner).await;
    let token = app.token_for(ADA, "Acme").await;
    let web = app.signed_in(ADA).await;
    let ws = app.workspace_id("Acme").await;
    let key = voxhive_sim::DEFAULT_VAPI_KEYS[0];
    let connection_id = app.connect(&token, "vapi", "Main", key, &sim.base_url()).await;
    app.sync_calls(&token, connection_id, true).await;
    let archive = app.config.archive().unwrap().expect("an archive is configured");
    World {
        s3,
        sim,
        app,
        web,
        ws,
        connection_id,
        archive,
    }
}

impl World {
    /// One archiving pass as the server's runner makes it, at `now`.
    async fn pass(&self, now: i64) -> ArchiveReport {
        let master_key = &self.app.running.as_ref().unwrap().master_key;
        archive_recordings(self.app.store(), master_key, &self.archive, now)
            .await
            .unwrap()
    }

    async fn call(&self, id: i64) -> Call {
        self.app.store().call(self.ws, id).await.unwrap().unwrap()
    }

    /// The finished calls with a recording, newest first.
    async fn recorded(&self) -> Vec<Call> {
        let page = self
            .app
            .store()
            .calls(self.ws, &Default::default(), CallSort::Newest, None, 1000)
            .await
            .unwrap();
        let mut calls = Vec::new();
        for row in page.rows {
            let call = self.call(row.id).await;
            if matches!(call.status.as_str(), "ended" | "failed") && call.recording_url.is_some() {
                calls.push(call);
            }
        }
        assert!(!calls.is_empty(), "the simulator's calls have recordings");
        calls
    }

    /// The recording as the simulator serves it.
    async fn sim_bytes(&self, call: &Call) -> Vec<u8> {
        let res = reqwest::get(call.recording_url.as_deref().unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.bytes().await.unwrap().to_vec()
    }

    async fn stop(self) {
        self.app.stop().await;
        self.sim.shutdown().await;
    }
}

#[tokio::test]
async fn recordings_are_archived_into_the_bucket_byte_for_byte() {
    let w = world().await;
    let recorded = w.recorded().await;

    let report = w.pass(now_ms()).await;
    assert_eq!(
        report,
        ArchiveReport {
            archived: recorded.len(),
            failed: 0
        }
    );
    for call in &recorded {
        let key = w.call(call.id).await.recording_key.expect("archived");
        assert_eq!(key, format!("{}/{}.mp3", w.connection_id, call.remote_id));
        let object = w.s3.object(&key).unwrap_or_else(|| panic!("{key} is in the bucket"));
        assert!(object.len() > 1_000, "{key} holds the whole recording");
        assert_eq!(object, w.sim_bytes(call).await, "{key} differs from the simulator's");
    }

    // The bucket answers signed requests only: the copies went through object_store's SigV4.
    let key = w.call(recorded[0].id).await.recording_key.unwrap();
    let unsigned = reqwest::get(format!("{}/{BUCKET}/{PREFIX}/{key}", w.s3.endpoint))
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::FORBIDDEN);

    // Nothing is copied twice, even long after.
    assert_eq!(w.pass(now_ms() + 86_400_000).await, ArchiveReport::default());
    w.stop().await;
}

#[tokio::test]
async fn a_recording_in_the_bucket_plays_by_range_after_the_provider_deleted_it() {
    let w = world().await;
    let report = w.pass(now_ms()).await;
    assert!(report.archived > 0 && report.failed == 0, "{report:?}");
    let call = w.call(w.recorded().await[0].id).await;
    let key = call.recording_key.clone().expect("archived");
    let archived = w.s3.object(&key).expect("in the bucket");
    assert!(archived.len() > 1_000);

    // The provider deletes the call and its recording.
    let deleted = Client::new()
        .delete(format!("{}/call/{}", w.sim.base_url(), call.remote_id))
        .bearer_auth(voxhive_sim::DEFAULT_VAPI_KEYS[0])
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let gone = reqwest::get(call.recording_url.as_deref().unwrap()).await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let url = w.app.url(&format!("/calls/{}/recording", call.id));
    let get = |range: Option<String>| {
        let mut request = w.web.get(&url);
        if let Some(range) = range {
            request = request.header(RANGE, range);
        }
        request.send()
    };
    let total = archived.len();
    let head = get(Some("bytes=0-99".into())).await.unwrap();
    assert_eq!(head.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(head.headers()[CONTENT_RANGE], format!("bytes 0-99/{total}").as_str());
    assert_eq!(head.headers()[CONTENT_TYPE], "audio/mpeg");
    assert_eq!(head.bytes().await.unwrap(), archived[..100]);

    let middle = get(Some("bytes=500-1023".into())).await.unwrap();
    assert_eq!(middle.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        middle.headers()[CONTENT_RANGE],
        format!("bytes 500-1023/{total}").as_str()
    );
    assert_eq!(middle.bytes().await.unwrap(), archived[500..1024]);

    let tail = get(Some("bytes=-10".into())).await.unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        tail.headers()[CONTENT_RANGE],
        format!("bytes {}-{}/{total}", total - 10, total - 1).as_str()
    );
    assert_eq!(tail.bytes().await.unwrap(), archived[total - 10..]);

    let whole = get(None).await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap(), archived);

    let beyond = get(Some(format!("bytes={total}-"))).await.unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.headers()[CONTENT_RANGE], format!("bytes */{total}").as_str());
    w.stop().await;
}

#[tokio::test]
async fn retention_deletes_the_archived_recordings_from_the_bucket() {
    let mut w = world().await;
    let recorded = w.recorded().await;
    assert_eq!(w.pass(now_ms()).await.archived, recorded.len());
    let keys: Vec<(i64, String)> = {
        let mut keys = Vec::new();
        for call in &recorded {
            keys.push((call.id, w.call(call.id).await.recording_key.expect("archived")));
        }
        keys
    };
    assert!(keys.iter().all(|(_, key)| w.s3.file(key).is_file()));

    // Keep a whole number of days that splits the recordings into old and recent (the
    // simulator's calls span a week, mostly on weekday business hours, so "one day" alone
    // may keep none or all); a restarted server applies it at once.
    let (days, cutoff) = retention_splitting(&recorded, now_ms());
    let res = w
        .app
        .post_form(
            &w.web,
            "/settings/alerts",
            &[("alert_webhook_url", ""), ("retention_days", &days.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    w.app.running.take().unwrap().stop().await.expect("clean stop");
    let running = voxhive::start(&w.app.config).await.expect("server restarts");
    w.app.base = format!("http://{}", running.addr);
    w.app.running = Some(running);

    let old: Vec<&(i64, String)> = keys
        .iter()
        .filter(|(id, _)| recorded.iter().any(|c| c.id == *id && c.started_at < cutoff))
        .collect();
    assert!(!old.is_empty(), "some recordings are older than {days} days");
    assert!(old.len() < keys.len(), "some recordings are from the last {days} days");
    let deadline = Instant::now() + Duration::from_secs(10);
    while old.iter().any(|(_, key)| w.s3.file(key).exists()) {
        assert!(Instant::now() < deadline, "retention did not delete the old recordings");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (id, key) in &keys {
        let call = w.call(*id).await;
        if old.iter().any(|(old, _)| old == id) {
            assert_eq!(call.recording_key, None, "call {id} lost its recording");
            assert_eq!(call.recording_url, None);
        } else {
            assert_eq!(call.recording_key.as_ref(), Some(key));
            assert!(w.s3.file(key).is_file(), "the recording of call {id} is kept");
        }
    }
    w.stop().await;
}

/// The fewest whole days of retention that keep some of `calls` and drop others, with its
/// cutoff; no call starts within ten minutes of the cutoff, so the server's own clock (read a
/// moment later) puts every call on the same side.
fn retention_splitting(calls: &[Call], now: i64) -> (i64, i64) {
    const MARGIN_MS: i64 = 600_000;
    (1..=60)
        .map(|days| (days, now - days * 86_400_000))
        .find(|&(_, cutoff)| {
            let older = calls.iter().filter(|c| c.started_at < cutoff).count();
            older > 0 && older < calls.len() && calls.iter().all(|c| (c.started_at - cutoff).abs() > MARGIN_MS)
        })
        .expect("the recordings span more than a day")
}

#[tokio::test]
async fn a_bucket_refusing_writes_is_named_and_the_recordings_are_archived_after_the_backoff() {
    let w = world().await;
    let recorded = w.recorded().await;
    w.s3.refuse_writes(true);
    let now = now_ms();
    assert_eq!(
        w.pass(now).await,
        ArchiveReport {
            archived: 0,
            failed: recorded.len()
        }
    );
    let call = &recorded[0];
    let (attempts, error) = w
        .app
        .store()
        .recording_archive_failures(call.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempts, 1);
    // One sentence naming the archive, the object and the bucket's own reason (not the HTTP
    // exchange with its XML body, which the stored error's 500 characters would cut short).
    let expected = format!(
        "the archive at {} refused to write {}/{}.mp3: AccessDenied: {REFUSAL}",
        w.s3.archive_url(),
        w.connection_id,
        call.remote_id
    );
    assert_eq!(error, Some(expected));

    // Nothing is lost: the call keeps its provider recording, which still plays from there.
    let kept = w.call(call.id).await;
    assert_eq!(kept.recording_key, None);
    assert_eq!(kept.recording_url, call.recording_url);
    let res = w
        .web
        .get(w.app.url(&format!("/calls/{}/recording", call.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(Some(location(&res)), call.recording_url);
    assert!(
        !w.s3.root.path().join(BUCKET).join(PREFIX).exists(),
        "nothing was written"
    );

    // Writes are allowed again: nothing before the minute's backoff, then every copy.
    w.s3.refuse_writes(false);
    assert_eq!(w.pass(now + 30_000).await, ArchiveReport::default());
    assert_eq!(
        w.pass(now + 90_000).await,
        ArchiveReport {
            archived: recorded.len(),
            failed: 0
        }
    );
    for call in &recorded {
        let key = w.call(call.id).await.recording_key.expect("archived");
        assert_eq!(w.s3.object(&key), Some(w.sim_bytes(call).await), "{key}");
        let (_, error) = w
            .app
            .store()
            .recording_archive_failures(call.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(error, None, "the error is cleared once archived");
    }
    w.stop().await;
}
