//! Customers' views as last written out, by the view itself: a view
//! equal to the one kept is answered with the kept JSON and ETag.
//!
//! `GET /v1/me` computes the view on every request (it changes with the
//! clock as points expire and subscriptions lock), but a shopper's repeat
//! requests mostly find it as it was. Comparing two views takes a fraction
//! of a microsecond; writing one out and hashing it for the ETag took a
//! third of the request in the handler (about 4 µs of 12).

#[cfg(feature = "keep")]
pub use kept::RenderedViews;
#[cfg(not(feature = "keep"))]
pub use write_each_time::RenderedViews;

/// A view written out: the JSON body and its ETag.
pub struct Written {
    /// The view as JSON.
    pub body: Vec<u8>,
    /// Its strong ETag.
    pub etag: String,
}

/// `view` as JSON with its ETag; `None` if it cannot be written.
fn write_out(view: &retention_core::api::CustomerView) -> Option<Written> {
    let mut body = Vec::with_capacity(4_096);
    serde_json::to_writer(&mut body, view).ok()?;
    Some(Written {
        etag: crate::state::etag(&body),
        body,
    })
}

#[cfg(feature = "keep")]
mod kept {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, PoisonError};

    use retention_core::api::CustomerView;

    use super::{Written, write_out};
    use crate::CustomerKey;

    /// Customers kept, as in [`crate::parsed`]; past it the cache starts over.
    const KEPT: usize = 256;

    type Kept = HashMap<CustomerKey, (CustomerView, Arc<Written>)>;

    /// The cache: one view per customer, the newest.
    #[derive(Default)]
    pub struct RenderedViews(Mutex<Kept>);

    impl RenderedViews {
        /// `view` written out: the kept body when the kept view is equal,
        /// else written now (and kept). `None` if it cannot be written.
        pub fn write(&self, key: &CustomerKey, view: CustomerView) -> Option<Arc<Written>> {
            if let Some((seen, written)) = self.lock().get(key)
                && *seen == view
            {
                return Some(Arc::clone(written));
            }
            let written = Arc::new(write_out(&view)?);
            let mut kept = self.lock();
            if kept.len() >= KEPT && !kept.contains_key(key) {
                kept.clear();
            }
            kept.insert(key.clone(), (view, Arc::clone(&written)));
            Some(written)
        }

        /// Drops what is kept of `key` (an erased customer leaves nothing).
        pub fn forget(&self, key: &CustomerKey) {
            self.lock().remove(key);
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    #[cfg(test)]
    mod tests {
        use retention_core::{Customer, Instant, Program};

        use super::*;
        use crate::state::etag;

        fn key(customer: &str) -> CustomerKey {
            CustomerKey {
                merchant: "m".into(),
                customer: customer.into(),
            }
        }

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
            assert!(!views.lock().contains_key(&key("a")));
        }

        #[test]
        fn it_never_holds_more_than_its_bound() {
            let program = Program::default();
            let now = Instant::from_unix(1_800_000_000);
            let views = RenderedViews::default();
            for i in 0..KEPT * 2 + 3 {
                let id = format!("c{i}");
                views.write(&key(&id), Customer::default().view(&id, &program, now));
                assert!(views.lock().len() <= KEPT);
            }
        }
    }
}

/// Without the `keep` feature (the edge module): every view is written.
#[cfg(not(feature = "keep"))]
mod write_each_time {
    use std::sync::Arc;

    use retention_core::api::CustomerView;

    use super::{Written, write_out};
    use crate::CustomerKey;

    /// Nothing kept.
    #[derive(Default)]
    pub struct RenderedViews;

    impl RenderedViews {
        /// `view` written out.
        pub fn write(&self, _: &CustomerKey, view: CustomerView) -> Option<Arc<Written>> {
            write_out(&view).map(Arc::new)
        }

        /// Nothing to drop.
        pub fn forget(&self, _: &CustomerKey) {}
    }
}
