//! Reads that span several of the store's reads (the state, then its
//! rows) stay consistent when a write commits between them.

use std::sync::Mutex;

use futures_executor::block_on;
use retention_api::memory::MemoryStore;
use retention_api::ports::{Delivery, EventPage, EventWrite, StoredEvent};
use retention_api::{
    CustomerKey, CustomerWrite, Handler, IdempotencyWrite, RowRange, Store, StoreError, Version,
};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;
use serde_json::{Value, json};

mod common;
use common::{Counter, TestClock, merchant};

const NOW: i64 = 1_800_000_000;
const API_KEY: &str = "a-api-key-0123456789abcdef0123456789";

/// The memory store, except that while `parking` a customer write is
/// held back (and reported as done) until the next read of rows: as if
/// it committed between a reader's read of the state and of its rows.
#[derive(Default)]
struct Parking {
    inner: MemoryStore,
    parking: Mutex<bool>,
    parked: Mutex<Vec<(CustomerKey, Option<Version>, CustomerWrite)>>,
}

impl Parking {
    fn park(&self, on: bool) {
        *self.parking.lock().unwrap() = on;
    }

    async fn commit_parked(&self) {
        let parked = std::mem::take(&mut *self.parked.lock().unwrap());
        for (key, expected, write) in parked {
            assert!(
                self.inner
                    .save_customer(&key, expected, write)
                    .await
                    .unwrap()
            );
        }
    }
}

impl Store for Parking {
    async fn load_customer(
        &self,
        key: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        self.inner.load_customer(key).await
    }
    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
        now: Instant,
    ) -> Result<Option<String>, StoreError> {
        self.inner.load_idempotency(key, idempotency_key, now).await
    }
    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError> {
        if *self.parking.lock().unwrap() {
            self.parked
                .lock()
                .unwrap()
                .push((key.clone(), expected, write));
            return Ok(true);
        }
        self.inner.save_customer(key, expected, write).await
    }
    async fn save_idempotency(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        self.inner.save_idempotency(key, expected, write).await
    }
    async fn consents(&self, key: &CustomerKey) -> Result<Vec<String>, StoreError> {
        self.inner.consents(key).await
    }
    async fn rows(
        &self,
        key: &CustomerKey,
        range: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.commit_parked().await;
        self.inner.rows(key, range).await
    }
    async fn erase_customer(
        &self,
        key: &CustomerKey,
        erased: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        self.inner.erase_customer(key, erased).await
    }
    async fn last_sequence(&self, key: &CustomerKey) -> Result<u64, StoreError> {
        self.inner.last_sequence(key).await
    }
    async fn events(
        &self,
        merchant: &str,
        after: u64,
        limit: usize,
        kind: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        self.inner.events(merchant, after, limit, kind).await
    }
    async fn event(&self, merchant: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        self.inner.event(merchant, id).await
    }
    async fn set_delivery(
        &self,
        merchant: &str,
        id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError> {
        self.inner.set_delivery(merchant, id, delivery).await
    }
    async fn due_deliveries(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.due_deliveries(merchant, now, limit).await
    }
    async fn prune_events(&self, merchant: &str, before: Instant) -> Result<(), StoreError> {
        self.inner.prune_events(merchant, before).await
    }
    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError> {
        self.inner.load_program(merchant).await
    }
    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        version: Version,
        program: &str,
    ) -> Result<bool, StoreError> {
        self.inner
            .save_program(merchant, expected, version, program)
            .await
    }
    async fn due_outbox(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.inner.due_outbox(merchant, now, limit).await
    }
    async fn outbox_owner(&self, merchant: &str, id: &str) -> Result<Option<String>, StoreError> {
        self.inner.outbox_owner(merchant, id).await
    }
    async fn owner_of(&self, merchant: &str, lookup: &str) -> Result<Option<String>, StoreError> {
        self.inner.owner_of(merchant, lookup).await
    }
}

type TestHandler = Handler<Parking, TestClock, Counter>;

fn send(
    h: &TestHandler,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {API_KEY}"));
    if let Some(key) = key {
        b = b.header("idempotency-key", key);
    }
    let body = match body {
        Some(v) => {
            b = b.header("content-type", "application/json");
            serde_json::to_vec(&v).unwrap()
        }
        None => Vec::new(),
    };
    let response = block_on(h.handle(b.body(body).unwrap()));
    let status = response.status().as_u16();
    let value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, value)
}

#[test]
fn the_merchants_view_of_a_customer_is_one_version_even_when_a_write_lands_mid_read() {
    let h = Handler::new(
        vec![merchant("a")],
        Parking::default(),
        TestClock::at(NOW),
        Counter::stepping(37),
    );
    let events = "/v1/admin/customers/c-1/events";
    let adjust = |key: &str, points: i64| {
        let body = json!({"type": "points_adjusted", "points": points, "reason": "Goodwill"});
        let (s, v) = send(&h, "POST", events, Some(key), Some(body));
        assert_eq!(s, 200, "{v}");
    };
    adjust("a-1", 100);
    adjust("a-2", 50);
    // A third adjustment commits between the view's read of the state and
    // its read of the log.
    h.store().park(true);
    adjust("a-3", 25);
    h.store().park(false);
    let (s, view) = send(&h, "GET", "/v1/admin/customers/c-1", None, None);
    assert_eq!(s, 200, "{view}");
    let ledger: i64 = view["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["points"].as_i64().unwrap())
        .sum();
    let balance = view["loyalty"]["balance"].as_i64().unwrap();
    assert_eq!(
        (ledger, balance),
        (175, 175),
        "the entries and the balance come from one version: {view}"
    );
}
