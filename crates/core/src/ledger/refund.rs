//! Refunds: cumulative, proportional reversal of an order's points.

use crate::error::DomainError;
use crate::program::Program;
use crate::time::Instant;

use super::{EntryKind, Ledger, Mark, OrderChange};

/// Reverses points for a refund of `amount_minor` of `order_id`.
///
/// After refunds totalling R of an order paid P that earned N points,
/// `floor(N * R / P)` points are reversed in total; each refund reverses
/// the difference to what was already reversed. Points come from the
/// order's own lot (even if pending), then other available lots
/// soonest-expiring first, then other pending lots. What cannot be taken
/// (already spent) is recorded as the entry's shortfall, never as a
/// negative balance. The ledger must be settled at `now`.
pub(super) fn refund_order(
    ledger: &mut Ledger,
    program: &Program,
    order_id: &str,
    amount_minor: i64,
    now: Instant,
) -> Result<(), DomainError> {
    let index = ledger
        .orders
        .iter()
        .position(|o| o.order_id == order_id)
        .ok_or_else(|| DomainError::OrderNotFound(order_id.to_owned()))?;
    let order = &ledger.orders[index];
    let refunded = order.refunded_minor.saturating_add(amount_minor);
    if refunded > order.amount_minor {
        return Err(DomainError::invalid(
            "amount_minor",
            format!(
                "Refunds would total {refunded}, more than the {} paid for order {order_id}.",
                order.amount_minor
            ),
        ));
    }
    // i128: N * R can exceed i64 (N up to 10^15, R up to 10^12).
    let target = i128::from(order.points) * i128::from(refunded) / i128::from(order.amount_minor);
    let target = i64::try_from(target).unwrap_or(order.points);
    let delta = target - order.reversed;
    let own_lot = order.lot_id;

    let own: Vec<usize> = (0..ledger.lots.len())
        .filter(|&i| Some(ledger.lots[i].id) == own_lot && ledger.lots[i].remaining > 0)
        .collect();
    let others_available = ledger.spending_order(&program.expiry, |l| {
        Some(l.id) != own_lot && !l.is_pending(now)
    });
    let others_pending = ledger.spending_order(&program.expiry, |l| {
        Some(l.id) != own_lot && l.is_pending(now)
    });
    let mut left = delta;
    for group in [own, others_available, others_pending] {
        left = ledger.take(&group, left);
    }
    let taken = delta - left;

    let order = &mut ledger.orders[index];
    order.refunded_minor = refunded;
    order.reversed += delta;
    if order.change.0 == OrderChange::Unchanged {
        order.change = Mark(OrderChange::Updated);
    }
    // An order recalled from the store's table is counted as forgotten.
    if ledger
        .orders_since
        .is_some_and(|since| order.paid_at <= since)
    {
        ledger.forgotten_qualifying -= delta;
    }
    // The reversal counts in full, shortfall included.
    ledger.lifetime_earned -= delta;
    if delta > 0 {
        let shortfall = (left > 0).then_some(left);
        ledger.push_entry(
            EntryKind::Reverse,
            -taken,
            now,
            format!("Refund of order {order_id}"),
            shortfall,
        );
    }
    Ok(())
}
