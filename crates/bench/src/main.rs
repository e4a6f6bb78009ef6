//! Writes the benchmark's customers straight into a server's SQLite file
//! (`./dev bench`, `scripts/bench.mjs`) while no server has it open:
//! customers with long histories, built by the core's own rules at the
//! instants things happened, and crowds of small customers, all stored
//! exactly as the server stores a write. Seeding 20,000 ledger entries
//! through the HTTP API would take most of an hour; this takes seconds.
//!
//! ```text
//! retention-bench-fixture --db FILE --merchant ID [--history CUSTOMER=ENTRIES]... [--crowd PREFIX=COUNT] [--emit FILE]
//! ```
//!
//! With `--emit`, the customers are not written into the file (which only
//! gives the merchant's program) but into FILE, as the writes an edge
//! store replays (see [`emit`]).

mod emit;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use retention_api::{CustomerKey, Handler, MerchantConfig, Store};
use retention_core::{Customer, Instant, MerchantEvent, Program};
use retention_server::platform::{OsEntropy, SystemClock};
use retention_server::sqlite::SqliteStore;

/// Ledger entries every fixture customer has in its last 60 days: six
/// orders and four adjustments (two of them spending), so the live state
/// (lots, tier window, expiries) is the same whatever the history behind.
const RECENT_ENTRIES: usize = 10;

#[derive(Parser)]
#[command(about = "Writes the benchmark's customers into a server's SQLite file")]
struct Args {
    /// The server's database file (created if missing); no server may have it open.
    #[arg(long)]
    db: PathBuf,
    /// The merchant whose customers these are; its program must be stored.
    #[arg(long)]
    merchant: String,
    /// A customer with this many ledger entries: the recent ten, behind
    /// them orders paid 700 to 400 days ago whose points expired.
    #[arg(long, value_name = "CUSTOMER=ENTRIES")]
    history: Vec<String>,
    /// This many customers PREFIX-0, PREFIX-1, … with the recent ten entries each.
    #[arg(long, value_name = "PREFIX=COUNT")]
    crowd: Vec<String>,
    /// Writes the customers to this file as JSON lines of edge store
    /// writes instead of into the database.
    #[arg(long, value_name = "FILE")]
    emit: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("no runtime: {e}")),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(why: &str) -> ExitCode {
    eprintln!("retention-bench-fixture: {why}");
    ExitCode::FAILURE
}

async fn run(args: Args) -> Result<(), String> {
    let store = SqliteStore::open_for_bulk_load(&args.db).map_err(|e| e.to_string())?;
    let program = program(&store, &args.merchant).await?;
    if let Some(file) = &args.emit {
        let text = store
            .load_program(&args.merchant)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no program")?;
        return emit_all(&args, file, &program, text).await;
    }
    let handler = Handler::new(
        vec![merchant(&args.merchant)],
        store,
        SystemClock,
        OsEntropy::default(),
    );
    let now = retention_api::Clock::now(&SystemClock);
    let key = |customer: &str| CustomerKey {
        merchant: args.merchant.clone(),
        customer: customer.to_owned(),
    };
    for spec in &args.history {
        let (customer, entries) = pair(spec)?;
        let built = with_history(&program, entries, now)?;
        import(&handler, &key(customer), built).await?;
        let state = handler
            .store()
            .load_customer(&key(customer))
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |(_, state)| state.len());
        println!("{customer}: {entries} ledger entries, a stored state of {state} bytes");
    }
    for spec in &args.crowd {
        let (prefix, count) = pair(spec)?;
        let built = with_history(&program, RECENT_ENTRIES, now)?;
        for i in 0..count {
            import(&handler, &key(&format!("{prefix}-{i}")), built.clone()).await?;
            if (i + 1) % 20_000 == 0 || i + 1 == count {
                println!("{prefix}: {} of {count} customers", i + 1);
            }
        }
    }
    Ok(())
}

/// `--emit`: every customer the arguments name, as edge store writes.
async fn emit_all(
    args: &Args,
    file: &std::path::Path,
    program: &Program,
    text: (u64, String),
) -> Result<(), String> {
    let handler = Handler::new(
        vec![merchant(&args.merchant)],
        emit::Capture::new(text),
        SystemClock,
        OsEntropy::default(),
    );
    let now = retention_api::Clock::now(&SystemClock);
    let mut customers: Vec<(String, usize)> = Vec::new();
    for spec in &args.history {
        let (customer, entries) = pair(spec)?;
        customers.push((customer.to_owned(), entries));
    }
    for spec in &args.crowd {
        let (prefix, count) = pair(spec)?;
        customers.extend((0..count).map(|i| (format!("{prefix}-{i}"), RECENT_ENTRIES)));
    }
    let mut out = String::new();
    for (customer, entries) in customers {
        let built = with_history(program, entries, now)?;
        let key = CustomerKey {
            merchant: args.merchant.clone(),
            customer: customer.clone(),
        };
        handler
            .import_customer(&key, built)
            .await
            .map_err(|e| e.to_string())?;
        let write = handler.store().take().ok_or("the import wrote nothing")?;
        let state = write.state.len();
        let lines = emit::lines(&customer, write);
        println!(
            "{customer}: {entries} ledger entries, a stored state of {state} bytes, {} writes",
            lines.len()
        );
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    std::fs::write(file, out).map_err(|e| format!("{}: {e}", file.display()))
}

/// The merchant as the handler needs it here (no keys: nothing is served).
fn merchant(id: &str) -> MerchantConfig {
    MerchantConfig {
        id: id.to_owned(),
        api_key: String::new(),
        token_secret: String::new(),
        allowed_origins: Vec::new(),
        webhook_url: None,
        webhook_secret: None,
        shopify_webhook_secret: None,
        rate_limits: Default::default(),
    }
}

/// `NAME=NUMBER`.
fn pair(spec: &str) -> Result<(&str, usize), String> {
    spec.split_once('=')
        .and_then(|(name, n)| Some((name, n.parse().ok()?)))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("{spec:?} is not NAME=NUMBER"))
}

async fn program(store: &SqliteStore, merchant: &str) -> Result<Program, String> {
    let (_, text) = store
        .load_program(merchant)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("merchant {merchant} has no stored program"))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Program::from_json(&value).map_err(|e| format!("the program cannot be read: {e:?}"))
}

async fn import(
    handler: &Handler<SqliteStore, SystemClock, OsEntropy>,
    key: &CustomerKey,
    customer: Customer,
) -> Result<(), String> {
    match handler.import_customer(key, customer).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("customer {} exists already", key.customer)),
        Err(e) => Err(e.to_string()),
    }
}

/// A customer with `entries` ledger entries at `now` (at least the
/// recent ten; an odd remainder rounds down).
fn with_history(program: &Program, entries: usize, now: Instant) -> Result<Customer, String> {
    if entries < RECENT_ENTRIES || program.expiry.after_earn_days != Some(365) {
        return Err(format!(
            "a fixture has at least {RECENT_ENTRIES} entries, under a program whose points expire after 365 days"
        ));
    }
    let mut customer = Customer::default();
    let mut apply = |event: MerchantEvent, at: Instant| {
        customer
            .apply_event(program, event, at)
            .map_err(|e| format!("the history was refused: {e:?}"))
    };
    // Each old order is an earn entry and, 365 days on, an expire entry.
    let orders = (entries - RECENT_ENTRIES) / 2;
    let first = now.plus_days(-700);
    let span = 300 * 86_400;
    for i in 0..orders {
        let at = first.plus_seconds(i as i64 * span / orders.max(1) as i64);
        apply(order(program, &format!("h-{i}"), at), at)?;
    }
    for (i, days) in [60, 50, 40, 30, 20, 10].into_iter().enumerate() {
        let at = now.plus_days(-days);
        apply(order(program, &format!("r-{i}"), at), at)?;
    }
    for (points, days) in [(500, 25), (-300, 15), (200, 5), (-100, 2)] {
        let at = now.plus_days(-days);
        let event = MerchantEvent::PointsAdjusted {
            points,
            reason: "Bench".to_owned(),
            expires_at: None,
            at: Some(at),
        };
        apply(event, at)?;
    }
    customer.settle(program, now);
    let made = customer.ledger.entries.len();
    if made != entries - (entries - RECENT_ENTRIES) % 2 {
        return Err(format!("the history made {made} entries, not {entries}"));
    }
    Ok(customer)
}

fn order(program: &Program, id: &str, at: Instant) -> MerchantEvent {
    MerchantEvent::OrderPaid {
        order_id: id.to_owned(),
        amount_minor: 100_000,
        currency: program.currency.clone(),
        paid_at: Some(at),
    }
}
