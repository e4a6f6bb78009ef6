//! Orders beside the state: a stored ledger keeps in memory only the
//! orders paid inside the tier window (what standing needs); the rest live
//! in the store's order table, recalled when a request needs them (a
//! duplicate check or a refund names one order; a backdated order, or a
//! tier window that grew, needs the orders of a span).

use crate::program::Program;
use crate::time::Instant;

use super::{Ledger, OrderChange, OrderRecord, history};

/// What a write puts into the store's order table.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct OrderChanges {
    /// Orders the table does not hold yet (their lookup keys are taken).
    pub new: Vec<OrderRecord>,
    /// Orders the table holds that changed (a refund).
    pub changed: Vec<OrderRecord>,
}

impl Ledger {
    /// The instant after which the orders of the store's table must be
    /// in memory before an order paid at `paid_at` (if any) is recorded
    /// at `now`, and standing read, under `program`; `None` when memory
    /// holds them already.
    pub fn recall_from(
        &self,
        program: &Program,
        paid_at: Option<Instant>,
        now: Instant,
    ) -> Option<Instant> {
        let since = self.orders_since?;
        let at = paid_at.map_or(now, |p| p.min(now));
        let from = match program.tier_window_days {
            // Standing at `at` counts the orders of the window ending there.
            Some(days) => at.plus_days(-i64::from(days)),
            // A lifetime total, less the orders paid after `at`.
            None => at,
        };
        // Orders older than the history window are forgotten; one paid at
        // the cutoff itself is not (history folds `paid_at < cutoff`), and
        // `from` is exclusive, so it stops a second before.
        let from = from.max(history::cutoff(program.history_days, now).plus_seconds(-1));
        (from < since).then_some(from)
    }

    /// Takes into memory `recalled`: every order of the store's table paid
    /// after `from` and at or before `orders_since` (see
    /// [`Ledger::recall_from`]).
    pub fn recall_orders_since(&mut self, from: Instant, recalled: Vec<OrderRecord>) {
        let Some(since) = self.orders_since else {
            return;
        };
        for order in recalled {
            if order.paid_at <= from || order.paid_at > since {
                continue;
            }
            // Counted from memory from now on, no longer as forgotten.
            self.forgotten_qualifying -= order.net_points();
            if self.order(&order.order_id).is_none() {
                self.orders.push(order);
            }
        }
        self.orders_since = Some(from.min(since));
    }

    /// Takes into memory one order of the store's table (a duplicate check
    /// or a refund names it) unless it is there already or left the
    /// history window at `now`.
    pub fn recall_order(&mut self, program: &Program, order: OrderRecord, now: Instant) {
        if self.order(&order.order_id).is_some()
            || order.paid_at < history::cutoff(program.history_days, now)
        {
            return;
        }
        self.orders.push(order);
    }

    /// After a request on a stored ledger: the orders to write to the
    /// store's table (those the request recorded or refunded); then the
    /// orders memory need not keep at `now` leave it. A ledger whose orders
    /// had no table yet moves at most `batch` of them (the oldest) per
    /// write, and keeps them all in memory until every one has moved.
    pub fn put_away_orders(
        &mut self,
        program: &Program,
        batch: usize,
        now: Instant,
    ) -> OrderChanges {
        let mut changes = OrderChanges::default();
        let mut moving = Vec::new();
        // Before the table, orders paid after `tabled_through` are not in
        // it yet: they move oldest first, a batch per write, those paid
        // at one instant together, so "paid at or before" says what moved.
        let untabled = |o: &OrderRecord, through: Option<Instant>| {
            o.change.0 != OrderChange::New && through.is_none_or(|t| o.paid_at > t)
        };
        let mut last = None;
        if self.orders_since.is_none() {
            let through = self.tabled_through;
            moving = self
                .orders
                .iter()
                .filter(|o| untabled(o, through))
                .map(|o| o.paid_at.unix())
                .collect();
            moving.sort_unstable();
            last = moving
                .get(batch.max(1) - 1)
                .map(|at| Instant::from_unix(*at));
        }
        for order in &mut self.orders {
            let change = std::mem::take(&mut order.change).0;
            let moves = self.orders_since.is_none()
                && untabled(order, self.tabled_through)
                && last.is_none_or(|l| order.paid_at <= l);
            match change {
                OrderChange::New => changes.new.push(order.clone()),
                OrderChange::Updated if moves => changes.new.push(order.clone()),
                OrderChange::Updated => changes.changed.push(order.clone()),
                OrderChange::Unchanged if moves => changes.new.push(order.clone()),
                OrderChange::Unchanged => {}
            }
        }
        self.note_tabled(&changes);
        if self.orders_since.is_none() {
            if moving.len() > batch {
                self.tabled_through = last;
                return changes;
            }
            self.tabled_through = None;
            self.orders_since = Some(Instant::from_unix(i64::MIN));
        }
        let since = self.orders_since.unwrap_or(Instant::from_unix(i64::MIN));
        let keep_from = now.plus_days(-i64::from(program.tier_window_days.unwrap_or(0)));
        let (kept, put_away): (Vec<_>, Vec<_>) = std::mem::take(&mut self.orders)
            .into_iter()
            .partition(|o| o.paid_at > keep_from);
        self.orders = kept;
        self.forgotten_qualifying += put_away
            .iter()
            .filter(|o| o.paid_at > since)
            .map(OrderRecord::net_points)
            .sum::<i64>();
        self.orders_since = Some(since.max(keep_from));
        changes
    }

    fn note_tabled(&mut self, changes: &OrderChanges) {
        for order in &changes.new {
            self.tabled_since = Some(
                self.tabled_since
                    .map_or(order.paid_at, |t| t.min(order.paid_at)),
            );
        }
    }

    /// The instant before which the store's order table must be pruned at
    /// `now`, if its oldest order is older.
    pub fn orders_prune_due(&self, program: &Program, now: Instant) -> Option<Instant> {
        let cutoff = history::cutoff(program.history_days, now);
        self.tabled_since.filter(|since| *since < cutoff)?;
        Some(cutoff)
    }

    /// After the store's table dropped its orders paid before the history
    /// window: `next` is the `paid_at` of the oldest it keeps.
    pub fn orders_pruned(&mut self, next: Option<Instant>) {
        self.tabled_since = next;
    }
}
