//! What the handler's test files share: a clock the test moves, a
//! predictable randomness source, a merchant.
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

use retention_api::{Clock, Entropy, MerchantConfig};
use retention_core::Instant;

/// A clock at a unix second the test sets and moves.
pub struct TestClock(pub AtomicI64);

impl TestClock {
    /// Starting at `unix`.
    pub fn at(unix: i64) -> Self {
        TestClock(AtomicI64::new(unix))
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        Instant::from_unix(self.0.load(Ordering::SeqCst))
    }
}

/// Bytes that step by `step`: predictable, and different every call.
pub struct Counter(pub AtomicU8, pub u8);

impl Counter {
    /// Starting at 0, stepping by `step`.
    pub fn stepping(step: u8) -> Self {
        Counter(AtomicU8::new(0), step)
    }
}

impl Entropy for Counter {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.fetch_add(self.1, Ordering::SeqCst);
        }
    }
}

/// Merchant `id` with keys made from its id, no webhook, no Shopify.
pub fn merchant(id: &str) -> MerchantConfig {
    MerchantConfig {
        id: id.into(),
        api_key: format!("{id}-api-key-0123456789abcdef0123456789"),
        token_secret: format!("{id}-token-secret-0123456789abcdefghijkl"),
        allowed_origins: vec![format!("https://{id}.example")],
        webhook_url: None,
        webhook_secret: None,
        shopify_webhook_secret: None,
        rate_limits: Default::default(),
    }
}
