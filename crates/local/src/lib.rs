//! The embedded adapters of `statecraft serve`: a durable [`SqliteStore`] implementing every
//! storage port of [`statecraft_runtime::ports`] in one SQLite database file.
//!
//! Durability: WAL journal, `synchronous=FULL`; a call returns only after the transaction that
//! holds its write has committed (fsynced). Throughput: every write goes to one writer thread
//! that drains its queue into a single transaction (group commit, one fsync per batch), where a
//! conflict fails its own request alone. Reads run on tokio's
//! blocking pool over a small set of read connections and never wait for the writer (WAL
//! readers see the last committed snapshot).
//!
//! What it does not do: share a database between processes for writing (one `serve` owns a data
//! directory), or replicate. Timers and task dispatch live elsewhere in the shell.

mod read;
mod schema;
mod store;
mod token;
mod write;
mod writer;

pub use schema::SCHEMA_VERSION;
pub use store::{Config, SqliteStore, DB_FILE};
pub use writer::{Stats, StatsSnapshot};

/// Failures opening a store (the ports report their own [`statecraft_runtime::ports::Error`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("data directory {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer release.
    #[error("database schema version {found} is newer than this release supports ({supported})")]
    SchemaTooNew { found: u32, supported: u32 },
}
