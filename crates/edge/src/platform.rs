//! Time and randomness from the JavaScript host.

use retention_api::{Clock, Entropy};
use retention_core::Instant;

/// The host's clock (`Date.now()`); `SystemTime` is not available here.
pub struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> Instant {
        Instant::from_unix((js_sys::Date::now() / 1000.0).floor() as i64)
    }
}

/// Web Crypto's `getRandomValues`, through `getrandom`.
pub struct WebEntropy;

impl Entropy for WebEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // Web Crypto does not fail for buffers this small (≤ 64 KiB); if
        // the host lacks it, every request fails loudly at the first fill.
        if let Err(e) = getrandom::fill(buf) {
            wasm_bindgen::throw_str(&format!("no Web Crypto random source: {e}"));
        }
    }
}
