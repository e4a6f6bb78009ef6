//! How often the edge glue's timers run and how long it waits before
//! trying again: policy, so it lives here, once, and the JavaScript of each
//! platform reads it (`timers()` of the edge module) instead of keeping
//! numbers of its own.

/// A customer object's copy of its outbox to the merchant's index that
/// failed (or was cut off by an eviction) is sent again after this long.
pub const INDEX_RETRY_SECONDS: i64 = 10;

/// A merchant's event log with nothing to deliver is trimmed by a round
/// within this long (Cloudflare: the merchant object's alarm; Deno: the
/// isolate's loop).
pub const HOUSEKEEPING_SECONDS: i64 = 3_600;

/// If the reminder planner leaves a wake time already past, look again
/// this much later.
pub const STUCK_WAKE_RETRY_SECONDS: i64 = 60;

/// A delivery round for every merchant at least this often, so deliveries
/// go on even if a wake-up message was lost (Deno's queue).
pub const DELIVERY_SWEEP_SECONDS: i64 = 60;

/// After a delivery round that failed, the next comes this much later.
pub const ROUND_RETRY_SECONDS: i64 = 5;
