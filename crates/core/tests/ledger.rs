//! The points ledger, rule by rule (SPEC 2.1–2.4), with the SPEC's own
//! examples.

use retention_core::ledger::{EntryKind, Ledger, PointsAt, activity_page};
use retention_core::program::{ExpiryPolicy, Program, Tier};
use retention_core::tiers;
use retention_core::{DomainError, Instant};

fn at(text: &str) -> Instant {
    text.parse().unwrap()
}

fn program(after_earn: Option<u32>, inactivity: Option<u32>, pending: u32) -> Program {
    Program {
        expiry: ExpiryPolicy {
            after_earn_days: after_earn,
            inactivity_days: inactivity,
        },
        pending_days: pending,
        ..Program::default()
    }
}

/// A tier of `threshold` qualifying points earning at `multiplier_percent`.
fn tier(id: &str, name: &str, threshold: i64, multiplier_percent: u32) -> Tier {
    Tier {
        id: id.into(),
        name: name.into(),
        threshold,
        multiplier_percent,
    }
}

fn earn(
    ledger: &mut Ledger,
    p: &Program,
    order: &str,
    amount: i64,
    paid_at: Instant,
    now: Instant,
) -> i64 {
    let multiplier = tiers::multiplier_at(ledger, p, paid_at);
    ledger
        .earn_order(p, order, amount, paid_at, multiplier, now)
        .unwrap()
}

#[test]
fn two_lots_expire_on_their_own_dates() {
    // SPEC 1: "300 expire 12 Mar, 150 expire 4 Jun".
    let p = program(Some(365), None, 0);
    let mut l = Ledger::default();
    earn(
        &mut l,
        &p,
        "A-1",
        30_000,
        at("2026-03-12T10:00:00Z"),
        at("2026-03-12T10:00:00Z"),
    );
    earn(
        &mut l,
        &p,
        "A-2",
        15_000,
        at("2026-06-04T08:00:00Z"),
        at("2026-06-04T08:00:00Z"),
    );
    let now = at("2026-12-01T00:00:00Z");
    let view = l.as_of(&p, now);
    assert_eq!(view.balance(now), 450);
    assert_eq!(
        view.expiring(&p.expiry, now),
        vec![
            PointsAt {
                points: 300,
                at: at("2027-03-12T10:00:00Z")
            },
            PointsAt {
                points: 150,
                at: at("2027-06-04T08:00:00Z")
            },
        ]
    );
    // One second after the first expiry, only the second batch is left,
    // and the expiry shows in the history before anything is written.
    let later = at("2027-03-12T10:00:01Z");
    let view = l.as_of(&p, later);
    assert_eq!(view.balance(later), 150);
    let expire = view
        .entries
        .iter()
        .find(|e| e.kind == EntryKind::Expire)
        .unwrap();
    assert_eq!(
        (expire.points, expire.at),
        (-300, at("2027-03-12T10:00:00Z"))
    );
    assert_eq!(
        l.as_of(&p, at("2027-03-12T09:59:59Z"))
            .balance(at("2027-03-12T09:59:59Z")),
        450
    );
}

#[test]
fn earning_uses_the_formula_and_the_tier_multiplier() {
    // SPEC 2.4: 1 point per 100 kopecks and a 150 % tier: 12 345 kopecks → 185.
    let mut p = program(None, None, 0);
    p.tiers.push(tier("gold", "Gold", 100, 150));
    let mut l = Ledger::default();
    let t0 = at("2026-01-10T12:00:00Z");
    assert_eq!(
        earn(&mut l, &p, "1", 10_000, t0, t0),
        100,
        "base tier earns 100 %"
    );
    let t1 = at("2026-01-11T12:00:00Z");
    assert_eq!(earn(&mut l, &p, "2", 12_345, t1, t1), 185);
    // A backdated order earns at the tier held at its own paid_at.
    assert_eq!(
        earn(&mut l, &p, "3", 12_345, at("2026-01-09T00:00:00Z"), t1),
        123
    );
}

#[test]
fn pending_points_are_shown_not_spendable() {
    let p = program(Some(365), None, 14);
    let mut l = Ledger::default();
    let t0 = at("2026-05-01T00:00:00Z");
    earn(&mut l, &p, "o", 50_000, t0, t0);
    let v = l.as_of(&p, t0);
    assert_eq!((v.balance(t0), v.pending(t0)), (0, 500));
    assert_eq!(
        v.pending_lots(t0),
        vec![PointsAt {
            points: 500,
            at: at("2026-05-15T00:00:00Z")
        }]
    );
    let err = l.clone().redeem(&p, 100, "reward".into(), t0).unwrap_err();
    assert_eq!(
        err,
        DomainError::InsufficientPoints {
            needed: 100,
            balance: 0
        }
    );
    let t1 = at("2026-05-15T00:00:00Z");
    let v = l.as_of(&p, t1);
    assert_eq!((v.balance(t1), v.pending(t1)), (500, 0));
}

#[test]
fn spending_takes_the_soonest_expiring_first_and_never_expiring_last() {
    let p = program(Some(100), None, 0);
    let mut l = Ledger::default();
    let now = at("2026-03-01T00:00:00Z");
    l.adjust(&p, 100, "never", Some(at("2099-01-01T00:00:00Z")), now, now)
        .unwrap();
    earn(&mut l, &p, "late", 10_000, at("2026-02-20T00:00:00Z"), now);
    earn(&mut l, &p, "early", 10_000, at("2026-02-10T00:00:00Z"), now);
    l.redeem(&p, 150, "reward".into(), now).unwrap();
    let remaining: Vec<(i64, i64)> = l
        .lots
        .iter()
        .map(|lot| (lot.points, lot.remaining))
        .collect();
    // Lots in recording order: never-expiring (2099), late, early.
    assert_eq!(remaining, vec![(100, 100), (100, 50), (100, 0)]);
}

#[test]
fn duplicate_orders_change_nothing() {
    let p = program(Some(365), None, 0);
    let mut l = Ledger::default();
    let t0 = at("2026-05-01T00:00:00Z");
    earn(&mut l, &p, "o-1", 10_000, t0, t0);
    let before = l.clone();
    let err = l.earn_order(&p, "o-1", 99_999, t0, 100, t0).unwrap_err();
    assert_eq!(err.code(), "order_already_recorded");
    assert_eq!(l, before);
}

#[test]
fn refunds_are_cumulative_and_record_a_shortfall() {
    let p = program(Some(365), None, 0);
    let mut l = Ledger::default();
    let t0 = at("2026-05-01T00:00:00Z");
    earn(&mut l, &p, "o", 10_000, t0, t0); // 100 points
    l.redeem(&p, 80, "reward".into(), t0).unwrap();
    l.refund_order(&p, "o", 3_333, t0).unwrap(); // floor(100 × 3333 / 10000) = 33
    let last = l.entries.last().unwrap();
    assert_eq!(
        (last.kind, last.points, last.shortfall),
        (EntryKind::Reverse, -20, Some(13))
    );
    assert_eq!(l.balance(t0), 0);
    l.refund_order(&p, "o", 3_334, t0).unwrap(); // 6667 in total → 66, 33 more
    let last = l.entries.last().unwrap();
    assert_eq!((last.points, last.shortfall), (0, Some(33)));
    assert_eq!(l.order("o").unwrap().reversed, 66);
    assert_eq!(l.lifetime_earned, 100 - 66);
    assert_eq!(l.entries_total(), l.balance(t0) + l.pending(t0));
    let err = l.refund_order(&p, "o", 3_334, t0).unwrap_err();
    assert_eq!((err.code(), err.status()), ("validation_failed", 422));
    assert_eq!(
        l.refund_order(&p, "nope", 1, t0).unwrap_err().code(),
        "order_not_found"
    );
}

#[test]
fn refunds_take_the_orders_own_lot_even_when_pending_then_others() {
    let p = program(Some(365), None, 30);
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    l.adjust(&p, 500, "welcome", None, t0, t0).unwrap();
    let t1 = at("2026-02-01T00:00:00Z");
    earn(&mut l, &p, "o", 20_000, t1, t1); // 200 pending
    l.refund_order(&p, "o", 20_000, t1).unwrap();
    assert_eq!((l.balance(t1), l.pending(t1)), (500, 0));
}

#[test]
fn inactivity_expires_every_lot_and_a_backdated_event_never_revives_them() {
    let p = program(None, Some(30), 0);
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    earn(&mut l, &p, "o-1", 10_000, t0, t0);
    let t1 = at("2026-01-20T00:00:00Z");
    earn(&mut l, &p, "o-2", 10_000, t1, t1);
    // Both lots expire 30 days after the last activity.
    assert_eq!(
        l.as_of(&p, t1).expiring(&p.expiry, t1),
        vec![PointsAt {
            points: 200,
            at: at("2026-02-19T00:00:00Z")
        }]
    );
    let t2 = at("2026-03-01T00:00:00Z");
    assert_eq!(l.as_of(&p, t2).balance(t2), 0);
    // An import dated before the expiry arrives later: old points stay expired.
    earn(&mut l, &p, "o-3", 5_000, at("2026-02-18T00:00:00Z"), t2);
    let v = l.as_of(&p, t2);
    assert_eq!(v.balance(t2), 50);
}

#[test]
fn after_earn_and_inactivity_expire_whichever_comes_first() {
    let p = program(Some(10), Some(30), 0);
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    earn(&mut l, &p, "o", 10_000, t0, t0);
    assert_eq!(
        l.as_of(&p, t0).expiring(&p.expiry, t0)[0].at,
        at("2026-01-11T00:00:00Z")
    );
    // after_earn_days is fixed on the lot: a later program change keeps it.
    let p = program(Some(100), Some(30), 0);
    assert_eq!(
        l.as_of(&p, t0).expiring(&p.expiry, t0)[0].at,
        at("2026-01-11T00:00:00Z")
    );
    let mut l = Ledger::default();
    earn(&mut l, &p, "o", 10_000, t0, t0);
    assert_eq!(
        l.as_of(&p, t0).expiring(&p.expiry, t0)[0].at,
        at("2026-01-31T00:00:00Z")
    );
    let never = program(None, None, 0);
    let mut l = Ledger::default();
    earn(&mut l, &never, "o", 10_000, t0, t0);
    assert!(l.as_of(&never, t0).expiring(&never.expiry, t0).is_empty());
}

#[test]
fn history_folds_into_a_carried_forward_entry() {
    let mut p = program(None, None, 0);
    p.history_days = 30;
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    earn(&mut l, &p, "o-1", 10_000, t0, t0);
    l.redeem(&p, 100, "reward".into(), t0).unwrap();
    earn(
        &mut l,
        &p,
        "o-2",
        20_000,
        t0.plus_days(20),
        t0.plus_days(20),
    );
    let t1 = t0.plus_days(45);
    l.settle(&p, t1);
    let kinds: Vec<_> = l.entries.iter().map(|e| (e.kind, e.points)).collect();
    assert_eq!(
        kinds,
        vec![(EntryKind::CarriedForward, 0), (EntryKind::Earn, 200)]
    );
    assert_eq!(l.lots.len(), 1, "the spent lot left with the window");
    assert!(
        l.order("o-1").is_none(),
        "orders are remembered for history_days"
    );
    assert_eq!(l.entries_total(), l.balance(t1));
}

#[test]
fn activity_pages_newest_first_with_a_stable_cursor() {
    let p = program(None, None, 0);
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    for i in 0..5 {
        earn(
            &mut l,
            &p,
            &format!("o-{i}"),
            1_000,
            t0.plus_days(i),
            t0.plus_days(i),
        );
    }
    let (page1, cursor) = activity_page(&l.entries, 2, None);
    assert_eq!(
        page1
            .iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["Order o-4", "Order o-3"]
    );
    let cursor = cursor.unwrap();
    // A new entry arrives between pages; the next page is unaffected.
    earn(&mut l, &p, "o-new", 1_000, t0.plus_days(9), t0.plus_days(9));
    let text = cursor.to_string();
    let (page2, cursor2) = activity_page(&l.entries, 2, Some(text.parse().unwrap()));
    assert_eq!(
        page2
            .iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["Order o-2", "Order o-1"]
    );
    let (page3, end) = activity_page(&l.entries, 2, cursor2);
    assert_eq!(page3.len(), 1);
    assert!(end.is_none());
    assert!(
        "garbage"
            .parse::<retention_core::ledger::ActivityCursor>()
            .is_err()
    );
}

#[test]
fn tiers_follow_the_rolling_window_and_say_how_long_they_hold() {
    let mut p = program(None, None, 0);
    p.tier_window_days = Some(365);
    p.tiers.push(tier("silver", "Silver", 500, 100));
    p.tiers.push(tier("gold", "Gold", 1_000, 100));
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T10:00:00Z");
    earn(&mut l, &p, "o-1", 40_000, t0, t0);
    let t1 = at("2026-03-01T10:00:00Z");
    earn(&mut l, &p, "o-2", 30_000, t1, t1);
    let s = tiers::standing(&l, &p, t1).unwrap();
    assert_eq!(s.tier.id, "silver");
    assert_eq!(
        s.next.map(|(t, need)| (t.id.as_str(), need)),
        Some(("gold", 300))
    );
    // o-1 leaves the window at 2027-01-01T10:00Z; 300 < 500 from then on.
    assert_eq!(s.held_until.unwrap().to_string(), "2027-01-01");
    // Redeeming never demotes; a refund does.
    l.redeem(&p, 700, "reward".into(), t1).unwrap();
    assert_eq!(tiers::standing(&l, &p, t1).unwrap().tier.id, "silver");
    l.refund_order(&p, "o-2", 30_000, t1).unwrap();
    assert_eq!(tiers::standing(&l, &p, t1).unwrap().tier.id, "base");
    assert_eq!(
        tiers::standing(&l, &p, t1).unwrap().held_until,
        None,
        "base tier has no end"
    );
}

#[test]
fn only_order_points_qualify_for_tiers_pending_included() {
    let mut p = program(None, None, 14);
    p.tiers.push(tier("silver", "Silver", 500, 100));
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    l.adjust(&p, 10_000, "import", None, t0, t0).unwrap();
    assert_eq!(
        tiers::standing(&l, &p, t0).unwrap().tier.id,
        "base",
        "adjustments do not qualify"
    );
    assert_eq!(l.lifetime_earned, 10_000, "but they count as earned");
    earn(&mut l, &p, "o", 50_000, t0, t0);
    let s = tiers::standing(&l, &p, t0).unwrap();
    assert_eq!(
        (s.tier.id.as_str(), s.qualifying),
        ("silver", 500),
        "pending order points qualify"
    );
    assert_eq!(l.as_of(&p, t0).pending(t0), 500);
}

#[test]
fn a_lifetime_window_keeps_orders_that_left_the_history() {
    let mut p = program(None, None, 0);
    p.tier_window_days = None;
    p.history_days = 30;
    p.tiers.push(tier("silver", "Silver", 500, 100));
    let mut l = Ledger::default();
    let t0 = at("2026-01-01T00:00:00Z");
    earn(&mut l, &p, "o", 50_000, t0, t0);
    let later = t0.plus_days(400);
    l.settle(&p, later);
    assert!(l.order("o").is_none());
    let s = tiers::standing(&l, &p, later).unwrap();
    assert_eq!(s.tier.id, "silver");
    assert_eq!(s.held_until, None, "a lifetime tier is held for good");
}
