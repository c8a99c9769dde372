//! An in-memory [`Store`](crate::ports::Store): maps behind one mutex, with the semantics of
//! the durable stores (the conformance suite in [`crate::store_tests`] runs against both), so
//! the engine's unit tests need no database.
//!
//! It keeps nothing across a restart and is not built for large data: listings with a filter
//! scan every execution. Each call takes the lock once and never awaits while holding it, so a
//! commit is atomic here by construction.

use crate::ports::{
    ActivityRecord, ActivityStore, AliasRecord, Commit, DefinitionStore, Error, ExecutionFilter,
    ExecutionRecord, ExecutionStore, ExecutionSummary, HistoryRow, OutboxEntry, Page, Paged, Result,
    RevisionRecord, StateMachineRecord, TagStore, TokenRecord, TokenStore, VersionRecord,
};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

/// The in-memory store. Cheap to create; share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    machines: BTreeMap<String, StateMachineRecord>,
    /// (state machine ARN, revision id).
    revisions: HashMap<(String, String), RevisionRecord>,
    versions: BTreeMap<String, VersionRecord>,
    aliases: BTreeMap<String, AliasRecord>,
    executions: HashMap<String, Execution>,
    /// (start, sequence, ARN): ListExecutions walks it backwards, newest first.
    by_start: BTreeSet<(i64, u64, String)>,
    next_seq: u64,
    tokens: HashMap<String, TokenRecord>,
    activities: BTreeMap<String, ActivityRecord>,
    tags: HashMap<String, BTreeMap<String, String>>,
}

#[derive(Debug)]
struct Execution {
    record: ExecutionRecord,
    seq: u64,
    history: BTreeMap<u64, String>,
    outbox: BTreeMap<String, OutboxEntry>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A panic while holding the lock cannot leave a half-applied commit behind (every
        // mutation is checked first and applied after), so a poisoned lock is still usable.
        Ok(self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// Hex-encodes a string so that page tokens are plain ASCII and split unambiguously on '.'.
fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<String> {
    let bad = || Error::InvalidToken(s.to_string());
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad))
        .collect::<Result<Vec<u8>>>()?;
    String::from_utf8(bytes).map_err(|_| bad())
}

/// Splits a token `"<tag>.<a>.<b>..."` into its parts after checking the tag.
fn token_parts<'t>(token: &'t str, tag: &str, n: usize) -> Result<Vec<&'t str>> {
    let mut parts = token.split('.');
    if parts.next() != Some(tag) {
        return Err(Error::InvalidToken(token.to_string()));
    }
    let rest: Vec<&str> = parts.collect();
    if rest.len() != n {
        return Err(Error::InvalidToken(token.to_string()));
    }
    Ok(rest)
}

fn parse_num<T: std::str::FromStr>(token: &str, s: &str) -> Result<T> {
    s.parse().map_err(|_| Error::InvalidToken(token.to_string()))
}

/// Takes up to `limit` items (0 = all) from `iter`; the token names the last one taken when
/// at least one more follows.
fn paginate<T, K>(
    mut iter: impl Iterator<Item = T>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    let mut items = Vec::new();
    for item in iter.by_ref() {
        items.push(item);
        if limit != 0 && items.len() == limit {
            break;
        }
    }
    let more = limit != 0 && items.len() == limit && iter.next().is_some();
    let next = if more { items.last().map(key) } else { None };
    (items, next)
}

/// Page key of state machines and activities: name, then ARN.
fn name_token(name: &str, arn: &str) -> String {
    format!("n.{}.{}", hex(name), hex(arn))
}

fn parse_name_token(token: &str) -> Result<(String, String)> {
    let p = token_parts(token, "n", 2)?;
    Ok((unhex(p[0])?, unhex(p[1])?))
}

/// Matches ListExecutions' filters (see [`crate::store_tests`] for their meaning).
pub(crate) fn filter_matches(filter: &ExecutionFilter, s: &ExecutionSummary) -> Result<bool> {
    if let Some(arn) = &filter.state_machine_arn {
        let hit = base_arn(&s.state_machine_arn) == arn.as_str()
            || s.version_arn.as_deref() == Some(arn.as_str())
            || s.alias_arn.as_deref() == Some(arn.as_str());
        if !hit {
            return Ok(false);
        }
    }
    if filter.version_arn.is_some() && s.version_arn != filter.version_arn {
        return Ok(false);
    }
    if filter.alias_arn.is_some() && s.alias_arn != filter.alias_arn {
        return Ok(false);
    }
    if let Some(status) = filter.status {
        if s.status != status {
            return Ok(false);
        }
    }
    if let Some(redriven) = redrive_filter(filter)? {
        if (s.redrive_count > 0) != redriven {
            return Ok(false);
        }
    }
    if filter.map_run_arn.is_some() && s.parent_arn != filter.map_run_arn {
        return Ok(false);
    }
    Ok(true)
}

/// `Some(true)` for `REDRIVEN`, `Some(false)` for `NOT_REDRIVEN`, `None` without a filter.
pub fn redrive_filter(filter: &ExecutionFilter) -> Result<Option<bool>> {
    match filter.redrive_filter.as_deref() {
        None => Ok(None),
        Some("REDRIVEN") => Ok(Some(true)),
        Some("NOT_REDRIVEN") => Ok(Some(false)),
        Some(other) => Err(Error::Backend(format!("unknown redrive filter {other:?}"))),
    }
}

/// The unqualified state machine ARN (`arn:P:states:R:A:stateMachine:NAME`) of a state
/// machine, version or alias ARN: what ListExecutions by state machine groups on.
pub fn base_arn(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((i, _)) if arn.split(':').nth(5) == Some("stateMachine") => &arn[..i],
        _ => arn,
    }
}

/// Checks a commit's history against what is stored, before anything is written.
fn check_history(existing: &BTreeMap<u64, String>, rows: &[HistoryRow]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for row in rows {
        if existing.contains_key(&row.id) || !seen.insert(row.id) {
            return Err(Error::Backend(format!("duplicate history event id {}", row.id)));
        }
    }
    Ok(())
}

/// Applies a commit whose checks passed: additions before removals, so that a key both added
/// and removed by one commit is not stored (a final commit clears everything, including what
/// its own step asked for).
fn apply(inner: &mut Inner, arn: &str, commit: &Commit) {
    let Some(exec) = inner.executions.get_mut(arn) else { return };
    exec.record.version = commit.expected_version + 1;
    exec.record.state = commit.state.clone();
    if let Some(summary) = &commit.summary {
        exec.record.summary = summary.clone();
    }
    for row in &commit.history {
        exec.history.insert(row.id, row.json.clone());
    }
    for entry in &commit.outbox_add {
        exec.outbox.insert(entry.key.clone(), entry.clone());
    }
    for key in &commit.outbox_remove {
        exec.outbox.remove(key);
    }
    for token in &commit.tokens_add {
        let mut token = token.clone();
        token.execution_arn = arn.to_string();
        inner.tokens.insert(token.hash.clone(), token);
    }
    for hash in &commit.tokens_remove {
        if inner.tokens.get(hash).is_some_and(|t| t.execution_arn == arn) {
            inner.tokens.remove(hash);
        }
    }
}

#[async_trait]
impl DefinitionStore for MemoryStore {
    async fn create_state_machine(&self, sm: &StateMachineRecord, revision: &RevisionRecord) -> Result<()> {
        let mut inner = self.lock()?;
        let rev_key = (sm.arn.clone(), revision.revision_id.clone());
        if inner.machines.contains_key(&sm.arn) || inner.revisions.contains_key(&rev_key) {
            return Err(Error::AlreadyExists);
        }
        inner.revisions.insert(rev_key, revision.clone());
        inner.machines.insert(sm.arn.clone(), sm.clone());
        Ok(())
    }

    async fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        Ok(self.lock()?.machines.get(arn).cloned())
    }

    async fn update_state_machine(
        &self,
        sm: &StateMachineRecord,
        expected_updated: i64,
        new_revision: Option<&RevisionRecord>,
    ) -> Result<()> {
        let mut inner = self.lock()?;
        match inner.machines.get(&sm.arn) {
            None => return Err(Error::NotFound),
            Some(stored) if stored.updated != expected_updated => return Err(Error::Conflict),
            Some(_) => {}
        }
        if let Some(rev) = new_revision {
            let key = (sm.arn.clone(), rev.revision_id.clone());
            if inner.revisions.contains_key(&key) {
                return Err(Error::AlreadyExists);
            }
            inner.revisions.insert(key, rev.clone());
        }
        inner.machines.insert(sm.arn.clone(), sm.clone());
        Ok(())
    }

    async fn delete_state_machine(&self, arn: &str) -> Result<()> {
        let mut inner = self.lock()?;
        if inner.machines.remove(arn).is_none() {
            return Err(Error::NotFound);
        }
        let versions: Vec<String> =
            inner.versions.values().filter(|v| v.state_machine_arn == arn).map(|v| v.arn.clone()).collect();
        let aliases: Vec<String> =
            inner.aliases.values().filter(|a| a.state_machine_arn == arn).map(|a| a.arn.clone()).collect();
        for v in &versions {
            inner.versions.remove(v);
            inner.tags.remove(v);
        }
        for a in &aliases {
            inner.aliases.remove(a);
            inner.tags.remove(a);
        }
        inner.tags.remove(arn);
        Ok(())
    }

    async fn list_state_machines(&self, page: &Page) -> Result<Paged<StateMachineRecord>> {
        let inner = self.lock()?;
        let after = page.token.as_deref().map(parse_name_token).transpose()?;
        let mut all: Vec<&StateMachineRecord> = inner.machines.values().collect();
        all.sort_by(|a, b| (&a.name, &a.arn).cmp(&(&b.name, &b.arn)));
        let iter = all
            .into_iter()
            .filter(|m| after.as_ref().is_none_or(|(n, a)| (&m.name, &m.arn) > (n, a)))
            .cloned();
        let (items, next) = paginate(iter, page.limit, |m| name_token(&m.name, &m.arn));
        Ok(Paged { items, next_token: next })
    }

    async fn get_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<RevisionRecord>> {
        let key = (state_machine_arn.to_string(), revision_id.to_string());
        Ok(self.lock()?.revisions.get(&key).cloned())
    }

    async fn put_version(&self, v: &VersionRecord) -> Result<()> {
        let mut inner = self.lock()?;
        if !inner.machines.contains_key(&v.state_machine_arn) {
            return Err(Error::NotFound);
        }
        let taken = inner.versions.contains_key(&v.arn)
            || inner
                .versions
                .values()
                .any(|o| o.state_machine_arn == v.state_machine_arn && o.version == v.version);
        if taken {
            return Err(Error::AlreadyExists);
        }
        inner.versions.insert(v.arn.clone(), v.clone());
        Ok(())
    }

    async fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        Ok(self.lock()?.versions.get(arn).cloned())
    }

    async fn delete_version(&self, arn: &str) -> Result<()> {
        let mut inner = self.lock()?;
        inner.versions.remove(arn).ok_or(Error::NotFound)?;
        inner.tags.remove(arn);
        Ok(())
    }

    async fn list_versions(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<VersionRecord>> {
        let inner = self.lock()?;
        let before = match page.token.as_deref() {
            Some(t) => Some(parse_num::<u64>(t, token_parts(t, "v", 1)?[0])?),
            None => None,
        };
        let mut all: Vec<&VersionRecord> =
            inner.versions.values().filter(|v| v.state_machine_arn == state_machine_arn).collect();
        all.sort_by_key(|v| std::cmp::Reverse(v.version));
        let iter = all.into_iter().filter(|v| before.is_none_or(|b| v.version < b)).cloned();
        let (items, next) = paginate(iter, page.limit, |v| format!("v.{}", v.version));
        Ok(Paged { items, next_token: next })
    }

    async fn put_alias(&self, a: &AliasRecord, create_only: bool) -> Result<()> {
        let mut inner = self.lock()?;
        if !inner.machines.contains_key(&a.state_machine_arn) {
            return Err(Error::NotFound);
        }
        if create_only && inner.aliases.contains_key(&a.arn) {
            return Err(Error::AlreadyExists);
        }
        inner.aliases.insert(a.arn.clone(), a.clone());
        Ok(())
    }

    async fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        Ok(self.lock()?.aliases.get(arn).cloned())
    }

    async fn delete_alias(&self, arn: &str) -> Result<()> {
        let mut inner = self.lock()?;
        inner.aliases.remove(arn).ok_or(Error::NotFound)?;
        inner.tags.remove(arn);
        Ok(())
    }

    async fn list_aliases(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<AliasRecord>> {
        let inner = self.lock()?;
        let after = page.token.as_deref().map(parse_name_token).transpose()?;
        let mut all: Vec<&AliasRecord> =
            inner.aliases.values().filter(|a| a.state_machine_arn == state_machine_arn).collect();
        all.sort_by(|a, b| (&a.name, &a.arn).cmp(&(&b.name, &b.arn)));
        let iter = all
            .into_iter()
            .filter(|a| after.as_ref().is_none_or(|(n, r)| (&a.name, &a.arn) > (n, r)))
            .cloned();
        let (items, next) = paginate(iter, page.limit, |a| name_token(&a.name, &a.arn));
        Ok(Paged { items, next_token: next })
    }
}

#[async_trait]
impl ExecutionStore for MemoryStore {
    async fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        let mut inner = self.lock()?;
        let arn = record.summary.arn.clone();
        if inner.executions.contains_key(&arn) {
            return Err(Error::AlreadyExists);
        }
        if record.version != 0 || first.expected_version != 0 {
            return Err(Error::Conflict);
        }
        check_history(&BTreeMap::new(), &first.history)?;
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.by_start.insert((record.summary.start, seq, arn.clone()));
        let exec =
            Execution { record: record.clone(), seq, history: BTreeMap::new(), outbox: BTreeMap::new() };
        inner.executions.insert(arn.clone(), exec);
        apply(&mut inner, &arn, first);
        Ok(())
    }

    async fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        Ok(self.lock()?.executions.get(arn).map(|e| e.record.clone()))
    }

    async fn commit(&self, arn: &str, commit: &Commit) -> Result<()> {
        let mut inner = self.lock()?;
        let exec = inner.executions.get(arn).ok_or(Error::NotFound)?;
        if exec.record.version != commit.expected_version {
            return Err(Error::Conflict);
        }
        check_history(&exec.history, &commit.history)?;
        let (old_start, seq) = (exec.record.summary.start, exec.seq);
        if let Some(summary) = &commit.summary {
            if summary.start != old_start {
                inner.by_start.remove(&(old_start, seq, arn.to_string()));
                inner.by_start.insert((summary.start, seq, arn.to_string()));
            }
        }
        apply(&mut inner, arn, commit);
        Ok(())
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<Paged<ExecutionSummary>> {
        let inner = self.lock()?;
        redrive_filter(filter)?;
        let upper = match page.token.as_deref() {
            Some(t) => {
                let p = token_parts(t, "e", 2)?;
                Bound::Excluded((parse_num::<i64>(t, p[0])?, parse_num::<u64>(t, p[1])?, String::new()))
            }
            None => Bound::Unbounded,
        };
        let mut error = None;
        let iter = inner.by_start.range((Bound::Unbounded, upper)).rev().filter_map(|(start, seq, arn)| {
            let e = inner.executions.get(arn)?;
            match filter_matches(filter, &e.record.summary) {
                Ok(true) => Some((*start, *seq, e.record.summary.clone())),
                Ok(false) => None,
                Err(err) => {
                    error = Some(err);
                    None
                }
            }
        });
        let (items, next) = paginate(iter, page.limit, |(start, seq, _)| format!("e.{start}.{seq}"));
        if let Some(err) = error {
            return Err(err);
        }
        Ok(Paged { items: items.into_iter().map(|(_, _, s)| s).collect(), next_token: next })
    }

    async fn history(&self, arn: &str, reverse: bool, page: &Page) -> Result<Paged<HistoryRow>> {
        let inner = self.lock()?;
        let exec = inner.executions.get(arn).ok_or(Error::NotFound)?;
        let after = match page.token.as_deref() {
            Some(t) => Some(parse_num::<u64>(t, token_parts(t, "h", 1)?[0])?),
            None => None,
        };
        let row = |(id, json): (&u64, &String)| HistoryRow { id: *id, json: json.clone() };
        let key = |r: &HistoryRow| format!("h.{}", r.id);
        let (items, next) = match (reverse, after) {
            (false, None) => paginate(exec.history.iter().map(row), page.limit, key),
            (false, Some(a)) => {
                paginate(exec.history.range((Bound::Excluded(a), Bound::Unbounded)).map(row), page.limit, key)
            }
            (true, None) => paginate(exec.history.iter().rev().map(row), page.limit, key),
            (true, Some(a)) => paginate(exec.history.range(..a).rev().map(row), page.limit, key),
        };
        Ok(Paged { items, next_token: next })
    }

    async fn outbox(&self, arn: &str) -> Result<Vec<OutboxEntry>> {
        let inner = self.lock()?;
        let exec = inner.executions.get(arn).ok_or(Error::NotFound)?;
        Ok(exec.outbox.values().cloned().collect())
    }

    async fn executions_with_outbox(&self) -> Result<Vec<String>> {
        let inner = self.lock()?;
        let mut arns: Vec<String> =
            inner.executions.iter().filter(|(_, e)| !e.outbox.is_empty()).map(|(a, _)| a.clone()).collect();
        arns.sort();
        Ok(arns)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn get_token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        Ok(self.lock()?.tokens.get(hash).cloned())
    }
}

#[async_trait]
impl ActivityStore for MemoryStore {
    async fn create_activity(&self, a: &ActivityRecord) -> Result<ActivityRecord> {
        let mut inner = self.lock()?;
        Ok(inner.activities.entry(a.arn.clone()).or_insert_with(|| a.clone()).clone())
    }

    async fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        Ok(self.lock()?.activities.get(arn).cloned())
    }

    async fn delete_activity(&self, arn: &str) -> Result<()> {
        let mut inner = self.lock()?;
        inner.activities.remove(arn).ok_or(Error::NotFound)?;
        inner.tags.remove(arn);
        Ok(())
    }

    async fn list_activities(&self, page: &Page) -> Result<Paged<ActivityRecord>> {
        let inner = self.lock()?;
        let after = page.token.as_deref().map(parse_name_token).transpose()?;
        let mut all: Vec<&ActivityRecord> = inner.activities.values().collect();
        all.sort_by(|a, b| (&a.name, &a.arn).cmp(&(&b.name, &b.arn)));
        let iter = all
            .into_iter()
            .filter(|a| after.as_ref().is_none_or(|(n, r)| (&a.name, &a.arn) > (n, r)))
            .cloned();
        let (items, next) = paginate(iter, page.limit, |a| name_token(&a.name, &a.arn));
        Ok(Paged { items, next_token: next })
    }
}

#[async_trait]
impl TagStore for MemoryStore {
    async fn tag(&self, arn: &str, tags: &[(String, String)]) -> Result<()> {
        let mut inner = self.lock()?;
        let entry = inner.tags.entry(arn.to_string()).or_default();
        for (k, v) in tags {
            entry.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        let mut inner = self.lock()?;
        if let Some(entry) = inner.tags.get_mut(arn) {
            for k in keys {
                entry.remove(k);
            }
            if entry.is_empty() {
                inner.tags.remove(arn);
            }
        }
        Ok(())
    }

    async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        let inner = self.lock()?;
        Ok(inner
            .tags
            .get(arn)
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod conformance {
    crate::store_conformance!(Box::new(super::MemoryStore::new()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_arn_strips_qualifiers() {
        let sm = "arn:aws:states:us-east-1:123456789012:stateMachine:Hello";
        assert_eq!(base_arn(sm), sm);
        assert_eq!(base_arn(&format!("{sm}:3")), sm);
        assert_eq!(base_arn(&format!("{sm}:prod")), sm);
        let ex = "arn:aws:states:us-east-1:123456789012:execution:Hello:run-1";
        assert_eq!(base_arn(ex), ex);
        assert_eq!(base_arn("not an arn"), "not an arn");
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        for s in ["", "abc", "naïve:ARN/with.dots"] {
            assert_eq!(unhex(&hex(s)).ok().as_deref(), Some(s));
        }
        assert!(unhex("abc").is_err());
        assert!(unhex("zz").is_err());
    }
}
