//! The ledger's orders in the store's order table (two of the customer's
//! row tables): a stored ledger keeps only its tier window's orders in the
//! state, and a request recalls what else it needs (the order a duplicate
//! check or a refund names, the span a backdated order or a grown tier
//! window needs), so no request reads or rewrites a customer's every order.

use retention_core::customer::order_lookup;
use retention_core::ledger::{Ledger, OrderRecord};
use retention_core::{Instant, MerchantEvent, Program};

use crate::{
    Clock, CustomerKey, Entropy, Handler, LookupWrite, RowRange, RowWrite, Store, StoreError,
};

/// Orders by id, keyed by [`id_key`].
pub const ORDERS: &str = "orders";
/// The same orders by when they were paid, keyed by [`paid_key`].
pub const ORDERS_PAID: &str = "orders_paid";

/// Orders a write moves into the table for a ledger stored before orders
/// had one. Each costs two rows and a lookup key (four changes in Deno
/// KV, which takes 1,000 per commit): with [`PRUNE_BATCH`] and the 400
/// log entries a write may fold, a write stays under 900.
pub const MOVE_BATCH: usize = 60;

/// Orders a write drops once they leave the history window (two rows and
/// a lookup key each); a longer backlog goes with the writes after it.
pub const PRUNE_BATCH: usize = 60;

/// Rows read per page of a span.
const PAGE: usize = 500;

/// What a request needs of the order table besides the tier window: the
/// order it names, and when the order it records was paid.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted<'a> {
    /// An order the request looks up (a duplicate check, a refund).
    pub order_id: Option<&'a str>,
    /// When the order it records was paid (a backdated one needs the tier
    /// window before it).
    pub paid_at: Option<Instant>,
}

impl<'a> Wanted<'a> {
    /// Nothing but the tier window.
    pub const NONE: Wanted<'static> = Wanted {
        order_id: None,
        paid_at: None,
    };

    /// What a merchant's event needs.
    pub fn for_event(event: &'a MerchantEvent) -> Self {
        match event {
            MerchantEvent::OrderPaid {
                order_id, paid_at, ..
            } => Wanted {
                order_id: Some(order_id),
                paid_at: *paid_at,
            },
            MerchantEvent::OrderRefunded { order_id, .. } => Wanted {
                order_id: Some(order_id),
                paid_at: None,
            },
            _ => Wanted::NONE,
        }
    }

    /// What a request body that may be a merchant's event needs, read
    /// loosely before the body is checked (a body that is no event needs
    /// nothing, and is refused by its own reading).
    pub fn for_body(body: &'a serde_json::Value) -> Self {
        Wanted {
            order_id: body.get("order_id").and_then(|v| v.as_str()),
            paid_at: body
                .get("paid_at")
                .and_then(|v| v.as_str())
                .and_then(retention_core::rfc3339::parse_instant)
                .map(Instant::from_unix),
        }
    }
}

/// The key of an order in [`ORDERS`]: its id in hex, then `.`. No key is
/// another's prefix followed by `.`, so the first key after the bare hex
/// is the order's own if the table holds it.
pub fn id_key(order_id: &str) -> String {
    format!("{}.", hex(order_id))
}

/// The key of an order in [`ORDERS_PAID`]: keys sort as (`paid_at`, id)
/// do, so a span of payments is one range.
pub fn paid_key(paid_at: Instant, order_id: &str) -> String {
    format!("{}.{}", instant_hex(paid_at), hex(order_id))
}

fn instant_hex(at: Instant) -> String {
    // The sign bit flipped: negative instants sort before positive ones.
    hex(((at.unix() as u64) ^ (1 << 63)).to_be_bytes())
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.as_ref().len() * 2);
    for b in bytes.as_ref() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Before a request: takes into the ledger's memory what `wanted` and the
/// tier window at `now` need from the table; `true` when it read any.
pub async fn recall<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    ledger: &mut Ledger,
    program: &Program,
    wanted: Wanted<'_>,
    now: Instant,
) -> Result<bool, StoreError> {
    let mut read_any = false;
    if let Some(from) = ledger.recall_from(program, wanted.paid_at, now) {
        read_any = true;
        let since = ledger.orders_since.unwrap_or(now);
        let mut span = Vec::new();
        // Every key of an instant after `from` sorts after this one.
        let mut beyond = format!("{}/", instant_hex(from));
        loop {
            let page = read(handler, key, ORDERS_PAID, beyond, PAGE).await?;
            let full = page.len() == PAGE;
            let Some((last, _)) = page.last() else { break };
            beyond = last.clone();
            let past = page.iter().any(|(_, o)| o.paid_at > since);
            span.extend(
                page.into_iter()
                    .map(|(_, o)| o)
                    .filter(|o| o.paid_at <= since),
            );
            if past || !full {
                break;
            }
        }
        ledger.recall_orders_since(from, span);
    }
    if let Some(order_id) = wanted.order_id.filter(|id| ledger.order(id).is_none()) {
        read_any = true;
        let mut found = read(handler, key, ORDERS, hex(order_id), 1).await?;
        if let Some((row, order)) = found.pop()
            && row == id_key(order_id)
        {
            ledger.recall_order(program, order, now);
        }
    }
    Ok(read_any)
}

/// After a request: the rows and lookup keys that put away the ledger's
/// orders (those it recorded or refunded), moving at most `batch` of a
/// ledger stored before orders had a table, and dropping those that left
/// the history window.
pub async fn prepare_write<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    ledger: &mut Ledger,
    program: &Program,
    batch: usize,
    now: Instant,
) -> Result<(Vec<RowWrite>, Vec<LookupWrite>), StoreError> {
    let changes = ledger.put_away_orders(program, batch, now);
    let mut rows = Vec::new();
    let mut lookups = Vec::new();
    for order in changes.new.iter().chain(&changes.changed) {
        let value = serde_json::to_string(order).map_err(|e| StoreError(e.to_string()))?;
        for (table, row) in [
            (ORDERS, id_key(&order.order_id)),
            (ORDERS_PAID, paid_key(order.paid_at, &order.order_id)),
        ] {
            rows.push(RowWrite {
                table: table.to_owned(),
                key: row,
                value: Some(value.clone()),
            });
        }
    }
    lookups.extend(changes.new.iter().map(|o| LookupWrite {
        key: order_lookup(&o.order_id),
        held: true,
    }));
    if let Some(cutoff) = ledger.orders_prune_due(program, now) {
        let oldest = read(handler, key, ORDERS_PAID, String::new(), PRUNE_BATCH + 1).await?;
        let mut next = None;
        for (i, (row, order)) in oldest.into_iter().enumerate() {
            if order.paid_at >= cutoff || i == PRUNE_BATCH {
                next = Some(order.paid_at);
                break;
            }
            for (table, row) in [(ORDERS, id_key(&order.order_id)), (ORDERS_PAID, row)] {
                rows.push(RowWrite {
                    table: table.to_owned(),
                    key: row,
                    value: None,
                });
            }
            lookups.push(LookupWrite {
                key: order_lookup(&order.order_id),
                held: false,
            });
        }
        ledger.orders_pruned(next);
    }
    Ok((rows, lookups))
}

/// Up to `limit` orders of `table` with keys past `beyond`, in key order.
async fn read<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    table: &str,
    beyond: String,
    limit: usize,
) -> Result<Vec<(String, OrderRecord)>, StoreError> {
    let range = RowRange {
        table: table.to_owned(),
        newest_first: false,
        beyond: Some(beyond).filter(|b| !b.is_empty()),
        limit,
    };
    handler
        .store
        .rows(key, &range)
        .await?
        .into_iter()
        .map(|(row, text)| {
            let order = serde_json::from_str(&text)
                .map_err(|e| StoreError(format!("an order cannot be read: {e}")))?;
            Ok((row, order))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_orders_key_is_the_first_after_its_bare_hex() {
        let ids = ["7", "70", "7.", "77", "6~", "8", "é", "order 7", ""];
        let mut keys: Vec<String> = ids.iter().map(|id| id_key(id)).collect();
        keys.sort();
        for id in ids {
            let bare = hex(id);
            let first = keys.iter().find(|k| **k > bare).unwrap();
            assert_eq!(*first, id_key(id), "{id:?}");
        }
    }

    #[test]
    fn payment_keys_sort_by_instant_then_id() {
        let at = |s: i64| Instant::from_unix(s);
        let mut keys = vec![
            paid_key(at(5), "b"),
            paid_key(at(-5), "z"),
            paid_key(at(5), "a"),
            paid_key(at(1_000_000), "a"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                paid_key(at(-5), "z"),
                paid_key(at(5), "a"),
                paid_key(at(5), "b"),
                paid_key(at(1_000_000), "a"),
            ]
        );
        // Every key of a later instant sorts after the span's start.
        let start = format!("{}/", instant_hex(at(5)));
        assert!(paid_key(at(5), "ffff") < start);
        assert!(paid_key(at(6), "") > start);
    }
}
