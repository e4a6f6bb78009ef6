//! What the handler needs from the platform: a state store with
//! compare-and-swap, a clock and a source of randomness. Each platform
//! (SQLite, Durable Objects, Deno KV, in-memory for tests) is one adapter
//! behind these traits.

use retention_core::Instant;
use retention_core::reminders::OutboxItem;

/// One customer of one merchant: the unit of state and of serialisation.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct CustomerKey {
    /// The merchant's id.
    pub merchant: String,
    /// The customer's id (from the token or the admin path).
    pub customer: String,
}

/// A stored document's version; a write names the version it replaces.
pub type Version = u64;

/// What is written for a customer, all in one atomic step.
#[derive(Clone, PartialEq, Debug)]
pub struct CustomerWrite {
    /// The customer's whole state, JSON (see `crate::state::CustomerDoc`).
    pub state: String,
    /// When the reminder planner should next run for this customer.
    pub next_wake: Option<Instant>,
    /// The customer's reminders not yet acked, indexed so the merchant's
    /// outbox can list them across customers.
    pub outbox: Vec<OutboxItem>,
    /// The coupon codes of the customer's kept redemptions, indexed so the
    /// merchant's checkout can look a code up across customers.
    pub codes: Vec<String>,
    /// The answer to an idempotent request, stored with the change it made.
    pub idempotency: Option<IdempotencyWrite>,
}

/// An idempotency record to store under a customer.
#[derive(Clone, PartialEq, Debug)]
pub struct IdempotencyWrite {
    /// The client's key.
    pub key: String,
    /// The record (see `crate::state::IdempotencyRecord`), JSON.
    pub record: String,
    /// After this instant the record may be dropped.
    pub expires_at: Instant,
}

/// A failure of the storage itself (not a conflict): answered with 503.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The state store failed: {0}")]
pub struct StoreError(pub String);

/// Per-customer and per-merchant documents with compare-and-swap writes.
///
/// Implementations must make `save_customer` atomic: the state, the wake
/// time, the outbox and code indexes and the idempotency record change
/// together or not at all. Idempotency records live beside the state, not in it, so a
/// busy customer's state stays small.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// The customer's state and its version, or `None` if never written.
    async fn load_customer(
        &self,
        key: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError>;

    /// The idempotency record stored under `idempotency_key` for the
    /// customer, if it has not expired.
    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Writes the customer if its current version is `expected` (`None`:
    /// it must not exist). Returns `false`, writing nothing, on a conflict.
    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError>;

    /// Erases everything of the customer, outbox index and idempotency
    /// records included.
    async fn delete_customer(&self, key: &CustomerKey) -> Result<(), StoreError>;

    /// The merchant's program document and version, or `None` if never put.
    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError>;

    /// Writes the program if its current version is `expected`.
    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        program: &str,
    ) -> Result<bool, StoreError>;

    /// The merchant's outbox items with `send_at <= now`, oldest first.
    async fn due_outbox(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// The customer holding the outbox item `id`, if any.
    async fn outbox_owner(&self, merchant: &str, id: &str) -> Result<Option<String>, StoreError>;

    /// The customer whose kept redemption has the coupon `code`, if any.
    async fn code_owner(&self, merchant: &str, code: &str) -> Result<Option<String>, StoreError>;
}

/// The time now, from the platform.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// Unpredictable bytes, from the platform (OS or Web Crypto).
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}
