//! The HTTP glue in process: what the API handler receives, and the
//! scheduler waking customers through the real handler.

use std::sync::Arc;

use axum::body::Body;
use retention_api::{
    Clock, CustomerKey, CustomerWrite, Handler, MAX_BODY_BYTES, MerchantConfig, Store,
};
use retention_server::NativeHandler;
use retention_server::http::to_api_request;
use retention_server::platform::{OsEntropy, SystemClock};
use retention_server::scheduler;
use retention_server::sqlite::SqliteStore;

const API_KEY: &str = "test-api-key-0123456789abcdef0123456789";

fn handler(dir: &tempfile::TempDir) -> NativeHandler {
    let store = SqliteStore::open(&dir.path().join("h.db")).unwrap();
    let merchant = MerchantConfig {
        id: "demo".to_owned(),
        api_key: API_KEY.to_owned(),
        token_secret: "test-token-secret-0123456789abcdef0123".to_owned(),
        allowed_origins: vec![],
        webhook_url: None,
        webhook_secret: None,
        shopify_webhook_secret: None,
        rate_limits: Default::default(),
    };
    Handler::new(vec![merchant], store, SystemClock, OsEntropy::default())
}

#[tokio::test]
async fn a_large_body_reaches_the_handler_cut_to_one_byte_over_the_limit() {
    let request = http::Request::post("/v1/me/redemptions")
        .body(Body::from(vec![7u8; 200_000]))
        .unwrap();
    let converted = to_api_request(request).await.unwrap();
    assert_eq!(converted.body().len(), MAX_BODY_BYTES + 1);
}

#[tokio::test]
async fn method_path_query_headers_and_body_are_kept() {
    let request = http::Request::put("http://api.example/v1/me/preferences?x=1")
        .header("authorization", "Bearer t")
        .header("if-match", "\"e1\"")
        .body(Body::from("{\"a\":1}"))
        .unwrap();
    let converted = to_api_request(request).await.unwrap();
    assert_eq!(converted.method(), http::Method::PUT);
    // An absolute-form target keeps only its path and query.
    assert_eq!(converted.uri(), "/v1/me/preferences?x=1");
    assert_eq!(converted.headers()["authorization"], "Bearer t");
    assert_eq!(converted.headers()["if-match"], "\"e1\"");
    assert_eq!(converted.body(), b"{\"a\":1}");
}

#[tokio::test]
async fn an_exactly_full_body_is_passed_whole() {
    let request = http::Request::post("/v1/x")
        .body(Body::from(vec![1u8; MAX_BODY_BYTES]))
        .unwrap();
    assert_eq!(
        to_api_request(request).await.unwrap().body().len(),
        MAX_BODY_BYTES
    );
}

#[tokio::test]
async fn the_scheduler_wakes_due_customers_through_the_handler() {
    let dir = tempfile::tempdir().unwrap();
    let handler = Arc::new(handler(&dir));
    let (_stop_sender, stop) = tokio::sync::watch::channel(false);
    let mut backoff = scheduler::Backoff::default();
    assert_eq!(
        scheduler::wake_due(&handler, &stop, &mut backoff)
            .await
            .unwrap(),
        0
    );

    // A customer made by the API, then marked due.
    let event = http::Request::post("/v1/admin/customers/c1/events")
        .header("authorization", format!("Bearer {API_KEY}"))
        .header("idempotency-key", "k1")
        .header("content-type", "application/json")
        .body(br#"{"type":"points_adjusted","points":10,"reason":"test"}"#.to_vec())
        .unwrap();
    assert_eq!(handler.handle(event).await.status(), 200);
    let key = CustomerKey {
        merchant: "demo".to_owned(),
        customer: "c1".to_owned(),
    };
    let store = handler.store();
    let (version, state) = store.load_customer(&key).await.unwrap().unwrap();
    let due = CustomerWrite {
        version: version + 1,
        state,
        next_wake: Some(SystemClock.now().plus_seconds(-1)),
        ..Default::default()
    };
    assert!(store.save_customer(&key, Some(version), due).await.unwrap());

    assert_eq!(
        scheduler::wake_due(&handler, &stop, &mut backoff)
            .await
            .unwrap(),
        1
    );
    // Waking plans the next wake in the future (or none), so the customer
    // is not woken again on every tick.
    assert_eq!(
        store.due_wakes(SystemClock.now(), 10).await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn failing_customers_are_passed_over_so_the_others_are_woken() {
    let dir = tempfile::tempdir().unwrap();
    let handler = Arc::new(handler(&dir));
    let (_stop_sender, stop) = tokio::sync::watch::channel(false);
    let store = handler.store();
    let now = SystemClock.now();
    // 150 customers a wake cannot read, due before the good one.
    for i in 0..150 {
        let key = CustomerKey {
            merchant: "demo".to_owned(),
            customer: format!("broken-{i}"),
        };
        let broken = CustomerWrite {
            version: 1,
            state: "not a customer".to_owned(),
            next_wake: Some(now.plus_seconds(-60)),
            ..Default::default()
        };
        assert!(store.save_customer(&key, None, broken).await.unwrap());
    }
    let good = CustomerKey {
        merchant: "demo".to_owned(),
        customer: "good".to_owned(),
    };
    let write = CustomerWrite {
        version: 1,
        state: "{}".to_owned(),
        next_wake: Some(now.plus_seconds(-1)),
        ..Default::default()
    };
    assert!(store.save_customer(&good, None, write).await.unwrap());

    let mut backoff = scheduler::Backoff::default();
    for _ in 0..3 {
        scheduler::wake_due(&handler, &stop, &mut backoff)
            .await
            .unwrap();
    }
    let due = store.due_wakes(SystemClock.now(), 1_000).await.unwrap();
    assert!(!due.contains(&good), "the good customer was woken");
    assert_eq!(due.len(), 150, "the broken ones wait for their next try");
}
