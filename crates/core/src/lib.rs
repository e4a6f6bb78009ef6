//! The retention widget's domain rules (SPEC section 2) as plain data and
//! functions. Nothing here reads a clock or does I/O: every operation takes
//! `now`, so the same answers come out on the native server, at the edge and
//! in tests driven by virtual time.
#![warn(missing_docs)]

pub mod calendar;
pub mod error;
pub mod preferences;
pub mod program;
pub mod serde_util;
pub mod subscription;
pub mod time;

pub use error::{DomainError, FieldError};
pub use preferences::{Channel, Preferences, QuietHours, Topic};
pub use program::Program;
pub use subscription::{
    Subscription, SubscriptionAction, SubscriptionRecord, SubscriptionStatus, SubscriptionUpsert,
};
pub use time::{Date, Instant};
