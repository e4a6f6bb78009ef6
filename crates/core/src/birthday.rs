//! Birthdays (SPEC 2.7): the day a shopper gives, who may change it when,
//! and the reward credited once a calendar year at 09:00 on it in the
//! shopper's time zone.
//!
//! The credit is a time-driven change like an expiry: [`BirthdayLog::credit_due`]
//! runs whenever the customer is settled, and [`BirthdayLog::next_wake`]
//! tells the store when to wake the customer for it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::calendar::{anchored, days_in_month};
use crate::error::DomainError;
use crate::ledger::{Ledger, LotSource};
use crate::preferences::ConsentSource;
use crate::program::Program;
use crate::quiet::zone_or_utc;
use crate::reminders::{PlannedReminder, ReminderKind};
use crate::time::{Date, Instant};
use crate::zone::Zone;

/// The local time of day the reward comes at: 09:00.
pub const REWARD_SECOND_OF_DAY: u32 = 9 * 3_600;
/// Days a shopper's own setting or change stands before the shopper may
/// change it again.
pub const SHOPPER_LOCK_DAYS: i64 = 365;
/// A birthday set or changed fewer days than this before its instant is
/// not rewarded that year.
pub const NOTICE_DAYS: i64 = 30;
/// The description of the reward's ledger entry.
pub const REWARD_DESCRIPTION: &str = "Birthday reward";

/// A day of the year, written `MM-DD`; `02-29` is a valid birthday.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MonthDay {
    month: u8,
    day: u8,
}

impl MonthDay {
    /// The day `day` of `month` when some year has it (Feb 29 included).
    pub fn new(month: u8, day: u8) -> Option<Self> {
        // 2000 is a leap year: every day any year has.
        let longest = days_in_month(2000, month.clamp(1, 12) as i8);
        ((1..=12).contains(&month) && (1..=longest).contains(&day))
            .then_some(MonthDay { month, day })
    }

    /// The month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date it is celebrated on in `year`: Feb 29 falls on Feb 28
    /// outside leap years.
    pub fn in_year(self, year: i16) -> Date {
        anchored(year, self.month as i8, self.day)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// Why a text is not a `MM-DD` day of the year.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a day of the year written MM-DD.")]
pub struct MonthDayParseError(pub String);

impl FromStr for MonthDay {
    type Err = MonthDayParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::rfc3339::two_pairs(s, b'-')
            .and_then(|(m, d)| MonthDay::new(m, d))
            .ok_or_else(|| MonthDayParseError(s.to_owned()))
    }
}

/// The instant of the birthday in `year`: 09:00 on its date in `zone`
/// (after a gap the first valid instant, in a fold the first).
pub fn reward_instant(birthday: MonthDay, year: i16, zone: &Zone) -> Instant {
    zone.instant_of(birthday.in_year(year), REWARD_SECOND_OF_DAY)
}

/// The birthday's instants around `now`, by calendar year, oldest first:
/// the local year of `now`, one before it and two after it, enough for
/// the latest one passed and the next two ahead.
fn instants_around(birthday: MonthDay, zone: &Zone, now: Instant) -> [(i16, Instant); 4] {
    let local = now.plus_seconds(i64::from(zone.offset_seconds(now)));
    let year = local.date().year();
    [-1, 0, 1, 2].map(|k| {
        let y = year.saturating_add(k);
        (y, reward_instant(birthday, y, zone))
    })
}

/// What the handler remembers of a customer's birthday, beside the date
/// in the preferences, by name: when the shopper last set or changed it
/// (`shopper_changed_at`; the merchant's changes do not count toward the
/// shopper's limit), when anyone last did (`changed_at`, for the 30-day
/// notice), 00:00 UTC of the date last rewarded (`rewarded_on`, for once a
/// calendar year), up to when birthday instants were looked at with the
/// program then in force (`considered_through`: a program changed later
/// does not reward them), and the instant of a reward whose reminder is
/// not planned yet (`unannounced`). Stored with the customer, so the rules
/// hold across restarts; a map of the kind the reminder log keeps, so the
/// stored state needs no reader of its own.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BirthdayLog(BTreeMap<String, Instant>);

const SHOPPER_CHANGED_AT: &str = "shopper_changed_at";
const CHANGED_AT: &str = "changed_at";
const REWARDED_ON: &str = "rewarded_on";
const CONSIDERED_THROUGH: &str = "considered_through";
const UNANNOUNCED: &str = "unannounced";

/// The next birthday reward a customer will get.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NextReward {
    /// Points, as the program gives now.
    pub points: i64,
    /// The date it is celebrated on.
    pub on: Date,
    /// The instant it is credited at.
    pub at: Instant,
}

impl BirthdayLog {
    /// Whether nothing is remembered (a customer who never gave one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, name: &str) -> Option<Instant> {
        self.0.get(name).copied()
    }

    fn set(&mut self, name: &str, at: Instant) {
        self.0.insert(name.to_owned(), at);
    }

    /// When the shopper last set or changed the birthday.
    pub fn shopper_changed_at(&self) -> Option<Instant> {
        self.get(SHOPPER_CHANGED_AT)
    }

    /// When anyone last set or changed the birthday.
    pub fn changed_at(&self) -> Option<Instant> {
        self.get(CHANGED_AT)
    }

    /// The calendar year of the last reward.
    pub fn rewarded_year(&self) -> Option<i16> {
        self.get(REWARDED_ON).map(|on| on.date().year())
    }

    /// Checks a change of the birthday from `before` to `after` by
    /// `source` at `now`, and records it. The shopper may set it while it
    /// is null; any other change of theirs within 365 days of their last
    /// one is refused with `birthday_locked`. The merchant may always
    /// change it. Changes nothing when refused.
    pub fn change(
        &mut self,
        before: Option<MonthDay>,
        after: Option<MonthDay>,
        source: ConsentSource,
        now: Instant,
    ) -> Result<(), DomainError> {
        if before == after {
            return Ok(());
        }
        if source == ConsentSource::Shopper {
            let until = self
                .shopper_changed_at()
                .map(|at| at.plus_days(SHOPPER_LOCK_DAYS));
            if let (Some(_), Some(until)) = (before, until)
                && now < until
            {
                return Err(DomainError::BirthdayLocked { until });
            }
            self.set(SHOPPER_CHANGED_AT, now);
        }
        self.set(CHANGED_AT, now);
        Ok(())
    }

    /// Whether the birthday of `year`, at `at`, may still be rewarded:
    /// none yet that year, and not set or changed within 30 days before.
    fn may_reward(&self, year: i16, at: Instant) -> bool {
        self.rewarded_year().is_none_or(|y| y < year)
            && self
                .changed_at()
                .is_none_or(|c| c <= at.plus_days(-NOTICE_DAYS))
    }

    /// Credits the reward of the latest birthday instant up to `now`, if
    /// not looked at before and the program in force gives one: an
    /// `adjust` entry "Birthday reward" dated at that instant, available at
    /// once, expiring `expires_in_days` after it; its reminder waits for
    /// [`Self::take_reminder`]. Call whenever the customer is settled; a
    /// late call credits what was missed.
    pub fn credit_due(
        &mut self,
        ledger: &mut Ledger,
        birthday: Option<MonthDay>,
        time_zone: &str,
        program: &Program,
        now: Instant,
    ) {
        let Some(birthday) = birthday else { return };
        let zone = zone_or_utc(time_zone);
        let Some((year, at)) = instants_around(birthday, &zone, now)
            .into_iter()
            .rfind(|(_, at)| *at <= now)
        else {
            return;
        };
        let considered = self.get(CONSIDERED_THROUGH);
        let fresh = considered.is_none_or(|c| at > c);
        self.set(CONSIDERED_THROUGH, considered.map_or(now, |c| c.max(now)));
        let Some(reward) = program
            .birthday_reward
            .filter(|_| fresh && self.may_reward(year, at))
        else {
            return;
        };
        let expires_at = at.plus_days(i64::from(reward.expires_in_days));
        // Only a ledger at its limit refuses; the year is then passed over.
        let credited = ledger.adjust(
            program,
            reward.points,
            REWARD_DESCRIPTION,
            Some(expires_at),
            at,
            now,
        );
        if credited.is_ok() {
            self.set(REWARDED_ON, Instant::start_of(birthday.in_year(year)));
            self.set(UNANNOUNCED, at);
        }
    }

    /// The `birthday_reward` reminder of a reward credited since the last
    /// call, planned for the reward's instant, with `{points, expires_at}`
    /// of its lot in `ledger`.
    pub fn take_reminder(&mut self, ledger: &Ledger) -> Option<PlannedReminder> {
        let at = self.0.remove(UNANNOUNCED)?;
        let lot = ledger.lots.iter().find(|lot| {
            lot.earned_at == at
                && matches!(&lot.source, LotSource::Adjustment { reason } if reason == REWARD_DESCRIPTION)
        })?;
        let mut data = Map::new();
        data.insert("points".to_owned(), Value::from(lot.points));
        let expires_at = lot.fixed_expiry.map(|e| Value::from(e.to_string()));
        data.insert("expires_at".to_owned(), expires_at.unwrap_or_default());
        Some(PlannedReminder {
            key: format!("birthday_reward:{}", at.unix()),
            kind: ReminderKind::BirthdayReward,
            at,
            data: Value::Object(data),
        })
    }

    /// The next birthday instant after `now` that may be rewarded: when
    /// to wake the customer. Whatever the program says now, so that the
    /// program in force at that instant decides.
    pub fn next_wake(
        &self,
        birthday: Option<MonthDay>,
        time_zone: &str,
        now: Instant,
    ) -> Option<Instant> {
        self.next_candidate(birthday?, time_zone, now)
            .map(|(_, at)| at)
    }

    /// The next reward this customer will get after `now` (`/v1/me`'s
    /// `loyalty.birthday_reward`), on a log already credited up to `now`:
    /// none without a birthday or a reward in the program.
    pub fn next_reward(
        &self,
        birthday: Option<MonthDay>,
        time_zone: &str,
        program: &Program,
        now: Instant,
    ) -> Option<NextReward> {
        let reward = program.birthday_reward?;
        let birthday = birthday?;
        let (year, at) = self.next_candidate(birthday, time_zone, now)?;
        Some(NextReward {
            points: reward.points,
            on: birthday.in_year(year),
            at,
        })
    }

    fn next_candidate(
        &self,
        birthday: MonthDay,
        time_zone: &str,
        now: Instant,
    ) -> Option<(i16, Instant)> {
        let zone = zone_or_utc(time_zone);
        instants_around(birthday, &zone, now)
            .into_iter()
            .find(|(year, at)| *at > now && self.may_reward(*year, *at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_of_the_year_parse_strictly() {
        assert_eq!("02-29".parse::<MonthDay>().unwrap().to_string(), "02-29");
        assert_eq!("12-31".parse::<MonthDay>().unwrap().day(), 31);
        for bad in [
            "02-30", "04-31", "13-01", "00-10", "01-00", "1-01", "01/01", "0101", "",
        ] {
            assert!(bad.parse::<MonthDay>().is_err(), "{bad}");
        }
    }

    #[test]
    fn feb_29_is_celebrated_on_feb_28_outside_leap_years() {
        let leap_day = MonthDay::new(2, 29).unwrap();
        assert_eq!(leap_day.in_year(2027).to_string(), "2027-02-28");
        assert_eq!(leap_day.in_year(2028).to_string(), "2028-02-29");
        assert_eq!(leap_day.in_year(2100).to_string(), "2100-02-28");
    }
}
