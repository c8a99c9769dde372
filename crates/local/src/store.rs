//! [`SqliteStore`]: the ports over the writer thread ([`crate::writer`]) and the read pool
//! ([`crate::read`]).

use crate::read::{self, one, ReadPool};
use crate::schema;
use crate::write;
use crate::writer::{Stats, Writer};
use crate::Error as OpenError;
use async_trait::async_trait;
use statecraft_runtime::ports::{
    ActivityRecord, ActivityStore, AliasRecord, Commit, DefinitionStore, ExecutionFilter, ExecutionRecord,
    ExecutionStore, ExecutionSummary, HistoryRow, OutboxEntry, Page, Paged, Result, RevisionRecord,
    StateMachineRecord, TagStore, TokenRecord, TokenStore, VersionRecord,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The database file inside the data directory.
pub const DB_FILE: &str = "statecraft.db";

/// Tuning of a [`SqliteStore`]; the defaults suit `statecraft serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The most write requests one transaction (one fsync) takes from the queue.
    pub max_batch: usize,
    /// Read connections, i.e. reads running at once (more wait for a free connection).
    pub readers: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { max_batch: 1024, readers: 4 }
    }
}

/// The durable store of `statecraft serve`: one SQLite database in a data directory.
///
/// Must be used from within a tokio runtime (reads run on its blocking pool). Dropping the
/// store waits for the queued writes to commit, then closes the database.
pub struct SqliteStore {
    // Field order matters for `Drop`: the writer drains and closes first.
    writer: Writer,
    readers: Arc<ReadPool>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it and the directory if needed) `statecraft.db` in `data_dir`, with the
    /// default [`Config`].
    pub fn open(data_dir: impl AsRef<Path>) -> std::result::Result<SqliteStore, OpenError> {
        SqliteStore::open_with(data_dir, Config::default())
    }

    pub fn open_with(
        data_dir: impl AsRef<Path>,
        config: Config,
    ) -> std::result::Result<SqliteStore, OpenError> {
        let dir = data_dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|source| OpenError::Io { path: dir.display().to_string(), source })?;
        let path = dir.join(DB_FILE);
        let conn = schema::open_writer(&path)?;
        let checkpoint = schema::open_checkpointer(&path)?;
        let writer = Writer::spawn(conn, checkpoint, config.max_batch)
            .map_err(|source| OpenError::Io { path: path.display().to_string(), source })?;
        let readers = Arc::new(ReadPool::new(path.clone(), config.readers));
        Ok(SqliteStore { writer, readers, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counters of the writer thread (transactions, requests, batch sizes).
    pub fn stats(&self) -> &Stats {
        &self.writer.stats
    }

    /// Outbox entries with a due time at or before `until` (ms since the epoch), soonest first,
    /// with their execution ARN: what a restarted shell re-arms as timers. `limit` 0 = all.
    pub async fn due(&self, until: i64, limit: usize) -> Result<Vec<(String, OutboxEntry)>> {
        self.readers.read(move |c| read::due(c, until, limit)).await
    }

    /// The query plan SQLite picks for `executions_with_outbox` (for tests and diagnostics).
    pub async fn explain_executions_with_outbox(&self) -> Result<Vec<String>> {
        self.readers
            .read(|c| {
                let mut stmt = c
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", read::EXECUTIONS_WITH_OUTBOX))
                    .map_err(write::db)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(3)).map_err(write::db)?;
                rows.collect::<rusqlite::Result<Vec<String>>>().map_err(write::db)
            })
            .await
    }

    /// The query plan SQLite picks for a ListExecutions query (for tests and diagnostics).
    pub async fn explain_list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<Vec<String>> {
        let (filter, page) = (filter.clone(), page.clone());
        self.readers.read(move |c| read::explain_list_executions(c, &filter, &page)).await
    }
}

#[async_trait]
impl DefinitionStore for SqliteStore {
    async fn create_state_machine(&self, sm: &StateMachineRecord, revision: &RevisionRecord) -> Result<()> {
        let (sm, revision) = (sm.clone(), revision.clone());
        self.writer.write(move |c| write::create_state_machine(c, &sm, &revision)).await
    }

    async fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        let arn = arn.to_string();
        self.readers
            .read(move |c| one(c, "SELECT record_version, body FROM state_machines WHERE arn = ?1", &[&arn]))
            .await
    }

    async fn update_state_machine(
        &self,
        sm: &StateMachineRecord,
        expected_updated: i64,
        new_revision: Option<&RevisionRecord>,
    ) -> Result<()> {
        let (sm, rev) = (sm.clone(), new_revision.cloned());
        self.writer.write(move |c| write::update_state_machine(c, &sm, expected_updated, rev.as_ref())).await
    }

    async fn delete_state_machine(&self, arn: &str) -> Result<()> {
        let arn = arn.to_string();
        self.writer.write(move |c| write::delete_state_machine(c, &arn)).await
    }

    async fn list_state_machines(&self, page: &Page) -> Result<Paged<StateMachineRecord>> {
        let page = page.clone();
        self.readers.read(move |c| read::list_by_name(c, "state_machines", None, &page)).await
    }

    async fn get_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<RevisionRecord>> {
        let (sm, id) = (state_machine_arn.to_string(), revision_id.to_string());
        self.readers
            .read(move |c| {
                one(
                    c,
                    "SELECT record_version, body FROM revisions WHERE state_machine_arn = ?1 AND revision_id = ?2",
                    &[&sm, &id],
                )
            })
            .await
    }

    async fn put_version(&self, v: &VersionRecord) -> Result<()> {
        let v = v.clone();
        self.writer.write(move |c| write::put_version(c, &v)).await
    }

    async fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        let arn = arn.to_string();
        self.readers
            .read(move |c| one(c, "SELECT record_version, body FROM versions WHERE arn = ?1", &[&arn]))
            .await
    }

    async fn delete_version(&self, arn: &str) -> Result<()> {
        let arn = arn.to_string();
        self.writer.write(move |c| write::delete_resource(c, "versions", &arn)).await
    }

    async fn list_versions(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<VersionRecord>> {
        let (sm, page) = (state_machine_arn.to_string(), page.clone());
        self.readers.read(move |c| read::list_versions(c, &sm, &page)).await
    }

    async fn put_alias(&self, a: &AliasRecord, create_only: bool) -> Result<()> {
        let a = a.clone();
        self.writer.write(move |c| write::put_alias(c, &a, create_only)).await
    }

    async fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        let arn = arn.to_string();
        self.readers
            .read(move |c| one(c, "SELECT record_version, body FROM aliases WHERE arn = ?1", &[&arn]))
            .await
    }

    async fn delete_alias(&self, arn: &str) -> Result<()> {
        let arn = arn.to_string();
        self.writer.write(move |c| write::delete_resource(c, "aliases", &arn)).await
    }

    async fn list_aliases(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<AliasRecord>> {
        let (sm, page) = (state_machine_arn.to_string(), page.clone());
        self.readers.read(move |c| read::list_by_name(c, "aliases", Some(&sm), &page)).await
    }
}

#[async_trait]
impl ExecutionStore for SqliteStore {
    async fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        let (record, first) = (record.clone(), first.clone());
        self.writer.write(move |c| write::create_execution(c, &record, &first)).await
    }

    async fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        let arn = arn.to_string();
        self.readers.read(move |c| read::get_execution(c, &arn)).await
    }

    async fn commit(&self, arn: &str, commit: &Commit) -> Result<()> {
        let (arn, commit) = (arn.to_string(), commit.clone());
        self.writer.write(move |c| write::commit(c, &arn, &commit)).await
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<Paged<ExecutionSummary>> {
        let (filter, page) = (filter.clone(), page.clone());
        self.readers.read(move |c| read::list_executions(c, &filter, &page)).await
    }

    async fn history(&self, arn: &str, reverse: bool, page: &Page) -> Result<Paged<HistoryRow>> {
        let (arn, page) = (arn.to_string(), page.clone());
        self.readers.read(move |c| read::history(c, &arn, reverse, &page)).await
    }

    async fn outbox(&self, arn: &str) -> Result<Vec<OutboxEntry>> {
        let arn = arn.to_string();
        self.readers.read(move |c| read::outbox(c, &arn)).await
    }

    async fn executions_with_outbox(&self) -> Result<Vec<String>> {
        self.readers.read(|c| read::executions_with_outbox(c)).await
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn get_token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let hash = hash.to_string();
        self.readers.read(move |c| read::get_token(c, &hash)).await
    }
}

#[async_trait]
impl ActivityStore for SqliteStore {
    async fn create_activity(&self, a: &ActivityRecord) -> Result<ActivityRecord> {
        let a = a.clone();
        let body = self.writer.write(move |c| write::create_activity(c, &a)).await?;
        read::decode(&body)
    }

    async fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        let arn = arn.to_string();
        self.readers
            .read(move |c| one(c, "SELECT record_version, body FROM activities WHERE arn = ?1", &[&arn]))
            .await
    }

    async fn delete_activity(&self, arn: &str) -> Result<()> {
        let arn = arn.to_string();
        self.writer.write(move |c| write::delete_resource(c, "activities", &arn)).await
    }

    async fn list_activities(&self, page: &Page) -> Result<Paged<ActivityRecord>> {
        let page = page.clone();
        self.readers.read(move |c| read::list_by_name(c, "activities", None, &page)).await
    }
}

#[async_trait]
impl TagStore for SqliteStore {
    async fn tag(&self, arn: &str, tags: &[(String, String)]) -> Result<()> {
        let (arn, tags) = (arn.to_string(), tags.to_vec());
        self.writer.write(move |c| write::tag(c, &arn, &tags)).await
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        let (arn, keys) = (arn.to_string(), keys.to_vec());
        self.writer.write(move |c| write::untag(c, &arn, &keys)).await
    }

    async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        let arn = arn.to_string();
        self.readers.read(move |c| read::tags(c, &arn)).await
    }
}
