//! Start-up: the data directory, the database, the listener, background upkeep, graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, Context};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use voxhive_store::{Store, StoreOptions};
use voxhive_sync::JobRunner;
use voxhive_web::{build_app, AppState};

use crate::config::Config;

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes sure the data directory (database, key file, recordings) exists and can be written.
fn prepare_data_dir(config: &Config) -> anyhow::Result<()> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("cannot create the data directory {}: {e}", dir.display()))?;
    let probe = dir.join(".voxhive-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| anyhow!("cannot write to the data directory {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Opens the configured database and applies migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database()?;
    prepare_data_dir(config)?;
    let options = StoreOptions {
        max_connections: config.db_max_connections,
        ..StoreOptions::default()
    };
    let store = Store::connect(&url, &options).await?;
    store
        .migrate()
        .await
        .with_context(|| format!("cannot migrate the database {url}"))?;
    Ok(store)
}

/// A server started in this process.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Store,
    /// The master key the server seals provider keys with.
    pub master_key: voxhive_core::crypto::MasterKey,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks the server to stop, lets in-flight requests finish, and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await?
    }

    /// Waits until the server stops on its own (after a signal it was given to watch).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await?
    }
}

/// Opens the store, binds the listener and serves until `stop` (or, for `with_signals`, SIGINT/SIGTERM).
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    let store = open_store(config).await?;
    let (master_key, _) = crate::master_key::load(config, &store).await?;
    let archive = config.archive()?;
    let listener = TcpListener::bind(&config.bind).await.map_err(|e| {
        anyhow!(
            "cannot listen on {}: {e}; is another VoxHive running? Choose another address with --bind or VOXHIVE_BIND",
            config.bind
        )
    })?;
    let addr = listener.local_addr()?;
    let state = AppState::new(store.clone(), config.web(addr), master_key.clone(), archive.clone());
    let runner = JobRunner::new(store.clone(), state.master_key.clone(), state.job_wake.clone()).with_archive(archive);
    let app = build_app(state).into_make_service_with_connect_info::<SocketAddr>();

    let (tx, rx) = oneshot::channel::<()>();
    let upkeep = tokio::spawn(upkeep(store.clone(), config.login_window_minutes));
    let (jobs_stop, jobs_stopped) = oneshot::channel::<()>();
    let jobs = tokio::spawn(runner.run(async move {
        let _ = jobs_stopped.await;
    }));
    let closing = store.clone();
    let task = tokio::spawn(async move {
        let (drain_tx, drain_rx) = oneshot::channel::<()>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
            let _ = drain_tx.send(());
        });
        let mut serve = std::pin::pin!(std::future::IntoFuture::into_future(serve));
        tokio::select! {
            res = &mut serve => res?,
            _ = async { let _ = drain_rx.await; tokio::time::sleep(DRAIN_TIMEOUT).await } => {
                tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
            }
        }
        upkeep.abort();
        let _ = jobs_stop.send(());
        let _ = jobs.await;
        closing.close().await;
        tracing::info!("stopped");
        Ok(())
    });
    Ok(Running {
        addr,
        store,
        master_key,
        shutdown: Some(tx),
        task,
    })
}

/// Serves until SIGINT or SIGTERM, then drains and stops.
pub async fn serve_until_signal(running: Running) -> anyhow::Result<()> {
    shutdown_signal().await;
    tracing::info!("shutdown signal received; finishing requests in flight");
    running.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

/// Hourly: drop expired sessions, stale sign-in failures and expired set-password links.
async fn upkeep(store: Store, login_window_minutes: u64) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let before = voxhive_core::time::now_ms() - (login_window_minutes as i64) * 60_000;
        match store.purge_expired(before).await {
            Ok(n) if n > 0 => {
                tracing::info!(rows = n, "purged expired sessions and sign-in records")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "upkeep failed"),
        }
    }
}
