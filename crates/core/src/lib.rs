//! The retention widget's domain rules (SPEC section 2) as plain data and
//! functions. Nothing here reads a clock or does I/O: every operation takes
//! `now`, so the same answers come out on the native server, at the edge and
//! in tests driven by virtual time.
//!
//! [`customer::Customer`] is the state a store keeps per customer; each of
//! its methods is one API operation. The modules below it hold the rules.
#![warn(missing_docs)]

pub mod api;
pub mod birthday;
pub mod calendar;
pub mod contact;
pub mod customer;
pub mod decision;
pub mod error;
pub mod events;
pub mod events_out;
pub mod ledger;
pub mod preferences;
pub mod program;
pub mod quiet;
pub mod reminders;
pub mod review_invites;
pub mod rewards;
pub mod rfc3339;
pub mod serde_util;
pub mod subscription;
pub mod tiers;
pub mod time;
pub mod zone;

pub use api::Problem;
pub use contact::{ContactHistory, Review};
pub use customer::Customer;
pub use decision::{
    Decision, Importance, MessageDecision, MessageRequest, Reason, decide, decide_reminder,
    fallback_channels,
};
pub use error::{DomainError, FieldError};
pub use events::MerchantEvent;
pub use preferences::{Channel, Preferences, QuietHours, Topic};
pub use program::Program;
pub use quiet::QuietTime;
pub use subscription::{
    Subscription, SubscriptionAction, SubscriptionRecord, SubscriptionStatus, SubscriptionUpsert,
};
pub use time::{Date, Instant};
