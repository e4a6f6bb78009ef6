//! Customers as the edge stores take them (`--emit`): each customer's
//! write, captured from the handler's own import, cut into writes small
//! enough for one Deno KV commit, as JSON lines an edge loader replays
//! through the platform's store (`saveCustomer`), one after another.

use std::sync::Mutex;

use retention_api::ports::{EventPage, StoredEvent};
use retention_api::{
    CustomerKey, CustomerWrite, Delivery, EventWrite, IdempotencyWrite, RowRange, Store,
    StoreError, Version,
};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;
use serde_json::{Value, json};

/// Rows per replayed write (one change each in Deno KV, which takes 1,000
/// per commit and 80 KiB of keys).
const ROWS_PER_WRITE: usize = 300;
/// Lookup keys per replayed write (two changes each in Deno KV).
const LOOKUPS_PER_WRITE: usize = 200;

/// A store that holds the merchant's program and keeps the one write an
/// import makes instead of storing it.
pub struct Capture {
    program: (Version, String),
    written: Mutex<Option<CustomerWrite>>,
}

impl Capture {
    /// A store with this program.
    pub fn new(program: (Version, String)) -> Self {
        Capture {
            program,
            written: Mutex::new(None),
        }
    }

    /// The write captured last.
    pub fn take(&self) -> Option<CustomerWrite> {
        self.written.lock().ok()?.take()
    }
}

/// The JSON lines replaying `write` for `customer`: the first carries
/// the state and the first rows and keys; each next one, over the version
/// before it, the same state and the next rows and keys. The outbox and
/// wake time are left out (the bench reads and writes; it sends nothing).
pub fn lines(customer: &str, write: CustomerWrite) -> Vec<String> {
    let rows: Vec<Value> = write
        .rows
        .iter()
        .map(|r| json!({"table": r.table, "key": r.key, "value": r.value}))
        .collect();
    let lookups: Vec<Value> = write
        .lookups
        .iter()
        .map(|l| json!({"key": l.key, "held": l.held}))
        .collect();
    let mut rows = rows.chunks(ROWS_PER_WRITE);
    let mut lookups = lookups.chunks(LOOKUPS_PER_WRITE);
    let mut out = Vec::new();
    let mut expected: Option<u64> = None;
    loop {
        let (r, l) = (rows.next(), lookups.next());
        if !out.is_empty() && r.is_none() && l.is_none() {
            return out;
        }
        let version = expected.map_or(1, |v| v + 1);
        let replay = json!({
            "customer": customer,
            "expected": expected,
            "write": {
                "version": version,
                "state": write.state,
                "nextWake": null,
                "outbox": [],
                "lookups": l.unwrap_or_default(),
                "idempotency": null,
                "events": [],
                "consents": if expected.is_none() { json!(write.consents) } else { json!([]) },
                "rows": r.unwrap_or_default(),
            },
        });
        out.push(replay.to_string());
        expected = Some(version);
    }
}

fn none<T>() -> Result<Option<T>, StoreError> {
    Ok(None)
}

impl Store for Capture {
    async fn load_customer(
        &self,
        _: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        none()
    }

    async fn load_idempotency(
        &self,
        _: &CustomerKey,
        _: &str,
        _: Instant,
    ) -> Result<Option<String>, StoreError> {
        none()
    }

    async fn save_customer(
        &self,
        _: &CustomerKey,
        _: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError> {
        let mut written = self
            .written
            .lock()
            .map_err(|_| StoreError("poisoned".into()))?;
        *written = Some(write);
        Ok(true)
    }

    async fn save_idempotency(
        &self,
        _: &CustomerKey,
        _: Option<Version>,
        _: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        Ok(true)
    }

    async fn consents(&self, _: &CustomerKey) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    async fn rows(
        &self,
        _: &CustomerKey,
        _: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(Vec::new())
    }

    async fn erase_customer(
        &self,
        _: &CustomerKey,
        _: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    async fn last_sequence(&self, _: &CustomerKey) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn events(
        &self,
        _: &str,
        _: u64,
        _: usize,
        _: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        Ok(EventPage::default())
    }

    async fn event(&self, _: &str, _: &str) -> Result<Option<StoredEvent>, StoreError> {
        none()
    }

    async fn set_delivery(&self, _: &str, _: &str, _: Delivery) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn due_deliveries(
        &self,
        _: &str,
        _: Instant,
        _: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(Vec::new())
    }

    async fn prune_events(&self, _: &str, _: Instant) -> Result<(), StoreError> {
        Ok(())
    }

    async fn load_program(&self, _: &str) -> Result<Option<(Version, String)>, StoreError> {
        Ok(Some(self.program.clone()))
    }

    async fn save_program(
        &self,
        _: &str,
        _: Option<Version>,
        _: Version,
        _: &str,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn due_outbox(
        &self,
        _: &str,
        _: Instant,
        _: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        Ok(Vec::new())
    }

    async fn outbox_owner(&self, _: &str, _: &str) -> Result<Option<String>, StoreError> {
        none()
    }

    async fn owner_of(&self, _: &str, _: &str) -> Result<Option<String>, StoreError> {
        none()
    }
}
