//! [`Store`] on one SQLite file: customers' state with compare-and-swap
//! versions, the outbox index written in the same transaction, programs,
//! and the wake-time index the scheduler reads.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use retention_api::state::IDEMPOTENCY_SECONDS;
use retention_api::{
    CustomerKey, CustomerWrite, Delivery, EventPage, EventWrite, IdempotencyWrite, LookupWrite,
    RowRange, Store, StoreError, StoredEvent, Version,
};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Version 2: idempotency records moved out of the customer's state.
const SCHEMA_V2: &str = "
-- Answers to idempotent requests, written with the change they made.
CREATE TABLE idempotency (
    merchant   TEXT    NOT NULL,
    customer   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    record     TEXT    NOT NULL,  -- the API's record as JSON
    expires_at INTEGER NOT NULL,  -- unix seconds
    PRIMARY KEY (merchant, customer, key)
);
";

/// Version 3: the coupon codes of customers' redemptions, for the checkout;
/// since version 5 every lookup key (codes, `order:ID`).
const SCHEMA_V3: &str = "
CREATE TABLE codes (
    merchant TEXT NOT NULL,
    code     TEXT NOT NULL,
    customer TEXT NOT NULL,
    PRIMARY KEY (merchant, code, customer)
);
CREATE INDEX codes_by_customer ON codes (merchant, customer);
";

mod events;

/// The schema this code writes; stored in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 7;

/// Version 7: each customer's rows (ledger entries), appended beside the
/// state instead of inside it.
const SCHEMA_V7: &str = "
CREATE TABLE customer_rows (
    merchant TEXT NOT NULL,
    customer TEXT NOT NULL,
    tbl      TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,         -- the row as JSON
    PRIMARY KEY (merchant, customer, tbl, key)
) WITHOUT ROWID;
";

/// Version 6: idempotency records know their caller (each caller's
/// newest are kept, the rest dropped), and consent records have a log of
/// their own, appended, outside the state every request rewrites.
const SCHEMA_V6: &str = "
ALTER TABLE idempotency ADD COLUMN scope TEXT NOT NULL DEFAULT '';
UPDATE idempotency SET scope = substr(key, 1, instr(key, ':') - 1) WHERE instr(key, ':') > 1;
CREATE INDEX idempotency_by_scope ON idempotency (merchant, customer, scope, expires_at);
CREATE TABLE consents (
    n        INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant TEXT NOT NULL,
    customer TEXT NOT NULL,
    record   TEXT NOT NULL            -- the consent record as JSON
);
CREATE INDEX consents_by_customer ON consents (merchant, customer, n);
";

/// Read connections kept open for reuse.
const POOLED_READERS: usize = 8;

/// Version 1: customers, the outbox index, programs.
const SCHEMA: &str = "
CREATE TABLE customers (
    merchant  TEXT    NOT NULL,
    customer  TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    next_wake INTEGER,            -- unix seconds; NULL: nothing planned
    PRIMARY KEY (merchant, customer)
);
CREATE INDEX customers_by_wake ON customers (next_wake) WHERE next_wake IS NOT NULL;

CREATE TABLE outbox (
    merchant TEXT    NOT NULL,
    customer TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    send_at  INTEGER NOT NULL,    -- unix seconds
    item     TEXT    NOT NULL,    -- the OutboxItem as JSON
    PRIMARY KEY (merchant, customer, id)
);
CREATE INDEX outbox_by_send_at ON outbox (merchant, send_at, id);
CREATE INDEX outbox_by_id ON outbox (merchant, id);

CREATE TABLE programs (
    merchant TEXT    NOT NULL PRIMARY KEY,
    version  INTEGER NOT NULL,
    doc      TEXT    NOT NULL
);

-- Versions were numbered here until the handler minted them (random, so a
-- customer deleted and created again never gets an old version back); the
-- table stays, unused, in files of every schema version.
CREATE TABLE version_clock (last INTEGER NOT NULL);
INSERT INTO version_clock (last) VALUES (0);
";

/// The state store of the native server.
///
/// One writing connection behind a mutex (SQLite writes one transaction
/// at a time anyway) and a pool of reading ones: in WAL mode a read never
/// waits for a write's fsync, so one shop's writes do not slow another
/// shop's reads. Every critical section is a single short transaction run
/// on tokio's blocking pool, never held across an `await`.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::prepare(path, Connection::open(path).map_err(Failure::from)?, true)
            .map_err(StoreError::from)
    }

    /// Opens the database for a bulk load (a benchmark's fixture) while
    /// no server has it open: commits are not flushed to disk one by one,
    /// so a crash midway may lose the load, never a served write.
    pub fn open_for_bulk_load(path: &Path) -> Result<Self, StoreError> {
        Self::prepare(path, Connection::open(path).map_err(Failure::from)?, false)
            .map_err(StoreError::from)
    }

    fn prepare(path: &Path, mut conn: Connection, durable: bool) -> Result<Self, Failure> {
        // SQLite silently opens a file it may not write read-only.
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Failure::Other("the file is read-only".to_owned()));
        }
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL: readers never block the writer. FULL: a commit is on disk
        // before it is acknowledged, so an answered write survives a crash
        // or power loss, not only `kill -9`.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Failure::Other(format!(
                "cannot switch to WAL mode (got {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
        // Erasing a customer (SPEC 3.4) overwrites the freed pages too.
        conn.pragma_update(None, "secure_delete", "ON")?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path.to_owned()),
            readers: Arc::default(),
        })
    }

    /// A reading connection from the pool, or a new one.
    fn reader(&self) -> Result<Connection, Failure> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(conn) = pooled {
            return Ok(conn);
        }
        let conn = Connection::open(&*self.path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }

    /// Runs a read-only `job` on a pooled reading connection, on the
    /// calling task: in WAL mode a read never waits for a writer, and it
    /// costs a few microseconds of CPU from the page cache, like parsing
    /// what it returns, which happens on this task anyway. Handing it to
    /// the blocking pool and back cost two thread switches per request,
    /// more than the read (`GET /v1/me` went from 0.30 to about 0.4 of
    /// `/healthz`'s throughput; `tokio::task::block_in_place` measured
    /// worse than either). Writes, which wait for fsync, stay on the pool.
    async fn read<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    {
        let store = self.clone();
        let work = move || {
            let mut conn = store.reader()?;
            let result = job(&mut conn);
            // A connection that failed mid-read is dropped, not pooled.
            if result.is_ok() {
                let mut pool = store.readers.lock().unwrap_or_else(PoisonError::into_inner);
                if pool.len() < POOLED_READERS {
                    pool.push(conn);
                }
            }
            result
        };
        work().map_err(StoreError::from)
    }

    /// Customers whose `next_wake` is at or before `now`, soonest first, at
    /// most `limit` (the reminder scheduler wakes them).
    pub async fn due_wakes(
        &self,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<CustomerKey>, StoreError> {
        self.read(move |conn| {
            let mut query = conn.prepare_cached(
                "SELECT merchant, customer FROM customers
                 WHERE next_wake IS NOT NULL AND next_wake <= ?1
                 ORDER BY next_wake, merchant, customer LIMIT ?2",
            )?;
            let rows = query.query_map(params![now.unix(), sql_limit(limit)], |row| {
                Ok(CustomerKey {
                    merchant: row.get(0)?,
                    customer: row.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Runs `job` with the connection on tokio's blocking pool (inline when
    /// there is no runtime), so an fsync never stalls the async workers.
    async fn run<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        blocking(move || {
            // A panic mid-transaction rolled it back when the transaction
            // dropped, so the connection is still sound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            job(&mut conn).map_err(StoreError::from)
        })
        .await
    }
}

/// Runs `work` on tokio's blocking pool (inline when there is no runtime),
/// so an fsync never stalls the async workers.
async fn blocking<T, W>(work: W) -> Result<T, StoreError>
where
    T: Send + 'static,
    W: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(work)
            .await
            .map_err(|error| StoreError(format!("a database task stopped: {error}")))?,
        Err(_) => work(),
    }
}

impl Store for SqliteStore {
    async fn load_customer(
        &self,
        key: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        let key = key.clone();
        self.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT version, state FROM customers WHERE merchant = ?1 AND customer = ?2",
                )?
                .query_row(params![key.merchant, key.customer], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?;
            row.map(|(version, state)| Ok((from_sql_version(version)?, state)))
                .transpose()
        })
        .await
    }

    async fn load_customer_and_program_version(
        &self,
        key: &CustomerKey,
    ) -> Result<(Option<(Version, String)>, Option<Version>), StoreError> {
        let key = key.clone();
        self.read(move |conn| {
            // One statement, so one read transaction and one snapshot.
            let (program, version, state) = conn
                .prepare_cached(
                    "SELECT (SELECT version FROM programs WHERE merchant = ?1), c.version, c.state
                     FROM (SELECT 1) LEFT JOIN customers c ON c.merchant = ?1 AND c.customer = ?2",
                )?
                .query_row(params![key.merchant, key.customer], |row| {
                    Ok((
                        row.get::<_, Option<i64>>(0)?,
                        row.get::<_, Option<i64>>(1)?,
                        row.get::<_, Option<String>>(2)?,
                    ))
                })?;
            let customer = match version.zip(state) {
                Some((version, state)) => Some((from_sql_version(version)?, state)),
                None => None,
            };
            Ok((customer, program.map(from_sql_version).transpose()?))
        })
        .await
    }

    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError> {
        let key = key.clone();
        self.run(move |conn| save_customer(conn, &key, expected, &write))
            .await
    }

    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
        now: Instant,
    ) -> Result<Option<String>, StoreError> {
        let (key, idempotency_key) = (key.clone(), idempotency_key.to_owned());
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT record FROM idempotency WHERE merchant = ?1 AND customer = ?2 AND key = ?3 AND expires_at > ?4",
                )?
                .query_row(params![key.merchant, key.customer, idempotency_key, now.unix()], |row| {
                    row.get::<_, String>(0)
                })
                .optional()?)
        })
        .await
    }

    async fn save_idempotency(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        let key = key.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if current_version(&tx, &key)? != expected {
                return Ok(false);
            }
            remember(&tx, &key, &write)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn consents(&self, key: &CustomerKey) -> Result<Vec<String>, StoreError> {
        let key = key.clone();
        self.read(move |conn| {
            let mut query = conn.prepare_cached(
                "SELECT record FROM consents WHERE merchant = ?1 AND customer = ?2 ORDER BY n",
            )?;
            let rows = query.query_map(params![key.merchant, key.customer], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
    }

    async fn rows(
        &self,
        key: &CustomerKey,
        range: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let key = key.clone();
        let range = range.clone();
        self.read(move |conn| {
            let sql = match (range.newest_first, range.beyond.is_some()) {
                (true, true) => "SELECT key, value FROM customer_rows WHERE merchant = ?1 AND customer = ?2 AND tbl = ?3 AND key < ?4 ORDER BY key DESC LIMIT ?5",
                (true, false) => "SELECT key, value FROM customer_rows WHERE merchant = ?1 AND customer = ?2 AND tbl = ?3 AND ?4 IS NULL ORDER BY key DESC LIMIT ?5",
                (false, true) => "SELECT key, value FROM customer_rows WHERE merchant = ?1 AND customer = ?2 AND tbl = ?3 AND key > ?4 ORDER BY key LIMIT ?5",
                (false, false) => "SELECT key, value FROM customer_rows WHERE merchant = ?1 AND customer = ?2 AND tbl = ?3 AND ?4 IS NULL ORDER BY key LIMIT ?5",
            };
            let limit = i64::try_from(range.limit).unwrap_or(i64::MAX);
            let mut query = conn.prepare_cached(sql)?;
            let rows = query.query_map(
                params![key.merchant, key.customer, range.table, range.beyond, limit],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            Ok(rows.collect::<Result<Vec<(String, String)>, _>>()?)
        })
        .await
    }

    async fn erase_customer(
        &self,
        key: &CustomerKey,
        erased: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        let key = key.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(event) = &erased {
                events::erase(&tx, &key)?;
                events::append(&tx, &key.merchant, event)?;
            }
            tx.execute(
                "DELETE FROM outbox WHERE merchant = ?1 AND customer = ?2",
                params![key.merchant, key.customer],
            )?;
            tx.execute(
                "DELETE FROM idempotency WHERE merchant = ?1 AND customer = ?2",
                params![key.merchant, key.customer],
            )?;
            tx.execute(ERASE_CODES, params![key.merchant, key.customer])?;
            tx.execute(
                "DELETE FROM consents WHERE merchant = ?1 AND customer = ?2",
                params![key.merchant, key.customer],
            )?;
            tx.execute(
                "DELETE FROM customer_rows WHERE merchant = ?1 AND customer = ?2",
                params![key.merchant, key.customer],
            )?;
            tx.execute(
                "DELETE FROM customers WHERE merchant = ?1 AND customer = ?2",
                params![key.merchant, key.customer],
            )?;
            tx.commit()?;
            // secure_delete overwrote the pages in the database; the old
            // versions still sit in the write-ahead log until it is
            // checkpointed and emptied.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn last_sequence(&self, key: &CustomerKey) -> Result<u64, StoreError> {
        let key = key.clone();
        self.read(move |conn| events::last_sequence(conn, &key))
            .await
    }

    async fn events(
        &self,
        merchant: &str,
        after: u64,
        limit: usize,
        kind: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        let (merchant, kind) = (merchant.to_owned(), kind.map(str::to_owned));
        self.read(move |conn| events::page(conn, &merchant, after, limit, kind.as_deref()))
            .await
    }

    async fn event(&self, merchant: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        let (merchant, id) = (merchant.to_owned(), id.to_owned());
        self.read(move |conn| events::one(conn, &merchant, &id))
            .await
    }

    async fn set_delivery(
        &self,
        merchant: &str,
        id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError> {
        let (merchant, id) = (merchant.to_owned(), id.to_owned());
        self.run(move |conn| events::set_delivery(conn, &merchant, &id, delivery))
            .await
    }

    async fn due_deliveries(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let merchant = merchant.to_owned();
        self.read(move |conn| events::due(conn, &merchant, now, limit))
            .await
    }

    async fn prune_events(&self, merchant: &str, before: Instant) -> Result<(), StoreError> {
        let merchant = merchant.to_owned();
        self.run(move |conn| events::prune(conn, &merchant, before))
            .await
    }

    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError> {
        let merchant = merchant.to_owned();
        self.read(move |conn| {
            let row = conn
                .prepare_cached("SELECT version, doc FROM programs WHERE merchant = ?1")?
                .query_row(params![merchant], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?;
            row.map(|(version, doc)| Ok((from_sql_version(version)?, doc)))
                .transpose()
        })
        .await
    }

    async fn program_version(&self, merchant: &str) -> Result<Option<Version>, StoreError> {
        let merchant = merchant.to_owned();
        self.read(move |conn| {
            let version = conn
                .prepare_cached("SELECT version FROM programs WHERE merchant = ?1")?
                .query_row(params![merchant], |row| row.get::<_, i64>(0))
                .optional()?;
            version.map(from_sql_version).transpose()
        })
        .await
    }

    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        version: Version,
        program: &str,
    ) -> Result<bool, StoreError> {
        let version = to_sql_version(version).map_err(StoreError::from)?;
        let (merchant, program) = (merchant.to_owned(), program.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<i64> = tx
                .query_row("SELECT version FROM programs WHERE merchant = ?1", params![merchant], |row| row.get(0))
                .optional()?;
            if current.map(from_sql_version).transpose()? != expected {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO programs (merchant, version, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT (merchant) DO UPDATE SET version = excluded.version, doc = excluded.doc",
                params![merchant, version, program],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn due_outbox(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let merchant = merchant.to_owned();
        self.read(move |conn| {
            let mut query = conn.prepare_cached(
                "SELECT item FROM outbox WHERE merchant = ?1 AND send_at <= ?2
                 ORDER BY send_at, id LIMIT ?3",
            )?;
            let rows = query.query_map(params![merchant, now.unix(), sql_limit(limit)], |row| {
                row.get::<_, String>(0)
            })?;
            rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
        })
        .await
    }

    async fn owner_of(&self, merchant: &str, lookup: &str) -> Result<Option<String>, StoreError> {
        let (merchant, code) = (merchant.to_owned(), lookup.to_owned());
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT customer FROM codes WHERE merchant = ?1 AND code = ?2 ORDER BY customer LIMIT 1")?
                .query_row(params![merchant, code], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn outbox_owner(&self, merchant: &str, id: &str) -> Result<Option<String>, StoreError> {
        let (merchant, id) = (merchant.to_owned(), id.to_owned());
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(OUTBOX_OWNER)?
                .query_row(params![merchant, id], |row| row.get(0))
                .optional()?)
        })
        .await
    }
}

/// The compare-and-swap write of one customer: version check, state, wake
/// time and outbox rows in one transaction.
fn save_customer(
    conn: &mut Connection,
    key: &CustomerKey,
    expected: Option<Version>,
    write: &CustomerWrite,
) -> Result<bool, Failure> {
    // IMMEDIATE takes the write lock before the read, so no other writer
    // can slip in between the version check and the write.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if current_version(&tx, key)? != expected {
        return Ok(false);
    }
    let version = to_sql_version(write.version)?;
    let wake = write.next_wake.map(Instant::unix);
    tx.execute(
        "INSERT INTO customers (merchant, customer, version, state, next_wake) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (merchant, customer) DO UPDATE
         SET version = excluded.version, state = excluded.state, next_wake = excluded.next_wake",
        params![key.merchant, key.customer, version, write.state, wake],
    )?;
    tx.execute(
        "DELETE FROM outbox WHERE merchant = ?1 AND customer = ?2",
        params![key.merchant, key.customer],
    )?;
    if let Some(idem) = &write.idempotency {
        remember(&tx, key, idem)?;
    }
    {
        let mut append = tx.prepare_cached(
            "INSERT INTO consents (merchant, customer, record) VALUES (?1, ?2, ?3)",
        )?;
        for record in &write.consents {
            append.execute(params![key.merchant, key.customer, record])?;
        }
    }
    {
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO customer_rows (merchant, customer, tbl, key, value) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut delete = tx.prepare_cached(
            "DELETE FROM customer_rows WHERE merchant = ?1 AND customer = ?2 AND tbl = ?3 AND key = ?4",
        )?;
        for row in &write.rows {
            match &row.value {
                Some(value) => put.execute(params![
                    key.merchant,
                    key.customer,
                    row.table,
                    row.key,
                    value
                ])?,
                None => delete.execute(params![key.merchant, key.customer, row.table, row.key])?,
            };
        }
    }
    update_codes(&tx, key, &write.lookups)?;
    for event in &write.events {
        events::append(&tx, &key.merchant, event)?;
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO outbox (merchant, customer, id, send_at, item) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for item in &write.outbox {
            let json = serde_json::to_string(item)?;
            insert.execute(params![
                key.merchant,
                key.customer,
                item.id,
                item.send_at.unix(),
                json
            ])?;
        }
    }
    tx.commit()?;
    Ok(true)
}

/// The customer's version, inside a transaction.
fn current_version(
    tx: &rusqlite::Transaction<'_>,
    key: &CustomerKey,
) -> Result<Option<Version>, Failure> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT version FROM customers WHERE merchant = ?1 AND customer = ?2",
            params![key.merchant, key.customer],
            |row| row.get(0),
        )
        .optional()?;
    current.map(from_sql_version).transpose()
}

/// Stores an idempotency record; the customer's expired records go, and
/// of its caller's records only the newest `keep`.
fn remember(
    tx: &rusqlite::Transaction<'_>,
    key: &CustomerKey,
    idem: &IdempotencyWrite,
) -> Result<(), Failure> {
    tx.prepare_cached(
        "DELETE FROM idempotency WHERE merchant = ?1 AND customer = ?2 AND expires_at <= ?3",
    )?
    .execute(params![
        key.merchant,
        key.customer,
        idem.expires_at.unix() - IDEMPOTENCY_SECONDS
    ])?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO idempotency (merchant, customer, key, record, expires_at, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![key.merchant, key.customer, idem.key, idem.record, idem.expires_at.unix(), idem.scope])?;
    tx.prepare_cached(
        "DELETE FROM idempotency WHERE rowid IN (
           SELECT rowid FROM idempotency WHERE merchant = ?1 AND customer = ?2 AND scope = ?3
           ORDER BY expires_at DESC, rowid DESC LIMIT -1 OFFSET ?4)",
    )?
    .execute(params![
        key.merchant,
        key.customer,
        idem.scope,
        i64::from(idem.keep)
    ])?;
    Ok(())
}

/// Who holds an outbox item (the merchant's ack names only the item).
/// Named index, as for [`ERASE_CODES`].
const OUTBOX_OWNER: &str = "SELECT customer FROM outbox INDEXED BY outbox_by_id WHERE merchant = ?1 AND id = ?2 ORDER BY customer LIMIT 1";

/// Drops the lookup keys a customer holds. Named index: without
/// statistics SQLite prefers the primary key (merchant, code, customer),
/// which narrows only by merchant, so erasing one customer scanned all of
/// the merchant's codes.
const ERASE_CODES: &str =
    "DELETE FROM codes INDEXED BY codes_by_customer WHERE merchant = ?1 AND customer = ?2";

/// Applies the write's changes to the customer's lookup keys: a write
/// touches only the keys that came or went, however many the customer
/// holds.
fn update_codes(
    tx: &rusqlite::Transaction<'_>,
    key: &CustomerKey,
    changes: &[LookupWrite],
) -> Result<(), Failure> {
    let mut delete =
        tx.prepare_cached("DELETE FROM codes WHERE merchant = ?1 AND code = ?2 AND customer = ?3")?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO codes (merchant, code, customer) VALUES (?1, ?2, ?3)",
    )?;
    for change in changes {
        let statement = if change.held {
            &mut insert
        } else {
            &mut delete
        };
        statement.execute(params![key.merchant, change.key, key.customer])?;
    }
    Ok(())
}

/// Creates the schema of a new file; refuses a file from a newer server.
fn migrate(conn: &mut Connection) -> Result<(), Failure> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match found {
        // Each step brings a file of the version before it one further.
        0..=6 => {
            if found == 0 {
                tx.execute_batch(SCHEMA)?;
            }
            if found <= 1 {
                tx.execute_batch(SCHEMA_V2)?;
            }
            if found <= 2 {
                tx.execute_batch(SCHEMA_V3)?;
            }
            if found <= 3 {
                tx.execute_batch(events::SCHEMA_V4)?;
            }
            if found <= 5 {
                tx.execute_batch(SCHEMA_V6)?;
            }
            if found <= 6 {
                tx.execute_batch(SCHEMA_V7)?;
            }
            // Version 5 indexes orders beside codes (the `codes` table holds
            // every lookup key): customers written before have them in
            // their state only, so index them now.
            if found <= 4 {
                index_lookups_of_every_customer(&tx)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        SCHEMA_VERSION => {}
        newer => {
            return Err(Failure::Other(format!(
                "its schema version {newer} is newer than this server's {SCHEMA_VERSION}"
            )));
        }
    }
    Ok(tx.commit()?)
}

/// Fills the lookup index (table `codes`) from every stored customer's
/// redemptions and orders.
fn index_lookups_of_every_customer(tx: &rusqlite::Transaction<'_>) -> Result<(), Failure> {
    let mut select = tx.prepare("SELECT merchant, customer, state FROM customers")?;
    let rows = select.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut insert =
        tx.prepare("INSERT OR IGNORE INTO codes (merchant, code, customer) VALUES (?1, ?2, ?3)")?;
    for row in rows {
        let (merchant, customer, state) = row?;
        // A state this server cannot read fails when it is loaded, with
        // its own error; it has no codes to index here.
        let Ok(doc) = retention_api::state::CustomerDoc::parse(&state) else {
            continue;
        };
        // Written before orders had a table of their own: the state holds
        // them all.
        let orders = doc.customer.ledger.orders.iter();
        let lookups = orders.map(|o| retention_core::customer::order_lookup(&o.order_id));
        for code in doc.customer.codes().into_iter().chain(lookups) {
            insert.execute(params![merchant, code, customer])?;
        }
    }
    Ok(())
}

fn to_sql_version(version: Version) -> Result<i64, Failure> {
    i64::try_from(version)
        .map_err(|_| Failure::Other(format!("version {version} does not fit SQLite")))
}

fn from_sql_version(version: i64) -> Result<Version, Failure> {
    Version::try_from(version)
        .map_err(|_| Failure::Other(format!("stored version {version} is negative")))
}

pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// What can go wrong inside a database job.
#[derive(Debug)]
pub(crate) enum Failure {
    Sql(rusqlite::Error),
    Json(serde_json::Error),
    Other(String),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Failure::Sql(error)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(error: serde_json::Error) -> Self {
        Failure::Json(error)
    }
}

impl From<Failure> for StoreError {
    fn from(failure: Failure) -> Self {
        StoreError(match failure {
            Failure::Sql(error) => format!("SQLite: {error}"),
            Failure::Json(error) => format!("an outbox item is not valid JSON: {error}"),
            Failure::Other(problem) => problem,
        })
    }
}

#[cfg(test)]
mod plans {
    use super::*;

    /// How SQLite runs `sql` on a file of the current schema.
    fn plan(sql: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("plan.db")).unwrap();
        let conn = store.conn.lock().unwrap();
        let mut query = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = query
            .query_map(params!["m", "c"], |row| row.get::<_, String>(3))
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("; ")
    }

    #[test]
    fn a_customers_codes_are_found_by_customer_not_by_scanning_the_merchants() {
        // A scan of the merchant's codes made erasing one customer cost as
        // much as the merchant's customers together.
        let plan = plan(ERASE_CODES);
        assert!(plan.contains("customer=?"), "{plan}");
    }

    #[test]
    fn an_outbox_item_is_found_by_its_id_not_by_scanning_the_merchants() {
        let plan = plan(OUTBOX_OWNER);
        assert!(plan.contains("id=?"), "{plan}");
    }
}
