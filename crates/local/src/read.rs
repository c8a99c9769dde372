//! The reads, on a small pool of read-only connections used from tokio's blocking threads.
//! In WAL mode a reader sees the last committed snapshot and neither waits for the writer nor
//! holds it up (except that a long read delays checkpointing, never commits). Reads of more
//! than one statement run in one read transaction, so they see one snapshot.

use crate::schema::open_reader;
use crate::token;
use crate::write::db;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row, ToSql};
use serde::de::DeserializeOwned;
use statecraft_runtime::memory::{base_arn, redrive_filter};
use statecraft_runtime::ports::{
    Error, ExecutionFilter, ExecutionRecord, ExecutionSummary, HistoryRow, OutboxEntry, Page, Paged, Result,
    TokenRecord, RECORD_VERSION,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Read connections, opened on demand and kept; at most `size` reads run at once (the others
/// wait their turn without holding a thread).
pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl ReadPool {
    pub(crate) fn new(path: PathBuf, size: usize) -> ReadPool {
        ReadPool { path, idle: Mutex::new(Vec::new()), permits: Semaphore::new(size.max(1)) }
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let permit = self.permits.acquire().await.map_err(|e| Error::Backend(format!("read pool: {e}")))?;
        let pool = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match idle {
                Some(c) => c,
                None => open_reader(&pool.path).map_err(db)?,
            };
            let result = f(&mut conn);
            pool.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
            result
        })
        .await
        .map_err(|e| Error::Backend(format!("read task: {e}")))?;
        drop(permit);
        result
    }
}

pub(crate) fn decode<T: DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::Backend(format!("decoding a stored record: {e}")))
}

/// Refuses records written by a newer release instead of misreading them.
fn check_record_version(v: u32) -> Result<()> {
    if v > RECORD_VERSION {
        return Err(Error::Backend(format!(
            "record version {v} is newer than this release supports ({RECORD_VERSION})"
        )));
    }
    Ok(())
}

/// Reads the JSON body of one row of `sql` (a `SELECT record_version, body ...`).
pub(crate) fn one<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
) -> Result<Option<T>> {
    let row: Option<(u32, String)> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row(args, |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(db)?;
    match row {
        None => Ok(None),
        Some((v, body)) => {
            check_record_version(v)?;
            decode(&body).map(Some)
        }
    }
}

/// `limit` as SQL: one more than asked, to learn whether another page follows (-1: no limit).
fn sql_limit(limit: usize) -> i64 {
    if limit == 0 {
        -1
    } else {
        i64::try_from(limit).map_or(i64::MAX, |l| l.saturating_add(1))
    }
}

/// Cuts the extra row off and makes the token from the last row kept.
fn finish<R, T>(
    mut rows: Vec<R>,
    limit: usize,
    key: impl Fn(&R) -> String,
    item: impl Fn(R) -> Result<T>,
) -> Result<Paged<T>> {
    let more = limit != 0 && rows.len() > limit;
    rows.truncate(if limit == 0 { rows.len() } else { limit });
    let next_token = if more { rows.last().map(key) } else { None };
    let items = rows.into_iter().map(item).collect::<Result<Vec<T>>>()?;
    Ok(Paged { items, next_token })
}

/// Rows of (sort keys, record_version, body) from a keyset query.
fn query_rows<R>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
    f: impl Fn(&Row<'_>) -> rusqlite::Result<R>,
) -> Result<Vec<R>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let rows = stmt.query_map(args, f).map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<R>>>().map_err(db)
}

fn body_item<T: DeserializeOwned>((_, _, v, body): (String, String, u32, String)) -> Result<T> {
    check_record_version(v)?;
    decode(&body)
}

/// A listing by (name, ARN) of `table`, optionally within one state machine.
pub(crate) fn list_by_name<T: DeserializeOwned>(
    conn: &Connection,
    table: &'static str,
    state_machine_arn: Option<&str>,
    page: &Page,
) -> Result<Paged<T>> {
    // Without a token the cursor is ("", ""), before every row: one statement, one index range.
    let (after_name, after_arn) =
        page.token.as_deref().map(token::parse_name).transpose()?.unwrap_or_default();
    let within = if state_machine_arn.is_some() { "state_machine_arn = ?3" } else { "?3 IS NULL" };
    let sql = format!(
        "SELECT name, arn, record_version, body FROM {table}
         WHERE {within} AND (name, arn) > (?1, ?2) ORDER BY name, arn LIMIT ?4"
    );
    let rows = query_rows(
        conn,
        &sql,
        &[&after_name, &after_arn, &state_machine_arn, &sql_limit(page.limit)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    finish(rows, page.limit, |(n, a, _, _)| token::name(n, a), body_item)
}

pub(crate) fn list_versions<T: DeserializeOwned>(
    conn: &Connection,
    state_machine_arn: &str,
    page: &Page,
) -> Result<Paged<T>> {
    let before = page.token.as_deref().map(token::parse_version).transpose()?.unwrap_or(u64::MAX);
    let before = i64::try_from(before).unwrap_or(i64::MAX);
    let rows = query_rows(
        conn,
        "SELECT version, record_version, body FROM versions WHERE state_machine_arn = ?1 AND version < ?2
         ORDER BY version DESC LIMIT ?3",
        &[&state_machine_arn, &before, &sql_limit(page.limit)],
        |r| Ok((r.get::<_, u64>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?)),
    )?;
    finish(
        rows,
        page.limit,
        |(v, _, _)| token::version(*v),
        |(_, v, body)| {
            check_record_version(v)?;
            decode(&body)
        },
    )
}

pub(crate) fn get_execution(conn: &Connection, arn: &str) -> Result<Option<ExecutionRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT record_version, revision_id, version, summary, state FROM executions WHERE arn = ?1",
        )
        .and_then(|mut s| {
            s.query_row([arn], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })
            .optional()
        })
        .map_err(db)?;
    let Some((record_version, revision_id, version, summary, state)) = row else { return Ok(None) };
    check_record_version(record_version)?;
    Ok(Some(ExecutionRecord { record_version, summary: decode(&summary)?, revision_id, state, version }))
}

fn execution_id(conn: &Connection, arn: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM executions WHERE arn = ?1")
        .and_then(|mut s| s.query_row([arn], |r| r.get(0)).optional())
        .map_err(db)?
        .ok_or(Error::NotFound)
}

/// The ListExecutions query for a filter and page: SQL and its arguments.
fn list_executions_query(filter: &ExecutionFilter, page: &Page) -> Result<(String, Vec<Box<dyn ToSql>>)> {
    let mut conds: Vec<&str> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(arn) = &filter.state_machine_arn {
        let base = base_arn(arn);
        args.push(Box::new(base.to_string()));
        conds.push("machine_arn = ?");
        if base != arn {
            conds.push("(version_arn = ? OR alias_arn = ?)");
            args.push(Box::new(arn.clone()));
            args.push(Box::new(arn.clone()));
        }
    }
    if let Some(v) = &filter.version_arn {
        conds.push("version_arn = ?");
        args.push(Box::new(v.clone()));
    }
    if let Some(a) = &filter.alias_arn {
        conds.push("alias_arn = ?");
        args.push(Box::new(a.clone()));
    }
    if let Some(status) = filter.status {
        conds.push("status = ?");
        args.push(Box::new(status.as_str()));
    }
    match redrive_filter(filter)? {
        Some(true) => conds.push("redrive_count > 0"),
        Some(false) => conds.push("redrive_count = 0"),
        None => {}
    }
    if let Some(m) = &filter.map_run_arn {
        conds.push("parent_arn = ?");
        args.push(Box::new(m.clone()));
    }
    if let Some(t) = page.token.as_deref() {
        let (start, id) = token::parse_execution(t)?;
        conds.push("(start, id) < (?, ?)");
        args.push(Box::new(start));
        args.push(Box::new(id));
    }
    let where_clause =
        if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    let sql = format!(
        "SELECT start, id, summary FROM executions {where_clause} ORDER BY start DESC, id DESC LIMIT {}",
        sql_limit(page.limit)
    );
    Ok((sql, args))
}

pub(crate) fn explain_list_executions(
    conn: &Connection,
    filter: &ExecutionFilter,
    page: &Page,
) -> Result<Vec<String>> {
    let (sql, args) = list_executions_query(filter, page)?;
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).map_err(db)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3)).map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<String>>>().map_err(db)
}

pub(crate) fn list_executions(
    conn: &Connection,
    filter: &ExecutionFilter,
    page: &Page,
) -> Result<Paged<ExecutionSummary>> {
    let (sql, args) = list_executions_query(filter, page)?;
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
        })
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
    finish(rows, page.limit, |(start, id, _)| token::execution(*start, *id), |(_, _, s)| decode(&s))
}

pub(crate) fn history(
    conn: &mut Connection,
    arn: &str,
    reverse: bool,
    page: &Page,
) -> Result<Paged<HistoryRow>> {
    let cursor = page.token.as_deref().map(token::parse_history).transpose()?;
    let tx = conn.transaction().map_err(db)?;
    let execution = execution_id(&tx, arn)?;
    let sql = match (reverse, cursor.is_some()) {
        (false, false) => {
            "SELECT id, json FROM history WHERE execution = ?1 AND ?2 IS NULL ORDER BY id LIMIT ?3"
        }
        (false, true) => "SELECT id, json FROM history WHERE execution = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        (true, false) => {
            "SELECT id, json FROM history WHERE execution = ?1 AND ?2 IS NULL ORDER BY id DESC LIMIT ?3"
        }
        (true, true) => {
            "SELECT id, json FROM history WHERE execution = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        }
    };
    let rows = query_rows(&tx, sql, &[&execution, &cursor, &sql_limit(page.limit)], |r| {
        Ok(HistoryRow { id: r.get(0)?, json: r.get(1)? })
    })?;
    finish(rows, page.limit, |r| token::history(r.id), Ok)
}

pub(crate) fn outbox(conn: &mut Connection, arn: &str) -> Result<Vec<OutboxEntry>> {
    let tx = conn.transaction().map_err(db)?;
    let execution = execution_id(&tx, arn)?;
    query_rows(
        &tx,
        "SELECT key, due, effect FROM outbox WHERE execution = ?1 ORDER BY key",
        &[&execution],
        |r| Ok(OutboxEntry { key: r.get(0)?, due: r.get(1)?, effect: r.get(2)? }),
    )
}

/// An index scan of the outbox (its primary key starts with the execution), then one lookup
/// per execution found: no scan of the executions table.
pub(crate) const EXECUTIONS_WITH_OUTBOX: &str = "SELECT arn FROM executions
     WHERE id IN (SELECT DISTINCT execution FROM outbox) ORDER BY arn";

pub(crate) fn executions_with_outbox(conn: &Connection) -> Result<Vec<String>> {
    query_rows(conn, EXECUTIONS_WITH_OUTBOX, &[], |r| r.get(0))
}

/// Timer entries due at or before `until`, soonest first, through the `outbox_by_due` index.
pub(crate) fn due(conn: &Connection, until: i64, limit: usize) -> Result<Vec<(String, OutboxEntry)>> {
    query_rows(
        conn,
        "SELECT e.arn, o.key, o.due, o.effect FROM outbox o JOIN executions e ON e.id = o.execution
         WHERE o.due IS NOT NULL AND o.due <= ?1 ORDER BY o.due LIMIT ?2",
        &[&until, &(if limit == 0 { -1 } else { i64::try_from(limit).unwrap_or(i64::MAX) })],
        |r| Ok((r.get(0)?, OutboxEntry { key: r.get(1)?, due: r.get(2)?, effect: r.get(3)? })),
    )
}

pub(crate) fn get_token(conn: &Connection, hash: &str) -> Result<Option<TokenRecord>> {
    conn.prepare_cached(
        "SELECT t.hash, e.arn, t.task, t.expires, t.activity_arn FROM tokens t JOIN executions e ON e.id = t.execution
         WHERE t.hash = ?1",
    )
    .and_then(|mut s| {
        s.query_row([hash], |r| {
            Ok(TokenRecord {
                hash: r.get(0)?,
                execution_arn: r.get(1)?,
                task: r.get(2)?,
                expires: r.get(3)?,
                activity_arn: r.get(4)?,
            })
        })
        .optional()
    })
    .map_err(db)
}

pub(crate) fn tags(conn: &Connection, arn: &str) -> Result<Vec<(String, String)>> {
    query_rows(conn, "SELECT key, value FROM tags WHERE arn = ?1 ORDER BY key", &[&arn], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}
