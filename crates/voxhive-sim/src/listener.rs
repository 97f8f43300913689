//! The accept loop: serves the router per connection and can drop a connection without answering.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tower::ServiceExt;

/// Put in each request's extensions: sending on it closes the connection at once, without a response.
#[derive(Debug, Clone)]
pub struct ConnectionKill(pub tokio::sync::mpsc::Sender<()>);

/// Serves `router` on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>, done: oneshot::Sender<()>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        let Ok((stream, _peer)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, router.clone(), stop.clone()));
    }
    let _ = done.send(());
}

async fn connection(stream: tokio::net::TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let (kill_tx, mut kill_rx) = tokio::sync::mpsc::channel::<()>(1);
    let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectionKill(kill_tx.clone()));
        let router = router.clone();
        async move {
            Ok::<_, Infallible>(
                router
                    .oneshot(request.map(Body::new))
                    .await
                    .unwrap_or_else(|e| match e {}),
            )
        }
    });
    let builder = Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = kill_rx.recv() => {}
        _ = stop.changed() => {}
    }
}

/// Binds `addr`; `127.0.0.1:0` picks a free port.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
