//! VIP tiers (SPEC 2.3): the qualifying metric over a rolling window, the
//! tier it gives, progress to the next one and how long it is held.

use crate::ledger::Ledger;
use crate::program::{Program, Tier};
use crate::time::{Date, Instant};

/// Where a customer stands among the program's tiers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TierStanding<'p> {
    /// The tier held now.
    pub tier: &'p Tier,
    /// The next tier up and the qualifying points still needed for it.
    pub next: Option<(&'p Tier, i64)>,
    /// The last date on which, with no new activity, the tier is still held.
    pub held_until: Option<Date>,
    /// The qualifying metric now.
    pub qualifying: i64,
}

/// Qualifying points at `at`: points credited by orders paid within the
/// window ending at `at` (pending included) minus their reversals.
/// Orders paid after `at` do not count, so this is also "the tier held at
/// an order's `paid_at`" when asked before the order is recorded.
///
/// A stored ledger must hold in memory the orders this needs (see
/// `Ledger::recall_from`): those of the window, or for a lifetime window
/// those paid after `at`.
pub fn qualifying_at(ledger: &Ledger, window_days: Option<u32>, at: Instant) -> i64 {
    match window_days {
        Some(days) => {
            let since = at.plus_days(-i64::from(days));
            ledger
                .orders
                .iter()
                .filter(|o| o.paid_at <= at && o.paid_at > since)
                .map(|o| o.net_points())
                .sum()
        }
        None => {
            // Orders paid at or before `orders_since` are counted in
            // `forgotten_qualifying`; memory may hold some (recalled).
            let mut metric = ledger.forgotten_qualifying;
            for o in &ledger.orders {
                let forgotten = ledger.orders_since.is_some_and(|s| o.paid_at <= s);
                match (o.paid_at <= at, forgotten) {
                    (true, false) => metric += o.net_points(),
                    (false, true) => metric -= o.net_points(),
                    _ => {}
                }
            }
            metric
        }
    }
}

/// The highest tier whose threshold is at most `metric`.
pub fn tier_for(program: &Program, metric: i64) -> Option<&Tier> {
    program.tiers.iter().rev().find(|t| t.threshold <= metric)
}

/// The multiplier (percent) an order paid at `paid_at` earns at, from the
/// tier held then. Call before recording the order.
pub fn multiplier_at(ledger: &Ledger, program: &Program, paid_at: Instant) -> u32 {
    let metric = qualifying_at(ledger, program.tier_window_days, paid_at);
    tier_for(program, metric).map_or(100, |t| t.multiplier_percent)
}

/// The customer's standing at `now`, or `None` for a program without tiers.
pub fn standing<'p>(
    ledger: &Ledger,
    program: &'p Program,
    now: Instant,
) -> Option<TierStanding<'p>> {
    let qualifying = qualifying_at(ledger, program.tier_window_days, now);
    let tier = tier_for(program, qualifying).or(program.tiers.first())?;
    let next = program
        .tiers
        .iter()
        .find(|t| t.threshold > qualifying)
        .map(|t| (t, t.threshold - qualifying));
    let held_until = held_until(ledger, program, tier, now);
    Some(TierStanding {
        tier,
        next,
        held_until,
        qualifying,
    })
}

/// With no new activity, orders leave the window one by one; the tier is
/// held until the first instant the metric falls below its threshold.
fn held_until(ledger: &Ledger, program: &Program, tier: &Tier, now: Instant) -> Option<Date> {
    let days = i64::from(program.tier_window_days?);
    if tier.threshold <= 0 {
        return None;
    }
    let since = now.plus_days(-days);
    let mut counted: Vec<(Instant, i64)> = ledger
        .orders
        .iter()
        .filter(|o| o.paid_at <= now && o.paid_at > since)
        .map(|o| (o.paid_at.plus_days(days), o.net_points()))
        .collect();
    counted.sort();
    let mut metric: i64 = counted.iter().map(|(_, p)| p).sum();
    let mut i = 0;
    while i < counted.len() {
        let leaves_at = counted[i].0;
        // Orders paid at the same instant leave together.
        while i < counted.len() && counted[i].0 == leaves_at {
            metric -= counted[i].1;
            i += 1;
        }
        if metric < tier.threshold {
            return Some(leaves_at.plus_seconds(-1).date());
        }
    }
    // Reversals never raise the metric, so it falls below the threshold at
    // the latest when the last order leaves; reaching here means the tier
    // was not earned by orders in the window (a program change).
    Some(now.date())
}
