//! Bodies of the HTTP API (SPEC section 3), shared by the handler that
//! writes them and the widget that reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ledger::EntryKind;
use crate::preferences::{ConsentRecord, Preferences};
use crate::program::{CancelReason, Interval, RewardKind, SwapVariant};
use crate::subscription::Subscription;
use crate::time::{Date, Instant};

/// `GET /v1/me`: everything the widget shows.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct CustomerView {
    /// The customer, as named by the verified token.
    pub customer_id: String,
    /// Points, tier and expiries.
    pub loyalty: LoyaltyView,
    /// The rewards catalogue with what the customer can afford.
    pub rewards: Vec<RewardView>,
    /// Redemptions, newest first (`GET /v1/me`: of the last 365 days, at
    /// most 50; the admin view: all kept), so a code can be found again.
    pub redemptions: Vec<RedemptionView>,
    /// The customer's subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// What a shopper may change on a subscription.
    pub subscription_options: SubscriptionOptions,
    /// Contact preferences (the program's defaults until first saved).
    pub preferences: Preferences,
}

/// The loyalty part of [`CustomerView`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LoyaltyView {
    /// Spendable points.
    pub balance: i64,
    /// Points earned but not yet spendable.
    pub pending: i64,
    /// Earned and positively adjusted points minus reversals, ever.
    pub lifetime_earned: i64,
    /// The tier held now.
    pub tier: TierRef,
    /// The tier metric now (SPEC 2.3), so progress can be drawn.
    pub qualifying_points: i64,
    /// The next tier up, if any.
    pub next_tier: Option<NextTier>,
    /// Last date the tier is held without new activity.
    #[serde(with = "crate::time::iso_date_opt")]
    pub tier_held_until: Option<Date>,
    /// Every upcoming expiry of available points, soonest first.
    pub expiring: Vec<ExpiringPoints>,
    /// Pending points by the instant they become spendable.
    pub pending_lots: Vec<PendingPoints>,
    /// The next birthday reward, when the program has one and the
    /// birthday is set.
    pub birthday_reward: Option<BirthdayRewardView>,
}

/// The next birthday reward a customer will get (SPEC 2.7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BirthdayRewardView {
    /// Points it gives (as the program says now).
    pub points: i64,
    /// The date it comes on (Feb 28 for a Feb 29 birthday outside leap
    /// years).
    #[serde(with = "crate::time::iso_date")]
    pub on: Date,
}

/// A tier, by id and name.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TierRef {
    /// Stable id.
    pub id: String,
    /// Name shown to shoppers.
    pub name: String,
}

/// The next tier and how far it is.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NextTier {
    /// Stable id.
    pub id: String,
    /// Name shown to shoppers.
    pub name: String,
    /// Qualifying points the tier needs.
    pub threshold: i64,
    /// Qualifying points still needed.
    pub points_needed: i64,
}

/// Points expiring at one instant.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ExpiringPoints {
    /// How many.
    pub points: i64,
    /// When they expire.
    pub expires_at: Instant,
}

/// Pending points becoming spendable at one instant.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PendingPoints {
    /// How many.
    pub points: i64,
    /// When they can be spent.
    pub available_at: Instant,
}

/// A reward as shown to one customer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RewardView {
    /// Stable id.
    pub id: String,
    /// Name shown to shoppers.
    pub name: String,
    /// Points it costs.
    pub cost: i64,
    /// What the coupon gives.
    pub kind: RewardKind,
    /// Amount of the discount.
    pub value: i64,
    /// Whether the balance covers the cost now.
    pub affordable: bool,
}

/// What a shopper may change on a subscription (program settings).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SubscriptionOptions {
    /// Intervals a shopper may choose.
    pub allowed_intervals: Vec<Interval>,
    /// Swap variants for the products this customer subscribes to.
    pub swap_options: BTreeMap<String, Vec<SwapVariant>>,
    /// One-time add-ons for the products this customer subscribes to.
    pub addons: BTreeMap<String, Vec<SwapVariant>>,
    /// Largest quantity.
    pub max_quantity: u32,
    /// Longest pause in days.
    pub max_pause_days: u32,
    /// How far ahead a delivery may be moved, in days.
    pub reschedule_window_days: u32,
    /// Hours before a charge from which changes are locked.
    pub cutoff_hours: u32,
    /// Reasons offered when cancelling, with their save offers.
    pub cancel_reasons: Vec<CancelReason>,
}

/// `GET /v1/me/activity`: one page of history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ActivityPage {
    /// Entries, newest first.
    pub items: Vec<ActivityItem>,
    /// Cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// One line of history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ActivityItem {
    /// Stable id of the entry.
    pub id: String,
    /// What happened.
    pub kind: EntryKind,
    /// Signed points.
    pub points: i64,
    /// When.
    pub at: Instant,
    /// A human description.
    pub description: String,
    /// Points a refund could not take back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<i64>,
}

/// `POST /v1/me/redemptions` body.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionRequest {
    /// The reward to redeem.
    pub reward_id: String,
}

/// `POST /v1/me/redemptions` answer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RedemptionResponse {
    /// Identifier of the redemption.
    pub redemption_id: String,
    /// The coupon code.
    pub code: String,
    /// Points spent.
    pub points_spent: i64,
    /// Balance after.
    pub balance: i64,
}

/// A redemption as the shopper and the admin customer view list it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RedemptionView {
    /// Identifier of the redemption.
    pub redemption_id: String,
    /// The reward redeemed.
    pub reward_id: String,
    /// The reward's name when redeemed.
    pub name: String,
    /// The coupon code.
    pub code: String,
    /// Points spent.
    pub points_spent: i64,
    /// When.
    pub at: Instant,
    /// When the checkout used the code, if it has.
    pub used_at: Option<Instant>,
}

/// `GET /v1/admin/redemptions/{code}`: a code as the checkout looks it up.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CodeView {
    /// Whose code it is.
    pub customer_id: String,
    /// Identifier of the redemption.
    pub redemption_id: String,
    /// The reward redeemed.
    pub reward_id: String,
    /// What the coupon gives (as the reward was when redeemed).
    pub kind: Option<RewardKind>,
    /// Amount of the discount.
    pub value: i64,
    /// The coupon code.
    pub code: String,
    /// Points spent.
    pub points_spent: i64,
    /// When it was redeemed.
    pub at: Instant,
    /// When the checkout used it, if it has.
    pub used_at: Option<Instant>,
}

/// `POST /v1/admin/redemptions/{code}/use` body.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCodeRequest {
    /// The order the code pays toward.
    pub order_id: String,
}

/// `POST /v1/admin/customers/{id}/events` answer.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct EventResponse {
    /// The customer after the event, as `GET /v1/me` shows it.
    pub customer: CustomerView,
}

/// `GET /v1/admin/customers/{id}`: the shopper's view plus the records a
/// merchant keeps.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct AdminCustomerView {
    /// What the shopper sees.
    #[serde(flatten)]
    pub customer: CustomerView,
    /// Every consent change, oldest first.
    pub consents: Vec<ConsentRecord>,
    /// Every ledger entry, oldest first.
    pub ledger: Vec<ActivityItem>,
}

/// `GET /healthz` answer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// An `application/problem+json` error body (RFC 9457).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// This occurrence, as a sentence.
    pub detail: String,
    /// The stable snake_case code.
    pub code: String,
    /// Per-field errors of a 422.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For `subscription_locked`: when changes are possible again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlocks_at: Option<Option<Instant>>,
}

impl Problem {
    /// A problem with the given status, code and detail sentence.
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("urn:retention:problem:{code}"),
            title: title_of(code),
            status,
            detail: detail.into(),
            code: code.to_owned(),
            errors: None,
            unlocks_at: None,
        }
    }

    /// The problem that reports a refused domain operation.
    pub fn from_domain(error: &crate::DomainError) -> Self {
        use crate::DomainError;
        let mut problem = Problem::new(error.status(), error.code(), error.to_string());
        match error {
            DomainError::Validation(errors) => problem.errors = Some(errors.clone()),
            DomainError::SubscriptionLocked { unlocks_at } => {
                problem.unlocks_at = Some(*unlocks_at)
            }
            _ => {}
        }
        problem
    }
}

/// A title for a code: the code in words, capitalised.
fn title_of(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        // Codes are ASCII snake_case; ASCII case keeps Unicode's case
        // tables (about 20 KiB) out of the edge module.
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}
