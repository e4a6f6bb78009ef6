//! Start-up and shutdown: configuration, database, socket, scheduler and
//! HTTP server, in that order, and a bounded graceful stop.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use retention_api::Handler;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::cli::Args;
use crate::error::StartError;
use crate::platform::{OsEntropy, SystemClock};
use crate::sqlite::SqliteStore;
use crate::{config, http, listener, scheduler, webhooks};

/// How long open connections may finish after a stop signal.
const GRACE: Duration = Duration::from_secs(10);

/// Runs the server until Ctrl-C or SIGTERM. Prints `listening on
/// http://ADDR` on stdout once the socket is bound.
pub fn run(args: Args) -> Result<(), StartError> {
    let config = config::load(&args.config)?;
    if config.merchant.is_empty() {
        eprintln!(
            "retention-server: warning: {} configures no [[merchant]]; every API call will be refused",
            args.config.display()
        );
    }
    let store = SqliteStore::open(&args.db).map_err(|error| StartError::Database {
        path: args.db.clone(),
        problem: error.0,
    })?;
    let handler = Arc::new(Handler::new(
        config.merchant,
        store,
        SystemClock,
        OsEntropy::default(),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args, handler))
}

async fn serve(args: Args, handler: Arc<crate::NativeHandler>) -> Result<(), StartError> {
    let listener = TcpListener::bind(args.listen.as_str())
        .await
        .map_err(|source| StartError::Listen {
            addr: args.listen.clone(),
            source,
        })?;
    let address = listener.local_addr()?;
    for (dir, at) in [(&args.static_dir, "/"), (&args.widget_dir, "/widget/")] {
        if !dir.is_dir() {
            eprintln!(
                "retention-server: note: no folder {}; nothing is served at {at}",
                dir.display()
            );
        }
    }

    let (stop_sender, stop) = watch::channel(false);
    tokio::spawn(async move {
        signalled().await;
        let _ = stop_sender.send(true);
    });
    let every = Duration::from_millis(args.wake_interval_ms);
    let scheduler = tokio::spawn(scheduler::run(Arc::clone(&handler), every, stop.clone()));
    let webhooks = tokio::spawn(webhooks::run(Arc::clone(&handler), stop.clone()));

    let body_timeout = Duration::from_millis(args.body_timeout_ms);
    let app = http::app(handler, &args.static_dir, &args.widget_dir, body_timeout);
    let limits = listener::Limits {
        header_timeout: Duration::from_millis(args.header_timeout_ms),
        max_connections: args.max_connections as usize,
        grace: GRACE,
    };
    println!("listening on http://{address}");
    // Scripts read the line above through a pipe: make it arrive now.
    std::io::stdout().flush()?;
    listener::serve(listener, app, limits, stop).await;
    if scheduler.await.is_err() {
        eprintln!("retention-server: the scheduler stopped abnormally");
    }
    if webhooks.await.is_err() {
        eprintln!("retention-server: webhook delivery stopped abnormally");
    }
    eprintln!("retention-server: stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. A signal that cannot be listened for is
/// ignored rather than taken as a stop.
async fn signalled() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
