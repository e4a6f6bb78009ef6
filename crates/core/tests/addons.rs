//! SPEC 2.7, one-time add-ons: the program's `subscriptions.addons`, the
//! shopper's `add_onetime` / `remove_onetime` in the SPEC 2.5 order of
//! errors, what keeps and what empties `onetime_items`, and the merchant's
//! upserts that leave them out or replace them.

use std::collections::BTreeMap;

use proptest::prelude::*;
use retention_core::customer::Customer;
use retention_core::error::DomainError;
use retention_core::events::MerchantEvent;
use retention_core::events_out::EventKind;
use retention_core::program::Program;
use retention_core::subscription::{
    OnetimeItem, Subscription, SubscriptionRecord, SubscriptionUpsert, perform,
};
use retention_core::time::Instant;
use serde_json::{Value, json};

fn at(text: &str) -> Instant {
    text.parse().expect("an instant")
}

/// Noon on 2027-01-10: three weeks before the next charge (2027-01-31),
/// far outside the 24-hour cutoff.
fn now() -> Instant {
    at("2027-01-10T12:00:00Z")
}

fn program() -> Program {
    let p = Program::from_json(&json!({"subscriptions": {
        "swap_options": {"coffee": [
            {"variant_id": "coffee-1kg", "title": "Coffee beans 1 kg", "price_minor": 300000}]},
        "addons": {
            "coffee": [
                {"variant_id": "grinder", "title": "Hand grinder", "price_minor": 450000},
                {"variant_id": "filters", "title": "Paper filters", "price_minor": 19000}],
            "tea": [{"variant_id": "teapot", "title": "Teapot", "price_minor": 250000}]},
        "max_quantity": 5
    }}))
    .expect("a program");
    p.validate().expect("a valid program");
    p
}

/// The SPEC 3.5 example subscription, with fields overridden.
fn upsert_json(overrides: Value) -> Value {
    let mut doc = json!({"id": "sub-1", "product_id": "coffee", "variant_id": "coffee-250g",
        "title": "Coffee beans 250 g", "quantity": 1, "price_minor": 89000,
        "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31", "anchor_day": 31});
    if let (Value::Object(doc), Value::Object(overrides)) = (&mut doc, overrides) {
        doc.extend(overrides);
    }
    doc
}

fn upsert(
    previous: Option<&SubscriptionRecord>,
    overrides: Value,
) -> Result<SubscriptionRecord, DomainError> {
    let input: SubscriptionUpsert =
        serde_json::from_value(upsert_json(overrides)).expect("an upsert");
    SubscriptionRecord::upsert(previous, input, &program())
}

fn record(overrides: Value) -> SubscriptionRecord {
    upsert(None, overrides).expect("a valid subscription")
}

fn act(
    rec: &mut SubscriptionRecord,
    body: Value,
    now: Instant,
) -> Result<Subscription, DomainError> {
    perform(Some(rec), "sub-1", &body, &program(), now)
}

fn add(variant: &str, quantity: i64) -> Value {
    json!({"action": "add_onetime", "variant_id": variant, "quantity": quantity})
}

fn remove(variant: &str) -> Value {
    json!({"action": "remove_onetime", "variant_id": variant})
}

fn items(rec: &SubscriptionRecord) -> Vec<(String, u32)> {
    rec.subscription
        .onetime_items
        .iter()
        .map(|i| {
            (
                i.variant_id.clone(),
                i.quantity.expect("an item's quantity"),
            )
        })
        .collect()
}

fn fields_of(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// --- the program setting ---------------------------------------------------

#[test]
fn the_program_offers_no_addons_by_default_and_checks_the_ones_it_lists() {
    let p = Program::default();
    assert!(p.subscriptions.addons.is_empty());
    assert_eq!(
        serde_json::to_value(&p).unwrap()["subscriptions"]["addons"],
        json!({})
    );
    let bad = Program::from_json(&json!({"subscriptions": {"addons": {"coffee": [
        {"variant_id": "grinder", "title": "Hand grinder", "price_minor": -1},
        {"variant_id": "grinder", "title": " ", "price_minor": 10}]}}}))
    .unwrap();
    let fields = fields_of(bad.validate().unwrap_err());
    for expected in [
        "subscriptions.addons.coffee[0].price_minor",
        "subscriptions.addons.coffee[1].title",
        "subscriptions.addons.coffee[1].variant_id",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} in {fields:?}"
        );
    }
    let unknown = Program::from_json(&json!({"subscriptions": {"addons": {"coffee": [
        {"variant_id": "g", "title": "G", "price_minor": 1, "colour": "red"}]}}}));
    assert!(unknown.is_err());
}

/// The program's variants are `{variant_id, title, price_minor}` (SPEC
/// 2.5, 2.7): a `quantity` there is a field the document does not take,
/// 400 `unknown_field` before any rule (SPEC 3.1), as it was before one-time
/// items shared the variants' reader.
#[test]
fn a_quantity_in_the_programs_variants_is_an_unknown_field() {
    for (setting, path) in [
        ("addons", "subscriptions.addons.coffee[1].quantity"),
        (
            "swap_options",
            "subscriptions.swap_options.coffee[1].quantity",
        ),
    ] {
        let p = Program::from_json(&json!({"subscriptions": {setting: {"coffee": [
            {"variant_id": "a", "title": "A", "price_minor": -1},
            {"variant_id": "b", "title": "B", "price_minor": 1, "quantity": 1}]}}}))
        .unwrap();
        let err = p.validate().unwrap_err();
        assert_eq!(err, DomainError::UnknownField(path.to_owned()), "{setting}");
        assert_eq!((err.status(), err.code()), (400, "unknown_field"));
    }
}

// --- the shopper's actions -------------------------------------------------

#[test]
fn an_addon_is_added_with_the_programs_title_and_price_and_adding_again_sets_its_quantity() {
    let mut rec = record(json!({}));
    let after = act(&mut rec, add("grinder", 2), now()).unwrap();
    assert_eq!(
        after.onetime_items,
        vec![OnetimeItem {
            variant_id: "grinder".into(),
            title: "Hand grinder".into(),
            price_minor: 450000,
            quantity: Some(2)
        }]
    );
    act(&mut rec, add("filters", 1), now()).unwrap();
    act(&mut rec, add("grinder", 1), now()).unwrap();
    assert_eq!(items(&rec), [("grinder".into(), 1), ("filters".into(), 1)]);
    let json = serde_json::to_value(&rec.subscription).unwrap();
    assert_eq!(json["onetime_items"][1]["title"], "Paper filters");
    assert_eq!(json["onetime_items"][0]["quantity"], 1);
    act(&mut rec, remove("grinder"), now()).unwrap();
    assert_eq!(items(&rec), [("filters".into(), 1)]);
}

#[test]
fn quantities_run_from_1_to_max_quantity() {
    let mut rec = record(json!({}));
    for bad in [
        json!(0),
        json!(6),
        json!(-1),
        json!(1.5),
        json!("2"),
        json!(null),
    ] {
        let body = json!({"action": "add_onetime", "variant_id": "grinder", "quantity": bad});
        let err = act(&mut rec, body, now()).unwrap_err();
        assert_eq!(fields_of(err), ["quantity"], "{bad}");
    }
    act(&mut rec, add("grinder", 5), now()).unwrap();
    assert_eq!(items(&rec), [("grinder".into(), 5)]);
}

#[test]
fn errors_come_in_the_spec_order() {
    let cutoff = at("2027-01-30T12:00:00Z");
    let cancelled = record(json!({"status": "cancelled", "next_charge_on": null}));
    let paused = record(json!({"status": "paused", "next_charge_on": null,
                               "paused_until": "2027-03-01"}));
    let active = record(json!({}));
    let code = |rec: &SubscriptionRecord, body: Value, now: Instant| {
        act(&mut rec.clone(), body, now).unwrap_err().code()
    };
    for body in [add("teapot", 99), remove("teapot")] {
        // An unknown field comes before the state.
        let mut extra = body.clone();
        extra["colour"] = json!("red");
        assert_eq!(code(&cancelled, extra, cutoff), "unknown_field");
        // Not active: refused before the cutoff and the rules.
        assert_eq!(code(&cancelled, body.clone(), cutoff), "invalid_state");
        assert_eq!(code(&paused, body.clone(), now()), "invalid_state");
        // Active within the cutoff: locked before the rules.
        assert_eq!(code(&active, body.clone(), cutoff), "subscription_locked");
    }
    // Outside the cutoff, the rules: a variant not offered for this
    // product (a tea add-on on coffee) is a 422, an absent one a 404.
    let err = act(&mut active.clone(), add("teapot", 1), now()).unwrap_err();
    assert_eq!(
        (err.status(), fields_of(err)),
        (422, vec!["variant_id".to_owned()])
    );
    let err = act(&mut active.clone(), remove("grinder"), now()).unwrap_err();
    assert_eq!(err, DomainError::AddonNotFound("grinder".into()));
    assert_eq!((err.code(), err.status()), ("addon_not_found", 404));
    // A variant both not offered and badly counted names the variant first.
    let err = act(&mut active.clone(), add("teapot", 0), now()).unwrap_err();
    assert_eq!(fields_of(err)[0], "variant_id");
}

#[test]
fn a_refused_action_changes_nothing() {
    let mut rec = record(json!({}));
    act(&mut rec, add("grinder", 1), now()).unwrap();
    let before = rec.clone();
    assert!(act(&mut rec, add("grinder", 9), now()).is_err());
    assert!(act(&mut rec, remove("filters"), now()).is_err());
    assert_eq!(rec, before);
}

// --- what keeps them and what empties them ---------------------------------

#[test]
fn an_addon_is_kept_across_skip_pause_resume_cancel_and_reactivate_and_cleared_by_the_charge() {
    let mut rec = record(json!({}));
    act(&mut rec, add("grinder", 2), now()).unwrap();
    let kept = items(&rec);
    for body in [
        json!({"action": "skip_next"}),
        json!({"action": "pause", "resume_on": "2027-02-01"}),
        json!({"action": "resume"}),
        json!({"action": "swap", "variant_id": "coffee-1kg"}),
        json!({"action": "cancel", "reason": "moving"}),
        json!({"action": "reactivate"}),
    ] {
        act(&mut rec, body.clone(), now()).unwrap();
        assert_eq!(items(&rec), kept, "after {body}");
    }
    // Whatever the date the merchant reports, the items went out with it.
    rec.charge(jiff::civil::date(2026, 12, 1), now()).unwrap();
    assert_eq!(items(&rec), []);
}

#[test]
fn a_refused_charge_keeps_the_items() {
    let mut rec = record(json!({}));
    act(&mut rec, add("grinder", 2), now()).unwrap();
    act(
        &mut rec,
        json!({"action": "pause", "resume_on": "2027-02-01"}),
        now(),
    )
    .unwrap();
    assert!(rec.charge(jiff::civil::date(2027, 1, 31), now()).is_err());
    assert_eq!(items(&rec), [("grinder".into(), 2)]);
}

// --- the merchant's upsert -------------------------------------------------

#[test]
fn an_upsert_without_items_keeps_them_and_a_new_subscription_has_none() {
    let first = record(json!({}));
    assert_eq!(items(&first), []);
    let mut rec = first;
    act(&mut rec, add("filters", 3), now()).unwrap();
    let again = upsert(Some(&rec), json!({"quantity": 2})).unwrap();
    assert_eq!(items(&again), [("filters".into(), 3)]);
    // Sent, they must be a list: null is no way to leave them out.
    let null = upsert_json(json!({"onetime_items": null}));
    assert!(serde_json::from_value::<SubscriptionUpsert>(null).is_err());
}

#[test]
fn an_upsert_with_items_replaces_them() {
    let mut rec = record(json!({}));
    act(&mut rec, add("filters", 3), now()).unwrap();
    let sent = json!([{"variant_id": "mug", "title": "Mug", "price_minor": 90000, "quantity": 1}]);
    let replaced = upsert(Some(&rec), json!({"onetime_items": sent})).unwrap();
    assert_eq!(items(&replaced), [("mug".into(), 1)]);
    let emptied = upsert(Some(&rec), json!({"onetime_items": []})).unwrap();
    assert_eq!(items(&emptied), []);
    let new = upsert(None, json!({"onetime_items": sent})).unwrap();
    assert_eq!(items(&new), [("mug".into(), 1)]);
}

#[test]
fn upserted_items_are_checked_field_by_field() {
    let err = upsert(
        None,
        json!({"onetime_items": [
            {"variant_id": "mug", "title": "Mug", "price_minor": 1, "quantity": 1},
            {"variant_id": "mug", "title": "Mug", "price_minor": -5, "quantity": 0},
            {"variant_id": "", "title": "", "price_minor": 0, "quantity": 1},
            {"variant_id": "cup", "title": "Cup", "price_minor": 0}]}),
    )
    .unwrap_err();
    assert_eq!(
        fields_of(err),
        [
            "subscription.onetime_items[1].variant_id",
            "subscription.onetime_items[1].price_minor",
            "subscription.onetime_items[1].quantity",
            "subscription.onetime_items[2].variant_id",
            "subscription.onetime_items[2].title",
            "subscription.onetime_items[3].quantity",
        ]
    );
    let unknown = serde_json::from_value::<SubscriptionUpsert>(upsert_json(json!({
        "onetime_items": [{"variant_id": "mug", "title": "Mug", "price_minor": 1,
                           "quantity": 1, "colour": "red"}]})));
    assert!(unknown.is_err());
}

// --- through the customer ---------------------------------------------------

fn subscribed_customer(p: &Program) -> Customer {
    let mut c = Customer::default();
    for sub in [
        upsert_json(json!({})),
        upsert_json(json!({"id": "sub-2", "product_id": "milk"})),
    ] {
        let event = json!({"type": "subscription_upserted", "subscription": sub});
        let event: MerchantEvent = serde_json::from_value(event).unwrap();
        c.apply_event(p, event, now()).unwrap();
    }
    c
}

#[test]
fn me_offers_the_addons_of_the_customers_products_only() {
    let p = program();
    let view = subscribed_customer(&p).view("c-1", &p, now());
    let offered: Vec<&String> = view.subscription_options.addons.keys().collect();
    assert_eq!(offered, ["coffee"]);
    assert_eq!(view.subscription_options.addons["coffee"].len(), 2);
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["subscriptions"][0]["onetime_items"], json!([]));
    assert_eq!(
        json["subscription_options"]["addons"]["coffee"][0]["variant_id"],
        "grinder"
    );
    let nobody = Customer::default().view("c-2", &p, now());
    assert!(nobody.subscription_options.addons.is_empty());
}

#[test]
fn both_actions_announce_the_change_even_when_nothing_changed() {
    let p = program();
    let mut c = subscribed_customer(&p);
    c.take_events();
    for body in [add("grinder", 1), add("grinder", 1), remove("grinder")] {
        c.perform_action(&p, "sub-1", &body, now()).unwrap();
        let made = c.take_events();
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].kind, EventKind::SubscriptionUpdated);
        assert_eq!(made[0].data["action"], body["action"]);
    }
    assert!(
        c.perform_action(&p, "sub-1", &remove("grinder"), now())
            .is_err()
    );
    assert!(c.take_events().is_empty());
}

#[test]
fn the_merchants_charge_empties_the_items_through_the_customer() {
    let p = program();
    let mut c = subscribed_customer(&p);
    c.perform_action(&p, "sub-1", &add("filters", 2), now())
        .unwrap();
    let charged = json!({"type": "subscription_charged", "subscription_id": "sub-1",
                         "charged_on": "2027-01-31"});
    c.apply_event(
        &p,
        serde_json::from_value(charged).unwrap(),
        at("2027-01-31T01:00:00Z"),
    )
    .unwrap();
    assert!(c.subscriptions[0].subscription.onetime_items.is_empty());
}

#[test]
fn a_subscription_stored_before_addons_still_loads_with_none() {
    let stored = json!({"subscription": {"id": "sub-1", "product_id": "coffee",
        "variant_id": "coffee-250g", "title": "Coffee beans 250 g", "quantity": 1,
        "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31", "anchor_day": 31,
        "paused_until": null, "cancel_reason": null, "discount_percent": null}});
    let rec: SubscriptionRecord = serde_json::from_value(stored).unwrap();
    assert!(rec.subscription.onetime_items.is_empty());
}

// --- a property: the items follow a simple model ---------------------------

#[derive(Clone, Debug)]
enum Op {
    Add(usize, i64),
    Remove(usize),
    Skip,
    Charge,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, -1i64..8).prop_map(|(v, q)| Op::Add(v, q)),
        (0usize..3).prop_map(Op::Remove),
        Just(Op::Skip),
        Just(Op::Charge),
    ]
}

proptest! {
    /// Adding sets a quantity, removing takes the variant off (404 when
    /// absent), skipping keeps everything and a charge empties the list;
    /// a variant not offered and a quantity out of range change nothing.
    #[test]
    fn the_items_follow_the_model(ops in proptest::collection::vec(op(), 1..30)) {
        let variants = ["grinder", "filters", "teapot"];
        let mut rec = record(json!({}));
        let mut model: BTreeMap<&str, u32> = BTreeMap::new();
        let mut order: Vec<&str> = Vec::new();
        for op in ops {
            match op {
                Op::Add(v, q) => {
                    let result = act(&mut rec, add(variants[v], q), now());
                    let offered = variants[v] != "teapot";
                    prop_assert_eq!(result.is_ok(), offered && (1..=5).contains(&q));
                    if result.is_ok() && model.insert(variants[v], q as u32).is_none() {
                        order.push(variants[v]);
                    }
                }
                Op::Remove(v) => {
                    let result = act(&mut rec, remove(variants[v]), now());
                    match model.remove(variants[v]) {
                        Some(_) => {
                            prop_assert!(result.is_ok());
                            order.retain(|o| *o != variants[v]);
                        }
                        None => prop_assert_eq!(
                            result.unwrap_err().code(), "addon_not_found"
                        ),
                    }
                }
                Op::Skip => {
                    act(&mut rec, json!({"action": "skip_next"}), now()).unwrap();
                }
                Op::Charge => {
                    let next = rec.subscription.next_charge_on.unwrap();
                    rec.charge(next, now()).unwrap();
                    model.clear();
                    order.clear();
                }
            }
            let expected: Vec<(String, u32)> =
                order.iter().map(|v| ((*v).to_owned(), model[v])).collect();
            prop_assert_eq!(items(&rec), expected);
        }
    }
}
