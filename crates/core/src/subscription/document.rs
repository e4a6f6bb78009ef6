//! The subscription document (SPEC 3.5) as the API returns it, and the
//! merchant's `subscription_upserted` input with its validation.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::addons::{OnetimeItem, check_items};
use crate::error::{Checks, DomainError};
use crate::program::{Interval, Program};
use crate::time::Date;

/// Where a subscription stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Delivered and charged on `next_charge_on`.
    Active,
    /// Not delivered until `paused_until`, when it resumes by itself.
    Paused,
    /// Ended by the shopper or the merchant; may be reactivated.
    Cancelled,
}

impl SubscriptionStatus {
    /// The status as documents write it.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Paused => "paused",
            SubscriptionStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subscription as the API returns it (SPEC 3.5, contract).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// The merchant's id for the subscription.
    pub id: String,
    /// The product delivered.
    pub product_id: String,
    /// The product's variant delivered.
    pub variant_id: String,
    /// Title shown to the shopper.
    pub title: String,
    /// Units per delivery, at least 1.
    pub quantity: u32,
    /// Price per delivery in minor units.
    pub price_minor: i64,
    /// ISO 4217 currency of the price; the program's currency.
    pub currency: String,
    /// How often it is delivered.
    pub interval: Interval,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// Date of the next charge (at 00:00 UTC); `None` unless active.
    #[serde(with = "crate::time::iso_date_opt")]
    pub next_charge_on: Option<Date>,
    /// Day of the month month intervals keep (1..=31).
    pub anchor_day: u8,
    /// Date a paused subscription resumes by itself; `None` unless paused.
    #[serde(with = "crate::time::iso_date_opt")]
    pub paused_until: Option<Date>,
    /// Why it was cancelled; `None` unless cancelled.
    #[serde(deserialize_with = "crate::serde_util::nullable")]
    pub cancel_reason: Option<String>,
    /// Percent off future deliveries that the merchant's billing applies.
    #[serde(deserialize_with = "crate::serde_util::nullable")]
    pub discount_percent: Option<u8>,
    /// Add-ons for the next delivery only (SPEC 2.7); always written,
    /// missing from records stored before add-ons existed.
    #[serde(default)]
    pub onetime_items: Vec<OnetimeItem>,
}

/// The `subscription` of a `subscription_upserted` event: the document,
/// where `anchor_day`, `paused_until`, `cancel_reason` and
/// `discount_percent` may be left out and `next_charge_on` may be null.
/// Numbers are read wide so that out-of-range values get a field error.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionUpsert {
    /// See [`Subscription::id`].
    pub id: String,
    /// See [`Subscription::product_id`].
    pub product_id: String,
    /// See [`Subscription::variant_id`].
    pub variant_id: String,
    /// See [`Subscription::title`].
    pub title: String,
    /// See [`Subscription::quantity`].
    pub quantity: i64,
    /// See [`Subscription::price_minor`].
    pub price_minor: i64,
    /// See [`Subscription::currency`].
    pub currency: String,
    /// See [`Subscription::interval`].
    pub interval: Interval,
    /// See [`Subscription::status`].
    pub status: SubscriptionStatus,
    /// See [`Subscription::next_charge_on`]; required, may be null.
    #[serde(with = "crate::time::iso_date_opt")]
    pub next_charge_on: Option<Date>,
    /// See [`Subscription::anchor_day`]; left out, the day of
    /// `next_charge_on` (else of `paused_until`, else 1).
    #[serde(default)]
    pub anchor_day: Option<i64>,
    /// See [`Subscription::paused_until`].
    #[serde(default, with = "crate::time::iso_date_opt")]
    pub paused_until: Option<Date>,
    /// See [`Subscription::cancel_reason`].
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// See [`Subscription::discount_percent`].
    #[serde(default)]
    pub discount_percent: Option<i64>,
    /// See [`Subscription::onetime_items`]; left out, the current items
    /// are kept, and a new subscription has none; sent, they replace them.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub onetime_items: Option<Vec<OnetimeItem>>,
}

/// Longest cancel reason a shopper may type when the program lists none.
pub(crate) const MAX_REASON_CHARS: usize = 128;

impl SubscriptionUpsert {
    /// The document this upsert describes, checked against the program.
    /// Errors name fields as `subscription.<field>`.
    pub fn into_subscription(self, program: &Program) -> Result<Subscription, DomainError> {
        let mut c = Checks::default();
        let quantity = u32::try_from(self.quantity).ok().filter(|q| *q >= 1);
        c.require(
            quantity.is_some(),
            "subscription.quantity",
            "The quantity must be a whole number of at least 1.",
        );
        let default_anchor = self
            .next_charge_on
            .or(self.paused_until)
            .map_or(1, |d| d.day() as u8);
        let anchor_day = match self.anchor_day {
            None => Some(default_anchor),
            Some(day) => u8::try_from(day).ok().filter(|d| (1..=31).contains(d)),
        };
        c.require(
            anchor_day.is_some(),
            "subscription.anchor_day",
            "The anchor day must be a day of the month from 1 to 31.",
        );
        let discount_percent = match self.discount_percent {
            None => Some(None),
            Some(p) => u8::try_from(p)
                .ok()
                .filter(|p| (1..=100).contains(p))
                .map(Some),
        };
        c.require(
            discount_percent.is_some(),
            "subscription.discount_percent",
            "The discount must be from 1 to 100 percent, or null.",
        );
        let subscription = Subscription {
            id: self.id,
            product_id: self.product_id,
            variant_id: self.variant_id,
            title: self.title,
            quantity: quantity.unwrap_or(1),
            price_minor: self.price_minor,
            currency: self.currency,
            interval: self.interval,
            status: self.status,
            next_charge_on: self.next_charge_on,
            anchor_day: anchor_day.unwrap_or(default_anchor),
            paused_until: self.paused_until,
            cancel_reason: self.cancel_reason,
            discount_percent: discount_percent.flatten(),
            onetime_items: self.onetime_items.unwrap_or_default(),
        };
        c.nested("subscription", subscription.validate(program));
        c.finish()?;
        Ok(subscription)
    }
}

impl Subscription {
    /// Checks the document's rules against the program and names each
    /// field that breaks one.
    pub fn validate(&self, program: &Program) -> Result<(), DomainError> {
        let mut c = Checks::default();
        for (field, id) in [
            ("id", &self.id),
            ("product_id", &self.product_id),
            ("variant_id", &self.variant_id),
        ] {
            c.require(
                (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()),
                field,
                "An id is 1 to 128 visible ASCII characters.",
            );
        }
        c.require(
            !self.title.trim().is_empty() && self.title.chars().count() <= 200,
            "title",
            "A title is 1 to 200 characters.",
        );
        c.require(
            self.quantity >= 1,
            "quantity",
            "The quantity must be at least 1.",
        );
        c.require(
            self.price_minor >= 0,
            "price_minor",
            "A price cannot be negative.",
        );
        c.require(
            self.currency == program.currency,
            "currency",
            format!(
                "The currency must be the program's currency, {}.",
                program.currency
            ),
        );
        c.require(
            self.interval.count >= 1,
            "interval.count",
            "An interval counts at least 1 unit.",
        );
        c.require(
            (1..=31).contains(&self.anchor_day),
            "anchor_day",
            "The anchor day must be a day of the month from 1 to 31.",
        );
        if let Some(percent) = self.discount_percent {
            c.require(
                (1..=100).contains(&percent),
                "discount_percent",
                "The discount must be from 1 to 100 percent, or null.",
            );
        }
        check_items(&mut c, &self.onetime_items);
        if let Some(reason) = &self.cancel_reason {
            c.require(
                !reason.trim().is_empty() && reason.chars().count() <= MAX_REASON_CHARS,
                "cancel_reason",
                "A cancel reason is 1 to 128 characters, or null.",
            );
        }
        let (next_needed, pause_needed) = match self.status {
            SubscriptionStatus::Active => (true, false),
            SubscriptionStatus::Paused => (false, true),
            SubscriptionStatus::Cancelled => (false, false),
        };
        c.require(
            self.next_charge_on.is_some() == next_needed,
            "next_charge_on",
            if next_needed {
                "An active subscription needs the date of its next charge."
            } else {
                "Only an active subscription has a next charge date; it must be null."
            },
        );
        c.require(
            self.paused_until.is_some() == pause_needed,
            "paused_until",
            if pause_needed {
                "A paused subscription needs the date it resumes on."
            } else {
                "Only a paused subscription has a resume date; it must be null."
            },
        );
        c.finish()
    }
}
