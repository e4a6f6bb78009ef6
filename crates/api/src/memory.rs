//! An in-memory store: the reference adapter the handler's tests run on
//! (each platform's store must behave the same way).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use retention_core::Instant;
use retention_core::reminders::OutboxItem;

use crate::ports::{Delivery, DeliveryState, EventPage, EventWrite, RowRange, StoredEvent};
use crate::{CustomerKey, CustomerWrite, IdempotencyWrite, Store, StoreError, Version};

/// One customer's row: version, state, wake time, outbox, lookup keys.
type Stored = (
    Version,
    String,
    Option<Instant>,
    Vec<OutboxItem>,
    BTreeSet<String>,
);

#[derive(Default)]
struct Tables {
    customers: BTreeMap<CustomerKey, Stored>,
    programs: BTreeMap<String, (Version, String)>,
    /// Records: the JSON, when it expires, its scope and its place in
    /// the order records were written.
    idempotency: BTreeMap<(CustomerKey, String), (String, Instant, String, u64)>,
    records_written: u64,
    /// Each customer's consent log.
    consents: BTreeMap<CustomerKey, Vec<String>>,
    /// Each customer's rows, by table and key.
    rows: BTreeMap<(CustomerKey, String, String), String>,
    /// Every merchant's event log, by position (one counter for all).
    events: BTreeMap<u64, (String, EventWrite)>,
    next_position: u64,
    /// Per merchant, the highest position given and the highest pruned.
    horizons: BTreeMap<String, (u64, u64)>,
}

impl Tables {
    /// Stores `idem` and drops what its cap pushes out.
    fn remember(&mut self, key: &CustomerKey, idem: IdempotencyWrite) {
        self.records_written += 1;
        let scope = idem.scope.clone();
        self.idempotency.insert(
            (key.clone(), idem.key),
            (
                idem.record,
                idem.expires_at,
                idem.scope,
                self.records_written,
            ),
        );
        let mut mine: Vec<_> = self
            .idempotency
            .iter()
            .filter(|((k, _), (.., s, _))| k == key && *s == scope)
            .map(|((_, id), (_, expires_at, _, n))| (*expires_at, *n, id.clone()))
            .collect();
        mine.sort();
        let over = mine.len().saturating_sub(idem.keep as usize);
        for (.., id) in mine.into_iter().take(over) {
            self.idempotency.remove(&(key.clone(), id));
        }
    }

    fn append(&mut self, merchant: &str, event: EventWrite) {
        self.next_position += 1;
        let position = self.next_position;
        self.horizons.entry(merchant.to_owned()).or_default().0 = position;
        self.events.insert(position, (merchant.to_owned(), event));
    }

    fn stored(&self, merchant: &str) -> impl Iterator<Item = StoredEvent> + '_ {
        let merchant = merchant.to_owned();
        self.events
            .iter()
            .filter(move |(_, (m, _))| *m == merchant)
            .map(|(p, (_, e))| StoredEvent {
                position: *p,
                event: e.clone(),
            })
    }
}

/// Documents in a map behind a mutex.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    fn with<T>(&self, f: impl FnOnce(&mut Tables) -> T) -> Result<T, StoreError> {
        let mut tables = self
            .tables
            .lock()
            .map_err(|_| StoreError("the in-memory store was poisoned".to_owned()))?;
        Ok(f(&mut tables))
    }

    /// Customers whose wake time is at or before `now`.
    pub fn due_wakes(&self, now: Instant) -> Result<Vec<CustomerKey>, StoreError> {
        self.with(|t| {
            t.customers
                .iter()
                .filter(|(_, (_, _, wake, ..))| wake.is_some_and(|w| w <= now))
                .map(|(k, _)| k.clone())
                .collect()
        })
    }
}

impl Store for MemoryStore {
    async fn load_customer(
        &self,
        key: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        self.with(|t| t.customers.get(key).map(|(v, s, ..)| (*v, s.clone())))
    }

    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError> {
        self.with(|t| {
            if t.customers.get(key).map(|(v, ..)| *v) != expected {
                return false;
            }
            let mut lookups = t
                .customers
                .remove(key)
                .map(|(.., lookups)| lookups)
                .unwrap_or_default();
            for change in write.lookups {
                if change.held {
                    lookups.insert(change.key);
                } else {
                    lookups.remove(&change.key);
                }
            }
            t.customers.insert(
                key.clone(),
                (
                    write.version,
                    write.state,
                    write.next_wake,
                    write.outbox,
                    lookups,
                ),
            );
            if let Some(idem) = write.idempotency {
                t.remember(key, idem);
            }
            t.consents
                .entry(key.clone())
                .or_default()
                .extend(write.consents);
            for row in write.rows {
                let at = (key.clone(), row.table, row.key);
                match row.value {
                    Some(value) => t.rows.insert(at, value),
                    None => t.rows.remove(&at),
                };
            }
            for event in write.events {
                t.append(&key.merchant, event);
            }
            true
        })
    }

    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
        now: Instant,
    ) -> Result<Option<String>, StoreError> {
        self.with(|t| {
            t.idempotency
                .get(&(key.clone(), idempotency_key.to_owned()))
                .filter(|(_, expires_at, ..)| now < *expires_at)
                .map(|(record, ..)| record.clone())
        })
    }

    async fn save_idempotency(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        self.with(|t| {
            if t.customers.get(key).map(|(v, ..)| *v) != expected {
                return false;
            }
            t.remember(key, write);
            true
        })
    }

    async fn consents(&self, key: &CustomerKey) -> Result<Vec<String>, StoreError> {
        self.with(|t| t.consents.get(key).cloned().unwrap_or_default())
    }

    async fn rows(
        &self,
        key: &CustomerKey,
        range: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|t| {
            let mine = t
                .rows
                .iter()
                .filter(|((k, table, _), _)| k == key && *table == range.table)
                .map(|((.., row), value)| (row.clone(), value.clone()));
            let beyond = |row: &String| {
                range.beyond.as_ref().is_none_or(
                    |b| {
                        if range.newest_first { row < b } else { row > b }
                    },
                )
            };
            if range.newest_first {
                mine.rev()
                    .filter(|(row, _)| beyond(row))
                    .take(range.limit)
                    .collect()
            } else {
                mine.filter(|(row, _)| beyond(row))
                    .take(range.limit)
                    .collect()
            }
        })
    }

    async fn erase_customer(
        &self,
        key: &CustomerKey,
        erased: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        self.with(|t| {
            t.customers.remove(key);
            t.idempotency.retain(|(k, _), _| k != key);
            t.consents.remove(key);
            t.rows.retain(|(k, ..), _| k != key);
            if let Some(event) = erased {
                t.events
                    .retain(|_, (m, e)| !(*m == key.merchant && e.customer == key.customer));
                t.append(&key.merchant, event);
            }
        })
    }

    async fn last_sequence(&self, key: &CustomerKey) -> Result<u64, StoreError> {
        self.with(|t| {
            t.stored(&key.merchant)
                .filter(|s| s.event.customer == key.customer)
                .map(|s| s.event.sequence)
                .max()
                .unwrap_or(0)
        })
    }

    async fn events(
        &self,
        merchant: &str,
        after: u64,
        limit: usize,
        kind: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        self.with(|t| {
            let (newest, pruned_through) = t.horizons.get(merchant).copied().unwrap_or_default();
            EventPage {
                items: t
                    .stored(merchant)
                    .filter(|s| s.position > after && kind.is_none_or(|k| s.event.kind == k))
                    .take(limit)
                    .collect(),
                pruned_through,
                newest,
            }
        })
    }

    async fn event(&self, merchant: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        self.with(|t| t.stored(merchant).find(|s| s.event.id == id))
    }

    async fn set_delivery(
        &self,
        merchant: &str,
        id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError> {
        self.with(|t| {
            t.events
                .values_mut()
                .find(|(m, e)| m == merchant && e.id == id)
                .map(|(_, e)| e.delivery = delivery)
                .is_some()
        })
    }

    async fn due_deliveries(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.with(|t| {
            let mut heads: BTreeMap<String, StoredEvent> = BTreeMap::new();
            for s in t.stored(merchant) {
                if s.event.delivery.state != DeliveryState::Pending {
                    continue;
                }
                let earlier = heads
                    .get(&s.event.customer)
                    .is_some_and(|h| h.event.sequence < s.event.sequence);
                if !earlier {
                    heads.insert(s.event.customer.clone(), s);
                }
            }
            let mut due: Vec<StoredEvent> = heads
                .into_values()
                .filter(|s| s.event.delivery.next_attempt_at.is_some_and(|at| at <= now))
                .collect();
            due.sort_by_key(|s| (s.event.delivery.next_attempt_at, s.position));
            due.truncate(limit);
            due
        })
    }

    async fn prune_events(&self, merchant: &str, before: Instant) -> Result<(), StoreError> {
        self.with(|t| {
            let gone: Vec<u64> = t
                .stored(merchant)
                .filter(|s| s.event.created_at < before)
                .map(|s| s.position)
                .collect();
            if let Some(last) = gone.iter().max() {
                let horizon = t.horizons.entry(merchant.to_owned()).or_default();
                horizon.1 = horizon.1.max(*last);
            }
            for position in gone {
                t.events.remove(&position);
            }
        })
    }

    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError> {
        self.with(|t| t.programs.get(merchant).cloned())
    }

    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        version: Version,
        program: &str,
    ) -> Result<bool, StoreError> {
        self.with(|t| {
            if t.programs.get(merchant).map(|(v, _)| *v) != expected {
                return false;
            }
            t.programs
                .insert(merchant.to_owned(), (version, program.to_owned()));
            true
        })
    }

    async fn due_outbox(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.with(|t| {
            let mut items: Vec<OutboxItem> = t
                .customers
                .iter()
                .filter(|(k, _)| k.merchant == merchant)
                .flat_map(|(_, (_, _, _, outbox, _))| {
                    outbox.iter().filter(|i| i.send_at <= now).cloned()
                })
                .collect();
            items.sort_by(|a, b| (a.send_at, &a.id).cmp(&(b.send_at, &b.id)));
            items.truncate(limit);
            items
        })
    }

    async fn outbox_owner(&self, merchant: &str, id: &str) -> Result<Option<String>, StoreError> {
        self.with(|t| {
            t.customers
                .iter()
                .find(|(k, (_, _, _, outbox, _))| {
                    k.merchant == merchant && outbox.iter().any(|i| i.id == id)
                })
                .map(|(k, _)| k.customer.clone())
        })
    }

    async fn owner_of(&self, merchant: &str, lookup: &str) -> Result<Option<String>, StoreError> {
        self.with(|t| {
            t.customers
                .iter()
                .find(|(k, (.., lookups))| k.merchant == merchant && lookups.contains(lookup))
                .map(|(k, _)| k.customer.clone())
        })
    }
}
