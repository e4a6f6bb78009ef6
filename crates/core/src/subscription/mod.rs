//! Subscriptions (SPEC 2.5): the document, its stored form, the shopper's
//! actions with their states, cutoff lock and rules, one-time add-ons, and
//! the merchant's upserts and charges.

mod action;
mod addons;
mod document;
mod perform;
mod record;
mod rules;

pub use action::{ActionName, SubscriptionAction, action_fields, is_action_field};
pub use addons::{OnetimeItem, for_products};
pub use document::{Subscription, SubscriptionStatus, SubscriptionUpsert};
pub use perform::{perform, read_action};
pub use record::SubscriptionRecord;
pub use rules::MAX_COMMENT_CHARS;
