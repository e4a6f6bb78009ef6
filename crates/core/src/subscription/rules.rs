//! The rules of each subscription action (SPEC 2.5) on the stored record:
//! the state and cutoff checks, then what the action changes.

use super::action::{ActionName, SubscriptionAction};
use super::document::{MAX_REASON_CHARS, SubscriptionStatus};
use super::record::SubscriptionRecord;
use crate::calendar::{fits_anchor, next_after, plus_days};
use crate::error::DomainError;
use crate::program::{Interval, Program, SaveOffer, SubscriptionSettings};
use crate::time::{Date, Instant};

/// Longest comment a shopper may leave when cancelling, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

impl SubscriptionRecord {
    /// Checks, on a settled record, that `action` may be taken now: first
    /// the status (409 `invalid_state`), then the cutoff (409
    /// `subscription_locked`).
    pub fn check_allowed(
        &self,
        action: ActionName,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.require_status(action.as_str(), action.allowed_in(self.subscription.status))?;
        if action.respects_cutoff() {
            self.check_unlocked(settings, now)?;
        }
        Ok(())
    }

    /// Settles the record at `now`, checks the action is allowed and applies
    /// it. On an error the record is only settled.
    pub fn apply(
        &mut self,
        action: &SubscriptionAction,
        program: &Program,
        now: Instant,
    ) -> Result<(), DomainError> {
        let settings = &program.subscriptions;
        match action {
            SubscriptionAction::SkipNext => self.skip_next(settings, now),
            SubscriptionAction::Pause { resume_on } => self.pause(*resume_on, settings, now),
            SubscriptionAction::Resume => self.resume(settings, now),
            SubscriptionAction::ChangeInterval { interval } => {
                self.change_interval(*interval, settings, now)
            }
            SubscriptionAction::Reschedule { next_charge_on } => {
                self.reschedule(*next_charge_on, settings, now)
            }
            SubscriptionAction::Swap { variant_id } => self.swap(variant_id, settings, now),
            SubscriptionAction::SetQuantity { quantity } => {
                self.set_quantity(*quantity, settings, now)
            }
            SubscriptionAction::Cancel { reason, comment } => {
                self.cancel(reason, comment.as_deref(), settings, now)
            }
            SubscriptionAction::AcceptOffer { reason } => self.accept_offer(reason, settings, now),
            SubscriptionAction::Reactivate => self.reactivate(settings, now),
            SubscriptionAction::AddOnetime {
                variant_id,
                quantity,
            } => self.add_onetime(variant_id, *quantity, settings, now),
            SubscriptionAction::RemoveOnetime { variant_id } => {
                self.remove_onetime(variant_id, settings, now)
            }
        }
    }

    /// `skip_next`: the next charge moves to the next date of the series.
    pub fn skip_next(
        &mut self,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::SkipNext, settings, now)?;
        self.skip_rule()
    }

    /// `pause {resume_on}`: paused until `resume_on`, which is from
    /// tomorrow to today + `max_pause_days`.
    pub fn pause(
        &mut self,
        resume_on: Date,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Pause, settings, now)?;
        self.pause_rule(resume_on, "resume_on", settings, now)
    }

    /// `resume`: active again at the first date on or after tomorrow of the
    /// series it had before the pause.
    pub fn resume(
        &mut self,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Resume, settings, now)?;
        self.resume_on_or_after(plus_days(now.date(), 1));
        Ok(())
    }

    /// `change_interval {interval}`: only to an allowed interval; the next
    /// date stays. The anchor day stays when that date fits it, else the
    /// date's day becomes the anchor (a weekly series drifts off it).
    pub fn change_interval(
        &mut self,
        interval: Interval,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::ChangeInterval, settings, now)?;
        if !settings.allowed_intervals.contains(&interval) {
            return Err(DomainError::invalid(
                "interval",
                "The program does not offer this interval.",
            ));
        }
        if let Some(date) = self.series_date()
            && !fits_anchor(date, self.subscription.anchor_day)
        {
            self.subscription.anchor_day = date.day() as u8;
        }
        self.subscription.interval = interval;
        Ok(())
    }

    /// `reschedule {next_charge_on}`: from tomorrow to today +
    /// `reschedule_window_days`; its day becomes the anchor day.
    pub fn reschedule(
        &mut self,
        next_charge_on: Date,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Reschedule, settings, now)?;
        let today = now.date();
        let last = plus_days(today, i64::from(settings.reschedule_window_days));
        if next_charge_on <= today || next_charge_on > last {
            return Err(DomainError::invalid(
                "next_charge_on",
                format!("The next delivery can be moved to a date from tomorrow to {last}."),
            ));
        }
        self.subscription.next_charge_on = Some(next_charge_on);
        self.subscription.anchor_day = next_charge_on.day() as u8;
        Ok(())
    }

    /// `swap {variant_id}`: only to a variant the program lists for the
    /// product; the subscription takes its title and price.
    pub fn swap(
        &mut self,
        variant_id: &str,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Swap, settings, now)?;
        let s = &mut self.subscription;
        let variant = settings
            .swap_options
            .get(&s.product_id)
            .and_then(|variants| variants.iter().find(|v| v.variant_id == variant_id))
            .ok_or_else(|| {
                DomainError::invalid(
                    "variant_id",
                    "This product cannot be swapped to that variant.",
                )
            })?;
        s.variant_id.clone_from(&variant.variant_id);
        s.title.clone_from(&variant.title);
        s.price_minor = variant.price_minor;
        Ok(())
    }

    /// `set_quantity {quantity}`: 1..=`max_quantity`.
    pub fn set_quantity(
        &mut self,
        quantity: i64,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::SetQuantity, settings, now)?;
        let quantity = u32::try_from(quantity)
            .ok()
            .filter(|q| (1..=settings.max_quantity).contains(q))
            .ok_or_else(|| quantity_error(settings))?;
        self.subscription.quantity = quantity;
        Ok(())
    }

    /// `cancel {reason, comment?}`: cancelled at once, even within the
    /// cutoff. The reason is one of the program's ids when it lists any,
    /// else any text of 1 to 128 characters; the comment is at most 500.
    pub fn cancel(
        &mut self,
        reason: &str,
        comment: Option<&str>,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Cancel, settings, now)?;
        let reason_ok = if settings.cancel_reasons.is_empty() {
            !reason.trim().is_empty() && reason.chars().count() <= MAX_REASON_CHARS
        } else {
            settings.cancel_reasons.iter().any(|r| r.id == reason)
        };
        if !reason_ok {
            let message = if settings.cancel_reasons.is_empty() {
                "Give a reason of 1 to 128 characters."
            } else {
                "Choose one of the cancel reasons offered."
            };
            return Err(DomainError::invalid("reason", message));
        }
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(DomainError::invalid(
                "comment",
                "A comment is at most 500 characters.",
            ));
        }
        let s = &mut self.subscription;
        s.status = SubscriptionStatus::Cancelled;
        s.next_charge_on = None;
        s.paused_until = None;
        s.cancel_reason = Some(reason.to_owned());
        self.resume_from = None;
        self.cancel_comment = comment.map(str::to_owned);
        Ok(())
    }

    /// `accept_offer {reason}`: the reason's save offer instead of a
    /// cancellation. `skip` acts as `skip_next`, `pause` as `pause` until
    /// today + `days`, `discount` sets `discount_percent`. Skip and pause
    /// offers need `active`.
    pub fn accept_offer(
        &mut self,
        reason: &str,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::AcceptOffer, settings, now)?;
        let offer = settings
            .cancel_reasons
            .iter()
            .find(|r| r.id == reason)
            .and_then(|r| r.offer)
            .ok_or_else(|| DomainError::invalid("reason", "There is no offer for this reason."))?;
        if matches!(offer, SaveOffer::Skip | SaveOffer::Pause { .. }) {
            self.require_status(
                "accept_offer",
                self.subscription.status == SubscriptionStatus::Active,
            )?;
        }
        match offer {
            SaveOffer::Skip => self.skip_rule(),
            SaveOffer::Pause { days } => {
                let resume_on = plus_days(now.date(), i64::from(days));
                self.pause_rule(resume_on, "reason", settings, now)
            }
            SaveOffer::Discount { percent } => {
                self.subscription.discount_percent = Some(percent);
                Ok(())
            }
        }
    }

    /// `reactivate`: active again from today; today's day becomes the anchor
    /// day and the next charge is one interval later, anchored.
    pub fn reactivate(
        &mut self,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::Reactivate, settings, now)?;
        let today = now.date();
        let s = &mut self.subscription;
        s.status = SubscriptionStatus::Active;
        s.anchor_day = today.day() as u8;
        s.next_charge_on = Some(next_after(today, s.interval, s.anchor_day));
        s.paused_until = None;
        s.cancel_reason = None;
        self.cancel_comment = None;
        Ok(())
    }

    /// Settles the record and checks that `action` is allowed now.
    pub(super) fn begin(
        &mut self,
        action: ActionName,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.settle(now);
        self.check_allowed(action, settings, now)
    }

    fn require_status(&self, action: &str, allowed: bool) -> Result<(), DomainError> {
        if allowed {
            Ok(())
        } else {
            Err(DomainError::InvalidState {
                action: action.to_owned(),
                status: self.subscription.status.to_string(),
            })
        }
    }

    fn skip_rule(&mut self) -> Result<(), DomainError> {
        let s = &mut self.subscription;
        // An active subscription always has a next charge; a record that
        // lost it cannot say what to skip.
        let next = s.next_charge_on.ok_or_else(|| {
            DomainError::invalid("next_charge_on", "There is no next delivery to skip.")
        })?;
        s.next_charge_on = Some(next_after(next, s.interval, s.anchor_day));
        Ok(())
    }

    fn pause_rule(
        &mut self,
        resume_on: Date,
        field: &str,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        let today = now.date();
        let last = plus_days(today, i64::from(settings.max_pause_days));
        if resume_on <= today || resume_on > last {
            return Err(DomainError::invalid(
                field,
                format!("A pause ends on a date from tomorrow to {last}."),
            ));
        }
        let s = &mut self.subscription;
        self.resume_from = s.next_charge_on;
        s.status = SubscriptionStatus::Paused;
        s.paused_until = Some(resume_on);
        s.next_charge_on = None;
        Ok(())
    }
}

/// The field error for a quantity outside 1..=`max_quantity`.
pub(super) fn quantity_error(settings: &SubscriptionSettings) -> DomainError {
    DomainError::invalid(
        "quantity",
        format!(
            "The quantity must be a whole number from 1 to {}.",
            settings.max_quantity
        ),
    )
}
