//! The events a customer's changes make (SPEC 3.6): one per shopper
//! change and per automatic resume, none for the merchant's own changes,
//! for a refused change or for a change that changes nothing.

use retention_core::customer::Customer;
use retention_core::events::MerchantEvent;
use retention_core::events_out::EventKind;
use retention_core::preferences::ConsentSource;
use retention_core::{Instant, Preferences, Program};
use serde_json::json;

fn at(text: &str) -> Instant {
    text.parse().unwrap()
}

fn merchant(c: &mut Customer, p: &Program, value: serde_json::Value, now: Instant) {
    let event: MerchantEvent = serde_json::from_value(value).unwrap();
    c.apply_event(p, event, now).unwrap();
}

fn program() -> Program {
    Program::from_json(&json!({
        "rewards": [{"id": "r1", "name": "500 ₽ off", "cost": 300, "kind": "fixed_discount", "value": 50000}],
        "subscriptions": {"max_pause_days": 60}
    }))
    .unwrap()
}

fn random() -> impl FnMut(&mut [u8]) {
    let mut n = 0u8;
    move |buf: &mut [u8]| {
        for b in buf {
            n = n.wrapping_add(31);
            *b = n;
        }
    }
}

/// A customer with subscription `s` (monthly, next charge 2027-01-31).
fn subscribed(p: &Program, now: Instant) -> Customer {
    let mut c = Customer::default();
    merchant(
        &mut c,
        p,
        json!({"type": "subscription_upserted", "subscription": {
        "id": "s", "product_id": "coffee", "variant_id": "v", "title": "Coffee", "quantity": 1,
        "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31"}}),
        now,
    );
    c
}

fn kinds(c: &mut Customer) -> Vec<EventKind> {
    c.take_events().into_iter().map(|e| e.kind).collect()
}

#[test]
fn the_merchants_own_changes_make_no_event() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    merchant(
        &mut c,
        &p,
        json!({"type": "order_paid", "order_id": "o", "amount_minor": 70_000, "currency": "RUB"}),
        now,
    );
    merchant(
        &mut c,
        &p,
        json!({"type": "subscription_upserted", "subscription": {
        "id": "s", "product_id": "coffee", "variant_id": "v", "title": "Coffee", "quantity": 1,
        "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31"}}),
        now,
    );
    merchant(
        &mut c,
        &p,
        json!({"type": "subscription_charged", "subscription_id": "s", "charged_on": "2027-01-31"}),
        now,
    );
    assert_eq!(kinds(&mut c), []);
}

#[test]
fn a_redemption_is_announced_with_its_code_and_the_balance_left_and_a_refused_one_is_not() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    merchant(
        &mut c,
        &p,
        json!({"type": "order_paid", "order_id": "o", "amount_minor": 70_000, "currency": "RUB"}),
        now,
    );
    let done = c.redeem(&p, "r1", &mut random(), now).unwrap();
    let made = c.take_events();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].kind, EventKind::RewardRedeemed);
    assert_eq!(
        made[0].data,
        json!({"redemption_id": done.redemption_id, "reward_id": "r1", "kind": "fixed_discount",
               "value": 50000, "code": done.code, "points_spent": 300, "balance": 400})
    );
    c.redeem(&p, "r1", &mut random(), now).unwrap();
    c.take_events();
    assert!(
        c.redeem(&p, "r1", &mut random(), now).is_err(),
        "100 points left"
    );
    assert_eq!(kinds(&mut c), []);
}

#[test]
fn a_shopper_action_carries_the_document_before_and_after_and_a_refused_one_nothing() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = subscribed(&p, now);
    let after = c
        .perform_action(&p, "s", &json!({"action": "skip_next"}), now)
        .unwrap();
    let made = c.take_events();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].data["action"], "skip_next");
    assert_eq!(made[0].data["source"], "shopper");
    assert_eq!(made[0].data["previous"]["next_charge_on"], "2027-01-31");
    assert_eq!(
        made[0].data["subscription"],
        serde_json::to_value(&after).unwrap()
    );
    assert!(
        c.perform_action(&p, "s", &json!({"action": "resume"}), now)
            .is_err(),
        "not paused"
    );
    assert!(
        c.perform_action(&p, "nope", &json!({"action": "skip_next"}), now)
            .is_err()
    );
    assert_eq!(kinds(&mut c), []);
}

#[test]
fn the_automatic_resume_is_announced_once_by_the_handler() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = subscribed(&p, now);
    c.perform_action(
        &p,
        "s",
        &json!({"action": "pause", "resume_on": "2027-01-10"}),
        now,
    )
    .unwrap();
    c.take_events();
    c.settle(&p, at("2027-01-09T23:59:59Z"));
    assert_eq!(kinds(&mut c), [], "not yet");
    c.settle(&p, at("2027-01-10T00:00:00Z"));
    let made = c.take_events();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].data["action"], "auto_resume");
    assert_eq!(made[0].data["source"], "handler");
    assert_eq!(made[0].data["previous"]["status"], "paused");
    assert_eq!(made[0].data["subscription"]["status"], "active");
    c.settle(&p, at("2027-01-11T00:00:00Z"));
    assert_eq!(kinds(&mut c), [], "settling again changes nothing");
}

#[test]
fn preferences_saved_unchanged_make_no_event_and_a_change_lists_its_consent_records() {
    let p = program();
    let now = at("2027-01-01T12:00:00Z");
    let mut c = Customer::default();
    let same: Preferences = p.default_preferences.clone();
    c.save_preferences(&p, same.clone(), ConsentSource::Shopper, now)
        .unwrap();
    assert_eq!(kinds(&mut c), []);
    let mut sms = same;
    sms.channels.sms.enabled = true;
    c.save_preferences(&p, sms.clone(), ConsentSource::Merchant, now)
        .unwrap();
    let made = c.take_events();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].data["source"], "merchant");
    assert_eq!(
        made[0].data["preferences"],
        serde_json::to_value(&sms).unwrap()
    );
    assert_eq!(
        made[0].data["consents"],
        json!([{"at": "2027-01-01T12:00:00Z", "what": "channels.sms", "old": false, "new": true, "source": "merchant"}])
    );
}
