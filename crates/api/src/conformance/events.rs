//! The contract of the merchants' event logs: appending with the write,
//! paging, deliveries, erasure and retention.

use super::{Check, event, failed, key, log, seed, t, write};
use crate::Store;
use crate::ports::{Delivery, DeliveryState};

pub(super) async fn event_log<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    seed(
        store,
        &a,
        vec![
            event("evt-a1", "alice", 1, "preferences.updated", 1, false),
            event("evt-a2", "alice", 2, "reward.redeemed", 1, false),
        ],
    )
    .await?;
    let mut w = write("b");
    w.events = vec![event("evt-b1", "bob", 1, "reward.redeemed", 2, false)];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let page = log(store, m).await?;
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

pub(super) async fn events_only_with_their_write<S: Store>(store: &S, m: &str) -> Check {
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

pub(super) async fn due_deliveries<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    seed(
        store,
        &a,
        vec![
            event("evt-a1", "alice", 1, "reward.redeemed", 10, true),
            event("evt-a2", "alice", 2, "reward.redeemed", 5, true),
        ],
    )
    .await?;
    seed(
        store,
        &b,
        vec![
            event("evt-b0", "bob", 1, "reward.redeemed", 1, false),
            event("evt-b1", "bob", 2, "reward.redeemed", 20, true),
        ],
    )
    .await?;
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

pub(super) async fn erasure_of_events<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    seed(
        store,
        &a,
        vec![
            event("evt-a1", "alice", 1, "reward.redeemed", 1, true),
            event("evt-a2", "alice", 2, "reward.redeemed", 1, false),
        ],
    )
    .await?;
    let before = log(store, m).await?;
    store
        .erase_customer(
            &a,
            Some(event("evt-gone", "alice", 3, "customer.erased", 2, false)),
        )
        .await
        .map_err(failed("erase"))?;
    let after = log(store, m).await?;
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

pub(super) async fn pruning<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    seed(
        store,
        &a,
        vec![
            event("evt-1", "alice", 1, "reward.redeemed", 1, false),
            event("evt-2", "alice", 2, "reward.redeemed", 2, false),
            event("evt-3", "alice", 3, "reward.redeemed", 50, false),
        ],
    )
    .await?;
    let all = log(store, m).await?;
    ensure!(all.pruned_through == 0, "nothing pruned yet");
    store
        .prune_events(m, t(10))
        .await
        .map_err(failed("prune_events"))?;
    let kept = log(store, m).await?;
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
    // A long history goes whole, however the store splits the work.
    let many = format!("{m}-many");
    for (n, customer) in ["bea", "cai", "dan"].into_iter().enumerate() {
        let events = (1..=100)
            .map(|s| {
                event(
                    &format!("evt-{n}-{s}"),
                    customer,
                    s,
                    "reward.redeemed",
                    1,
                    false,
                )
            })
            .collect();
        seed(store, &key(&many, customer), events).await?;
    }
    store
        .prune_events(&many, t(10))
        .await
        .map_err(failed("prune_events"))?;
    let left = store
        .events(&many, 0, 1_000, None)
        .await
        .map_err(failed("events"))?;
    ensure!(
        left.items.is_empty(),
        "300 old events all go, {} are left",
        left.items.len()
    );
    Ok(())
}
