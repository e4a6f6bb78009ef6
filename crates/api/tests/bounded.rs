//! Bounded growth of what a caller can pile up under one customer: a
//! refusal's idempotency record is stored without rewriting the state,
//! each caller keeps its newest records only (so a shopper's flood cannot
//! push out the merchant's keys), and consent records live in their own
//! log outside the state every request reads.

use futures_executor::block_on;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use retention_api::memory::MemoryStore;
use retention_api::state::{CustomerDoc, IDEMPOTENCY_KEEP};
use retention_api::{Clock, CustomerKey, CustomerWrite, Handler, MerchantConfig, Request, Store};
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
    shopper_token_at(customer, NOW)
}

fn shopper_token_at(customer: &str, now: i64) -> String {
    retention_api::jwt::install();
    let claims = json!({"iss": "a", "sub": customer, "iat": now, "exp": now + 3600});
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

/// Stores `doc` as a new customer, as an older version wrote it: the
/// state alone, as `version`.
fn store_as_written(h: &TestHandler, customer: &str, version: u64, doc: &CustomerDoc) {
    let write = CustomerWrite {
        version,
        state: serde_json::to_string(doc).unwrap(),
        ..Default::default()
    };
    assert!(block_on(h.store().save_customer(&key(customer), None, write)).unwrap());
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
    store_as_written(&h, "c-2", 7, &doc);
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

fn adjust(h: &TestHandler, customer: &str, points: i64) {
    let path = format!("/v1/admin/customers/{customer}/events");
    static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body = json!({"type": "points_adjusted", "points": points, "reason": "Goodwill"});
    let (s, v, _) = send(
        h,
        "POST",
        &path,
        API_KEY,
        Some(&format!("adj-{n}")),
        Some(body),
    );
    assert_eq!(s, 200, "{v}");
}

/// Every entry of the shopper's activity, page by page (100 a page).
fn whole_activity(h: &TestHandler, customer: &str) -> Vec<Value> {
    let token = shopper_token_at(customer, h.clock().now().unix());
    let mut items = Vec::new();
    let mut path = "/v1/me/activity?limit=100".to_owned();
    loop {
        let (s, page, _) = send(h, "GET", &path, &token, None, None);
        assert_eq!(s, 200, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/me/activity?limit=100&cursor={c}"),
            None => return items,
        }
    }
}

/// The customer's rows of ledger entries, oldest first.
fn entry_rows(h: &TestHandler, customer: &str) -> Vec<(String, String)> {
    let range = retention_api::RowRange {
        table: "entries".into(),
        newest_first: false,
        beyond: None,
        limit: usize::MAX,
    };
    block_on(h.store().rows(&key(customer), &range)).unwrap()
}

fn logged(h: &TestHandler, customer: &str) -> usize {
    entry_rows(h, customer).len()
}

/// A write that records no entry: the shopper flips a preference.
fn flip_preference(h: &TestHandler, customer: &str) {
    let token = shopper_token_at(customer, h.clock().now().unix());
    let (_, mut prefs, _) = send(h, "GET", "/v1/me/preferences", &token, None, None);
    let unsubscribed = prefs["marketing_unsubscribed"].as_bool().unwrap();
    prefs["marketing_unsubscribed"] = json!(!unsubscribed);
    let (s, v, _) = send(h, "PUT", "/v1/me/preferences", &token, None, Some(prefs));
    assert_eq!(s, 200, "{v}");
}

#[test]
fn ledger_entries_go_to_the_log_so_the_state_does_not_grow_with_history() {
    let h = handler();
    for _ in 0..5 {
        adjust(&h, "c-3", 10);
        adjust(&h, "c-3", -10);
    }
    let small = stored(&h, "c-3").1.len();
    for _ in 0..300 {
        adjust(&h, "c-3", 10);
        adjust(&h, "c-3", -10);
    }
    let (_, state) = stored(&h, "c-3");
    assert!(
        state.len() <= small + 16,
        "610 entries later the state is {} bytes, it was {small}: {state}",
        state.len()
    );
    assert_eq!(logged(&h, "c-3"), 610, "each write appended its entry");
    let items = whole_activity(&h, "c-3");
    assert_eq!(items.len(), 610);
    let keys: Vec<(String, u64)> = items
        .iter()
        .map(|i| {
            (
                i["at"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] > w[1]),
        "newest first, each once"
    );
    let total: i64 = items.iter().map(|i| i["points"].as_i64().unwrap()).sum();
    assert_eq!(total, 0);
}

#[test]
fn folding_the_log_in_batches_never_changes_what_is_read() {
    let h = handler();
    for _ in 0..500 {
        adjust(&h, "c-4", 3);
        adjust(&h, "c-4", -1);
    }
    let admin = "/v1/admin/customers/c-4";
    let (_, before_admin, _) = send(&h, "GET", admin, API_KEY, None, None);
    // Past the history window: every entry is read as one carried-forward
    // entry before any write folds the log.
    let history_days = 730;
    h.clock().0.store(
        NOW + (history_days + 1) * 86_400,
        std::sync::atomic::Ordering::SeqCst,
    );
    let read = whole_activity(&h, "c-4");
    let kinds: Vec<(&str, i64)> = read
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["points"].as_i64().unwrap()))
        .collect();
    // The year-long expiry of the default program fell inside the window.
    assert_eq!(
        kinds,
        [("expire", -1_000), ("carried_forward", 1_000)],
        "{read:?}"
    );
    let (_, admin_read, _) = send(&h, "GET", admin, API_KEY, None, None);
    let mut oldest_first = read.clone();
    oldest_first.reverse();
    assert_eq!(
        admin_read["ledger"],
        json!(oldest_first),
        "the merchant sees the same, oldest first"
    );
    assert_eq!(before_admin["ledger"].as_array().unwrap().len(), 1_000);
    assert_eq!(logged(&h, "c-4"), 1_000);
    // Each write folds at most 400; the first also logs the expiry it
    // materialises (inside the window, so it stays).
    for left in [601, 201, 1] {
        flip_preference(&h, "c-4");
        assert_eq!(logged(&h, "c-4"), left);
        assert_eq!(whole_activity(&h, "c-4"), read, "{left} left in the log");
    }
}

#[test]
fn an_older_state_with_its_entries_inside_moves_them_to_the_log() {
    let h = handler();
    for points in [5, 7, -2] {
        adjust(&h, "c-5", points);
    }
    let read = whole_activity(&h, "c-5");
    // The same ledger as an older version stored it: entries in the state.
    let (version, state) = stored(&h, "c-5");
    let mut doc = CustomerDoc::parse(&state).unwrap();
    doc.customer.ledger.entries = entry_rows(&h, "c-5")
        .iter()
        .map(|(_, e)| serde_json::from_str(e).unwrap())
        .collect();
    doc.customer.ledger.logged_since = None;
    block_on(h.store().erase_customer(&key("c-5"), None)).unwrap();
    store_as_written(&h, "c-5", version, &doc);
    assert_eq!(logged(&h, "c-5"), 0);
    assert_eq!(whole_activity(&h, "c-5"), read, "read from the state");
    flip_preference(&h, "c-5");
    assert_eq!(logged(&h, "c-5"), 3, "moved to the log by the next write");
    assert!(!stored(&h, "c-5").1.contains("\"entries\""));
    assert_eq!(whole_activity(&h, "c-5"), read, "read from the log");
}

/// The customer's rows of `table`, in key order.
fn table_rows(h: &TestHandler, customer: &str, table: &str) -> Vec<(String, String)> {
    let range = retention_api::RowRange {
        table: table.into(),
        newest_first: false,
        beyond: None,
        limit: usize::MAX,
    };
    block_on(h.store().rows(&key(customer), &range)).unwrap()
}

fn owner(h: &TestHandler, lookup: &str) -> Option<String> {
    block_on(h.store().owner_of("a", lookup)).unwrap()
}

/// An order paid `days_ago` (and `minutes` more), recorded by the merchant.
fn pay(h: &TestHandler, customer: &str, order: &str, days_ago: i64, minutes: i64) -> (u16, Value) {
    let paid_at = Instant::from_unix(NOW - days_ago * 86_400 - minutes * 60);
    let mut body = paid(order);
    body["paid_at"] = json!(paid_at.to_string());
    let path = format!("/v1/admin/customers/{customer}/events");
    static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (s, v, _) = send(
        h,
        "POST",
        &path,
        API_KEY,
        Some(&format!("pay-{n}")),
        Some(body),
    );
    (s, v)
}

fn me(h: &TestHandler, customer: &str) -> Value {
    let token = shopper_token_at(customer, h.clock().now().unix());
    let (s, v, _) = send(h, "GET", "/v1/me", &token, None, None);
    assert_eq!(s, 200, "{v}");
    v
}

#[test]
fn orders_go_to_their_own_table_so_the_state_does_not_grow_with_them() {
    let h = handler();
    // Paid 400 days ago and more: inside the history window (730 days),
    // outside the tier window (365).
    for i in 0..5 {
        assert_eq!(pay(&h, "c-6", &format!("h-{i}"), 400, i).0, 200);
    }
    let small = stored(&h, "c-6").1.len();
    for i in 5..200 {
        assert_eq!(pay(&h, "c-6", &format!("h-{i}"), 400, i).0, 200);
    }
    let (_, state) = stored(&h, "c-6");
    assert!(
        state.len() <= small + 16,
        "195 orders later the state is {} bytes, it was {small}: {state}",
        state.len()
    );
    assert_eq!(table_rows(&h, "c-6", "orders").len(), 200);
    assert_eq!(table_rows(&h, "c-6", "orders_paid").len(), 200);
    // Two recent orders stay in the state too (the tier window's).
    for i in 0..2 {
        assert_eq!(pay(&h, "c-6", &format!("r-{i}"), 10, i).0, 200);
    }
    let view = me(&h, "c-6");
    assert_eq!(view["loyalty"]["qualifying_points"], json!(1_000), "{view}");
    assert_eq!(view["loyalty"]["lifetime_earned"], json!(202 * 500));
    // An order out of the state is still found: a duplicate, a refund and
    // a refund that names only the order.
    let (s, v) = pay(&h, "c-6", "h-17", 3, 0);
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("order_already_recorded")),
        "{v}"
    );
    let refund = json!({"type": "order_refunded", "order_id": "h-17", "amount_minor": 25_000});
    let path = "/v1/admin/customers/c-6/events";
    let (s, v, _) = send(&h, "POST", path, API_KEY, Some("refund-17"), Some(refund));
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["customer"]["loyalty"]["lifetime_earned"],
        json!(202 * 500 - 250)
    );
    let row = table_rows(&h, "c-6", "orders")
        .into_iter()
        .map(|(_, o)| serde_json::from_str::<Value>(&o).unwrap())
        .find(|o| o["order_id"] == "h-17")
        .unwrap();
    assert_eq!(
        (row["refunded_minor"].as_i64(), row["reversed"].as_i64()),
        (Some(25_000), Some(250))
    );
    assert_eq!(owner(&h, "order:h-17").as_deref(), Some("c-6"));
    assert_eq!(owner(&h, "order:r-1").as_deref(), Some("c-6"));
    assert_eq!(owner(&h, "order:h-999"), None);
    // Past the history window the table lets its orders go, a batch per
    // write, and their lookup keys with them; the recent ones stay.
    h.clock()
        .0
        .store(NOW + 340 * 86_400, std::sync::atomic::Ordering::SeqCst);
    let batch = retention_api::order_table::PRUNE_BATCH;
    for write in 1..=5 {
        flip_preference(&h, "c-6");
        let left = 2 + 200usize.saturating_sub(write * batch);
        assert_eq!(table_rows(&h, "c-6", "orders").len(), left);
        assert_eq!(table_rows(&h, "c-6", "orders_paid").len(), left);
    }
    assert_eq!(owner(&h, "order:h-17"), None);
    assert_eq!(owner(&h, "order:r-1").as_deref(), Some("c-6"));
    // A forgotten order id may be recorded again (SPEC 2.1: ids are
    // remembered for history_days).
    assert_eq!(pay(&h, "c-6", "h-17", 0, 0).0, 200);
}

#[test]
fn an_older_state_with_its_orders_inside_moves_them_to_their_table_a_batch_per_write() {
    let h = handler();
    let program = retention_core::Program::default();
    let mut customer = retention_core::Customer::default();
    let now = Instant::from_unix(NOW);
    // 397 orders out of the tier window, 3 in it.
    for i in 0..400 {
        let days = if i < 397 { 400 } else { 10 };
        let at = now.plus_days(-days).plus_seconds(i * 60);
        let event = retention_core::MerchantEvent::OrderPaid {
            order_id: format!("h-{i}"),
            amount_minor: 50_000,
            currency: "RUB".into(),
            paid_at: Some(at),
        };
        customer.apply_event(&program, event, now).unwrap();
    }
    customer.ledger.take_unlogged();
    let doc = CustomerDoc {
        customer,
        ..CustomerDoc::default()
    };
    store_as_written(&h, "c-7", 7, &doc);
    let before = me(&h, "c-7");
    assert_eq!(before["loyalty"]["qualifying_points"], json!(1_500));
    let batch = retention_api::order_table::MOVE_BATCH;
    for write in 1..=(400 / batch + 1) {
        flip_preference(&h, "c-7");
        let moved = (write * batch).min(400);
        assert_eq!(table_rows(&h, "c-7", "orders").len(), moved);
        let state = stored(&h, "c-7").1;
        assert_eq!(state.contains("h-300"), moved < 400, "{moved} moved");
        assert_eq!(me(&h, "c-7")["loyalty"], before["loyalty"], "{moved} moved");
    }
    assert_eq!(owner(&h, "order:h-3").as_deref(), Some("c-7"));
    assert_eq!(
        pay(&h, "c-7", "h-3", 0, 0).1["code"],
        json!("order_already_recorded")
    );
}
