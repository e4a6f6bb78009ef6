//! Customers' views as last written out, by the view itself: a view
//! equal to the one kept is answered with the kept JSON and ETag.
//!
//! `GET /v1/me` computes the view on every request (it changes with the
//! clock as points expire and subscriptions lock), but a shopper's repeat
//! requests mostly find it as it was. Comparing two views takes a fraction
//! of a microsecond; writing one out and hashing it for the ETag took a
//! third of the request in the handler (about 4 µs of 12).

use std::sync::Arc;

use retention_core::api::CustomerView;

use crate::CustomerKey;
use crate::state::etag;

/// A view written out: the JSON body and its ETag.
pub struct Written {
    /// The view as JSON.
    pub body: Vec<u8>,
    /// Its strong ETag.
    pub etag: String,
}

/// The views kept: one per customer, the newest.
#[derive(Default)]
pub struct RenderedViews {
    kept: crate::kept::PerCustomer<(CustomerView, Arc<Written>)>,
}

impl RenderedViews {
    /// `view` written out: the kept body when the kept view is equal,
    /// else written now (and kept). `None` if it cannot be written.
    pub fn write(&self, key: &CustomerKey, view: CustomerView) -> Option<Arc<Written>> {
        if let Some(written) = self.kept.find(key, |(seen, written)| {
            (*seen == view).then(|| Arc::clone(written))
        }) {
            return Some(written);
        }
        let mut body = Vec::with_capacity(4_096);
        serde_json::to_writer(&mut body, &view).ok()?;
        let written = Arc::new(Written {
            etag: etag(&body),
            body,
        });
        self.kept.put_with(key, || (view, Arc::clone(&written)));
        Some(written)
    }

    /// Drops what is kept of `key` (an erased customer leaves nothing).
    pub fn forget(&self, key: &CustomerKey) {
        self.kept.forget(key);
    }
}

#[cfg(test)]
mod tests {
    use retention_core::{Customer, Instant, Program};

    use super::*;
    use crate::kept::key;

    #[test]
    fn an_equal_view_is_answered_as_kept_and_a_changed_one_is_written_again() {
        let program = Program::default();
        let now = Instant::from_unix(1_800_000_000);
        let views = RenderedViews::default();
        let view = Customer::default().view("a", &program, now);
        let first = views.write(&key("a"), view.clone()).unwrap();
        assert_eq!(first.body, serde_json::to_vec(&view).unwrap());
        assert_eq!(first.etag, etag(&first.body));
        let again = views.write(&key("a"), view.clone()).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let mut changed = view.clone();
        changed.loyalty.balance += 1;
        let second = views.write(&key("a"), changed.clone()).unwrap();
        assert_eq!(second.body, serde_json::to_vec(&changed).unwrap());
        assert_ne!(second.etag, first.etag);
        // Another customer with an equal view has its own entry.
        assert!(!Arc::ptr_eq(
            &views.write(&key("b"), changed).unwrap(),
            &second
        ));
        views.forget(&key("a"));
        assert!(!Arc::ptr_eq(&views.write(&key("a"), view).unwrap(), &first));
    }
}
