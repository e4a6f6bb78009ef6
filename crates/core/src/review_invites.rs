//! Review follow-ups (SPEC 2.7): a delighted review of a product sold by
//! subscription, from a customer who does not subscribe to it, is
//! answered three days later with an invitation to subscribe, once ever
//! per customer and product.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::contact::BAD_REVIEW_MAX_RATING;
use crate::program::Program;
use crate::reminders::{ReminderKind, ReminderLog, ScheduledReminder};
use crate::subscription::{SubscriptionRecord, SubscriptionStatus};
use crate::time::Instant;

/// Days from the review to the invitation.
pub const INVITE_DELAY_DAYS: i64 = 3;
/// The rating that earns an invitation.
pub const INVITE_RATING: u8 = 5;

/// The products a customer was ever invited to subscribe to (planned,
/// whether later sent, cancelled or dropped), so none is planned twice.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewInvites {
    invited: BTreeSet<String>,
}

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
        self.invited.is_empty()
    }

    /// Whether an invitation for `product_id` was ever planned.
    pub fn was_invited(&self, product_id: &str) -> bool {
        self.invited.contains(product_id)
    }

    /// Answers a `review_submitted` at `now`: a 5-star review of a product
    /// in `subscriptions.swap_options` by a customer not subscribing to it
    /// plans the invitation 3 days later (the first time only); a review
    /// of 2 stars or less cancels one not yet due.
    pub fn on_review(
        &mut self,
        log: &mut ReminderLog,
        program: &Program,
        subscriptions: &[SubscriptionRecord],
        product_id: &str,
        rating: u8,
        now: Instant,
    ) {
        if rating <= BAD_REVIEW_MAX_RATING {
            log.cancel(&invite_key(product_id));
            return;
        }
        let sold_by_subscription = program.subscriptions.swap_options.contains_key(product_id);
        if rating != INVITE_RATING
            || !sold_by_subscription
            || subscribes(subscriptions, product_id)
            || !self.invited.insert(product_id.to_owned())
        {
            return;
        }
        log.schedule(ScheduledReminder {
            key: invite_key(product_id),
            kind: ReminderKind::SubscribeInvite,
            at: now.plus_days(INVITE_DELAY_DAYS),
            data: json!({"product_id": product_id, "rating": rating}),
        });
    }
}

/// Drops the invitations planned for products the customer now
/// subscribes to (active or paused): they subscribed first. Call after
/// every change of subscriptions.
pub fn drop_subscribed(log: &mut ReminderLog, subscriptions: &[SubscriptionRecord]) {
    log.scheduled.retain(|r| {
        r.kind != ReminderKind::SubscribeInvite
            || !r.data["product_id"]
                .as_str()
                .is_some_and(|product| subscribes(subscriptions, product))
    });
}
