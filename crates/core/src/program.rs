//! The merchant's program settings (SPEC 3.5): earning, expiry, tiers,
//! rewards, subscription rules and message defaults, with validation.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Checks, DomainError};
use crate::ledger::MAX_POINTS;
use crate::preferences::{Preferences, QuietHours};
use crate::serde_util::{merge_defaults, nullable};

/// How many points an amount earns.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarnRule {
    /// Points given per `per_amount_minor`.
    pub points: i64,
    /// Amount in minor units that earns `points`.
    pub per_amount_minor: i64,
}

/// When points expire (SPEC 2.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpiryPolicy {
    /// A lot expires this many days after it was earned.
    #[serde(deserialize_with = "nullable")]
    pub after_earn_days: Option<u32>,
    /// All lots expire this many days after the customer's last activity.
    #[serde(deserialize_with = "nullable")]
    pub inactivity_days: Option<u32>,
}

/// A VIP tier.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Stable id.
    pub id: String,
    /// Name shown to shoppers.
    pub name: String,
    /// Qualifying points needed to hold the tier.
    pub threshold: i64,
    /// Earn multiplier in percent (150 = 1.5×).
    pub multiplier_percent: u32,
}

/// What a reward gives.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// `value` minor units off.
    FixedDiscount,
    /// `value` percent off.
    PercentDiscount,
    /// Free shipping; `value` is 0.
    FreeShipping,
}

/// An entry of the rewards catalogue.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Stable id.
    pub id: String,
    /// Name shown to shoppers.
    pub name: String,
    /// Points spent to redeem it.
    pub cost: i64,
    /// What the coupon gives.
    pub kind: RewardKind,
    /// Amount of the discount (see `kind`).
    pub value: i64,
}

/// Unit of a subscription interval.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// Calendar days.
    Day,
    /// Weeks of seven days.
    Week,
    /// Calendar months, keeping the anchor day.
    Month,
}

/// How often a subscription is delivered.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// The unit.
    pub unit: IntervalUnit,
    /// How many units, at least 1.
    pub count: u32,
}

/// A variant of a product: one it may be swapped to or an add-on it
/// offers (as the program lists them), or a one-time item of a delivery
/// (with its quantity). One type for all three, so the edge module reads
/// and writes them with one piece of code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapVariant {
    /// The variant's id.
    pub variant_id: String,
    /// Title shown to shoppers.
    pub title: String,
    /// Price per delivery (per unit) in minor units.
    pub price_minor: i64,
    /// Units of a one-time item; the program's lists have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

/// What the merchant offers instead of a cancellation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SaveOffer {
    /// Skip the next delivery.
    Skip,
    /// Pause for a number of days.
    Pause {
        /// Length of the pause.
        days: u32,
    },
    /// A discount on future deliveries.
    Discount {
        /// Percent off, 1..=100.
        percent: u8,
    },
}

/// A reason a shopper may give for cancelling.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelReason {
    /// Stable id.
    pub id: String,
    /// Text shown to shoppers.
    pub label: String,
    /// The save offer for this reason, if any.
    #[serde(deserialize_with = "crate::serde_util::nullable_whole")]
    pub offer: Option<SaveOffer>,
}

/// Subscription rules of the program.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSettings {
    /// Intervals a shopper may choose.
    pub allowed_intervals: Vec<Interval>,
    /// Product id → variants it may be swapped to.
    pub swap_options: BTreeMap<String, Vec<SwapVariant>>,
    /// Product id → variants a shopper may add once to its next delivery
    /// (SPEC 2.7; same shape as a swap option).
    pub addons: BTreeMap<String, Vec<SwapVariant>>,
    /// Hours before a charge from which changes are locked.
    pub cutoff_hours: u32,
    /// Longest pause, in days.
    pub max_pause_days: u32,
    /// How far ahead the next delivery may be moved, in days.
    pub reschedule_window_days: u32,
    /// Largest quantity per delivery.
    pub max_quantity: u32,
    /// Reasons offered when cancelling.
    pub cancel_reasons: Vec<CancelReason>,
}

/// The points given on a customer's birthday (SPEC 2.7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthdayReward {
    /// Points credited, at least 1.
    pub points: i64,
    /// Days until the credited points expire, 1..=36 500.
    pub expires_in_days: u32,
}

/// The merchant's program (SPEC 3.5).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// ISO 4217 code orders must be paid in.
    pub currency: String,
    /// Earn rate.
    pub earn: EarnRule,
    /// Days before earned points can be spent.
    pub pending_days: u32,
    /// When points expire.
    pub expiry: ExpiryPolicy,
    /// Rolling window for tier qualification; `None` is lifetime.
    #[serde(deserialize_with = "nullable")]
    pub tier_window_days: Option<u32>,
    /// Tiers by increasing threshold, the first at 0.
    pub tiers: Vec<Tier>,
    /// Rewards catalogue.
    pub rewards: Vec<Reward>,
    /// Subscription rules.
    pub subscriptions: SubscriptionSettings,
    /// Days before a charge to remind the shopper.
    pub renewal_reminder_days: u32,
    /// Legal quiet window in the shopper's time zone; `None` for none.
    #[serde(deserialize_with = "nullable")]
    pub quiet_hours_floor: Option<QuietHours>,
    /// Days of history kept per customer.
    pub history_days: u32,
    /// Preferences of a customer who never saved any.
    pub default_preferences: Preferences,
    /// Points on the birthday; `None` for no birthday reward.
    #[serde(deserialize_with = "nullable")]
    pub birthday_reward: Option<BirthdayReward>,
}

/// The defaults of SPEC 3.5, verbatim.
const DEFAULT_PROGRAM: &str = r#"{"currency": "RUB",
 "earn": {"points": 1, "per_amount_minor": 100},
 "pending_days": 0,
 "expiry": {"after_earn_days": 365, "inactivity_days": null},
 "tier_window_days": 365,
 "tiers": [{"id": "base", "name": "Member", "threshold": 0, "multiplier_percent": 100}],
 "rewards": [],
 "subscriptions": {"allowed_intervals": [{"unit": "week", "count": 2}, {"unit": "month", "count": 1}],
                   "swap_options": {}, "addons": {},
                   "cutoff_hours": 24, "max_pause_days": 90,
                   "reschedule_window_days": 60, "max_quantity": 10,
                   "cancel_reasons": []},
 "renewal_reminder_days": 3,
 "quiet_hours_floor": {"start": "21:00", "end": "08:00"},
 "history_days": 730,
 "birthday_reward": null}"#;

/// Longest span of days any setting may hold (100 years).
const MAX_DAYS: u32 = 36_500;

fn default_json() -> &'static Value {
    static DEFAULTS: OnceLock<Value> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let mut value: Value = serde_json::from_str(DEFAULT_PROGRAM).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            let prefs = serde_json::to_value(Preferences::default()).unwrap_or(Value::Null);
            map.insert("default_preferences".to_owned(), prefs);
        }
        value
    })
}

impl Default for Program {
    fn default() -> Self {
        // The literal above is checked by a unit test; it always parses.
        // Read from text, as every program is (see `from_json`).
        serde_json::from_str(&default_json().to_string())
            .unwrap_or_else(|e| unreachable!("the default program is valid: {e}"))
    }
}

impl Program {
    /// Reads a program document: a field left out, at any depth, takes
    /// its default. Serde errors name unknown fields and bad types.
    pub fn from_json(given: &Value) -> Result<Program, serde_json::Error> {
        // From text rather than from the value: the API reads request
        // bodies from text too, and one reader means one compiled parser
        // per document type in the edge module.
        serde_json::from_str(&merge_defaults(default_json(), given).to_string())
    }

    /// Checks every rule of SPEC 2 on the program and names each field
    /// that breaks one; a `quantity` in its variants is refused first, as
    /// an unknown field.
    pub fn validate(&self) -> Result<(), DomainError> {
        // The variants share their reader with one-time items, which have
        // a quantity; the program's have none, so one there is a field the
        // document does not take: 400 before any rule (SPEC 3.1).
        let s = &self.subscriptions;
        for (name, map) in [("swap_options", &s.swap_options), ("addons", &s.addons)] {
            for (product, variants) in map {
                if let Some(i) = variants.iter().position(|v| v.quantity.is_some()) {
                    return Err(DomainError::UnknownField(format!(
                        "subscriptions.{name}.{product}[{i}].quantity"
                    )));
                }
            }
        }
        let mut c = Checks::default();
        c.require(
            self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase()),
            "currency",
            "The currency must be an ISO 4217 code such as RUB.",
        );
        c.require(
            self.earn.points >= 0 && self.earn.points <= 1_000_000,
            "earn.points",
            "Points per amount must be between 0 and 1 000 000.",
        );
        c.require(
            self.earn.per_amount_minor >= 1,
            "earn.per_amount_minor",
            "The amount that earns points must be at least 1.",
        );
        c.require(
            self.pending_days <= 365,
            "pending_days",
            "Pending days must be at most 365.",
        );
        for (field, days) in [
            ("expiry.after_earn_days", self.expiry.after_earn_days),
            ("expiry.inactivity_days", self.expiry.inactivity_days),
            ("tier_window_days", self.tier_window_days),
        ] {
            if let Some(days) = days {
                c.require(
                    (1..=MAX_DAYS).contains(&days),
                    field,
                    format!("Must be between 1 and {MAX_DAYS} days, or null."),
                );
            }
        }
        if let Some(after) = self.expiry.after_earn_days {
            c.require(
                self.pending_days < after,
                "pending_days",
                "Points must become spendable before they expire.",
            );
        }
        c.require(
            (1..=MAX_DAYS).contains(&self.history_days),
            "history_days",
            format!("History must be kept between 1 and {MAX_DAYS} days."),
        );
        if let Some(window) = self.tier_window_days {
            c.require(
                window <= self.history_days,
                "tier_window_days",
                "The tier window cannot be longer than the history kept.",
            );
        }
        self.check_tiers(&mut c);
        self.check_rewards(&mut c);
        self.check_subscriptions(&mut c);
        c.require(
            self.renewal_reminder_days <= 60,
            "renewal_reminder_days",
            "Renewal reminders can come at most 60 days ahead.",
        );
        if let Some(floor) = self.quiet_hours_floor {
            c.require(
                floor.start != floor.end,
                "quiet_hours_floor",
                "The quiet window must start and end at different times.",
            );
        }
        c.nested("default_preferences", self.default_preferences.validate());
        c.require(
            self.default_preferences.birthday.is_none(),
            "default_preferences.birthday",
            "A default birthday would be everyone's; it must be null.",
        );
        if let Some(reward) = self.birthday_reward {
            c.require(
                (1..=MAX_POINTS).contains(&reward.points),
                "birthday_reward.points",
                "A birthday reward gives at least 1 point.",
            );
            c.require(
                (1..=MAX_DAYS).contains(&reward.expires_in_days),
                "birthday_reward.expires_in_days",
                format!("Birthday points expire after 1 to {MAX_DAYS} days."),
            );
        }
        c.finish()
    }

    fn check_tiers(&self, c: &mut Checks) {
        c.require(
            !self.tiers.is_empty(),
            "tiers",
            "At least one tier is needed.",
        );
        if let Some(first) = self.tiers.first() {
            c.require(
                first.threshold == 0,
                "tiers[0].threshold",
                "The first tier starts at 0.",
            );
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            check_id(c, &format!("tiers[{i}].id"), &tier.id);
            check_name(c, &format!("tiers[{i}].name"), &tier.name);
            c.require(
                (1..=1_000).contains(&tier.multiplier_percent),
                format!("tiers[{i}].multiplier_percent"),
                "The multiplier must be between 1 and 1000 percent.",
            );
            if i > 0 {
                c.require(
                    tier.threshold > self.tiers[i - 1].threshold,
                    format!("tiers[{i}].threshold"),
                    "Thresholds must increase strictly.",
                );
            }
            c.require(
                self.tiers[..i].iter().all(|t| t.id != tier.id),
                format!("tiers[{i}].id"),
                "Tier ids must be unique.",
            );
        }
    }

    fn check_rewards(&self, c: &mut Checks) {
        for (i, reward) in self.rewards.iter().enumerate() {
            check_id(c, &format!("rewards[{i}].id"), &reward.id);
            check_name(c, &format!("rewards[{i}].name"), &reward.name);
            c.require(
                self.rewards[..i].iter().all(|r| r.id != reward.id),
                format!("rewards[{i}].id"),
                "Reward ids must be unique.",
            );
            c.require(
                reward.cost >= 1,
                format!("rewards[{i}].cost"),
                "A reward costs at least 1 point.",
            );
            let (ok, rule) = match reward.kind {
                RewardKind::FixedDiscount => (reward.value > 0, "A fixed discount is more than 0."),
                RewardKind::PercentDiscount => (
                    (1..=100).contains(&reward.value),
                    "A percent discount is 1 to 100.",
                ),
                RewardKind::FreeShipping => (reward.value == 0, "Free shipping has value 0."),
            };
            c.require(ok, format!("rewards[{i}].value"), rule);
        }
    }

    fn check_subscriptions(&self, c: &mut Checks) {
        let s = &self.subscriptions;
        c.require(
            !s.allowed_intervals.is_empty(),
            "subscriptions.allowed_intervals",
            "At least one interval is needed.",
        );
        for (i, interval) in s.allowed_intervals.iter().enumerate() {
            c.require(
                (1..=366).contains(&interval.count),
                format!("subscriptions.allowed_intervals[{i}].count"),
                "An interval counts 1 to 366 units.",
            );
        }
        check_variants(c, "swap_options", &s.swap_options);
        check_variants(c, "addons", &s.addons);
        for (product, variants) in &s.addons {
            for (i, v) in variants.iter().enumerate() {
                // The shopper names an add-on by its variant id.
                c.require(
                    variants[..i].iter().all(|w| w.variant_id != v.variant_id),
                    format!("subscriptions.addons.{product}[{i}].variant_id"),
                    "Each add-on of a product is listed once.",
                );
            }
        }
        c.require(
            s.cutoff_hours <= 720,
            "subscriptions.cutoff_hours",
            "The cutoff is at most 720 hours.",
        );
        c.require(
            (1..=MAX_DAYS).contains(&s.max_pause_days),
            "subscriptions.max_pause_days",
            "A pause may last 1 day at least.",
        );
        c.require(
            (1..=MAX_DAYS).contains(&s.reschedule_window_days),
            "subscriptions.reschedule_window_days",
            "The reschedule window is 1 day at least.",
        );
        c.require(
            (1..=10_000).contains(&s.max_quantity),
            "subscriptions.max_quantity",
            "The largest quantity is between 1 and 10 000.",
        );
        for (i, reason) in s.cancel_reasons.iter().enumerate() {
            let field = format!("subscriptions.cancel_reasons[{i}]");
            check_id(c, &format!("{field}.id"), &reason.id);
            check_name(c, &format!("{field}.label"), &reason.label);
            c.require(
                s.cancel_reasons[..i].iter().all(|r| r.id != reason.id),
                format!("{field}.id"),
                "Cancel reason ids must be unique.",
            );
            match reason.offer {
                Some(SaveOffer::Pause { days }) => c.require(
                    (1..=s.max_pause_days).contains(&days),
                    format!("{field}.offer.days"),
                    "A pause offer lasts 1 day to max_pause_days.",
                ),
                Some(SaveOffer::Discount { percent }) => c.require(
                    (1..=100).contains(&percent),
                    format!("{field}.offer.percent"),
                    "A discount is 1 to 100 percent.",
                ),
                _ => {}
            }
        }
    }

    /// The tier with this id.
    pub fn tier(&self, id: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.id == id)
    }

    /// The reward with this id.
    pub fn reward(&self, id: &str) -> Option<&Reward> {
        self.rewards.iter().find(|r| r.id == id)
    }
}

/// The rules of a product → variants map of `subscriptions.{name}`.
fn check_variants(c: &mut Checks, name: &str, map: &BTreeMap<String, Vec<SwapVariant>>) {
    for (product, variants) in map {
        for (i, v) in variants.iter().enumerate() {
            let field = format!("subscriptions.{name}.{product}[{i}]");
            check_id(c, &format!("{field}.variant_id"), &v.variant_id);
            check_name(c, &format!("{field}.title"), &v.title);
            c.require(
                v.price_minor >= 0,
                format!("{field}.price_minor"),
                "A price cannot be negative.",
            );
        }
    }
}

fn check_id(c: &mut Checks, field: &str, id: &str) {
    c.require(
        (1..=128).contains(&id.len()) && id.chars().all(|ch| ch.is_ascii_graphic()),
        field,
        "An id is 1 to 128 visible ASCII characters.",
    );
}

fn check_name(c: &mut Checks, field: &str, name: &str) {
    c.require(
        !name.trim().is_empty() && name.chars().count() <= 200,
        field,
        "A name is 1 to 200 characters.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_defaults_are_the_spec_and_valid() {
        let program = Program::default();
        program.validate().unwrap();
        assert_eq!(program.currency, "RUB");
        assert_eq!(program.expiry.after_earn_days, Some(365));
        assert_eq!(program.subscriptions.max_pause_days, 90);
        assert_eq!(program.default_preferences, Preferences::default());
    }

    #[test]
    fn fields_left_out_at_any_depth_take_defaults() {
        let program = Program::from_json(&json!({
            "expiry": {"inactivity_days": 180},
            "subscriptions": {"max_quantity": 5},
            "default_preferences": {"channels": {"sms": {"enabled": true}}},
            "quiet_hours_floor": null
        }))
        .unwrap();
        assert_eq!(program.expiry.after_earn_days, Some(365));
        assert_eq!(program.expiry.inactivity_days, Some(180));
        assert_eq!(program.subscriptions.max_quantity, 5);
        assert_eq!(program.subscriptions.cutoff_hours, 24);
        assert!(program.default_preferences.channels.sms.enabled);
        assert!(program.default_preferences.channels.email.enabled);
        assert_eq!(program.quiet_hours_floor, None);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = Program::from_json(&json!({"earn": {"pointz": 2}})).unwrap_err();
        assert!(err.to_string().contains("unknown field `pointz`"), "{err}");
    }

    #[test]
    fn broken_rules_are_named() {
        let program = Program::from_json(&json!({
            "tiers": [{"id": "a", "name": "A", "threshold": 10, "multiplier_percent": 100},
                      {"id": "b", "name": "B", "threshold": 5, "multiplier_percent": 100}],
            "rewards": [{"id": "r", "name": "R", "cost": 0, "kind": "percent_discount", "value": 101}],
            "tier_window_days": 800,
            "subscriptions": {"cancel_reasons": [
                {"id": "x", "label": "X", "offer": {"kind": "pause", "days": 91}}]}
        }))
        .unwrap();
        let Err(DomainError::Validation(errors)) = program.validate() else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "tiers[0].threshold",
            "tiers[1].threshold",
            "rewards[0].cost",
            "rewards[0].value",
            "tier_window_days",
            "subscriptions.cancel_reasons[0].offer.days",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }
}
