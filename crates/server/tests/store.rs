//! `SqliteStore` on real files: compare-and-swap, the outbox index, due
//! lists, and durability across reopening.

use retention_api::{CustomerKey, CustomerWrite, Store, Version};
use retention_core::reminders::{OutboxItem, ReminderKind};
use retention_core::{Channel, Instant, Topic};
use retention_server::sqlite::SqliteStore;
use tempfile::TempDir;

fn open() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("test.db")).unwrap();
    (dir, store)
}

fn key(merchant: &str, customer: &str) -> CustomerKey {
    CustomerKey {
        merchant: merchant.to_owned(),
        customer: customer.to_owned(),
    }
}

fn item(id: &str, customer: &str, send_at: i64) -> OutboxItem {
    OutboxItem {
        id: id.to_owned(),
        customer_id: customer.to_owned(),
        kind: ReminderKind::PointsExpiring,
        topic: Topic::RewardUpdates,
        channel: Channel::Email,
        fallback_channels: vec![Channel::Sms],
        send_at: Instant::from_unix(send_at),
        locale: "ru".to_owned(),
        data: serde_json::json!({"points": 50}),
    }
}

/// Versions for the tests' writes (the handler mints random ones).
static VERSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn write(state: &str, next_wake: Option<i64>, outbox: Vec<OutboxItem>) -> CustomerWrite {
    CustomerWrite {
        version: VERSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        state: state.to_owned(),
        next_wake: next_wake.map(Instant::from_unix),
        outbox,
        ..Default::default()
    }
}

/// Saves `w` for `key` if its version is still `expected`; whether it did.
async fn save(
    store: &SqliteStore,
    key: &CustomerKey,
    expected: Option<Version>,
    w: CustomerWrite,
) -> bool {
    store.save_customer(key, expected, w).await.unwrap()
}

/// The ids of `merchant`'s outbox items due at `now`, at most `limit`.
async fn due_ids(store: &SqliteStore, merchant: &str, now: Instant, limit: usize) -> Vec<String> {
    let items = store.due_outbox(merchant, now, limit).await.unwrap();
    items.into_iter().map(|i| i.id).collect()
}

#[tokio::test]
async fn compare_and_swap_creates_updates_and_refuses_stale_versions() {
    let (_dir, store) = open();
    let alice = key("m1", "alice");
    assert_eq!(store.load_customer(&alice).await.unwrap(), None);

    assert!(save(&store, &alice, None, write("v1", None, vec![])).await);
    let (v1, state) = store.load_customer(&alice).await.unwrap().unwrap();
    assert_eq!(state, "v1");

    // Creating again when it exists is a conflict and changes nothing.
    assert!(!save(&store, &alice, None, write("other", None, vec![])).await);

    assert!(save(&store, &alice, Some(v1), write("v2", None, vec![])).await);
    let (v2, state) = store.load_customer(&alice).await.unwrap().unwrap();
    assert_eq!(state, "v2");
    assert_ne!(v1, v2);

    // A writer still holding v1 loses.
    assert!(!save(&store, &alice, Some(v1), write("stale", None, vec![])).await);
    // Naming a version of a customer that does not exist loses too.
    assert!(
        !save(
            &store,
            &key("m1", "bob"),
            Some(v2),
            write("x", None, vec![])
        )
        .await
    );
    assert_eq!(
        store.load_customer(&alice).await.unwrap(),
        Some((v2, "v2".to_owned()))
    );
    assert_eq!(store.load_customer(&key("m1", "bob")).await.unwrap(), None);
    // The same customer id at another merchant is another customer.
    assert_eq!(
        store.load_customer(&key("m2", "alice")).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_version_read_before_a_delete_never_matches_the_recreated_customer() {
    let (_dir, store) = open();
    let alice = key("m1", "alice");
    assert!(save(&store, &alice, None, write("old", None, vec![])).await);
    let (old, _) = store.load_customer(&alice).await.unwrap().unwrap();
    store.erase_customer(&alice, None).await.unwrap();
    assert!(save(&store, &alice, None, write("new", None, vec![])).await);
    assert!(!save(&store, &alice, Some(old), write("stale", None, vec![])).await);
    assert_eq!(store.load_customer(&alice).await.unwrap().unwrap().1, "new");
}

#[tokio::test]
async fn the_outbox_index_changes_with_the_state_and_only_then() {
    let (_dir, store) = open();
    let alice = key("m1", "alice");
    let w = write(
        "v1",
        None,
        vec![item("a1", "alice", 100), item("a2", "alice", 200)],
    );
    assert!(save(&store, &alice, None, w).await);
    let (v1, _) = store.load_customer(&alice).await.unwrap().unwrap();
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(1000), 10).await,
        ["a1", "a2"]
    );
    assert_eq!(
        store.outbox_owner("m1", "a2").await.unwrap().as_deref(),
        Some("alice")
    );

    // The next write replaces the customer's items wholesale.
    let w = write("v2", None, vec![item("a3", "alice", 150)]);
    assert!(save(&store, &alice, Some(v1), w).await);
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(1000), 10).await,
        ["a3"]
    );
    assert_eq!(store.outbox_owner("m1", "a1").await.unwrap(), None);

    // A conflicting write leaves the index as it was.
    let w = write("stale", None, vec![item("zz", "alice", 1)]);
    assert!(!save(&store, &alice, Some(v1), w).await);
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(1000), 10).await,
        ["a3"]
    );

    // The item comes back exactly as written.
    let due = store
        .due_outbox("m1", Instant::from_unix(1000), 10)
        .await
        .unwrap();
    assert_eq!(due, vec![item("a3", "alice", 150)]);
}

#[tokio::test]
async fn deleting_a_customer_removes_its_outbox_items_only() {
    let (_dir, store) = open();
    let (alice, bob) = (key("m1", "alice"), key("m1", "bob"));
    assert!(
        save(
            &store,
            &alice,
            None,
            write("a", Some(5), vec![item("a1", "alice", 10)])
        )
        .await
    );
    assert!(
        save(
            &store,
            &bob,
            None,
            write("b", Some(5), vec![item("b1", "bob", 20)])
        )
        .await
    );
    store.erase_customer(&alice, None).await.unwrap();
    assert_eq!(store.load_customer(&alice).await.unwrap(), None);
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(1000), 10).await,
        ["b1"]
    );
    assert_eq!(store.outbox_owner("m1", "a1").await.unwrap(), None);
    assert_eq!(
        store.due_wakes(Instant::from_unix(1000), 10).await.unwrap(),
        vec![bob.clone()]
    );
    // Deleting what is not there is fine.
    store.erase_customer(&alice, None).await.unwrap();
}

#[tokio::test]
async fn due_outbox_is_per_merchant_oldest_first_ties_by_id_and_limited() {
    let (_dir, store) = open();
    let items = vec![
        item("c", "alice", 300),
        item("b", "alice", 100),
        item("a", "alice", 100),
        item("late", "alice", 900),
    ];
    assert!(save(&store, &key("m1", "alice"), None, write("a", None, items)).await);
    assert!(
        save(
            &store,
            &key("m1", "bob"),
            None,
            write("b", None, vec![item("d", "bob", 200)])
        )
        .await
    );
    assert!(
        save(
            &store,
            &key("m2", "carol"),
            None,
            write("c", None, vec![item("e", "carol", 50)])
        )
        .await
    );

    let now = Instant::from_unix(300);
    assert_eq!(due_ids(&store, "m1", now, 10).await, ["a", "b", "d", "c"]);
    assert_eq!(due_ids(&store, "m1", now, 2).await, ["a", "b"]);
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(99), 10).await,
        Vec::<&str>::new()
    );
    assert_eq!(due_ids(&store, "m2", now, 10).await, ["e"]);
    assert_eq!(store.outbox_owner("m2", "d").await.unwrap(), None);
}

#[tokio::test]
async fn due_wakes_lists_customers_whose_time_came_soonest_first() {
    let (_dir, store) = open();
    for (merchant, customer, wake) in [
        ("m1", "a", Some(30)),
        ("m2", "b", Some(10)),
        ("m1", "c", None),
        ("m1", "d", Some(20)),
        ("m1", "e", Some(99)),
    ] {
        assert!(
            save(
                &store,
                &key(merchant, customer),
                None,
                write("s", wake, vec![])
            )
            .await
        );
    }
    let now = Instant::from_unix(30);
    assert_eq!(
        store.due_wakes(now, 10).await.unwrap(),
        vec![key("m2", "b"), key("m1", "d"), key("m1", "a")]
    );
    assert_eq!(
        store.due_wakes(now, 2).await.unwrap(),
        vec![key("m2", "b"), key("m1", "d")]
    );

    // Writing a later wake time takes the customer off the list.
    let (v, _) = store.load_customer(&key("m2", "b")).await.unwrap().unwrap();
    assert!(save(&store, &key("m2", "b"), Some(v), write("s", None, vec![])).await);
    assert_eq!(
        store.due_wakes(now, 10).await.unwrap(),
        vec![key("m1", "d"), key("m1", "a")]
    );
}

#[tokio::test]
async fn everything_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.db");
    let alice = key("m1", "alice");
    let version = {
        let store = SqliteStore::open(&path).unwrap();
        assert!(
            save(
                &store,
                &alice,
                None,
                write("kept", Some(7), vec![item("a1", "alice", 5)])
            )
            .await
        );
        assert!(store.save_program("m1", None, 7, "prog").await.unwrap());
        store.load_customer(&alice).await.unwrap().unwrap().0
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.load_customer(&alice).await.unwrap(),
        Some((version, "kept".to_owned()))
    );
    assert_eq!(store.load_program("m1").await.unwrap().unwrap().1, "prog");
    assert_eq!(
        due_ids(&store, "m1", Instant::from_unix(5), 10).await,
        ["a1"]
    );
    assert_eq!(
        store.due_wakes(Instant::from_unix(7), 10).await.unwrap(),
        vec![alice.clone()]
    );
    // Versions keep growing across reopening.
    assert!(save(&store, &alice, Some(version), write("next", None, vec![])).await);
    assert!(store.load_customer(&alice).await.unwrap().unwrap().0 > version);
}

#[tokio::test]
async fn concurrent_writers_from_one_version_exactly_one_wins() {
    let (_dir, store) = open();
    let alice = key("m1", "alice");
    assert!(save(&store, &alice, None, write("v1", None, vec![])).await);
    let (v1, _) = store.load_customer(&alice).await.unwrap().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, alice) = (store.clone(), alice.clone());
            tokio::spawn(async move {
                store
                    .save_customer(&alice, Some(v1), write(&format!("w{i}"), None, vec![]))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(wins, 1);
}

#[test]
fn opening_a_file_of_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(SqliteStore::open(&path).unwrap());
    let error = reopen_marked_with_schema(&path, 99);
    assert!(error.contains("newer"), "{error}");
}

/// Marks the file as written by schema `version` and returns the error of
/// opening it again.
fn reopen_marked_with_schema(path: &std::path::Path, version: i64) -> String {
    // The store has no API for this; SQLite keeps user_version at bytes
    // 60..64 of the header, big-endian.
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&(version as u32).to_be_bytes());
    std::fs::write(path, bytes).unwrap();
    SqliteStore::open(path).unwrap_err().0
}

#[test]
fn the_store_works_without_an_async_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sync.db")).unwrap();
    let saved = poll_once(store.save_customer(&key("m", "c"), None, write("s", None, vec![])));
    assert!(saved.unwrap());
}

/// Polls a future that never actually waits (the store runs inline when
/// there is no runtime).
fn poll_once<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the store waited without a runtime"),
    }
}

#[tokio::test]
async fn idempotency_records_are_written_with_the_state_and_erased_with_the_customer() {
    let (_dir, store) = open();
    let alice = key("m", "alice");
    let record = |key: &str, expires_at: i64| retention_api::IdempotencyWrite {
        key: key.to_owned(),
        record: format!("{{\"answer\":\"{key}\"}}"),
        expires_at: Instant::from_unix(expires_at),
        scope: "shopper".to_owned(),
        keep: 1_000,
    };
    let mut first = write("{}", None, vec![]);
    first.idempotency = Some(record("k1", 1_000_000));
    assert!(save(&store, &alice, None, first).await);
    assert_eq!(
        store
            .load_idempotency(&alice, "k1", Instant::from_unix(0))
            .await
            .unwrap()
            .as_deref(),
        Some("{\"answer\":\"k1\"}")
    );
    // A swap that loses writes no record either.
    let mut stale = write("{}", None, vec![]);
    stale.idempotency = Some(record("k2", 1_000_000));
    assert!(!save(&store, &alice, None, stale).await);
    assert_eq!(
        store
            .load_idempotency(&alice, "k2", Instant::from_unix(0))
            .await
            .unwrap(),
        None
    );
    // A record written a day after k1 expired removes it.
    let (version, _) = store.load_customer(&alice).await.unwrap().unwrap();
    let mut later = write("{}", None, vec![]);
    later.idempotency = Some(record("k3", 1_000_000 + 2 * 86_400));
    assert!(save(&store, &alice, Some(version), later).await);
    assert_eq!(
        store
            .load_idempotency(&alice, "k1", Instant::from_unix(0))
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .load_idempotency(&alice, "k3", Instant::from_unix(0))
            .await
            .unwrap()
            .is_some()
    );
    store.erase_customer(&alice, None).await.unwrap();
    assert_eq!(
        store
            .load_idempotency(&alice, "k3", Instant::from_unix(0))
            .await
            .unwrap(),
        None
    );
}

/// Takes a file of schema 7 back to schema 5.
const UNDO_V6: &str = "DROP TABLE customer_rows; DROP TABLE consents; DROP INDEX idempotency_by_scope; ALTER TABLE idempotency DROP COLUMN scope;";

#[tokio::test]
async fn a_version_5_file_gains_the_consent_log_and_scopes_its_idempotency_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let mut w = write("kept", None, vec![]);
        w.idempotency = Some(retention_api::IdempotencyWrite {
            key: "merchant:order-1".into(),
            record: "{}".into(),
            expires_at: Instant::from_unix(2_000_000_000),
            scope: "merchant".into(),
            keep: 1_000,
        });
        assert!(save(&store, &key("m", "alice"), None, w).await);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("{UNDO_V6} PRAGMA user_version = 5;"))
        .unwrap();
    drop(conn);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.consents(&key("m", "alice")).await.unwrap(),
        Vec::<String>::new()
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let scope: String = conn
        .query_row(
            "SELECT scope FROM idempotency WHERE key = 'merchant:order-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(scope, "merchant", "the scope comes from the stored key");
    drop(conn);
    assert!(
        store
            .load_idempotency(
                &key("m", "alice"),
                "merchant:order-1",
                Instant::from_unix(1_900_000_000)
            )
            .await
            .unwrap()
            .is_some()
    );
}

/// A file holding customer `alice` with `state`, taken back to an older
/// schema by `downgrade` (SQL), then opened again by this server.
async fn older_file(path: &std::path::Path, state: &str, downgrade: &str) -> SqliteStore {
    {
        let store = SqliteStore::open(path).unwrap();
        assert!(save(&store, &key("m", "alice"), None, write(state, None, vec![])).await);
    }
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(downgrade).unwrap();
    drop(conn);
    SqliteStore::open(path).unwrap()
}

#[tokio::test]
async fn a_version_1_file_gains_the_idempotency_table_and_keeps_its_customers() {
    let dir = tempfile::tempdir().unwrap();
    // A file as the first release wrote it: no idempotency table.
    let store = older_file(
        &dir.path().join("v1.db"),
        "kept",
        "DROP TABLE customer_rows; DROP TABLE consents; DROP TABLE idempotency; DROP TABLE codes; DROP TABLE events; DROP TABLE event_horizons; PRAGMA user_version = 1;",
    )
    .await;
    let (version, state) = store
        .load_customer(&key("m", "alice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state, "kept");
    let mut next = write("next", None, vec![]);
    next.idempotency = Some(retention_api::IdempotencyWrite {
        key: "k".into(),
        record: "{}".into(),
        expires_at: Instant::from_unix(2_000_000_000),
        scope: "merchant".into(),
        keep: 1_000,
    });
    assert!(save(&store, &key("m", "alice"), Some(version), next).await);
    assert_eq!(
        store
            .load_idempotency(&key("m", "alice"), "k", Instant::from_unix(0))
            .await
            .unwrap()
            .as_deref(),
        Some("{}")
    );
}

#[tokio::test]
async fn a_version_2_file_indexes_the_codes_its_customers_hold() {
    let dir = tempfile::tempdir().unwrap();
    let state = serde_json::json!({"customer": {"redemptions": [
        {"id": "red_1", "reward_id": "r", "code": "KEPT-CODE-0001", "points": 100,
         "at": "2027-01-01T00:00:00Z"}]}})
    .to_string();
    // A file as the second release wrote it: no code index.
    let store = older_file(
        &dir.path().join("v2.db"),
        &state,
        &format!("{UNDO_V6} DROP TABLE codes; DROP TABLE events; DROP TABLE event_horizons; PRAGMA user_version = 2;"),
    )
    .await;
    assert_eq!(
        store
            .owner_of("m", "KEPT-CODE-0001")
            .await
            .unwrap()
            .as_deref(),
        Some("alice")
    );
}

#[tokio::test]
async fn a_version_4_file_indexes_the_orders_its_customers_hold() {
    let dir = tempfile::tempdir().unwrap();
    let program = retention_core::Program::default();
    let mut customer = retention_core::Customer::default();
    let paid = serde_json::json!({"type": "order_paid", "order_id": "o-1", "amount_minor": 10_000, "currency": "RUB"});
    customer
        .apply_event(
            &program,
            serde_json::from_value(paid).unwrap(),
            Instant::from_unix(1_800_000_000),
        )
        .unwrap();
    let state = serde_json::to_string(&retention_api::state::CustomerDoc {
        customer,
        event_sequence: 0,
    })
    .unwrap();
    // A file as the fourth release wrote it: orders in the state only.
    let store = older_file(
        &dir.path().join("v4.db"),
        &state,
        &format!("{UNDO_V6} PRAGMA user_version = 4;"),
    )
    .await;
    assert_eq!(
        store.owner_of("m", "order:o-1").await.unwrap().as_deref(),
        Some("alice")
    );
}

#[tokio::test]
async fn an_erased_customer_leaves_no_trace_in_the_database_or_its_write_ahead_log() {
    let (dir, store) = open();
    let alice = key("m", "alice");
    let marker = "ERASE-ME-7f3a9c";
    let state = format!("{{\"customer\":{{}},\"note\":\"{marker}\"}}");
    assert!(save(&store, &alice, None, write(&state, None, vec![])).await);
    let (version, _) = store.load_customer(&alice).await.unwrap().unwrap();
    assert!(save(&store, &alice, Some(version), write(&state, None, vec![])).await);
    store.erase_customer(&alice, None).await.unwrap();
    for name in ["test.db", "test.db-wal"] {
        let path = dir.path().join(name);
        let bytes = std::fs::read(&path).unwrap_or_default();
        let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
        assert!(!found, "{name} still holds the erased customer's state");
    }
}

#[tokio::test]
async fn a_version_6_file_gains_the_customers_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = older_file(
        &dir.path().join("v6.db"),
        "kept",
        "DROP TABLE customer_rows; PRAGMA user_version = 6;",
    )
    .await;
    let alice = key("m", "alice");
    let (version, state) = store.load_customer(&alice).await.unwrap().unwrap();
    assert_eq!(state, "kept");
    let mut w = write("next", None, vec![]);
    w.rows = vec![retention_api::RowWrite {
        table: "entries".into(),
        key: "k".into(),
        value: Some("{}".into()),
    }];
    assert!(save(&store, &alice, Some(version), w).await);
    let range = retention_api::RowRange {
        table: "entries".into(),
        newest_first: false,
        beyond: None,
        limit: 10,
    };
    assert_eq!(
        store.rows(&alice, &range).await.unwrap(),
        [("k".to_owned(), "{}".to_owned())]
    );
}
