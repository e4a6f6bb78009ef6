//! The handler in-process, over the in-memory store, a fixed clock and a
//! counter for randomness: the contract's order of checks, idempotency,
//! tenancy and CORS. The black-box suite (tests/api) covers every endpoint
//! over real HTTP.

use std::sync::atomic::Ordering;

use futures_executor::block_on;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use retention_api::memory::MemoryStore;
use retention_api::{Handler, Request, Response};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000; // 2027-01-15T08:00:00Z

mod common;
use common::{Counter, TestClock, merchant};

type TestHandler = Handler<MemoryStore, TestClock, Counter>;

fn handler() -> TestHandler {
    Handler::new(
        vec![merchant("a"), merchant("b")],
        MemoryStore::default(),
        TestClock::at(NOW),
        Counter::stepping(37),
    )
}

fn token(merchant: &str, customer: &str, iat: i64, exp: i64) -> String {
    retention_api::jwt::install();
    let claims = json!({"iss": merchant, "sub": customer, "iat": iat, "exp": exp});
    let secret = format!("{merchant}-token-secret-0123456789abcdefghijkl");
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

struct Call {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn call(method: &'static str, path: &str) -> Call {
    Call {
        method,
        path: path.into(),
        headers: vec![],
        body: vec![],
    }
}

impl Call {
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    fn shopper(self, merchant: &str, customer: &str) -> Self {
        let t = token(merchant, customer, NOW, NOW + 3600);
        self.header("authorization", &format!("Bearer {t}"))
    }
    fn admin(self, merchant: &str) -> Self {
        self.header(
            "authorization",
            &format!("Bearer {merchant}-api-key-0123456789abcdef0123456789"),
        )
    }
    fn key(self, key: &str) -> Self {
        self.header("idempotency-key", key)
    }
    fn json(mut self, body: Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.header("content-type", "application/json")
    }
    fn send(self, h: &TestHandler) -> (u16, Value, Response) {
        let mut builder = http::Request::builder().method(self.method).uri(&self.path);
        for (n, v) in &self.headers {
            builder = builder.header(n, v);
        }
        let request: Request = builder.body(self.body).unwrap();
        let response = block_on(h.handle(request));
        let value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (response.status().as_u16(), value, response)
    }
}

fn paid(order: &str, amount: i64) -> Value {
    json!({"type": "order_paid", "order_id": order, "amount_minor": amount, "currency": "RUB"})
}

#[test]
fn the_handler_future_is_send_for_threaded_servers() {
    fn assert_send<T: Send>(_: &T) {}
    let h = handler();
    let request: Request = http::Request::builder()
        .uri("/healthz")
        .body(vec![])
        .unwrap();
    let future = h.handle(request);
    assert_send(&future);
}

#[test]
fn health_unknown_paths_and_wrong_methods() {
    let h = handler();
    let (status, body, _) = call("GET", "/healthz").send(&h);
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let (status, body, r) = call("GET", "/v1/nothing").send(&h);
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, body, r) = call("DELETE", "/v1/admin/program").admin("a").send(&h);
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    assert_eq!(r.headers()["allow"], "GET, PUT");
}

#[test]
fn shopper_tokens_are_verified_and_name_the_customer() {
    let h = handler();
    let (status, body, _) = call("GET", "/v1/me").send(&h);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_token"))
    );
    let expired = token("a", "c-1", NOW - 7200, NOW - 3600);
    let (status, body, _) = call("GET", "/v1/me")
        .header("authorization", &format!("Bearer {expired}"))
        .send(&h);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_expired"))
    );
    let (status, body, _) = call("GET", "/v1/me").shopper("a", "c-1").send(&h);
    assert_eq!(status, 200);
    assert_eq!(body["customer_id"], "c-1");
    assert_eq!(body["loyalty"]["balance"], 0);
}

#[test]
fn checks_run_in_the_contracts_order() {
    let h = handler();
    let path = "/v1/admin/customers/c-1/events";
    let big = vec![b' '; 64 * 1024 + 1];
    // 401 before everything.
    let (s, b, _) = call("POST", path).json(json!({})).send(&h);
    assert_eq!((s, b["code"].as_str()), (401, Some("invalid_api_key")));
    // Then the idempotency key.
    let (s, b, _) = call("POST", path).admin("a").json(json!({})).send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    let (s, b, _) = call("POST", path)
        .admin("a")
        .key("bad key")
        .json(json!({}))
        .send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (400, Some("idempotency_key_invalid"))
    );
    // Then size, content type, JSON, unknown fields, rules.
    let mut c = call("POST", path).admin("a").key("k1");
    c.body = big;
    let (s, b, _) = c.header("content-type", "application/json").send(&h);
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")));
    let mut c = call("POST", path).admin("a").key("k1");
    c.body = b"{}".to_vec();
    let (s, b, _) = c.header("content-type", "text/plain").send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let mut c = call("POST", path).admin("a").key("k1");
    c.body = b"{".to_vec();
    let (s, b, _) = c.header("content-type", "application/json").send(&h);
    assert_eq!((s, b["code"].as_str()), (400, Some("invalid_json")));
    let mut event = paid("o-1", 100);
    event["colour"] = json!("red");
    let (s, b, _) = call("POST", path).admin("a").key("k2").json(event).send(&h);
    assert_eq!((s, b["code"].as_str()), (400, Some("unknown_field")));
    let mut event = paid("o-1", 100);
    event["currency"] = json!("EUR");
    let (s, b, _) = call("POST", path).admin("a").key("k3").json(event).send(&h);
    assert_eq!((s, b["code"].as_str()), (422, Some("validation_failed")));
    assert_eq!(b["errors"][0]["field"], "currency");
}

#[test]
fn idempotent_requests_replay_and_refuse_a_reused_key() {
    let h = handler();
    let path = "/v1/admin/customers/c-1/events";
    let (s, first, _) = call("POST", path)
        .admin("a")
        .key("order-1")
        .json(paid("o-1", 50_000))
        .send(&h);
    assert_eq!(s, 200);
    assert_eq!(first["customer"]["loyalty"]["balance"], 500);
    let (s, again, r) = call("POST", path)
        .admin("a")
        .key("order-1")
        .json(paid("o-1", 50_000))
        .send(&h);
    assert_eq!((s, &again), (200, &first));
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (s, b, _) = call("POST", path)
        .admin("a")
        .key("order-1")
        .json(paid("o-1", 60_000))
        .send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    // A refused request is remembered too: the replay gives the same 409.
    let (s, b, _) = call("POST", path)
        .admin("a")
        .key("order-1b")
        .json(paid("o-1", 50_000))
        .send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (409, Some("order_already_recorded"))
    );
    let (s, _, r) = call("POST", path)
        .admin("a")
        .key("order-1b")
        .json(paid("o-1", 50_000))
        .send(&h);
    assert_eq!(
        (s, r.headers()["idempotent-replayed"].to_str().unwrap()),
        (409, "true")
    );
    let (_, me, _) = call("GET", "/v1/me").shopper("a", "c-1").send(&h);
    assert_eq!(me["loyalty"]["balance"], 500, "nothing was doubled");
}

#[test]
fn merchants_never_see_each_others_customers() {
    let h = handler();
    call("POST", "/v1/admin/customers/same-id/events")
        .admin("a")
        .key("k")
        .json(paid("o", 70_000))
        .send(&h);
    let (_, b_view, _) = call("GET", "/v1/admin/customers/same-id")
        .admin("b")
        .send(&h);
    assert_eq!(b_view["loyalty"]["balance"], 0);
    let (_, b_me, _) = call("GET", "/v1/me").shopper("b", "same-id").send(&h);
    assert_eq!(b_me["loyalty"]["balance"], 0);
    let (_, a_me, _) = call("GET", "/v1/me").shopper("a", "same-id").send(&h);
    assert_eq!(a_me["loyalty"]["balance"], 700);
}

#[test]
fn preferences_use_etags_and_412_comes_before_422() {
    let h = handler();
    let (s, prefs, r) = call("GET", "/v1/me/preferences")
        .shopper("a", "c-9")
        .send(&h);
    assert_eq!(s, 200);
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let mut changed = prefs.clone();
    changed["channels"]["sms"]["enabled"] = json!(true);
    let (s, _, r) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-9")
        .header("if-match", &tag)
        .json(changed.clone())
        .send(&h);
    assert_eq!(s, 200);
    let new_tag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_tag, tag);
    let mut broken = changed.clone();
    broken.as_object_mut().unwrap().remove("locale");
    let (s, b, _) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-9")
        .header("if-match", &tag)
        .json(broken.clone())
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (412, Some("precondition_failed")));
    let (s, b, _) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-9")
        .header("if-match", &new_tag)
        .json(broken)
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (422, Some("validation_failed")));
    let (_, admin, _) = call("GET", "/v1/admin/customers/c-9").admin("a").send(&h);
    assert_eq!(admin["consents"][0]["what"], "channels.sms");
    assert_eq!(admin["consents"][0]["source"], "shopper");
}

/// SPEC 2.7: the document is written whole, so a PUT without `birthday`
/// is a 422 naming it, for the shopper and the merchant alike, and only
/// once `If-Match` held (412 before 422); an unknown field stays a 400.
#[test]
fn a_preferences_put_without_birthday_is_a_422_after_the_412() {
    let h = handler();
    let (_, prefs, r) = call("GET", "/v1/me/preferences")
        .shopper("a", "c-bd")
        .send(&h);
    assert_eq!(prefs["birthday"], json!(null));
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let mut without = prefs.clone();
    without.as_object_mut().unwrap().remove("birthday");
    let (s, b, _) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-bd")
        .header("if-match", "\"stale\"")
        .json(without.clone())
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (412, Some("precondition_failed")));
    for (path, admin) in [
        ("/v1/me/preferences", false),
        ("/v1/admin/customers/c-bd/preferences", true),
    ] {
        let request = call("PUT", path).header("if-match", &tag);
        let request = if admin {
            request.admin("a")
        } else {
            request.shopper("a", "c-bd")
        };
        let (s, b, _) = request.json(without.clone()).send(&h);
        assert_eq!((s, b["code"].as_str()), (422, Some("validation_failed")));
        assert_eq!(b["errors"][0]["field"], "birthday", "{path}");
    }
    let mut unknown = without;
    unknown["birthdate"] = json!("01-01");
    let (s, b, _) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-bd")
        .json(unknown)
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (400, Some("unknown_field")));
    let mut with = prefs;
    with["birthday"] = json!("02-29");
    let (s, b, _) = call("PUT", "/v1/me/preferences")
        .shopper("a", "c-bd")
        .header("if-match", &tag)
        .json(with)
        .send(&h);
    assert_eq!((s, b["birthday"].as_str()), (200, Some("02-29")));
}

#[test]
fn cors_only_for_the_tokens_merchant_and_never_for_admin() {
    let h = handler();
    let (s, _, r) = call("OPTIONS", "/v1/me")
        .header("origin", "https://a.example")
        .send(&h);
    assert_eq!(s, 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    assert!(
        r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    let (_, _, r) = call("GET", "/v1/me")
        .shopper("a", "c")
        .header("origin", "https://a.example")
        .send(&h);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    assert_eq!(r.headers()["vary"], "Origin");
    let (_, _, r) = call("GET", "/v1/me")
        .shopper("b", "c")
        .header("origin", "https://a.example")
        .send(&h);
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "b's token, a's origin"
    );
    let (s, _, r) = call("GET", "/v1/me")
        .header("origin", "https://b.example")
        .send(&h);
    assert_eq!(
        (
            s,
            r.headers()["access-control-allow-origin"].to_str().unwrap()
        ),
        (401, "https://b.example")
    );
    let (_, _, r) = call("GET", "/v1/admin/program")
        .admin("a")
        .header("origin", "https://a.example")
        .send(&h);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn redemptions_subscriptions_and_outbox_work_end_to_end() {
    let h = handler();
    let (s, _, _) = call("PUT", "/v1/admin/program").admin("a").json(json!({
        "rewards": [{"id": "r", "name": "Gift", "cost": 100, "kind": "free_shipping", "value": 0}],
        "expiry": {"after_earn_days": 40}
    })).send(&h);
    assert_eq!(s, 200);
    call("POST", "/v1/admin/customers/c/events")
        .admin("a")
        .key("e1")
        .json(paid("o", 30_000))
        .send(&h);
    let (s, r, _) = call("POST", "/v1/me/redemptions")
        .shopper("a", "c")
        .key("r1")
        .json(json!({"reward_id": "r"}))
        .send(&h);
    assert_eq!(s, 201);
    assert_eq!(r["balance"], 200);
    assert!(r["code"].as_str().unwrap().len() >= 10);
    let (s, b, _) = call("POST", "/v1/me/subscriptions/nope/actions")
        .shopper("a", "c")
        .key("s1")
        .json(json!({"action": "skip_next"}))
        .send(&h);
    assert_eq!(
        (s, b["code"].as_str()),
        (404, Some("subscription_not_found"))
    );
    // 30 days before the expiry (40 days after earning) the reminder is due.
    h_clock(&h, NOW + 10 * 86_400 + 1);
    block_on(h.wake(&retention_api::CustomerKey {
        merchant: "a".into(),
        customer: "c".into(),
    }))
    .unwrap();
    let (s, outbox, _) = call("GET", "/v1/admin/outbox").admin("a").send(&h);
    assert_eq!(s, 200);
    let items = outbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "points_expiring");
    let (_, other, _) = call("GET", "/v1/admin/outbox").admin("b").send(&h);
    assert_eq!(other["items"], json!([]));
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let (s, _, _) = call("POST", &format!("/v1/admin/outbox/{id}/ack"))
        .admin("a")
        .send(&h);
    assert_eq!(s, 204);
    let (s, b, _) = call("POST", &format!("/v1/admin/outbox/{id}/ack"))
        .admin("a")
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));
}

fn h_clock(h: &TestHandler, now: i64) {
    h.clock().0.store(now, Ordering::SeqCst);
}

#[test]
fn requests_name_their_target_only_with_good_credentials() {
    use retention_api::{CustomerKey, Target};
    let h = handler();
    let request = |c: Call| {
        let mut b = http::Request::builder().method(c.method).uri(&c.path);
        for (n, v) in &c.headers {
            b = b.header(n, v);
        }
        b.body(()).unwrap()
    };
    let key = |m: &str, c: &str| {
        Target::Customer(CustomerKey {
            merchant: m.into(),
            customer: c.into(),
        })
    };
    assert_eq!(
        h.target(&request(call("GET", "/v1/me").shopper("a", "c-1"))),
        Some(key("a", "c-1"))
    );
    assert_eq!(h.target(&request(call("GET", "/v1/me"))), None);
    assert_eq!(
        h.target(&request(
            call("POST", "/v1/admin/customers/x%40y/events").admin("b")
        )),
        Some(key("b", "x@y"))
    );
    assert_eq!(
        h.target(&request(
            call("POST", "/v1/admin/customers/bad%20id/events").admin("b")
        )),
        None
    );
    assert_eq!(
        h.target(&request(call("GET", "/v1/admin/outbox").admin("a"))),
        Some(Target::Merchant("a".into()))
    );
    assert_eq!(
        h.target(&request(call("GET", "/v1/admin/outbox").admin("nobody"))),
        None
    );
    assert_eq!(
        h.target(&request(call("OPTIONS", "/v1/me").shopper("a", "c"))),
        None
    );
    assert_eq!(h.target(&request(call("GET", "/healthz"))), None);
}

/// Merchant "a" with a 100-point reward, and customer `c` with 300 points.
fn with_points(h: &TestHandler, c: &str) {
    let (s, _, _) = call("PUT", "/v1/admin/program").admin("a").json(json!({
        "rewards": [{"id": "r", "name": "Gift", "cost": 100, "kind": "fixed_discount", "value": 500}],
        "tiers": [{"id": "base", "name": "Member", "threshold": 0, "multiplier_percent": 100},
                  {"id": "gold", "name": "Gold", "threshold": 1000, "multiplier_percent": 100}]
    })).send(h);
    assert_eq!(s, 200);
    let (s, _, _) = call("POST", &format!("/v1/admin/customers/{c}/events"))
        .admin("a")
        .key(&format!("paid-{c}"))
        .json(paid(&format!("o-{c}"), 30_000))
        .send(h);
    assert_eq!(s, 200);
}

fn redeem(h: &TestHandler, c: &str, key: &str) -> String {
    let (s, r, _) = call("POST", "/v1/me/redemptions")
        .shopper("a", c)
        .key(key)
        .json(json!({"reward_id": "r"}))
        .send(h);
    assert_eq!(s, 201, "{r}");
    r["code"].as_str().unwrap().to_owned()
}

#[test]
fn the_shopper_finds_a_code_again_and_sees_tier_progress() {
    let h = handler();
    with_points(&h, "c");
    let first = redeem(&h, "c", "r1");
    h_clock(&h, NOW + 60);
    let second = redeem(&h, "c", "r2");
    let (s, me, _) = call("GET", "/v1/me").shopper("a", "c").send(&h);
    assert_eq!(s, 200);
    let loyalty = &me["loyalty"];
    assert_eq!(loyalty["qualifying_points"], 300);
    assert_eq!(loyalty["next_tier"]["threshold"], 1000);
    assert_eq!(loyalty["next_tier"]["points_needed"], 700);
    let listed: Vec<&str> = me["redemptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [second.as_str(), first.as_str()], "newest first");
    let item = &me["redemptions"][1];
    assert_eq!(item["name"], "Gift");
    assert_eq!(item["reward_id"], "r");
    assert_eq!(item["points_spent"], 100);
    assert_eq!(item["used_at"], Value::Null);
    // The admin view lists them too.
    let (_, admin, _) = call("GET", "/v1/admin/customers/c").admin("a").send(&h);
    assert_eq!(admin["redemptions"], me["redemptions"]);
}

#[test]
fn the_checkout_looks_a_code_up_and_uses_it_once() {
    let h = handler();
    with_points(&h, "c");
    let code = redeem(&h, "c", "r1");
    let path = format!("/v1/admin/redemptions/{code}");
    let (s, found, _) = call("GET", &path).admin("a").send(&h);
    assert_eq!(s, 200, "{found}");
    assert_eq!(found["customer_id"], "c");
    assert_eq!(found["kind"], "fixed_discount");
    assert_eq!(found["value"], 500);
    assert_eq!(found["used_at"], Value::Null);
    // Another merchant does not find it.
    let (s, b, _) = call("GET", &path).admin("b").send(&h);
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));
    let use_path = format!("{path}/use");
    let (s, used, _) = call("POST", &use_path)
        .admin("a")
        .key("u1")
        .json(json!({"order_id": "o-9"}))
        .send(&h);
    assert_eq!(s, 200, "{used}");
    assert_eq!(used["used_at"], "2027-01-15T08:00:00Z");
    // The same order again: unchanged.
    h_clock(&h, NOW + 100);
    let (s, again, _) = call("POST", &use_path)
        .admin("a")
        .key("u2")
        .json(json!({"order_id": "o-9"}))
        .send(&h);
    assert_eq!((s, &again), (200, &used));
    // Another order: refused.
    let (s, refused, _) = call("POST", &use_path)
        .admin("a")
        .key("u3")
        .json(json!({"order_id": "o-10"}))
        .send(&h);
    assert_eq!(
        (s, refused["code"].as_str()),
        (409, Some("code_already_used"))
    );
    // Checks in the SPEC's order: unknown field (400) before an unknown
    // code (404), a missing order id (422) after it.
    let (s, b, _) = call("POST", "/v1/admin/redemptions/NOPE/use")
        .admin("a")
        .key("u4")
        .json(json!({"order_id": "o", "extra": 1}))
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (400, Some("unknown_field")));
    let (s, b, _) = call("POST", "/v1/admin/redemptions/NOPE/use")
        .admin("a")
        .key("u5")
        .json(json!({}))
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));
    let (s, b, _) = call("POST", &use_path)
        .admin("a")
        .key("u6")
        .json(json!({}))
        .send(&h);
    assert_eq!((s, b["code"].as_str()), (422, Some("validation_failed")));
    // An erased customer's code is gone, and looking it up recreates nothing.
    let (s, _, _) = call("DELETE", "/v1/admin/customers/c").admin("a").send(&h);
    assert_eq!(s, 204);
    let (s, _, _) = call("GET", &path).admin("a").send(&h);
    assert_eq!(s, 404);
}

#[test]
fn a_shoppers_key_and_the_merchants_same_key_do_not_collide() {
    let h = handler();
    with_points(&h, "c");
    // The shopper redeems with key "same"; the merchant then sends an
    // event with the same key for the same customer: both are carried out.
    redeem(&h, "c", "same");
    let (s, r, headers) = call("POST", "/v1/admin/customers/c/events")
        .admin("a")
        .key("same")
        .json(json!({"type": "points_adjusted", "points": 5, "reason": "goodwill"}))
        .send(&h);
    assert_eq!(s, 200, "{r}");
    assert!(headers.headers().get("idempotent-replayed").is_none());
    assert_eq!(r["customer"]["loyalty"]["balance"], 205);
    // And each still replays its own answer.
    let (s, _, headers) = call("POST", "/v1/me/redemptions")
        .shopper("a", "c")
        .key("same")
        .json(json!({"reward_id": "r"}))
        .send(&h);
    assert_eq!(s, 201);
    assert_eq!(headers.headers()["idempotent-replayed"], "true");
}

#[test]
fn waking_an_erased_customer_writes_nothing() {
    let h = handler();
    with_points(&h, "c");
    let key = retention_api::CustomerKey {
        merchant: "a".into(),
        customer: "c".into(),
    };
    let (s, _, _) = call("DELETE", "/v1/admin/customers/c").admin("a").send(&h);
    assert_eq!(s, 204);
    block_on(h.wake(&key)).unwrap();
    use retention_api::Store;
    assert_eq!(block_on(h.store().load_customer(&key)).unwrap(), None);
}
