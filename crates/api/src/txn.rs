//! One write to a customer: load, apply at `now`, store with
//! compare-and-swap, retry on conflict. Idempotency records are checked
//! against the state version read and written in the same atomic swap, so
//! a replay and a state change can never disagree.

use retention_core::ledger::Entry;
use retention_core::preferences::ConsentRecord;
use retention_core::{Customer, Instant, Program};

use crate::order_table::Wanted;
use crate::state::{CustomerDoc, IDEMPOTENCY_KEEP, IdempotencyRecord, fingerprint};
use crate::{
    Clock, CustomerKey, CustomerWrite, Entropy, Handler, IdempotencyWrite, LookupWrite, Response,
    Store, StoreError, Version, events, order_table, reply,
};

/// Attempts before giving up on a customer under heavy contention.
const MAX_ATTEMPTS: usize = 500;

/// Who sent an idempotent request: keys are scoped to the caller, so a
/// shopper's key never answers the merchant's request (SPEC 3.6).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Caller {
    /// The shopper, with a token (`/v1/me*`).
    Shopper,
    /// The merchant, with the API key (`/v1/admin/*`).
    Merchant,
    /// Shopify, whose `X-Shopify-Webhook-Id` is the key.
    Shopify,
}

/// An idempotency key, scoped to its caller, and the fingerprint of its
/// request.
pub struct Idempotency {
    /// The key as stored: the caller's scope, a colon, the client's key.
    pub key: String,
    /// The caller's scope (`shopper`, `merchant`, `shopify`).
    pub scope: &'static str,
    /// See [`fingerprint`].
    pub fingerprint: String,
    /// Whether a refusal is remembered too (it is for shoppers and the
    /// merchant; a Shopify delivery that failed is processed again when
    /// Shopify retries it).
    pub record_failures: bool,
}

impl Idempotency {
    /// For `caller`'s key and a request's method, path and JSON body.
    pub fn new(
        caller: Caller,
        key: &str,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Self {
        let scope = match caller {
            Caller::Shopper => "shopper",
            Caller::Merchant => "merchant",
            Caller::Shopify => "shopify",
        };
        Idempotency {
            key: format!("{scope}:{key}"),
            scope,
            fingerprint: fingerprint(method, path, body),
            record_failures: caller != Caller::Shopify,
        }
    }
}

/// Loads the customer's document (empty if never written).
pub async fn load<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<CustomerDoc, StoreError> {
    Ok(load_versioned(handler, key).await?.doc)
}

/// Loads the customer's document for a read of its standing at `now`:
/// with the orders a tier window grown since the last write needs.
/// `first`: the state when the caller already read it.
pub async fn load_from<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    program: &Program,
    now: Instant,
    first: Option<Option<(Version, String)>>,
) -> Result<CustomerDoc, StoreError> {
    Ok(load_consistent(handler, key, program, now, false, first)
        .await?
        .0)
}

/// Attempts at a consistent read of the state and its rows.
pub(crate) const MAX_READS: usize = 10;

/// The customer's document (with the orders standing at `now` needs),
/// and with `whole`, its consent log and ledger entries, all as of one
/// version: a write between the reads (a fold, orders put away, consents
/// moved) would count something twice or not at all, so then everything
/// is read again. A read that needed no rows is consistent by itself.
/// `first`: the state when the caller already read it (the first try).
pub async fn load_consistent<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    program: &Program,
    now: Instant,
    whole: bool,
    mut first: Option<Option<(Version, String)>>,
) -> Result<(CustomerDoc, Vec<ConsentRecord>, Vec<Entry>), StoreError> {
    for _ in 0..MAX_READS {
        let loaded = match first.take() {
            Some(read) => parse_loaded(handler, key, read)?,
            None => load_versioned(handler, key).await?,
        };
        let mut doc = loaded.doc;
        let ledger = &mut doc.customer.ledger;
        let recalled =
            order_table::recall(handler, key, ledger, program, Wanted::NONE, now).await?;
        let (logged, entries) = if whole {
            (
                consents(handler, key).await?,
                crate::ledger_log::all(handler, key).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        if !(recalled || whole) || version(handler, key).await? == loaded.version {
            return Ok((doc, logged, entries));
        }
    }
    Err(StoreError(
        "the customer is changing too fast to read; try again".to_owned(),
    ))
}

/// A customer's document and the version it was read at (`None`: never
/// written).
pub struct Loaded {
    /// The version read.
    pub version: Option<Version>,
    /// The document (empty if never written).
    pub doc: CustomerDoc,
}

/// Loads the customer's document with its version.
pub async fn load_versioned<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<Loaded, StoreError> {
    let read = handler.store.load_customer(key).await?;
    parse_loaded(handler, key, read)
}

/// The document of a state as the store gave it.
fn parse_loaded<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    read: Option<(Version, String)>,
) -> Result<Loaded, StoreError> {
    Ok(match read {
        Some((version, text)) => Loaded {
            version: Some(version),
            doc: handler.docs.parse(key, text).map_err(StoreError)?,
        },
        None => Loaded {
            version: None,
            doc: CustomerDoc::default(),
        },
    })
}

/// The customer's current version (`None`: not stored).
pub async fn version<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<Option<Version>, StoreError> {
    Ok(handler.store.load_customer(key).await?.map(|(v, _)| v))
}

/// The customer's consent log (see [`crate::CustomerWrite::consents`]).
pub async fn consents<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<Vec<ConsentRecord>, StoreError> {
    handler
        .store
        .consents(key)
        .await?
        .iter()
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|e| StoreError(format!("a consent record cannot be read: {e}")))
        })
        .collect()
}

/// Applies `op` to the customer and stores the result. `op` returns
/// `Ok(response)` to keep its changes or `Err(response)` to drop them; it
/// may run more than once (after a conflict), each time on fresh state,
/// with the orders `wanted` names recalled into the ledger.
/// With `missing`, the customer must already exist: while there is none
/// (never written, or erased meanwhile), nothing is written and the answer
/// is `missing`.
pub async fn write<S, C, E, F>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    program: &Program,
    wanted: Wanted<'_>,
    idempotency: Option<&Idempotency>,
    mut missing: Option<Response>,
    op: F,
) -> Result<Response, StoreError>
where
    S: Store,
    C: Clock,
    E: Entropy,
    F: Fn(&mut Customer, Instant) -> Result<Response, Response>,
{
    for _ in 0..MAX_ATTEMPTS {
        let loaded = handler.store.load_customer(key).await?;
        let (version, mut doc) = match loaded {
            Some((version, text)) => (
                Some(version),
                handler.docs.parse(key, text).map_err(StoreError)?,
            ),
            None => match missing.take() {
                Some(missing) => return Ok(missing),
                None => (None, CustomerDoc::default()),
            },
        };
        let now = handler.clock.now();
        // Read after the state: a first request that commits in between
        // either shows here or makes this attempt's swap fail.
        if let Some(idem) = idempotency
            && let Some(record) = recorded(handler, key, &idem.key, now).await?
        {
            return Ok(if record.fingerprint == idem.fingerprint {
                record.replay().map_err(StoreError)?
            } else {
                reply::error(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                )
            });
        }
        let held = doc.customer.codes();
        let ledger = &mut doc.customer.ledger;
        order_table::recall(handler, key, ledger, program, wanted, now).await?;
        let (response, keep) = match op(&mut doc.customer, now) {
            Ok(response) => (response, true),
            Err(response) => (response, false),
        };
        let remembered = idempotency.filter(|idem| keep || idem.record_failures);
        let record = match remembered {
            Some(idem) => Some(record_write(idem, &response, now)?),
            None => None,
        };
        if !keep {
            // A refusal changed nothing: its answer is stored alone, over
            // the version it was judged on, without rewriting the state.
            let Some(record) = record else {
                return Ok(response);
            };
            if handler.store.save_idempotency(key, version, record).await? {
                return Ok(response);
            }
            continue;
        }
        let batch = order_table::MOVE_BATCH;
        let write = assemble(
            handler, key, version, held, batch, &mut doc, program, now, record,
        )
        .await?;
        if handler.store.save_customer(key, version, write).await? {
            return Ok(response);
        }
    }
    Err(StoreError(
        "the customer is changing too fast to write; try again".to_owned(),
    ))
}

/// Settles the document, plans reminders and makes the write that stores
/// it over `version`: the state, its events, consent records, log entries
/// and orders (moving at most `batch` of a state from before the order
/// table), lookup keys (as changes to `held`, the codes it was read with)
/// and `record`.
#[allow(clippy::too_many_arguments)]
async fn assemble<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    version: Option<Version>,
    held: Vec<String>,
    batch: usize,
    doc: &mut CustomerDoc,
    program: &Program,
    now: Instant,
    record: Option<IdempotencyWrite>,
) -> Result<CustomerWrite, StoreError> {
    doc.prepare_write(&key.customer, program, now);
    let made = doc.customer.take_events();
    // New consent records (and any an older version kept in the
    // state) go to the consent log, appended, never rewritten.
    let consents = std::mem::take(&mut doc.customer.consents)
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError(e.to_string()))?;
    if !made.is_empty() && version.is_none() {
        // A customer erased while its `customer.erased` is kept
        // continues after it, so receivers keep their order.
        doc.event_sequence = doc
            .event_sequence
            .max(handler.store.last_sequence(key).await?);
    }
    let ledger = &mut doc.customer.ledger;
    let mut rows = crate::ledger_log::prepare_write(handler, key, ledger, program, now).await?;
    let (order_rows, mut lookups) =
        order_table::prepare_write(handler, key, ledger, program, batch, now).await?;
    rows.extend(order_rows);
    lookups.extend(lookup_changes(&held, &doc.customer.codes()));
    let webhook = handler.has_webhook(&key.merchant);
    let events = made
        .iter()
        .map(|made| {
            doc.event_sequence += 1;
            events::write(
                events::new_id(&handler.entropy),
                &key.customer,
                doc.event_sequence,
                made,
                now,
                webhook,
            )
        })
        .collect();
    Ok(CustomerWrite {
        version: crate::versions::mint(&handler.entropy),
        state: serde_json::to_string(&doc).map_err(|e| StoreError(e.to_string()))?,
        next_wake: doc.customer.next_wake(program, now),
        outbox: doc.customer.outbox.clone(),
        lookups,
        events,
        idempotency: record,
        consents,
        rows,
    })
}

/// Stores `customer` as a new customer (a bulk import, or a benchmark's
/// fixture): written as any write would write it at `now`; `false` if the
/// customer already exists.
pub async fn import<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    program: &Program,
    customer: Customer,
    now: Instant,
) -> Result<bool, StoreError> {
    let mut doc = CustomerDoc {
        customer,
        ..CustomerDoc::default()
    };
    let write = assemble(
        handler,
        key,
        None,
        Vec::new(),
        usize::MAX,
        &mut doc,
        program,
        now,
        None,
    )
    .await?;
    handler.store.save_customer(key, None, write).await
}

/// The lookup keys to let go and to take for a customer who held `held`
/// and holds `holds` after the write (a customer's coupon codes: a few).
fn lookup_changes(held: &[String], holds: &[String]) -> Vec<LookupWrite> {
    let gone = held
        .iter()
        .filter(|k| !holds.contains(k))
        .map(|k| (k, false));
    let new = holds
        .iter()
        .filter(|k| !held.contains(k))
        .map(|k| (k, true));
    let mut changes: Vec<LookupWrite> = Vec::new();
    for (key, held) in gone.chain(new) {
        if !changes.iter().any(|c| c.key == *key) {
            changes.push(LookupWrite {
                key: key.clone(),
                held,
            });
        }
    }
    changes
}

/// What is stored for `response` as the answer to `idem` at `now`.
fn record_write(
    idem: &Idempotency,
    response: &Response,
    now: Instant,
) -> Result<IdempotencyWrite, StoreError> {
    let record = IdempotencyRecord::new(&idem.key, &idem.fingerprint, response, now);
    Ok(IdempotencyWrite {
        key: record.key.clone(),
        expires_at: record.expires_at(),
        record: serde_json::to_string(&record).map_err(|e| StoreError(e.to_string()))?,
        scope: idem.scope.to_owned(),
        keep: IDEMPOTENCY_KEEP,
    })
}

/// The answer already given to `idempotency` for the customer, if any
/// (for operations that must not run again on a replay).
pub async fn replayed<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    idempotency: &Idempotency,
) -> Result<Option<Response>, StoreError> {
    let now = handler.clock.now();
    Ok(match recorded(handler, key, &idempotency.key, now).await? {
        Some(record) if record.fingerprint == idempotency.fingerprint => {
            Some(record.replay().map_err(StoreError)?)
        }
        Some(_) => Some(reply::error(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request.",
        )),
        None => None,
    })
}

/// Erases the customer, leaving `customer.erased` in the merchant's log
/// (none when nothing was stored).
pub async fn erase<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
) -> Result<(), StoreError> {
    let erased = match handler.store.load_customer(key).await? {
        None => None,
        Some((_, text)) => {
            let doc = CustomerDoc::parse(&text).map_err(StoreError)?;
            Some(events::write(
                events::new_id(&handler.entropy),
                &key.customer,
                doc.event_sequence + 1,
                &retention_core::events_out::EventOut::customer_erased(),
                handler.clock.now(),
                handler.has_webhook(&key.merchant),
            ))
        }
    };
    let result = handler.store.erase_customer(key, erased).await;
    // What was erased does not stay behind in this process's memory.
    handler.docs.forget(key);
    handler.views.forget(key);
    result
}

/// The live record stored under an idempotency key, if any.
async fn recorded<S: Store, C: Clock, E: Entropy>(
    handler: &Handler<S, C, E>,
    key: &CustomerKey,
    idempotency_key: &str,
    now: Instant,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    let Some(text) = handler
        .store
        .load_idempotency(key, idempotency_key, now)
        .await?
    else {
        return Ok(None);
    };
    let record: IdempotencyRecord = serde_json::from_str(&text)
        .map_err(|e| StoreError(format!("an idempotency record cannot be read: {e}")))?;
    Ok(record.is_live(now).then_some(record))
}
