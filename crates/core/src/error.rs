//! Typed errors of the domain rules. Each has a stable `code` and HTTP
//! `status` from the specification, and a message that reads as a sentence.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// One field that failed validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `tiers[1].threshold`.
    pub field: String,
    /// What is wrong with it, as a sentence.
    pub message: String,
}

impl FieldError {
    /// A field error from a path and a message.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a domain operation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The request broke a rule of the program or the action.
    #[error("The request is not valid: {}.", join_messages(.0))]
    Validation(Vec<FieldError>),
    /// The action does not take a field that was sent.
    #[error("The field `{0}` is not accepted here.")]
    UnknownField(String),
    /// Spending more points than are available.
    #[error("{needed} points are needed but only {balance} are available.")]
    InsufficientPoints {
        /// Points the operation would take.
        needed: i64,
        /// Points available now.
        balance: i64,
    },
    /// The order was already recorded for this customer.
    #[error("Order {0} has already been recorded for this customer.")]
    OrderAlreadyRecorded(String),
    /// A refund names an order this customer does not have.
    #[error("Order {0} is not known for this customer.")]
    OrderNotFound(String),
    /// The reward is not in the program's catalogue.
    #[error("Reward {0} is not in the rewards catalogue.")]
    RewardNotFound(String),
    /// The subscription is not one of this customer's.
    #[error("Subscription {0} does not exist for this customer.")]
    SubscriptionNotFound(String),
    /// The action is not allowed in the subscription's current status.
    #[error("A {status} subscription cannot be changed with {action}.")]
    InvalidState {
        /// The action that was asked for.
        action: String,
        /// The subscription's status.
        status: String,
    },
    /// No redemption of this merchant's customer has the coupon code.
    #[error("There is no redemption with the code {0}.")]
    CodeNotFound(String),
    /// The coupon code was already used for another order.
    #[error("The code {code} was already used for order {order_id}.")]
    CodeAlreadyUsed {
        /// The code.
        code: String,
        /// The order it was used for.
        order_id: String,
    },
    /// The next charge is too close (or overdue) to change anything but cancel.
    #[error("{}", locked_message(.unlocks_at))]
    SubscriptionLocked {
        /// When changes are possible again, if that instant is still ahead.
        unlocks_at: Option<Instant>,
    },
    /// A one-time add-on to remove is not on the subscription.
    #[error("The add-on {0} is not on this subscription.")]
    AddonNotFound(String),
    /// The shopper changed the birthday less than a year ago.
    #[error("The birthday can be changed again from {until}.")]
    BirthdayLocked {
        /// The first instant the shopper may change it again.
        until: Instant,
    },
}

fn join_messages(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message.trim_end_matches('.')))
        .collect::<Vec<_>>()
        .join("; ")
}

fn locked_message(unlocks_at: &Option<Instant>) -> String {
    match unlocks_at {
        Some(at) => {
            format!("The next delivery is being prepared; changes are possible again from {at}.")
        }
        None => {
            "The next delivery is being charged; changes are possible once the charge is recorded."
                .to_owned()
        }
    }
}

impl DomainError {
    /// A validation error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(field, message)])
    }

    /// The specification's stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Validation(_) => "validation_failed",
            DomainError::UnknownField(_) => "unknown_field",
            DomainError::InsufficientPoints { .. } => "insufficient_points",
            DomainError::OrderAlreadyRecorded(_) => "order_already_recorded",
            DomainError::OrderNotFound(_) => "order_not_found",
            DomainError::RewardNotFound(_) => "reward_not_found",
            DomainError::SubscriptionNotFound(_) => "subscription_not_found",
            DomainError::InvalidState { .. } => "invalid_state",
            DomainError::CodeNotFound(_) => "not_found",
            DomainError::CodeAlreadyUsed { .. } => "code_already_used",
            DomainError::SubscriptionLocked { .. } => "subscription_locked",
            DomainError::AddonNotFound(_) => "addon_not_found",
            DomainError::BirthdayLocked { .. } => "birthday_locked",
        }
    }

    /// The HTTP status the specification gives this error.
    pub fn status(&self) -> u16 {
        match self {
            DomainError::Validation(_) | DomainError::BirthdayLocked { .. } => 422,
            DomainError::UnknownField(_) => 400,
            DomainError::AddonNotFound(_)
            | DomainError::OrderNotFound(_)
            | DomainError::RewardNotFound(_)
            | DomainError::SubscriptionNotFound(_)
            | DomainError::CodeNotFound(_) => 404,
            DomainError::InsufficientPoints { .. }
            | DomainError::OrderAlreadyRecorded(_)
            | DomainError::InvalidState { .. }
            | DomainError::CodeAlreadyUsed { .. }
            | DomainError::SubscriptionLocked { .. } => 409,
        }
    }
}

/// Collects field errors while a document is checked.
#[derive(Default, Debug)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// Records `message` against `field` unless `ok` holds.
    pub fn require(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
    }

    /// Records every error of a nested check under `prefix`.
    pub fn nested(&mut self, prefix: &str, result: Result<(), DomainError>) {
        if let Err(DomainError::Validation(errors)) = result {
            self.0.extend(errors.into_iter().map(|e| FieldError {
                field: format!("{prefix}.{}", e.field),
                message: e.message,
            }));
        }
    }

    /// `Ok` when nothing was recorded, else the validation error.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.0))
        }
    }
}
