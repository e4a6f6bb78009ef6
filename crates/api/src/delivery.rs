//! Webhook delivery (SPEC 3.6): which events are due, one signed attempt,
//! and what its answer means for the next one. Platforms bring the HTTP
//! client and decide when to look again; the rules are all here.

use retention_core::Instant;

use crate::events::RETENTION_DAYS;
use crate::ports::{Delivery, DeliveryState, StoredEvent};
use crate::webhook::{self, Attempt, WebhookSecret};
use crate::{Clock, Entropy, Handler, Store, StoreError};

/// A failed attempt faster than this is tried once more at once.
const QUICK_FAILURE_SECONDS: i64 = 2;

/// The platform's HTTP client.
#[allow(async_fn_in_trait)]
pub trait Sender {
    /// POSTs `body` with `headers` to `url` and gives the answer's status;
    /// `None` when no answer came within [`webhook::ATTEMPT_TIMEOUT_SECONDS`]
    /// or no connection could be made.
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &[u8])
    -> Option<u16>;
}

/// An event whose delivery attempt is due.
#[derive(Clone, Debug, PartialEq)]
pub struct Due {
    /// Its merchant.
    pub merchant: String,
    /// The event.
    pub event: StoredEvent,
}

impl Due {
    /// The merchant and customer: events of one customer go one at a time.
    pub fn lane(&self) -> (String, String) {
        (self.merchant.clone(), self.event.event.customer.clone())
    }
}

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// Events due for an attempt now, across the merchants with a webhook:
    /// per customer only the earliest pending one, at most `limit` per
    /// merchant. Drops events past the feed's retention on the way.
    pub async fn due_deliveries(&self, limit: usize) -> Result<Vec<Due>, StoreError> {
        let mut due = Vec::new();
        for merchant in &self.merchants {
            due.extend(self.due_deliveries_of(&merchant.id, limit).await?);
        }
        Ok(due)
    }

    /// [`Self::due_deliveries`] of one merchant (for platforms that keep
    /// each merchant's log in its own place).
    pub async fn due_deliveries_of(
        &self,
        merchant: &str,
        limit: usize,
    ) -> Result<Vec<Due>, StoreError> {
        if !self.has_webhook(merchant) {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        Ok(self
            .store
            .due_deliveries(merchant, now, limit)
            .await?
            .into_iter()
            .map(|event| Due {
                merchant: merchant.to_owned(),
                event,
            })
            .collect())
    }

    /// One round for `merchant`: events past the feed's retention dropped,
    /// every due event attempted at once (one per customer), then when the
    /// next round is due: the next attempt, or the day the oldest event
    /// kept passes the retention, whichever is sooner. Edge platforms run
    /// this from their timer and set the next by its answer.
    pub async fn deliver_due_of(
        &self,
        merchant: &str,
        limit: usize,
        sender: &impl Sender,
    ) -> Result<Option<Instant>, StoreError> {
        self.prune(merchant).await?;
        let due = self.due_deliveries_of(merchant, limit).await?;
        let attempts = due.iter().map(|d| self.deliver(d, sender));
        for result in futures_util::future::join_all(attempts).await {
            result?;
        }
        let oldest = self.store.events(merchant, 0, 1, None).await?;
        let expiry = oldest
            .items
            .first()
            .map(|e| e.event.created_at.plus_days(RETENTION_DAYS).plus_seconds(1));
        let next = self.next_delivery_at(merchant).await?;
        Ok(next.into_iter().chain(expiry).min())
    }

    /// Drops the events past the feed's retention, for every merchant
    /// (platforms whose timers do not run per merchant call this now and
    /// then).
    pub async fn prune_all(&self) -> Result<(), StoreError> {
        for merchant in &self.merchants {
            self.prune(&merchant.id).await?;
        }
        Ok(())
    }

    /// When the next delivery attempt of `merchant` is due, if any is
    /// pending (edge platforms set their alarm by it).
    pub async fn next_delivery_at(&self, merchant: &str) -> Result<Option<Instant>, StoreError> {
        let far = self.clock.now().plus_days(3_650);
        Ok(self
            .store
            .due_deliveries(merchant, far, 1_000)
            .await?
            .iter()
            .filter_map(|e| e.event.delivery.next_attempt_at)
            .min())
    }

    /// Makes one attempt to deliver `due` and stores what came of it.
    pub async fn deliver(&self, due: &Due, sender: &impl Sender) -> Result<Delivery, StoreError> {
        let event = &due.event.event;
        let merchant = self.merchants.iter().find(|m| m.id == due.merchant);
        let target =
            merchant.and_then(|m| Some((m.webhook_url.as_ref()?, m.webhook_secret.as_ref()?)));
        let status = match target {
            Some((url, secret)) => {
                let secret = WebhookSecret::parse(secret)
                    .map_err(|e| StoreError(format!("webhook secret of {}: {e}", due.merchant)))?;
                let timestamp = self.clock.now().unix();
                let body = event.body.as_bytes();
                let headers = [
                    ("content-type", "application/json".to_owned()),
                    ("webhook-id", event.id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", secret.sign(&event.id, timestamp, body)),
                ];
                let started = self.clock.now();
                let first = sender.post(url, &headers, body).await;
                // No answer at once is the connection, not the receiver
                // (a kept-alive socket it had closed): once more, at once.
                // A receiver that is down gets its retries on schedule.
                let quick = self.clock.now().unix() - started.unix() < QUICK_FAILURE_SECONDS;
                match first {
                    None if quick => sender.post(url, &headers, body).await,
                    answered => answered,
                }
            }
            None => None,
        };
        let next = self.after_attempt(event.delivery, status);
        self.store
            .set_delivery(&due.merchant, &event.id, next)
            .await?;
        Ok(next)
    }

    /// The delivery after an attempt answered with `status`.
    fn after_attempt(&self, before: Delivery, status: Option<u16>) -> Delivery {
        let now = self.clock.now();
        let mut next = Delivery {
            attempts: before.attempts + 1,
            last_status: status,
            ..before
        };
        match Attempt::from_status(status) {
            Attempt::Delivered => {
                next.state = DeliveryState::Delivered;
                next.next_attempt_at = None;
            }
            Attempt::Gone => {
                next.state = DeliveryState::Failed;
                next.next_attempt_at = None;
            }
            Attempt::Failed => {
                next.failures = before.failures + 1;
                let mut jitter = [0u8; 4];
                self.entropy.fill(&mut jitter);
                let delay =
                    webhook::retry_delay_ms(next.failures as usize, u32::from_le_bytes(jitter));
                match delay {
                    Some(ms) => {
                        next.state = DeliveryState::Pending;
                        next.next_attempt_at = Some(now.plus_seconds((ms + 999) / 1_000));
                    }
                    None => {
                        next.state = DeliveryState::Failed;
                        next.next_attempt_at = None;
                    }
                }
            }
        }
        next
    }
}
