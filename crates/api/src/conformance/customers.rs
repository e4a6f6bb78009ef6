//! The contract of customers' documents and their indexes: versions,
//! idempotency records, the outbox and code indexes, programs.

use super::{Check, failed, item, key, next_version, t, version_of, write};
use crate::{CustomerKey, IdempotencyWrite, LookupWrite, Store};

pub(super) async fn versions_compare_and_swap<S: Store>(store: &S, m: &str) -> Check {
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

pub(super) async fn versions_survive_erasure<S: Store>(store: &S, m: &str) -> Check {
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

pub(super) async fn idempotency_records<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    let mut w = write("one");
    w.idempotency = Some(record("shopper:k1", "{\"r\":1}", 100, 1_000));
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
    w.idempotency = Some(record("shopper:k2", "{}", 100, 1_000));
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

/// A record under `key` (scope: what precedes the colon), expiring at
/// `t(expires)`, of which the scope keeps `keep`.
fn record(key: &str, text: &str, expires: i64, keep: u32) -> IdempotencyWrite {
    IdempotencyWrite {
        key: key.to_owned(),
        record: text.to_owned(),
        expires_at: t(expires),
        scope: key.split(':').next().unwrap_or_default().to_owned(),
        keep,
    }
}

pub(super) async fn idempotency_alone<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    let live = |name: &'static str| {
        let k = k.clone();
        async move {
            Ok::<_, String>(
                store
                    .load_idempotency(&k, name, t(50))
                    .await
                    .map_err(failed("load_idempotency"))?
                    .is_some(),
            )
        }
    };
    let save = |expected, name: &str| {
        let k = k.clone();
        let r = record(name, "{}", 100, 1_000);
        async move {
            store
                .save_idempotency(&k, expected, r)
                .await
                .map_err(failed("save_idempotency"))
        }
    };
    ensure!(
        save(None, "shopper:before").await?,
        "a record alone is stored for a customer not yet written"
    );
    ensure!(
        version_of(store, &k).await?.is_none(),
        "and writes no customer"
    );
    ensure!(live("shopper:before").await?, "it reads back");
    store
        .save_customer(&k, None, write("state"))
        .await
        .map_err(failed("save"))?;
    let v = version_of(store, &k).await?.ok_or("lost")?;
    ensure!(
        !save(None, "shopper:stale").await? && !save(Some(v + 1_000), "shopper:other").await?,
        "over another version than the customer's, nothing is stored"
    );
    ensure!(
        !live("shopper:stale").await? && !live("shopper:other").await?,
        "the refused records are not there"
    );
    ensure!(
        save(Some(v), "shopper:now").await?,
        "over the customer's version the record is stored"
    );
    ensure!(live("shopper:now").await?, "and reads back");
    let after = store.load_customer(&k).await.map_err(failed("load"))?;
    ensure!(
        after == Some((v, "state".to_owned())),
        "the customer's version and state are untouched: {after:?}"
    );
    ensure!(
        live("shopper:before").await?,
        "the customer's first write kept the earlier record"
    );
    Ok(())
}

pub(super) async fn idempotency_cap<S: Store>(store: &S, m: &str) -> Check {
    let k = key(m, "alice");
    let mut w = write("state");
    w.idempotency = Some(record("merchant:m1", "{}", 90, 3));
    store
        .save_customer(&k, None, w)
        .await
        .map_err(failed("save"))?;
    let v = version_of(store, &k).await?.ok_or("lost")?;
    store
        .save_idempotency(&k, Some(v), record("merchant:m2", "{}", 91, 3))
        .await
        .map_err(failed("save_idempotency"))?;
    // five shopper records, the last two expiring together
    for (name, expires) in [
        ("s1", 100),
        ("s2", 101),
        ("s3", 102),
        ("s4", 103),
        ("s5", 103),
    ] {
        let r = record(&format!("shopper:{name}"), "{}", expires, 3);
        let stored = if name == "s4" {
            let mut w = write("state");
            w.idempotency = Some(r);
            let saved = store
                .save_customer(&k, Some(v), w)
                .await
                .map_err(failed("save"))?;
            saved && version_of(store, &k).await?.is_some()
        } else {
            let v = version_of(store, &k).await?.ok_or("lost")?;
            store
                .save_idempotency(&k, Some(v), r)
                .await
                .map_err(failed("save_idempotency"))?
        };
        ensure!(stored, "record {name} stored");
    }
    let mut live = Vec::new();
    for name in [
        "shopper:s1",
        "shopper:s2",
        "shopper:s3",
        "shopper:s4",
        "shopper:s5",
        "merchant:m1",
        "merchant:m2",
    ] {
        if store
            .load_idempotency(&k, name, t(50))
            .await
            .map_err(failed("load_idempotency"))?
            .is_some()
        {
            live.push(name);
        }
    }
    ensure!(
        live == [
            "shopper:s3",
            "shopper:s4",
            "shopper:s5",
            "merchant:m1",
            "merchant:m2"
        ],
        "each scope keeps its newest 3 (by expiry, then by order of writing), \
         the other scope untouched: {live:?}"
    );
    Ok(())
}

pub(super) async fn consent_log<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    let logged = |k: &CustomerKey| {
        let k = k.clone();
        async move { store.consents(&k).await.map_err(failed("consents")) }
    };
    ensure!(logged(&a).await?.is_empty(), "no log before any write");
    let mut w = write("1");
    w.consents = vec!["{\"n\":1}".to_owned(), "{\"n\":2}".to_owned()];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let v = version_of(store, &a).await?.ok_or("lost")?;
    let mut w = write("refused");
    w.consents = vec!["{\"n\":\"refused\"}".to_owned()];
    store
        .save_customer(&a, Some(v + 1_000), w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("2");
    w.consents = vec!["{\"n\":3}".to_owned()];
    store
        .save_customer(&a, Some(v), w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("bob");
    w.consents = vec!["{\"bob\":1}".to_owned()];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let got = logged(&a).await?;
    ensure!(
        got == ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"],
        "records are appended with their write, in order, none from a refused write: {got:?}"
    );
    store
        .erase_customer(&a, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(logged(&a).await?.is_empty(), "erasure removes the log");
    ensure!(
        logged(&b).await? == ["{\"bob\":1}"],
        "another customer's log stays"
    );
    Ok(())
}

pub(super) async fn outbox_index<S: Store>(store: &S, m: &str) -> Check {
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

pub(super) async fn lookup_index<S: Store>(store: &S, m: &str) -> Check {
    let a = key(m, "alice");
    let mut w = write("a");
    w.lookups = vec![
        hold("CODE-1"),
        hold("CODE-2"),
        hold("order:77"),
        hold("order:78"),
    ];
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let owner = |code: &'static str, merchant: String| async move {
        store
            .owner_of(&merchant, code)
            .await
            .map_err(failed("owner_of"))
    };
    ensure!(
        owner("CODE-1", m.to_owned()).await?.as_deref() == Some("alice"),
        "a code's owner"
    );
    ensure!(
        owner("order:77", m.to_owned()).await?.as_deref() == Some("alice"),
        "an order's owner"
    );
    ensure!(
        owner("order:79", m.to_owned()).await?.is_none(),
        "no owner of an unknown key"
    );
    ensure!(
        owner("CODE-1", format!("{m}-other")).await?.is_none(),
        "per merchant"
    );
    // Bob holds an order id of his own that Alice also held.
    let b = key(m, "bob");
    let mut w = write("b");
    w.lookups = vec![hold("order:78"), hold("order:80")];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    // A write names only what changes: the keys it does not name stay.
    let v = version_of(store, &a).await?.ok_or("lost")?;
    let mut w = write("a2");
    w.lookups = vec![
        let_go("CODE-1"),
        let_go("order:77"),
        let_go("order:78"),
        let_go("order:80"),
        hold("CODE-3"),
    ];
    store
        .save_customer(&a, Some(v), w)
        .await
        .map_err(failed("save"))?;
    ensure!(
        owner("CODE-1", m.to_owned()).await?.is_none(),
        "a code let go is gone"
    );
    ensure!(
        owner("order:77", m.to_owned()).await?.is_none(),
        "an order let go is gone"
    );
    ensure!(
        owner("CODE-2", m.to_owned()).await?.as_deref() == Some("alice"),
        "a code the write did not name stays"
    );
    ensure!(
        owner("CODE-3", m.to_owned()).await?.as_deref() == Some("alice"),
        "a code taken by a later write"
    );
    ensure!(
        owner("order:78", m.to_owned()).await?.as_deref() == Some("bob"),
        "a key one customer lets go stays with another who holds it"
    );
    ensure!(
        owner("order:80", m.to_owned()).await?.as_deref() == Some("bob"),
        "a customer cannot let go of another's key"
    );
    let v = version_of(store, &a).await?.ok_or("lost")?;
    ensure!(
        store
            .save_customer(&a, Some(v), write("a3"))
            .await
            .map_err(failed("save"))?,
        "a write without changes to keys"
    );
    ensure!(
        owner("CODE-3", m.to_owned()).await?.as_deref() == Some("alice"),
        "a write that names no keys keeps them all"
    );
    store
        .erase_customer(&a, None)
        .await
        .map_err(failed("erase"))?;
    for code in ["CODE-2", "CODE-3"] {
        ensure!(
            owner(code, m.to_owned()).await?.is_none(),
            "erasure removes the codes"
        );
    }
    ensure!(
        owner("order:80", m.to_owned()).await?.as_deref() == Some("bob"),
        "erasing one customer leaves another's keys"
    );
    store
        .erase_customer(&b, None)
        .await
        .map_err(failed("erase"))?;
    Ok(())
}

fn hold(key: &str) -> LookupWrite {
    LookupWrite {
        key: key.to_owned(),
        held: true,
    }
}

fn let_go(key: &str) -> LookupWrite {
    LookupWrite {
        key: key.to_owned(),
        held: false,
    }
}

pub(super) async fn programs_compare_and_swap<S: Store>(store: &S, m: &str) -> Check {
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
    let (now, _) = store
        .load_program(m)
        .await
        .map_err(failed("load_program"))?
        .ok_or("lost")?;
    ensure!(now != v, "a new version after the swap");
    ensure!(
        store
            .program_version(m)
            .await
            .map_err(failed("program_version"))?
            == Some(now),
        "the version alone is the version read with the program"
    );
    ensure!(
        store
            .program_version(&format!("{m}-other"))
            .await
            .map_err(failed("program_version"))?
            .is_none(),
        "no version without a program"
    );
    let k = key(m, "carol");
    let both = |k: CustomerKey| async move {
        store
            .load_customer_and_program_version(&k)
            .await
            .map_err(failed("load_customer_and_program_version"))
    };
    ensure!(
        both(k.clone()).await? == (None, Some(now)),
        "a customer never written reads as none, beside the program's version"
    );
    ensure!(
        store
            .save_customer(&k, None, write("carol's"))
            .await
            .map_err(failed("save"))?,
        "the customer is written"
    );
    let alone = store.load_customer(&k).await.map_err(failed("load"))?;
    ensure!(
        alone.as_ref().is_some_and(|(_, text)| text == "carol's")
            && both(k.clone()).await? == (alone, Some(now)),
        "read together, the customer and the version are what each read alone gives"
    );
    ensure!(
        both(key(&format!("{m}-other"), "carol")).await? == (None, None),
        "another merchant has neither"
    );
    Ok(())
}
