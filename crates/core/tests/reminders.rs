//! Reminders the handler plans by itself: which fall due between two
//! instants, decided at their planned instant, never the same one twice.

use proptest::prelude::*;
use retention_core::customer::Customer;
use retention_core::events::MerchantEvent;
use retention_core::preferences::ConsentSource;
use retention_core::program::Tier;
use retention_core::reminders::ReminderKind;
use retention_core::{Channel, Instant, Program};
use serde_json::json;

fn at(text: &str) -> Instant {
    text.parse().unwrap()
}

fn apply(c: &mut Customer, p: &Program, body: serde_json::Value, now: Instant) {
    c.apply_event(
        p,
        serde_json::from_value::<MerchantEvent>(body).unwrap(),
        now,
    )
    .unwrap();
}

/// A customer with 500 points earned 2027-01-10T12:00Z that expire on
/// 2027-04-10T12:00Z (90 days), reminders at 30 and 7 days before.
fn customer_with_points() -> (Customer, Program) {
    customer_with_points_earned_at(at("2027-01-10T12:00:00Z"))
}

/// A customer with 500 points earned at `t0` that expire 90 days later.
fn customer_with_points_earned_at(t0: Instant) -> (Customer, Program) {
    let p = Program::from_json(&json!({"expiry": {"after_earn_days": 90}})).unwrap();
    let mut c = Customer::default();
    c.run_reminders("c-1", &p, t0);
    apply(
        &mut c,
        &p,
        json!({"type": "order_paid", "order_id": "o", "amount_minor": 50_000, "currency": "RUB"}),
        t0,
    );
    (c, p)
}

#[test]
fn expiry_reminders_fall_due_at_each_lead_time_once() {
    let (mut c, p) = customer_with_points();
    assert_eq!(
        c.next_wake(&p, at("2027-01-10T12:00:00Z")),
        Some(at("2027-03-11T12:00:00Z"))
    );
    assert!(
        c.run_reminders("c-1", &p, at("2027-03-11T11:59:59Z"))
            .is_empty()
    );
    let due = c.run_reminders("c-1", &p, at("2027-03-11T12:00:00Z"));
    assert_eq!(due.len(), 1);
    let item = &due[0];
    assert_eq!(
        (item.kind, item.channel),
        (ReminderKind::PointsExpiring, Channel::Email)
    );
    assert_eq!(item.data["points"], 500);
    assert_eq!(item.data["expires_at"], "2027-04-10T12:00:00Z");
    assert_eq!(item.data["days_before"], 30);
    // 12:00Z is 15:00 in Moscow: outside the legal floor, sent at once.
    assert_eq!(item.send_at, at("2027-03-11T12:00:00Z"));
    assert!(
        c.run_reminders("c-1", &p, at("2027-03-11T12:00:00Z"))
            .is_empty(),
        "never twice"
    );
    assert!(
        c.run_reminders("c-1", &p, at("2027-03-20T00:00:00Z"))
            .is_empty()
    );
    // Catching up late still plans the 7-day reminder at its own instant.
    let late = c.run_reminders("c-1", &p, at("2027-04-05T00:00:00Z"));
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].data["days_before"], 7);
    assert_eq!(late[0].send_at, at("2027-04-03T12:00:00Z"));
    assert!(
        c.run_reminders("c-1", &p, at("2027-05-01T00:00:00Z"))
            .is_empty()
    );
}

#[test]
fn reminders_wait_for_the_end_of_quiet_time() {
    // Earned at 18:30Z = 21:30 Moscow: the reminder 30 days before the
    // expiry falls in the legal floor (21:00–08:00) and waits until 08:00.
    let (mut c, p) = customer_with_points_earned_at(at("2027-01-10T18:30:00Z"));
    let due = c.run_reminders("c-1", &p, at("2027-03-12T00:00:00Z"));
    assert_eq!(due[0].send_at, at("2027-03-12T05:00:00Z"));
    assert!(c.due_outbox(at("2027-03-12T04:59:59Z")).is_empty());
    assert_eq!(c.due_outbox(at("2027-03-12T05:00:00Z")).len(), 1);
}

#[test]
fn renewal_reminders_are_transactional_and_survive_unsubscribing() {
    let (mut c, p) = customer_with_points();
    let now = at("2027-01-11T00:00:00Z");
    apply(
        &mut c,
        &p,
        json!({"type": "subscription_upserted", "subscription": {
        "id": "sub-1", "product_id": "coffee", "variant_id": "v", "title": "Coffee", "quantity": 2,
        "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
        "status": "active", "next_charge_on": "2027-02-10"}}),
        now,
    );
    let mut prefs = p.default_preferences.clone();
    prefs.marketing_unsubscribed = true;
    c.save_preferences(&p, prefs, ConsentSource::Shopper, now)
        .unwrap();
    // The points' reminder (2027-03-11) is later than this run.
    let due = c.run_reminders("c-1", &p, at("2027-02-08T00:00:00Z"));
    let kinds: Vec<_> = due.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [ReminderKind::RenewalUpcoming],
        "marketing reminders are suppressed"
    );
    // Planned 3 days before the 00:00Z charge = 03:00 Moscow, inside the
    // floor: deferred to 08:00 Moscow.
    assert_eq!(due[0].send_at, at("2027-02-07T05:00:00Z"));
    assert_eq!(due[0].data["next_charge_on"], "2027-02-10");
}

#[test]
fn a_tier_change_is_announced_once() {
    let (mut c, mut p) = customer_with_points();
    p.tiers.push(Tier {
        id: "gold".into(),
        name: "Gold".into(),
        threshold: 600,
        multiplier_percent: 100,
    });
    let t1 = at("2027-01-12T12:00:00Z");
    assert!(c.run_reminders("c-1", &p, t1).is_empty());
    apply(
        &mut c,
        &p,
        json!({"type": "order_paid", "order_id": "o2", "amount_minor": 20_000, "currency": "RUB"}),
        t1,
    );
    let due = c.run_reminders("c-1", &p, t1);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, ReminderKind::TierChanged);
    assert_eq!(due[0].data["tier"]["id"], "gold");
    assert_eq!(due[0].data["previous_tier"]["id"], "base");
    assert!(c.run_reminders("c-1", &p, t1.plus_hours(1)).is_empty());
}

#[test]
fn the_outbox_lists_due_items_until_acked() {
    let (mut c, p) = customer_with_points();
    let due = c.run_reminders("c-1", &p, at("2027-03-11T12:00:00Z"));
    let id = due[0].id.clone();
    assert_eq!(c.due_outbox(at("2027-03-11T12:00:00Z")).len(), 1);
    assert!(c.ack(&id));
    assert!(!c.ack(&id), "an unknown id is reported");
    assert!(c.due_outbox(at("2027-03-11T12:00:00Z")).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// However the planner's runs are spaced, every reminder comes out
    /// exactly once: the same set as one run at the end (before the
    /// expiry, after which a late single run rightly skips it).
    #[test]
    fn reminders_are_never_sent_twice(steps in proptest::collection::vec(1i64..2_000, 1..40)) {
        let (mut c, p) = customer_with_points();
        let mut once = c.clone();
        let mut now = at("2027-01-10T12:00:00Z");
        let last = at("2027-04-10T11:59:59Z");
        let mut ids = Vec::new();
        for hours in steps {
            now = now.plus_hours(hours).min(last);
            ids.extend(c.run_reminders("c-1", &p, now).into_iter().map(|i| i.id));
        }
        let mut all: Vec<String> = once.run_reminders("c-1", &p, now).into_iter().map(|i| i.id).collect();
        let mut seen = ids.clone();
        seen.sort();
        seen.dedup();
        prop_assert_eq!(seen.len(), ids.len(), "an id came twice");
        ids.sort();
        all.sort();
        prop_assert_eq!(ids, all);
    }
}

#[test]
fn points_recorded_after_their_reminder_instants_get_one_late_reminder() {
    // Reminders 30 and 7 days ahead; points imported today expire in 3 days.
    let p = Program::from_json(&json!({"expiry": {"after_earn_days": 365}})).unwrap();
    let mut c = Customer::default();
    let now = at("2027-05-01T10:00:00Z");
    apply(
        &mut c,
        &p,
        json!({"type": "points_adjusted", "points": 300, "reason": "import",
        "expires_at": "2027-05-04T10:00:00Z", "at": "2026-06-01T00:00:00Z"}),
        now,
    );
    let due = c.run_reminders("c-1", &p, now);
    assert_eq!(due.len(), 1, "one late reminder, not one per lead");
    assert_eq!(due[0].data["days_before"], 7);
    assert_eq!(due[0].data["points"], 300);
    assert_eq!(
        due[0].send_at, now,
        "10:00Z is 13:00 in Moscow: sent at once"
    );
    assert!(
        c.run_reminders("c-1", &p, at("2027-05-03T00:00:00Z"))
            .is_empty(),
        "never twice"
    );

    // Points expiring in 10 days: the 7-day reminder comes on time, the
    // 30-day one, long passed, is not sent late.
    let later = at("2027-05-05T10:00:00Z");
    apply(
        &mut c,
        &p,
        json!({"type": "points_adjusted", "points": 50, "reason": "import",
        "expires_at": "2027-05-15T10:00:00Z"}),
        later,
    );
    assert!(c.run_reminders("c-1", &p, later).is_empty());
    let due = c.run_reminders("c-1", &p, at("2027-05-08T10:00:00Z"));
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].data["days_before"].as_u64(), due[0].send_at),
        (Some(7), at("2027-05-08T10:00:00Z"))
    );
}
