//! The database schema, its migrations and the connection settings.
//!
//! Migrations are an append-only list of SQL scripts; `schema_version` records each one
//! applied, and opening a database runs the missing ones in one immediate transaction (so two
//! processes opening the same file cannot both apply them). A database from a newer release is
//! refused rather than misread. Records also carry their own `record_version` (the wire format
//! of [`statecraft_runtime::ports`]), stored in a column beside the JSON body.
//!
//! No foreign keys: children (history, outbox, tokens) are written only by the commit of their
//! execution, inside one transaction, and nothing deletes executions, so the checks would only
//! cost time on the hot path.

use crate::Error;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::time::Duration;

/// The schema version this release writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Migration `i` moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

const V1: &str = r#"
CREATE TABLE state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    updated INTEGER NOT NULL,
    record_version INTEGER NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX state_machines_by_name ON state_machines (name, arn);

CREATE TABLE revisions (
    state_machine_arn TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    record_version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (state_machine_arn, revision_id)
);

CREATE TABLE versions (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    version INTEGER NOT NULL,
    record_version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (state_machine_arn, version)
) WITHOUT ROWID;

CREATE TABLE aliases (
    arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    record_version INTEGER NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX aliases_by_machine ON aliases (state_machine_arn, name, arn);

-- `id` is creation order: it breaks ties of `start` (newest first) and keys the children.
-- `machine_arn` is the unqualified state machine ARN, whatever the execution was started by.
CREATE TABLE executions (
    id INTEGER PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
    machine_arn TEXT NOT NULL,
    version_arn TEXT,
    alias_arn TEXT,
    status TEXT NOT NULL,
    start INTEGER NOT NULL,
    redrive_count INTEGER NOT NULL,
    parent_arn TEXT,
    record_version INTEGER NOT NULL,
    revision_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    summary TEXT NOT NULL,
    state BLOB NOT NULL
);
-- ListExecutions, newest first: every index ends in (start, id) (the row id is implicit).
CREATE INDEX executions_by_start ON executions (start);
CREATE INDEX executions_by_machine ON executions (machine_arn, start);
CREATE INDEX executions_by_machine_status ON executions (machine_arn, status, start);
CREATE INDEX executions_by_status ON executions (status, start);
CREATE INDEX executions_by_version ON executions (version_arn, start) WHERE version_arn IS NOT NULL;
CREATE INDEX executions_by_alias ON executions (alias_arn, start) WHERE alias_arn IS NOT NULL;
CREATE INDEX executions_by_parent ON executions (parent_arn, start) WHERE parent_arn IS NOT NULL;

CREATE TABLE history (
    execution INTEGER NOT NULL,
    id INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (execution, id)
);

CREATE TABLE outbox (
    execution INTEGER NOT NULL,
    key TEXT NOT NULL,
    due INTEGER,
    effect BLOB NOT NULL,
    PRIMARY KEY (execution, key)
);
CREATE INDEX outbox_by_due ON outbox (due, execution) WHERE due IS NOT NULL;

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    execution INTEGER NOT NULL,
    task BLOB NOT NULL,
    expires INTEGER,
    activity_arn TEXT
) WITHOUT ROWID;
CREATE INDEX tokens_by_execution ON tokens (execution);

CREATE TABLE activities (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    record_version INTEGER NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX activities_by_name ON activities (name, arn);

CREATE TABLE tags (
    arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
"#;

/// Settings shared by every connection.
fn common(conn: &Connection) -> rusqlite::Result<()> {
    // The writer alone uses ~20 distinct statements; the default cache (16) would thrash.
    conn.set_prepared_statement_cache_capacity(128);
    conn.busy_timeout(Duration::from_secs(10))?;
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Statement journals and sorts in memory: they never need to outlive a crash.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Opens the writer connection: WAL mode, then the migrations.
pub(crate) fn open_writer(path: &std::path::Path) -> Result<Connection, Error> {
    let mut conn = Connection::open(path)?;
    common(&conn)?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Sqlite(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode=WAL refused (got {mode})"
        ))));
    }
    // Checkpoints run on their own thread (see `writer`); this is only the backstop.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Opens the checkpointer's connection.
pub(crate) fn open_checkpointer(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    common(&conn)?;
    Ok(conn)
}

/// Opens a read connection (writes through it are refused).
pub(crate) fn open_reader(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    common(&conn)?;
    conn.pragma_update(None, "cache_size", -8_000)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Brings the schema up to [`SCHEMA_VERSION`]; returns the version found before.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
    )?;
    let found: u32 = tx
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get::<_, Option<u32>>(0))
        .optional()?
        .flatten()
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    for (i, script) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(script)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied) VALUES (?1, CAST(unixepoch('subsec') * 1000 AS INTEGER))",
            [i as u32 + 1],
        )?;
    }
    tx.commit()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.db");
        let mut conn = open_writer(&path)?;
        assert_eq!(migrate(&mut conn)?, SCHEMA_VERSION);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        assert_eq!(mode, "wal");
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        assert_eq!(sync, 2, "FULL");
        conn.execute("INSERT INTO schema_version (version, applied) VALUES (99, 0)", [])?;
        drop(conn);
        assert!(matches!(open_writer(&path), Err(Error::SchemaTooNew { found: 99, .. })));
        Ok(())
    }
}
