//! Bounded growth of what a caller can pile up under one customer: a
//! refusal's idempotency record is stored without rewriting the state,
//! each caller keeps its newest records only (so a shopper's flood cannot
//! push out the merchant's keys), and consent records live in their own
//! log outside the state every request reads.

use futures_executor::block_on;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use retention_api::memory::MemoryStore;
use retention_api::state::{CustomerDoc, IDEMPOTENCY_KEEP};
use retention_api::{CustomerKey, CustomerWrite, Handler, MerchantConfig, Request, Store};
use retention_core::Instant;
use retention_core::preferences::{ConsentRecord, ConsentSource};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;

mod common;
use common::{Counter, TestClock, merchant};

type TestHandler = Handler<MemoryStore, TestClock, Counter>;

/// Merchant `a` without rate limits in the way (the flood here is the point).
fn unlimited() -> MerchantConfig {
    let mut m = merchant("a");
    let fast = retention_api::limits::Rate {
        per_second: 1_000_000,
        burst: 1_000_000,
    };
    m.rate_limits = retention_api::limits::RateLimits {
        shopper: fast,
        customer: fast,
        merchant: fast,
    };
    m
}

fn handler() -> TestHandler {
    Handler::new(
        vec![unlimited()],
        MemoryStore::default(),
        TestClock::at(NOW),
        Counter::stepping(37),
    )
}

fn send(
    h: &TestHandler,
    method: &str,
    path: &str,
    auth: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, bool) {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {auth}"));
    if let Some(key) = key {
        b = b.header("idempotency-key", key);
    }
    let bytes = match body {
        Some(v) => {
            b = b.header("content-type", "application/json");
            v.to_string().into_bytes()
        }
        None => vec![],
    };
    let request: Request = b.body(bytes).unwrap();
    let response = block_on(h.handle(request));
    let replayed = response.headers().contains_key("idempotent-replayed");
    let value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (response.status().as_u16(), value, replayed)
}

fn shopper_token(customer: &str) -> String {
    retention_api::jwt::install();
    let claims = json!({"iss": "a", "sub": customer, "iat": NOW, "exp": NOW + 3600});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"a-token-secret-0123456789abcdefghijkl"),
    )
    .unwrap()
}

const API_KEY: &str = "a-api-key-0123456789abcdef0123456789";

fn key(customer: &str) -> CustomerKey {
    CustomerKey {
        merchant: "a".into(),
        customer: customer.into(),
    }
}

fn paid(order: &str) -> Value {
    json!({"type": "order_paid", "order_id": order, "amount_minor": 50_000, "currency": "RUB"})
}

fn stored(h: &TestHandler, customer: &str) -> (u64, String) {
    block_on(h.store().load_customer(&key(customer)))
        .unwrap()
        .unwrap()
}

#[test]
fn a_refusal_is_remembered_without_rewriting_the_state() {
    let h = handler();
    let events = "/v1/admin/customers/c-1/events";
    assert_eq!(
        send(&h, "POST", events, API_KEY, Some("o1"), Some(paid("o-1"))).0,
        200
    );
    let before = stored(&h, "c-1");
    let token = shopper_token("c-1");
    let redeem = json!({"reward_id": "no-such-reward"});
    let (status, first, replayed) = send(
        &h,
        "POST",
        "/v1/me/redemptions",
        &token,
        Some("r1"),
        Some(redeem.clone()),
    );
    assert!(
        (400..500).contains(&status) && !replayed,
        "{status} {first}"
    );
    assert_eq!(
        stored(&h, "c-1"),
        before,
        "the state and its version are untouched"
    );
    let again = send(
        &h,
        "POST",
        "/v1/me/redemptions",
        &token,
        Some("r1"),
        Some(redeem),
    );
    assert_eq!(again, (status, first, true), "the refusal replays");
}

#[test]
fn a_shoppers_flood_of_keys_cannot_push_out_the_merchants() {
    let h = handler();
    let events = "/v1/admin/customers/c-1/events";
    let (s, credited, _) = send(
        &h,
        "POST",
        events,
        API_KEY,
        Some("order-1"),
        Some(paid("o-1")),
    );
    assert_eq!(s, 200);
    let token = shopper_token("c-1");
    let redeem = json!({"reward_id": "no-such-reward"});
    let flood = IDEMPOTENCY_KEEP as usize + 20;
    for i in 0..flood {
        let key = format!("flood-{i}");
        let (s, _, _) = send(
            &h,
            "POST",
            "/v1/me/redemptions",
            &token,
            Some(&key),
            Some(redeem.clone()),
        );
        assert!((400..500).contains(&s));
    }
    // the merchant's retry after the flood is still a replay: no double credit
    let retry = send(
        &h,
        "POST",
        events,
        API_KEY,
        Some("order-1"),
        Some(paid("o-1")),
    );
    assert_eq!(retry, (200, credited, true));
    // the shopper's own oldest keys were forgotten, the newest kept
    let oldest = send(
        &h,
        "POST",
        "/v1/me/redemptions",
        &token,
        Some("flood-0"),
        Some(redeem.clone()),
    );
    assert!(
        !oldest.2,
        "pushed out by {IDEMPOTENCY_KEEP} newer keys: processed as new"
    );
    let newest = format!("flood-{}", flood - 1);
    let kept = send(
        &h,
        "POST",
        "/v1/me/redemptions",
        &token,
        Some(&newest),
        Some(redeem),
    );
    assert!(kept.2, "the newest key still replays");
}

#[test]
fn consent_records_go_to_their_own_log_and_older_states_move_theirs_there() {
    let h = handler();
    // A state as an older version wrote it: consent history inside.
    let old = ConsentRecord {
        at: Instant::from_unix(NOW - 86_400),
        what: "marketing_unsubscribed".into(),
        old: false,
        new: true,
        source: ConsentSource::Merchant,
    };
    let mut doc = CustomerDoc::default();
    doc.customer.consents = vec![old];
    let write = CustomerWrite {
        version: 7,
        state: serde_json::to_string(&doc).unwrap(),
        next_wake: None,
        outbox: vec![],
        lookups: vec![],
        events: vec![],
        idempotency: None,
        consents: vec![],
    };
    assert!(block_on(h.store().save_customer(&key("c-2"), None, write)).unwrap());
    let admin = "/v1/admin/customers/c-2";
    let (_, view, _) = send(&h, "GET", admin, API_KEY, None, None);
    assert_eq!(view["consents"].as_array().unwrap().len(), 1, "{view}");

    let token = shopper_token("c-2");
    let (_, prefs, _) = send(&h, "GET", "/v1/me/preferences", &token, None, None);
    let mut flipped = prefs.clone();
    let unsubscribed = prefs["marketing_unsubscribed"].as_bool().unwrap();
    flipped["marketing_unsubscribed"] = json!(!unsubscribed);
    let (s, _, _) = send(&h, "PUT", "/v1/me/preferences", &token, None, Some(flipped));
    assert_eq!(s, 200);
    let (version, state) = stored(&h, "c-2");
    assert_ne!(version, 7);
    assert!(
        !state.contains("consents"),
        "the state no longer carries consent records: {state}"
    );
    let log = block_on(h.store().consents(&key("c-2"))).unwrap();
    assert_eq!(
        log.len(),
        2,
        "the old record moved, the new one appended: {log:?}"
    );
    let (_, view, _) = send(&h, "GET", admin, API_KEY, None, None);
    let whats: Vec<(&str, bool)> = view["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["what"].as_str().unwrap(), c["new"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        whats,
        [
            ("marketing_unsubscribed", true),
            ("marketing_unsubscribed", !unsubscribed)
        ],
        "oldest first, nothing lost"
    );
}
