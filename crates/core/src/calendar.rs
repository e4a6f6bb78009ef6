//! Anchored date arithmetic for subscription series (SPEC 2.5).
//!
//! A series starts at a date and steps by an interval. Month steps keep an
//! anchor day: monthly from Jan 31 gives Feb 28 (Feb 29 in leap years), then
//! Mar 31, because each date is computed from the start rather than from the
//! previous (clamped) date. Day and week steps add exactly.
//!
//! Every function is total: results are clamped to the calendar `jiff`
//! supports (years -9999..=9999), an anchor day outside 1..=31 is clamped
//! into it and an interval count of 0 counts as 1, so no input panics or
//! loops without bound.

use jiff::civil::Date;

use crate::program::{Interval, IntervalUnit};
use crate::time::days_since_epoch;

/// Days in `month` (1..=12) of `year`; a month outside 1..=12 is clamped.
pub fn days_in_month(year: i16, month: i8) -> u8 {
    match month.clamp(1, 12) {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `year` of the proleptic Gregorian calendar has a Feb 29.
pub fn is_leap_year(year: i16) -> bool {
    let y = i32::from(year);
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// The day `anchor_day` of that month, or the month's last day when the
/// month is shorter (anchor 31 in April gives Apr 30).
pub fn anchored(year: i16, month: i8, anchor_day: u8) -> Date {
    let month = month.clamp(1, 12);
    let day = anchor_day.clamp(1, 31).min(days_in_month(year, month));
    // The day is valid for the month, so this only fails outside jiff's
    // year range, where the nearest end of the calendar is the answer.
    // A day of 1..=31 fits in i8.
    Date::new(year, month, day as i8).unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

/// The `k`-th date of the series that starts at `start` and steps by
/// `interval`, keeping `anchor_day` for month steps. `k = 0` is `start`
/// itself; negative `k` walks back along the same series.
pub fn advance(start: Date, interval: Interval, anchor_day: u8, k: i64) -> Date {
    if k == 0 {
        return start;
    }
    let steps = k.saturating_mul(i64::from(interval.count.max(1)));
    match interval.unit {
        IntervalUnit::Day => plus_days(start, steps),
        IntervalUnit::Week => plus_days(start, steps.saturating_mul(7)),
        IntervalUnit::Month => {
            let index = month_index(start).saturating_add(steps);
            // Past either end the series stops at that end, so it never
            // turns back on itself.
            if index > month_index(Date::MAX) {
                return Date::MAX;
            }
            if index < month_index(Date::MIN) {
                return Date::MIN;
            }
            // Both casts are in range: the index is within jiff's years.
            let year = index.div_euclid(12) as i16;
            let month = (index.rem_euclid(12) + 1) as i8;
            anchored(year, month, anchor_day)
        }
    }
}

/// The date after `date` in its series: one interval later, anchored.
pub fn next_after(date: Date, interval: Interval, anchor_day: u8) -> Date {
    advance(date, interval, anchor_day, 1)
}

/// The first date of the series starting at `series_start` (k ≥ 0) that is
/// on or after `bound`. Computed directly, whatever the distance. When the
/// bound lies beyond the supported calendar, the series' last date is
/// returned (it may then be before `bound`).
pub fn first_on_or_after(
    series_start: Date,
    interval: Interval,
    anchor_day: u8,
    bound: Date,
) -> Date {
    if series_start >= bound {
        return series_start;
    }
    advance(
        series_start,
        interval,
        anchor_day,
        step_on_or_after(series_start, interval, anchor_day, bound),
    )
}

/// The smallest `k` (of any sign) whose series date, as [`advance`] gives it,
/// is on or after `bound`: the series is taken as running both ways through
/// `through`. Used when only one date of a series is known, not its start.
pub fn step_on_or_after(through: Date, interval: Interval, anchor_day: u8, bound: Date) -> i64 {
    let count = i64::from(interval.count.max(1));
    let mut k = match interval.unit {
        IntervalUnit::Day | IntervalUnit::Week => {
            let step = if interval.unit == IntervalUnit::Week {
                count * 7
            } else {
                count
            };
            let gap = days_since_epoch(bound) - days_since_epoch(through);
            // Ceiling division that also holds for a negative gap.
            -(-gap).div_euclid(step)
        }
        IntervalUnit::Month => (month_index(bound) - month_index(through)).div_euclid(count),
    };
    // For months, step k lands in bound's month or before it, so at most one
    // more step is needed; the bound keeps clamped ends from looping.
    for _ in 0..3 {
        if advance(through, interval, anchor_day, k) >= bound {
            break;
        }
        k = k.saturating_add(1);
    }
    k
}

/// The first date on or after `bound` of the series through `through`,
/// taken as running both ways (see [`step_on_or_after`]).
pub fn phase_on_or_after(through: Date, interval: Interval, anchor_day: u8, bound: Date) -> Date {
    advance(
        through,
        interval,
        anchor_day,
        step_on_or_after(through, interval, anchor_day, bound),
    )
}

/// Whether `date` is where a month series with `anchor_day` would put a date
/// in its month (the anchor day, or the month's last day when shorter).
pub fn fits_anchor(date: Date, anchor_day: u8) -> bool {
    anchored(date.year(), date.month(), anchor_day) == date
}

/// `date` moved by whole days, clamped to the supported calendar.
pub fn plus_days(date: Date, days: i64) -> Date {
    crate::time::add_days(date, days)
}

/// Reads a date written exactly `YYYY-MM-DD` (see `rfc3339::parse_date`).
pub fn parse_iso_date(text: &str) -> Option<Date> {
    crate::rfc3339::parse_date(text)
}

fn month_index(date: Date) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month()) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const MONTHLY: Interval = Interval {
        unit: IntervalUnit::Month,
        count: 1,
    };

    #[test]
    fn month_ends_follow_the_anchor() {
        let start = date(2027, 1, 31);
        assert_eq!(advance(start, MONTHLY, 31, 1), date(2027, 2, 28));
        assert_eq!(advance(start, MONTHLY, 31, 2), date(2027, 3, 31));
        assert_eq!(
            advance(date(2028, 1, 31), MONTHLY, 31, 1),
            date(2028, 2, 29)
        );
        assert_eq!(advance(start, MONTHLY, 31, -2), date(2026, 11, 30));
    }

    #[test]
    fn extreme_inputs_clamp_instead_of_panicking() {
        let huge = Interval {
            unit: IntervalUnit::Day,
            count: u32::MAX,
        };
        assert_eq!(advance(date(2027, 1, 1), huge, 1, i64::MAX), Date::MAX);
        assert_eq!(advance(date(2027, 1, 1), huge, 1, i64::MIN), Date::MIN);
        let months = Interval {
            unit: IntervalUnit::Month,
            count: 0,
        };
        assert_eq!(advance(Date::MAX, months, 0, 5), Date::MAX);
        assert_eq!(advance(date(9999, 10, 31), months, 0, 1), date(9999, 11, 1));
        assert_eq!(first_on_or_after(Date::MIN, huge, 40, Date::MAX), Date::MAX);
        assert_eq!(plus_days(date(9999, 12, 30), 5), Date::MAX);
        assert_eq!(days_in_month(2027, 13), 31);
    }

    #[test]
    fn only_plain_dates_are_read() {
        assert_eq!(parse_iso_date("2028-02-29"), Some(date(2028, 2, 29)));
        for bad in [
            "2027-02-29",
            "20270131",
            "2027-01-31T00:00:00",
            "2027-1-31",
            "",
            "2027-01-3x",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_first_date_on_or_after_a_bound_is_computed() {
        let daily = Interval {
            unit: IntervalUnit::Day,
            count: 3,
        };
        let start = date(2000, 1, 1);
        let got = first_on_or_after(start, daily, 1, date(2027, 6, 15));
        let gap = days_since_epoch(got) - days_since_epoch(start);
        assert_eq!(gap % 3, 0);
        assert!(got >= date(2027, 6, 15) && got < date(2027, 6, 18));
        assert_eq!(
            phase_on_or_after(date(2027, 3, 31), MONTHLY, 31, date(2027, 2, 1)),
            date(2027, 2, 28)
        );
    }
}
