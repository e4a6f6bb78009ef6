//! Instants and dates as the product speaks of them: UTC instants to the
//! second, written `YYYY-MM-DDTHH:MM:SSZ`, and calendar dates `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use jiff::civil::Date;

/// Seconds in a day; the product's days are always exactly this long.
pub const DAY_SECONDS: i64 = 86_400;

/// A UTC instant, to the second.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Instant(i64);

/// Why a text is not an instant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an RFC 3339 instant such as 2027-01-31T09:30:00Z.")]
pub struct InstantParseError(pub String);

impl Instant {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub const fn from_unix(seconds: i64) -> Self {
        Instant(seconds)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// 00:00:00 UTC of `date`.
    pub fn start_of(date: Date) -> Self {
        Instant(days_since_epoch(date) * DAY_SECONDS)
    }

    /// This instant moved by `seconds` (negative moves back).
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Instant(self.0.saturating_add(seconds))
    }

    /// This instant moved by whole days of 86 400 s.
    pub const fn plus_days(self, days: i64) -> Self {
        self.plus_seconds(days.saturating_mul(DAY_SECONDS))
    }

    /// This instant moved by whole hours.
    pub const fn plus_hours(self, hours: i64) -> Self {
        self.plus_seconds(hours.saturating_mul(3_600))
    }

    /// The UTC date this instant falls on.
    pub fn date(self) -> Date {
        date_from_days(self.0.div_euclid(DAY_SECONDS))
    }

    /// The same instant as a `jiff` timestamp, for time-zone work.
    pub fn timestamp(self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.0).unwrap_or(if self.0 < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        })
    }

    /// The instant of a `jiff` timestamp, with fractions of a second dropped.
    pub fn from_timestamp(ts: jiff::Timestamp) -> Self {
        Instant(ts.as_second())
    }
}

/// Days from 1970-01-01 to `date` (negative before it), in the proleptic
/// Gregorian calendar. The count is Howard Hinnant's `days_from_civil`:
/// jiff's span arithmetic answers the same (the tests compare) but links
/// its error formatting into the edge module.
pub fn days_since_epoch(date: Date) -> i64 {
    let (month, day) = (i64::from(date.month()), i64::from(date.day()));
    // Years start in March, so a leap day ends its year.
    let year = i64::from(date.year()) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01, clamped to the supported calendar
/// (Hinnant's `civil_from_days`).
pub fn date_from_days(days: i64) -> Date {
    let days = days.clamp(days_since_epoch(Date::MIN), days_since_epoch(Date::MAX)) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Clamped above, so the year fits and the date exists.
    Date::new(year as i16, month as i8, day as i8).unwrap_or(Date::MIN)
}

/// `date` moved by whole days, clamped to the supported calendar.
pub fn add_days(date: Date, days: i64) -> Date {
    date_from_days(days_since_epoch(date).saturating_add(days))
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Within the calendar's range, as jiff's timestamps are.
        let first = Instant::start_of(Date::MIN).0;
        let last = Instant::start_of(Date::MAX).0 + DAY_SECONDS - 1;
        let at = Instant(self.0.clamp(first, last));
        let date = at.date();
        let second = at.0.rem_euclid(DAY_SECONDS);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            date.year(),
            date.month(),
            date.day(),
            second / 3_600,
            second / 60 % 60,
            second % 60
        )
    }
}

impl FromStr for Instant {
    type Err = InstantParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // RFC 3339 requires an offset; a bare civil datetime is refused.
        crate::rfc3339::parse_instant(s)
            .map(Instant)
            .ok_or_else(|| InstantParseError(s.to_owned()))
    }
}

/// Writes `value` as `width` decimal digits at `at` (leading zeros).
fn put_digits(out: &mut [u8], at: usize, width: usize, mut value: u32) {
    for i in (at..at + width).rev() {
        out[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `YYYY-MM-DD` for years 0 to 9999, written without the formatting
/// machinery: a view carries dozens of dates and instants, and `write!`
/// was a tenth of serialising one.
fn date_text(date: Date) -> Option<[u8; 10]> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9_999)?;
    let mut out = *b"0000-00-00";
    put_digits(&mut out, 0, 4, year);
    put_digits(&mut out, 5, 2, date.month() as u32);
    put_digits(&mut out, 8, 2, date.day() as u32);
    Some(out)
}

/// Serialises ASCII text written by [`date_text`] or [`Instant::text`].
fn serialize_ascii<S: Serializer>(text: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(std::str::from_utf8(text).unwrap_or_default())
}

impl Instant {
    /// `YYYY-MM-DDTHH:MM:SSZ` within the calendar for years 0 to 9999
    /// (see [`date_text`]).
    fn text(self) -> Option<[u8; 20]> {
        if self.0 > Instant::start_of(Date::MAX).0 + DAY_SECONDS - 1 {
            return None;
        }
        let date = date_text(self.date())?;
        let second = self.0.rem_euclid(DAY_SECONDS) as u32;
        let mut out = *b"0000-00-00T00:00:00Z";
        out[..10].copy_from_slice(&date);
        put_digits(&mut out, 11, 2, second / 3_600);
        put_digits(&mut out, 14, 2, second / 60 % 60);
        put_digits(&mut out, 17, 2, second % 60);
        Some(out)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            Some(text) => serialize_ascii(&text, serializer),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::serde_util::from_text(deserializer)
    }
}

/// Serde for a required `Date` written exactly `YYYY-MM-DD`.
pub mod iso_date {
    use serde::{Deserializer, Serializer};

    use super::iso_date_opt;
    use crate::time::Date;

    /// Writes the date as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        iso_date_opt::serialize(&Some(*date), serializer)
    }

    /// Reads a date written exactly `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        iso_date_opt::deserialize(deserializer)?
            .ok_or_else(|| serde::de::Error::custom("a date written YYYY-MM-DD is required"))
    }
}

/// Serde for an `Option<Date>` that must be present and is written exactly
/// `YYYY-MM-DD` or `null` (a plain `Option` would take a missing field as
/// `None`).
pub mod iso_date_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::calendar::parse_iso_date;
    use crate::time::Date;

    /// Writes the date, or null.
    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date.map(|d| (d, super::date_text(d))) {
            Some((_, Some(text))) => super::serialize_ascii(&text, serializer),
            Some((date, None)) => serializer.collect_str(&date),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a date written exactly `YYYY-MM-DD`, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        Ok(Option::<IsoDate>::deserialize(deserializer)?.map(|d| d.0))
    }

    /// A date written exactly `YYYY-MM-DD`, refused inside its string's
    /// read (see `serde_util::from_text`).
    struct IsoDate(Date);

    impl std::str::FromStr for IsoDate {
        type Err = String;

        fn from_str(text: &str) -> Result<Self, String> {
            parse_iso_date(text)
                .map(IsoDate)
                .ok_or_else(|| format!("{text:?} is not a date written YYYY-MM-DD"))
        }
    }

    impl<'de> Deserialize<'de> for IsoDate {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            crate::serde_util::from_text(deserializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The day count is jiff's, over the whole calendar, both ways.
        #[test]
        fn day_counts_agree_with_jiff(days in -4_371_587i64..=2_932_896) {
            let epoch = jiff::civil::date(1970, 1, 1);
            let date = date_from_days(days);
            let by_jiff = epoch.checked_add(jiff::Span::new().try_days(days).unwrap());
            prop_assert_eq!(Some(date), by_jiff.ok());
            prop_assert_eq!(days_since_epoch(date), days);
            let since = date.since((jiff::Unit::Day, epoch)).unwrap().get_days();
            prop_assert_eq!(i64::from(since), days);
        }

        /// An instant prints as jiff prints it in UTC, to the second.
        #[test]
        fn instants_print_as_jiff_does(seconds in -62_135_596_800i64..253_402_300_799) {
            let ts = jiff::Timestamp::from_second(seconds).unwrap();
            prop_assert_eq!(
                Instant::from_unix(seconds).to_string(),
                ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }

        /// Serialised, an instant is the text it prints, over every
        /// instant including those beyond the calendar (clamped alike).
        #[test]
        fn instants_serialise_as_they_print(seconds in prop_oneof![any::<i64>(), -62_135_596_800i64..253_402_300_799]) {
            let at = Instant::from_unix(seconds);
            prop_assert_eq!(serde_json::to_string(&at).unwrap(), format!("\"{at}\""));
        }

        /// Serialised, a date is the text jiff prints, over the calendar.
        #[test]
        fn dates_serialise_as_they_print(days in -4_371_587i64..=2_932_896) {
            #[derive(serde::Serialize)]
            struct Dated(#[serde(with = "iso_date")] Date);
            #[derive(serde::Serialize)]
            struct Maybe(#[serde(with = "iso_date_opt")] Option<Date>);
            let date = date_from_days(days);
            prop_assert_eq!(serde_json::to_string(&Dated(date)).unwrap(), format!("\"{date}\""));
            prop_assert_eq!(serde_json::to_string(&Maybe(Some(date))).unwrap(), format!("\"{date}\""));
            prop_assert_eq!(serde_json::to_string(&Maybe(None)).unwrap(), "null");
        }
    }

    #[test]
    fn the_ends_of_the_calendar_serialise_as_they_print() {
        for seconds in [
            i64::MIN,
            -62_135_596_801,
            -62_135_596_800,
            0,
            253_402_300_799,
            253_402_300_800,
            i64::MAX,
        ] {
            let at = Instant::from_unix(seconds);
            assert_eq!(serde_json::to_string(&at).unwrap(), format!("\"{at}\""));
        }
    }

    #[test]
    fn the_day_count_stops_at_the_ends_of_the_calendar() {
        assert_eq!(date_from_days(i64::MIN), Date::MIN);
        assert_eq!(date_from_days(i64::MAX), Date::MAX);
        assert_eq!(date_from_days(0), jiff::civil::date(1970, 1, 1));
        assert_eq!(days_since_epoch(jiff::civil::date(2000, 3, 1)), 11_017);
    }

    #[test]
    fn instants_print_in_utc_to_the_second() {
        let at: Instant = "2027-03-12T12:30:05+03:00".parse().unwrap();
        assert_eq!(at.to_string(), "2027-03-12T09:30:05Z");
        assert_eq!(at.date(), jiff::civil::date(2027, 3, 12));
    }

    #[test]
    fn instants_without_an_offset_are_refused() {
        assert!("2027-03-12T12:30:05".parse::<Instant>().is_err());
        assert!("soon".parse::<Instant>().is_err());
    }

    #[test]
    fn the_whole_calendar_is_reachable() {
        assert_eq!(date_from_days(days_since_epoch(Date::MAX)), Date::MAX);
        assert_eq!(date_from_days(days_since_epoch(Date::MIN)), Date::MIN);
        assert_eq!(date_from_days(i64::MAX), Date::MAX);
        assert_eq!(add_days(jiff::civil::date(9_999, 12, 1), 30), Date::MAX);
        assert_eq!(Instant::from_unix(i64::MAX).plus_days(1).date(), Date::MAX);
    }

    #[test]
    fn dates_and_day_numbers_round_trip() {
        for days in [-1, 0, 1, 19_000, 20_500] {
            assert_eq!(days_since_epoch(date_from_days(days)), days);
        }
        let d = jiff::civil::date(2028, 2, 29);
        assert_eq!(Instant::start_of(d).to_string(), "2028-02-29T00:00:00Z");
        assert_eq!(
            Instant::start_of(d).plus_seconds(-1).date(),
            jiff::civil::date(2028, 2, 28)
        );
    }
}
