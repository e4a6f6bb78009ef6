//! Fuzz targets through the whole handler (stable toolchain: proptest's
//! generators, run for a time budget instead of a case count). Each target
//! throws arbitrary input at one surface and checks what must hold for any
//! input: no panic, no 5xx, every error problem+json with a code, and the
//! customer's books adding up.
//!
//! `./dev test` runs each for FUZZ_SECONDS (default 2); `./dev fuzz` runs
//! each for 10 minutes. A failure prints the shrunk input.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant as WallClock};

use futures_executor::block_on;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use retention_api::limits::{Rate, RateLimits};
use retention_api::memory::MemoryStore;
use retention_api::{Handler, MerchantConfig, Response};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;
const UNLIMITED: Rate = Rate {
    per_second: u32::MAX,
    burst: u32::MAX,
};
const API_KEY: &str = "fuzz-api-key-0123456789abcdef0123456789";
const SECRET: &str = "fuzz-token-secret-0123456789abcdef012345";

mod common;
use common::{Counter, TestClock};

type FuzzHandler = Handler<MemoryStore, TestClock, Counter>;

fn handler() -> FuzzHandler {
    let merchant = MerchantConfig {
        id: "shop".into(),
        api_key: API_KEY.into(),
        token_secret: SECRET.into(),
        allowed_origins: vec!["https://shop.example".into()],
        webhook_url: None,
        webhook_secret: None,
        shopify_webhook_secret: None,
        // The clock stands still here: no bucket would ever refill.
        rate_limits: RateLimits {
            shopper: UNLIMITED,
            customer: UNLIMITED,
            merchant: UNLIMITED,
        },
    };
    Handler::new(
        vec![merchant],
        MemoryStore::default(),
        TestClock::at(NOW),
        Counter::stepping(37),
    )
}

fn token(customer: &str) -> String {
    retention_api::jwt::install();
    let claims = json!({"iss": "shop", "sub": customer, "iat": NOW, "exp": NOW + 3_600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// Runs `check` on values of `strategy` until the time budget is spent.
fn fuzz<S: Strategy>(name: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let deadline = WallClock::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    while WallClock::now() < deadline {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &check) {
            panic!("fuzz target {name}: {e}");
        }
        runs += 64;
    }
    eprintln!("fuzz target {name}: {runs} inputs in {seconds} s");
}

/// What every answer must be, whatever came in.
fn sound(response: &Response) -> Result<(), TestCaseError> {
    let status = response.status().as_u16();
    prop_assert!(
        status < 500,
        "a {status}: {}",
        String::from_utf8_lossy(response.body())
    );
    if status >= 400 {
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        prop_assert!(
            kind.starts_with("application/problem+json"),
            "{status} as {kind}"
        );
        let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        prop_assert!(
            body["code"].as_str().is_some_and(|c| !c.is_empty()),
            "no code: {body}"
        );
    }
    Ok(())
}

fn request(
    method: &str,
    path: &str,
    auth: Option<String>,
    json_type: bool,
    key: Option<String>,
    body: Vec<u8>,
) -> retention_api::Request {
    let mut builder = http::Request::builder().method(method).uri(path);
    if let Some(auth) = auth {
        builder = builder.header("authorization", auth);
    }
    if json_type {
        builder = builder.header("content-type", "application/json");
    }
    if let Some(key) = key.filter(|k| http::HeaderValue::from_str(k).is_ok()) {
        builder = builder.header("idempotency-key", key);
    }
    builder.body(body).unwrap()
}

/// A JSON value of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,12}".prop_map(Value::String),
        Just(json!("2027-02-30")),
        Just(json!("2027-01-01T00:00:00Z")),
        Just(json!("RUB")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("order_id".to_owned()),
                    Just("amount_minor".to_owned()),
                    Just("points".to_owned()),
                    Just("reason".to_owned()),
                    Just("action".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn tokens() {
    let h = handler();
    let part = "[A-Za-z0-9_-]{0,40}";
    let shapes = prop_oneof![
        "\\PC{0,80}",
        (part, part, part).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (any_json(), part).prop_map(|(claims, sig)| {
            use base64::Engine;
            let e =
                |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            format!(
                "{}.{}.{sig}",
                e(&json!({"alg": "HS256", "typ": "JWT"})),
                e(&claims)
            )
        }),
    ];
    fuzz("tokens", shapes, |t| {
        let response = block_on(h.handle(request(
            "GET",
            "/v1/me",
            Some(format!("Bearer {t}")),
            false,
            None,
            vec![],
        )));
        sound(&response)?;
        prop_assert_eq!(response.status().as_u16(), 401);
        Ok(())
    });
}

#[test]
fn requests() {
    let h = handler();
    let segment = prop_oneof![
        Just("v1".to_owned()),
        Just("me".to_owned()),
        Just("admin".to_owned()),
        Just("customers".to_owned()),
        Just("events".to_owned()),
        Just("preferences".to_owned()),
        Just("redemptions".to_owned()),
        Just("subscriptions".to_owned()),
        Just("actions".to_owned()),
        Just("program".to_owned()),
        Just("outbox".to_owned()),
        Just("session".to_owned()),
        Just("hooks".to_owned()),
        Just("shopify".to_owned()),
        Just("c-1".to_owned()),
        "[A-Za-z0-9%._~-]{0,12}",
    ];
    let method = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("DELETE"),
        Just("OPTIONS"),
        Just("PATCH")
    ];
    let who = prop_oneof![
        Just(None),
        Just(Some(format!("Bearer {API_KEY}"))),
        Just(Some(format!("Bearer {}", token("c-1"))))
    ];
    let body = prop_oneof![
        any_json().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let inputs = (
        method,
        prop::collection::vec(segment, 1..6),
        who,
        any::<bool>(),
        proptest::option::of("[ -~]{0,20}"),
        body,
    );
    fuzz(
        "requests",
        inputs,
        |(method, segments, who, json_type, key, body)| {
            let path = format!("/{}", segments.join("/"));
            prop_assume!(path.parse::<http::Uri>().is_ok());
            sound(&block_on(
                h.handle(request(method, &path, who, json_type, key, body)),
            ))
        },
    );
}

#[test]
fn programs() {
    let h = handler();
    fuzz("programs", any_json(), |program| {
        let put = request(
            "PUT",
            "/v1/admin/program",
            Some(format!("Bearer {API_KEY}")),
            true,
            None,
            program.to_string().into_bytes(),
        );
        let response = block_on(h.handle(put));
        sound(&response)?;
        let got = block_on(h.handle(request(
            "GET",
            "/v1/admin/program",
            Some(format!("Bearer {API_KEY}")),
            false,
            None,
            vec![],
        )));
        prop_assert_eq!(got.status().as_u16(), 200);
        Ok(())
    });
}

#[derive(Clone, Debug)]
enum Op {
    Merchant(Value),
    Shopper(&'static str, String, Value),
    Wait(i64),
}

#[test]
fn customer_operations() {
    let event = prop_oneof![
        (1i64..500_000, "[a-d]").prop_map(|(a, o)| json!({"type": "order_paid", "order_id": o, "amount_minor": a, "currency": "RUB"})),
        (1i64..500_000, "[a-d]").prop_map(|(a, o)| json!({"type": "order_refunded", "order_id": o, "amount_minor": a})),
        (-2_000i64..2_000).prop_map(|p| json!({"type": "points_adjusted", "points": p, "reason": "fuzz"})),
        Just(json!({"type": "subscription_upserted", "subscription": {"id": "s", "product_id": "coffee", "variant_id": "v",
            "title": "Coffee", "quantity": 1, "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
            "status": "active", "next_charge_on": "2027-03-31"}})),
        Just(json!({"type": "subscription_charged", "subscription_id": "s", "charged_on": "2027-03-31"})),
    ];
    let action = prop_oneof![
        Just(json!({"action": "skip_next"})),
        Just(json!({"action": "pause", "resume_on": "2027-04-20"})),
        Just(json!({"action": "resume"})),
        Just(json!({"action": "cancel", "reason": "other"})),
        Just(json!({"action": "reactivate"})),
        any_json(),
    ];
    let op = prop_oneof![
        3 => event.prop_map(Op::Merchant),
        2 => action.prop_map(|a| Op::Shopper("POST", "/v1/me/subscriptions/s/actions".to_owned(), a)),
        1 => Just(Op::Shopper("POST", "/v1/me/redemptions".to_owned(), json!({"reward_id": "r1"}))),
        1 => (0i64..2_000_000).prop_map(Op::Wait),
    ];
    fuzz(
        "customer operations",
        prop::collection::vec(op, 1..30),
        |ops| {
            let h = handler();
            let admin = || Some(format!("Bearer {API_KEY}"));
            let program = json!({"rewards": [{"id": "r1", "name": "R", "cost": 300, "kind": "fixed_discount", "value": 100}]});
            block_on(h.handle(request(
                "PUT",
                "/v1/admin/program",
                admin(),
                true,
                None,
                program.to_string().into_bytes(),
            )));
            for (n, op) in ops.into_iter().enumerate() {
                let response = match op {
                    Op::Merchant(e) => block_on(h.handle(request(
                        "POST",
                        "/v1/admin/customers/c-1/events",
                        admin(),
                        true,
                        Some(format!("k{n}")),
                        e.to_string().into_bytes(),
                    ))),
                    Op::Shopper(method, path, body) => block_on(h.handle(request(
                        method,
                        &path,
                        Some(format!("Bearer {}", token("c-1"))),
                        true,
                        Some(format!("k{n}")),
                        body.to_string().into_bytes(),
                    ))),
                    Op::Wait(seconds) => {
                        h.clock().0.fetch_add(seconds, Ordering::SeqCst);
                        continue;
                    }
                };
                sound(&response)?;
                let view = block_on(h.handle(request(
                    "GET",
                    "/v1/admin/customers/c-1",
                    admin(),
                    false,
                    None,
                    vec![],
                )));
                prop_assert_eq!(view.status().as_u16(), 200);
                let doc: Value = serde_json::from_slice(view.body()).unwrap();
                let sum: i64 = doc["ledger"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["points"].as_i64().unwrap())
                    .sum();
                let balance = doc["loyalty"]["balance"].as_i64().unwrap();
                let pending = doc["loyalty"]["pending"].as_i64().unwrap();
                prop_assert!(balance >= 0, "a negative balance: {balance}");
                prop_assert_eq!(sum, balance + pending, "the ledger adds up");
            }
            Ok(())
        },
    );
}
