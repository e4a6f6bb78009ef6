//! The clock and the randomness source of a native process.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use retention_api::{Clock, Entropy};
use retention_core::Instant;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

/// Seconds the test clock has been moved forward (test builds only).
#[cfg(feature = "test-clock")]
pub static TEST_CLOCK_OFFSET: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        #[cfg(feature = "test-clock")]
        return system_now().plus_seconds(TEST_CLOCK_OFFSET.load(Ordering::Relaxed));
        #[cfg(not(feature = "test-clock"))]
        system_now()
    }
}

fn system_now() -> Instant {
    let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // A clock set before 1970 is wrong, but still a time.
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    Instant::from_unix(seconds)
}

/// The operating system's cryptographic random source.
#[derive(Debug, Default)]
pub struct OsEntropy {
    /// Counts fallback fills so they never repeat.
    fallback_counter: AtomicU64,
}

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // The OS source practically never fails on Linux; retry a transient
        // failure before falling back.
        for _ in 0..3 {
            if getrandom::fill(buf).is_ok() {
                return;
            }
        }
        eprintln!("retention-server: the OS random source failed; using a weaker fallback");
        self.fallback_fill(buf);
    }
}

impl OsEntropy {
    /// Bytes that are unique per call and unpredictable without the
    /// process's hash keys (which std seeds from the OS at start-up). The
    /// trait cannot report failure and the core tolerates a weak source
    /// (codes stay unique), so this beats stopping the server.
    fn fallback_fill(&self, buf: &mut [u8]) {
        let state = RandomState::new();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let count = self.fallback_counter.fetch_add(1, Ordering::Relaxed);
            let word = state.hash_one((nanos, count, i));
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_fills_every_byte_and_differs_between_calls() {
        let entropy = OsEntropy::default();
        let (mut a, mut b) = ([0u8; 21], [0u8; 21]);
        entropy.fallback_fill(&mut a);
        entropy.fallback_fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[16..], [0u8; 5]);
    }

    #[test]
    fn clock_is_after_2020() {
        assert!(SystemClock.now().unix() > 1_577_836_800);
    }
}
