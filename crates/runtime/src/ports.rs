//! The ports the runtime drives, as traits with two real families of adapters: embedded
//! (SQLite, in-process timers: `statecraft-local`) and AWS (DynamoDB, SQS, Lambda, SNS:
//! `statecraft-aws`), plus an in-memory store for tests ([`crate::memory`]).
//!
//! Storage is cut per table, as small traits: definitions ([`DefinitionStore`]), executions
//! with their history and outbox ([`ExecutionStore`]), task tokens ([`TokenStore`]),
//! activities ([`ActivityStore`]), tags ([`TagStore`]). Every record here is a *wire type*:
//! versioned, serializable, separate from the core's types.
//!
//! The one invariant every adapter keeps: a [`Commit`] is atomic and conditional. Either the
//! execution's state, its new history events, its outbox changes and its token changes are
//! all written, and the stored version moves from `expected_version` to `expected_version +
//! 1`, or nothing is written and the call fails with [`Error::Conflict`]. Effects are
//! performed only after their commit, from the outbox, so a crash loses nothing (the outbox
//! is replayed) and a duplicate event changes nothing (the core ignores it as stale).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Storage failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A conditional write lost: someone else committed first. Reload and retry.
    #[error("conflict: the record changed since it was read")]
    Conflict,
    #[error("already exists")]
    AlreadyExists,
    #[error("not found")]
    NotFound,
    /// A record exceeds what the backend can hold (e.g. DynamoDB's 400 KB item limit).
    #[error("too large: {0}")]
    TooLarge(String),
    /// A pagination token this store did not issue (AWS's `InvalidToken`).
    #[error("invalid pagination token: {0}")]
    InvalidToken(String),
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A page request: an opaque token from the previous page and a maximum size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub token: Option<String>,
    pub limit: usize,
}

/// A page of results and the token for the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// Wire-format version of the records below, so a new release can read what an old one wrote.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MachineKind {
    Standard,
    Express,
}

/// A state machine (its current, editable revision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineRecord {
    pub record_version: u32,
    pub arn: String,
    pub name: String,
    pub kind: MachineKind,
    /// The current revision (see [`RevisionRecord`]).
    pub revision_id: String,
    pub role_arn: String,
    pub description: Option<String>,
    pub logging_configuration: Option<serde_json::Value>,
    pub tracing_configuration: Option<serde_json::Value>,
    /// Milliseconds since the epoch.
    pub created: i64,
    pub updated: i64,
    /// The last version number published (0 = none yet).
    pub last_version: u64,
}

/// An immutable definition text: every update of a state machine makes a new revision;
/// executions and versions point at the revision they use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub record_version: u32,
    pub state_machine_arn: String,
    pub revision_id: String,
    pub definition: String,
    pub role_arn: String,
    pub created: i64,
}

/// A published, immutable version (`arn:...:stateMachine:NAME:N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub record_version: u32,
    pub arn: String,
    pub state_machine_arn: String,
    pub version: u64,
    pub revision_id: String,
    pub description: Option<String>,
    pub created: i64,
}

/// An alias (`arn:...:stateMachine:NAME:ALIAS`) routing to one or two versions by weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub record_version: u32,
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub description: Option<String>,
    /// (version ARN, weight 0..=100); weights sum to 100.
    pub routing: Vec<(String, u8)>,
    pub created: i64,
    pub updated: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    PendingRedrive,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        }
    }

    pub fn parse(s: &str) -> Option<ExecutionStatus> {
        Some(match s {
            "RUNNING" => ExecutionStatus::Running,
            "SUCCEEDED" => ExecutionStatus::Succeeded,
            "FAILED" => ExecutionStatus::Failed,
            "TIMED_OUT" => ExecutionStatus::TimedOut,
            "ABORTED" => ExecutionStatus::Aborted,
            "PENDING_REDRIVE" => ExecutionStatus::PendingRedrive,
            _ => return None,
        })
    }
}

/// What ListExecutions and DescribeExecution show about an execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionSummary {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
    pub kind: MachineKind,
    pub status: ExecutionStatus,
    pub start: i64,
    pub stop: Option<i64>,
    /// JSON text.
    pub input: String,
    /// JSON text.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub redrive_count: u32,
    pub redrive_date: Option<i64>,
    pub trace_header: Option<String>,
    /// The execution that started this one (a `.sync` or Map child), if any.
    pub parent_arn: Option<String>,
}

/// An execution as stored: its summary, the definition revision it runs, the core's state,
/// and the version the next commit must name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub record_version: u32,
    pub summary: ExecutionSummary,
    pub revision_id: String,
    /// The serialized core execution (`statecraft_core::Execution`), opaque to stores.
    pub state: Vec<u8>,
    pub version: u64,
}

/// One history event, already rendered as GetExecutionHistory returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub id: u64,
    /// The event as JSON text (with payloads).
    pub json: String,
}

/// An effect recorded in the same write as the state that asks for it, removed when its
/// consequence is committed. `key` is unique within the execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub key: String,
    /// For timers: when it is due (ms since the epoch); lets stores index what is due.
    pub due: Option<i64>,
    /// The serialized effect (`statecraft_core::Effect`), opaque to stores.
    pub effect: Vec<u8>,
}

/// A task token, stored only as a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Hex SHA-256 of the token.
    pub hash: String,
    pub execution_arn: String,
    /// The core's task identity (`TaskId`), serialized.
    pub task: Vec<u8>,
    /// When the token stops being accepted (ms since the epoch), if ever.
    pub expires: Option<i64>,
    /// The activity it was issued for, if any.
    pub activity_arn: Option<String>,
}

/// Everything one transition writes, atomically and conditionally.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    /// The version the stored record must have; it becomes `expected_version + 1`.
    pub expected_version: u64,
    pub summary: Option<ExecutionSummary>,
    pub state: Vec<u8>,
    pub history: Vec<HistoryRow>,
    pub outbox_add: Vec<OutboxEntry>,
    pub outbox_remove: Vec<String>,
    pub tokens_add: Vec<TokenRecord>,
    /// Token hashes that are spent (single use) or void.
    pub tokens_remove: Vec<String>,
}

/// Filters of ListExecutions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionFilter {
    /// A state machine ARN (all its executions), a version ARN or an alias ARN.
    pub state_machine_arn: Option<String>,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
    pub status: Option<ExecutionStatus>,
    pub redrive_filter: Option<String>,
    pub map_run_arn: Option<String>,
}

/// State machines, their revisions, versions and aliases.
#[async_trait]
pub trait DefinitionStore: Send + Sync {
    /// Creates a state machine with its first revision; `AlreadyExists` if the name is taken.
    async fn create_state_machine(&self, sm: &StateMachineRecord, revision: &RevisionRecord) -> Result<()>;
    async fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>>;
    /// Replaces a state machine record (a new revision, if any, is stored first); conditional on
    /// the stored `updated` being `expected_updated`.
    async fn update_state_machine(
        &self,
        sm: &StateMachineRecord,
        expected_updated: i64,
        new_revision: Option<&RevisionRecord>,
    ) -> Result<()>;
    /// Deletes a state machine with its versions and aliases (revisions stay: running
    /// executions still read them).
    async fn delete_state_machine(&self, arn: &str) -> Result<()>;
    async fn list_state_machines(&self, page: &Page) -> Result<Paged<StateMachineRecord>>;
    async fn get_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<RevisionRecord>>;
    /// Stores a version; `AlreadyExists` if its number is taken.
    async fn put_version(&self, v: &VersionRecord) -> Result<()>;
    async fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>>;
    async fn delete_version(&self, arn: &str) -> Result<()>;
    /// Versions of a state machine, newest first.
    async fn list_versions(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<VersionRecord>>;
    /// Creates (`create_only`) or replaces an alias.
    async fn put_alias(&self, a: &AliasRecord, create_only: bool) -> Result<()>;
    async fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>>;
    async fn delete_alias(&self, arn: &str) -> Result<()>;
    async fn list_aliases(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<AliasRecord>>;
}

/// Executions, their history and their outbox.
#[async_trait]
pub trait ExecutionStore: Send + Sync {
    /// Creates an execution and applies its first commit in the same atomic write.
    /// `AlreadyExists` when the ARN is taken. The record's `version` must be 0; after the
    /// commit it is 1.
    async fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()>;
    async fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>>;
    /// Applies a commit (see the module documentation): `Conflict` when the stored version is
    /// not `commit.expected_version`.
    async fn commit(&self, arn: &str, commit: &Commit) -> Result<()>;
    /// Newest first.
    async fn list_executions(&self, filter: &ExecutionFilter, page: &Page)
        -> Result<Paged<ExecutionSummary>>;
    /// History events in id order (or reverse), `page.token` continuing a previous page.
    async fn history(&self, arn: &str, reverse: bool, page: &Page) -> Result<Paged<HistoryRow>>;
    /// The outbox of an execution.
    async fn outbox(&self, arn: &str) -> Result<Vec<OutboxEntry>>;
    /// ARNs of executions that have outbox entries (what a restarted shell must resume).
    async fn executions_with_outbox(&self) -> Result<Vec<String>>;
}

/// Task tokens (hashed).
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn get_token(&self, hash: &str) -> Result<Option<TokenRecord>>;
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub record_version: u32,
    pub arn: String,
    pub name: String,
    pub created: i64,
}

#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Idempotent: creating an existing activity returns the existing record.
    async fn create_activity(&self, a: &ActivityRecord) -> Result<ActivityRecord>;
    async fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>>;
    async fn delete_activity(&self, arn: &str) -> Result<()>;
    async fn list_activities(&self, page: &Page) -> Result<Paged<ActivityRecord>>;
}

/// Tags of any resource (state machine, activity, alias ...).
#[async_trait]
pub trait TagStore: Send + Sync {
    async fn tag(&self, arn: &str, tags: &[(String, String)]) -> Result<()>;
    async fn untag(&self, arn: &str, keys: &[String]) -> Result<()>;
    async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>>;
}

/// Everything a shell stores, in one object.
pub trait Store: DefinitionStore + ExecutionStore + TokenStore + ActivityStore + TagStore {}

impl<T: DefinitionStore + ExecutionStore + TokenStore + ActivityStore + TagStore> Store for T {}
