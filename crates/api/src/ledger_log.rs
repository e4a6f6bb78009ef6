//! The ledger's entries in the store's log (one of the customer's row
//! tables): appended with each write, folded into the carried-forward
//! entry once older than the history window, and read a page at a time,
//! so no request reads or rewrites a customer's whole history.

use retention_core::ledger::{ActivityCursor, Entry, Ledger, log_key};
use retention_core::{Instant, Program};

use crate::{Clock, CustomerKey, Entropy, Handler, RowRange, RowWrite, Store, StoreError, txn};

/// The table of ledger entries, keyed by [`log_key`].
pub const ENTRIES: &str = "entries";

/// Most log entries one write folds (Deno KV takes at most 1,000 changes
/// in one commit); a longer backlog is folded by the writes after it,
/// and reads fold what is left on the fly.
const FOLD_BATCH: usize = 400;

/// What a write does to the log: folds what left the history window (at
/// most [`FOLD_BATCH`] entries) and appends the entries recorded since the
/// ledger was loaded, which leave the state.
pub async fn prepare_write<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    ledger: &mut Ledger,
    program: &Program,
    now: Instant,
) -> Result<Vec<RowWrite>, StoreError> {
    let mut rows = Vec::new();
    if let Some(cutoff) = ledger.fold_due(program, now) {
        let oldest = read(handler, key, false, None, FOLD_BATCH + 1).await?;
        let mut folded = Vec::new();
        let mut next = None;
        for (row, entry) in oldest {
            if entry.at >= cutoff || folded.len() == FOLD_BATCH {
                next = Some(entry.at);
                break;
            }
            rows.push(RowWrite {
                table: ENTRIES.to_owned(),
                key: row,
                value: None,
            });
            folded.push(entry);
        }
        ledger.fold_logged(program, folded, next, now);
    }
    for entry in ledger.take_unlogged() {
        rows.push(RowWrite {
            table: ENTRIES.to_owned(),
            key: log_key(entry.at, entry.id),
            value: Some(serde_json::to_string(&entry).map_err(|e| StoreError(e.to_string()))?),
        });
    }
    Ok(rows)
}

/// The log's entries a page of activity after `cursor` needs (see
/// `Customer::activity`), with the ledger they were read against.
pub async fn for_page<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    program: &Program,
    now: Instant,
    limit: usize,
    cursor: Option<ActivityCursor>,
) -> Result<(txn::Loaded, Vec<Entry>), StoreError> {
    // A fold committed between reading the state and the log would count
    // its entries twice or not at all: then both are read again.
    for _ in 0..txn::MAX_READS {
        let loaded = txn::load_versioned(handler, key).await?;
        let beyond = cursor.map(|c| c.log_key());
        let mut entries: Vec<Entry> = read(handler, key, true, beyond, limit + 1)
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        let cutoff = loaded.doc.customer.ledger.fold_due(program, now);
        let reaches_old = entries.len() <= limit
            || entries
                .last()
                .is_some_and(|e| cutoff.is_some_and(|c| e.at < c));
        let Some(cutoff) = cutoff.filter(|_| reaches_old) else {
            return Ok((loaded, entries));
        };
        // The page may show the carried-forward entry: every entry it
        // still has to fold is read.
        let old = read(handler, key, true, Some(log_key(cutoff, 0)), usize::MAX).await?;
        entries.extend(old.into_iter().map(|(_, e)| e));
        if txn::version(handler, key).await? == loaded.version {
            return Ok((loaded, entries));
        }
    }
    Err(StoreError(
        "the customer is changing too fast to read; try again".to_owned(),
    ))
}

/// Every entry of the log, oldest first (the merchant's view).
pub async fn all<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<Vec<Entry>, StoreError> {
    Ok(read(handler, key, false, None, usize::MAX)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

async fn read<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    newest_first: bool,
    beyond: Option<String>,
    limit: usize,
) -> Result<Vec<(String, Entry)>, StoreError> {
    let range = RowRange {
        table: ENTRIES.to_owned(),
        newest_first,
        beyond,
        limit,
    };
    handler
        .store
        .rows(key, &range)
        .await?
        .into_iter()
        .map(|(row, text)| {
            let entry = serde_json::from_str(&text)
                .map_err(|e| StoreError(format!("a ledger entry cannot be read: {e}")))?;
            Ok((row, entry))
        })
        .collect()
}
