//! Property tests of orders kept beside the state: a ledger that keeps
//! only its tier window's orders in memory, recalling the rest from a
//! table as the handler does, answers every request as a ledger that
//! keeps them all: the same points earned (tier multipliers), duplicates
//! and unknown orders refused alike, the same balance, tier and
//! qualifying points, whatever the history, the tier window's changes and
//! the moment a ledger stored before the table starts using it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use retention_core::Instant;
use retention_core::ledger::{Ledger, Mark, OrderRecord};
use retention_core::program::{ExpiryPolicy, Program, Tier};
use retention_core::tiers;

#[derive(Clone, Debug)]
enum Op {
    Earn { amount: i64, back_hours: i64 },
    EarnAgain { pick: usize },
    Refund { pick: usize, amount: i64 },
    Wait { hours: i64 },
    Window { days: Option<u32> },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..200_000, prop_oneof![0i64..48, 0i64..20_000])
            .prop_map(|(amount, back_hours)| Op::Earn { amount, back_hours }),
        1 => (0usize..50).prop_map(|pick| Op::EarnAgain { pick }),
        2 => (0usize..50, 1i64..100_000).prop_map(|(pick, amount)| Op::Refund { pick, amount }),
        3 => prop_oneof![0i64..48, 0i64..3_000].prop_map(|hours| Op::Wait { hours }),
        1 => proptest::option::of(1u32..60).prop_map(|days| Op::Window { days }),
    ]
}

fn program(window: Option<u32>, history: u32) -> Program {
    let mut p = Program {
        expiry: ExpiryPolicy {
            after_earn_days: Some(400),
            inactivity_days: None,
        },
        history_days: history,
        tier_window_days: window.map(|w| w.min(history)),
        ..Program::default()
    };
    p.tiers.push(Tier {
        id: "vip".into(),
        name: "VIP".into(),
        threshold: 1_500,
        multiplier_percent: 150,
    });
    p
}

/// The store's order table, by order id.
#[derive(Default)]
struct Table(BTreeMap<String, OrderRecord>);

impl Table {
    /// What the handler reads before a request: the span a backdated
    /// order or a grown window needs, and the order the request names.
    fn recall(
        &self,
        l: &mut Ledger,
        p: &Program,
        id: Option<&str>,
        paid_at: Option<Instant>,
        now: Instant,
    ) {
        if let Some(from) = l.recall_from(p, paid_at, now) {
            let since = l.orders_since.expect("only a stored ledger recalls");
            let span = self
                .0
                .values()
                .filter(|o| o.paid_at > from && o.paid_at <= since)
                .cloned()
                .collect();
            l.recall_orders_since(from, span);
        }
        if let Some(order) = id.and_then(|id| self.0.get(id)) {
            l.recall_order(p, order.clone(), now);
        }
    }

    /// What the handler writes after a request.
    fn store(&mut self, l: &mut Ledger, p: &Program, now: Instant) {
        l.settle(p, now);
        let changes = l.put_away_orders(p, 3, now);
        for order in changes.new.into_iter().chain(changes.changed) {
            self.0.insert(order.order_id.clone(), order);
        }
        if let Some(cutoff) = l.orders_prune_due(p, now) {
            self.0.retain(|_, o| o.paid_at >= cutoff);
            l.orders_pruned(self.0.values().map(|o| o.paid_at).min());
        }
    }
}

/// A tier, its qualifying points and the last day it is held.
type Standing = Option<(String, i64, Option<String>)>;

/// What a reader sees at `now`: balance, pending, tier, qualifying points
/// and how long the tier is held.
fn observed(l: &Ledger, p: &Program, now: Instant) -> (i64, i64, Standing) {
    let v = l.as_of(p, now);
    let standing = tiers::standing(&v, p, now).map(|s| {
        (
            s.tier.id.clone(),
            s.qualifying,
            s.held_until.map(|d| d.to_string()),
        )
    });
    (v.balance(now), v.pending(now), standing)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_ledger_with_its_orders_in_a_table_answers_as_one_that_keeps_them_all(
        window in proptest::option::of(1u32..60),
        history in 20u32..120,
        untabled in 0usize..12,
        ops in proptest::collection::vec(op(), 1..70),
    ) {
        let mut p = program(window, history);
        let mut all = Ledger::default();
        let mut tabled = Ledger::default();
        let mut table = Table::default();
        let mut now: Instant = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut ids: Vec<String> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            // The first few requests find a ledger stored before orders
            // had a table: it keeps them all until it moves them.
            let stored = step >= untabled;
            let (id, paid_at) = match &op {
                Op::Earn { back_hours, .. } => (Some(format!("o-{}", ids.len())), Some(now.plus_hours(-back_hours))),
                Op::EarnAgain { pick } | Op::Refund { pick, .. } => {
                    (ids.get(pick % ids.len().max(1)).cloned(), None)
                }
                _ => (None, None),
            };
            if step == untabled {
                // As read back from the store: what was recorded before is
                // not new to this request.
                for order in &mut tabled.orders {
                    order.change = Mark::default();
                }
            }
            if stored {
                table.recall(&mut tabled, &p, id.as_deref(), paid_at, now);
            }
            let results: Vec<Result<i64, u16>> = [&mut all, &mut tabled]
                .into_iter()
                .map(|l| {
                    let r = match &op {
                        Op::Earn { .. } | Op::EarnAgain { .. } if id.is_some() => {
                            let amount = match &op { Op::Earn { amount, .. } => *amount, _ => 5_000 };
                            let paid_at = paid_at.unwrap_or(now);
                            l.settle(&p, now);
                            let multiplier = tiers::multiplier_at(l, &p, paid_at);
                            l.earn_order(&p, id.as_deref().unwrap(), amount, paid_at, multiplier, now)
                        }
                        Op::Refund { amount, .. } if id.is_some() => {
                            l.refund_order(&p, id.as_deref().unwrap(), *amount, now).map(|_| 0)
                        }
                        _ => Ok(0),
                    };
                    r.map_err(|e| e.status())
                })
                .collect();
            prop_assert_eq!(&results[0], &results[1], "{:?}", op);
            match op {
                Op::Earn { .. } => ids.push(id.unwrap()),
                Op::Wait { hours } => now = now.plus_hours(hours),
                Op::Window { days } => p = program(days, history),
                _ => {}
            }
            if stored {
                table.store(&mut tabled, &p, now);
                prop_assert!(
                    tabled.orders_since.is_none()
                        || tabled.orders.iter().all(|o| o.paid_at > now.plus_days(-i64::from(p.tier_window_days.unwrap_or(0)))),
                    "memory keeps only the tier window's orders"
                );
            }
            // A read recalls what a grown window needs, and changes nothing.
            let mut read = tabled.clone();
            if stored {
                table.recall(&mut read, &p, None, None, now);
            }
            prop_assert_eq!(observed(&all, &p, now), observed(&read, &p, now), "after {:?}", op);
        }
    }
}
