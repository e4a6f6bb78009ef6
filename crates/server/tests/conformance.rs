//! The store port's contract (`retention_api::conformance`) against the
//! two native stores: the in-memory reference and SQLite on a real file.

use retention_api::conformance::{Outcome, run};
use retention_api::memory::MemoryStore;
use retention_server::sqlite::SqliteStore;

fn report(store: &str, outcomes: &[Outcome]) {
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.failure.as_ref().map(|f| format!("{}: {f}", o.name)))
        .collect();
    assert!(outcomes.len() >= 11, "{store}: every check ran");
    assert!(failures.is_empty(), "{store}:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    report("memory", &run(&MemoryStore::default(), "m-").await);
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_contract_and_again_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("conformance.db")).unwrap();
    report("sqlite", &run(&store, "first-").await);
    report("sqlite (second run)", &run(&store, "second-").await);
}
