//! One delivery attempt through a fake HTTP client: a connection that
//! fails at once (a kept-alive socket the receiver had closed) is tried
//! once more at once; a receiver that takes its time to fail is retried on
//! the schedule.

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use futures_executor::block_on;
use retention_api::delivery::Sender;
use retention_api::memory::MemoryStore;
use retention_api::{DeliveryState, Handler, MerchantConfig};

mod common;
use common::{Counter, TestClock, merchant};

type TestHandler = Handler<MemoryStore, TestClock, Counter>;

/// Answers from a script; each answer takes `seconds` of the test clock.
struct Scripted<'a> {
    handler: &'a TestHandler,
    answers: RefCell<Vec<(Option<u16>, i64)>>,
    calls: RefCell<usize>,
}

impl Sender for Scripted<'_> {
    async fn post(&self, _: &str, _: &[(&'static str, String)], _: &[u8]) -> Option<u16> {
        *self.calls.borrow_mut() += 1;
        let (status, seconds) = self.answers.borrow_mut().remove(0);
        self.handler.clock().0.fetch_add(seconds, Ordering::SeqCst);
        status
    }
}

fn handler() -> TestHandler {
    let shop = MerchantConfig {
        webhook_url: Some("https://hooks.example/in".into()),
        webhook_secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        ..merchant("shop")
    };
    let h = Handler::new(
        vec![shop],
        MemoryStore::default(),
        TestClock::at(1_800_000_000),
        Counter::stepping(41),
    );
    // One event: a preferences change by the merchant.
    let mut prefs: serde_json::Value =
        serde_json::to_value(retention_core::Program::default().default_preferences).unwrap();
    prefs["channels"]["sms"]["enabled"] = true.into();
    let put = http::Request::builder()
        .method("PUT")
        .uri("/v1/admin/customers/c-1/preferences")
        .header(
            "authorization",
            "Bearer shop-api-key-0123456789abcdef0123456789",
        )
        .header("content-type", "application/json")
        .body(prefs.to_string().into_bytes())
        .unwrap();
    assert_eq!(block_on(h.handle(put)).status(), 200);
    h
}

fn attempt(h: &TestHandler, answers: Vec<(Option<u16>, i64)>) -> (retention_api::Delivery, usize) {
    let sender = Scripted {
        handler: h,
        answers: RefCell::new(answers),
        calls: RefCell::new(0),
    };
    let due = block_on(h.due_deliveries(10)).unwrap();
    assert_eq!(due.len(), 1);
    let delivery = block_on(h.deliver(&due[0], &sender)).unwrap();
    (delivery, sender.calls.into_inner())
}

#[test]
fn a_connection_that_fails_at_once_is_tried_once_more_at_once() {
    let h = handler();
    let (delivery, calls) = attempt(&h, vec![(None, 0), (Some(204), 0)]);
    assert_eq!(calls, 2);
    assert_eq!(delivery.state, DeliveryState::Delivered);
    assert_eq!((delivery.attempts, delivery.last_status), (1, Some(204)));
}

#[test]
fn a_receiver_that_takes_its_time_to_fail_waits_for_the_schedule() {
    let h = handler();
    let (delivery, calls) = attempt(&h, vec![(None, 15), (Some(204), 0)]);
    assert_eq!(calls, 1, "no second try after a 15 s timeout");
    assert_eq!(delivery.state, DeliveryState::Pending);
    assert_eq!((delivery.attempts, delivery.last_status), (1, None));
    let (delivery, calls) = {
        let h = handler();
        attempt(&h, vec![(Some(500), 0), (Some(204), 0)])
    };
    assert_eq!(calls, 1, "an answer, even a failing one, is the receiver's");
    assert_eq!(delivery.state, DeliveryState::Pending);
}
