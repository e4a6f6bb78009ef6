//! The reminder scheduler: wakes customers whose planned wake time came.

use std::sync::Arc;
use std::time::Duration;

use retention_api::{Clock, StoreError};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::NativeHandler;

/// How many customers one tick wakes at most; the rest wait a tick, so a
/// backlog never delays shutdown for long.
pub const BATCH: usize = 100;

/// Every `every`, wakes the due customers, until `stop` turns true (or its
/// sender is gone). A customer being woken when `stop` turns is finished.
pub async fn run(handler: Arc<NativeHandler>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    // After a slow tick, wait a whole interval again rather than burst.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|&stopped| stopped) => return,
        }
        if let Err(error) = wake_due(&handler, &stop).await {
            eprintln!("retention-server: scheduler: {error}");
        }
    }
}

/// Wakes up to [`BATCH`] customers due now; returns how many were woken.
/// A failed wake is logged and the others still run.
pub async fn wake_due(
    handler: &NativeHandler,
    stop: &watch::Receiver<bool>,
) -> Result<usize, StoreError> {
    let keys = handler
        .store()
        .due_wakes(handler.clock().now(), BATCH)
        .await?;
    let mut woken = 0;
    for key in keys {
        if *stop.borrow() {
            break;
        }
        // The customer id stays out of the log; the merchant is enough to
        // start looking.
        match handler.wake(&key).await {
            Ok(()) => woken += 1,
            Err(error) => eprintln!(
                "retention-server: scheduler: waking a customer of merchant {:?}: {error}",
                key.merchant
            ),
        }
    }
    Ok(woken)
}
