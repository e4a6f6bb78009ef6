//! The merchants' event logs in the same SQLite file (SPEC 3.6): appended
//! in the transaction of the change they report, numbered by an
//! AUTOINCREMENT position that follows commit order (SQLite has one writer
//! at a time), so a feed cursor never skips an event that commits later.

use retention_api::{CustomerKey, Delivery, DeliveryState, EventPage, EventWrite, StoredEvent};
use retention_core::Instant;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{Failure, sql_limit};

/// Version 4: event logs with their delivery state, and their horizons.
pub const SCHEMA_V4: &str = "
CREATE TABLE events (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant        TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    customer        TEXT    NOT NULL,
    sequence        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,  -- unix seconds
    body            TEXT    NOT NULL,  -- the envelope, as delivered
    state           TEXT    NOT NULL,  -- none | pending | delivered | failed
    attempts        INTEGER NOT NULL,
    failures        INTEGER NOT NULL,  -- failed attempts of the current round
    last_status     INTEGER,
    next_attempt_at INTEGER            -- unix seconds, while pending
);
CREATE UNIQUE INDEX events_by_id ON events (merchant, id);
CREATE INDEX events_by_position ON events (merchant, position);
CREATE INDEX events_by_customer ON events (merchant, customer, sequence);
CREATE INDEX events_by_age ON events (merchant, created_at);
CREATE INDEX events_pending ON events (merchant, customer, sequence) WHERE state = 'pending';

-- Per merchant: the highest position given, and the highest pruned by
-- retention (cursors at or below it are no longer valid).
CREATE TABLE event_horizons (
    merchant       TEXT    NOT NULL PRIMARY KEY,
    newest         INTEGER NOT NULL,
    pruned_through INTEGER NOT NULL
);
";

const COLUMNS: &str = "position, id, customer, sequence, kind, created_at, body, state, attempts, failures, last_status, next_attempt_at";

/// Appends `event` to the merchant's log inside `tx`.
pub fn append(tx: &Transaction<'_>, merchant: &str, event: &EventWrite) -> Result<(), Failure> {
    let d = &event.delivery;
    let position: i64 = tx
        .prepare_cached(
            "INSERT INTO events (merchant, id, customer, sequence, kind, created_at, body,
                                 state, attempts, failures, last_status, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING position",
        )?
        .query_row(
            params![
                merchant,
                event.id,
                event.customer,
                i64::try_from(event.sequence).unwrap_or(i64::MAX),
                event.kind,
                event.created_at.unix(),
                event.body,
                d.state.as_str(),
                d.attempts,
                d.failures,
                d.last_status,
                d.next_attempt_at.map(Instant::unix),
            ],
            |row| row.get(0),
        )?;
    tx.prepare_cached(
        "INSERT INTO event_horizons (merchant, newest, pruned_through) VALUES (?1, ?2, 0)
         ON CONFLICT (merchant) DO UPDATE SET newest = excluded.newest",
    )?
    .execute(params![merchant, position])?;
    Ok(())
}

/// Removes the customer's events inside `tx` (erasure).
pub fn erase(tx: &Transaction<'_>, key: &CustomerKey) -> Result<(), Failure> {
    tx.execute(
        "DELETE FROM events WHERE merchant = ?1 AND customer = ?2",
        params![key.merchant, key.customer],
    )?;
    Ok(())
}

/// See `Store::last_sequence`.
pub fn last_sequence(conn: &Connection, key: &CustomerKey) -> Result<u64, Failure> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT MAX(sequence) FROM events WHERE merchant = ?1 AND customer = ?2")?
        .query_row(params![key.merchant, key.customer], |row| row.get(0))?;
    Ok(last.and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
}

/// See `Store::events`.
pub fn page(
    conn: &Connection,
    merchant: &str,
    after: u64,
    limit: usize,
    kind: Option<&str>,
) -> Result<EventPage, Failure> {
    // One read transaction: the page and the horizons agree.
    let tx = conn.unchecked_transaction()?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let items = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM events
             WHERE merchant = ?1 AND position > ?2 AND (?3 IS NULL OR kind = ?3)
             ORDER BY position LIMIT ?4"
        ))?
        .query_map(params![merchant, after, kind, sql_limit(limit)], stored)?
        .collect::<Result<Vec<_>, _>>()?;
    let (newest, pruned_through): (i64, i64) = tx
        .prepare_cached("SELECT newest, pruned_through FROM event_horizons WHERE merchant = ?1")?
        .query_row(params![merchant], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or((0, 0));
    tx.finish()?;
    Ok(EventPage {
        items,
        pruned_through: u64::try_from(pruned_through).unwrap_or(0),
        newest: u64::try_from(newest).unwrap_or(0),
    })
}

/// See `Store::event`.
pub fn one(conn: &Connection, merchant: &str, id: &str) -> Result<Option<StoredEvent>, Failure> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM events WHERE merchant = ?1 AND id = ?2"
        ))?
        .query_row(params![merchant, id], stored)
        .optional()?)
}

/// See `Store::set_delivery`.
pub fn set_delivery(
    conn: &Connection,
    merchant: &str,
    id: &str,
    d: Delivery,
) -> Result<bool, Failure> {
    let changed = conn
        .prepare_cached(
            "UPDATE events SET state = ?3, attempts = ?4, failures = ?5, last_status = ?6,
                               next_attempt_at = ?7
             WHERE merchant = ?1 AND id = ?2",
        )?
        .execute(params![
            merchant,
            id,
            d.state.as_str(),
            d.attempts,
            d.failures,
            d.last_status,
            d.next_attempt_at.map(Instant::unix),
        ])?;
    Ok(changed == 1)
}

/// See `Store::due_deliveries`.
pub fn due(
    conn: &Connection,
    merchant: &str,
    now: Instant,
    limit: usize,
) -> Result<Vec<StoredEvent>, Failure> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM events e
             WHERE merchant = ?1 AND state = 'pending' AND next_attempt_at <= ?2
               AND NOT EXISTS (SELECT 1 FROM events p
                               WHERE p.merchant = e.merchant AND p.customer = e.customer
                                 AND p.state = 'pending' AND p.sequence < e.sequence)
             ORDER BY next_attempt_at, position LIMIT ?3"
        ))?
        .query_map(params![merchant, now.unix(), sql_limit(limit)], stored)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// See `Store::prune_events`.
pub fn prune(conn: &mut Connection, merchant: &str, before: Instant) -> Result<(), Failure> {
    // Most looks find nothing: ask before taking the write lock.
    let any: Option<i64> = conn
        .prepare_cached(
            "SELECT position FROM events WHERE merchant = ?1 AND created_at < ?2 LIMIT 1",
        )?
        .query_row(params![merchant, before.unix()], |row| row.get(0))
        .optional()?;
    if any.is_none() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let last: Option<i64> = tx
        .prepare_cached("SELECT MAX(position) FROM events WHERE merchant = ?1 AND created_at < ?2")?
        .query_row(params![merchant, before.unix()], |row| row.get(0))?;
    let Some(last) = last else {
        return Ok(());
    };
    tx.execute(
        "DELETE FROM events WHERE merchant = ?1 AND created_at < ?2",
        params![merchant, before.unix()],
    )?;
    tx.execute(
        "UPDATE event_horizons SET pruned_through = MAX(pruned_through, ?2) WHERE merchant = ?1",
        params![merchant, last],
    )?;
    Ok(tx.commit()?)
}

fn stored(row: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let unsigned = |n: i64| u64::try_from(n).unwrap_or(0);
    let state: String = row.get(7)?;
    Ok(StoredEvent {
        position: unsigned(row.get(0)?),
        event: EventWrite {
            id: row.get(1)?,
            customer: row.get(2)?,
            sequence: unsigned(row.get(3)?),
            kind: row.get(4)?,
            created_at: Instant::from_unix(row.get(5)?),
            body: row.get(6)?,
            delivery: Delivery {
                state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Failed),
                attempts: row.get(8)?,
                failures: row.get(9)?,
                last_status: row.get(10)?,
                next_attempt_at: row.get::<_, Option<i64>>(11)?.map(Instant::from_unix),
            },
        },
    })
}
