//! The customer's rows: written with their write, listed in key order
//! either way from a bound, deleted, per customer and table, erased.

use super::{Check, failed, key, version_of, write};
use crate::ports::{RowRange, RowWrite};
use crate::{CustomerKey, Store};

fn put(table: &str, row: &str, value: &str) -> RowWrite {
    RowWrite {
        table: table.to_owned(),
        key: row.to_owned(),
        value: Some(value.to_owned()),
    }
}

fn range(table: &str, newest_first: bool, beyond: Option<&str>, limit: usize) -> RowRange {
    RowRange {
        table: table.to_owned(),
        newest_first,
        beyond: beyond.map(str::to_owned),
        limit,
    }
}

async fn keys<S: Store>(store: &S, k: &CustomerKey, r: RowRange) -> Result<Vec<String>, String> {
    Ok(store
        .rows(k, &r)
        .await
        .map_err(failed("rows"))?
        .into_iter()
        .map(|(row, value)| format!("{row}={value}"))
        .collect())
}

pub(super) async fn customer_rows<S: Store>(store: &S, m: &str) -> Check {
    let (a, b) = (key(m, "alice"), key(m, "bob"));
    ensure!(
        keys(store, &a, range("entries", false, None, 10))
            .await?
            .is_empty(),
        "no rows before any write"
    );
    let mut w = write("1");
    // Written out of order: listing follows the keys, not the writes.
    w.rows = ["c", "a", "e", "b", "d"]
        .iter()
        .map(|r| put("entries", r, &format!("\"{r}1\"")))
        .chain([put("orders", "a", "\"order\"")])
        .collect();
    store
        .save_customer(&a, None, w)
        .await
        .map_err(failed("save"))?;
    let v = version_of(store, &a).await?.ok_or("lost")?;
    let mut refused = write("refused");
    refused.rows = vec![put("entries", "f", "\"refused\"")];
    store
        .save_customer(&a, Some(v + 1_000), refused)
        .await
        .map_err(failed("save"))?;
    let mut w = write("2");
    w.rows = vec![
        put("entries", "b", "\"b2\""),
        RowWrite {
            table: "entries".to_owned(),
            key: "d".to_owned(),
            value: None,
        },
        put("entries", "g", "\"g2\""),
    ];
    store
        .save_customer(&a, Some(v), w)
        .await
        .map_err(failed("save"))?;
    let mut w = write("bob");
    w.rows = vec![put("entries", "a", "\"bob\"")];
    store
        .save_customer(&b, None, w)
        .await
        .map_err(failed("save"))?;
    let all = keys(store, &a, range("entries", false, None, 100)).await?;
    ensure!(
        all == ["a=\"a1\"", "b=\"b2\"", "c=\"c1\"", "e=\"e1\"", "g=\"g2\""],
        "rows list in key order, replaced and deleted by a later write, none from a refused one: {all:?}"
    );
    let newest = keys(store, &a, range("entries", true, None, 2)).await?;
    ensure!(
        newest == ["g=\"g2\"", "e=\"e1\""],
        "newest first, at most the limit: {newest:?}"
    );
    let older = keys(store, &a, range("entries", true, Some("e"), 2)).await?;
    ensure!(
        older == ["c=\"c1\"", "b=\"b2\""],
        "newest first below a bound that is a key: {older:?}"
    );
    let later = keys(store, &a, range("entries", false, Some("bb"), 10)).await?;
    ensure!(
        later == ["c=\"c1\"", "e=\"e1\"", "g=\"g2\""],
        "oldest first above a bound that is not a key: {later:?}"
    );
    let orders = keys(store, &a, range("orders", false, None, 10)).await?;
    ensure!(orders == ["a=\"order\""], "tables are apart: {orders:?}");
    store
        .erase_customer(&a, None)
        .await
        .map_err(failed("erase"))?;
    ensure!(
        keys(store, &a, range("entries", false, None, 10))
            .await?
            .is_empty()
            && keys(store, &a, range("orders", false, None, 10))
                .await?
                .is_empty(),
        "erasure removes the rows"
    );
    let bob = keys(store, &b, range("entries", false, None, 10)).await?;
    ensure!(
        bob == ["a=\"bob\""],
        "another customer's rows stay: {bob:?}"
    );
    Ok(())
}
