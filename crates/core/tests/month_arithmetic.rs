//! The anchored series of `calendar` against an independent implementation
//! (chrono's clamped month addition) and general properties of series.

use chrono::{Datelike, Months, NaiveDate};
use jiff::civil::{Date, date};
use proptest::prelude::*;
use retention_core::calendar::{
    advance, days_in_month, first_on_or_after, next_after, phase_on_or_after, plus_days,
};
use retention_core::program::{Interval, IntervalUnit};
use retention_core::time::days_since_epoch;

fn to_chrono(d: Date) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year().into(), d.month() as u32, d.day() as u32).expect("valid date")
}

fn from_chrono(d: NaiveDate) -> Date {
    date(d.year() as i16, d.month() as i8, d.day() as i8)
}

fn months(count: u32) -> Interval {
    Interval {
        unit: IntervalUnit::Month,
        count,
    }
}

/// The anchor day in a month, computed by asking chrono which days exist.
fn chrono_anchored(year: i32, month: u32, anchor: u32) -> NaiveDate {
    (1..=anchor)
        .rev()
        .find_map(|day| NaiveDate::from_ymd_opt(year, month, day))
        .expect("every month has a first day")
}

#[test]
fn every_start_day_of_2023_to_2028_matches_chrono() {
    let mut start = date(2023, 1, 1);
    let mut checked = 0;
    while start <= date(2028, 12, 31) {
        let anchor = start.day() as u8;
        for count in [1, 2, 3, 6, 12] {
            for k in 0..=24i64 {
                let expected = to_chrono(start)
                    .checked_add_months(Months::new(count * k as u32))
                    .expect("in range");
                let got = advance(start, months(count), anchor, k);
                assert_eq!(
                    got,
                    from_chrono(expected),
                    "{start} + {k} x {count} months, anchor {anchor}"
                );
                checked += 1;
            }
        }
        start = start.tomorrow().expect("in range");
    }
    assert_eq!(checked, 2192 * 5 * 25);
}

#[test]
fn stepping_one_date_at_a_time_keeps_the_anchor() {
    // next_after from a clamped date (Feb 28) must return to the anchor day.
    for anchor in 1..=31u8 {
        for year in [2023, 2024, 2027, 2028] {
            let start = chrono_anchored(year, 1, anchor.into());
            let mut current = from_chrono(start);
            for k in 1..=24u32 {
                current = next_after(current, months(1), anchor);
                let expected = start.checked_add_months(Months::new(k)).expect("in range");
                assert_eq!(current, from_chrono(expected), "anchor {anchor}, step {k}");
            }
        }
    }
}

#[test]
fn a_series_starting_off_its_anchor_lands_on_the_anchor_afterwards() {
    // A subscription rescheduled to Feb 28 with anchor 31 goes on Mar 31.
    let mut start = date(2023, 1, 1);
    while start <= date(2028, 12, 31) {
        for anchor in [28u8, 29, 30, 31] {
            for k in 1..=24i64 {
                let got = advance(start, months(1), anchor, k);
                let month = to_chrono(start)
                    .with_day(1)
                    .and_then(|d| d.checked_add_months(Months::new(k as u32)))
                    .expect("in range");
                let expected = chrono_anchored(month.year(), month.month(), anchor.into());
                assert_eq!(got, from_chrono(expected), "{start} anchor {anchor} k {k}");
            }
        }
        start = start.tomorrow().expect("in range");
    }
}

#[test]
fn the_spec_examples_hold() {
    let jan31 = date(2027, 1, 31);
    assert_eq!(advance(jan31, months(1), 31, 1), date(2027, 2, 28));
    assert_eq!(advance(jan31, months(1), 31, 2), date(2027, 3, 31));
    assert_eq!(
        advance(date(2028, 1, 31), months(1), 31, 1),
        date(2028, 2, 29)
    );
    assert_eq!(days_in_month(2100, 2), 28);
    assert_eq!(days_in_month(2000, 2), 29);
}

fn unit() -> impl Strategy<Value = IntervalUnit> {
    prop_oneof![
        Just(IntervalUnit::Day),
        Just(IntervalUnit::Week),
        Just(IntervalUnit::Month)
    ]
}

fn any_date() -> impl Strategy<Value = Date> {
    // Years 1..=9000 keep every series in these tests away from the end of
    // the calendar, where dates clamp.
    let first = days_since_epoch(date(1, 1, 1));
    let last = days_since_epoch(date(9000, 12, 31));
    (first..=last).prop_map(|days| plus_days(date(1970, 1, 1), days))
}

proptest! {
    #[test]
    fn series_increase_strictly_and_days_add_exactly(
        start in any_date(),
        anchor in 1u8..=31,
        unit in unit(),
        count in 1u32..=60,
        k in 0i64..=40,
    ) {
        let interval = Interval { unit, count };
        let here = advance(start, interval, anchor, k);
        let next = advance(start, interval, anchor, k + 1);
        prop_assert!(here < next, "{here} then {next}");
        let gap = days_since_epoch(next) - days_since_epoch(here);
        match unit {
            IntervalUnit::Day => prop_assert_eq!(gap, i64::from(count)),
            IntervalUnit::Week => prop_assert_eq!(gap, 7 * i64::from(count)),
            IntervalUnit::Month => {
                let dim = days_in_month(next.year(), next.month());
                prop_assert_eq!(next.day() as u8, anchor.min(dim));
                let months = (i32::from(next.year()) - i32::from(here.year())) * 12
                    + i32::from(next.month()) - i32::from(here.month());
                prop_assert_eq!(months, count as i32);
            }
        }
    }

    #[test]
    fn the_first_date_on_or_after_a_bound_is_the_series_date_a_walk_finds(
        start in any_date(),
        anchor in 1u8..=31,
        unit in unit(),
        count in 1u32..=12,
        ahead in -40i64..=400,
    ) {
        let interval = Interval { unit, count };
        let bound = plus_days(start, ahead);
        let mut k = 0;
        while advance(start, interval, anchor, k) < bound {
            k += 1;
        }
        prop_assert_eq!(first_on_or_after(start, interval, anchor, bound), advance(start, interval, anchor, k));
    }

    #[test]
    fn a_series_through_a_date_runs_both_ways(
        through in any_date(),
        anchor in 1u8..=31,
        unit in unit(),
        count in 1u32..=12,
        back in 0i64..=400,
    ) {
        let interval = Interval { unit, count };
        let bound = plus_days(through, -back);
        let got = phase_on_or_after(through, interval, anchor, bound);
        let mut k = 0;
        while advance(through, interval, anchor, k - 1) >= bound {
            k -= 1;
        }
        prop_assert_eq!(got, advance(through, interval, anchor, k));
        prop_assert!(got >= bound && got <= through);
    }
}
