//! IANA time zones by name, from whichever database the platform has.
//!
//! The rules read a zone through two questions only: its UTC offset at an
//! instant, and when that offset next changes. A native build answers them
//! from the database bundled with `jiff` (feature `tzdb`); an edge runtime
//! already carries the database in its `Intl` and installs a [`ZoneSource`]
//! that asks it, so its module does not ship a second copy (about 87 KiB of
//! gzip). Both pass the same checks ([`conformance`]).

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::time::{DAY_SECONDS, Date, Instant};

/// A time zone's rules, as the quiet-time arithmetic reads them.
pub trait ZoneRules: Send + Sync {
    /// Seconds east of UTC that the zone's clocks show at `at`.
    fn offset_seconds(&self, at: Instant) -> i32;

    /// The first instant in (`after`, `until`] at which the offset differs
    /// from the one at `after`, or `None` when it holds through `until`.
    /// Callers ask about spans of a few days at most.
    fn next_change(&self, after: Instant, until: Instant) -> Option<Instant>;
}

/// Where zones are found by name.
pub trait ZoneSource: Send + Sync {
    /// The zone called `name` (an IANA identifier such as `Europe/Moscow`),
    /// or `None` when the database does not know it.
    fn zone(&self, name: &str) -> Option<Zone>;
}

/// A time zone: shared, cheap to clone.
#[derive(Clone)]
pub struct Zone(Arc<dyn ZoneRules>);

impl Zone {
    /// A zone with the given rules.
    pub fn new(rules: impl ZoneRules + 'static) -> Self {
        Zone(Arc::new(rules))
    }

    /// Coordinated Universal Time: offset 0, never changing.
    pub fn utc() -> Self {
        Zone::new(Utc)
    }

    /// Seconds east of UTC at `at`.
    pub fn offset_seconds(&self, at: Instant) -> i32 {
        self.0.offset_seconds(at)
    }

    /// The first offset change in (`after`, `until`], if any.
    pub fn next_change(&self, after: Instant, until: Instant) -> Option<Instant> {
        if until <= after {
            return None;
        }
        self.0
            .next_change(after, until)
            .filter(|at| *at > after && *at <= until)
    }

    /// The first instant at which the zone's clocks show `second_of_day`
    /// on `date` or later: the time itself, its first occurrence when
    /// clocks are set back over it, or the first instant after the gap
    /// when they skip it.
    pub fn instant_of(&self, date: Date, second_of_day: u32) -> Instant {
        // The wall time read as if it were UTC; an instant shows it when
        // instant + offset equals it.
        let wall = Instant::start_of(date).unix() + i64::from(second_of_day);
        let end = Instant::from_unix(wall + DAY_SECONDS);
        // A day before the wall time is earlier than any zone shows it.
        let mut from = Instant::from_unix(wall - DAY_SECONDS);
        // Walk the spans of constant offset in order; each round ends at
        // a change, and a zone changes a few times a day at most.
        for _ in 0..8 {
            let shown = Instant::from_unix(wall - i64::from(self.offset_seconds(from)));
            let change = self.next_change(from, end);
            if shown < from {
                // This span's clocks start past the wall time and the last
                // one's ended before it: skipped, so the change is the
                // first valid instant after the gap.
                return from;
            }
            match change {
                Some(at) if shown >= at => from = at,
                _ => return shown,
            }
        }
        Instant::from_unix(wall - i64::from(self.offset_seconds(end)))
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Zone")
    }
}

struct Utc;

impl ZoneRules for Utc {
    fn offset_seconds(&self, _: Instant) -> i32 {
        0
    }

    fn next_change(&self, _: Instant, _: Instant) -> Option<Instant> {
        None
    }
}

static INSTALLED: OnceLock<Box<dyn ZoneSource>> = OnceLock::new();

/// Makes `source` the database every later lookup reads. The first
/// installation wins (a platform installs once, at start); returns whether
/// this one did.
pub fn install(source: Box<dyn ZoneSource>) -> bool {
    INSTALLED.set(source).is_ok()
}

/// The zone called `name`: from the installed source, else from the
/// bundled database, else `None`.
pub fn find(name: &str) -> Option<Zone> {
    if name.is_empty() {
        return None;
    }
    match INSTALLED.get() {
        Some(source) => source.zone(name),
        None => bundled(name),
    }
}

#[cfg(feature = "tzdb")]
fn bundled(name: &str) -> Option<Zone> {
    Bundled.zone(name)
}

#[cfg(not(feature = "tzdb"))]
fn bundled(_: &str) -> Option<Zone> {
    None
}

/// The IANA database bundled with `jiff`, read without the host's files.
#[cfg(feature = "tzdb")]
pub struct Bundled;

#[cfg(feature = "tzdb")]
impl ZoneSource for Bundled {
    fn zone(&self, name: &str) -> Option<Zone> {
        jiff::tz::TimeZone::get(name)
            .ok()
            .map(|tz| Zone::new(JiffZone(tz)))
    }
}

#[cfg(feature = "tzdb")]
struct JiffZone(jiff::tz::TimeZone);

#[cfg(feature = "tzdb")]
impl ZoneRules for JiffZone {
    fn offset_seconds(&self, at: Instant) -> i32 {
        self.0.to_offset(at.timestamp()).seconds()
    }

    fn next_change(&self, after: Instant, until: Instant) -> Option<Instant> {
        let before = self.offset_seconds(after);
        // A transition may change only the abbreviation or the DST flag;
        // those are not changes of the clock.
        self.0
            .following(after.timestamp())
            .map(|t| Instant::from_timestamp(t.timestamp()))
            .take_while(|at| *at <= until)
            .find(|at| self.offset_seconds(*at) != before)
    }
}

/// The checks every [`ZoneSource`] passes: the same answers from the
/// bundled database and from an edge runtime's `Intl`.
pub mod conformance {
    use super::ZoneSource;
    use crate::time::Instant;

    /// One check: its name, and why it failed (`None` when it passed).
    pub struct Outcome {
        /// What the check asserts.
        pub name: &'static str,
        /// The first mismatch, when there was one.
        pub failure: Option<String>,
    }

    fn at(text: &str) -> Instant {
        // The literals below are valid RFC 3339.
        text.parse().unwrap_or(Instant::from_unix(0))
    }

    type Check = fn(&dyn ZoneSource) -> Result<(), String>;

    const CHECKS: [(&str, Check); 6] = [
        ("zones: known names are found, unknown ones are not", names),
        ("zones: fixed and half-hour offsets", offsets),
        ("zones: New York's DST changes to the second", new_york),
        ("zones: Lord Howe's half-hour DST", lord_howe),
        ("zones: no change inside a span without one", quiet_spans),
        ("zones: the ends of time answer without failing", extremes),
    ];

    /// Runs every check against `source`.
    pub fn run(source: &dyn ZoneSource) -> Vec<Outcome> {
        CHECKS
            .iter()
            .map(|(name, check)| Outcome {
                name,
                failure: check(source).err(),
            })
            .collect()
    }

    fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: got {got:?}, expected {want:?}"))
        }
    }

    fn offset(source: &dyn ZoneSource, name: &str, when: &str) -> Result<i32, String> {
        let zone = source.zone(name).ok_or(format!("{name} is not found"))?;
        Ok(zone.offset_seconds(at(when)))
    }

    fn change(
        source: &dyn ZoneSource,
        name: &str,
        after: &str,
        until: &str,
    ) -> Result<Option<String>, String> {
        let zone = source.zone(name).ok_or(format!("{name} is not found"))?;
        Ok(zone
            .next_change(at(after), at(until))
            .map(|t| t.to_string()))
    }

    fn names(source: &dyn ZoneSource) -> Result<(), String> {
        for name in [
            "UTC",
            "Europe/Moscow",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
            "Pacific/Chatham",
        ] {
            expect(name, source.zone(name).is_some(), true)?;
        }
        for name in ["", "Mars/Olympus", "Europe/", "+03:00", "Europe/Moscow/x"] {
            expect(name, source.zone(name).is_some(), false)?;
        }
        Ok(())
    }

    fn offsets(source: &dyn ZoneSource) -> Result<(), String> {
        expect("UTC", offset(source, "UTC", "2027-06-01T00:00:00Z")?, 0)?;
        expect(
            "Moscow in winter",
            offset(source, "Europe/Moscow", "2027-01-10T12:00:00Z")?,
            3 * 3_600,
        )?;
        expect(
            "Moscow in summer",
            offset(source, "Europe/Moscow", "2027-07-10T12:00:00Z")?,
            3 * 3_600,
        )?;
        expect(
            "Kolkata",
            offset(source, "Asia/Kolkata", "2027-03-01T00:00:00Z")?,
            5 * 3_600 + 1_800,
        )?;
        expect(
            "Kathmandu",
            offset(source, "Asia/Kathmandu", "2027-03-01T00:00:00Z")?,
            5 * 3_600 + 2_700,
        )?;
        expect(
            "Buenos Aires",
            offset(
                source,
                "America/Argentina/Buenos_Aires",
                "2027-03-01T00:00:00Z",
            )?,
            -3 * 3_600,
        )
    }

    fn new_york(source: &dyn ZoneSource) -> Result<(), String> {
        let zone = "America/New_York";
        expect(
            "before spring forward",
            offset(source, zone, "2027-03-14T06:59:59Z")?,
            -5 * 3_600,
        )?;
        expect(
            "at spring forward",
            offset(source, zone, "2027-03-14T07:00:00Z")?,
            -4 * 3_600,
        )?;
        expect(
            "the spring change",
            change(source, zone, "2027-03-13T12:00:00Z", "2027-03-15T12:00:00Z")?,
            Some("2027-03-14T07:00:00Z".to_owned()),
        )?;
        expect(
            "the autumn change",
            change(source, zone, "2027-11-06T12:00:00Z", "2027-11-08T00:00:00Z")?,
            Some("2027-11-07T06:00:00Z".to_owned()),
        )?;
        expect(
            "a span ending at the change",
            change(source, zone, "2027-11-07T00:00:00Z", "2027-11-07T06:00:00Z")?,
            Some("2027-11-07T06:00:00Z".to_owned()),
        )?;
        expect(
            "a span starting at the change",
            change(source, zone, "2027-11-07T06:00:00Z", "2027-11-08T06:00:00Z")?,
            None,
        )
    }

    fn lord_howe(source: &dyn ZoneSource) -> Result<(), String> {
        let zone = "Australia/Lord_Howe";
        expect(
            "in summer",
            offset(source, zone, "2027-01-10T00:00:00Z")?,
            11 * 3_600,
        )?;
        expect(
            "in winter",
            offset(source, zone, "2027-07-10T00:00:00Z")?,
            10 * 3_600 + 1_800,
        )?;
        // DST ends at 02:00 local summer time on the first Sunday of April:
        // 2027-04-04T02:00+11:00.
        expect(
            "the April change",
            change(source, zone, "2027-04-02T00:00:00Z", "2027-04-05T00:00:00Z")?,
            Some("2027-04-03T15:00:00Z".to_owned()),
        )
    }

    fn quiet_spans(source: &dyn ZoneSource) -> Result<(), String> {
        expect(
            "Moscow over a year",
            change(
                source,
                "Europe/Moscow",
                "2027-01-01T00:00:00Z",
                "2027-12-31T00:00:00Z",
            )?,
            None,
        )?;
        expect(
            "New York in June",
            change(
                source,
                "America/New_York",
                "2027-06-01T00:00:00Z",
                "2027-06-03T00:00:00Z",
            )?,
            None,
        )
    }

    fn extremes(source: &dyn ZoneSource) -> Result<(), String> {
        let zone = source
            .zone("America/New_York")
            .ok_or("America/New_York is not found")?;
        for second in [i64::MIN, -62_135_596_800, 253_402_300_799, i64::MAX] {
            let instant = Instant::from_unix(second);
            let offset = zone.offset_seconds(instant);
            expect("an offset within a day", offset.abs() < 86_400, true)?;
            let _ = zone.next_change(instant, instant.plus_seconds(86_400));
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "tzdb"))]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_database_passes_the_zone_checks() {
        let outcomes = conformance::run(&Bundled);
        let failures: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.failure.as_ref().map(|f| format!("{}: {f}", o.name)))
            .collect();
        assert_eq!(outcomes.len(), 6);
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn a_change_is_found_only_inside_the_span() {
        let zone = Bundled.zone("America/New_York").unwrap();
        let spring: Instant = "2027-03-14T07:00:00Z".parse().unwrap();
        assert_eq!(
            zone.next_change(spring.plus_seconds(-1), spring),
            Some(spring)
        );
        assert_eq!(zone.next_change(spring, spring.plus_days(1)), None);
        assert_eq!(
            zone.next_change(spring.plus_seconds(-60), spring.plus_seconds(-1)),
            None
        );
        assert_eq!(zone.next_change(spring, spring), None);
    }

    #[test]
    fn a_local_time_is_its_first_instant_or_the_end_of_its_gap() {
        let zone = Bundled.zone("America/New_York").unwrap();
        let at = |text: &str| text.parse::<Instant>().unwrap();
        let on = |m, d| jiff::civil::date(2027, m, d);
        assert_eq!(
            zone.instant_of(on(6, 1), 9 * 3_600),
            at("2027-06-01T13:00:00Z")
        );
        // 02:30 is skipped in spring: the clocks show 03:00 EDT at 07:00Z.
        assert_eq!(
            zone.instant_of(on(3, 14), 9_000),
            at("2027-03-14T07:00:00Z")
        );
        // 01:30 comes twice in autumn: first in EDT.
        assert_eq!(
            zone.instant_of(on(11, 7), 5_400),
            at("2027-11-07T05:30:00Z")
        );
    }
}
