//! What the handler keeps between requests, one entry per customer, for
//! repeat requests to share (see [`crate::parsed`] and
//! [`crate::rendered`]).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::CustomerKey;

/// Customers kept: the busiest of a moment. Past it the map starts over,
/// so it never holds more than this many entries (a few KiB each).
pub const CUSTOMERS_KEPT: usize = 256;

/// One value per customer, the newest, at most [`CUSTOMERS_KEPT`].
pub struct PerCustomer<V>(Mutex<HashMap<CustomerKey, V>>);

impl<V> Default for PerCustomer<V> {
    fn default() -> Self {
        PerCustomer(Default::default())
    }
}

impl<V> PerCustomer<V> {
    /// What `pick` takes from the value kept for `key`, if any.
    pub fn find<R>(&self, key: &CustomerKey, pick: impl FnOnce(&V) -> Option<R>) -> Option<R> {
        self.lock().get(key).and_then(pick)
    }

    /// Keeps the value `make` gives for `key`, in place of what was kept.
    pub fn put_with(&self, key: &CustomerKey, make: impl FnOnce() -> V) {
        let value = make();
        let mut kept = self.lock();
        if kept.len() >= CUSTOMERS_KEPT && !kept.contains_key(key) {
            kept.clear();
        }
        kept.insert(key.clone(), value);
    }

    /// Drops what is kept of `key` (an erased customer leaves nothing).
    pub fn forget(&self, key: &CustomerKey) {
        self.lock().remove(key);
    }

    /// How many customers are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CustomerKey, V>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A customer of merchant `m`, for tests.
#[cfg(test)]
pub fn key(customer: &str) -> CustomerKey {
    CustomerKey {
        merchant: "m".into(),
        customer: customer.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_customer_and_never_more_than_the_bound() {
        let kept = PerCustomer::default();
        kept.put_with(&key("a"), || 1);
        kept.put_with(&key("a"), || 2);
        assert_eq!(kept.find(&key("a"), |v| Some(*v)), Some(2));
        assert_eq!(kept.find(&key("a"), |v| (*v == 1).then_some(())), None);
        assert_eq!(kept.find(&key("b"), |v| Some(*v)), None);
        for i in 0..CUSTOMERS_KEPT * 2 + 3 {
            kept.put_with(&key(&format!("c{i}")), || i);
            assert!(kept.len() <= CUSTOMERS_KEPT);
        }
        kept.put_with(&key("a"), || 3);
        kept.forget(&key("a"));
        assert_eq!(kept.find(&key("a"), |v| Some(*v)), None);
    }
}
