//! The writes, as run on the writer thread inside a batch's transaction (see
//! [`crate::writer`]): each either does all its statements or returns an error, and its
//! writes, if any, are undone. Conditions are checked by the statements themselves
//! (`WHERE version = ?`, `ON CONFLICT DO NOTHING`), so a write never relies on a read made
//! before its transaction; and they come first, so that the usual failures (conflicts,
//! duplicates) happen before anything is written and cost the batch nothing.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use statecraft_runtime::memory::base_arn;
use statecraft_runtime::ports::{
    ActivityRecord, AliasRecord, Commit, Error, ExecutionRecord, ExecutionSummary, Result, RevisionRecord,
    StateMachineRecord, VersionRecord,
};

pub(crate) fn db(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Backend(format!("encoding a record: {e}")))
}

fn machine_exists(conn: &Connection, arn: &str) -> Result<bool> {
    let found = conn
        .prepare_cached("SELECT 1 FROM state_machines WHERE arn = ?1")
        .and_then(|mut s| s.query_row([arn], |_| Ok(())).optional())
        .map_err(db)?;
    Ok(found.is_some())
}

/// Inserts a revision; revisions are immutable, so an existing one is `AlreadyExists`.
fn insert_revision(conn: &Connection, rev: &RevisionRecord) -> Result<()> {
    let body = json(rev)?;
    let n = conn
        .prepare_cached(
            "INSERT INTO revisions (state_machine_arn, revision_id, record_version, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![rev.state_machine_arn, rev.revision_id, rev.record_version, body]))
        .map_err(db)?;
    if n == 0 {
        return Err(Error::AlreadyExists);
    }
    Ok(())
}

pub(crate) fn create_state_machine(
    conn: &Connection,
    sm: &StateMachineRecord,
    rev: &RevisionRecord,
) -> Result<()> {
    let body = json(sm)?;
    let n = conn
        .prepare_cached(
            "INSERT INTO state_machines (arn, name, updated, record_version, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![sm.arn, sm.name, sm.updated, sm.record_version, body]))
        .map_err(db)?;
    if n == 0 {
        return Err(Error::AlreadyExists);
    }
    insert_revision(conn, rev)
}

pub(crate) fn update_state_machine(
    conn: &Connection,
    sm: &StateMachineRecord,
    expected_updated: i64,
    rev: Option<&RevisionRecord>,
) -> Result<()> {
    let stored: Option<i64> = conn
        .prepare_cached("SELECT updated FROM state_machines WHERE arn = ?1")
        .and_then(|mut s| s.query_row([&sm.arn], |r| r.get(0)).optional())
        .map_err(db)?;
    match stored {
        None => return Err(Error::NotFound),
        Some(u) if u != expected_updated => return Err(Error::Conflict),
        Some(_) => {}
    }
    if let Some(rev) = rev {
        insert_revision(conn, rev)?;
    }
    let body = json(sm)?;
    conn.prepare_cached(
        "UPDATE state_machines SET name = ?2, updated = ?3, record_version = ?4, body = ?5 WHERE arn = ?1",
    )
    .and_then(|mut s| s.execute(params![sm.arn, sm.name, sm.updated, sm.record_version, body]))
    .map_err(db)?;
    Ok(())
}

pub(crate) fn delete_state_machine(conn: &Connection, arn: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM state_machines WHERE arn = ?1", [arn]).map_err(db)?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    for sql in [
        "DELETE FROM tags WHERE arn IN (SELECT arn FROM versions WHERE state_machine_arn = ?1)",
        "DELETE FROM tags WHERE arn IN (SELECT arn FROM aliases WHERE state_machine_arn = ?1)",
        "DELETE FROM tags WHERE arn = ?1",
        "DELETE FROM versions WHERE state_machine_arn = ?1",
        "DELETE FROM aliases WHERE state_machine_arn = ?1",
    ] {
        conn.execute(sql, [arn]).map_err(db)?;
    }
    Ok(())
}

pub(crate) fn put_version(conn: &Connection, v: &VersionRecord) -> Result<()> {
    if !machine_exists(conn, &v.state_machine_arn)? {
        return Err(Error::NotFound);
    }
    let n = conn
        .execute(
            "INSERT INTO versions (arn, state_machine_arn, version, record_version, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
            params![v.arn, v.state_machine_arn, v.version, v.record_version, json(v)?],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(Error::AlreadyExists);
    }
    Ok(())
}

/// Deletes a row of `table` (versions, aliases, activities) with its tags.
pub(crate) fn delete_resource(conn: &Connection, table: &'static str, arn: &str) -> Result<()> {
    let n = conn.execute(&format!("DELETE FROM {table} WHERE arn = ?1"), [arn]).map_err(db)?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    conn.execute("DELETE FROM tags WHERE arn = ?1", [arn]).map_err(db)?;
    Ok(())
}

pub(crate) fn put_alias(conn: &Connection, a: &AliasRecord, create_only: bool) -> Result<()> {
    if !machine_exists(conn, &a.state_machine_arn)? {
        return Err(Error::NotFound);
    }
    let on_conflict = if create_only {
        "ON CONFLICT DO NOTHING"
    } else {
        "ON CONFLICT (arn) DO UPDATE SET state_machine_arn = excluded.state_machine_arn, name = excluded.name,
         record_version = excluded.record_version, body = excluded.body"
    };
    let n = conn
        .execute(
            &format!(
                "INSERT INTO aliases (arn, state_machine_arn, name, record_version, body) VALUES (?1, ?2, ?3, ?4, ?5)
                 {on_conflict}"
            ),
            params![a.arn, a.state_machine_arn, a.name, a.record_version, json(a)?],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(Error::AlreadyExists);
    }
    Ok(())
}

pub(crate) fn create_activity(conn: &Connection, a: &ActivityRecord) -> Result<String> {
    let body = json(a)?;
    conn.prepare_cached(
        "INSERT INTO activities (arn, name, record_version, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )
    .and_then(|mut s| s.execute(params![a.arn, a.name, a.record_version, body]))
    .map_err(db)?;
    conn.prepare_cached("SELECT body FROM activities WHERE arn = ?1")
        .and_then(|mut s| s.query_row([&a.arn], |r| r.get(0)))
        .map_err(db)
}

pub(crate) fn tag(conn: &Connection, arn: &str, tags: &[(String, String)]) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO tags (arn, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
        )
        .map_err(db)?;
    for (k, v) in tags {
        stmt.execute(params![arn, k, v]).map_err(db)?;
    }
    Ok(())
}

pub(crate) fn untag(conn: &Connection, arn: &str, keys: &[String]) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM tags WHERE arn = ?1 AND key = ?2").map_err(db)?;
    for k in keys {
        stmt.execute(params![arn, k]).map_err(db)?;
    }
    Ok(())
}

/// The indexed columns of an execution, derived from its summary.
fn summary_columns(s: &ExecutionSummary) -> (&str, &'static str) {
    (base_arn(&s.state_machine_arn), s.status.as_str())
}

pub(crate) fn create_execution(conn: &Connection, record: &ExecutionRecord, first: &Commit) -> Result<()> {
    let summary = first.summary.as_ref().unwrap_or(&record.summary);
    let (machine, status) = summary_columns(summary);
    let body = json(summary)?;
    let n = conn
        .prepare_cached(
            "INSERT INTO executions (arn, machine_arn, version_arn, alias_arn, status, start, redrive_count,
                 parent_arn, record_version, revision_id, version, summary, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                record.summary.arn,
                machine,
                summary.version_arn,
                summary.alias_arn,
                status,
                summary.start,
                summary.redrive_count,
                summary.parent_arn,
                record.record_version,
                record.revision_id,
                body,
                first.state,
            ])
        })
        .map_err(db)?;
    if n == 0 {
        return Err(Error::AlreadyExists);
    }
    if record.version != 0 || first.expected_version != 0 {
        return Err(Error::Conflict);
    }
    apply_children(conn, conn.last_insert_rowid(), first)
}

pub(crate) fn commit(conn: &Connection, arn: &str, c: &Commit) -> Result<()> {
    let updated: Option<i64> = match &c.summary {
        None => conn
            .prepare_cached(
                "UPDATE executions SET version = version + 1, state = ?3 WHERE arn = ?1 AND version = ?2 RETURNING id",
            )
            .and_then(|mut s| s.query_row(params![arn, c.expected_version, c.state], |r| r.get(0)).optional()),
        Some(summary) => {
            let (machine, status) = summary_columns(summary);
            let body = json(summary)?;
            conn.prepare_cached(
                "UPDATE executions SET version = version + 1, state = ?3, summary = ?4, machine_arn = ?5,
                     version_arn = ?6, alias_arn = ?7, status = ?8, start = ?9, redrive_count = ?10, parent_arn = ?11
                 WHERE arn = ?1 AND version = ?2 RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        arn,
                        c.expected_version,
                        c.state,
                        body,
                        machine,
                        summary.version_arn,
                        summary.alias_arn,
                        status,
                        summary.start,
                        summary.redrive_count,
                        summary.parent_arn,
                    ],
                    |r| r.get(0),
                )
                .optional()
            })
        }
    }
    .map_err(db)?;
    let Some(id) = updated else {
        let exists = conn
            .prepare_cached("SELECT 1 FROM executions WHERE arn = ?1")
            .and_then(|mut s| s.query_row([arn], |_| Ok(())).optional())
            .map_err(db)?;
        return Err(if exists.is_some() { Error::Conflict } else { Error::NotFound });
    };
    apply_children(conn, id, c)
}

/// History, outbox and tokens of a commit: additions before removals (a key both added and
/// removed by one commit is not stored).
fn apply_children(conn: &Connection, execution: i64, c: &Commit) -> Result<()> {
    if !c.history.is_empty() {
        let mut stmt = conn
            .prepare_cached(
                "INSERT INTO history (execution, id, json) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )
            .map_err(db)?;
        for row in &c.history {
            if stmt.execute(params![execution, row.id, row.json]).map_err(db)? == 0 {
                return Err(Error::Backend(format!("duplicate history event id {}", row.id)));
            }
        }
    }
    if !c.outbox_add.is_empty() {
        let mut stmt = conn
            .prepare_cached(
                "INSERT OR REPLACE INTO outbox (execution, key, due, effect) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(db)?;
        for e in &c.outbox_add {
            stmt.execute(params![execution, e.key, e.due, e.effect]).map_err(db)?;
        }
    }
    if !c.outbox_remove.is_empty() {
        let mut stmt =
            conn.prepare_cached("DELETE FROM outbox WHERE execution = ?1 AND key = ?2").map_err(db)?;
        for key in &c.outbox_remove {
            stmt.execute(params![execution, key]).map_err(db)?;
        }
    }
    if !c.tokens_add.is_empty() {
        let mut stmt = conn
            .prepare_cached(
                "INSERT OR REPLACE INTO tokens (hash, execution, task, expires, activity_arn) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        for t in &c.tokens_add {
            stmt.execute(params![t.hash, execution, t.task, t.expires, t.activity_arn]).map_err(db)?;
        }
    }
    if !c.tokens_remove.is_empty() {
        let mut stmt =
            conn.prepare_cached("DELETE FROM tokens WHERE hash = ?1 AND execution = ?2").map_err(db)?;
        for hash in &c.tokens_remove {
            stmt.execute(params![hash, execution]).map_err(db)?;
        }
    }
    Ok(())
}
