//! When the store fails: 503 with a generic sentence that neither leaks
//! the cause nor claims nothing changed; the cause rides along for the
//! platform's log.

use futures_executor::block_on;
use retention_api::ports::{Delivery, EventPage, EventWrite, StoredEvent};
use retention_api::{
    CustomerKey, CustomerWrite, Failure, Handler, IdempotencyWrite, Store, StoreError, Version,
};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;

const CAUSE: &str = "disk I/O error at /var/lib/retention/secret.db";

/// A store whose every call fails.
struct Broken;

fn broken<T>() -> Result<T, StoreError> {
    Err(StoreError(CAUSE.to_owned()))
}

impl Store for Broken {
    async fn load_customer(
        &self,
        _: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        broken()
    }
    async fn load_idempotency(
        &self,
        _: &CustomerKey,
        _: &str,
        _: Instant,
    ) -> Result<Option<String>, StoreError> {
        broken()
    }
    async fn save_customer(
        &self,
        _: &CustomerKey,
        _: Option<Version>,
        _: CustomerWrite,
    ) -> Result<bool, StoreError> {
        broken()
    }
    async fn save_idempotency(
        &self,
        _: &CustomerKey,
        _: Option<Version>,
        _: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        broken()
    }
    async fn consents(&self, _: &CustomerKey) -> Result<Vec<String>, StoreError> {
        broken()
    }
    async fn rows(
        &self,
        _: &CustomerKey,
        _: &retention_api::RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        broken()
    }
    async fn erase_customer(
        &self,
        _: &CustomerKey,
        _: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        broken()
    }
    async fn last_sequence(&self, _: &CustomerKey) -> Result<u64, StoreError> {
        broken()
    }
    async fn events(
        &self,
        _: &str,
        _: u64,
        _: usize,
        _: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        broken()
    }
    async fn event(&self, _: &str, _: &str) -> Result<Option<StoredEvent>, StoreError> {
        broken()
    }
    async fn set_delivery(&self, _: &str, _: &str, _: Delivery) -> Result<bool, StoreError> {
        broken()
    }
    async fn due_deliveries(
        &self,
        _: &str,
        _: Instant,
        _: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        broken()
    }
    async fn prune_events(&self, _: &str, _: Instant) -> Result<(), StoreError> {
        broken()
    }
    async fn load_program(&self, _: &str) -> Result<Option<(Version, String)>, StoreError> {
        broken()
    }
    async fn save_program(
        &self,
        _: &str,
        _: Option<Version>,
        _: Version,
        _: &str,
    ) -> Result<bool, StoreError> {
        broken()
    }
    async fn due_outbox(
        &self,
        _: &str,
        _: Instant,
        _: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        broken()
    }
    async fn outbox_owner(&self, _: &str, _: &str) -> Result<Option<String>, StoreError> {
        broken()
    }
    async fn owner_of(&self, _: &str, _: &str) -> Result<Option<String>, StoreError> {
        broken()
    }
}

mod common;
use common::{Counter, TestClock, merchant};

#[test]
fn a_failing_store_answers_503_without_its_cause_and_without_promising_nothing_changed() {
    let handler = Handler::new(
        vec![merchant("shop")],
        Broken,
        TestClock::at(1_800_000_000),
        Counter::stepping(7),
    );
    let request = http::Request::builder()
        .method("POST")
        .uri("/v1/admin/customers/c-1/events")
        .header(
            "authorization",
            "Bearer shop-api-key-0123456789abcdef0123456789",
        )
        .header("idempotency-key", "k-1")
        .header("content-type", "application/json")
        .body(br#"{"type":"points_adjusted","points":5,"reason":"r"}"#.to_vec())
        .unwrap();
    let response = block_on(handler.handle(request));
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body = String::from_utf8(response.body().clone()).unwrap();
    assert!(body.contains("\"code\":\"unavailable\""), "{body}");
    assert!(
        !body.contains("secret.db") && !body.contains("disk"),
        "the cause stays out: {body}"
    );
    assert!(
        !body.to_lowercase().contains("nothing was changed"),
        "{body}"
    );
    assert_eq!(
        response.extensions().get::<Failure>(),
        Some(&Failure(CAUSE.to_owned())),
        "the cause is there for the log"
    );
}
