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

/// A stored document's version; a write names the version it replaces and
/// brings the one it gives. The handler mints versions
/// ([`crate::versions::mint`]): random below 2^53 (a JavaScript number), so
/// one erased and written again never gets back a version an old writer
/// may still hold, whatever the store.
pub type Version = u64;

/// What is written for a customer, all in one atomic step.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct CustomerWrite {
    /// The version this write gives the customer.
    pub version: Version,
    /// The customer's whole state, JSON (see `crate::state::CustomerDoc`).
    pub state: String,
    /// When the reminder planner should next run for this customer.
    pub next_wake: Option<Instant>,
    /// The customer's reminders not yet acked, indexed so the merchant's
    /// outbox can list them across customers.
    pub outbox: Vec<OutboxItem>,
    /// Changes to what the merchant can look the customer up by, across
    /// customers: the coupon codes of kept redemptions (as they are, for
    /// the checkout) and the kept orders (`order:ID`, for refunds that
    /// name only the order). Only what changed is written, so a customer
    /// with thousands of kept orders does not rewrite their keys.
    pub lookups: Vec<LookupWrite>,
    /// The events this change made, in `sequence` order, appended to the
    /// merchant's event log in the same atomic step.
    pub events: Vec<EventWrite>,
    /// The answer to an idempotent request, stored with the change it made.
    pub idempotency: Option<IdempotencyWrite>,
    /// Consent records (SPEC 2.6) this change made, JSON, oldest first:
    /// appended to the customer's consent log, which keeps the legal
    /// history outside the state every request reads and rewrites.
    pub consents: Vec<String>,
    /// Changes to the customer's rows (see [`Store::rows`]), applied in
    /// order: the history a request rarely needs (ledger entries) lives
    /// there, so a write appends a row instead of rewriting the state.
    pub rows: Vec<RowWrite>,
}

/// A lookup key the customer comes to hold or lets go.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LookupWrite {
    /// The key (a coupon code, or `order:ID`).
    pub key: String,
    /// Whether the customer holds it from now on; `false` lets it go (a
    /// key another customer holds stays theirs).
    pub held: bool,
}

/// A change to one of a customer's rows.
#[derive(Clone, PartialEq, Debug)]
pub struct RowWrite {
    /// Which of the customer's tables (see [`crate::rows`]).
    pub table: String,
    /// The row's key, unique in its table; tables list in the keys' byte
    /// order.
    pub key: String,
    /// The row, JSON; `None` deletes it.
    pub value: Option<String>,
}

/// Which rows of one of a customer's tables to list.
#[derive(Clone, PartialEq, Debug)]
pub struct RowRange {
    /// The table.
    pub table: String,
    /// Highest keys first, else lowest first.
    pub newest_first: bool,
    /// Only keys strictly past this one in the listing's direction.
    pub beyond: Option<String>,
    /// At most this many rows.
    pub limit: usize,
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
    /// Whose key it is (`shopper`, `merchant`, `shopify`): the cap below
    /// counts each caller's records apart, so one caller's keys never push
    /// out another's.
    pub scope: String,
    /// Of the customer's records in `scope`, the newest `keep` (by
    /// `expires_at`, the newest written last among equals) are kept; older
    /// ones go as this one comes.
    pub keep: u32,
}

/// An event as written with the change it reports (SPEC 3.6).
#[derive(Clone, PartialEq, Debug)]
pub struct EventWrite {
    /// `evt_…`, unique per merchant.
    pub id: String,
    /// The customer it concerns.
    pub customer: String,
    /// 1, 2, 3… per customer.
    pub sequence: u64,
    /// Its `type`.
    pub kind: String,
    /// When it was made.
    pub created_at: Instant,
    /// The envelope, JSON: the webhook body and the feed item, byte for byte.
    pub body: String,
    /// Its delivery as written: `pending` and due at once when the merchant
    /// has a webhook, else `none`.
    pub delivery: Delivery,
}

/// An event as the merchant's log keeps it.
#[derive(Clone, PartialEq, Debug)]
pub struct StoredEvent {
    /// Its place in the merchant's log: increasing in the order events
    /// became readable, never reused (the feed's cursors point here).
    pub position: u64,
    /// What was written.
    pub event: EventWrite,
}

/// Where an event's webhook delivery stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeliveryState {
    /// The merchant has no webhook.
    None,
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx answer came.
    Delivered,
    /// Retries ran out, or the receiver answered 410.
    Failed,
}

impl DeliveryState {
    /// The name in the API (`delivery.state`) and in stores.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::None => "none",
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            DeliveryState::None,
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// An event's delivery: its state and what the retry schedule needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Delivery {
    /// Where it stands.
    pub state: DeliveryState,
    /// Every attempt made, redeliveries included.
    pub attempts: u32,
    /// Attempts failed since the current round began (picks the next delay).
    pub failures: u32,
    /// The status of the last answer; `None` before one, or after a timeout
    /// or refused connection.
    pub last_status: Option<u16>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Instant>,
}

/// A page of the merchant's event log.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EventPage {
    /// Events after the position asked for, oldest first.
    pub items: Vec<StoredEvent>,
    /// Events at or before this position are no longer kept (0: none gone).
    pub pruned_through: u64,
    /// The highest position ever given (0: none).
    pub newest: u64,
}

/// A failure of the storage itself (not a conflict): answered with 503.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The state store failed: {0}")]
pub struct StoreError(pub String);

/// Per-customer and per-merchant documents with compare-and-swap writes.
///
/// Implementations must make `save_customer` atomic: the state, the wake
/// time, the outbox and lookup indexes and the idempotency record change
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
    /// customer, if it has not expired at `now` (the handler's clock, not
    /// the store's).
    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
        now: Instant,
    ) -> Result<Option<String>, StoreError>;

    /// Writes the customer, as `write.version`, if its current version is
    /// `expected` (`None`: it must not exist). Returns `false`, writing
    /// nothing, on a conflict.
    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError>;

    /// Stores an idempotency record alone (the answer to a refused request,
    /// which changed nothing) if the customer's version is still
    /// `expected` (`None`: there is no customer); `false`, writing nothing,
    /// otherwise. The state is not rewritten.
    async fn save_idempotency(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: IdempotencyWrite,
    ) -> Result<bool, StoreError>;

    /// The customer's consent log (see [`CustomerWrite::consents`]), oldest
    /// first.
    async fn consents(&self, key: &CustomerKey) -> Result<Vec<String>, StoreError>;

    /// The customer's rows in `range`, as (key, row) pairs in the range's
    /// order.
    async fn rows(
        &self,
        key: &CustomerKey,
        range: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Erases everything of the customer, outbox and code indexes,
    /// idempotency records, consent log and rows included, in one atomic step. With `erased`
    /// (the `customer.erased` event) the customer's events go too and it
    /// is appended; without (nothing was stored), the events kept, which
    /// can only be an earlier `customer.erased`, stay.
    async fn erase_customer(
        &self,
        key: &CustomerKey,
        erased: Option<EventWrite>,
    ) -> Result<(), StoreError>;

    /// The highest `sequence` among the customer's kept events (0: none),
    /// so a customer recreated after an erasure continues after it.
    async fn last_sequence(&self, key: &CustomerKey) -> Result<u64, StoreError>;

    /// Up to `limit` of the merchant's events after `after` (a position),
    /// oldest first, only of type `kind` if given.
    async fn events(
        &self,
        merchant: &str,
        after: u64,
        limit: usize,
        kind: Option<&str>,
    ) -> Result<EventPage, StoreError>;

    /// The merchant's event `id`, if kept.
    async fn event(&self, merchant: &str, id: &str) -> Result<Option<StoredEvent>, StoreError>;

    /// Replaces the delivery of the merchant's event `id`; `false` when
    /// the event is not kept.
    async fn set_delivery(
        &self,
        merchant: &str,
        id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError>;

    /// For each customer of the merchant whose earliest pending event (by
    /// `sequence`) is due at `now`, that event; at most `limit`, the
    /// longest waiting first.
    async fn due_deliveries(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Drops the merchant's events made before `before` (retention).
    async fn prune_events(&self, merchant: &str, before: Instant) -> Result<(), StoreError>;

    /// The merchant's program document and version, or `None` if never put.
    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError>;

    /// The version of the merchant's program alone (`None`: never put).
    /// The handler asks it on every request to see whether the program it
    /// parsed still stands; a store that can read it without the document
    /// says so here.
    async fn program_version(&self, merchant: &str) -> Result<Option<Version>, StoreError> {
        Ok(self
            .load_program(merchant)
            .await?
            .map(|(version, _)| version))
    }

    /// The customer's state (as [`Self::load_customer`]) and the version
    /// of its merchant's program (as [`Self::program_version`]) in one
    /// read: `GET /v1/me` needs both, and a store that can read them
    /// together saves a round (for SQLite, a read transaction's locks).
    async fn load_customer_and_program_version(
        &self,
        key: &CustomerKey,
    ) -> Result<(Option<(Version, String)>, Option<Version>), StoreError> {
        let customer = self.load_customer(key).await?;
        Ok((customer, self.program_version(&key.merchant).await?))
    }

    /// Writes the program, as `version`, if its current version is
    /// `expected`.
    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        version: Version,
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

    /// The customer with the lookup key `lookup` (see
    /// [`CustomerWrite::lookups`]), if any.
    async fn owner_of(&self, merchant: &str, lookup: &str) -> Result<Option<String>, StoreError>;
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
