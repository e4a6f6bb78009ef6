//! The shopper's subscription actions (SPEC 3.3): their names, the fields
//! each takes, the states that allow them and the parsed form.

use serde::{Deserialize, Serialize};

use super::document::SubscriptionStatus;
use crate::program::Interval;
use crate::time::Date;

/// The name of an action, as the `action` field spells it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ActionName {
    /// `skip_next`.
    SkipNext,
    /// `pause`.
    Pause,
    /// `resume`.
    Resume,
    /// `change_interval`.
    ChangeInterval,
    /// `reschedule`.
    Reschedule,
    /// `swap`.
    Swap,
    /// `set_quantity`.
    SetQuantity,
    /// `cancel`.
    Cancel,
    /// `accept_offer`.
    AcceptOffer,
    /// `reactivate`.
    Reactivate,
    /// `add_onetime`.
    AddOnetime,
    /// `remove_onetime`.
    RemoveOnetime,
}

impl ActionName {
    /// Every action.
    pub const ALL: [ActionName; 12] = [
        ActionName::SkipNext,
        ActionName::Pause,
        ActionName::Resume,
        ActionName::ChangeInterval,
        ActionName::Reschedule,
        ActionName::Swap,
        ActionName::SetQuantity,
        ActionName::Cancel,
        ActionName::AcceptOffer,
        ActionName::Reactivate,
        ActionName::AddOnetime,
        ActionName::RemoveOnetime,
    ];

    /// The name as the `action` field spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionName::SkipNext => "skip_next",
            ActionName::Pause => "pause",
            ActionName::Resume => "resume",
            ActionName::ChangeInterval => "change_interval",
            ActionName::Reschedule => "reschedule",
            ActionName::Swap => "swap",
            ActionName::SetQuantity => "set_quantity",
            ActionName::Cancel => "cancel",
            ActionName::AcceptOffer => "accept_offer",
            ActionName::Reactivate => "reactivate",
            ActionName::AddOnetime => "add_onetime",
            ActionName::RemoveOnetime => "remove_onetime",
        }
    }

    /// The action the `action` field names, if any.
    pub fn parse(name: &str) -> Option<Self> {
        ActionName::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The fields the action takes besides `action` (SPEC 3.3).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ActionName::SkipNext | ActionName::Resume | ActionName::Reactivate => &[],
            ActionName::Pause => &["resume_on"],
            ActionName::ChangeInterval => &["interval"],
            ActionName::Reschedule => &["next_charge_on"],
            ActionName::Swap | ActionName::RemoveOnetime => &["variant_id"],
            ActionName::AddOnetime => &["variant_id", "quantity"],
            ActionName::SetQuantity => &["quantity"],
            ActionName::Cancel => &["reason", "comment"],
            ActionName::AcceptOffer => &["reason"],
        }
    }

    /// Whether the action may be taken in `status` (SPEC 2.5).
    pub fn allowed_in(self, status: SubscriptionStatus) -> bool {
        use SubscriptionStatus::{Active, Cancelled, Paused};
        match self {
            ActionName::SkipNext
            | ActionName::Pause
            | ActionName::Reschedule
            | ActionName::AddOnetime
            | ActionName::RemoveOnetime => status == Active,
            ActionName::Resume => status == Paused,
            ActionName::ChangeInterval
            | ActionName::Swap
            | ActionName::SetQuantity
            | ActionName::Cancel
            | ActionName::AcceptOffer => matches!(status, Active | Paused),
            ActionName::Reactivate => status == Cancelled,
        }
    }

    /// Whether the cutoff before a charge refuses the action; cancelling
    /// must stay one step away, so it alone goes through.
    pub fn respects_cutoff(self) -> bool {
        self != ActionName::Cancel
    }
}

/// The fields the action called `name` takes besides `action`, or `None`
/// for a name that is no action.
pub fn action_fields(name: &str) -> Option<&'static [&'static str]> {
    ActionName::parse(name).map(ActionName::fields)
}

/// Whether any action takes a field called `field` (`action` included); a
/// body with a missing or unknown action may only hold such fields.
pub fn is_action_field(field: &str) -> bool {
    field == "action" || ActionName::ALL.iter().any(|a| a.fields().contains(&field))
}

/// A shopper's action on a subscription (SPEC 3.3), tagged by `action`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum SubscriptionAction {
    /// Skip the next delivery.
    SkipNext,
    /// Pause until `resume_on`.
    Pause {
        /// The date it resumes by itself.
        #[serde(with = "crate::time::iso_date")]
        resume_on: Date,
    },
    /// Resume a paused subscription from tomorrow.
    Resume,
    /// Deliver at another allowed interval.
    ChangeInterval {
        /// The new interval.
        interval: Interval,
    },
    /// Move the next delivery.
    Reschedule {
        /// The new date of the next charge.
        #[serde(with = "crate::time::iso_date")]
        next_charge_on: Date,
    },
    /// Deliver another variant of the product.
    Swap {
        /// The variant to deliver.
        variant_id: String,
    },
    /// Deliver another quantity.
    SetQuantity {
        /// Units per delivery.
        quantity: i64,
    },
    /// End the subscription.
    Cancel {
        /// Why; one of the program's cancel reason ids when it lists any.
        reason: String,
        /// Anything the shopper wants to add.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Take the save offer of a cancel reason instead of cancelling.
    AcceptOffer {
        /// The cancel reason whose offer is taken.
        reason: String,
    },
    /// Start a cancelled subscription again.
    Reactivate,
    /// Add a variant to the next delivery only, or set its quantity.
    AddOnetime {
        /// The add-on variant.
        variant_id: String,
        /// Units, 1..=max_quantity.
        quantity: i64,
    },
    /// Take a one-time variant off the next delivery.
    RemoveOnetime {
        /// The add-on variant.
        variant_id: String,
    },
}

impl SubscriptionAction {
    /// The action's name.
    pub fn name(&self) -> ActionName {
        match self {
            SubscriptionAction::SkipNext => ActionName::SkipNext,
            SubscriptionAction::Pause { .. } => ActionName::Pause,
            SubscriptionAction::Resume => ActionName::Resume,
            SubscriptionAction::ChangeInterval { .. } => ActionName::ChangeInterval,
            SubscriptionAction::Reschedule { .. } => ActionName::Reschedule,
            SubscriptionAction::Swap { .. } => ActionName::Swap,
            SubscriptionAction::SetQuantity { .. } => ActionName::SetQuantity,
            SubscriptionAction::Cancel { .. } => ActionName::Cancel,
            SubscriptionAction::AcceptOffer { .. } => ActionName::AcceptOffer,
            SubscriptionAction::Reactivate => ActionName::Reactivate,
            SubscriptionAction::AddOnetime { .. } => ActionName::AddOnetime,
            SubscriptionAction::RemoveOnetime { .. } => ActionName::RemoveOnetime,
        }
    }
}
