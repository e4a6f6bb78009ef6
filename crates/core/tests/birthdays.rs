//! SPEC 2.7, birthdays: the `MM-DD` date in the preferences and who may
//! change it when, the program's `birthday_reward`, and the reward
//! credited once a calendar year at 09:00 in the shopper's time zone, as a
//! store that wakes customers at `next_wake` and restarts between runs
//! would see it.

use proptest::prelude::*;
use retention_core::birthday::{MonthDay, reward_instant};
use retention_core::customer::Customer;
use retention_core::error::DomainError;
use retention_core::ledger::EntryKind;
use retention_core::preferences::{ConsentSource, require_birthday_field};
use retention_core::reminders::{OutboxItem, ReminderKind};
use retention_core::zone::{self, Zone};
use retention_core::{Instant, Preferences, Program, Topic};
use serde_json::{Value, json};

use ConsentSource::{Merchant, Shopper};

fn at(text: &str) -> Instant {
    text.parse().expect("an instant")
}

fn day(text: &str) -> MonthDay {
    text.parse().expect("MM-DD")
}

/// A program that gives 100 points on the birthday, expiring 30 days
/// later, with a second tier so the tier metric can be watched.
fn program() -> Program {
    program_with(json!({"points": 100, "expires_in_days": 30}))
}

fn program_with(reward: Value) -> Program {
    let p = Program::from_json(&json!({
        "birthday_reward": reward,
        "tiers": [{"id": "base", "name": "Member", "threshold": 0, "multiplier_percent": 100},
                  {"id": "gold", "name": "Gold", "threshold": 50, "multiplier_percent": 150}]
    }))
    .expect("a program");
    p.validate().expect("a valid program");
    p
}

fn zone(name: &str) -> Zone {
    zone::find(name).expect("a known zone")
}

/// Saves the preferences in force with `birthday` (and `time_zone`).
fn set(
    c: &mut Customer,
    p: &Program,
    time_zone: &str,
    birthday: Option<&str>,
    source: ConsentSource,
    now: Instant,
) -> Result<(), DomainError> {
    let prefs = Preferences {
        time_zone: time_zone.to_owned(),
        birthday: birthday.map(str::to_owned),
        ..c.preferences(p).clone()
    };
    c.save_preferences(p, prefs, source, now)
}

/// What a store does when a customer wakes (or is written): settle, then
/// plan reminders.
fn catch_up(c: &mut Customer, p: &Program, now: Instant) -> Vec<OutboxItem> {
    c.settle(p, now);
    c.run_reminders("c-1", p, now)
}

/// The customer as a store would read it back after a restart.
fn restart(c: &Customer) -> Customer {
    serde_json::from_str(&serde_json::to_string(c).expect("serializes")).expect("loads")
}

/// The birthday credits in the ledger: (points, at).
fn credits(c: &Customer) -> Vec<(i64, Instant)> {
    c.ledger
        .entries
        .iter()
        .filter(|e| e.description == "Birthday reward")
        .map(|e| {
            assert_eq!(e.kind, EntryKind::Adjust);
            (e.points, e.at)
        })
        .collect()
}

fn birthday_items(c: &Customer) -> Vec<&OutboxItem> {
    c.outbox
        .iter()
        .filter(|i| i.kind == ReminderKind::BirthdayReward)
        .collect()
}

/// A Moscow customer (UTC+3 all year) whose shopper gave `birthday` on
/// 2026-12-01, then the handler ran.
fn customer(p: &Program, birthday: &str) -> Customer {
    let mut c = Customer::default();
    let then = at("2026-12-01T12:00:00Z");
    set(&mut c, p, "Europe/Moscow", Some(birthday), Shopper, then).unwrap();
    catch_up(&mut c, p, then);
    c
}

// --- the date and the program setting ------------------------------------

#[test]
fn the_preferences_carry_a_birthday_written_mm_dd_or_null() {
    let defaults = serde_json::to_value(Preferences::default()).unwrap();
    assert_eq!(defaults["birthday"], Value::Null);
    let mut doc = defaults.clone();
    doc["birthday"] = json!("02-29");
    let prefs: Preferences = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(prefs.parsed_birthday(), Some(day("02-29")));
    assert_eq!(prefs.validate(), Ok(()));
    assert_eq!(serde_json::to_value(&prefs).unwrap(), doc);
    for bad in ["02-30", "13-01", "2-29", "1990-02-28", "04-31", ""] {
        doc["birthday"] = json!(bad);
        let prefs: Preferences = serde_json::from_value(doc.clone()).unwrap();
        let Err(DomainError::Validation(errors)) = prefs.validate() else {
            panic!("{bad} should be refused")
        };
        assert_eq!(errors[0].field, "birthday", "{bad}");
    }
    // Saving it is refused the same way, before anything changes.
    let p = program();
    let mut c = Customer::default();
    let err = set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("02-30"),
        Shopper,
        at("2027-01-01T00:00:00Z"),
    );
    assert_eq!(err.unwrap_err().code(), "validation_failed");
    assert!(c.birthday.is_empty());
}

#[test]
fn a_put_must_send_the_birthday_though_a_stored_document_may_lack_it() {
    let mut doc = serde_json::to_value(Preferences::default()).unwrap();
    assert_eq!(require_birthday_field(&doc), Ok(()));
    doc.as_object_mut().unwrap().remove("birthday");
    let err = require_birthday_field(&doc).unwrap_err();
    assert_eq!((err.code(), err.status()), ("validation_failed", 422));
    let stored: Preferences = serde_json::from_value(doc).unwrap();
    assert_eq!(stored.birthday, None);
}

#[test]
fn the_birthday_reward_setting_is_null_by_default_and_checked() {
    assert_eq!(Program::default().birthday_reward, None);
    assert_eq!(
        serde_json::to_value(Program::default()).unwrap()["birthday_reward"],
        Value::Null
    );
    let bad = Program::from_json(
        &json!({"birthday_reward": {"points": 0, "expires_in_days": 36501},
        "default_preferences": {"birthday": "01-01"}}),
    )
    .unwrap();
    let Err(DomainError::Validation(errors)) = bad.validate() else {
        panic!("expected validation errors")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "default_preferences.birthday",
            "birthday_reward.points",
            "birthday_reward.expires_in_days"
        ]
    );
    for half in [json!({"points": 5}), json!({"expires_in_days": 5})] {
        assert!(
            Program::from_json(&json!({"birthday_reward": half})).is_err(),
            "both required"
        );
    }
    let p = program_with(json!({"points": 1, "expires_in_days": 36500}));
    assert_eq!(p.birthday_reward.map(|r| r.points), Some(1));
}

// --- who may change it when ------------------------------------------------

#[test]
fn the_shopper_may_set_it_once_and_change_it_a_year_later() {
    let p = program();
    let t0 = at("2027-01-10T12:00:00Z");
    let mut c = Customer::default();
    set(&mut c, &p, "Europe/Moscow", Some("05-20"), Shopper, t0).unwrap();
    c.take_events();
    let until = t0.plus_days(365);
    for (birthday, when) in [
        (Some("05-21"), t0.plus_days(364)),
        (None, t0.plus_seconds(1)),
    ] {
        let err = set(&mut c, &p, "Europe/Moscow", birthday, Shopper, when).unwrap_err();
        assert_eq!(err, DomainError::BirthdayLocked { until });
        assert_eq!((err.code(), err.status()), ("birthday_locked", 422));
    }
    assert_eq!(
        c.preferences(&p).parsed_birthday(),
        Some(day("05-20")),
        "nothing changed"
    );
    assert!(c.take_events().is_empty());
    // Other fields may change meanwhile.
    set(
        &mut c,
        &p,
        "Asia/Tokyo",
        Some("05-20"),
        Shopper,
        t0.plus_days(2),
    )
    .unwrap();
    set(&mut c, &p, "Asia/Tokyo", Some("05-21"), Shopper, until).unwrap();
    assert_eq!(c.preferences(&p).parsed_birthday(), Some(day("05-21")));
}

#[test]
fn the_merchant_may_always_change_it_and_does_not_count_toward_the_limit() {
    let p = program();
    let t0 = at("2027-01-10T12:00:00Z");
    let mut c = Customer::default();
    // Set by the merchant only: the shopper has no change of theirs to wait for.
    set(&mut c, &p, "Europe/Moscow", Some("05-20"), Merchant, t0).unwrap();
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("06-01"),
        Shopper,
        t0.plus_days(1),
    )
    .unwrap();
    // The merchant's changes go through the shopper's year...
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("07-01"),
        Merchant,
        t0.plus_days(2),
    )
    .unwrap();
    set(&mut c, &p, "Europe/Moscow", None, Merchant, t0.plus_days(3)).unwrap();
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("08-01"),
        Merchant,
        t0.plus_days(4),
    )
    .unwrap();
    // ...and do not move it: it still runs from the shopper's own change.
    let err = set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("09-01"),
        Shopper,
        t0.plus_days(300),
    );
    assert_eq!(
        err,
        Err(DomainError::BirthdayLocked {
            until: t0.plus_days(366)
        })
    );
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("09-01"),
        Shopper,
        t0.plus_days(366),
    )
    .unwrap();
}

#[test]
fn a_null_birthday_may_be_set_whenever() {
    let p = program();
    let t0 = at("2027-01-10T12:00:00Z");
    let mut c = Customer::default();
    set(&mut c, &p, "Europe/Moscow", Some("05-20"), Shopper, t0).unwrap();
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        None,
        Shopper,
        t0.plus_days(400),
    )
    .unwrap();
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("06-20"),
        Shopper,
        t0.plus_days(401),
    )
    .unwrap();
    let err = set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("07-20"),
        Shopper,
        t0.plus_days(402),
    );
    assert_eq!(
        err,
        Err(DomainError::BirthdayLocked {
            until: t0.plus_days(401 + 365)
        })
    );
}

// --- the reward --------------------------------------------------------------

#[test]
fn the_reward_is_credited_at_nine_local_time_and_its_reminder_planned() {
    let p = program();
    let mut c = customer(&p, "03-15");
    let birthday = at("2027-03-15T06:00:00Z"); // 09:00 in Moscow
    assert_eq!(c.next_wake(&p, at("2026-12-01T12:00:00Z")), Some(birthday));
    let before = c.view("c-1", &p, at("2027-01-01T00:00:00Z")).loyalty;
    assert_eq!(
        serde_json::to_value(before.birthday_reward).unwrap(),
        json!({"points": 100, "on": "2027-03-15"})
    );
    assert!(catch_up(&mut c, &p, birthday.plus_seconds(-1)).is_empty());
    assert_eq!(credits(&c), []);
    let due = catch_up(&mut c, &p, birthday);
    assert_eq!(credits(&c), [(100, birthday)]);
    // The points expire in 30 days, the shopper's first lead time, so
    // their `points_expiring` reminder falls due at the same instant.
    let due: Vec<&OutboxItem> = due
        .iter()
        .filter(|i| i.kind != ReminderKind::PointsExpiring)
        .collect();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].kind, due[0].topic),
        (ReminderKind::BirthdayReward, Topic::RewardUpdates)
    );
    assert_eq!(
        due[0].data,
        json!({"points": 100, "expires_at": "2027-04-14T06:00:00Z"})
    );
    assert_eq!(due[0].send_at, birthday);
    let view = c.view("c-1", &p, birthday);
    let loyalty = &view.loyalty;
    assert_eq!(
        (loyalty.balance, loyalty.pending),
        (100, 0),
        "available at once"
    );
    assert_eq!(loyalty.lifetime_earned, 100);
    assert_eq!(
        (loyalty.qualifying_points, loyalty.tier.id.as_str()),
        (0, "base")
    );
    assert_eq!(loyalty.expiring.len(), 1);
    assert_eq!(loyalty.expiring[0].expires_at, at("2027-04-14T06:00:00Z"));
    assert_eq!(
        serde_json::to_value(loyalty.birthday_reward).unwrap(),
        json!({"points": 100, "on": "2028-03-15"})
    );
    assert_eq!(
        serde_json::to_value(&view).unwrap()["preferences"]["birthday"],
        "03-15"
    );
}

#[test]
fn a_read_before_the_store_wakes_already_shows_the_reward() {
    let p = program();
    let c = customer(&p, "03-15");
    let later = at("2027-03-15T06:00:01Z");
    assert_eq!(c.view("c-1", &p, later).loyalty.balance, 100);
    let page = c.activity(&p, later, 10, None, Vec::new());
    assert_eq!(page.items[0].description, "Birthday reward");
    assert_eq!(credits(&c), [], "reading changes nothing");
}

#[test]
fn feb_29_is_rewarded_on_feb_28_in_other_years() {
    let p = program();
    let mut c = customer(&p, "02-29");
    let view = c.view("c-1", &p, at("2027-01-01T00:00:00Z"));
    assert_eq!(
        view.loyalty.birthday_reward.unwrap().on.to_string(),
        "2027-02-28"
    );
    assert_eq!(
        c.next_wake(&p, at("2027-01-01T00:00:00Z")),
        Some(at("2027-02-28T06:00:00Z"))
    );
    catch_up(&mut c, &p, at("2027-02-28T06:00:00Z"));
    assert_eq!(credits(&c), [(100, at("2027-02-28T06:00:00Z"))]);
    let view = c.view("c-1", &p, at("2027-03-01T00:00:00Z"));
    assert_eq!(
        view.loyalty.birthday_reward.unwrap().on.to_string(),
        "2028-02-29"
    );
    catch_up(&mut c, &p, at("2028-02-28T06:00:00Z"));
    assert_eq!(credits(&c).len(), 1, "not on Feb 28 in a leap year");
    catch_up(&mut c, &p, at("2028-02-29T06:00:00Z"));
    assert_eq!(credits(&c)[1], (100, at("2028-02-29T06:00:00Z")));
}

#[test]
fn in_a_dst_gap_at_nine_the_reward_comes_at_the_first_instant_after_it() {
    // Athens sprang forward at 09:00 on 1 April 1979: from 09:00 EET the
    // clocks showed 10:00 EEST (07:00Z), so 09:00 did not occur that day.
    let athens = zone("Europe/Athens");
    let gap_end = at("1979-04-01T07:00:00Z");
    assert_eq!(athens.offset_seconds(gap_end.plus_seconds(-1)), 2 * 3_600);
    assert_eq!(athens.offset_seconds(gap_end), 3 * 3_600);
    assert_eq!(reward_instant(day("04-01"), 1979, &athens), gap_end);
    // A year later summer time had begun already: 09:00 EEST.
    assert_eq!(
        reward_instant(day("04-01"), 1980, &athens),
        at("1980-04-01T06:00:00Z")
    );

    let p = program();
    let mut c = Customer::default();
    let then = at("1979-01-01T12:00:00Z");
    set(&mut c, &p, "Europe/Athens", Some("04-01"), Shopper, then).unwrap();
    catch_up(&mut c, &p, then);
    assert_eq!(c.next_wake(&p, then), Some(gap_end));
    catch_up(&mut c, &p, gap_end.plus_seconds(-1));
    assert_eq!(credits(&c), []);
    catch_up(&mut c, &p, gap_end);
    assert_eq!(credits(&c), [(100, gap_end)]);
    assert_eq!(birthday_items(&c)[0].send_at, gap_end);
}

#[test]
fn when_nine_occurs_twice_the_first_counts() {
    // Kwajalein moved from UTC+11 to UTC-12 at 00:00 local on 1 October
    // 1969, so 30 September ran twice: 09:00 at 22:00Z and at 21:00Z a day
    // later.
    let kwajalein = zone("Pacific/Kwajalein");
    assert_eq!(
        reward_instant(day("09-30"), 1969, &kwajalein),
        at("1969-09-29T22:00:00Z")
    );
}

#[test]
fn once_per_year_across_restarts() {
    let p = program();
    let mut c = customer(&p, "03-15");
    let birthday = at("2027-03-15T06:00:00Z");
    for now in [
        birthday,
        birthday,
        birthday.plus_hours(1),
        at("2027-12-31T20:59:59Z"),
    ] {
        c = restart(&c);
        catch_up(&mut c, &p, now);
        c = restart(&c);
        catch_up(&mut c, &p, now);
    }
    assert_eq!(credits(&c), [(100, birthday)]);
    assert_eq!(birthday_items(&c).len(), 1);
    let stored = serde_json::to_value(&c).unwrap();
    assert_eq!(stored["birthday"]["rewarded_on"], "2027-03-15T00:00:00Z");
    assert_eq!(c.birthday.rewarded_year(), Some(2027));
    c = restart(&c);
    catch_up(&mut c, &p, at("2028-03-15T06:00:00Z"));
    c = restart(&c);
    catch_up(&mut c, &p, at("2028-03-15T06:00:00Z"));
    assert_eq!(credits(&c).len(), 2);
    assert_eq!(birthday_items(&c).len(), 2);
}

#[test]
fn a_handler_that_was_down_credits_it_when_back_dated_at_the_birthday() {
    let p = program();
    let mut c = customer(&p, "03-15");
    catch_up(&mut c, &p, at("2027-03-01T00:00:00Z"));
    let back = at("2027-03-20T00:00:00Z");
    catch_up(&mut c, &p, back);
    let birthday = at("2027-03-15T06:00:00Z");
    assert_eq!(credits(&c), [(100, birthday)]);
    let due = birthday_items(&c);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].data["expires_at"], "2027-04-14T06:00:00Z");
    assert_eq!(due[0].send_at, birthday, "decided at its planned instant");
    c = restart(&c);
    catch_up(&mut c, &p, back.plus_days(1));
    assert_eq!(credits(&c).len(), 1);
}

#[test]
fn back_after_the_points_expired_the_reward_is_credited_but_not_announced() {
    let p = program();
    let mut c = customer(&p, "03-15");
    catch_up(&mut c, &p, at("2027-03-01T00:00:00Z"));
    // Down for more than the 30 days the points last: like any reminder
    // whose subject has passed, the message is left out.
    catch_up(&mut c, &p, at("2027-04-20T00:00:00Z"));
    assert_eq!(credits(&c), [(100, at("2027-03-15T06:00:00Z"))]);
    assert_eq!(
        c.view("c-1", &p, at("2027-04-20T00:00:00Z"))
            .loyalty
            .balance,
        0
    );
    assert!(birthday_items(&c).is_empty());
}

#[test]
fn the_program_in_force_at_the_birthday_decides() {
    let none = Program::default();
    let p = program();
    let mut c = customer(&none, "03-15");
    let birthday = at("2027-03-15T06:00:00Z");
    // Without a reward the customer is still woken at the birthday...
    assert_eq!(
        c.next_wake(&none, at("2027-01-01T00:00:00Z")),
        Some(birthday)
    );
    assert_eq!(c.view("c-1", &none, birthday).loyalty.birthday_reward, None);
    catch_up(&mut c, &none, birthday);
    // ...so a reward the merchant adds afterwards starts next year.
    catch_up(&mut c, &p, at("2027-03-20T00:00:00Z"));
    assert_eq!(credits(&c), []);
    assert_eq!(
        c.next_wake(&p, at("2027-05-01T00:00:00Z")),
        Some(at("2028-03-15T06:00:00Z"))
    );
    catch_up(&mut c, &p, at("2028-03-15T06:00:00Z"));
    assert_eq!(credits(&c), [(100, at("2028-03-15T06:00:00Z"))]);
    // The points are the program's of that instant.
    let richer = program_with(json!({"points": 250, "expires_in_days": 10}));
    catch_up(&mut c, &richer, at("2029-03-15T06:00:00Z"));
    assert_eq!(credits(&c)[1], (250, at("2029-03-15T06:00:00Z")));
}

#[test]
fn a_birthday_set_less_than_30_days_before_waits_a_year() {
    let p = program();
    let birthday = at("2027-03-15T06:00:00Z");
    for (set_at, rewarded) in [
        (birthday.plus_days(-30), true),
        (birthday.plus_days(-30).plus_seconds(1), false),
    ] {
        let mut c = Customer::default();
        set(&mut c, &p, "Europe/Moscow", Some("03-15"), Shopper, set_at).unwrap();
        catch_up(&mut c, &p, set_at);
        let next = c.view("c-1", &p, set_at).loyalty.birthday_reward.unwrap();
        let expected_year = if rewarded { "2027-03-15" } else { "2028-03-15" };
        assert_eq!(next.on.to_string(), expected_year);
        catch_up(&mut c, &p, birthday);
        assert_eq!(credits(&c).len(), usize::from(rewarded), "set at {set_at}");
    }
}

#[test]
fn a_merchants_late_change_also_waits_a_year_and_a_year_is_rewarded_once() {
    let p = program();
    let mut c = customer(&p, "05-20");
    // The merchant moves it to a date 10 days ahead: not rewarded this year.
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("03-15"),
        Merchant,
        at("2027-03-05T00:00:00Z"),
    )
    .unwrap();
    catch_up(&mut c, &p, at("2027-03-15T06:00:00Z"));
    catch_up(&mut c, &p, at("2027-05-20T06:00:00Z"));
    assert_eq!(credits(&c), []);
    catch_up(&mut c, &p, at("2028-03-15T06:00:00Z"));
    assert_eq!(credits(&c).len(), 1);
    // Moved later in the same year: 2028 was rewarded already.
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("12-20"),
        Merchant,
        at("2028-04-01T00:00:00Z"),
    )
    .unwrap();
    let next = c
        .view("c-1", &p, at("2028-04-01T00:00:00Z"))
        .loyalty
        .birthday_reward;
    assert_eq!(next.unwrap().on.to_string(), "2029-12-20");
    catch_up(&mut c, &p, at("2028-12-20T06:00:00Z"));
    assert_eq!(credits(&c).len(), 1);
    catch_up(&mut c, &p, at("2029-12-20T06:00:00Z"));
    assert_eq!(credits(&c).len(), 2);
}

#[test]
fn no_birthday_no_reward_and_no_wake() {
    let p = program();
    let mut c = Customer::default();
    catch_up(&mut c, &p, at("2027-01-01T00:00:00Z"));
    assert_eq!(c.next_wake(&p, at("2027-01-01T00:00:00Z")), None);
    assert_eq!(
        c.view("c-1", &p, at("2027-01-01T00:00:00Z"))
            .loyalty
            .birthday_reward,
        None
    );
    let stored = serde_json::to_value(&c).unwrap();
    assert!(
        stored.get("birthday").is_none(),
        "no new key in a state that does not need it"
    );
}

#[test]
fn a_customer_stored_before_birthdays_addons_and_invites_still_loads() {
    let stored = json!({
        "ledger": {"lots": [], "orders": [], "last_activity": null, "lifetime_earned": 0,
                   "forgotten_qualifying": 0, "next_id": 0},
        "subscriptions": [{"subscription": {"id": "sub-1", "product_id": "coffee",
            "variant_id": "coffee-250g", "title": "Coffee beans 250 g", "quantity": 1,
            "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
            "status": "active", "next_charge_on": "2027-01-31", "anchor_day": 31,
            "paused_until": null, "cancel_reason": null, "discount_percent": null}}],
        "preferences": {"channels": {"email": {"enabled": true}, "sms": {"enabled": false},
                "whatsapp": {"enabled": false}, "telegram": {"enabled": false},
                "viber": {"enabled": false}, "push": {"enabled": false}},
            "channel_order": ["email", "sms", "whatsapp", "telegram", "viber", "push"],
            "topics": {"promotions": true, "reward_updates": true, "new_products": true,
                "recommendations": true, "order_updates": true, "subscription_updates": true},
            "marketing_unsubscribed": false, "max_per_week": null, "time_zone": "Europe/Moscow",
            "quiet_hours": null, "snoozed_until": null, "expiry_reminder_days": [30, 7],
            "locale": "ru"},
        "contact": {"marketing_sends": [], "reviews": []},
        "redemptions": [],
        "reminders": {"done": {}, "planned_through": "2027-01-01T00:00:00Z", "tier": null},
        "outbox": []
    });
    let mut c: Customer = serde_json::from_value(stored).expect("an old state loads");
    let p = program();
    assert_eq!(c.preferences(&p).birthday, None);
    assert!(c.subscriptions[0].subscription.onetime_items.is_empty());
    assert!(c.review_invites.is_empty());
    catch_up(&mut c, &p, at("2027-01-02T00:00:00Z"));
    set(
        &mut c,
        &p,
        "Europe/Moscow",
        Some("03-15"),
        Shopper,
        at("2027-01-02T00:00:00Z"),
    )
    .unwrap();
    catch_up(&mut c, &p, at("2027-03-15T06:00:00Z"));
    assert_eq!(credits(&c).len(), 1);
}

// --- properties ---------------------------------------------------------------

const ZONES: [&str; 8] = [
    "Europe/Moscow",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Pacific/Apia",
    "Europe/Athens",
];

fn local(zone: &Zone, t: Instant) -> i64 {
    t.unix() + i64::from(zone.offset_seconds(t))
}

proptest! {
    /// Around every offset change of these zones, `instant_of` agrees with
    /// jiff: the wall time itself, its first occurrence in a fold, and in a
    /// gap the change itself (offset before it, after it, and the wall time
    /// skipped between).
    #[test]
    fn local_times_resolve_as_jiff_and_the_spec_say(
        z in 0usize..ZONES.len(),
        year in 1970i16..2038,
        nth in 0usize..3,
        second in 0u32..86_400,
        shift in -1i64..=1,
    ) {
        let zone = zone(ZONES[z]);
        let tz = jiff::tz::TimeZone::get(ZONES[z]).unwrap();
        let start = Instant::start_of(jiff::civil::date(year, 1, 1));
        let mut change = start;
        for _ in 0..=nth {
            change = zone.next_change(change, change.plus_days(400)).unwrap_or(change);
        }
        let date = retention_core::time::add_days(
            Instant::from_unix(local(&zone, change.plus_seconds(-1))).date(),
            shift,
        );
        let wall = Instant::start_of(date).unix() + i64::from(second);
        let got = zone.instant_of(date, second);
        let civil = date.at((second / 3600) as i8, (second / 60 % 60) as i8, (second % 60) as i8, 0);
        let ambiguous = tz.to_ambiguous_timestamp(civil);
        match ambiguous.offset() {
            jiff::tz::AmbiguousOffset::Gap { before, after } => {
                prop_assert_eq!(zone.offset_seconds(got.plus_seconds(-1)), before.seconds());
                prop_assert_eq!(zone.offset_seconds(got), after.seconds());
                prop_assert!(local(&zone, got.plus_seconds(-1)) < wall && wall < local(&zone, got));
            }
            _ => {
                let first = ambiguous.earlier().unwrap();
                prop_assert_eq!(got, Instant::from_timestamp(first));
            }
        }
    }

    /// A store that wakes the customer at least every 200 days, restarts
    /// between runs and moves new ledger entries to its log, credits
    /// exactly one reward for each birthday at least 30 days after the
    /// birthday was given, each dated at 09:00 local time on it (Feb 28 for
    /// Feb 29 outside leap years), computed here by jiff; and plans its
    /// reminder with it, unless the points had expired by then.
    #[test]
    fn every_birthday_after_the_notice_is_credited_once_at_nine(
        month in 1u8..=12,
        day_seed in 0u8..31,
        z in 0usize..6,
        set_days in 0i64..400,
        gaps in proptest::collection::vec(1i64..4_800, 1..12),
    ) {
        let p = program();
        let max_day = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][usize::from(month - 1)];
        let birthday = MonthDay::new(month, day_seed % max_day + 1).unwrap();
        let set_at = at("2027-01-01T00:00:00Z").plus_days(set_days);
        let mut c = Customer::default();
        let text = birthday.to_string();
        set(&mut c, &p, ZONES[z], Some(&text), Shopper, set_at).unwrap();
        catch_up(&mut c, &p, set_at);
        let mut log = c.ledger.take_unlogged();
        let mut now = set_at;
        for gap in gaps {
            now = now.plus_hours(gap);
            c = restart(&c);
            let before = birthday_items(&c).len();
            catch_up(&mut c, &p, now);
            let new = c.ledger.take_unlogged();
            let live = new
                .iter()
                .filter(|e| e.description == "Birthday reward" && e.at.plus_days(30) > now)
                .count();
            prop_assert_eq!(birthday_items(&c).len() - before, live);
            log.extend(new);
        }
        let credited: Vec<(i64, Instant)> = log
            .iter()
            .filter(|e| e.description == "Birthday reward")
            .map(|e| (e.points, e.at))
            .collect();
        let tz = jiff::tz::TimeZone::get(ZONES[z]).unwrap();
        let expected: Vec<(i64, Instant)> = (2027i16..=2035)
            .filter_map(|year| {
                let last = jiff::civil::date(year, month as i8, 1).last_of_month().day();
                let date = jiff::civil::date(year, month as i8, (birthday.day() as i8).min(last));
                let nine = tz.to_ambiguous_timestamp(date.at(9, 0, 0, 0));
                let instant = Instant::from_timestamp(nine.earlier().unwrap());
                (instant >= set_at.plus_days(30) && instant <= now).then_some((100, instant))
            })
            .collect();
        prop_assert_eq!(credited, expected);
    }
}
