//! Rate limits (token buckets) per shopper token, per customer and per
//! merchant key, kept in the handler's own memory: one process natively,
//! one isolate on Deno, one object on Cloudflare (so a customer's limit
//! lives in its own object and the merchant's is counted where its
//! requests run, without a new hotspot). Past a limit: 429 `rate_limited`
//! with `Retry-After`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use retention_core::Instant;
use serde::Deserialize;

use crate::{Response, reply};

/// Buckets remembered at most; past it the oldest half is forgotten (a
/// forgotten bucket starts full again, which only ever lets more through).
const REMEMBERED: usize = 50_000;

/// A bucket's rate: `per_second` tokens come back each second, up to `burst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests at once.
    pub burst: u32,
}

/// A merchant's limits (`rate_limits` in its configuration; every field
/// optional, the defaults below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Per shopper token.
    pub shopper: Rate,
    /// Per customer (every token of that customer together).
    pub customer: Rate,
    /// Per merchant API key.
    pub merchant: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            shopper: Rate {
                per_second: 20,
                burst: 100,
            },
            customer: Rate {
                per_second: 50,
                burst: 200,
            },
            merchant: Rate {
                per_second: 1_000,
                burst: 5_000,
            },
        }
    }
}

/// Which of a merchant's rates a bucket uses.
pub type RateOf = fn(&RateLimits) -> Rate;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: u64,
    at: Instant,
}

/// The buckets of one handler.
#[derive(Debug, Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    /// Takes one token from the bucket `key` at `now`; `Err(seconds)` to
    /// wait when it is empty.
    pub fn take(&self, key: &str, rate: Rate, now: Instant) -> Result<(), i64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= REMEMBERED && !buckets.contains_key(key) {
            let mut ages: Vec<i64> = buckets.values().map(|b| b.at.unix()).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            buckets.retain(|_, b| b.at.unix() > cut);
        }
        let burst = u64::from(rate.burst.max(1));
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = u64::try_from(now.unix() - bucket.at.unix()).unwrap_or(0);
        if elapsed > 0 {
            bucket.tokens = burst.min(bucket.tokens + elapsed * u64::from(rate.per_second));
            bucket.at = now;
        }
        if bucket.tokens == 0 {
            let wait = if rate.per_second == 0 { 60 } else { 1 };
            return Err(wait);
        }
        bucket.tokens -= 1;
        Ok(())
    }
}

/// The 429 for a limit reached, to try again after `seconds`.
pub fn limited(seconds: i64) -> Response {
    reply::with_header(
        reply::error(429, "rate_limited", "Too many requests; try again shortly."),
        http::header::RETRY_AFTER,
        &seconds.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_its_rate_per_second() {
        let b = Buckets::default();
        let rate = Rate {
            per_second: 2,
            burst: 3,
        };
        let t = Instant::from_unix(1_000);
        for _ in 0..3 {
            assert_eq!(b.take("k", rate, t), Ok(()));
        }
        assert_eq!(b.take("k", rate, t), Err(1));
        assert_eq!(b.take("other", rate, t), Ok(()), "buckets are per key");
        let later = t.plus_seconds(1);
        assert_eq!(b.take("k", rate, later), Ok(()));
        assert_eq!(b.take("k", rate, later), Ok(()));
        assert_eq!(b.take("k", rate, later), Err(1), "two per second");
        let much_later = t.plus_seconds(100);
        for _ in 0..3 {
            assert_eq!(b.take("k", rate, much_later), Ok(()));
        }
        assert_eq!(
            b.take("k", rate, much_later),
            Err(1),
            "never more than the burst"
        );
    }
}
