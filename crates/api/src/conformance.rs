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
use crate::{CustomerKey, CustomerWrite, IdempotencyWrite, Store};

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
        "the outbox index lists due items by send_at across customers, follows each write, and is per merchant",
        outbox_index
    );
    check!(
        "the code index follows each write and erasure, per merchant",
        code_index
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
        codes: Vec::new(),
        events: Vec::new(),
        idempotency: None,
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

async fn versions_compare_and_swap<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    ensure!(
        store
            .load_customer(&k)
            .await
            .map_err(failed("load"))?
            .is_none(),
        "a customer never written loads as none"
    );
    let first = write("one");
    let given = first.version;
    ensure!(
        store
            .save_customer(&k, None, first)
            .await
            .map_err(failed("save"))?,
        "the first write (expected: none) is taken"
    );
    let (v1, text) = store
        .load_customer(&k)
        .await
        .map_err(failed("load"))?
        .ok_or("written, then not found")?;
    ensure!(
        text == "one",
        "the state reads back as written, got {text:?}"
    );
    ensure!(
        v1 == given,
        "the version stored is the one the write brought: {v1} != {given}"
    );
    ensure!(
        !store
            .save_customer(&k, None, write("again"))
            .await
            .map_err(failed("save"))?,
        "a write expecting none over an existing customer is refused"
    );
    ensure!(
        !store
            .save_customer(&k, Some(v1 + 1_000), write("x"))
            .await
            .map_err(failed("save"))?,
        "a write over a version never read is refused"
    );
    ensure!(
        store
            .save_customer(&k, Some(v1), write("two"))
            .await
            .map_err(failed("save"))?,
        "a write over the version read is taken"
    );
    let (v2, text) = store
        .load_customer(&k)
        .await
        .map_err(failed("load"))?
        .ok_or("lost")?;
    ensure!(
        text == "two" && v2 != v1,
        "the write changed the state and the version"
    );
    ensure!(
        !store
            .save_customer(&k, Some(v1), write("stale"))
            .await
            .map_err(failed("save"))?,
        "a write over the old version is refused"
    );
    ensure!(
        version_of(store, &key(m, "bob")).await?.is_none(),
        "another customer is untouched"
    );
    Ok(())
}

async fn versions_survive_erasure<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    store
        .save_customer(&k, None, write("one"))
        .await
        .map_err(failed("save"))?;
    let v1 = version_of(store, &k)
        .await?
        .ok_or("written, then not found")?;
    store
        .erase_customer(&k, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        version_of(store, &k).await?.is_none(),
        "erased customers load as none"
    );
    ensure!(
        !store
            .save_customer(&k, Some(v1), write("ghost"))
            .await
            .map_err(failed("save"))?,
        "a writer holding a version from before the erasure is refused"
    );
    store
        .save_customer(&k, None, write("new"))
        .await
        .map_err(failed("save"))?;
    let v2 = version_of(store, &k)
        .await?
        .ok_or("recreated, then not found")?;
    ensure!(
        v2 != v1,
        "the new customer's version {v2} differs from the erased one's"
    );
    Ok(())
}

async fn idempotency_records<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    let mut w = write("one");
    w.idempotency = Some(IdempotencyWrite {
        key: "shopper:k1".to_owned(),
        record: "{\"r\":1}".to_owned(),
        expires_at: t(100),
    });
    store
        .save_customer(&k, None, w)
        .await
        .map_err(failed("save"))?;
    let load = |at: i64, name: &'static str| {
        let k = k.clone();
        async move {
            store
                .load_idempotency(&k, name, t(at))
                .await
                .map_err(failed("load_idempotency"))
        }
    };
    ensure!(
        load(99, "shopper:k1").await?.as_deref() == Some("{\"r\":1}"),
        "a live record reads back"
    );
    ensure!(
        load(100, "shopper:k1").await?.is_none(),
        "at its expiry a record is gone"
    );
    ensure!(
        load(50, "merchant:k1").await?.is_none(),
        "keys are exact (scopes differ)"
    );
    ensure!(
        store
            .load_idempotency(&key(m, "bob"), "shopper:k1", t(50))
            .await
            .map_err(failed("load_idempotency"))?
            .is_none(),
        "records belong to their customer"
    );
    let v = version_of(store, &k).await?.ok_or("lost")?;
    let mut w = write("refused");
    w.idempotency = Some(IdempotencyWrite {
        key: "shopper:k2".to_owned(),
        record: "{}".to_owned(),
        expires_at: t(100),
    });
    store
        .save_customer(&k, Some(v + 1_000), w)
        .await
        .map_err(failed("save"))?;
    ensure!(
        load(50, "shopper:k2").await?.is_none(),
        "a refused write stores no record"
    );
    store
        .erase_customer(&k, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        load(50, "shopper:k1").await?.is_none(),
        "erasure removes the records"
    );
    Ok(())
}

async fn outbox_index<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    let mut w = write("a");
    w.outbox = vec![item("o-a1", "alice", 30), item("o-a2", "alice", 10)];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("b");
    w.outbox = vec![item("o-b1", "bob", 20)];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let due = |at: i64| async move {
        store
            .due_outbox(m, t(at), 100)
            .await
            .map(|items| items.into_iter().map(|i| i.id).collect::<Vec<_>>())
            .map_err(failed("due_outbox"))
    };
    ensure!(
        due(9).await?.is_empty(),
        "nothing is due before its send_at"
    );
    ensure!(
        due(20).await? == ["o-a2", "o-b1"],
        "due items, oldest first: {:?}",
        due(20).await?
    );
    ensure!(
        due(99).await? == ["o-a2", "o-b1", "o-a1"],
        "all three: {:?}",
        due(99).await?
    );
    let first = store
        .due_outbox(m, t(99), 1)
        .await
        .map_err(failed("due_outbox"))?;
    ensure!(
        first.len() == 1 && first[0] == item("o-a2", "alice", 10),
        "limit, and items read back whole"
    );
    ensure!(
        store
            .outbox_owner(m, "o-b1")
            .await
            .map_err(failed("outbox_owner"))?
            .as_deref()
            == Some("bob"),
        "the owner of an item"
    );
    ensure!(
        store
            .due_outbox(&format!("{m}-other"), t(99), 100)
            .await
            .map_err(failed("due_outbox"))?
            .is_empty()
            && store
                .outbox_owner(&format!("{m}-other"), "o-b1")
                .await
                .map_err(failed("outbox_owner"))?
                .is_none(),
        "another merchant sees none of them"
    );
    let v = version_of(store, &a).await?.ok_or("lost")?;
    let mut w = write("a2");
    w.outbox = vec![item("o-a1", "alice", 5)];
    store
        .save_customer(&a, Some(v), w)
        .await
        .map_err(failed("save"))?;
    ensure!(
        due(99).await? == ["o-a1", "o-b1"],
        "a write replaces the customer's items: {:?}",
        due(99).await?
    );
    store
        .erase_customer(&b, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        due(99).await? == ["o-a1"],
        "erasure removes the customer's items"
    );
    ensure!(
        store
            .outbox_owner(m, "o-b1")
            .await
            .map_err(failed("outbox_owner"))?
            .is_none(),
        "an erased customer owns nothing"
    );
    Ok(())
}

async fn code_index<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    let mut w = write("a");
    w.codes = vec!["CODE-1".to_owned(), "CODE-2".to_owned()];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let owner = |code: &'static str, merchant: String| async move {
        store
            .code_owner(&merchant, code)
            .await
            .map_err(failed("code_owner"))
    };
    ensure!(
        owner("CODE-1", m.to_owned()).await?.as_deref() == Some("alice"),
        "a code's owner"
    );
    ensure!(
        owner("CODE-1", format!("{m}-other")).await?.is_none(),
        "per merchant"
    );
    let v = version_of(store, &a).await?.ok_or("lost")?;
    let mut w = write("a2");
    w.codes = vec!["CODE-2".to_owned()];
    store
        .save_customer(&a, Some(v), w)
        .await
        .map_err(failed("save"))?;
    ensure!(
        owner("CODE-1", m.to_owned()).await?.is_none(),
        "a code that went is gone"
    );
    ensure!(
        owner("CODE-2", m.to_owned()).await?.as_deref() == Some("alice"),
        "a code kept stays"
    );
    store
        .erase_customer(&a, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        owner("CODE-2", m.to_owned()).await?.is_none(),
        "erasure removes the codes"
    );
    Ok(())
}

async fn programs_compare_and_swap<S: Store>(store: &S, m: &str) -> Check {
    ensure!(
        store
            .load_program(m)
            .await
            .map_err(failed("load_program"))?
            .is_none(),
        "no program yet"
    );
    ensure!(
        store
            .save_program(m, None, next_version(), "{\"p\":1}")
            .await
            .map_err(failed("save_program"))?,
        "first program taken"
    );
    let (v, text) = store
        .load_program(m)
        .await
        .map_err(failed("load_program"))?
        .ok_or("lost")?;
    ensure!(text == "{\"p\":1}", "reads back");
    ensure!(
        !store
            .save_program(m, None, next_version(), "{}")
            .await
            .map_err(failed("save_program"))?,
        "expecting none over one is refused"
    );
    ensure!(
        !store
            .save_program(m, Some(v + 1_000), next_version(), "{}")
            .await
            .map_err(failed("save_program"))?,
        "a version never read is refused"
    );
    ensure!(
        store
            .save_program(m, Some(v), next_version(), "{\"p\":2}")
            .await
            .map_err(failed("save_program"))?,
        "over the version read is taken"
    );
    ensure!(
        store
            .load_program(&format!("{m}-other"))
            .await
            .map_err(failed("load_program"))?
            .is_none(),
        "per merchant"
    );
    Ok(())
}

async fn event_log<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    let mut w = write("a");
    w.events = vec![
        event("evt-a1", "alice", 1, "preferences.updated", 1, false),
        event("evt-a2", "alice", 2, "reward.redeemed", 1, false),
    ];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("b");
    w.events = vec![event("evt-b1", "bob", 1, "reward.redeemed", 2, false)];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let page = store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))?;
    let ids: Vec<&str> = page.items.iter().map(|s| s.event.id.as_str()).collect();
    ensure!(
        ids == ["evt-a1", "evt-a2", "evt-b1"],
        "in the order written: {ids:?}"
    );
    ensure!(
        page.items.windows(2).all(|w| w[0].position < w[1].position),
        "positions increase"
    );
    ensure!(
        page.newest == page.items[2].position,
        "newest is the last position given"
    );
    ensure!(
        page.items[1].event == event("evt-a2", "alice", 2, "reward.redeemed", 1, false),
        "read back whole"
    );
    let after = store
        .events(m, page.items[0].position, 1, None)
        .await
        .map_err(failed("events"))?;
    ensure!(
        after.items.len() == 1 && after.items[0].event.id == "evt-a2",
        "after a position, limited"
    );
    let kind = store
        .events(m, 0, 100, Some("reward.redeemed"))
        .await
        .map_err(failed("events"))?;
    ensure!(
        kind.items.len() == 2 && kind.items.iter().all(|s| s.event.kind == "reward.redeemed"),
        "by kind"
    );
    ensure!(
        store
            .events(&format!("{m}-other"), 0, 100, None)
            .await
            .map_err(failed("events"))?
            .items
            .is_empty(),
        "per merchant"
    );
    let one = store
        .event(m, "evt-b1")
        .await
        .map_err(failed("event"))?
        .ok_or("event by id not found")?;
    ensure!(
        one.position == page.items[2].position,
        "by id, with its position"
    );
    ensure!(
        store
            .event(&format!("{m}-other"), "evt-b1")
            .await
            .map_err(failed("event"))?
            .is_none(),
        "by id, per merchant"
    );
    ensure!(
        store
            .last_sequence(&a)
            .await
            .map_err(failed("last_sequence"))?
            == 2,
        "last sequence of a customer"
    );
    ensure!(
        store
            .last_sequence(&key(m, "carol"))
            .await
            .map_err(failed("last_sequence"))?
            == 0,
        "none: 0"
    );
    let delivered = Delivery {
        state: DeliveryState::Delivered,
        attempts: 2,
        failures: 1,
        last_status: Some(204),
        next_attempt_at: None,
    };
    ensure!(
        store
            .set_delivery(m, "evt-a1", delivered)
            .await
            .map_err(failed("set_delivery"))?,
        "set_delivery of a kept event"
    );
    ensure!(
        !store
            .set_delivery(m, "evt-none", delivered)
            .await
            .map_err(failed("set_delivery"))?,
        "set_delivery of no event: false"
    );
    let back = store
        .event(m, "evt-a1")
        .await
        .map_err(failed("event"))?
        .ok_or("lost")?;
    ensure!(
        back.event.delivery == delivered,
        "the delivery reads back: {:?}",
        back.event.delivery
    );
    Ok(())
}

async fn events_only_with_their_write<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    store
        .save_customer(&a, None, write("a"))
        .await
        .map_err(failed("save"))?;
    let mut w = write("refused");
    w.events = vec![event("evt-x", "alice", 1, "reward.redeemed", 1, true)];
    ensure!(
        !store
            .save_customer(&a, None, w)
            .await
            .map_err(failed("save"))?,
        "a conflicting write is refused"
    );
    ensure!(
        store
            .event(m, "evt-x")
            .await
            .map_err(failed("event"))?
            .is_none(),
        "and its event is not in the log"
    );
    ensure!(
        store
            .events(m, 0, 10, None)
            .await
            .map_err(failed("events"))?
            .items
            .is_empty(),
        "the log is empty"
    );
    Ok(())
}

async fn due_deliveries<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    let mut w = write("a");
    w.events = vec![
        event("evt-a1", "alice", 1, "reward.redeemed", 10, true),
        event("evt-a2", "alice", 2, "reward.redeemed", 5, true),
    ];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("b");
    w.events = vec![
        event("evt-b0", "bob", 1, "reward.redeemed", 1, false),
        event("evt-b1", "bob", 2, "reward.redeemed", 20, true),
    ];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let due = |at: i64| async move {
        store
            .due_deliveries(m, t(at), 100)
            .await
            .map(|d| d.into_iter().map(|s| s.event.id).collect::<Vec<_>>())
            .map_err(failed("due_deliveries"))
    };
    ensure!(
        due(9).await?.is_empty(),
        "alice's first is not due before 10, and her second waits behind it: {:?}",
        due(9).await?
    );
    ensure!(
        due(10).await? == ["evt-a1"],
        "only the earliest pending of a customer: {:?}",
        due(10).await?
    );
    ensure!(
        due(30).await? == ["evt-a1", "evt-b1"],
        "each customer's head, soonest first: {:?}",
        due(30).await?
    );
    let done = Delivery {
        state: DeliveryState::Delivered,
        attempts: 1,
        failures: 0,
        last_status: Some(200),
        next_attempt_at: None,
    };
    store
        .set_delivery(m, "evt-a1", done)
        .await
        .map_err(failed("set_delivery"))?;
    ensure!(
        due(30).await? == ["evt-a2", "evt-b1"],
        "delivered, the next of the customer comes: {:?}",
        due(30).await?
    );
    let later = Delivery {
        state: DeliveryState::Pending,
        attempts: 1,
        failures: 1,
        last_status: Some(500),
        next_attempt_at: Some(t(100)),
    };
    store
        .set_delivery(m, "evt-a2", later)
        .await
        .map_err(failed("set_delivery"))?;
    ensure!(
        due(30).await? == ["evt-b1"],
        "retried later, not due now: {:?}",
        due(30).await?
    );
    ensure!(
        due(100).await? == ["evt-b1", "evt-a2"],
        "due at its new time: {:?}",
        due(100).await?
    );
    let limited = store
        .due_deliveries(m, t(100), 1)
        .await
        .map_err(failed("due_deliveries"))?;
    ensure!(limited.len() == 1, "limit");
    ensure!(
        store
            .due_deliveries(&format!("{m}-other"), t(100), 100)
            .await
            .map_err(failed("due_deliveries"))?
            .is_empty(),
        "per merchant"
    );
    Ok(())
}

async fn erasure_of_events<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    let mut w = write("a");
    w.events = vec![
        event("evt-a1", "alice", 1, "reward.redeemed", 1, true),
        event("evt-a2", "alice", 2, "reward.redeemed", 1, false),
    ];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let before = store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))?;
    store
        .erase_customer(
            &a,
            Some(event("evt-gone", "alice", 3, "customer.erased", 2, false)),
        )
        .await
        .map_err(failed("erase"))?;
    let after = store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))?;
    let ids: Vec<&str> = after.items.iter().map(|s| s.event.id.as_str()).collect();
    ensure!(ids == ["evt-gone"], "only customer.erased is kept: {ids:?}");
    ensure!(after.newest > before.newest, "it took a new position");
    ensure!(
        store
            .event(m, "evt-a1")
            .await
            .map_err(failed("event"))?
            .is_none(),
        "earlier events are gone by id"
    );
    ensure!(
        store
            .due_deliveries(m, t(100), 100)
            .await
            .map_err(failed("due_deliveries"))?
            .is_empty(),
        "their pending deliveries are dropped"
    );
    ensure!(
        store
            .last_sequence(&a)
            .await
            .map_err(failed("last_sequence"))?
            == 3,
        "the sequence continues after it"
    );
    store
        .erase_customer(&a, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        store
            .events(m, 0, 100, None)
            .await
            .map_err(failed("events"))?
            .items
            .len()
            == 1,
        "erasing nothing keeps customer.erased"
    );
    Ok(())
}

async fn pruning<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    let mut w = write("a");
    w.events = vec![
        event("evt-1", "alice", 1, "reward.redeemed", 1, false),
        event("evt-2", "alice", 2, "reward.redeemed", 2, false),
        event("evt-3", "alice", 3, "reward.redeemed", 50, false),
    ];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let all = store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))?;
    ensure!(all.pruned_through == 0, "nothing pruned yet");
    store
        .prune_events(m, t(10))
        .await
        .map_err(failed("prune_events"))?;
    let kept = store
        .events(m, 0, 100, None)
        .await
        .map_err(failed("events"))?;
    let ids: Vec<&str> = kept.items.iter().map(|s| s.event.id.as_str()).collect();
    ensure!(
        ids == ["evt-3"],
        "events made before the instant go: {ids:?}"
    );
    ensure!(
        kept.pruned_through == all.items[1].position,
        "the horizon is the last pruned position"
    );
    ensure!(kept.newest == all.newest, "newest stays");
    store
        .prune_events(&format!("{m}-other"), t(100))
        .await
        .map_err(failed("prune_events"))?;
    ensure!(
        store
            .event(m, "evt-3")
            .await
            .map_err(failed("event"))?
            .is_some(),
        "pruning is per merchant"
    );
    Ok(())
}
