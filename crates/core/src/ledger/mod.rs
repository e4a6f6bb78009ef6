//! The points ledger (SPEC 2.1, 2.2): lots, append-only entries, spending
//! soonest-expiring first, refunds with shortfall, expiry materialisation
//! and bounded history.
//!
//! Write operations first settle the ledger at `now` (materialise every
//! expiry that has happened), so an expiry is never undone by a backdated
//! event. Reads work on a settled copy ([`Ledger::as_of`]), so reading at
//! `now` gives the same answer whether or not anything was written since.

mod entry;
mod history;
mod lot;
mod orders;
mod refund;

use serde::{Deserialize, Serialize};

pub use entry::{Entry, EntryKind};
pub use history::{ActivityCursor, activity_page, log_key};
pub use lot::{Lot, LotSource};
pub use orders::OrderChanges;

use crate::error::DomainError;
use crate::program::{ExpiryPolicy, Program};
use crate::time::Instant;

/// Largest number of points one lot, adjustment or balance may hold; keeps
/// every sum far from `i64` overflow.
pub const MAX_POINTS: i64 = 1_000_000_000_000_000;

/// How far in the future an event's own time may lie (clock skew).
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// An order that earned points, remembered for refunds and duplicates.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The merchant's order id.
    pub order_id: String,
    /// Amount paid, minor units.
    pub amount_minor: i64,
    /// When it was paid.
    pub paid_at: Instant,
    /// Points it earned.
    pub points: i64,
    /// Amount refunded so far.
    pub refunded_minor: i64,
    /// Points reversed so far, shortfall included.
    pub reversed: i64,
    /// The lot its points went into (none when it earned 0).
    pub lot_id: Option<u64>,
    /// What this request did to it, for the store's order table.
    #[serde(skip)]
    pub change: Mark,
}

/// What a request did to an order: never stored, and no part of the
/// order's value (records that differ only here are equal, so a state
/// read back equals the one written).
#[derive(Clone, Copy, Debug, Default)]
pub struct Mark(pub OrderChange);

impl PartialEq for Mark {
    fn eq(&self, _: &Mark) -> bool {
        true
    }
}

impl Eq for Mark {}

/// What a request did to an order (see [`Ledger::put_away_orders`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum OrderChange {
    /// Nothing: as read.
    #[default]
    Unchanged,
    /// Recorded by this request.
    New,
    /// Refunded by this request.
    Updated,
}

impl OrderRecord {
    /// Points this order still counts toward tiers.
    pub fn net_points(&self) -> i64 {
        self.points - self.reversed
    }
}

/// A customer's points: lots, entries and the orders behind them.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// Lots still holding points.
    pub lots: Vec<Lot>,
    /// Entries not yet in the store's log, in the order they were recorded
    /// (every entry, for a ledger that is not stored). The handler moves
    /// them to the log with each write ([`Ledger::take_unlogged`]), so the
    /// state every request reads does not grow with the history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Entry>,
    /// The `carried_forward` entry of a stored ledger, which the log does
    /// not hold: folding rewrites it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Entry>,
    /// The `at` of the oldest entry in the store's log (`carried` aside):
    /// once it leaves the history window, a write folds the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged_since: Option<Instant>,
    /// Orders in memory. A ledger that is not stored holds every order of
    /// the history window. A stored one holds those paid after
    /// `orders_since` (the tier window: what standing needs) and those the
    /// handler recalled from the store's order table for the request
    /// ([`Ledger::recall_orders_since`], [`Ledger::recall_order`]), so the
    /// state every request reads does not grow with the orders.
    pub orders: Vec<OrderRecord>,
    /// For a stored ledger: every order paid after this instant is in
    /// `orders`; all of them are in the store's order table. `None`: every
    /// order is in `orders` (a ledger not stored, or stored before orders
    /// had a table of their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders_since: Option<Instant>,
    /// The `paid_at` of the oldest order in the store's order table: once
    /// it leaves the history window, a write forgets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tabled_since: Option<Instant>,
    /// While `orders_since` is `None` on a stored ledger: the orders paid
    /// at or before this instant are in the store's table already (a
    /// ledger stored before orders had a table moves them there a batch
    /// per write, the oldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tabled_through: Option<Instant>,
    /// The last activity (order earn, positive adjustment, redemption).
    pub last_activity: Option<Instant>,
    /// Earned and positively adjusted points minus reversals, ever.
    pub lifetime_earned: i64,
    /// Net order points of orders not counted from `orders` (for lifetime
    /// tiers): those that left the history window, and those paid at or
    /// before `orders_since`.
    pub forgotten_qualifying: i64,
    /// Next identifier for lots and entries.
    pub next_id: u64,
}

/// One upcoming change of points on a date: an expiry or a release.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PointsAt {
    /// Points concerned.
    pub points: i64,
    /// The instant.
    pub at: Instant,
}

impl Ledger {
    /// The instant every lot expires by the inactivity policy, if it applies.
    pub fn inactivity_deadline(&self, policy: &ExpiryPolicy) -> Option<Instant> {
        let days = policy.inactivity_days?;
        Some(self.last_activity?.plus_days(i64::from(days)))
    }

    /// A settled copy at `now`: what any read at `now` must show.
    pub fn as_of(&self, program: &Program, now: Instant) -> Ledger {
        let mut copy = self.clone();
        copy.settle(program, now);
        copy
    }

    /// Materialises every expiry up to `now` and folds history older than
    /// the program's `history_days`. Invisible to reads: see [`Ledger::as_of`].
    pub fn settle(&mut self, program: &Program, now: Instant) {
        self.expire_due(&program.expiry, now);
        history::compact(self, program.history_days, now);
    }

    /// Spendable points (settled ledger).
    pub fn balance(&self, now: Instant) -> i64 {
        self.lots
            .iter()
            .filter(|l| !l.is_pending(now))
            .map(|l| l.remaining)
            .sum()
    }

    /// Points earned but not yet spendable (settled ledger).
    pub fn pending(&self, now: Instant) -> i64 {
        self.lots
            .iter()
            .filter(|l| l.is_pending(now))
            .map(|l| l.remaining)
            .sum()
    }

    /// Every upcoming expiry of available points, soonest first, lots with
    /// the same instant merged (settled ledger).
    pub fn expiring(&self, policy: &ExpiryPolicy, now: Instant) -> Vec<PointsAt> {
        let deadline = self.inactivity_deadline(policy);
        merge_by_instant(self.lots.iter().filter_map(|l| {
            (!l.is_pending(now) && l.remaining > 0)
                .then(|| l.expires_at(deadline))
                .flatten()
                .map(|at| PointsAt {
                    points: l.remaining,
                    at,
                })
        }))
    }

    /// Pending points by the instant they become spendable (settled ledger).
    pub fn pending_lots(&self, now: Instant) -> Vec<PointsAt> {
        merge_by_instant(self.lots.iter().filter_map(|l| {
            (l.is_pending(now) && l.remaining > 0).then_some(PointsAt {
                points: l.remaining,
                at: l.available_at,
            })
        }))
    }

    /// The sum of all entries; always equals balance + pending (for a
    /// ledger whose entries are all in memory).
    pub fn entries_total(&self) -> i64 {
        self.entries
            .iter()
            .chain(&self.carried)
            .map(|e| e.points)
            .sum()
    }

    /// Takes the entries not yet in the store's log, for the write that
    /// appends them; a `carried_forward` entry stays in the state instead.
    pub fn take_unlogged(&mut self) -> Vec<Entry> {
        let mut taken = Vec::with_capacity(self.entries.len());
        for entry in std::mem::take(&mut self.entries) {
            if entry.kind == EntryKind::CarriedForward {
                self.carried = Some(entry);
            } else {
                self.logged_since = Some(
                    self.logged_since
                        .map_or(entry.at, |since| since.min(entry.at)),
                );
                taken.push(entry);
            }
        }
        taken
    }

    /// The instant before which the store's log must be folded at `now`,
    /// if its oldest entry is older.
    pub fn fold_due(&self, program: &Program, now: Instant) -> Option<Instant> {
        let cutoff = history::cutoff(program.history_days, now);
        self.logged_since.filter(|since| *since < cutoff)?;
        Some(cutoff)
    }

    /// Folds `logged` (entries of the store's log older than the history
    /// window, oldest first) into the `carried_forward` entry; `next` is
    /// the `at` of the oldest entry the log keeps. The handler deletes
    /// their rows in the same write.
    pub fn fold_logged(
        &mut self,
        program: &Program,
        logged: Vec<Entry>,
        next: Option<Instant>,
        now: Instant,
    ) {
        self.entries.extend(self.carried.take());
        self.entries.extend(logged);
        history::compact(self, program.history_days, now);
        self.logged_since = next;
    }

    /// A copy whose entries are `logged` (rows of the store's log) and
    /// those in memory, in the order they were recorded: what reads that
    /// list entries work on.
    pub fn with_logged(&self, logged: Vec<Entry>) -> Ledger {
        let mut copy = self.clone();
        let mut entries = logged;
        entries.extend(copy.entries);
        entries.extend(copy.carried.take());
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        copy.entries = entries;
        copy
    }

    /// The order with this id, if still remembered.
    pub fn order(&self, order_id: &str) -> Option<&OrderRecord> {
        self.orders.iter().find(|o| o.order_id == order_id)
    }

    /// Records the points of a paid order, earned at `multiplier_percent`
    /// (the tier held at `paid_at`). Returns the points earned.
    pub fn earn_order(
        &mut self,
        program: &Program,
        order_id: &str,
        amount_minor: i64,
        paid_at: Instant,
        multiplier_percent: u32,
        now: Instant,
    ) -> Result<i64, DomainError> {
        if self.order(order_id).is_some() {
            return Err(DomainError::OrderAlreadyRecorded(order_id.to_owned()));
        }
        let earn = program.earn;
        let points =
            i128::from(amount_minor) * i128::from(earn.points) * i128::from(multiplier_percent)
                / (i128::from(earn.per_amount_minor) * 100);
        let points = i64::try_from(points)
            .ok()
            .filter(|p| *p <= MAX_POINTS)
            .ok_or_else(|| {
                DomainError::invalid(
                    "amount_minor",
                    "The order would earn more points than a ledger can hold.",
                )
            })?;
        self.check_room(points)?;
        self.settle(program, now);
        let lot_id = (points > 0).then(|| {
            let fixed_expiry = program
                .expiry
                .after_earn_days
                .map(|days| paid_at.plus_days(i64::from(days)));
            self.add_lot(
                points,
                paid_at,
                paid_at.plus_days(i64::from(program.pending_days)),
                fixed_expiry,
                LotSource::Order {
                    order_id: order_id.to_owned(),
                },
                now,
            )
        });
        if points > 0 {
            self.push_entry(
                EntryKind::Earn,
                points,
                paid_at,
                format!("Order {order_id}"),
                None,
            );
        }
        self.orders.push(OrderRecord {
            order_id: order_id.to_owned(),
            amount_minor,
            paid_at,
            points,
            refunded_minor: 0,
            reversed: 0,
            lot_id,
            change: Mark(OrderChange::New),
        });
        // Orders paid at or before `orders_since` count as forgotten (see
        // `forgotten_qualifying`), a backdated one from the start.
        if self.orders_since.is_some_and(|since| paid_at <= since) {
            self.forgotten_qualifying += points;
        }
        self.lifetime_earned += points;
        self.note_activity(paid_at);
        self.settle(program, now);
        Ok(points)
    }

    /// Records a merchant's adjustment: positive points make a lot that is
    /// available at once; negative ones are spent like a redemption.
    pub fn adjust(
        &mut self,
        program: &Program,
        points: i64,
        reason: &str,
        expires_at: Option<Instant>,
        at: Instant,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.settle(program, now);
        if points > 0 {
            self.check_room(points)?;
            let fixed_expiry = expires_at.or_else(|| {
                program
                    .expiry
                    .after_earn_days
                    .map(|days| at.plus_days(i64::from(days)))
            });
            let source = LotSource::Adjustment {
                reason: reason.to_owned(),
            };
            self.add_lot(points, at, at, fixed_expiry, source, now);
            self.lifetime_earned += points;
            self.note_activity(at);
        } else {
            self.spend(program, -points, now)?;
        }
        self.push_entry(EntryKind::Adjust, points, at, reason.to_owned(), None);
        self.settle(program, now);
        Ok(())
    }

    /// Spends `cost` points on a reward at `now`.
    pub fn redeem(
        &mut self,
        program: &Program,
        cost: i64,
        description: String,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.settle(program, now);
        self.spend(program, cost, now)?;
        self.push_entry(EntryKind::Redeem, -cost, now, description, None);
        self.note_activity(now);
        Ok(())
    }

    /// Takes back the points of a refund (see [`refund`]).
    pub fn refund_order(
        &mut self,
        program: &Program,
        order_id: &str,
        amount_minor: i64,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.settle(program, now);
        refund::refund_order(self, program, order_id, amount_minor, now)
    }

    /// Consumes `points` from available lots, soonest-expiring first.
    fn spend(&mut self, program: &Program, points: i64, now: Instant) -> Result<(), DomainError> {
        let balance = self.balance(now);
        if points > balance {
            return Err(DomainError::InsufficientPoints {
                needed: points,
                balance,
            });
        }
        let order = self.spending_order(&program.expiry, |l| !l.is_pending(now));
        let left = self.take(&order, points);
        debug_assert_eq!(left, 0, "the balance covered the spend");
        Ok(())
    }

    /// Lot indexes matching `filter`, in spending order.
    pub(crate) fn spending_order(
        &self,
        policy: &ExpiryPolicy,
        filter: impl Fn(&Lot) -> bool,
    ) -> Vec<usize> {
        let deadline = self.inactivity_deadline(policy);
        let mut order: Vec<usize> = (0..self.lots.len())
            .filter(|&i| self.lots[i].remaining > 0 && filter(&self.lots[i]))
            .collect();
        order.sort_by_key(|&i| lot::spending_key(&self.lots[i], deadline));
        order
    }

    /// Takes up to `points` from the lots at `order`; returns what is left.
    pub(crate) fn take(&mut self, order: &[usize], mut points: i64) -> i64 {
        for &i in order {
            if points == 0 {
                break;
            }
            let lot = &mut self.lots[i];
            let taken = lot.remaining.min(points);
            lot.remaining -= taken;
            points -= taken;
        }
        points
    }

    /// Refuses credits that would push the points held past [`MAX_POINTS`].
    fn check_room(&self, points: i64) -> Result<(), DomainError> {
        let held: i64 = self.lots.iter().map(|l| l.remaining).sum();
        if held.saturating_add(points) > MAX_POINTS
            || self.lifetime_earned.saturating_add(points) > MAX_POINTS
        {
            return Err(DomainError::invalid(
                "points",
                "This would exceed the most points a customer can hold.",
            ));
        }
        Ok(())
    }

    fn note_activity(&mut self, at: Instant) {
        self.last_activity = Some(self.last_activity.map_or(at, |last| last.max(at)));
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn add_lot(
        &mut self,
        points: i64,
        earned_at: Instant,
        available_at: Instant,
        fixed_expiry: Option<Instant>,
        source: LotSource,
        recorded_at: Instant,
    ) -> u64 {
        let id = self.next_id();
        self.lots.push(Lot {
            id,
            points,
            remaining: points,
            earned_at,
            available_at,
            fixed_expiry,
            source,
            recorded_at: Some(recorded_at),
        });
        id
    }

    pub(crate) fn push_entry(
        &mut self,
        kind: EntryKind,
        points: i64,
        at: Instant,
        description: String,
        shortfall: Option<i64>,
    ) {
        let id = self.next_id();
        self.entries.push(Entry {
            id,
            kind,
            points,
            at,
            description,
            shortfall,
        });
    }

    /// Turns every expiry up to `now` into `expire` entries, one per instant.
    fn expire_due(&mut self, policy: &ExpiryPolicy, now: Instant) {
        let deadline = self.inactivity_deadline(policy);
        let mut due: Vec<PointsAt> = Vec::new();
        for lot in &mut self.lots {
            match lot.expires_at(deadline) {
                Some(at) if at <= now && lot.remaining > 0 => {
                    due.push(PointsAt {
                        points: lot.remaining,
                        at,
                    });
                    lot.remaining = 0;
                }
                _ => {}
            }
        }
        for expiry in merge_by_instant(due) {
            let text = format!("{} points expired", expiry.points);
            self.push_entry(EntryKind::Expire, -expiry.points, expiry.at, text, None);
        }
    }
}

/// Sorts by instant and merges equal instants.
fn merge_by_instant(items: impl IntoIterator<Item = PointsAt>) -> Vec<PointsAt> {
    let mut items: Vec<PointsAt> = items.into_iter().collect();
    items.sort_by_key(|p| p.at);
    let mut merged: Vec<PointsAt> = Vec::with_capacity(items.len());
    for item in items {
        match merged.last_mut() {
            Some(last) if last.at == item.at => last.points += item.points,
            _ => merged.push(item),
        }
    }
    merged
}
