//! Bounded history (folding old entries into one carried-forward entry)
//! and paging through activity.

use std::fmt;
use std::str::FromStr;

use crate::time::Instant;

use super::{Entry, EntryKind, Ledger};

/// Folds entries older than `history_days` into one `carried_forward`
/// entry, drops spent lots and the orders that left the window.
pub(super) fn compact(ledger: &mut Ledger, history_days: u32, now: Instant) {
    let cutoff = cutoff(history_days, now);
    let (mut old, kept): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut ledger.entries)
        .into_iter()
        .partition(|e| e.at < cutoff || e.kind == EntryKind::CarriedForward);
    ledger.entries = kept;
    if !old.is_empty() {
        // A stored ledger keeps its carried-forward entry apart.
        old.extend(ledger.carried.take());
        let carried = old.iter().map(|e| e.points).sum();
        // The folded entry keeps the id of an earlier one, so cursors and
        // the widget's keys stay stable across compactions.
        let id = match old.iter().find(|e| e.kind == EntryKind::CarriedForward) {
            Some(previous) => previous.id,
            None => ledger.next_id(),
        };
        let at = old.iter().map(|e| e.at).max().unwrap_or(cutoff);
        ledger.entries.insert(
            0,
            Entry {
                id,
                kind: EntryKind::CarriedForward,
                points: carried,
                at,
                description: "Earlier activity".to_owned(),
                shortfall: None,
            },
        );
    }
    // A spent lot changes nothing any more (every rule skips lots with
    // nothing left), so it goes at once rather than when it leaves the
    // window: the state keeps only what can still move.
    ledger.lots.retain(|lot| lot.remaining > 0);
    let (forgotten, orders): (Vec<_>, Vec<_>) = std::mem::take(&mut ledger.orders)
        .into_iter()
        .partition(|o| o.paid_at < cutoff);
    ledger.orders = orders;
    // Orders paid at or before `orders_since` are counted as forgotten
    // already (recalled for this request only).
    let since = ledger.orders_since;
    ledger.forgotten_qualifying += forgotten
        .iter()
        .filter(|o| since.is_none_or(|s| o.paid_at > s))
        .map(|o| o.net_points())
        .sum::<i64>();
}

/// Entries before this instant are folded at `now`.
pub(super) fn cutoff(history_days: u32, now: Instant) -> Instant {
    now.plus_days(-i64::from(history_days))
}

/// The key of the entry recorded as `id` at `at` in the store's log:
/// keys sort as (`at`, `id`) do, so the log pages like the activity.
pub fn log_key(at: Instant, id: u64) -> String {
    // The sign bit flipped: negative instants sort before positive ones.
    format!("{:016x}.{id:016x}", (at.unix() as u64) ^ (1 << 63))
}

/// Where a page of activity ends: the last item's instant and id.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ActivityCursor {
    at: Instant,
    id: u64,
}

/// Why a text is not an activity cursor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The cursor {0:?} was not issued by this service.")]
pub struct CursorParseError(pub String);

impl ActivityCursor {
    /// The key of the log entry the cursor names (see [`log_key`]).
    pub fn log_key(&self) -> String {
        log_key(self.at, self.id)
    }
}

impl fmt::Display for ActivityCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.at.unix(), self.id)
    }
}

impl FromStr for ActivityCursor {
    type Err = CursorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CursorParseError(s.to_owned());
        let (at, id) = s.split_once('.').ok_or_else(err)?;
        Ok(ActivityCursor {
            at: Instant::from_unix(at.parse().map_err(|_| err())?),
            id: id.parse().map_err(|_| err())?,
        })
    }
}

/// One page of entries, newest `at` first (ties: newest recorded first),
/// after `cursor`; with the cursor of the next page if there is one.
/// Entries recorded later never shift a page already handed out.
pub fn activity_page(
    entries: &[Entry],
    limit: usize,
    cursor: Option<ActivityCursor>,
) -> (Vec<Entry>, Option<ActivityCursor>) {
    let mut sorted: Vec<&Entry> = entries
        .iter()
        .filter(|e| cursor.is_none_or(|c| (e.at, e.id) < (c.at, c.id)))
        .collect();
    sorted.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    let more = sorted.len() > limit;
    let page: Vec<Entry> = sorted.into_iter().take(limit).cloned().collect();
    let next = if more {
        page.last().map(|e| ActivityCursor { at: e.at, id: e.id })
    } else {
        None
    };
    (page, next)
}
