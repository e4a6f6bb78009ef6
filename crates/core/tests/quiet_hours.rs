//! Quiet-time arithmetic: exact examples around midnight and DST changes,
//! and properties checked against an independent reading of local time.

use jiff::tz::TimeZone;
use proptest::prelude::*;
use retention_core::preferences::ClockTime;
use retention_core::{Instant, QuietHours, QuietTime};

const ZONES: [&str; 3] = ["America/New_York", "Australia/Sydney", "Europe/Moscow"];

fn window(start: &str, end: &str) -> QuietHours {
    QuietHours {
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
    }
}

fn at(utc: &str) -> Instant {
    utc.parse().unwrap()
}

/// The instant a wall clock in `zone` shows `civil`; in a fold, the first
/// (`later == false`) or second time it shows it.
fn local(zone: &str, civil: &str, later: bool) -> Instant {
    let tz = TimeZone::get(zone).unwrap();
    let ambiguous = tz.to_ambiguous_timestamp(civil.parse().unwrap());
    let ts = if later {
        ambiguous.later()
    } else {
        ambiguous.earlier()
    };
    Instant::from_timestamp(ts.unwrap())
}

fn next(
    zone: &str,
    shopper: Option<QuietHours>,
    floor: Option<QuietHours>,
    now: Instant,
) -> Instant {
    QuietTime::new(zone, shopper, floor).next_allowed(now)
}

const MOSCOW: &str = "Europe/Moscow";
const NEW_YORK: &str = "America/New_York";
const SYDNEY: &str = "Australia/Sydney";

#[test]
fn the_floor_across_midnight_ends_at_eight_local() {
    let floor = Some(window("21:00", "08:00"));
    let quiet = QuietTime::new(MOSCOW, None, floor);
    // Moscow is UTC+3 all year since 2014: 23:00 MSK is 20:00Z.
    assert_eq!(
        quiet.quiet_until(at("2027-01-10T20:00:00Z")),
        Some(at("2027-01-11T05:00:00Z"))
    );
    assert_eq!(
        quiet.quiet_until(at("2027-07-10T22:30:00Z")),
        Some(at("2027-07-11T05:00:00Z"))
    );
    // Just after midnight, the same night's end.
    assert_eq!(
        quiet.next_allowed(local(MOSCOW, "2027-07-11T00:15", false)),
        local(MOSCOW, "2027-07-11T08:00", false)
    );
}

#[test]
fn start_is_inside_and_end_is_outside() {
    let quiet = QuietTime::new(MOSCOW, None, Some(window("21:00", "08:00")));
    let start = local(MOSCOW, "2027-05-01T21:00", false);
    let end = local(MOSCOW, "2027-05-02T08:00", false);
    assert!(quiet.is_quiet(start));
    assert!(!quiet.is_quiet(end));
    assert_eq!(quiet.quiet_until(end), None);
    assert_eq!(quiet.next_allowed(end), end);
    assert_eq!(quiet.quiet_until(end.plus_seconds(-1)), Some(end));
    assert_eq!(quiet.quiet_until(start.plus_seconds(-1)), None);
    assert_eq!(quiet.next_allowed(start), end);
}

#[test]
fn outside_both_windows_is_now() {
    let now = local(MOSCOW, "2027-05-01T12:34:56", false);
    let quiet = QuietTime::new(
        MOSCOW,
        Some(window("13:00", "14:00")),
        Some(window("21:00", "08:00")),
    );
    assert_eq!(quiet.quiet_until(now), None);
    assert_eq!(quiet.next_allowed(now), now);
}

#[test]
fn chained_windows_end_at_the_last_end() {
    let floor = Some(window("21:00", "08:00"));
    // The shopper's morning window starts inside the floor and ends later.
    assert_eq!(
        next(
            MOSCOW,
            Some(window("07:00", "10:00")),
            floor,
            local(MOSCOW, "2027-05-01T23:00", false)
        ),
        local(MOSCOW, "2027-05-02T10:00", false)
    );
    // The shopper's evening window runs into the floor.
    assert_eq!(
        next(
            MOSCOW,
            Some(window("20:00", "22:00")),
            floor,
            local(MOSCOW, "2027-05-01T20:30", false)
        ),
        local(MOSCOW, "2027-05-02T08:00", false)
    );
    // Windows that only touch chain too.
    assert_eq!(
        next(
            MOSCOW,
            Some(window("08:00", "09:30")),
            floor,
            local(MOSCOW, "2027-05-01T22:00", false)
        ),
        local(MOSCOW, "2027-05-02T09:30", false)
    );
    // A shopper window inside the floor changes nothing.
    assert_eq!(
        next(
            MOSCOW,
            Some(window("23:00", "01:00")),
            floor,
            local(MOSCOW, "2027-05-01T23:30", false)
        ),
        local(MOSCOW, "2027-05-02T08:00", false)
    );
}

#[test]
fn windows_covering_the_whole_day_leave_only_the_floor() {
    let floor = Some(window("21:00", "08:00"));
    for shopper in [window("08:00", "21:00"), window("07:00", "22:00")] {
        let quiet = QuietTime::new(MOSCOW, Some(shopper), floor);
        let noon = local(MOSCOW, "2027-05-01T12:00", false);
        assert_eq!(quiet.quiet_until(noon), None);
        assert_eq!(
            quiet.next_allowed(local(MOSCOW, "2027-05-01T22:00", false)),
            local(MOSCOW, "2027-05-02T08:00", false)
        );
    }
    // Without a floor, the shopper's window alone applies.
    let quiet = QuietTime::new(MOSCOW, Some(window("08:00", "21:00")), None);
    assert_eq!(
        quiet.next_allowed(local(MOSCOW, "2027-05-01T12:00", false)),
        local(MOSCOW, "2027-05-01T21:00", false)
    );
}

#[test]
fn no_windows_and_empty_windows_are_never_quiet() {
    let now = at("2027-05-01T01:00:00Z");
    assert_eq!(next(NEW_YORK, None, None, now), now);
    assert_eq!(
        next(
            NEW_YORK,
            Some(window("01:00", "01:00")),
            Some(window("21:00", "21:00")),
            now
        ),
        now
    );
}

#[test]
fn new_york_spring_forward_shortens_the_night() {
    // 2027-03-14 02:00 EST jumps to 03:00 EDT (07:00Z).
    let floor = Some(window("21:00", "08:00"));
    assert_eq!(
        next(NEW_YORK, None, floor, at("2027-03-14T03:00:00Z")), // 22:00 EST
        at("2027-03-14T12:00:00Z")                               // 08:00 EDT
    );
}

#[test]
fn new_york_window_ending_in_the_gap_ends_at_the_transition() {
    // 02:30 does not exist on 2027-03-14; the first valid instant after
    // the gap is 03:00 EDT = 07:00Z, not 03:30 EDT.
    let shopper = Some(window("22:00", "02:30"));
    assert_eq!(
        next(NEW_YORK, shopper, None, at("2027-03-14T04:00:00Z")), // 23:00 EST
        at("2027-03-14T07:00:00Z")
    );
    assert_eq!(
        next(NEW_YORK, shopper, None, at("2027-03-14T06:59:59Z")), // 01:59:59 EST
        at("2027-03-14T07:00:00Z")
    );
    // A window that starts in the gap has already started at 03:00 EDT.
    let quiet = QuietTime::new(NEW_YORK, Some(window("02:15", "04:00")), None);
    assert!(!quiet.is_quiet(at("2027-03-14T06:59:59Z")));
    assert_eq!(
        quiet.next_allowed(at("2027-03-14T07:00:00Z")),
        at("2027-03-14T08:00:00Z") // 04:00 EDT
    );
}

#[test]
fn an_allowed_minute_inside_the_gap_is_allowed_the_next_day() {
    // 2024-03-10, New York springs forward from 02:00 to 03:00. The floor
    // 02:31–02:30 is quiet all day but 02:30–02:31, a minute that does not
    // exist that day: 03:00 is inside the window (02:31 ≤ 03:00), so by
    // SPEC 2.6 the first instant outside it is 02:30 EDT on 2024-03-11.
    let floor = Some(window("02:31", "02:30"));
    let now = Instant::from_unix(1_710_048_599); // 2024-03-10 00:29:59 EST
    assert_eq!(next(NEW_YORK, None, floor, now), at("2024-03-11T06:30:00Z"));
    assert_eq!(
        next(
            NEW_YORK,
            None,
            floor,
            local(NEW_YORK, "2024-03-10T03:00", false)
        ),
        at("2024-03-11T06:30:00Z")
    );
    // The stretch is over a day and an hour long, and still the shortest
    // the rule allows: the property holds for it (proptest's shrink of a
    // case that failed CI, also in quiet_hours.proptest-regressions).
    check_first_instant_outside(NEW_YORK, now, None, floor).unwrap();
}

#[test]
fn new_york_fall_back_ends_at_the_first_reaching_of_the_end() {
    // 2027-11-07 02:00 EDT falls back to 01:00 EST (06:00Z).
    let floor = Some(window("21:00", "08:00"));
    assert_eq!(
        next(NEW_YORK, None, floor, at("2027-11-07T02:00:00Z")), // 22:00 EDT
        at("2027-11-07T13:00:00Z")                               // 08:00 EST
    );
    // The end falls before the fold: the first 01:30 (EDT).
    let before_fold = Some(window("00:00", "01:30"));
    assert_eq!(
        next(NEW_YORK, before_fold, None, at("2027-11-07T04:30:00Z")), // 00:30 EDT
        at("2027-11-07T05:30:00Z")                                     // 01:30 EDT
    );
    // The second 01:10 (EST) is inside again; it ends at the second 01:30.
    assert_eq!(
        next(NEW_YORK, before_fold, None, at("2027-11-07T06:10:00Z")),
        at("2027-11-07T06:30:00Z")
    );
    // The window spans the fold: the clock reaches 02:30 only once, in EST.
    let across = Some(window("01:00", "02:30"));
    assert_eq!(
        next(NEW_YORK, across, None, at("2027-11-07T05:10:00Z")), // 01:10 EDT
        at("2027-11-07T07:30:00Z")                                // 02:30 EST
    );
    assert_eq!(
        local(NEW_YORK, "2027-11-07T02:30", false),
        at("2027-11-07T07:30:00Z")
    );
}

#[test]
fn sydney_spring_forward_in_october() {
    // 2027-10-03 02:00 AEST jumps to 03:00 AEDT (2027-10-02T16:00Z).
    let shopper = Some(window("23:00", "02:30"));
    assert_eq!(
        next(SYDNEY, shopper, None, at("2027-10-02T13:30:00Z")), // 23:30 AEST
        at("2027-10-02T16:00:00Z")
    );
    let floor = Some(window("21:00", "08:00"));
    assert_eq!(
        next(SYDNEY, None, floor, at("2027-10-02T12:00:00Z")), // 22:00 AEST
        at("2027-10-02T21:00:00Z")                             // 08:00 AEDT
    );
}

#[test]
fn sydney_fall_back_in_april() {
    // 2027-04-04 03:00 AEDT falls back to 02:00 AEST (2027-04-03T16:00Z).
    let floor = Some(window("21:00", "08:00"));
    assert_eq!(
        next(SYDNEY, None, floor, at("2027-04-03T11:00:00Z")), // 22:00 AEDT
        at("2027-04-03T22:00:00Z")                             // 08:00 AEST
    );
    let in_fold = Some(window("02:00", "02:30"));
    assert_eq!(
        next(SYDNEY, in_fold, None, at("2027-04-03T15:10:00Z")), // 02:10 AEDT
        at("2027-04-03T15:30:00Z")                               // 02:30 AEDT
    );
    assert_eq!(
        next(SYDNEY, in_fold, None, at("2027-04-03T16:10:00Z")), // 02:10 AEST
        at("2027-04-03T16:30:00Z")                               // 02:30 AEST
    );
    // Between the two 02:30s the clock shows 02:30..03:00 and then 02:00
    // again: outside, so a message may go out right away.
    let between = at("2027-04-03T15:45:00Z");
    assert_eq!(next(SYDNEY, in_fold, None, between), between);
}

#[test]
fn an_unknown_zone_is_read_as_utc() {
    let floor = Some(window("21:00", "08:00"));
    assert_eq!(
        next("Not/AZone", None, floor, at("2027-05-01T22:00:00Z")),
        at("2027-05-02T08:00:00Z")
    );
    assert_eq!(
        next("", None, floor, at("2027-05-01T22:00:00Z")),
        at("2027-05-02T08:00:00Z")
    );
}

#[test]
fn the_ends_of_time_do_not_panic() {
    let shopper = Some(window("00:00", "23:59"));
    let floor = Some(window("23:00", "00:30"));
    for zone in ZONES {
        for seconds in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            let now = Instant::from_unix(seconds);
            let quiet = QuietTime::new(zone, shopper, floor);
            let answer = quiet.next_allowed(now);
            assert!(answer >= now);
            let _ = quiet.quiet_until(now);
        }
    }
}

// ---- properties -------------------------------------------------------

/// Seconds of local time of day, read through `ZonedDateTime` rather than
/// the civil conversion the implementation uses.
fn local_seconds(tz: &TimeZone, instant: Instant) -> u32 {
    let zoned = instant.timestamp().to_zoned_datetime(tz.clone());
    (zoned.hour() as u32) * 3_600 + (zoned.minute() as u32) * 60 + zoned.second() as u32
}

/// Whether `seconds` is in `[start, end)` on a circular clock, from
/// minutes, written independently of `QuietHours::contains`.
fn in_window(w: &QuietHours, seconds: u32) -> bool {
    let (s, e) = (
        u32::from(w.start.minutes()) * 60,
        u32::from(w.end.minutes()) * 60,
    );
    let length = (e + 86_400 - s) % 86_400;
    (seconds + 86_400 - s) % 86_400 < length
}

/// Whether every minute of the day is inside one of the windows.
fn covers_day(windows: &[QuietHours]) -> bool {
    (0..1_440).all(|m| windows.iter().any(|w| in_window(w, m * 60)))
}

/// The windows the SPEC says apply.
fn effective(shopper: Option<QuietHours>, floor: Option<QuietHours>) -> Vec<QuietHours> {
    let both: Vec<_> = [shopper, floor].into_iter().flatten().collect();
    if covers_day(&both) {
        floor.into_iter().collect()
    } else {
        both
    }
}

fn quiet_at(tz: &TimeZone, windows: &[QuietHours], instant: Instant) -> bool {
    let seconds = local_seconds(tz, instant);
    windows.iter().any(|w| in_window(w, seconds))
}

fn clock() -> impl Strategy<Value = ClockTime> {
    // Half the times on the hour or half hour, where DST changes and
    // typical windows sit, so edges meet often.
    prop_oneof![
        (0u8..24, prop::sample::select(vec![0u8, 30])),
        (0u8..24, 0u8..60),
    ]
    .prop_map(|(h, m)| ClockTime::new(h, m).unwrap())
}

fn quiet_hours() -> impl Strategy<Value = Option<QuietHours>> {
    prop::option::weighted(
        0.85,
        (clock(), clock()).prop_map(|(start, end)| QuietHours { start, end }),
    )
}

const FROM: i64 = 1_672_531_200; // 2023-01-01T00:00:00Z
const UNTIL: i64 = 1_861_920_000; // 2029-01-01T00:00:00Z

/// Random instants in 2023–2028, half of them within a day of a DST change.
fn instant_in(zone: &'static str) -> impl Strategy<Value = Instant> {
    prop_oneof![
        (FROM..UNTIL).prop_map(Instant::from_unix),
        (FROM..UNTIL - 86_400 * 200, -86_400i64..86_400).prop_map(move |(base, offset)| {
            let tz = TimeZone::get(zone).unwrap();
            let transition = tz
                .following(Instant::from_unix(base).timestamp())
                .next()
                .map(|t| Instant::from_timestamp(t.timestamp()))
                .unwrap_or(Instant::from_unix(base));
            transition.plus_seconds(offset)
        }),
    ]
}

fn case() -> impl Strategy<
    Value = (
        &'static str,
        Instant,
        Option<QuietHours>,
        Option<QuietHours>,
    ),
> {
    prop::sample::select(ZONES.to_vec())
        .prop_flat_map(|zone| (Just(zone), instant_in(zone), quiet_hours(), quiet_hours()))
}

/// Whether the clocks of `tz` jump forward (a DST gap) between `from` and
/// `until`.
fn gap_between(tz: &TimeZone, from: Instant, until: Instant) -> bool {
    tz.following(from.timestamp())
        .take_while(|t| t.timestamp() <= until.timestamp())
        .any(|t| {
            let before = tz.to_offset(t.timestamp() - jiff::SignedDuration::from_secs(1));
            t.offset() > before
        })
}

/// The property of `next_allowed`, checked against an independent reading
/// of local time: the answer is not quiet, every minute before it is, and
/// the stretch is as long as the windows and the zone's clock allow.
fn check_first_instant_outside(
    zone: &str,
    now: Instant,
    shopper: Option<QuietHours>,
    floor: Option<QuietHours>,
) -> Result<(), TestCaseError> {
    let tz = TimeZone::get(zone).unwrap();
    let windows = effective(shopper, floor);
    let quiet = QuietTime::new(zone, shopper, floor);
    let answer = quiet.next_allowed(now);

    prop_assert!(answer >= now);
    prop_assert!(!quiet_at(&tz, &windows, answer), "answer {answer} is quiet");
    prop_assert_eq!(quiet.quiet_until(now), (answer > now).then_some(answer));
    prop_assert_eq!(quiet.is_quiet(now), quiet_at(&tz, &windows, now));
    if !quiet_at(&tz, &windows, now) {
        prop_assert_eq!(answer, now);
    } else {
        // A quiet stretch lasts under a day plus a DST hour, unless a DST
        // gap swallowed every allowed local time of a day (a window whose
        // allowed part lies inside the skipped hour): then the next day's
        // allowed time is the answer, under two days plus the hour.
        let stretch = answer.unix() - now.unix();
        if stretch > 86_400 + 3_600 {
            prop_assert!(
                gap_between(&tz, now, answer),
                "{stretch} s of quiet time from {now} with no DST gap in it"
            );
            prop_assert!(stretch <= 2 * 86_400 + 3_600);
        }
        // Minimal: the second before is quiet, and so is every minute
        // from now on up to the answer.
        prop_assert!(quiet_at(&tz, &windows, answer.plus_seconds(-1)));
        let mut t = now;
        while t < answer {
            prop_assert!(
                quiet_at(&tz, &windows, t),
                "{t} before {answer} is not quiet"
            );
            t = t.plus_seconds(60);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_answer_is_the_first_instant_outside_both_windows(
        (zone, now, shopper, floor) in case()
    ) {
        check_first_instant_outside(zone, now, shopper, floor)?;
    }

    #[test]
    fn when_the_windows_cover_the_day_only_the_floor_applies(
        (zone, now, _unused, floor) in case(),
        gap_minutes in 0u16..120,
    ) {
        // Build a shopper window that closes the floor's gap, with overlap.
        let Some(floor) = floor else { return Ok(()) };
        prop_assume!(floor.start != floor.end);
        let start = (floor.end.minutes() + 1_440 - gap_minutes % 60) % 1_440;
        let end = (floor.start.minutes() + gap_minutes) % 1_440;
        let shopper = QuietHours {
            start: ClockTime::new((start / 60) as u8, (start % 60) as u8).unwrap(),
            end: ClockTime::new((end / 60) as u8, (end % 60) as u8).unwrap(),
        };
        prop_assume!(covers_day(&[shopper, floor]));
        let both = QuietTime::new(zone, Some(shopper), Some(floor));
        let floor_only = QuietTime::new(zone, None, Some(floor));
        prop_assert_eq!(both.next_allowed(now), floor_only.next_allowed(now));
        prop_assert_eq!(both.is_quiet(now), floor_only.is_quiet(now));
    }
}
