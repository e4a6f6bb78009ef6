//! Lots: batches of points earned together, each with its own dates.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// Where a lot's points came from.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LotSource {
    /// Earned by a paid order.
    Order {
        /// The merchant's order id.
        order_id: String,
    },
    /// Given by the merchant (also imports from another platform).
    Adjustment {
        /// The merchant's reason.
        reason: String,
    },
}

/// A batch of points earned together.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Lot {
    /// Identifier within the customer's ledger.
    pub id: u64,
    /// Points credited.
    pub points: i64,
    /// Points not yet spent, expired or reversed.
    pub remaining: i64,
    /// When the points were earned.
    pub earned_at: Instant,
    /// From when they can be spent (before it the lot is pending).
    pub available_at: Instant,
    /// Expiry fixed when the lot was earned (after-earn policy or an
    /// explicit import date); the inactivity policy may bring it forward.
    pub fixed_expiry: Option<Instant>,
    /// Where the points came from.
    pub source: LotSource,
    /// When the lot was recorded (an import's `earned_at` may lie far in
    /// the past): reminders whose instant had passed by then are late.
    #[serde(default)]
    pub recorded_at: Option<Instant>,
}

impl Lot {
    /// The instant this lot expires, given the inactivity deadline that
    /// currently applies to every lot (whichever comes first).
    pub fn expires_at(&self, inactivity_deadline: Option<Instant>) -> Option<Instant> {
        match (self.fixed_expiry, inactivity_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the lot is still pending at `now`.
    pub fn is_pending(&self, now: Instant) -> bool {
        now < self.available_at
    }

    /// The order this lot was earned by, if any.
    pub fn order_id(&self) -> Option<&str> {
        match &self.source {
            LotSource::Order { order_id } => Some(order_id),
            LotSource::Adjustment { .. } => None,
        }
    }
}

/// Ordering key for spending: soonest-expiring first, ties oldest first,
/// lots that never expire last.
pub fn spending_key(
    lot: &Lot,
    inactivity_deadline: Option<Instant>,
) -> (bool, Instant, Instant, u64) {
    let expiry = lot.expires_at(inactivity_deadline);
    (
        expiry.is_none(),
        expiry.unwrap_or(Instant::from_unix(i64::MAX)),
        lot.earned_at,
        lot.id,
    )
}
