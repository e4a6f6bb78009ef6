//! The reminder scheduler: wakes customers whose planned wake time came.
//! A customer whose wake fails is tried again later and later
//! ([`retention_api::backoff`]) and passed over meanwhile, so a few broken
//! customers can never hold back everyone behind them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use retention_api::{Clock, CustomerKey, StoreError, backoff};
use retention_core::Instant;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::NativeHandler;

/// How many customers one tick wakes at most; the rest wait a tick, so a
/// backlog never delays shutdown for long.
pub const BATCH: usize = 100;
/// How many due customers one tick looks at to find [`BATCH`] to wake.
const SCAN: usize = 2_000;
/// Failing customers remembered at most (past it, all are tried again).
const REMEMBERED: usize = 10_000;

/// Customers whose wake failed: when to try each again, and how many
/// failures in a row they have had.
#[derive(Debug, Default)]
pub struct Backoff {
    failing: HashMap<CustomerKey, (Instant, u32)>,
}

impl Backoff {
    /// Whether `key` may be tried at `now`.
    fn ready(&self, key: &CustomerKey, now: Instant) -> bool {
        self.failing.get(key).is_none_or(|(at, _)| *at <= now)
    }

    /// `key`'s wake failed at `now`: it waits, longer each time.
    fn failed(&mut self, key: &CustomerKey, now: Instant) -> i64 {
        if self.failing.len() >= REMEMBERED {
            self.failing.clear();
        }
        let failures = self.failing.get(key).map_or(0, |(_, n)| *n) + 1;
        let wait = backoff::wait_seconds(failures);
        self.failing
            .insert(key.clone(), (now.plus_seconds(wait), failures));
        wait
    }

    /// `key` was woken: it is not failing any more.
    fn woke(&mut self, key: &CustomerKey) {
        self.failing.remove(key);
    }
}

/// Every `every`, wakes the due customers, until `stop` turns true (or its
/// sender is gone). A customer being woken when `stop` turns is finished.
pub async fn run(handler: Arc<NativeHandler>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    // After a slow tick, wait a whole interval again rather than burst.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut backoff = Backoff::default();
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|&stopped| stopped) => return,
        }
        if let Err(error) = wake_due(&handler, &stop, &mut backoff).await {
            eprintln!("retention-server: scheduler: {error}");
        }
    }
}

/// Wakes up to [`BATCH`] customers due now and not waiting after a failed
/// wake; returns how many were woken. A failed wake is logged and the
/// others still run.
pub async fn wake_due(
    handler: &NativeHandler,
    stop: &watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<usize, StoreError> {
    let now = handler.clock().now();
    let keys: Vec<CustomerKey> = handler
        .store()
        .due_wakes(now, SCAN)
        .await?
        .into_iter()
        .filter(|k| backoff.ready(k, now))
        .take(BATCH)
        .collect();
    let mut woken = 0;
    for key in keys {
        if *stop.borrow() {
            break;
        }
        match handler.wake(&key).await {
            Ok(()) => {
                backoff.woke(&key);
                woken += 1;
            }
            Err(error) => {
                let wait = backoff.failed(&key, now);
                // The customer id stays out of the log; the merchant is
                // enough to start looking.
                eprintln!(
                    "retention-server: scheduler: waking a customer of merchant {:?} failed (next try in {wait} s): {error}",
                    key.merchant
                );
            }
        }
    }
    Ok(woken)
}
