//! The command line (SPEC section 4).

use std::path::PathBuf;

use clap::Parser;

/// Options of `retention-server`.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "retention-server",
    version,
    about = "Serves the retention widget API, the widget and the demo shop."
)]
pub struct Args {
    /// Merchants' configuration file (TOML, `[[merchant]]` tables).
    #[arg(long, value_name = "FILE", default_value = "retention.toml")]
    pub config: PathBuf,

    /// SQLite database file, created if missing.
    #[arg(long, value_name = "FILE", default_value = "retention.db")]
    pub db: PathBuf,

    /// Address to listen on, `HOST:PORT` (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: String,

    /// Folder of the demo shop, served at `/` (may be missing).
    #[arg(long = "static", value_name = "DIR", default_value = "www")]
    pub static_dir: PathBuf,

    /// Folder of the built widget, served at `/widget/` (may be missing).
    #[arg(long = "widget", value_name = "DIR", default_value = "pkg/widget")]
    pub widget_dir: PathBuf,

    /// How often the reminder scheduler looks for customers to wake, in ms.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub wake_interval_ms: u64,

    /// How long a client may take to send a request's headers (and an
    /// idle keep-alive connection may wait for its next request), in ms.
    #[arg(long, value_name = "MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_ms: u64,

    /// How long a client may take to send a request's body, in ms.
    #[arg(long, value_name = "MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_ms: u64,

    /// Connections served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}
