//! How long to wait after failures in a row, for every timer that retries
//! work that failed (the native scheduler's wakes, the edge objects'
//! alarms, Deno's wake loop): a second after the first failure, twice as
//! long after each next one, never more than an hour.

/// The wait after the first failure, and the longest, in seconds.
const FIRST_SECONDS: i64 = 1;
const LAST_SECONDS: i64 = 3_600;

/// Seconds to wait after `failures` failures in a row (1, 2, 4, … 3600).
pub fn wait_seconds(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(12);
    (FIRST_SECONDS << doublings).min(LAST_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_then_twice_as_long_up_to_an_hour() {
        let waits: Vec<i64> = (1..=14).map(wait_seconds).collect();
        assert_eq!(
            waits,
            [
                1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600
            ]
        );
        assert_eq!(wait_seconds(0), 1);
        assert_eq!(wait_seconds(u32::MAX), 3600);
    }
}
