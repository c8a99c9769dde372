//! The storage ports as the driver sees them: any [`Store`] and [`FanoutStore`] (DynamoDB in
//! production, memory in tests) behind one object that counts every call as one read or one
//! write ([`crate::metrics`]), the measure of what a transition costs in DynamoDB requests.
//!
//! It also closes one gap of the in-memory pair: `MemoryFanoutStore` keeps the history that
//! child records append apart from the executions' own, so when given that store
//! ([`Counted::with_memory_history`]) `history` merges both, as one DynamoDB table would.

use crate::metrics::{Metrics, Op};
use async_trait::async_trait;
use statecraft_runtime::fanout_store::{
    ChildState, FanoutCounts, FanoutRecord, FanoutStore, MemoryFanoutStore,
};
use statecraft_runtime::ports::*;
use std::sync::Arc;

/// A store and a fan-out store, counted.
pub struct Counted {
    store: Arc<dyn Store>,
    fanouts: Arc<dyn FanoutStore>,
    metrics: Arc<Metrics>,
    memory_history: Option<Arc<MemoryFanoutStore>>,
}

impl Counted {
    pub fn new(store: Arc<dyn Store>, fanouts: Arc<dyn FanoutStore>, metrics: Arc<Metrics>) -> Counted {
        Counted { store, fanouts, metrics, memory_history: None }
    }

    /// In memory: `history` shows what child records appended to `fanouts` too.
    pub fn with_memory_history(
        store: Arc<dyn Store>,
        fanouts: Arc<MemoryFanoutStore>,
        metrics: Arc<Metrics>,
    ) -> Counted {
        Counted { store, fanouts: fanouts.clone(), metrics, memory_history: Some(fanouts) }
    }

    fn r(&self) {
        self.metrics.count(Op::StoreRead);
    }

    fn w(&self) {
        self.metrics.count(Op::StoreWrite);
    }
}

#[async_trait]
impl DefinitionStore for Counted {
    async fn create_state_machine(&self, sm: &StateMachineRecord, revision: &RevisionRecord) -> Result<()> {
        self.w();
        self.store.create_state_machine(sm, revision).await
    }
    async fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        self.r();
        self.store.get_state_machine(arn).await
    }
    async fn update_state_machine(
        &self,
        sm: &StateMachineRecord,
        expected_updated: i64,
        new_revision: Option<&RevisionRecord>,
    ) -> Result<()> {
        self.w();
        self.store.update_state_machine(sm, expected_updated, new_revision).await
    }
    async fn delete_state_machine(&self, arn: &str) -> Result<()> {
        self.w();
        self.store.delete_state_machine(arn).await
    }
    async fn list_state_machines(&self, page: &Page) -> Result<Paged<StateMachineRecord>> {
        self.r();
        self.store.list_state_machines(page).await
    }
    async fn get_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<RevisionRecord>> {
        self.r();
        self.store.get_revision(state_machine_arn, revision_id).await
    }
    async fn put_version(&self, v: &VersionRecord) -> Result<()> {
        self.w();
        self.store.put_version(v).await
    }
    async fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        self.r();
        self.store.get_version(arn).await
    }
    async fn delete_version(&self, arn: &str) -> Result<()> {
        self.w();
        self.store.delete_version(arn).await
    }
    async fn list_versions(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<VersionRecord>> {
        self.r();
        self.store.list_versions(state_machine_arn, page).await
    }
    async fn put_alias(&self, a: &AliasRecord, create_only: bool) -> Result<()> {
        self.w();
        self.store.put_alias(a, create_only).await
    }
    async fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        self.r();
        self.store.get_alias(arn).await
    }
    async fn delete_alias(&self, arn: &str) -> Result<()> {
        self.w();
        self.store.delete_alias(arn).await
    }
    async fn list_aliases(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<AliasRecord>> {
        self.r();
        self.store.list_aliases(state_machine_arn, page).await
    }
}

#[async_trait]
impl ExecutionStore for Counted {
    async fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        self.w();
        self.store.create_execution(record, first).await
    }
    async fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        self.r();
        self.store.get_execution(arn).await
    }
    async fn commit(&self, arn: &str, commit: &Commit) -> Result<()> {
        self.w();
        self.store.commit(arn, commit).await
    }
    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<Paged<ExecutionSummary>> {
        self.r();
        self.store.list_executions(filter, page).await
    }
    async fn history(&self, arn: &str, reverse: bool, page: &Page) -> Result<Paged<HistoryRow>> {
        self.r();
        let Some(mem) = &self.memory_history else {
            return self.store.history(arn, reverse, page).await;
        };
        // Merge the execution's own rows with what its children appended, then page.
        let mut rows = Vec::new();
        let mut token = None;
        loop {
            let p = self.store.history(arn, false, &Page { token: token.clone(), limit: 1000 }).await?;
            rows.extend(p.items);
            match p.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        rows.extend(mem.appended(arn));
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        if reverse {
            rows.reverse();
        }
        let after: Option<u64> = match page.token.as_deref() {
            Some(t) => Some(
                t.strip_prefix("m.")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| Error::InvalidToken(t.to_string()))?,
            ),
            None => None,
        };
        let mut items: Vec<HistoryRow> = rows
            .into_iter()
            .filter(|r| match after {
                Some(a) if reverse => r.id < a,
                Some(a) => r.id > a,
                None => true,
            })
            .collect();
        let mut next_token = None;
        if page.limit != 0 && items.len() > page.limit {
            items.truncate(page.limit);
            next_token = items.last().map(|r| format!("m.{}", r.id));
        }
        Ok(Paged { items, next_token })
    }
    async fn outbox(&self, arn: &str) -> Result<Vec<OutboxEntry>> {
        self.r();
        self.store.outbox(arn).await
    }
    async fn executions_with_outbox(&self) -> Result<Vec<String>> {
        self.r();
        self.store.executions_with_outbox().await
    }
}

#[async_trait]
impl TokenStore for Counted {
    async fn get_token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        self.r();
        self.store.get_token(hash).await
    }
}

#[async_trait]
impl ActivityStore for Counted {
    async fn create_activity(&self, a: &ActivityRecord) -> Result<ActivityRecord> {
        self.w();
        self.store.create_activity(a).await
    }
    async fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        self.r();
        self.store.get_activity(arn).await
    }
    async fn delete_activity(&self, arn: &str) -> Result<()> {
        self.w();
        self.store.delete_activity(arn).await
    }
    async fn list_activities(&self, page: &Page) -> Result<Paged<ActivityRecord>> {
        self.r();
        self.store.list_activities(page).await
    }
}

#[async_trait]
impl TagStore for Counted {
    async fn tag(&self, arn: &str, tags: &[(String, String)]) -> Result<()> {
        self.w();
        self.store.tag(arn, tags).await
    }
    async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        self.w();
        self.store.untag(arn, keys).await
    }
    async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        self.r();
        self.store.tags(arn).await
    }
}

#[async_trait]
impl FanoutStore for Counted {
    async fn create_fanout(&self, fanout: &FanoutRecord, inputs: &[String]) -> Result<()> {
        self.w();
        self.fanouts.create_fanout(fanout, inputs).await
    }
    async fn get_fanout(&self, key: &str) -> Result<Option<(FanoutRecord, FanoutCounts)>> {
        self.r();
        self.fanouts.get_fanout(key).await
    }
    async fn claim(&self, key: &str, n: u32) -> Result<Vec<u32>> {
        self.w();
        self.fanouts.claim(key, n).await
    }
    async fn child_input(&self, key: &str, index: u32) -> Result<Option<String>> {
        self.r();
        self.fanouts.child_input(key, index).await
    }
    async fn get_child(&self, key: &str, index: u32) -> Result<Option<ChildState>> {
        self.r();
        self.fanouts.get_child(key, index).await
    }
    async fn put_child(&self, key: &str, index: u32, expected_version: u64, state: &[u8]) -> Result<()> {
        self.w();
        self.fanouts.put_child(key, index, expected_version, state).await
    }
    async fn record_outcome(
        &self,
        key: &str,
        index: u32,
        outcome: std::result::Result<String, String>,
    ) -> Result<(FanoutCounts, bool)> {
        self.w();
        self.fanouts.record_outcome(key, index, outcome).await
    }
    async fn decide(&self, key: &str) -> Result<bool> {
        self.w();
        self.fanouts.decide(key).await
    }
    async fn results(&self, key: &str) -> Result<Vec<Option<String>>> {
        self.r();
        self.fanouts.results(key).await
    }
    async fn allocate_history_ids(&self, execution_arn: &str, n: u64) -> Result<u64> {
        self.w();
        self.fanouts.allocate_history_ids(execution_arn, n).await
    }
    async fn append_history(&self, execution_arn: &str, rows: &[HistoryRow]) -> Result<()> {
        self.w();
        self.fanouts.append_history(execution_arn, rows).await
    }
}
