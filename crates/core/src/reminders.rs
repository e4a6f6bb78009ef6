//! Reminders the handler plans by itself (SPEC 2.6): which fall due
//! between two instants for a customer, and when the next one will.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ledger::Ledger;
use crate::preferences::{Channel, Preferences, Topic};
use crate::program::Program;
use crate::subscription::{Subscription, SubscriptionStatus};
use crate::tiers;
use crate::time::Instant;

/// What a reminder is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Points will expire soon (topic `reward_updates`).
    PointsExpiring,
    /// A subscription will be charged soon (topic `subscription_updates`).
    RenewalUpcoming,
    /// The customer's tier changed (topic `reward_updates`).
    TierChanged,
    /// Birthday points were credited (topic `reward_updates`).
    BirthdayReward,
    /// An invitation to subscribe to a product the customer loved (topic
    /// `recommendations`).
    SubscribeInvite,
}

impl ReminderKind {
    /// The topic its message belongs to.
    pub fn topic(self) -> Topic {
        match self {
            ReminderKind::PointsExpiring
            | ReminderKind::TierChanged
            | ReminderKind::BirthdayReward => Topic::RewardUpdates,
            ReminderKind::RenewalUpcoming => Topic::SubscriptionUpdates,
            ReminderKind::SubscribeInvite => Topic::Recommendations,
        }
    }
}

/// A reminder that falls due.
#[derive(Clone, PartialEq, Debug)]
pub struct PlannedReminder {
    /// Identity: the same reminder always has the same key.
    pub key: String,
    /// What it is about.
    pub kind: ReminderKind,
    /// The instant it is planned for.
    pub at: Instant,
    /// What the message needs (points and dates, subscription, tiers).
    pub data: Value,
}

/// What was already planned for a customer, so nothing is sent twice.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct ReminderLog {
    /// Keys of handled reminders and their planned instants (recent ones).
    #[serde(default)]
    pub done: BTreeMap<String, Instant>,
    /// Reminders up to this instant have been planned.
    #[serde(default)]
    pub planned_through: Option<Instant>,
    /// The tier the customer was last told about (`None`: the first tier).
    #[serde(default)]
    pub tier: Option<String>,
}

/// How long handled keys are kept: far longer than any gap between runs.
const DONE_KEPT_DAYS: i64 = 120;

/// A reminder ready for the merchant's webhook or outbox.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Stable identifier (the same reminder always gets the same id).
    pub id: String,
    /// The customer it is for.
    pub customer_id: String,
    /// What it is about.
    pub kind: ReminderKind,
    /// The topic it belongs to.
    pub topic: Topic,
    /// The channel to use.
    pub channel: Channel,
    /// Channels to try next, in order.
    pub fallback_channels: Vec<Channel>,
    /// When to send it.
    pub send_at: Instant,
    /// The language for the message.
    pub locale: String,
    /// What the message needs.
    pub data: Value,
}

/// What the planner reads: the customer's state as of `to`.
pub struct PlannerInput<'a> {
    /// The ledger, settled at `to`.
    pub ledger: &'a Ledger,
    /// The subscriptions as of `to`.
    pub subscriptions: &'a [Subscription],
    /// The preferences in force.
    pub preferences: &'a Preferences,
    /// The program.
    pub program: &'a Program,
}

/// Every reminder planned in `(from, to]` that is not in `log`, with
/// `ahead` (the reminders events and time planned ahead, waiting in the
/// state until they fall due, whatever `from` is), oldest first.
/// Reminders whose subject has already passed at `to` (the points
/// expired, the charge happened) are left out.
pub fn due(
    input: &PlannerInput<'_>,
    log: &ReminderLog,
    from: Instant,
    to: Instant,
    ahead: Vec<PlannedReminder>,
) -> Vec<PlannedReminder> {
    let in_window = |at: Instant| from < at && at <= to;
    let mut due: Vec<PlannedReminder> = planned(input, to)
        .into_iter()
        .filter(|r| in_window(r.at) && !log.done.contains_key(&r.key))
        .collect();
    due.extend(ahead);
    if let Some(change) = tier_change(input, log, to) {
        due.push(change);
    }
    due.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
    due
}

/// The first instant after `after` at which a reminder may fall due (or
/// the tier may change by itself): when to wake the planner.
pub fn next_wake(input: &PlannerInput<'_>, after: Instant) -> Option<Instant> {
    let tier_drop = tiers::standing(input.ledger, input.program, after)
        .and_then(|s| s.held_until)
        .map(|d| Instant::start_of(crate::time::add_days(d, 1)));
    let resume = input
        .subscriptions
        .iter()
        .filter_map(|s| s.paused_until)
        .map(Instant::start_of);
    planned(input, after)
        .into_iter()
        .map(|r| r.at)
        .chain(tier_drop)
        .chain(resume)
        .filter(|at| *at > after)
        .min()
}

/// Records that `reminder` was handled, and forgets keys too old to recur.
pub fn mark_done(log: &mut ReminderLog, reminder: &PlannedReminder, to: Instant) {
    log.done.insert(reminder.key.clone(), reminder.at);
    let horizon = to.plus_days(-DONE_KEPT_DAYS);
    log.done.retain(|_, at| *at > horizon);
}

/// Reminders of expiries and renewals whose subject is still ahead of `now`.
///
/// An expiry's reminders fall `expiry_reminder_days` before it. Points
/// recorded after even the nearest of those instants (an import expiring in
/// three days, with reminders 7 and 30 days ahead) get one late reminder,
/// for the nearest lead, when they are recorded.
fn planned(input: &PlannerInput<'_>, now: Instant) -> Vec<PlannedReminder> {
    let mut out = Vec::new();
    let mut leads = input.preferences.expiry_reminder_days.clone();
    leads.sort_unstable();
    for expiry in input.ledger.expiring(&input.program.expiry, now) {
        let recorded = latest_recorded(input, expiry.at);
        for (i, days) in leads.iter().enumerate() {
            let natural = expiry.at.plus_days(-i64::from(*days));
            let at = match recorded {
                Some(recorded) if natural < recorded => {
                    // Only the nearest lead is sent late; farther ones,
                    // which passed even earlier, are dropped.
                    if i > 0 {
                        break;
                    }
                    recorded
                }
                _ => natural,
            };
            out.push(PlannedReminder {
                key: format!("points_expiring:{}:{days}", expiry.at.unix()),
                kind: ReminderKind::PointsExpiring,
                at,
                data: json!({"points": expiry.points, "expires_at": expiry.at, "days_before": days}),
            });
        }
    }
    let lead = i64::from(input.program.renewal_reminder_days);
    for s in input.subscriptions {
        let (SubscriptionStatus::Active, Some(next)) = (s.status, s.next_charge_on) else {
            continue;
        };
        let charge_at = Instant::start_of(next);
        if lead == 0 || charge_at <= now {
            continue;
        }
        out.push(PlannedReminder {
            key: format!("renewal_upcoming:{}:{next}", s.id),
            kind: ReminderKind::RenewalUpcoming,
            at: charge_at.plus_days(-lead),
            data: json!({
                "subscription_id": s.id, "title": s.title, "quantity": s.quantity,
                "price_minor": s.price_minor, "currency": s.currency,
                "next_charge_on": next.to_string(),
            }),
        });
    }
    out
}

/// When the last of the spendable lots expiring at `expires_at` was recorded.
fn latest_recorded(input: &PlannerInput<'_>, expires_at: Instant) -> Option<Instant> {
    let deadline = input.ledger.inactivity_deadline(&input.program.expiry);
    input
        .ledger
        .lots
        .iter()
        .filter(|lot| lot.remaining > 0 && lot.expires_at(deadline) == Some(expires_at))
        .filter_map(|lot| lot.recorded_at)
        .max()
}

/// A `tier_changed` reminder when the tier at `to` is not the one the
/// customer was last told about.
fn tier_change(
    input: &PlannerInput<'_>,
    log: &ReminderLog,
    to: Instant,
) -> Option<PlannedReminder> {
    let program = input.program;
    let now = tiers::standing(input.ledger, program, to)?.tier;
    let told = log
        .tier
        .as_deref()
        .and_then(|id| program.tier(id))
        .or(program.tiers.first())?;
    (told.id != now.id).then(|| PlannedReminder {
        key: format!("tier_changed:{}:{}", now.id, to.unix()),
        kind: ReminderKind::TierChanged,
        at: to,
        data: json!({
            "tier": {"id": now.id, "name": now.name},
            "previous_tier": {"id": told.id, "name": told.name},
        }),
    })
}

/// A stable outbox id for a reminder of a customer: deterministic, so a
/// replayed run produces the same id, and 128 bits of SHA-256 over the
/// customer id and the reminder's key, so ids of different customers (or
/// reminders) cannot collide, even for ids chosen to make them.
pub fn outbox_id(customer_id: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    // The customer id cannot hold a NUL, so the split is unambiguous.
    hash.update(customer_id.as_bytes());
    hash.update([0]);
    hash.update(key.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("rem_{hex}")
}
