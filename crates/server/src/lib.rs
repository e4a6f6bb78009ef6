//! The retention widget's native server: [`retention_api::Handler`] served
//! over HTTP by axum, state in one SQLite file ([`sqlite::SqliteStore`]),
//! a reminder scheduler, and the demo shop's static files beside the API.
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod listener;
pub mod platform;
pub mod run;
pub mod scheduler;
pub mod sqlite;
pub mod webhooks;

/// The API handler as this server instantiates it.
pub type NativeHandler =
    retention_api::Handler<sqlite::SqliteStore, platform::SystemClock, platform::OsEntropy>;
