//! Property tests of the points ledger: random programs and random
//! sequences of orders, refunds, adjustments, redemptions and time passing.

use proptest::prelude::*;
use retention_core::Instant;
use retention_core::ledger::{Ledger, Lot};
use retention_core::program::{ExpiryPolicy, Program, Tier};
use retention_core::tiers;

#[derive(Clone, Debug)]
enum Op {
    Earn {
        amount: i64,
        back_hours: i64,
    },
    Refund {
        pick: usize,
        amount: i64,
    },
    Adjust {
        points: i64,
        expires_in_days: Option<i64>,
        back_hours: i64,
    },
    Redeem {
        cost: i64,
    },
    Wait {
        hours: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1i64..200_000, 0i64..3_000).prop_map(|(amount, back_hours)| Op::Earn { amount, back_hours }),
        2 => (0usize..50, 1i64..100_000).prop_map(|(pick, amount)| Op::Refund { pick, amount }),
        2 => (-800i64..1_500, proptest::option::of(1i64..200), 0i64..500)
            .prop_map(|(points, expires_in_days, back_hours)| Op::Adjust { points, expires_in_days, back_hours }),
        2 => (1i64..1_500).prop_map(|cost| Op::Redeem { cost }),
        3 => (0i64..2_000).prop_map(|hours| Op::Wait { hours }),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    (
        proptest::option::of(2u32..400),
        proptest::option::of(1u32..200),
        0u32..5,
        30u32..800,
        proptest::option::of(1u32..30),
        100u32..300,
    )
        .prop_map(
            |(after_earn, inactivity, pending, history, window, multiplier)| {
                let mut p = Program {
                    expiry: ExpiryPolicy {
                        after_earn_days: after_earn,
                        inactivity_days: inactivity,
                    },
                    pending_days: after_earn.map_or(pending, |a| pending.min(a - 1)),
                    history_days: history,
                    tier_window_days: window,
                    ..Program::default()
                };
                p.tiers.push(Tier {
                    id: "vip".into(),
                    name: "VIP".into(),
                    threshold: 1_000,
                    multiplier_percent: multiplier,
                });
                p
            },
        )
}

/// What a reader sees at `now`.
fn observed(l: &Ledger, p: &Program, now: Instant) -> (i64, i64, Vec<(i64, Instant)>) {
    let v = l.as_of(p, now);
    let expiring = v
        .expiring(&p.expiry, now)
        .into_iter()
        .map(|e| (e.points, e.at))
        .collect();
    (v.balance(now), v.pending(now), expiring)
}

fn check_invariants(l: &Ledger, p: &Program, now: Instant) -> Result<(), TestCaseError> {
    let v = l.as_of(p, now);
    let (balance, pending) = (v.balance(now), v.pending(now));
    prop_assert!(balance >= 0 && pending >= 0);
    prop_assert_eq!(
        v.entries_total(),
        balance + pending,
        "entries sum to balance + pending"
    );
    for lot in &v.lots {
        prop_assert!(0 <= lot.remaining && lot.remaining <= lot.points);
    }
    for order in &v.orders {
        prop_assert!(
            order.reversed <= order.points,
            "a refund never reverses more than was earned"
        );
        let expected = i128::from(order.points) * i128::from(order.refunded_minor)
            / i128::from(order.amount_minor);
        prop_assert_eq!(i128::from(order.reversed), expected);
    }
    prop_assert_eq!(
        l.as_of(p, now),
        v.clone(),
        "reading twice gives the same answer"
    );
    prop_assert_eq!(v.as_of(p, now), v, "a settled ledger reads the same");
    Ok(())
}

/// Spending order: a lot was touched only if every lot that comes before
/// it (soonest-expiring first, ties oldest first, never-expiring last) is
/// used up.
fn check_spending_order(
    before: &Ledger,
    after: &Ledger,
    p: &Program,
    now: Instant,
) -> Result<(), TestCaseError> {
    let deadline = before.inactivity_deadline(&p.expiry);
    let key = |lot: &Lot| {
        let expiry = lot.expires_at(deadline);
        (expiry.is_none(), expiry, lot.earned_at, lot.id)
    };
    let remaining_after = |id: u64| {
        after
            .lots
            .iter()
            .find(|l| l.id == id)
            .map_or(0, |l| l.remaining)
    };
    let spendable: Vec<&Lot> = before
        .lots
        .iter()
        .filter(|l| !l.is_pending(now) && l.remaining > 0)
        .collect();
    for touched in spendable
        .iter()
        .filter(|l| remaining_after(l.id) < l.remaining)
    {
        for earlier in spendable.iter().filter(|l| key(l) < key(touched)) {
            prop_assert_eq!(
                remaining_after(earlier.id),
                0,
                "lot {} spent before {}",
                touched.id,
                earlier.id
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn ledger_invariants_hold_through_any_history(p in program(), ops in proptest::collection::vec(op(), 1..60)) {
        let mut l = Ledger::default();
        let mut now: Instant = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut orders: Vec<String> = Vec::new();
        for op in ops {
            let seen_before = observed(&l, &p, now);
            let settled_before = l.as_of(&p, now);
            let result = match op {
                Op::Earn { amount, back_hours } => {
                    let id = format!("o-{}", orders.len());
                    let paid_at = now.plus_hours(-back_hours);
                    let multiplier = tiers::multiplier_at(&l, &p, paid_at);
                    let r = l.earn_order(&p, &id, amount, paid_at, multiplier, now).map(|_| ());
                    orders.push(id);
                    r
                }
                Op::Refund { pick, amount } => match orders.get(pick % orders.len().max(1)) {
                    Some(id) => {
                        let id = id.clone();
                        l.refund_order(&p, &id, amount, now)
                    }
                    None => Ok(()),
                },
                Op::Adjust { points, expires_in_days, back_hours } if points != 0 => {
                    let at = now.plus_hours(-back_hours);
                    let expires = expires_in_days.filter(|_| points > 0).map(|d| now.plus_days(d));
                    l.adjust(&p, points, "adjustment", expires, at, now)
                }
                Op::Adjust { .. } => Ok(()),
                Op::Redeem { cost } => {
                    let r = l.redeem(&p, cost, "reward".into(), now);
                    if r.is_ok() {
                        check_spending_order(&settled_before, &l, &p, now)?;
                        prop_assert_eq!(observed(&l, &p, now).0, seen_before.0 - cost);
                    }
                    r
                }
                Op::Wait { hours } => {
                    // Reading at a midpoint and writing there must not change
                    // what is read at the end.
                    let later = now.plus_hours(hours);
                    let mut settled_midway = l.clone();
                    settled_midway.settle(&p, now.plus_hours(hours / 2));
                    prop_assert_eq!(observed(&settled_midway, &p, later), observed(&l, &p, later));
                    now = later;
                    Ok(())
                }
            };
            if let Err(error) = result {
                prop_assert!(matches!(error.status(), 404 | 409 | 422), "{error}");
                prop_assert_eq!(observed(&l, &p, now), seen_before, "a refused operation changes nothing");
            }
            check_invariants(&l, &p, now)?;
        }
    }
}
