//! Why the server could not start, each as one sentence for the operator.

use std::path::PathBuf;

/// A startup failure; `Display` is one line naming the file, field or
/// address at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration file cannot be read.
    #[error("cannot read the config file {}: {source} (start from retention.example.toml)", path.display())]
    ConfigUnreadable {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or not a valid configuration.
    #[error("invalid config file {}{}: {problem}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    ConfigInvalid {
        /// The file.
        path: PathBuf,
        /// Where the problem is, if known (1-based).
        line: Option<usize>,
        /// What is wrong, naming the field.
        problem: String,
    },
    /// The database cannot be opened or prepared.
    #[error("cannot use the database {}: {problem}", path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        problem: String,
    },
    /// The listening socket cannot be opened.
    #[error("cannot listen on {addr}: {}", listen_problem(source))]
    Listen {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The async runtime or the server itself failed.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

fn listen_problem(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "the address is already in use (is another server running? choose another with --listen)".to_owned()
        }
        _ => error.to_string(),
    }
}
