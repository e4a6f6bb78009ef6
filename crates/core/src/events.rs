//! The merchant's events (SPEC 3.4) and the checks their fields must pass
//! before any rule runs.

use serde::{Deserialize, Serialize};

use crate::error::{Checks, DomainError};
use crate::ledger::{MAX_FUTURE_SECONDS, MAX_POINTS};
use crate::program::Program;
use crate::subscription::SubscriptionUpsert;
use crate::time::{Date, Instant};

/// Largest order amount, in minor units (SPEC 2.4).
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// One event from the merchant's backend about a customer.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MerchantEvent {
    /// An order was paid: earns points.
    OrderPaid {
        /// The merchant's order id.
        order_id: String,
        /// Amount paid in minor units, 1..=10^12.
        amount_minor: i64,
        /// ISO 4217 code; must be the program's.
        currency: String,
        /// When it was paid (default: now); at most 5 minutes ahead.
        #[serde(default)]
        paid_at: Option<Instant>,
    },
    /// Part or all of an order was refunded: reverses points.
    OrderRefunded {
        /// The merchant's order id.
        order_id: String,
        /// Amount refunded now, in minor units.
        amount_minor: i64,
    },
    /// The merchant gave or took points (also imports).
    PointsAdjusted {
        /// Signed points, not 0.
        points: i64,
        /// Why, shown in the shopper's history.
        reason: String,
        /// When the given points expire (default: the program's policy).
        #[serde(default)]
        expires_at: Option<Instant>,
        /// When it happened (default: now); at most 5 minutes ahead.
        #[serde(default)]
        at: Option<Instant>,
    },
    /// The customer reviewed a product.
    ReviewSubmitted {
        /// The product reviewed.
        product_id: String,
        /// Stars, 1..=5.
        rating: u8,
    },
    /// The billing system created or changed a subscription.
    SubscriptionUpserted {
        /// The subscription document.
        subscription: SubscriptionUpsert,
    },
    /// The billing system charged a subscription.
    SubscriptionCharged {
        /// The subscription charged.
        subscription_id: String,
        /// The date of the charge.
        #[serde(with = "crate::time::iso_date")]
        charged_on: Date,
    },
}

/// An id of the merchant's: 1–128 visible ASCII characters.
pub fn is_valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A customer id (the token's `sub`): 1–128 of `A-Za-z0-9._:@-`.
pub fn is_valid_customer_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:@-".contains(&b))
}

impl MerchantEvent {
    /// Checks the event's own fields (SPEC 2.4) against the program at
    /// `now`, before any rule runs.
    pub fn validate(&self, program: &Program, now: Instant) -> Result<(), DomainError> {
        let mut c = Checks::default();
        let latest = now.plus_seconds(MAX_FUTURE_SECONDS);
        match self {
            MerchantEvent::OrderPaid {
                order_id,
                amount_minor,
                currency,
                paid_at,
            } => {
                check_order(&mut c, order_id, *amount_minor);
                c.require(
                    *currency == program.currency,
                    "currency",
                    format!("The program's currency is {}.", program.currency),
                );
                c.require(
                    paid_at.is_none_or(|t| t <= latest),
                    "paid_at",
                    "The payment time cannot be more than 5 minutes in the future.",
                );
            }
            MerchantEvent::OrderRefunded {
                order_id,
                amount_minor,
            } => {
                check_order(&mut c, order_id, *amount_minor);
            }
            MerchantEvent::PointsAdjusted {
                points,
                reason,
                expires_at,
                at,
            } => {
                c.require(
                    *points != 0 && points.unsigned_abs() <= MAX_POINTS as u64,
                    "points",
                    "An adjustment gives or takes at least 1 point (at most 10^15).",
                );
                c.require(
                    !reason.trim().is_empty() && reason.chars().count() <= 500,
                    "reason",
                    "A reason is 1 to 500 characters.",
                );
                let at = at.unwrap_or(now);
                c.require(
                    at <= latest,
                    "at",
                    "The time cannot be more than 5 minutes in the future.",
                );
                if let Some(expires_at) = expires_at {
                    c.require(
                        *points > 0,
                        "expires_at",
                        "Only given points can have an expiry date.",
                    );
                    c.require(
                        *expires_at > at,
                        "expires_at",
                        "Points must expire after they are given.",
                    );
                }
            }
            MerchantEvent::ReviewSubmitted { product_id, rating } => {
                c.require(
                    is_valid_id(product_id),
                    "product_id",
                    "A product id is 1 to 128 visible ASCII characters.",
                );
                c.require(
                    (1..=5).contains(rating),
                    "rating",
                    "A rating is 1 to 5 stars.",
                );
            }
            MerchantEvent::SubscriptionUpserted { .. } => {}
            MerchantEvent::SubscriptionCharged {
                subscription_id, ..
            } => {
                c.require(
                    is_valid_id(subscription_id),
                    "subscription_id",
                    "A subscription id is 1 to 128 visible ASCII characters.",
                );
            }
        }
        c.finish()
    }
}

/// The order id and amount rules shared by payments and refunds.
fn check_order(c: &mut Checks, order_id: &str, amount_minor: i64) {
    c.require(
        is_valid_id(order_id),
        "order_id",
        "An order id is 1 to 128 visible ASCII characters.",
    );
    c.require(
        (1..=MAX_AMOUNT_MINOR).contains(&amount_minor),
        "amount_minor",
        "The amount must be between 1 and 10^12 minor units.",
    );
}
