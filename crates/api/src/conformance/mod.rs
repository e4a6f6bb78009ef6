//! The store port's contract as checks every implementation runs (memory
//! and SQLite natively, the Deno KV and Durable Object stores through the
//! wasm module): one behaviour, written once. Each check works under its
//! own merchant ids (`prefix` + a name), so one store can run them all
//! and run them again.

use std::sync::atomic::{AtomicU64, Ordering};

use retention_core::Instant;
use retention_core::preferences::{Channel, Topic};
use retention_core::reminders::{OutboxItem, ReminderKind};

use crate::ports::{Delivery, DeliveryState, EventWrite};
use crate::{CustomerKey, CustomerWrite, Store};

/// What one check found: its name and, if it failed, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The check's name (a sentence).
    pub name: &'static str,
    /// `None` when it passed.
    pub failure: Option<String>,
}

type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

mod customers;
mod events;
mod rows;

use customers::{
    consent_log, idempotency_alone, idempotency_cap, idempotency_records, lookup_index,
    outbox_index, programs_compare_and_swap, versions_compare_and_swap, versions_survive_erasure,
};
use events::{due_deliveries, erasure_of_events, event_log, events_only_with_their_write, pruning};
use rows::customer_rows;

/// Runs every check against `store`; merchants are named `prefix` + …
pub async fn run<S: Store>(store: &S, prefix: &str) -> Vec<Outcome> {
    let mut out = Vec::new();
    macro_rules! check {
        ($name:literal, $f:ident) => {
            out.push(Outcome {
                name: $name,
                failure: $f(store, &format!("{prefix}{}", stringify!($f)))
                    .await
                    .err(),
            });
        };
    }
    check!(
        "a customer is written only over the version read, as the version it brings",
        versions_compare_and_swap
    );
    check!(
        "an erased customer cannot be written over a version from before",
        versions_survive_erasure
    );
    check!(
        "idempotency records come with their write, expire at their instant and go with erasure",
        idempotency_records
    );
    check!(
        "a refusal's record is stored alone, over the customer's version, without a write",
        idempotency_alone
    );
    check!(
        "each caller's newest records are kept, older ones go",
        idempotency_cap
    );
    check!(
        "consent records are appended with their write and go with erasure",
        consent_log
    );
    check!(
        "rows are written with their write, listed in key order from a bound either way, and go with erasure",
        customer_rows
    );
    check!(
        "the outbox index lists due items by send_at across customers, follows each write, and is per merchant",
        outbox_index
    );
    check!(
        "the lookup index (codes, orders) follows each write and erasure, per merchant",
        lookup_index
    );
    check!(
        "programs are written only over the version read",
        programs_compare_and_swap
    );
    check!(
        "events are appended with their write, in order, paged by position, filtered by kind",
        event_log
    );
    check!(
        "a failed write appends no event",
        events_only_with_their_write
    );
    check!(
        "deliveries: the earliest pending event of each customer, when due",
        due_deliveries
    );
    check!(
        "erasure leaves only customer.erased and the sequence continues after it",
        erasure_of_events
    );
    check!("retention drops old events and moves the horizon", pruning);
    out
}

fn key(merchant: &str, customer: &str) -> CustomerKey {
    CustomerKey {
        merchant: merchant.to_owned(),
        customer: customer.to_owned(),
    }
}

fn t(seconds: i64) -> Instant {
    // 2027-01-01T00:00:00Z and on: far from any store's own clock, so a
    // store that reads its own clock instead of the instants given fails.
    Instant::from_unix(1_798_761_600 + seconds)
}

/// Versions for the checks' writes (the handler mints random ones).
static VERSIONS: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    VERSIONS.fetch_add(1, Ordering::Relaxed)
}

fn write(state: &str) -> CustomerWrite {
    CustomerWrite {
        version: next_version(),
        state: state.to_owned(),
        next_wake: None,
        outbox: Vec::new(),
        lookups: Vec::new(),
        events: Vec::new(),
        idempotency: None,
        consents: Vec::new(),
        rows: Vec::new(),
    }
}

fn item(id: &str, customer: &str, send_at: i64) -> OutboxItem {
    OutboxItem {
        id: id.to_owned(),
        customer_id: customer.to_owned(),
        kind: ReminderKind::PointsExpiring,
        topic: Topic::RewardUpdates,
        channel: Channel::Email,
        fallback_channels: vec![],
        send_at: t(send_at),
        locale: "en".to_owned(),
        data: serde_json::json!({"points": 5}),
    }
}

fn event(
    id: &str,
    customer: &str,
    sequence: u64,
    kind: &str,
    created: i64,
    pending: bool,
) -> EventWrite {
    EventWrite {
        id: id.to_owned(),
        customer: customer.to_owned(),
        sequence,
        kind: kind.to_owned(),
        created_at: t(created),
        body: format!(r#"{{"id":"{id}","sequence":{sequence}}}"#),
        delivery: Delivery {
            state: if pending {
                DeliveryState::Pending
            } else {
                DeliveryState::None
            },
            attempts: 0,
            failures: 0,
            last_status: None,
            next_attempt_at: pending.then(|| t(created)),
        },
    }
}

/// Writes a new customer `k` with `events`.
async fn seed<S: Store>(store: &S, k: &CustomerKey, events: Vec<EventWrite>) -> Check {
    let mut w = write("seeded");
    w.events = events;
    ensure!(
        store
            .save_customer(k, None, w)
            .await
            .map_err(failed("save"))?,
        "a new customer's first write is taken"
    );
    Ok(())
}

/// The merchant's whole log.
async fn log<S: Store>(store: &S, m: &str) -> Result<crate::EventPage, String> {
    store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))
}

fn failed<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn version_of<S: Store>(store: &S, k: &CustomerKey) -> Result<Option<u64>, String> {
    Ok(store
        .load_customer(k)
        .await
        .map_err(failed("load_customer"))?
        .map(|(v, _)| v))
}
