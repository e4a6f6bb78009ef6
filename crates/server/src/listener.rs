//! The accept loop: HTTP/1 connections served by hyper with a deadline for
//! the request headers, at most `max_connections` at once (the rest wait to
//! be accepted), and a graceful stop that lets requests in progress finish,
//! so a write the client is waiting for is answered, within a grace period.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// What the loop allows clients.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to send the request headers, from the connection or the end
    /// of the previous response.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// After a stop, how long requests in progress may take.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `stop` turns true, then waits for the
/// requests in progress (at most `limits.grace`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.wait_for(|&stopped| stopped) => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: pause, not spin.
                    eprintln!("retention-server: accepting a connection failed: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.wait_for(|&stopped| stopped) => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or breaks the protocol ends only its
            // own connection; there is nothing to answer.
            let _ = connection.await;
            drop(slot);
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            eprintln!("retention-server: open connections did not finish within {:?}; stopping anyway", limits.grace);
        }
    }
}
