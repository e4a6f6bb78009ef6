//! What the merchant's other systems must hear of (SPEC 3.6): each change
//! a shopper or time makes leaves the customer's state as an event, built
//! here beside the change itself so neither exists without the other. The
//! handler gives each one its id, `sequence` and instant when it stores it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::preferences::{ConsentRecord, ConsentSource, Preferences};
use crate::reminders::OutboxItem;
use crate::rewards::Redemption;
use crate::subscription::Subscription;

/// The kinds of event, by their names in the envelope's `type`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub enum EventKind {
    /// Points spent for a coupon code.
    #[serde(rename = "reward.redeemed")]
    RewardRedeemed,
    /// A shopper's subscription action, or the automatic resume.
    #[serde(rename = "subscription.updated")]
    SubscriptionUpdated,
    /// The preferences document changed.
    #[serde(rename = "preferences.updated")]
    PreferencesUpdated,
    /// A reminder fell due and waits in the outbox.
    #[serde(rename = "reminder.due")]
    ReminderDue,
    /// The customer was erased.
    #[serde(rename = "customer.erased")]
    CustomerErased,
}

impl EventKind {
    /// Every kind, for validating the feed's `type` filter.
    pub const ALL: [EventKind; 5] = [
        EventKind::RewardRedeemed,
        EventKind::SubscriptionUpdated,
        EventKind::PreferencesUpdated,
        EventKind::ReminderDue,
        EventKind::CustomerErased,
    ];

    /// The name in the envelope's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RewardRedeemed => "reward.redeemed",
            EventKind::SubscriptionUpdated => "subscription.updated",
            EventKind::PreferencesUpdated => "preferences.updated",
            EventKind::ReminderDue => "reminder.due",
            EventKind::CustomerErased => "customer.erased",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// An event made by a change, before the handler stores it.
#[derive(Clone, PartialEq, Debug)]
pub struct EventOut {
    /// Its type.
    pub kind: EventKind,
    /// Its `data`, shaped per type as SPEC 3.6 says.
    pub data: Value,
}

impl EventOut {
    /// `reward.redeemed` for `redemption`, leaving `balance` points.
    pub fn reward_redeemed(redemption: &Redemption, balance: i64) -> Self {
        EventOut {
            kind: EventKind::RewardRedeemed,
            data: json!({
                "redemption_id": redemption.id,
                "reward_id": redemption.reward_id,
                "kind": redemption.kind,
                "value": redemption.value,
                "code": redemption.code,
                "points_spent": redemption.points,
                "balance": balance,
            }),
        }
    }

    /// `subscription.updated` after `action` by the shopper, or
    /// `auto_resume` by the handler.
    pub fn subscription_updated(
        action: &str,
        after: &Subscription,
        previous: &Subscription,
    ) -> Self {
        let source = if action == AUTO_RESUME {
            "handler"
        } else {
            "shopper"
        };
        EventOut {
            kind: EventKind::SubscriptionUpdated,
            data: json!({
                "action": action,
                "source": source,
                "subscription": after,
                "previous": previous,
            }),
        }
    }

    /// `preferences.updated` with the document after and the consent
    /// records the change appended.
    pub fn preferences_updated(
        source: ConsentSource,
        preferences: &Preferences,
        consents: &[ConsentRecord],
    ) -> Self {
        EventOut {
            kind: EventKind::PreferencesUpdated,
            data: json!({
                "source": source,
                "preferences": preferences,
                "consents": consents,
            }),
        }
    }

    /// `reminder.due` for an outbox item that has just been created.
    pub fn reminder_due(item: &OutboxItem) -> Self {
        EventOut {
            kind: EventKind::ReminderDue,
            data: json!({
                "id": item.id,
                "kind": item.kind,
                "topic": item.topic,
                "channel": item.channel,
                "fallback_channels": item.fallback_channels,
                "send_at": item.send_at,
                "locale": item.locale,
                "data": item.data,
            }),
        }
    }

    /// `customer.erased`.
    pub fn customer_erased() -> Self {
        EventOut {
            kind: EventKind::CustomerErased,
            data: json!({}),
        }
    }
}

/// The `action` of the automatic resume at `paused_until`.
pub const AUTO_RESUME: &str = "auto_resume";
