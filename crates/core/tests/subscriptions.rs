//! SPEC 2.5 (subscriptions) rule by rule, through the public API the
//! handler uses: upserts, `perform`, the action methods, `settle`/`as_of`
//! and `charge`.

use jiff::civil::{Date, date};
use retention_core::error::DomainError;
use retention_core::program::{Interval, IntervalUnit, Program};
use retention_core::subscription::{
    ActionName, Subscription, SubscriptionAction, SubscriptionRecord, SubscriptionStatus,
    SubscriptionUpsert, action_fields, perform,
};
use retention_core::time::Instant;
use serde_json::{Value, json};

const MONTHLY: Interval = Interval {
    unit: IntervalUnit::Month,
    count: 1,
};
const FORTNIGHTLY: Interval = Interval {
    unit: IntervalUnit::Week,
    count: 2,
};

fn at(text: &str) -> Instant {
    text.parse().expect("an instant")
}

/// Noon UTC of a date, well outside any cutoff unless a test wants one.
fn noon(d: Date) -> Instant {
    Instant::start_of(d).plus_hours(12)
}

fn program() -> Program {
    let program = Program::from_json(&json!({
        "subscriptions": {
            "swap_options": {"coffee": [
                {"variant_id": "coffee-1kg", "title": "Coffee beans 1 kg", "price_minor": 300000},
                {"variant_id": "coffee-250g", "title": "Coffee beans 250 g", "price_minor": 89000}
            ]},
            "cancel_reasons": [
                {"id": "too_much", "label": "Too much coffee", "offer": {"kind": "skip"}},
                {"id": "away", "label": "Going away", "offer": {"kind": "pause", "days": 30}},
                {"id": "price", "label": "Too expensive", "offer": {"kind": "discount", "percent": 15}},
                {"id": "other", "label": "Something else", "offer": null}
            ]
        }
    }))
    .expect("a program");
    program.validate().expect("a valid program");
    program
}

/// The SPEC 3.5 example, with fields overridden.
fn upsert_json(overrides: Value) -> Value {
    let mut doc = json!({"id": "sub-1", "product_id": "coffee", "variant_id": "coffee-250g",
        "title": "Coffee beans 250 g", "quantity": 1, "price_minor": 89000,
        "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-01-31", "anchor_day": 31,
        "paused_until": null, "cancel_reason": null, "discount_percent": null});
    if let (Value::Object(doc), Value::Object(overrides)) = (&mut doc, overrides) {
        for (key, value) in overrides {
            if value == json!("<left out>") {
                doc.remove(&key);
            } else {
                doc.insert(key, value);
            }
        }
    }
    doc
}

fn upsert(overrides: Value) -> Result<SubscriptionRecord, DomainError> {
    let input: SubscriptionUpsert =
        serde_json::from_value(upsert_json(overrides)).expect("an upsert");
    SubscriptionRecord::upsert(None, input, &program())
}

fn record(overrides: Value) -> SubscriptionRecord {
    upsert(overrides).expect("a valid subscription")
}

fn act(
    record: &mut SubscriptionRecord,
    body: Value,
    now: Instant,
) -> Result<Subscription, DomainError> {
    perform(Some(record), "sub-1", &body, &program(), now)
}

fn fields_of(err: DomainError) -> Vec<String> {
    match err {
        DomainError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn invalid_state(action: &str, status: &str) -> DomainError {
    DomainError::InvalidState {
        action: action.to_owned(),
        status: status.to_owned(),
    }
}

// --- The document and the merchant's upsert -------------------------------

#[test]
fn the_document_reads_and_writes_as_the_spec_shows_it() {
    let doc = upsert_json(json!({}));
    let sub: Subscription = serde_json::from_value(doc.clone()).expect("the SPEC example");
    // SPEC 2.7: one-time items are always written, `[]` by default.
    let mut written = doc;
    written["onetime_items"] = json!([]);
    assert_eq!(serde_json::to_value(&sub).expect("serializes"), written);
    assert_eq!(record(json!({})).subscription, sub);
}

#[test]
fn the_document_refuses_unknown_and_missing_fields() {
    let mut extra = upsert_json(json!({}));
    extra["colour"] = json!("red");
    assert!(serde_json::from_value::<Subscription>(extra.clone()).is_err());
    assert!(serde_json::from_value::<SubscriptionUpsert>(extra).is_err());
    let without_pause = upsert_json(json!({"paused_until": "<left out>"}));
    assert!(serde_json::from_value::<Subscription>(without_pause).is_err());
    let without_next = upsert_json(json!({"next_charge_on": "<left out>"}));
    assert!(serde_json::from_value::<SubscriptionUpsert>(without_next).is_err());
    let datetime = upsert_json(json!({"next_charge_on": "2027-01-31T00:00:00"}));
    assert!(serde_json::from_value::<SubscriptionUpsert>(datetime).is_err());
}

#[test]
fn an_upsert_may_leave_out_the_optional_fields() {
    let sub = record(json!({"next_charge_on": "2027-02-14", "anchor_day": "<left out>",
        "paused_until": "<left out>", "cancel_reason": "<left out>", "discount_percent": "<left out>"}))
    .subscription;
    assert_eq!(sub.anchor_day, 14);
    assert_eq!(sub.paused_until, None);
    assert_eq!(sub.cancel_reason, None);
    assert_eq!(sub.discount_percent, None);
    let cancelled = record(json!({"status": "cancelled", "next_charge_on": null,
        "anchor_day": "<left out>", "cancel_reason": "moved"}));
    assert_eq!(cancelled.subscription.anchor_day, 1);
}

#[test]
fn an_upsert_names_every_broken_field() {
    let err = upsert(
        json!({"id": "sub 1", "title": " ", "quantity": 0, "price_minor": -1,
        "currency": "EUR", "interval": {"unit": "week", "count": 0}, "anchor_day": 32,
        "discount_percent": 101}),
    )
    .unwrap_err();
    let fields = fields_of(err);
    for field in [
        "subscription.id",
        "subscription.title",
        "subscription.quantity",
        "subscription.price_minor",
        "subscription.currency",
        "subscription.interval.count",
        "subscription.anchor_day",
        "subscription.discount_percent",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing from {fields:?}"
        );
    }
    // The merchant's billing may set a quantity above the shopper's maximum.
    assert_eq!(record(json!({"quantity": 500})).subscription.quantity, 500);
}

#[test]
fn each_status_has_exactly_its_dates() {
    let cases = [
        (
            json!({"next_charge_on": null}),
            "subscription.next_charge_on",
        ),
        (
            json!({"paused_until": "2027-02-01"}),
            "subscription.paused_until",
        ),
        (
            json!({"status": "paused", "next_charge_on": null}),
            "subscription.paused_until",
        ),
        (
            json!({"status": "paused", "paused_until": "2027-03-01"}),
            "subscription.next_charge_on",
        ),
        (
            json!({"status": "cancelled"}),
            "subscription.next_charge_on",
        ),
        (
            json!({"status": "cancelled", "next_charge_on": null, "paused_until": "2027-03-01"}),
            "subscription.paused_until",
        ),
    ];
    for (overrides, field) in cases {
        let err = upsert(overrides.clone()).unwrap_err();
        assert_eq!(fields_of(err), vec![field.to_owned()], "{overrides}");
    }
    record(json!({"status": "paused", "next_charge_on": null, "paused_until": "2027-03-01"}));
    record(json!({"status": "cancelled", "next_charge_on": null}));
}

#[test]
fn a_stored_record_round_trips_and_tolerates_newer_fields() {
    let mut rec = record(json!({}));
    rec.pause(
        date(2027, 3, 1),
        &program().subscriptions,
        noon(date(2027, 1, 10)),
    )
    .unwrap();
    let mut stored = serde_json::to_value(&rec).unwrap();
    assert_eq!(
        serde_json::from_value::<SubscriptionRecord>(stored.clone()).unwrap(),
        rec
    );
    stored["added_later"] = json!(true);
    assert_eq!(
        serde_json::from_value::<SubscriptionRecord>(stored).unwrap(),
        rec
    );
}

// --- Month arithmetic and skip_next ----------------------------------------

#[test]
fn skipping_twice_from_jan_31_gives_feb_28_then_mar_31() {
    let mut rec = record(json!({}));
    let now = noon(date(2027, 1, 10));
    assert_eq!(
        act(&mut rec, json!({"action": "skip_next"}), now)
            .unwrap()
            .next_charge_on,
        Some(date(2027, 2, 28))
    );
    assert_eq!(
        act(&mut rec, json!({"action": "skip_next"}), now)
            .unwrap()
            .next_charge_on,
        Some(date(2027, 3, 31))
    );
    assert_eq!(rec.subscription.anchor_day, 31);
}

#[test]
fn a_leap_year_gives_feb_29() {
    let mut rec = record(json!({"next_charge_on": "2028-01-31"}));
    rec.skip_next(&program().subscriptions, noon(date(2028, 1, 10)))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2028, 2, 29)));
}

#[test]
fn reactivating_on_jan_31_gives_feb_28_then_mar_31() {
    let mut rec = record(
        json!({"status": "cancelled", "next_charge_on": null, "anchor_day": 5,
        "cancel_reason": "moved"}),
    );
    let sub = act(
        &mut rec,
        json!({"action": "reactivate"}),
        noon(date(2027, 1, 31)),
    )
    .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.anchor_day, 31);
    assert_eq!(sub.next_charge_on, Some(date(2027, 2, 28)));
    assert_eq!(sub.cancel_reason, None);
    rec.charge(date(2027, 2, 28), noon(date(2027, 2, 28)))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 3, 31)));
}

// --- pause, resume and the automatic resume --------------------------------

#[test]
fn a_pause_ends_from_tomorrow_to_today_plus_max_pause_days() {
    let today = date(2027, 1, 10);
    let settings = program().subscriptions;
    for (days, ok) in [(-1, false), (0, false), (1, true), (90, true), (91, false)] {
        let mut rec = record(json!({}));
        let resume_on = today.checked_add(jiff::Span::new().days(days)).unwrap();
        let result = act(
            &mut rec,
            json!({"action": "pause", "resume_on": resume_on.to_string()}),
            noon(today),
        );
        match result {
            Ok(sub) => {
                assert!(ok, "{days} days should be refused");
                assert_eq!(sub.status, SubscriptionStatus::Paused);
                assert_eq!(sub.paused_until, Some(resume_on));
                assert_eq!(sub.next_charge_on, None);
            }
            Err(err) => {
                assert!(!ok, "{days} days should be allowed: {err}");
                assert_eq!(fields_of(err), vec!["resume_on".to_owned()]);
                assert_eq!(rec, record(json!({})), "a refused pause changes nothing");
            }
        }
    }
    assert_eq!(settings.max_pause_days, 90);
}

#[test]
fn resume_takes_the_first_date_from_tomorrow_of_the_old_series() {
    let settings = program().subscriptions;
    let mut rec = record(json!({}));
    rec.pause(date(2027, 4, 10), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    // Tomorrow is Mar 6: Jan 31, Feb 28 are past; Mar 31 is next.
    let sub = act(
        &mut rec,
        json!({"action": "resume"}),
        noon(date(2027, 3, 5)),
    )
    .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.next_charge_on, Some(date(2027, 3, 31)));
    assert_eq!(sub.paused_until, None);

    let mut rec = record(json!({}));
    rec.pause(date(2027, 4, 10), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    rec.resume(&settings, noon(date(2027, 2, 27))).unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 2, 28)));

    // Resuming before the old next date keeps that date.
    let mut rec = record(json!({}));
    rec.pause(date(2027, 4, 10), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    rec.resume(&settings, noon(date(2027, 1, 12))).unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 1, 31)));
}

#[test]
fn a_pause_resumes_by_itself_on_paused_until() {
    let settings = program().subscriptions;
    let mut rec = record(json!({}));
    rec.pause(date(2027, 4, 10), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    let before = rec.clone();

    let eve = at("2027-04-09T23:59:59Z");
    assert_eq!(rec.as_of(eve).status, SubscriptionStatus::Paused);
    let day = at("2027-04-10T00:00:00Z");
    let seen = rec.as_of(day);
    assert_eq!(seen.status, SubscriptionStatus::Active);
    assert_eq!(seen.next_charge_on, Some(date(2027, 4, 30)));
    assert_eq!(seen.paused_until, None);
    assert_eq!(rec, before, "reading changes nothing");

    rec.settle(day);
    assert_eq!(rec.subscription, seen);
    rec.settle(noon(date(2027, 6, 1)));
    assert_eq!(rec.subscription, seen, "settling again changes nothing");
}

#[test]
fn a_subscription_sent_paused_resumes_in_step_with_paused_until() {
    let settings = program().subscriptions;
    let rec = record(
        json!({"status": "paused", "next_charge_on": null, "paused_until": "2027-05-31",
        "anchor_day": 31}),
    );
    assert_eq!(
        rec.as_of(noon(date(2027, 5, 31))).next_charge_on,
        Some(date(2027, 5, 31))
    );
    let mut early = rec.clone();
    early.resume(&settings, noon(date(2027, 3, 2))).unwrap();
    assert_eq!(early.subscription.next_charge_on, Some(date(2027, 3, 31)));
}

#[test]
fn actions_see_the_subscription_as_of_now() {
    let settings = program().subscriptions;
    let mut rec = record(json!({}));
    rec.pause(date(2027, 2, 10), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    // On Mar 1 the pause has ended, so skip_next is allowed and resume is not.
    assert_eq!(
        act(
            &mut rec.clone(),
            json!({"action": "resume"}),
            noon(date(2027, 3, 1))
        )
        .unwrap_err(),
        invalid_state("resume", "active")
    );
    let sub = act(
        &mut rec,
        json!({"action": "skip_next"}),
        noon(date(2027, 2, 11)),
    )
    .unwrap();
    assert_eq!(sub.next_charge_on, Some(date(2027, 3, 31)));
}

// --- the cutoff lock -------------------------------------------------------

#[test]
fn the_cutoff_locks_everything_but_cancel() {
    let mut rec = record(json!({}));
    let skip = json!({"action": "skip_next"});
    let charge_at = at("2027-01-31T00:00:00Z");
    assert!(act(&mut rec.clone(), skip.clone(), at("2027-01-29T23:59:59Z")).is_ok());
    for now in [at("2027-01-30T00:00:00Z"), at("2027-01-30T23:59:59Z")] {
        assert_eq!(
            act(&mut rec.clone(), skip.clone(), now).unwrap_err(),
            DomainError::SubscriptionLocked {
                unlocks_at: Some(charge_at)
            }
        );
    }
    // Once the charge time has passed and no charge was reported: overdue.
    for now in [charge_at, at("2027-02-03T10:00:00Z")] {
        let err = act(&mut rec.clone(), skip.clone(), now).unwrap_err();
        assert_eq!(err, DomainError::SubscriptionLocked { unlocks_at: None });
        assert_eq!((err.status(), err.code()), (409, "subscription_locked"));
    }
    let cancelled = act(
        &mut rec.clone(),
        json!({"action": "cancel", "reason": "other"}),
        at("2027-01-30T12:00:00Z"),
    )
    .unwrap();
    assert_eq!(cancelled.status, SubscriptionStatus::Cancelled);

    // The merchant's charge report moves the next charge and unlocks.
    rec.charge(date(2027, 1, 31), at("2027-01-31T06:00:00Z"))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 2, 28)));
    assert!(act(&mut rec, skip, at("2027-01-31T07:00:00Z")).is_ok());
}

#[test]
fn the_cutoff_length_comes_from_the_program() {
    let mut program = program();
    program.subscriptions.cutoff_hours = 72;
    let rec = record(json!({}));
    let locked = rec.check_allowed(
        ActionName::SetQuantity,
        &program.subscriptions,
        at("2027-01-28T00:00:00Z"),
    );
    assert!(matches!(
        locked,
        Err(DomainError::SubscriptionLocked { .. })
    ));
    assert!(
        rec.check_allowed(
            ActionName::SetQuantity,
            &program.subscriptions,
            at("2027-01-27T23:59:59Z")
        )
        .is_ok()
    );
    program.subscriptions.cutoff_hours = 0;
    assert!(
        rec.check_allowed(
            ActionName::SetQuantity,
            &program.subscriptions,
            at("2027-01-30T23:59:59Z")
        )
        .is_ok()
    );
}

// --- allowed states --------------------------------------------------------

fn body_for(action: ActionName) -> Value {
    match action {
        ActionName::Pause => json!({"action": "pause", "resume_on": "2027-02-01"}),
        ActionName::ChangeInterval => {
            json!({"action": "change_interval", "interval": {"unit": "week", "count": 2}})
        }
        ActionName::Reschedule => json!({"action": "reschedule", "next_charge_on": "2027-01-20"}),
        ActionName::Swap => json!({"action": "swap", "variant_id": "coffee-1kg"}),
        ActionName::SetQuantity => json!({"action": "set_quantity", "quantity": 2}),
        ActionName::Cancel => json!({"action": "cancel", "reason": "other"}),
        ActionName::AcceptOffer => json!({"action": "accept_offer", "reason": "price"}),
        ActionName::AddOnetime => {
            json!({"action": "add_onetime", "variant_id": "grinder", "quantity": 1})
        }
        ActionName::RemoveOnetime => json!({"action": "remove_onetime", "variant_id": "grinder"}),
        other => json!({"action": other.as_str()}),
    }
}

#[test]
fn each_action_runs_only_in_its_states() {
    use SubscriptionStatus::{Active, Cancelled, Paused};
    let allowed: [(ActionName, &[SubscriptionStatus]); 10] = [
        (ActionName::SkipNext, &[Active]),
        (ActionName::Pause, &[Active]),
        (ActionName::Reschedule, &[Active]),
        (ActionName::Resume, &[Paused]),
        (ActionName::ChangeInterval, &[Active, Paused]),
        (ActionName::Swap, &[Active, Paused]),
        (ActionName::SetQuantity, &[Active, Paused]),
        (ActionName::Cancel, &[Active, Paused]),
        (ActionName::AcceptOffer, &[Active, Paused]),
        (ActionName::Reactivate, &[Cancelled]),
    ];
    let records = [
        (Active, record(json!({}))),
        (
            Paused,
            record(
                json!({"status": "paused", "next_charge_on": null, "paused_until": "2027-03-01"}),
            ),
        ),
        (
            Cancelled,
            record(json!({"status": "cancelled", "next_charge_on": null})),
        ),
    ];
    let now = noon(date(2027, 1, 10));
    for (action, states) in allowed {
        for (status, rec) in &records {
            let result = act(&mut rec.clone(), body_for(action), now);
            if states.contains(status) {
                assert!(
                    result.is_ok(),
                    "{} on {status}: {result:?}",
                    action.as_str()
                );
            } else {
                assert_eq!(
                    result.unwrap_err(),
                    invalid_state(action.as_str(), status.as_str())
                );
            }
        }
    }
}

// --- the order of errors in perform ----------------------------------------

#[test]
fn a_missing_subscription_comes_first() {
    let err = perform(
        None,
        "sub-9",
        &json!({"bogus": 1}),
        &program(),
        noon(date(2027, 1, 10)),
    )
    .unwrap_err();
    assert_eq!(err, DomainError::SubscriptionNotFound("sub-9".to_owned()));
    assert_eq!(err.status(), 404);
}

#[test]
fn unknown_fields_come_before_the_action_check() {
    let now = noon(date(2027, 1, 10));
    let mut rec = record(json!({}));
    let cases = [
        (json!({"bogus": 1}), "bogus"),
        (
            json!({"action": "skip_next", "resume_on": "2027-02-01"}),
            "resume_on",
        ),
        (
            json!({"action": "accept_offer", "reason": "price", "comment": "x"}),
            "comment",
        ),
        (json!({"action": "dance", "colour": "red"}), "colour"),
        (json!({"action": 5, "colour": "red"}), "colour"),
        (
            json!({"action": "change_interval", "interval": {"unit": "week", "count": 2, "every": 1}}),
            "interval.every",
        ),
    ];
    for (body, field) in cases {
        let err = act(&mut rec, body.clone(), now).unwrap_err();
        assert_eq!(err, DomainError::UnknownField(field.to_owned()), "{body}");
        assert_eq!(err.status(), 400);
    }
    // Locked and in the wrong state, an unknown field still wins.
    let mut cancelled = record(json!({"status": "cancelled", "next_charge_on": null}));
    let err = act(
        &mut cancelled,
        json!({"action": "skip_next", "quantity": 1}),
        now,
    )
    .unwrap_err();
    assert_eq!(err, DomainError::UnknownField("quantity".to_owned()));
}

#[test]
fn a_missing_or_unknown_action_comes_before_the_state() {
    let now = noon(date(2027, 1, 10));
    let mut cancelled = record(json!({"status": "cancelled", "next_charge_on": null}));
    for body in [
        json!({}),
        json!({"action": null}),
        json!({"action": "dance"}),
        json!({"action": 3}),
        json!({"resume_on": "2027-02-01", "quantity": 2}),
        json!({"action": "dance", "reason": "x"}),
    ] {
        let err = act(&mut cancelled, body.clone(), now).unwrap_err();
        assert_eq!(fields_of(err), vec!["action".to_owned()], "{body}");
    }
    assert!(matches!(
        act(&mut cancelled, json!([1]), now),
        Err(DomainError::Validation(_))
    ));
}

#[test]
fn the_state_comes_before_the_lock_and_the_lock_before_the_rules() {
    let rec = record(json!({}));
    let locked = at("2027-01-30T12:00:00Z");
    // Active and locked: resume is in the wrong state.
    let err = act(&mut rec.clone(), json!({"action": "resume"}), locked).unwrap_err();
    assert_eq!(err, invalid_state("resume", "active"));
    // Locked: broken, missing and badly typed fields are not looked at.
    for body in [
        json!({"action": "pause", "resume_on": "2020-01-01"}),
        json!({"action": "pause"}),
        json!({"action": "set_quantity", "quantity": "two"}),
        json!({"action": "swap", "variant_id": "nope"}),
    ] {
        let err = act(&mut rec.clone(), body.clone(), locked).unwrap_err();
        assert!(
            matches!(err, DomainError::SubscriptionLocked { .. }),
            "{body}: {err:?}"
        );
    }
    // Unlocked: the rules answer, naming the field.
    let now = noon(date(2027, 1, 10));
    for (body, field) in [
        (json!({"action": "pause"}), "resume_on"),
        (
            json!({"action": "pause", "resume_on": "2027-02-30"}),
            "resume_on",
        ),
        (
            json!({"action": "pause", "resume_on": 20270201}),
            "resume_on",
        ),
        (
            json!({"action": "set_quantity", "quantity": "two"}),
            "quantity",
        ),
        (
            json!({"action": "set_quantity", "quantity": 2.5}),
            "quantity",
        ),
        (
            json!({"action": "change_interval", "interval": "monthly"}),
            "interval",
        ),
        (json!({"action": "swap", "variant_id": 7}), "variant_id"),
        (json!({"action": "cancel"}), "reason"),
        (
            json!({"action": "cancel", "reason": "other", "comment": 5}),
            "comment",
        ),
    ] {
        let err = act(&mut rec.clone(), body.clone(), now).unwrap_err();
        assert_eq!(fields_of(err), vec![field.to_owned()], "{body}");
    }
}

#[test]
fn a_refused_action_leaves_the_record_as_it_was() {
    let mut rec =
        record(json!({"status": "paused", "next_charge_on": null, "paused_until": "2027-02-01"}));
    let before = rec.clone();
    // Feb 2: the pause has ended (as of now), but set_quantity is refused.
    let err = act(
        &mut rec,
        json!({"action": "set_quantity", "quantity": 11}),
        noon(date(2027, 1, 20)),
    );
    assert!(err.is_err());
    assert_eq!(rec, before);
}

#[test]
fn action_fields_are_listed_per_action() {
    assert_eq!(action_fields("cancel"), Some(&["reason", "comment"][..]));
    assert_eq!(action_fields("skip_next"), Some(&[][..]));
    assert_eq!(action_fields("dance"), None);
    for action in ActionName::ALL {
        assert_eq!(ActionName::parse(action.as_str()), Some(action));
        let parsed: SubscriptionAction =
            serde_json::from_value(body_for(action)).expect("serde reads each body");
        assert_eq!(parsed.name(), action);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), body_for(action));
    }
}

// --- each action's rules ---------------------------------------------------

#[test]
fn change_interval_takes_only_allowed_intervals_and_keeps_the_date() {
    let now = noon(date(2027, 1, 10));
    let mut rec = record(json!({"next_charge_on": "2027-02-28"}));
    let err = act(
        &mut rec,
        json!({"action": "change_interval", "interval": {"unit": "week", "count": 1}}),
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["interval".to_owned()]);

    // Feb 28 fits anchor 31, so the anchor stays.
    let sub = act(
        &mut rec,
        json!({"action": "change_interval", "interval": {"unit": "week", "count": 2}}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.interval, sub.next_charge_on, sub.anchor_day),
        (FORTNIGHTLY, Some(date(2027, 2, 28)), 31)
    );
    rec.skip_next(&program().subscriptions, now).unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 3, 14)));

    // Mar 14 does not fit anchor 31: its day becomes the anchor.
    let sub = act(
        &mut rec,
        json!({"action": "change_interval", "interval": {"unit": "month", "count": 1}}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.interval, sub.next_charge_on, sub.anchor_day),
        (MONTHLY, Some(date(2027, 3, 14)), 14)
    );
    rec.skip_next(&program().subscriptions, now).unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 4, 14)));
}

#[test]
fn change_interval_while_paused_changes_the_series_resumed() {
    let settings = program().subscriptions;
    let mut rec = record(json!({"next_charge_on": "2027-01-14", "anchor_day": 14}));
    rec.pause(date(2027, 3, 1), &settings, noon(date(2027, 1, 10)))
        .unwrap();
    rec.change_interval(FORTNIGHTLY, &settings, noon(date(2027, 1, 11)))
        .unwrap();
    // Jan 14 + 2k weeks: Feb 25, then Mar 11.
    assert_eq!(
        rec.as_of(noon(date(2027, 3, 1))).next_charge_on,
        Some(date(2027, 3, 11))
    );
}

#[test]
fn reschedule_moves_within_the_window_and_sets_the_anchor() {
    let today = date(2027, 1, 10);
    for (target, ok) in [
        ("2027-01-10", false),
        ("2027-01-11", true),
        ("2027-03-11", true),
        ("2027-03-12", false),
    ] {
        let mut rec = record(json!({}));
        let result = act(
            &mut rec,
            json!({"action": "reschedule", "next_charge_on": target}),
            noon(today),
        );
        match result {
            Ok(sub) => {
                assert!(ok, "{target}");
                assert_eq!(
                    sub.next_charge_on.map(|d| d.to_string()),
                    Some(target.to_owned())
                );
                assert_eq!(
                    u32::from(sub.anchor_day),
                    target[8..].parse::<u32>().unwrap()
                );
            }
            Err(err) => {
                assert!(!ok, "{target}: {err}");
                assert_eq!(fields_of(err), vec!["next_charge_on".to_owned()]);
            }
        }
    }
    let mut rec = record(json!({}));
    rec.reschedule(date(2027, 2, 15), &program().subscriptions, noon(today))
        .unwrap();
    rec.skip_next(&program().subscriptions, noon(today))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 3, 15)));
}

#[test]
fn swap_takes_a_listed_variant_with_its_title_and_price() {
    let now = noon(date(2027, 1, 10));
    let mut rec = record(json!({}));
    let sub = act(
        &mut rec,
        json!({"action": "swap", "variant_id": "coffee-1kg"}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.variant_id.as_str(), sub.title.as_str(), sub.price_minor),
        ("coffee-1kg", "Coffee beans 1 kg", 300000)
    );
    assert_eq!(sub.product_id, "coffee");
    let err = act(
        &mut rec,
        json!({"action": "swap", "variant_id": "tea-100g"}),
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["variant_id".to_owned()]);
    let mut tea = record(json!({"product_id": "tea", "variant_id": "tea-100g"}));
    let err = act(
        &mut tea,
        json!({"action": "swap", "variant_id": "coffee-1kg"}),
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["variant_id".to_owned()]);
}

#[test]
fn set_quantity_takes_one_to_max_quantity() {
    let now = noon(date(2027, 1, 10));
    for (quantity, ok) in [
        (json!(0), false),
        (json!(1), true),
        (json!(10), true),
        (json!(11), false),
        (json!(-3), false),
        (json!(4294967297u64), false),
    ] {
        let mut rec = record(json!({}));
        let result = act(
            &mut rec,
            json!({"action": "set_quantity", "quantity": quantity}),
            now,
        );
        match result {
            Ok(sub) => {
                assert!(ok, "{quantity}");
                assert_eq!(json!(sub.quantity), quantity);
            }
            Err(err) => {
                assert!(!ok, "{quantity}: {err}");
                assert_eq!(fields_of(err), vec!["quantity".to_owned()]);
            }
        }
    }
}

#[test]
fn cancel_needs_a_listed_reason_and_a_short_comment() {
    let now = noon(date(2027, 1, 10));
    let mut rec = record(json!({}));
    let err = act(
        &mut rec,
        json!({"action": "cancel", "reason": "bored"}),
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["reason".to_owned()]);
    let long = "x".repeat(501);
    let err = act(
        &mut rec,
        json!({"action": "cancel", "reason": "other", "comment": long}),
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["comment".to_owned()]);

    let comment = "é".repeat(500);
    let sub = act(
        &mut rec,
        json!({"action": "cancel", "reason": "other", "comment": comment}),
        now,
    )
    .unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Cancelled);
    assert_eq!((sub.next_charge_on, sub.paused_until), (None, None));
    assert_eq!(sub.cancel_reason.as_deref(), Some("other"));
    assert_eq!(rec.cancel_comment.as_deref(), Some(comment.as_str()));
}

#[test]
fn cancel_takes_any_short_reason_when_the_program_lists_none() {
    let mut program = program();
    program.subscriptions.cancel_reasons.clear();
    let now = noon(date(2027, 1, 10));
    let paused =
        record(json!({"status": "paused", "next_charge_on": null, "paused_until": "2027-03-01"}));
    for (reason, ok) in [("", false), ("  ", false), ("moving abroad", true)] {
        let mut rec = paused.clone();
        let result = perform(
            Some(&mut rec),
            "sub-1",
            &json!({"action": "cancel", "reason": reason}),
            &program,
            now,
        );
        assert_eq!(result.is_ok(), ok, "{reason:?}: {result:?}");
    }
    let mut rec = paused.clone();
    let long = "r".repeat(129);
    let err = perform(
        Some(&mut rec),
        "sub-1",
        &json!({"action": "cancel", "reason": long}),
        &program,
        now,
    )
    .unwrap_err();
    assert_eq!(fields_of(err), vec!["reason".to_owned()]);
    let sub = perform(
        Some(&mut rec),
        "sub-1",
        &json!({"action": "cancel", "reason": "r".repeat(128)}),
        &program,
        now,
    )
    .unwrap();
    assert_eq!(sub.paused_until, None);
}

#[test]
fn accept_offer_applies_the_reasons_offer() {
    let now = noon(date(2027, 1, 10));
    let mut rec = record(json!({}));
    let sub = act(
        &mut rec,
        json!({"action": "accept_offer", "reason": "too_much"}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.status, sub.next_charge_on),
        (SubscriptionStatus::Active, Some(date(2027, 2, 28)))
    );

    let mut rec = record(json!({}));
    let sub = act(
        &mut rec,
        json!({"action": "accept_offer", "reason": "away"}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.status, sub.paused_until),
        (SubscriptionStatus::Paused, Some(date(2027, 2, 9)))
    );
    // The pause offer keeps the series: it resumes on Feb 9 at Feb 28.
    assert_eq!(
        rec.as_of(noon(date(2027, 2, 9))).next_charge_on,
        Some(date(2027, 2, 28))
    );

    // A discount is allowed while paused; skip and pause offers are not.
    let sub = act(
        &mut rec,
        json!({"action": "accept_offer", "reason": "price"}),
        now,
    )
    .unwrap();
    assert_eq!(
        (sub.status, sub.discount_percent),
        (SubscriptionStatus::Paused, Some(15))
    );
    for reason in ["too_much", "away"] {
        let err = act(
            &mut rec,
            json!({"action": "accept_offer", "reason": reason}),
            now,
        )
        .unwrap_err();
        assert_eq!(err, invalid_state("accept_offer", "paused"));
    }
    for reason in ["other", "unlisted"] {
        let err = act(
            &mut rec,
            json!({"action": "accept_offer", "reason": reason}),
            now,
        )
        .unwrap_err();
        assert_eq!(fields_of(err), vec!["reason".to_owned()]);
    }
}

// --- the merchant's charge -------------------------------------------------

#[test]
fn a_charge_sets_the_next_date_one_interval_on() {
    let mut rec = record(json!({}));
    rec.charge(date(2027, 1, 31), at("2027-01-31T03:00:00Z"))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 2, 28)));
    rec.charge(date(2027, 2, 28), at("2027-02-28T03:00:00Z"))
        .unwrap();
    assert_eq!(rec.subscription.next_charge_on, Some(date(2027, 3, 31)));

    let mut weekly =
        record(json!({"interval": {"unit": "week", "count": 2}, "next_charge_on": "2027-01-05"}));
    weekly
        .charge(date(2027, 1, 6), at("2027-01-06T03:00:00Z"))
        .unwrap();
    assert_eq!(weekly.subscription.next_charge_on, Some(date(2027, 1, 20)));

    // Sent paused without an anchor day: the anchor is paused_until's day.
    let mut paused = record(json!({"status": "paused", "next_charge_on": null,
        "paused_until": "2027-03-01", "anchor_day": "<left out>"}));
    let err = paused
        .charge(date(2027, 1, 31), noon(date(2027, 1, 31)))
        .unwrap_err();
    assert_eq!(err, invalid_state("subscription_charged", "paused"));
    // After paused_until it is active again and can be charged.
    paused
        .charge(date(2027, 3, 1), noon(date(2027, 3, 1)))
        .unwrap();
    assert_eq!(paused.subscription.next_charge_on, Some(date(2027, 4, 1)));

    let mut cancelled = record(json!({"status": "cancelled", "next_charge_on": null}));
    let err = cancelled
        .charge(date(2027, 1, 31), noon(date(2027, 1, 31)))
        .unwrap_err();
    assert_eq!(err, invalid_state("subscription_charged", "cancelled"));
}

#[test]
fn an_upsert_keeps_an_ongoing_pauses_series() {
    let program = program();
    let mut rec = record(json!({}));
    rec.pause(
        date(2027, 3, 10),
        &program.subscriptions,
        noon(date(2027, 1, 10)),
    )
    .unwrap();
    let again: SubscriptionUpsert = serde_json::from_value(upsert_json(json!({"status": "paused",
        "next_charge_on": null, "paused_until": "2027-03-10", "quantity": 3})))
    .unwrap();
    let updated = SubscriptionRecord::upsert(Some(&rec), again, &program).unwrap();
    assert_eq!(updated.subscription.quantity, 3);
    assert_eq!(
        updated.as_of(noon(date(2027, 3, 10))).next_charge_on,
        Some(date(2027, 3, 31))
    );
}
