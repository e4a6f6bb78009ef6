//! Webhook delivery of the native server: a task that looks for due
//! events, and one attempt per customer at a time, each on its own task,
//! so a slow receiver answer never holds up another customer's events.
//! The rules (what is due, signing, what an answer means, the retry
//! schedule) are the handler's; this is the wiring and the HTTP client.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use retention_api::Clock;
use retention_api::delivery::{Due, Sender};
use retention_api::webhook::ATTEMPT_TIMEOUT_SECONDS;
use tokio::sync::{Semaphore, watch};
use tokio::time::MissedTickBehavior;

use crate::NativeHandler;

/// How often the task looks for due events.
const EVERY: Duration = Duration::from_millis(250);
/// Events taken per merchant and look.
const BATCH: usize = 200;
/// Attempts in flight at once (each holds a blocking thread while it waits).
const IN_FLIGHT: usize = 32;
/// How often events past the feed's retention are dropped (clock seconds).
const PRUNE_EVERY_SECONDS: i64 = 60;

/// Runs delivery until `stop` turns true; attempts in flight finish.
pub async fn run(handler: Arc<NativeHandler>, mut stop: watch::Receiver<bool>) {
    let sender = Arc::new(HttpSender::new());
    let busy: Arc<Mutex<HashSet<(String, String)>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut pruned_at = None;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|&stopped| stopped) => break,
        }
        let now = handler.clock().now();
        if pruned_at
            .is_none_or(|at: retention_core::Instant| now.unix() - at.unix() >= PRUNE_EVERY_SECONDS)
        {
            match handler.prune_all().await {
                Ok(()) => pruned_at = Some(now),
                Err(error) => eprintln!("retention-server: events retention: {error}"),
            }
        }
        let due = match handler.due_deliveries(BATCH).await {
            Ok(due) => due,
            Err(error) => {
                eprintln!("retention-server: webhooks: {error}");
                continue;
            }
        };
        for due in due {
            let lane = due.lane();
            if !lock(&busy).insert(lane.clone()) {
                continue; // this customer's earlier attempt is still out
            }
            let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                break;
            };
            let (handler, sender, busy) =
                (Arc::clone(&handler), Arc::clone(&sender), Arc::clone(&busy));
            tokio::spawn(async move {
                attempt(&handler, &due, sender.as_ref()).await;
                lock(&busy).remove(&lane);
                drop(slot);
            });
        }
    }
    // Let the attempts in flight record their answers.
    let _ = slots.acquire_many(IN_FLIGHT as u32).await;
}

async fn attempt(handler: &NativeHandler, due: &Due, sender: &HttpSender) {
    if let Err(error) = handler.deliver(due, sender).await {
        eprintln!(
            "retention-server: webhooks: delivering an event of merchant {:?}: {error}",
            due.merchant
        );
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// ureq on tokio's blocking pool: redirects are not followed (a 3xx is
/// not a delivery) and the whole exchange is bounded by the attempt limit.
struct HttpSender {
    agent: ureq::Agent,
}

impl HttpSender {
    fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(ATTEMPT_TIMEOUT_SECONDS)))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("retention-webhooks/1")
            .build()
            .into();
        HttpSender { agent }
    }
}

impl Sender for HttpSender {
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &[u8],
    ) -> Option<u16> {
        let mut request = self.agent.post(url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let body = body.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut response = request.send(&body[..]).ok()?;
            // Read (and drop) a little of the answer so the connection
            // can be reused; what it says does not matter.
            let _ = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec();
            Some(response.status().as_u16())
        })
        .await
        .ok()
        .flatten()
    }
}
