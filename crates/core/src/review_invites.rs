//! Review follow-ups (SPEC 2.7): a delighted review of a product sold by
//! subscription, from a customer who does not subscribe to it, is
//! answered three days later with an invitation to subscribe, once ever
//! per customer and product.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contact::BAD_REVIEW_MAX_RATING;
use crate::program::Program;
use crate::reminders::{PlannedReminder, ReminderKind};
use crate::subscription::{SubscriptionRecord, SubscriptionStatus};
use crate::time::Instant;

/// Days from the review to the invitation.
pub const INVITE_DELAY_DAYS: i64 = 3;
/// The rating that earns an invitation.
pub const INVITE_RATING: u8 = 5;
/// What an invitation's instant becomes once it was sent, cancelled or
/// dropped: it is never planned again.
pub const HANDLED: Instant = Instant::from_unix(0);

/// Every product a customer was ever invited to subscribe to, with the
/// instant its invitation falls due while it waits, else [`HANDLED`]. One
/// map of the kind the reminder log keeps, so the stored state needs no
/// reader of its own.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewInvites(BTreeMap<String, Instant>);

/// The key of the invitation for `product_id`: one per product, ever.
pub fn invite_key(product_id: &str) -> String {
    format!("subscribe_invite:{product_id}")
}

/// Whether the customer has an active or paused subscription to `product_id`.
fn subscribes(subscriptions: &[SubscriptionRecord], product_id: &str) -> bool {
    subscriptions.iter().any(|r| {
        let s = &r.subscription;
        s.product_id == product_id
            && matches!(
                s.status,
                SubscriptionStatus::Active | SubscriptionStatus::Paused
            )
    })
}

impl ReviewInvites {
    /// Whether no product was ever invited.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an invitation for `product_id` was ever planned.
    pub fn was_invited(&self, product_id: &str) -> bool {
        self.0.contains_key(product_id)
    }

    /// The instant the invitation for `product_id` falls due, while it waits.
    pub fn waiting(&self, product_id: &str) -> Option<Instant> {
        self.0.get(product_id).copied().filter(|at| *at != HANDLED)
    }

    /// Answers a `review_submitted` at `now`: a 5-star review of a product
    /// in `subscriptions.swap_options` by a customer not subscribing to it
    /// plans the invitation 3 days later (the first time only); a review
    /// of 2 stars or less cancels one still waiting.
    pub fn on_review(
        &mut self,
        program: &Program,
        subscriptions: &[SubscriptionRecord],
        product_id: &str,
        rating: u8,
        now: Instant,
    ) {
        if rating <= BAD_REVIEW_MAX_RATING {
            self.handled(product_id);
        } else if rating == INVITE_RATING
            && program.subscriptions.swap_options.contains_key(product_id)
            && !subscribes(subscriptions, product_id)
            && !self.was_invited(product_id)
        {
            self.0
                .insert(product_id.to_owned(), now.plus_days(INVITE_DELAY_DAYS));
        }
    }

    /// Marks the invitation for `product_id` as never to be sent again.
    pub fn handled(&mut self, product_id: &str) {
        if let Some(at) = self.0.get_mut(product_id) {
            *at = HANDLED;
        }
    }

    /// Drops the waiting invitations for products the customer now
    /// subscribes to (active or paused): they subscribed first. Call after
    /// every change of subscriptions.
    pub fn drop_subscribed(&mut self, subscriptions: &[SubscriptionRecord]) {
        for (product, at) in &mut self.0 {
            if subscribes(subscriptions, product) {
                *at = HANDLED;
            }
        }
    }

    /// The waiting invitations due by `to`; mark each [`Self::handled`]
    /// once decided.
    pub fn due(&self, to: Instant) -> Vec<PlannedReminder> {
        self.0
            .iter()
            .filter(|(_, at)| **at != HANDLED && **at <= to)
            .map(|(product, at)| {
                let mut data = Map::new();
                data.insert("product_id".to_owned(), Value::from(product.as_str()));
                data.insert("rating".to_owned(), Value::from(INVITE_RATING));
                PlannedReminder {
                    key: invite_key(product),
                    kind: ReminderKind::SubscribeInvite,
                    at: *at,
                    data: Value::Object(data),
                }
            })
            .collect()
    }

    /// The first waiting invitation after `after`: when to wake for it.
    pub fn next_due(&self, after: Instant) -> Option<Instant> {
        self.0
            .values()
            .copied()
            .filter(|at| *at != HANDLED && *at > after)
            .min()
    }
}
