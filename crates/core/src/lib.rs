//! The retention widget's domain rules (SPEC section 2) as plain data and
//! functions. Nothing here reads a clock or does I/O: every operation takes
//! `now`, so the same answers come out on the native server, at the edge and
//! in tests driven by virtual time.
#![warn(missing_docs)]

pub mod contact;
pub mod decision;
pub mod error;
pub mod preferences;
pub mod program;
pub mod quiet;
pub mod serde_util;
pub mod time;

pub use contact::{ContactHistory, Review};
pub use decision::{
    Decision, Importance, MessageDecision, MessageRequest, Reason, decide, decide_reminder,
    fallback_channels,
};
pub use error::{DomainError, FieldError};
pub use preferences::{Channel, Preferences, QuietHours, Topic};
pub use program::Program;
pub use quiet::QuietTime;
pub use time::{Date, Instant};
pub mod ledger;
pub mod rewards;
pub mod tiers;
