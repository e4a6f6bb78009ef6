//! The stored form of a subscription and its time-driven rules: the
//! automatic resume on `paused_until`, the cutoff lock and the merchant's
//! charge.

use serde::{Deserialize, Serialize};

use super::document::{Subscription, SubscriptionStatus, SubscriptionUpsert};
use crate::calendar::{first_on_or_after, next_after, phase_on_or_after};
use crate::error::DomainError;
use crate::program::{Program, SubscriptionSettings};
use crate::time::{Date, Instant};

/// A subscription as the handler stores it: the document plus what the
/// rules need that the document does not show. Unknown fields are ignored
/// and new ones default, so stored records survive later versions.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    /// The document as it was last written (see [`Self::as_of`] for now).
    pub subscription: Subscription,
    /// While paused: `next_charge_on` from before the pause, the start of
    /// the series a resume continues. `None` when the merchant sent the
    /// subscription already paused; the series then runs through
    /// `paused_until`.
    #[serde(default, with = "crate::time::iso_date_opt")]
    pub resume_from: Option<Date>,
    /// The comment the shopper left when cancelling, for the merchant.
    #[serde(default)]
    pub cancel_comment: Option<String>,
}

impl SubscriptionRecord {
    /// A record of a document with no hidden state.
    pub fn new(subscription: Subscription) -> Self {
        SubscriptionRecord {
            subscription,
            resume_from: None,
            cancel_comment: None,
        }
    }

    /// The record after the merchant's `subscription_upserted`: the upsert
    /// replaces the document. A pause that goes on keeps the series it
    /// interrupted, a cancellation that stands keeps its comment, and
    /// one-time items left out of the upsert stay as they were.
    pub fn upsert(
        previous: Option<&SubscriptionRecord>,
        input: SubscriptionUpsert,
        program: &Program,
    ) -> Result<Self, DomainError> {
        let keep_items = input.onetime_items.is_none();
        let subscription = input.into_subscription(program)?;
        let mut record = SubscriptionRecord::new(subscription);
        if let Some(previous) = previous {
            if keep_items {
                record
                    .subscription
                    .onetime_items
                    .clone_from(&previous.subscription.onetime_items);
            }
            let was = previous.subscription.status;
            match record.subscription.status {
                SubscriptionStatus::Paused if was == SubscriptionStatus::Paused => {
                    record.resume_from = previous.resume_from;
                }
                SubscriptionStatus::Cancelled if was == SubscriptionStatus::Cancelled => {
                    record.cancel_comment.clone_from(&previous.cancel_comment);
                }
                _ => {}
            }
        }
        Ok(record)
    }

    /// The subscription's id.
    pub fn id(&self) -> &str {
        &self.subscription.id
    }

    /// Applies what time has done by `now`: a paused subscription whose
    /// `paused_until` has come resumes, as `resume` with `paused_until` in
    /// place of tomorrow. Settling twice changes nothing.
    pub fn settle(&mut self, now: Instant) {
        let s = &self.subscription;
        if let (SubscriptionStatus::Paused, Some(until)) = (s.status, s.paused_until)
            && until <= now.date()
        {
            self.resume_on_or_after(until);
        }
    }

    /// The document as of `now`, without changing the record, so reading
    /// gives the same answer whether or not the record was settled.
    pub fn as_of(&self, now: Instant) -> Subscription {
        let mut settled = self.clone();
        settled.settle(now);
        settled.subscription
    }

    /// Whether the cutoff locks changes now, assuming a settled record:
    /// from `cutoff_hours` before 00:00 UTC of `next_charge_on` until the
    /// merchant reports the charge (which moves `next_charge_on` on).
    pub fn check_unlocked(
        &self,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        let s = &self.subscription;
        let (SubscriptionStatus::Active, Some(next)) = (s.status, s.next_charge_on) else {
            return Ok(());
        };
        let charge_at = Instant::start_of(next);
        if now < charge_at.plus_hours(-i64::from(settings.cutoff_hours)) {
            return Ok(());
        }
        Err(DomainError::SubscriptionLocked {
            // Once the charge time has passed the charge is overdue and only
            // the merchant's report can unlock, at no instant known here.
            unlocks_at: (now < charge_at).then_some(charge_at),
        })
    }

    /// The merchant's `subscription_charged {charged_on}`: the next charge
    /// is one interval after `charged_on`, anchored, and the one-time items
    /// went out with this one, whatever its date. Needs `active` (as of
    /// `now`, so a pause that has ended counts as active).
    pub fn charge(&mut self, charged_on: Date, now: Instant) -> Result<(), DomainError> {
        self.settle(now);
        let s = &mut self.subscription;
        if s.status != SubscriptionStatus::Active {
            return Err(DomainError::InvalidState {
                action: "subscription_charged".to_owned(),
                status: s.status.to_string(),
            });
        }
        s.next_charge_on = Some(next_after(charged_on, s.interval, s.anchor_day));
        s.onetime_items.clear();
        Ok(())
    }

    /// Makes the subscription active again at the first date on or after
    /// `bound` of the series it had before the pause.
    pub(super) fn resume_on_or_after(&mut self, bound: Date) {
        let s = &mut self.subscription;
        let next = match (self.resume_from, s.paused_until) {
            (Some(start), _) => first_on_or_after(start, s.interval, s.anchor_day, bound),
            (None, Some(until)) => phase_on_or_after(until, s.interval, s.anchor_day, bound),
            (None, None) => bound,
        };
        s.status = SubscriptionStatus::Active;
        s.next_charge_on = Some(next);
        s.paused_until = None;
        self.resume_from = None;
    }

    /// The date the subscription's series runs through: the next charge,
    /// else (paused) the series before the pause, else the resume date.
    pub(super) fn series_date(&self) -> Option<Date> {
        let s = &self.subscription;
        s.next_charge_on.or(self.resume_from).or(s.paused_until)
    }
}
