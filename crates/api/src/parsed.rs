//! Customers' documents as last parsed, by the exact text they were parsed
//! from: a read that finds the same text in the store skips parsing it
//! again.
//!
//! Parsing the stored JSON was the largest part of `GET /v1/me` (about a
//! third of its time in the handler, 8 µs of 25 for the demo shopper).
//! The cached text is compared byte for byte (a memory compare, well under
//! a microsecond), not by version: versions are random and unique in
//! production, but a test's stepping entropy repeats them.

#[cfg(feature = "keep")]
pub use kept::ParsedDocs;
#[cfg(not(feature = "keep"))]
pub use parse_each_time::ParsedDocs;

#[cfg(feature = "keep")]
mod kept {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, PoisonError};

    use crate::CustomerKey;
    use crate::state::CustomerDoc;

    /// Customers kept: the busiest of a moment. Past it the cache starts
    /// over, so it never holds more than this many documents (a few KiB each).
    const KEPT: usize = 256;

    /// The cache: one entry per customer, the newest parse.
    #[derive(Default)]
    pub struct ParsedDocs(Mutex<HashMap<CustomerKey, (String, Arc<CustomerDoc>)>>);

    impl ParsedDocs {
        /// The document stored as `text` for `key`: from the cache when its
        /// text is the same, else parsed (and kept).
        pub fn parse(&self, key: &CustomerKey, text: String) -> Result<CustomerDoc, String> {
            if let Some((seen, doc)) = self.lock().get(key)
                && *seen == text
            {
                return Ok(CustomerDoc::clone(doc));
            }
            let doc = CustomerDoc::parse(&text)?;
            let mut docs = self.lock();
            if docs.len() >= KEPT && !docs.contains_key(key) {
                docs.clear();
            }
            docs.insert(key.clone(), (text, Arc::new(doc.clone())));
            Ok(doc)
        }

        /// Drops what is kept of `key` (an erased customer leaves nothing).
        pub fn forget(&self, key: &CustomerKey) {
            self.lock().remove(key);
        }

        fn lock(
            &self,
        ) -> std::sync::MutexGuard<'_, HashMap<CustomerKey, (String, Arc<CustomerDoc>)>> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn key(customer: &str) -> CustomerKey {
            CustomerKey {
                merchant: "m".into(),
                customer: customer.into(),
            }
        }

        #[test]
        fn a_changed_text_is_parsed_again_and_the_same_text_is_not() {
            let docs = ParsedDocs::default();
            let first = docs
                .parse(&key("a"), r#"{"event_sequence":1}"#.into())
                .unwrap();
            assert_eq!(first.event_sequence, 1);
            let changed = docs
                .parse(&key("a"), r#"{"event_sequence":2}"#.into())
                .unwrap();
            assert_eq!(changed.event_sequence, 2);
            // Another customer with the first text gets its own parse.
            let other = docs
                .parse(&key("b"), r#"{"event_sequence":1}"#.into())
                .unwrap();
            assert_eq!(other.event_sequence, 1);
            assert_eq!(docs.lock().len(), 2);
            assert!(docs.parse(&key("a"), "not json".into()).is_err());
            docs.forget(&key("b"));
            assert!(!docs.lock().contains_key(&key("b")));
        }

        #[test]
        fn it_never_holds_more_than_its_bound() {
            let docs = ParsedDocs::default();
            for i in 0..KEPT * 2 + 3 {
                docs.parse(&key(&format!("c{i}")), "{}".into()).unwrap();
                assert!(docs.lock().len() <= KEPT);
            }
        }
    }
}

/// Without the `keep` feature (the edge module): every read is parsed.
#[cfg(not(feature = "keep"))]
mod parse_each_time {
    use crate::CustomerKey;
    use crate::state::CustomerDoc;

    /// Nothing kept.
    #[derive(Default)]
    pub struct ParsedDocs;

    impl ParsedDocs {
        /// The document stored as `text`.
        pub fn parse(&self, _: &CustomerKey, text: String) -> Result<CustomerDoc, String> {
            CustomerDoc::parse(&text)
        }

        /// Nothing to drop.
        pub fn forget(&self, _: &CustomerKey) {}
    }
}
