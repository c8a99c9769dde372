//! The storage a serverless shell needs for detached fan-outs (see `statecraft_core::detached`):
//! a join record per Parallel/Map state with atomic counters, one child record per branch or
//! iteration (its input, its state, its outcome), and history ids allocated from one counter per
//! execution so that events written by many children in parallel keep one sequence.
//!
//! Every operation is atomic and idempotent where SQS can repeat it: creating a fan-out twice,
//! recording a child's outcome twice or claiming after the last index changes nothing. DynamoDB
//! implements it with conditional writes and `ADD` counters; [`MemoryFanoutStore`] beside it.

use crate::ports::{Error, HistoryRow, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// A fan-out: what the join needs to decide, and where to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanoutRecord {
    /// Unique per execution, frame and blocking sequence (e.g. `ARN#frame.seq`).
    pub key: String,
    pub execution_arn: String,
    pub parent_frame: u32,
    pub parent_seq: u32,
    pub total: u32,
    /// 0 = unlimited.
    pub max_concurrency: u32,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    /// The serialized `statecraft_core::detached::FanoutStart` minus its children: what a child
    /// record needs to be built (block, kind, state name, variables).
    pub spec: Vec<u8>,
}

/// The join's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanoutCounts {
    /// Children started so far (the next index to start).
    pub started: u32,
    pub succeeded: u32,
    pub failed: u32,
    /// Whether the fan-out's outcome was reported to the parent (or it was cancelled).
    pub decided: bool,
}

impl FanoutCounts {
    pub fn running(&self) -> u32 {
        self.started - self.succeeded - self.failed
    }
}

/// A child record's state between events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildState {
    /// The serialized child `statecraft_core::Execution`.
    pub state: Vec<u8>,
    pub version: u64,
}

#[async_trait]
pub trait FanoutStore: Send + Sync {
    /// Creates a fan-out with its children's inputs (JSON text, by index). Creating an existing
    /// key again changes nothing.
    async fn create_fanout(&self, fanout: &FanoutRecord, inputs: &[String]) -> Result<()>;
    async fn get_fanout(&self, key: &str) -> Result<Option<(FanoutRecord, FanoutCounts)>>;
    /// Claims up to `n` more children to start, within `max_concurrency` of running ones, and
    /// returns their indexes (none once every child started or the fan-out is decided).
    async fn claim(&self, key: &str, n: u32) -> Result<Vec<u32>>;
    async fn child_input(&self, key: &str, index: u32) -> Result<Option<String>>;
    async fn get_child(&self, key: &str, index: u32) -> Result<Option<ChildState>>;
    /// Writes a child's state, conditional on its stored version being `expected_version` (0 =
    /// not stored yet); `Conflict` otherwise.
    async fn put_child(&self, key: &str, index: u32, expected_version: u64, state: &[u8]) -> Result<()>;
    /// Records a child's outcome (`Ok(output JSON)` or `Err(failure JSON)`) once per index and
    /// returns the counters after it, and whether this call recorded it.
    async fn record_outcome(
        &self,
        key: &str,
        index: u32,
        outcome: std::result::Result<String, String>,
    ) -> Result<(FanoutCounts, bool)>;
    /// Marks the fan-out decided; true only for the one call that did.
    async fn decide(&self, key: &str) -> Result<bool>;
    /// The successful outputs by index (`None` for children that failed or did not end).
    async fn results(&self, key: &str) -> Result<Vec<Option<String>>>;
    /// Reserves `n` consecutive history ids of an execution; returns the first.
    async fn allocate_history_ids(&self, execution_arn: &str, n: u64) -> Result<u64>;
    /// Appends history events (already numbered) to an execution's history.
    async fn append_history(&self, execution_arn: &str, rows: &[HistoryRow]) -> Result<()>;
}

#[derive(Debug, Default)]
struct Fanout {
    record: Option<FanoutRecord>,
    counts: FanoutCounts,
    inputs: Vec<String>,
    children: HashMap<u32, ChildState>,
    outcomes: BTreeMap<u32, std::result::Result<String, String>>,
}

/// [`FanoutStore`] in memory, for tests and the embedded shell's experiments.
#[derive(Debug, Default)]
pub struct MemoryFanoutStore {
    fanouts: Mutex<HashMap<String, Fanout>>,
    ids: Mutex<HashMap<String, u64>>,
    history: Mutex<HashMap<String, BTreeMap<u64, String>>>,
}

impl MemoryFanoutStore {
    pub fn new() -> MemoryFanoutStore {
        MemoryFanoutStore::default()
    }

    /// The history appended for an execution (for tests).
    pub fn appended(&self, execution_arn: &str) -> Vec<HistoryRow> {
        let h = self.history.lock().unwrap_or_else(|e| e.into_inner());
        h.get(execution_arn)
            .map(|m| m.iter().map(|(id, json)| HistoryRow { id: *id, json: json.clone() }).collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl FanoutStore for MemoryFanoutStore {
    async fn create_fanout(&self, fanout: &FanoutRecord, inputs: &[String]) -> Result<()> {
        let mut f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = f.entry(fanout.key.clone()).or_default();
        if entry.record.is_none() {
            entry.record = Some(fanout.clone());
            entry.inputs = inputs.to_vec();
        }
        Ok(())
    }

    async fn get_fanout(&self, key: &str) -> Result<Option<(FanoutRecord, FanoutCounts)>> {
        let f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f.get(key).and_then(|x| x.record.clone().map(|r| (r, x.counts))))
    }

    async fn claim(&self, key: &str, n: u32) -> Result<Vec<u32>> {
        let mut f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let x = f.get_mut(key).ok_or(Error::NotFound)?;
        let record = x.record.as_ref().ok_or(Error::NotFound)?;
        let mut out = Vec::new();
        while out.len() < n as usize
            && !x.counts.decided
            && x.counts.started < record.total
            && (record.max_concurrency == 0 || x.counts.running() < record.max_concurrency)
        {
            out.push(x.counts.started);
            x.counts.started += 1;
        }
        Ok(out)
    }

    async fn child_input(&self, key: &str, index: u32) -> Result<Option<String>> {
        let f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f.get(key).and_then(|x| x.inputs.get(index as usize).cloned()))
    }

    async fn get_child(&self, key: &str, index: u32) -> Result<Option<ChildState>> {
        let f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f.get(key).and_then(|x| x.children.get(&index).cloned()))
    }

    async fn put_child(&self, key: &str, index: u32, expected_version: u64, state: &[u8]) -> Result<()> {
        let mut f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let x = f.get_mut(key).ok_or(Error::NotFound)?;
        let current = x.children.get(&index).map(|c| c.version).unwrap_or(0);
        if current != expected_version {
            return Err(Error::Conflict);
        }
        x.children.insert(index, ChildState { state: state.to_vec(), version: expected_version + 1 });
        Ok(())
    }

    async fn record_outcome(
        &self,
        key: &str,
        index: u32,
        outcome: std::result::Result<String, String>,
    ) -> Result<(FanoutCounts, bool)> {
        let mut f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let x = f.get_mut(key).ok_or(Error::NotFound)?;
        if x.outcomes.contains_key(&index) {
            return Ok((x.counts, false));
        }
        if outcome.is_ok() {
            x.counts.succeeded += 1;
        } else {
            x.counts.failed += 1;
        }
        x.outcomes.insert(index, outcome);
        Ok((x.counts, true))
    }

    async fn decide(&self, key: &str) -> Result<bool> {
        let mut f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let x = f.get_mut(key).ok_or(Error::NotFound)?;
        let first = !x.counts.decided;
        x.counts.decided = true;
        Ok(first)
    }

    async fn results(&self, key: &str) -> Result<Vec<Option<String>>> {
        let f = self.fanouts.lock().unwrap_or_else(|e| e.into_inner());
        let x = f.get(key).ok_or(Error::NotFound)?;
        let total = x.record.as_ref().map(|r| r.total).unwrap_or(0);
        Ok((0..total).map(|i| x.outcomes.get(&i).and_then(|o| o.clone().ok())).collect())
    }

    async fn allocate_history_ids(&self, execution_arn: &str, n: u64) -> Result<u64> {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let next = ids.entry(execution_arn.to_string()).or_insert(1);
        let first = *next;
        *next += n;
        Ok(first)
    }

    async fn append_history(&self, execution_arn: &str, rows: &[HistoryRow]) -> Result<()> {
        let mut h = self.history.lock().unwrap_or_else(|e| e.into_inner());
        let m = h.entry(execution_arn.to_string()).or_default();
        for r in rows {
            if m.contains_key(&r.id) {
                return Err(Error::Backend(format!("history id {} of {execution_arn} is taken", r.id)));
            }
        }
        for r in rows {
            m.insert(r.id, r.json.clone());
        }
        Ok(())
    }
}
