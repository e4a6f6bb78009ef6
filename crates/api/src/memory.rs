//! An in-memory store: the reference adapter the handler's tests run on
//! (each platform's store must behave the same way).

use std::collections::BTreeMap;
use std::sync::Mutex;

use retention_core::Instant;
use retention_core::reminders::OutboxItem;

use crate::{CustomerKey, CustomerWrite, Store, StoreError, Version};

/// One customer's row: version, state, wake time, outbox, codes.
type Stored = (
    Version,
    String,
    Option<Instant>,
    Vec<OutboxItem>,
    Vec<String>,
);

#[derive(Default)]
struct Tables {
    customers: BTreeMap<CustomerKey, Stored>,
    programs: BTreeMap<String, (Version, String)>,
    // Expiry is the handler's check; a test store need not forget.
    idempotency: BTreeMap<(CustomerKey, String), String>,
    next_version: Version,
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
            t.next_version += 1;
            let version = t.next_version;
            t.customers.insert(
                key.clone(),
                (
                    version,
                    write.state,
                    write.next_wake,
                    write.outbox,
                    write.codes,
                ),
            );
            if let Some(idem) = write.idempotency {
                t.idempotency.insert((key.clone(), idem.key), idem.record);
            }
            true
        })
    }

    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
    ) -> Result<Option<String>, StoreError> {
        self.with(|t| {
            t.idempotency
                .get(&(key.clone(), idempotency_key.to_owned()))
                .cloned()
        })
    }

    async fn delete_customer(&self, key: &CustomerKey) -> Result<(), StoreError> {
        self.with(|t| {
            t.customers.remove(key);
            t.idempotency.retain(|(k, _), _| k != key);
        })
    }

    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError> {
        self.with(|t| t.programs.get(merchant).cloned())
    }

    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        program: &str,
    ) -> Result<bool, StoreError> {
        self.with(|t| {
            if t.programs.get(merchant).map(|(v, _)| *v) != expected {
                return false;
            }
            t.next_version += 1;
            let version = t.next_version;
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

    async fn code_owner(&self, merchant: &str, code: &str) -> Result<Option<String>, StoreError> {
        self.with(|t| {
            t.customers
                .iter()
                .find(|(k, (.., codes))| k.merchant == merchant && codes.iter().any(|c| c == code))
                .map(|(k, _)| k.customer.clone())
        })
    }
}
