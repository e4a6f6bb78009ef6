//! Quiet time (SPEC 2.6, step 3): when a message may not go out because the
//! shopper's local clock is inside their own quiet hours or the program's
//! legal floor, and the first instant it may.

use crate::preferences::QuietHours;
use crate::time::{DAY_SECONDS, Instant};
use crate::zone::{self, Zone};

/// More rounds than any real zone needs: each round either finishes or
/// stops at a time-zone transition, and zones change offset a few times a
/// year at most. The bound only guards against a pathological tz database.
const MAX_ROUNDS: usize = 64;

/// The quiet windows that apply to one shopper, in their time zone.
#[derive(Clone, Debug)]
pub struct QuietTime {
    zone: Zone,
    windows: Vec<QuietHours>,
}

/// The time zone called `name`, or UTC when the platform's database does
/// not know it: stored preferences are validated on save, but a database
/// update could still drop a name, and a message decision must not fail.
pub fn zone_or_utc(name: &str) -> Zone {
    zone::find(name).unwrap_or_else(Zone::utc)
}

impl QuietTime {
    /// The shopper's `quiet_hours` and the program's `floor`, both read in
    /// the time zone named `time_zone` (UTC when unknown).
    pub fn new(time_zone: &str, shopper: Option<QuietHours>, floor: Option<QuietHours>) -> Self {
        Self::in_zone(zone_or_utc(time_zone), shopper, floor)
    }

    /// As [`QuietTime::new`], with the time zone already resolved.
    pub fn in_zone(zone: Zone, shopper: Option<QuietHours>, floor: Option<QuietHours>) -> Self {
        // A window that starts where it ends holds no time of day; dropping
        // it keeps the arithmetic below free of empty intervals.
        let both: Vec<QuietHours> = [shopper, floor]
            .into_iter()
            .flatten()
            .filter(|w| w.start != w.end)
            .collect();
        // SPEC: when the two windows together leave no time to send, the
        // shopper's choice gives way and only the legal floor applies.
        let windows = if covers_whole_day(&both) {
            floor.into_iter().filter(|w| w.start != w.end).collect()
        } else {
            both
        };
        QuietTime { zone, windows }
    }

    /// Whether the local time of day at `at` is inside a window.
    pub fn is_quiet(&self, at: Instant) -> bool {
        inside_any(&self.windows, self.seconds_of_day(at))
    }

    /// The end of the quiet time `now` is in, or `None` when `now` is not
    /// quiet. A window end that falls in a DST gap ends at the first valid
    /// instant after the gap; in a fold, quiet time ends at the first
    /// instant whose local time reaches the end.
    pub fn quiet_until(&self, now: Instant) -> Option<Instant> {
        let next = self.next_allowed(now);
        (next > now).then_some(next)
    }

    /// The first instant at or after `now` outside every window.
    pub fn next_allowed(&self, now: Instant) -> Instant {
        let mut t = now;
        for _ in 0..MAX_ROUNDS {
            let Some(ahead) = distance_to_exit(&self.windows, self.seconds_of_day(t)) else {
                return t;
            };
            // Local time moves with UTC until the next offset change, so
            // the exit is `ahead` seconds away unless a transition comes
            // first; then start again from the transition's local time.
            let exit = t.plus_seconds(ahead);
            t = self.zone.next_change(t, exit).unwrap_or(exit);
        }
        // Unreachable with a real tz database (see MAX_ROUNDS); the last
        // candidate is the best answer left, and no panic reaches a shopper.
        t
    }

    fn seconds_of_day(&self, at: Instant) -> u32 {
        let local = at
            .unix()
            .saturating_add(i64::from(self.zone.offset_seconds(at)));
        // In 0..86_400, so the conversion cannot fail.
        u32::try_from(local.rem_euclid(DAY_SECONDS)).unwrap_or(0)
    }
}

fn inside_any(windows: &[QuietHours], seconds: u32) -> bool {
    windows.iter().any(|w| w.contains(seconds))
}

fn end_seconds(window: &QuietHours) -> u32 {
    u32::from(window.end.minutes()) * 60
}

/// Seconds of local clock from `seconds` (time of day) to the first time
/// outside every window, or `None` when `seconds` is already outside.
/// Windows may chain (one ends inside another), so hop from end to end;
/// each hop leaves a window for good, so `windows.len()` hops suffice
/// unless the windows cover the whole day, which `QuietTime::in_zone`
/// rules out.
fn distance_to_exit(windows: &[QuietHours], seconds: u32) -> Option<i64> {
    let day = DAY_SECONDS as u32;
    let mut at = seconds % day;
    let mut travelled: i64 = 0;
    for _ in 0..=windows.len() {
        let Some(window) = windows.iter().find(|w| w.contains(at)) else {
            return (travelled > 0).then_some(travelled);
        };
        // Inside a window the end is strictly ahead on the circular clock.
        let end = end_seconds(window);
        let hop = (end + day - at) % day;
        travelled += i64::from(if hop == 0 { day } else { hop });
        at = end;
    }
    // Still inside after leaving every window once: the whole day is
    // covered. Callers never build such windows; answer a full day rather
    // than loop.
    Some(travelled.max(DAY_SECONDS))
}

/// Whether every time of day is inside some window. The uncovered times,
/// if any, begin at some window's end, so it is enough to check the ends.
fn covers_whole_day(windows: &[QuietHours]) -> bool {
    !windows.is_empty() && windows.iter().all(|w| inside_any(windows, end_seconds(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: &str, end: &str) -> QuietHours {
        QuietHours {
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
        }
    }

    #[test]
    fn chained_windows_are_left_at_the_last_end() {
        let ws = [window("21:00", "23:00"), window("22:00", "08:00")];
        assert_eq!(distance_to_exit(&ws, 21 * 3600), Some(11 * 3600));
        assert_eq!(distance_to_exit(&ws, 12 * 3600), None);
    }

    #[test]
    fn whole_day_coverage_is_detected_from_the_ends() {
        assert!(covers_whole_day(&[
            window("08:00", "21:00"),
            window("21:00", "08:00")
        ]));
        assert!(covers_whole_day(&[
            window("07:00", "22:00"),
            window("21:00", "08:00")
        ]));
        assert!(!covers_whole_day(&[
            window("08:01", "21:00"),
            window("21:00", "08:00")
        ]));
        assert!(!covers_whole_day(&[]));
    }

    #[test]
    fn an_unknown_zone_reads_as_utc() {
        let quiet = QuietTime::new("Mars/Olympus", Some(window("00:00", "01:00")), None);
        let midnight = Instant::from_unix(0);
        assert_eq!(quiet.next_allowed(midnight), midnight.plus_hours(1));
    }
}
