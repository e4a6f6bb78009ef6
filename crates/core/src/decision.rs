//! The message decision (SPEC 2.6, 3.4): whether a message the merchant
//! wants to send goes out now, later or not at all, and on which channel.
//!
//! Deciding is pure. Recording is the caller's job: after a merchant's
//! question, call [`ContactHistory::record_decision`] with the decision,
//! which stores it only when it counts toward the weekly cap (a marketing
//! `send`). Reminders, decided with [`decide_reminder`], are never recorded.

use serde::{Deserialize, Serialize};

use crate::contact::ContactHistory;
use crate::error::DomainError;
use crate::preferences::{Channel, Preferences, Topic};
use crate::program::Program;
use crate::quiet::QuietTime;
use crate::time::Instant;

/// The class of a message, which its topic decides.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// Order and subscription messages: always allowed, on any channel.
    Transactional,
    /// Everything else: subject to the shopper's switches and the cap.
    Marketing,
}

impl Importance {
    /// The class `topic` belongs to.
    pub fn of(topic: Topic) -> Self {
        if topic.is_transactional() {
            Importance::Transactional
        } else {
            Importance::Marketing
        }
    }

    /// The class's name in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Importance::Transactional => "transactional",
            Importance::Marketing => "marketing",
        }
    }
}

/// The merchant's question: may this message be sent now?
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// What the message is about; decides its class.
    pub topic: Topic,
    /// The class the merchant expects; must agree with the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// Products the message promotes, for the bad-review rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_ids: Option<Vec<String>>,
    /// Lets a transactional message through quiet time; ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<bool>,
}

/// What happens to the message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Send it now.
    Send,
    /// Send it at `send_at`, after quiet time.
    Defer,
    /// Do not send it.
    Suppress,
}

/// Why a message is not sent now.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The shopper unsubscribed from all marketing.
    Unsubscribed,
    /// The shopper switched the topic off.
    TopicOff,
    /// The shopper snoozed marketing until later.
    Snoozed,
    /// No channel is enabled.
    NoChannel,
    /// The shopper gave one of the products 2 stars or less lately.
    RecentBadReview,
    /// The weekly cap on marketing is reached.
    WeeklyCap,
    /// The shopper's local time is inside quiet hours.
    QuietHours,
}

/// The answer to a [`MessageRequest`], as the API returns it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageDecision {
    /// Send, defer or suppress.
    pub decision: Decision,
    /// The channel to use; `None` when suppressed.
    pub channel: Option<Channel>,
    /// When to send; `None` when suppressed.
    pub send_at: Option<Instant>,
    /// Why not now; `None` when sent now.
    pub reason: Option<Reason>,
}

impl MessageDecision {
    /// Send on `channel` at `now`.
    pub fn send(channel: Channel, now: Instant) -> Self {
        MessageDecision {
            decision: Decision::Send,
            channel: Some(channel),
            send_at: Some(now),
            reason: None,
        }
    }

    /// Send on `channel` when quiet time ends at `send_at`.
    pub fn defer(channel: Channel, send_at: Instant) -> Self {
        MessageDecision {
            decision: Decision::Defer,
            channel: Some(channel),
            send_at: Some(send_at),
            reason: Some(Reason::QuietHours),
        }
    }

    /// Do not send, because of `reason`.
    pub fn suppress(reason: Reason) -> Self {
        MessageDecision {
            decision: Decision::Suppress,
            channel: None,
            send_at: None,
            reason: Some(reason),
        }
    }
}

impl ContactHistory {
    /// Records the decision on a merchant's `topic` message made at `now`
    /// when it counts toward the weekly cap, i.e. a marketing `send`.
    /// Returns whether it was recorded.
    pub fn record_decision(
        &mut self,
        topic: Topic,
        decision: &MessageDecision,
        now: Instant,
    ) -> bool {
        let counts =
            Importance::of(topic) == Importance::Marketing && decision.decision == Decision::Send;
        if counts {
            self.record_marketing_send(now);
        }
        counts
    }
}

/// Decides a merchant's message at `now` (SPEC 2.6). Pure: the caller
/// records the outcome with [`ContactHistory::record_decision`].
///
/// Fails with a 422 on `importance` when it disagrees with the topic.
pub fn decide(
    request: &MessageRequest,
    prefs: &Preferences,
    program: &Program,
    history: &ContactHistory,
    now: Instant,
) -> Result<MessageDecision, DomainError> {
    let class = Importance::of(request.topic);
    if request.importance.is_some_and(|given| given != class) {
        return Err(DomainError::invalid(
            "importance",
            format!(
                "The topic {} is {}.",
                request.topic.as_str(),
                class.as_str()
            ),
        ));
    }
    let urgent = request.urgent.unwrap_or(false);
    let products = request.product_ids.as_deref().unwrap_or_default();
    Ok(evaluate(
        request.topic,
        urgent,
        prefs,
        program,
        now,
        |now| {
            if history.recent_bad_review(products, now) {
                Some(Reason::RecentBadReview)
            } else if prefs
                .max_per_week
                .is_some_and(|cap| history.sends_in_last_week(now) >= usize::from(cap))
            {
                Some(Reason::WeeklyCap)
            } else {
                None
            }
        },
    ))
}

/// Decides a reminder the handler planned itself (`points_expiring`,
/// `renewal_upcoming`, `tier_changed`, `birthday_reward`,
/// `subscribe_invite`) at its planned instant `at`, by its topic alone. It
/// passes every rule but the weekly cap, and is never recorded toward it.
pub fn decide_reminder(
    topic: Topic,
    prefs: &Preferences,
    program: &Program,
    at: Instant,
) -> MessageDecision {
    // Reminders name no products, so the bad-review rule cannot apply.
    evaluate(topic, false, prefs, program, at, |_| None)
}

/// The enabled channels after `chosen` in the shopper's order: where an
/// outbox item may go if `chosen` fails. Empty when `chosen` is not an
/// enabled channel.
pub fn fallback_channels(prefs: &Preferences, chosen: Channel) -> Vec<Channel> {
    prefs
        .enabled_channels()
        .skip_while(|c| *c != chosen)
        .skip(1)
        .collect()
}

/// The rules shared by merchant messages and reminders; `history_rule`
/// gives the marketing reasons that come from the contact history
/// (bad review, then cap), which only merchant messages check.
fn evaluate(
    topic: Topic,
    urgent: bool,
    prefs: &Preferences,
    program: &Program,
    now: Instant,
    history_rule: impl FnOnce(Instant) -> Option<Reason>,
) -> MessageDecision {
    let channel = prefs.enabled_channels().next();
    let transactional = topic.is_transactional();
    let suppressed = if transactional {
        channel.is_none().then_some(Reason::NoChannel)
    } else if prefs.marketing_unsubscribed {
        Some(Reason::Unsubscribed)
    } else if !prefs.topics.enabled(topic) {
        Some(Reason::TopicOff)
    } else if prefs.snoozed_until.is_some_and(|until| now < until) {
        Some(Reason::Snoozed)
    } else if channel.is_none() {
        Some(Reason::NoChannel)
    } else {
        history_rule(now)
    };
    // Every path without a channel has set a reason already; the fallback
    // only keeps this total without an unwrap.
    let (Some(channel), None) = (channel, suppressed) else {
        return MessageDecision::suppress(suppressed.unwrap_or(Reason::NoChannel));
    };
    if transactional && urgent {
        return MessageDecision::send(channel, now);
    }
    let quiet = QuietTime::new(
        &prefs.time_zone,
        prefs.quiet_hours,
        program.quiet_hours_floor,
    );
    match quiet.quiet_until(now) {
        Some(send_at) => MessageDecision::defer(channel, send_at),
        None => MessageDecision::send(channel, now),
    }
}
