//! The customer aggregate: events, redemptions, preferences with consent
//! records and message decisions, as the handler calls them.

use retention_core::customer::Customer;
use retention_core::events::MerchantEvent;
use retention_core::preferences::ConsentSource;
use retention_core::{Decision, Instant, MessageRequest, Preferences, Program, Reason};
use serde_json::json;

fn at(text: &str) -> Instant {
    text.parse().unwrap()
}

fn event(value: serde_json::Value) -> MerchantEvent {
    serde_json::from_value(value).unwrap()
}

fn program() -> Program {
    let p = Program::from_json(&json!({
        "rewards": [{"id": "r1", "name": "500 ₽ off", "cost": 300, "kind": "fixed_discount", "value": 50000}]
    }))
    .unwrap();
    p.validate().unwrap();
    p
}

fn counter_random() -> impl FnMut(&mut [u8]) {
    let mut n = 0u8;
    move |buf: &mut [u8]| {
        for b in buf {
            n = n.wrapping_add(29);
            *b = n;
        }
    }
}

#[test]
fn a_new_customer_sees_zeros_and_the_program_defaults() {
    let p = program();
    let view = Customer::default().view("c-1", &p, at("2027-01-01T00:00:00Z"));
    assert_eq!(view.customer_id, "c-1");
    assert_eq!(
        (
            view.loyalty.balance,
            view.loyalty.pending,
            view.loyalty.lifetime_earned
        ),
        (0, 0, 0)
    );
    assert_eq!(view.loyalty.tier.id, "base");
    assert!(view.loyalty.expiring.is_empty() && view.subscriptions.is_empty());
    assert_eq!(view.preferences, p.default_preferences);
    assert!(!view.rewards[0].affordable);
}

#[test]
fn events_check_their_fields_first_and_change_nothing_when_refused() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    for (body, field) in [
        (
            json!({"type": "order_paid", "order_id": "o", "amount_minor": 100, "currency": "EUR"}),
            "currency",
        ),
        (
            json!({"type": "order_paid", "order_id": "o", "amount_minor": 0, "currency": "RUB"}),
            "amount_minor",
        ),
        (
            json!({"type": "order_paid", "order_id": "o", "amount_minor": 1_000_000_000_001i64, "currency": "RUB"}),
            "amount_minor",
        ),
        (
            json!({"type": "order_paid", "order_id": "o", "amount_minor": 100, "currency": "RUB", "paid_at": "2027-01-01T12:05:01Z"}),
            "paid_at",
        ),
        (
            json!({"type": "points_adjusted", "points": 0, "reason": "x"}),
            "points",
        ),
        (
            json!({"type": "points_adjusted", "points": -5, "reason": "x", "expires_at": "2028-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            json!({"type": "review_submitted", "product_id": "p", "rating": 6}),
            "rating",
        ),
    ] {
        let err = c.apply_event(&p, event(body.clone()), now).unwrap_err();
        assert_eq!(err.code(), "validation_failed", "{body}");
        assert!(err.to_string().contains(field), "{body}: {err}");
    }
    assert_eq!(c, Customer::default());
    // Four minutes ahead is within the allowed clock skew.
    c.apply_event(&p, event(json!({"type": "order_paid", "order_id": "o", "amount_minor": 100, "currency": "RUB", "paid_at": "2027-01-01T12:04:00Z"})), now)
        .unwrap();
    let refused = c.apply_event(
        &p,
        event(json!({"type": "order_refunded", "order_id": "zzz", "amount_minor": 1})),
        now,
    );
    assert_eq!(refused.unwrap_err().code(), "order_not_found");
    let charged = c.apply_event(&p, event(json!({"type": "subscription_charged", "subscription_id": "s", "charged_on": "2027-01-01"})), now);
    assert_eq!(charged.unwrap_err().code(), "subscription_not_found");
}

#[test]
fn unknown_event_fields_are_refused_by_the_parser() {
    let parsed = serde_json::from_value::<MerchantEvent>(
        json!({"type": "review_submitted", "product_id": "p", "rating": 5, "stars": 5}),
    );
    assert!(
        parsed
            .unwrap_err()
            .to_string()
            .contains("unknown field `stars`")
    );
}

#[test]
fn redeeming_spends_points_for_a_unique_code() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    c.apply_event(&p, event(json!({"type": "order_paid", "order_id": "o", "amount_minor": 70_000, "currency": "RUB"})), now)
        .unwrap();
    let mut random = counter_random();
    let first = c.redeem(&p, "r1", &mut random, now).unwrap();
    assert_eq!((first.points_spent, first.balance), (300, 400));
    assert!(first.code.len() >= 10);
    let second = c.redeem(&p, "r1", &mut random, now).unwrap();
    assert_ne!(first.code, second.code);
    assert_ne!(first.redemption_id, second.redemption_id);
    let before = c.clone();
    let err = c.redeem(&p, "r1", &mut random, now).unwrap_err();
    assert_eq!((err.status(), err.code()), (409, "insufficient_points"));
    assert_eq!(c, before, "a refused redemption changes nothing");
    assert_eq!(
        c.redeem(&p, "nope", &mut random, now).unwrap_err().code(),
        "reward_not_found"
    );
    let view = c.view("c", &p, now);
    assert_eq!(view.loyalty.balance, 100);
    assert_eq!(
        view.loyalty.lifetime_earned, 700,
        "redeeming does not lower lifetime points"
    );
}

#[test]
fn saving_preferences_records_each_consent_change_with_its_source() {
    let p = program();
    let mut c = Customer::default();
    let mut prefs = p.default_preferences.clone();
    prefs.channels.sms.enabled = true;
    prefs.topics.promotions = false;
    prefs.max_per_week = Some(3);
    c.save_preferences(
        &p,
        prefs.clone(),
        ConsentSource::Shopper,
        at("2027-01-01T00:00:00Z"),
    )
    .unwrap();
    let what: Vec<_> = c
        .consents
        .iter()
        .map(|r| (r.what.as_str(), r.old, r.new, r.source))
        .collect();
    assert_eq!(
        what,
        [
            ("channels.sms", false, true, ConsentSource::Shopper),
            ("topics.promotions", true, false, ConsentSource::Shopper)
        ]
    );
    prefs.channels.sms.enabled = false; // an SMS STOP reply
    c.save_preferences(
        &p,
        prefs.clone(),
        ConsentSource::Merchant,
        at("2027-01-02T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(c.consents.len(), 3);
    assert_eq!(c.consents[2].source, ConsentSource::Merchant);
    assert_eq!(
        c.consents[0].what, "channels.sms",
        "earlier records are never rewritten"
    );
    let mut bad = prefs.clone();
    bad.time_zone = "Nowhere/Land".into();
    let before = c.clone();
    assert_eq!(
        c.save_preferences(&p, bad, ConsentSource::Shopper, at("2027-01-03T00:00:00Z"))
            .unwrap_err()
            .code(),
        "validation_failed"
    );
    assert_eq!(c, before);
}

#[test]
fn changing_the_programs_defaults_writes_no_consent_records() {
    let mut p = program();
    let c = Customer::default();
    p.default_preferences.channels.push.enabled = true;
    assert!(
        c.view("c", &p, at("2027-01-01T00:00:00Z"))
            .preferences
            .channels
            .push
            .enabled
    );
    assert!(c.consents.is_empty());
}

#[test]
fn a_bad_review_suppresses_promotions_for_that_product_for_30_days() {
    let p = Program {
        quiet_hours_floor: None,
        ..program()
    };
    let t0 = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    c.apply_event(
        &p,
        event(json!({"type": "review_submitted", "product_id": "coffee", "rating": 2})),
        t0,
    )
    .unwrap();
    let ask = |product: &str| MessageRequest {
        topic: retention_core::Topic::Promotions,
        importance: None,
        product_ids: Some(vec![product.to_owned()]),
        urgent: None,
    };
    let d = c
        .decide_message(&p, &ask("coffee"), t0.plus_days(29))
        .unwrap();
    assert_eq!(
        (d.decision, d.reason),
        (Decision::Suppress, Some(Reason::RecentBadReview))
    );
    assert_eq!(
        c.decide_message(&p, &ask("tea"), t0.plus_days(29))
            .unwrap()
            .decision,
        Decision::Send
    );
    assert_eq!(
        c.decide_message(&p, &ask("coffee"), t0.plus_days(31))
            .unwrap()
            .decision,
        Decision::Send
    );
}

#[test]
fn only_marketing_sends_count_toward_the_weekly_cap() {
    let mut p = program();
    p.quiet_hours_floor = None;
    let mut prefs = p.default_preferences.clone();
    prefs.max_per_week = Some(2);
    let mut c = Customer::default();
    let t0 = at("2027-01-01T12:00:00Z");
    c.save_preferences(&p, prefs, ConsentSource::Shopper, t0)
        .unwrap();
    let ask = |topic| MessageRequest {
        topic,
        importance: None,
        product_ids: None,
        urgent: None,
    };
    use retention_core::Topic::{OrderUpdates, Promotions};
    for hour in 0..3 {
        let d = c
            .decide_message(&p, &ask(OrderUpdates), t0.plus_hours(hour))
            .unwrap();
        assert_eq!(d.decision, Decision::Send);
    }
    assert_eq!(
        c.decide_message(&p, &ask(Promotions), t0).unwrap().decision,
        Decision::Send
    );
    assert_eq!(
        c.decide_message(&p, &ask(Promotions), t0.plus_days(1))
            .unwrap()
            .decision,
        Decision::Send
    );
    let third = c
        .decide_message(&p, &ask(Promotions), t0.plus_days(2))
        .unwrap();
    assert_eq!(third.reason, Some(Reason::WeeklyCap));
    // Seven days after the first send it no longer counts.
    assert_eq!(
        c.decide_message(&p, &ask(Promotions), t0.plus_days(7))
            .unwrap()
            .decision,
        Decision::Send
    );
}

#[test]
fn the_stored_state_round_trips_through_json() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    c.apply_event(&p, event(json!({"type": "order_paid", "order_id": "o", "amount_minor": 70_000, "currency": "RUB"})), now)
        .unwrap();
    c.apply_event(&p, event(json!({"type": "subscription_upserted", "subscription": {
        "id": "sub-1", "product_id": "coffee", "variant_id": "coffee-250g", "title": "Coffee", "quantity": 1,
        "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31"}})), now)
        .unwrap();
    c.save_preferences(
        &p,
        Preferences {
            max_per_week: Some(5),
            ..p.default_preferences.clone()
        },
        ConsentSource::Shopper,
        now,
    )
    .unwrap();
    // Events made by the changes are handed to the store, never kept in it.
    assert_eq!(c.take_events().len(), 1);
    let text = serde_json::to_string(&c).unwrap();
    let back: Customer = serde_json::from_str(&text).unwrap();
    assert_eq!(back, c);
    // An empty document is a new customer (stores start from `{}`).
    assert_eq!(
        serde_json::from_str::<Customer>("{}").unwrap(),
        Customer::default()
    );
}

#[test]
fn a_broken_random_source_still_gives_unique_codes() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    c.apply_event(&p, event(json!({"type": "order_paid", "order_id": "o", "amount_minor": 100_000, "currency": "RUB"})), now)
        .unwrap();
    let mut stuck = |buf: &mut [u8]| buf.fill(7);
    let codes: Vec<String> = (0..3)
        .map(|_| c.redeem(&p, "r1", &mut stuck, now).unwrap().code)
        .collect();
    assert_ne!(codes[0], codes[1]);
    assert_ne!(codes[1], codes[2]);
    assert_ne!(codes[0], codes[2]);
}

#[test]
fn codes_stay_usable_for_at_least_a_year_and_are_used_once() {
    // history_days 30: the ledger folds after a month, but redemptions (and
    // so their codes) are kept for 365 days (SPEC 3.6).
    let mut p = program();
    p.history_days = 30;
    let then = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    c.apply_event(
        &p,
        event(json!({"type": "points_adjusted", "points": 300, "reason": "gift"})),
        then,
    )
    .unwrap();
    let code = c
        .redeem(&p, "r1", &mut counter_random(), then)
        .unwrap()
        .code;
    let kept = at("2027-12-31T12:00:00Z");
    c.settle(&p, kept);
    assert_eq!(c.codes(), vec![code.clone()], "kept after 364 days");
    let used = c.use_code("c", &code, "order-1", kept).unwrap();
    assert_eq!((used.used_at, used.value), (Some(kept), 50_000));
    assert_eq!(c.view("c", &p, kept).redemptions[0].used_at, Some(kept));
    let later = kept.plus_days(1);
    assert_eq!(
        c.use_code("c", &code, "order-1", later).unwrap().used_at,
        Some(kept)
    );
    let before = c.clone();
    let err = c.use_code("c", &code, "order-2", later).unwrap_err();
    assert_eq!((err.status(), err.code()), (409, "code_already_used"));
    assert_eq!(c, before, "a refused use changes nothing");
    assert_eq!(
        c.use_code("c", "NOPE", "o", later).unwrap_err().code(),
        "not_found"
    );
    // The shopper's list covers 365 days; after that the code is gone.
    c.settle(&p, at("2028-01-02T12:00:00Z"));
    assert!(c.codes().is_empty());
    assert!(
        c.view("c", &p, at("2028-01-02T12:00:00Z"))
            .redemptions
            .is_empty()
    );
}
