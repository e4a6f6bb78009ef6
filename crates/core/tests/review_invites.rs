//! SPEC 2.7, review follow-ups: a 5-star review of a product sold by
//! subscription, from a customer who does not subscribe to it, plans one
//! `subscribe_invite` three days later, once ever per customer and
//! product; a bad review cancels it while it waits, and subscribing first
//! drops it. It is decided as marketing by its topic alone.

use proptest::prelude::*;
use retention_core::customer::Customer;
use retention_core::events::MerchantEvent;
use retention_core::preferences::ConsentSource;
use retention_core::reminders::{OutboxItem, ReminderKind};
use retention_core::{Decision, Instant, MessageRequest, Preferences, Program, Topic};
use serde_json::{Value, json};

fn at(text: &str) -> Instant {
    text.parse().expect("an instant")
}

fn t0() -> Instant {
    at("2027-01-10T12:00:00Z")
}

/// Coffee and tea are sold by subscription; cake is not.
fn program() -> Program {
    let p = Program::from_json(&json!({"subscriptions": {"swap_options": {
        "coffee": [{"variant_id": "coffee-1kg", "title": "Coffee 1 kg", "price_minor": 300000}],
        "tea": [{"variant_id": "tea-100g", "title": "Tea 100 g", "price_minor": 50000}]}}}))
    .expect("a program");
    p.validate().expect("a valid program");
    p
}

fn apply(c: &mut Customer, p: &Program, event: Value, now: Instant) {
    let event: MerchantEvent = serde_json::from_value(event).expect("an event");
    c.apply_event(p, event, now).expect("applied");
}

fn review(c: &mut Customer, p: &Program, product: &str, rating: u8, now: Instant) {
    apply(
        c,
        p,
        json!({"type": "review_submitted", "product_id": product, "rating": rating}),
        now,
    );
}

fn subscribe(c: &mut Customer, p: &Program, product: &str, status: &str, now: Instant) {
    let (next, paused) = match status {
        "active" => (json!("2027-02-01"), Value::Null),
        "paused" => (Value::Null, json!("2027-03-01")),
        _ => (Value::Null, Value::Null),
    };
    apply(
        c,
        p,
        json!({"type": "subscription_upserted", "subscription": {
            "id": format!("sub-{product}"), "product_id": product,
            "variant_id": format!("{product}-1kg"), "title": "A product", "quantity": 1,
            "price_minor": 100000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
            "status": status, "next_charge_on": next, "paused_until": paused}}),
        now,
    );
}

/// What a store does when the customer wakes or is written.
fn catch_up(c: &mut Customer, p: &Program, now: Instant) -> Vec<OutboxItem> {
    c.settle(p, now);
    c.run_reminders("c-1", p, now)
}

fn invites(c: &Customer) -> Vec<&OutboxItem> {
    c.outbox
        .iter()
        .filter(|i| i.kind == ReminderKind::SubscribeInvite)
        .collect()
}

/// A customer the handler has run for at `t0`.
fn customer(p: &Program) -> Customer {
    let mut c = Customer::default();
    catch_up(&mut c, p, t0());
    c
}

#[test]
fn a_delighted_review_plans_an_invitation_three_days_later() {
    let p = program();
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    catch_up(&mut c, &p, t0());
    let due = t0().plus_days(3);
    assert_eq!(c.next_wake(&p, t0()), Some(due));
    assert!(catch_up(&mut c, &p, due.plus_seconds(-1)).is_empty());
    let sent = catch_up(&mut c, &p, due);
    assert_eq!(sent.len(), 1);
    let item = &sent[0];
    assert_eq!(
        (item.kind, item.topic),
        (ReminderKind::SubscribeInvite, Topic::Recommendations)
    );
    assert_eq!(item.data, json!({"product_id": "coffee", "rating": 5}));
    // 12:00Z is 15:00 in Moscow: outside the legal floor.
    assert_eq!(item.send_at, due);
    assert_eq!(
        serde_json::to_value(item).unwrap()["kind"],
        "subscribe_invite"
    );
    assert!(
        catch_up(&mut c, &p, due.plus_days(10)).is_empty(),
        "never twice"
    );
    assert_eq!(c.next_wake(&p, due), None);
}

#[test]
fn only_five_stars_for_a_product_sold_by_subscription_from_a_non_subscriber_count() {
    let p = program();
    let cases: [(&str, u8, Option<&str>, bool); 7] = [
        ("coffee", 4, None, false),
        ("cake", 5, None, false),
        ("coffee", 5, Some("active"), false),
        ("coffee", 5, Some("paused"), false),
        ("coffee", 5, Some("cancelled"), true),
        ("tea", 5, Some("active"), true), // subscribes to coffee, not to tea
        ("coffee", 5, None, true),
    ];
    for (product, rating, subscription, planned) in cases {
        let mut c = customer(&p);
        if let Some(status) = subscription {
            subscribe(&mut c, &p, "coffee", status, t0());
        }
        review(&mut c, &p, product, rating, t0());
        catch_up(&mut c, &p, t0().plus_days(3));
        assert_eq!(
            invites(&c).len(),
            usize::from(planned),
            "{product} {rating} {subscription:?}"
        );
    }
}

#[test]
fn a_later_bad_review_cancels_it_and_it_is_never_planned_twice() {
    let p = program();
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    catch_up(&mut c, &p, t0());
    review(&mut c, &p, "coffee", 2, t0().plus_days(1));
    catch_up(&mut c, &p, t0().plus_days(1));
    assert_eq!(c.next_wake(&p, t0().plus_days(1)), None);
    // A second 5-star review does not plan it again.
    review(&mut c, &p, "coffee", 5, t0().plus_days(2));
    catch_up(&mut c, &p, t0().plus_days(2));
    for day in [3, 5, 30] {
        catch_up(&mut c, &p, t0().plus_days(day));
    }
    assert!(invites(&c).is_empty());
    // Another product is answered on its own.
    review(&mut c, &p, "tea", 5, t0().plus_days(40));
    catch_up(&mut c, &p, t0().plus_days(43));
    assert_eq!(invites(&c).len(), 1);
}

#[test]
fn a_bad_review_cancels_it_until_its_reminder_due_is_written() {
    let p = program();
    // The handler was down when the invitation came due: it is still
    // waiting, so the bad review arriving first cancels it.
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    review(&mut c, &p, "coffee", 1, t0().plus_days(4));
    catch_up(&mut c, &p, t0().plus_days(4));
    assert!(invites(&c).is_empty());
    // Once it was written, a bad review has nothing left to cancel.
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    catch_up(&mut c, &p, t0().plus_days(3));
    review(&mut c, &p, "coffee", 1, t0().plus_days(4));
    assert_eq!(invites(&c).len(), 1);
}

#[test]
fn subscribing_first_drops_it_for_good() {
    let p = program();
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    subscribe(&mut c, &p, "coffee", "active", t0().plus_days(1));
    // Cancelled again before the invitation's day: it stays dropped.
    subscribe(&mut c, &p, "coffee", "cancelled", t0().plus_days(2));
    catch_up(&mut c, &p, t0().plus_days(3));
    assert!(invites(&c).is_empty());
    assert_eq!(c.review_invites.waiting("coffee"), None);
    assert!(c.review_invites.was_invited("coffee"));
}

#[test]
fn reactivating_a_cancelled_subscription_also_answers_it() {
    let p = program();
    let mut c = customer(&p);
    subscribe(&mut c, &p, "coffee", "cancelled", t0());
    review(&mut c, &p, "coffee", 5, t0());
    assert_eq!(c.review_invites.waiting("coffee"), Some(t0().plus_days(3)));
    c.perform_action(
        &p,
        "sub-coffee",
        &json!({"action": "reactivate"}),
        t0().plus_days(1),
    )
    .unwrap();
    catch_up(&mut c, &p, t0().plus_days(3));
    assert!(invites(&c).is_empty());
}

#[test]
fn it_is_marketing_by_topic_alone_and_outside_the_weekly_cap() {
    let p = program();
    // Recommendations switched off: suppressed, nothing in the outbox.
    let mut c = customer(&p);
    let prefs = Preferences {
        topics: retention_core::preferences::Topics {
            recommendations: false,
            ..p.default_preferences.topics
        },
        ..p.default_preferences.clone()
    };
    c.save_preferences(&p, prefs, ConsentSource::Shopper, t0())
        .unwrap();
    review(&mut c, &p, "coffee", 5, t0());
    assert!(catch_up(&mut c, &p, t0().plus_days(3)).is_empty());
    assert_eq!(c.review_invites.waiting("coffee"), None, "handled");

    // A cap of 1 already reached by a merchant's message: still sent, and
    // not counted toward the cap.
    let mut c = customer(&p);
    let prefs = Preferences {
        max_per_week: Some(1),
        ..p.default_preferences.clone()
    };
    c.save_preferences(&p, prefs, ConsentSource::Shopper, t0())
        .unwrap();
    review(&mut c, &p, "coffee", 5, t0());
    let ask = MessageRequest {
        topic: Topic::Promotions,
        importance: None,
        product_ids: None,
        urgent: None,
    };
    let first = c.decide_message(&p, &ask, t0().plus_days(2)).unwrap();
    assert_eq!(first.decision, Decision::Send);
    assert_eq!(catch_up(&mut c, &p, t0().plus_days(3)).len(), 1);
    assert_eq!(c.contact.sends_in_last_week(t0().plus_days(3)), 1);

    // Quiet time: deferred to the end of the legal floor (08:00 Moscow).
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, at("2027-01-10T20:00:00Z")); // 23:00 in Moscow
    let sent = catch_up(&mut c, &p, at("2027-01-13T20:00:00Z"));
    assert_eq!(sent[0].send_at, at("2027-01-14T05:00:00Z"));
}

#[test]
fn the_invitation_and_its_memory_survive_a_restart() {
    let p = program();
    let mut c = customer(&p);
    review(&mut c, &p, "coffee", 5, t0());
    let stored = serde_json::to_value(&c).unwrap();
    assert_eq!(
        stored["review_invites"],
        json!({"coffee": "2027-01-13T12:00:00Z"})
    );
    let mut c: Customer = serde_json::from_value(stored).unwrap();
    assert_eq!(catch_up(&mut c, &p, t0().plus_days(3)).len(), 1);
    let stored = serde_json::to_value(&c).unwrap();
    assert_eq!(
        stored["review_invites"],
        json!({"coffee": "1970-01-01T00:00:00Z"})
    );
    let mut c: Customer = serde_json::from_value(stored).unwrap();
    review(&mut c, &p, "coffee", 5, t0().plus_days(200));
    assert!(catch_up(&mut c, &p, t0().plus_days(300)).is_empty());
}

// --- a property: against a model of the rules -------------------------------

proptest! {
    /// Whatever reviews arrive when, with the store waking the customer at
    /// `next_wake` between them: each product gets at most one
    /// invitation, exactly when its first 5-star review was not followed
    /// by a review of 2 stars or less within the 3 days before it fell due.
    #[test]
    fn invitations_follow_the_model(
        reviews in proptest::collection::vec((0usize..3, 1u8..=5, 1i64..100), 1..25),
    ) {
        let p = program();
        let products = ["coffee", "tea", "cake"];
        let mut c = customer(&p);
        let mut now = t0();
        // The model: product → when its first 5-star review came.
        let mut first_five: Vec<Option<Instant>> = vec![None; 3];
        let mut cancelled = [false; 3];
        for (i, rating, hours) in reviews {
            let mut last = now;
            now = now.plus_hours(hours);
            while let Some(wake) = c.next_wake(&p, last).filter(|w| *w < now) {
                catch_up(&mut c, &p, wake);
                last = wake;
            }
            review(&mut c, &p, products[i], rating, now);
            catch_up(&mut c, &p, now);
            match (rating, first_five[i]) {
                (5, None) if products[i] != "cake" => first_five[i] = Some(now),
                // A review at the very instant it falls due comes before the
                // wake here, so it still cancels.
                (1 | 2, Some(first)) if now <= first.plus_days(3) => cancelled[i] = true,
                _ => {}
            }
        }
        catch_up(&mut c, &p, now.plus_days(4));
        for (i, product) in products.iter().enumerate() {
            let sent: Vec<&OutboxItem> = invites(&c)
                .into_iter()
                .filter(|item| item.data["product_id"] == *product)
                .collect();
            let expected = first_five[i].is_some() && !cancelled[i];
            prop_assert_eq!(sent.len(), usize::from(expected), "{}", product);
            if let (Some(item), Some(first)) = (sent.first(), first_five[i]) {
                // Planned 3 days after the review, sent then or after quiet time.
                let key = format!("subscribe_invite:{product}");
                prop_assert_eq!(c.reminders.done.get(&key), Some(&first.plus_days(3)));
                prop_assert!(item.send_at >= first.plus_days(3));
            }
        }
    }
}
