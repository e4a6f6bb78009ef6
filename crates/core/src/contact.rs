//! What the message policy remembers about a customer (SPEC 2.6): recent
//! marketing sends for the weekly cap and recent bad reviews.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// How far back marketing sends count toward the weekly cap.
pub const CAP_WINDOW_DAYS: i64 = 7;
/// How long a bad review keeps promotions of its product away.
pub const BAD_REVIEW_DAYS: i64 = 30;
/// The highest rating that counts as a bad review.
pub const BAD_REVIEW_MAX_RATING: u8 = 2;
/// The highest weekly cap preferences allow (SPEC 2.6); more sends than
/// this never change an answer.
pub const MAX_WEEKLY_CAP: usize = 21;

/// A review the customer gave a product.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The product reviewed.
    pub product_id: String,
    /// Stars, 1..=5.
    pub rating: u8,
    /// When the review was submitted.
    pub at: Instant,
}

/// The customer's contact history, kept in their stored state. Only what
/// can still change a decision is kept, so it stays small.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactHistory {
    /// Instants of marketing `send` decisions, oldest first.
    #[serde(default)]
    pub marketing_sends: Vec<Instant>,
    /// Bad reviews, at most one per product (the latest).
    #[serde(default)]
    pub reviews: Vec<Review>,
}

/// Whether `at` lies in the `days` before `now`: `(now - days, now]`.
fn within_days(at: Instant, now: Instant, days: i64) -> bool {
    now.plus_days(-days) < at && at <= now
}

impl ContactHistory {
    /// Records a marketing message sent at `at`. Call it only for
    /// marketing `send` decisions (see `decision::decide`); reminders and
    /// transactional messages never count toward the cap.
    pub fn record_marketing_send(&mut self, at: Instant) {
        let position = self.marketing_sends.partition_point(|sent| *sent <= at);
        self.marketing_sends.insert(position, at);
        // Only the latest sends can reach the cap; older ones are dropped
        // so the list never grows past the highest cap.
        let excess = self.marketing_sends.len().saturating_sub(MAX_WEEKLY_CAP);
        self.marketing_sends.drain(..excess);
    }

    /// Records a review. Only bad reviews can suppress a message, and of
    /// those only the latest per product, so nothing else is stored.
    pub fn record_review(&mut self, review: Review) {
        if review.rating > BAD_REVIEW_MAX_RATING {
            return;
        }
        match self
            .reviews
            .iter_mut()
            .find(|r| r.product_id == review.product_id)
        {
            Some(kept) if kept.at >= review.at => {}
            Some(kept) => *kept = review,
            None => self.reviews.push(review),
        }
    }

    /// Drops what can no longer matter at `now` or later: sends older than
    /// the cap window and bad reviews older than 30 days.
    pub fn prune(&mut self, now: Instant) {
        let sends_from = now.plus_days(-CAP_WINDOW_DAYS);
        let reviews_from = now.plus_days(-BAD_REVIEW_DAYS);
        self.marketing_sends.retain(|sent| *sent > sends_from);
        self.reviews
            .retain(|r| r.at > reviews_from && r.rating <= BAD_REVIEW_MAX_RATING);
    }

    /// Marketing sends in the 7 days up to and including `now`.
    pub fn sends_in_last_week(&self, now: Instant) -> usize {
        self.marketing_sends
            .iter()
            .filter(|sent| within_days(**sent, now, CAP_WINDOW_DAYS))
            .count()
    }

    /// Whether one of `product_ids` got a bad review in the 30 days up to
    /// and including `now`.
    pub fn recent_bad_review(&self, product_ids: &[String], now: Instant) -> bool {
        self.reviews.iter().any(|r| {
            r.rating <= BAD_REVIEW_MAX_RATING
                && within_days(r.at, now, BAD_REVIEW_DAYS)
                && product_ids.contains(&r.product_id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(product: &str, rating: u8, at: Instant) -> Review {
        Review {
            product_id: product.to_owned(),
            rating,
            at,
        }
    }

    #[test]
    fn sends_are_kept_sorted_and_bounded() {
        let mut history = ContactHistory::default();
        let start = Instant::from_unix(1_800_000_000);
        for i in (0..30).rev() {
            history.record_marketing_send(start.plus_hours(i));
        }
        assert_eq!(history.marketing_sends.len(), MAX_WEEKLY_CAP);
        assert!(history.marketing_sends.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(history.marketing_sends.last(), Some(&start.plus_hours(29)));
    }

    #[test]
    fn only_the_latest_bad_review_per_product_is_kept() {
        let mut history = ContactHistory::default();
        let at = Instant::from_unix(1_800_000_000);
        history.record_review(review("tea", 2, at));
        history.record_review(review("tea", 1, at.plus_days(-3)));
        history.record_review(review("tea", 5, at.plus_days(1)));
        history.record_review(review("coffee", 3, at));
        assert_eq!(history.reviews, vec![review("tea", 2, at)]);
    }

    #[test]
    fn pruning_keeps_what_still_matters() {
        let now = Instant::from_unix(1_800_000_000);
        let mut history = ContactHistory {
            marketing_sends: vec![now.plus_days(-7), now.plus_days(-7).plus_seconds(1)],
            reviews: vec![
                review("a", 1, now.plus_days(-30)),
                review("b", 2, now.plus_days(-29)),
                review("c", 4, now),
            ],
        };
        history.prune(now);
        assert_eq!(
            history.marketing_sends,
            vec![now.plus_days(-7).plus_seconds(1)]
        );
        assert_eq!(history.reviews, vec![review("b", 2, now.plus_days(-29))]);
    }
}
