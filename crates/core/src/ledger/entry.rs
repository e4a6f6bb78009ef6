//! Ledger entries: the append-only record of every change of points.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// What kind of change an entry records.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points earned by an order.
    Earn,
    /// Points spent on a reward.
    Redeem,
    /// Points that expired.
    Expire,
    /// A merchant's adjustment or an import.
    Adjust,
    /// Points taken back for a refund.
    Reverse,
    /// The sum of entries older than the history window.
    CarriedForward,
}

/// One change of points.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// Identifier, increasing in the order entries were recorded.
    pub id: u64,
    /// What happened.
    pub kind: EntryKind,
    /// Signed points.
    pub points: i64,
    /// When it happened (may be in the past for imports).
    pub at: Instant,
    /// A human description.
    pub description: String,
    /// For a reversal: points that could not be taken back because they
    /// were already spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<i64>,
}
