//! The execution, history, outbox and token ports on the executions table.
//!
//! An execution is a partition `E#<arn>`: its head (`E`: version, summary, state), external
//! value parts (`B#...`), history events (`H#<id>`), outbox entries (`O#<key>`) and the history
//! id counter of detached fan-outs (`N`). Tokens are items of their own (`T#<hash>`) with a TTL.
//! A commit is one `TransactWriteItems`: the head update conditional on the version, history
//! puts conditional on absence, outbox and token puts and deletes, value parts.

use crate::blob::{self, Ext, Spec, Stored};
use crate::item::{
    b, backend, backoff, build_err, check_item, get_n, get_s, item_size, key, n, opt_n, opt_s, s,
    token_parts, transact, transient, Item, Pages, TxError, CONDITION_FAILED, MAX_TX_BYTES, MAX_TX_ITEMS,
};
use crate::schema::{OUTBOX, OUTBOX_SHARDS, TTL_ATTR};
use crate::DynamoStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use sha2::{Digest, Sha256};
use statecraft_runtime::memory::base_arn;
use statecraft_runtime::ports::{
    Commit, Error, ExecutionFilter, ExecutionRecord, ExecutionStore, ExecutionSummary, HistoryRow,
    OutboxEntry, Page, Paged, Result, TokenRecord, TokenStore,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) const HEAD: &str = "E";
/// How often a commit retries after losing to another transaction (not to another commit).
const ATTEMPTS: u32 = 8;
/// Tokens stay in the table this long after they stop being accepted, so that a late
/// SendTaskSuccess finds the task timed out rather than an unknown token.
const TOKEN_GRACE_SECS: i64 = 86_400;

pub(crate) fn exec_pk(arn: &str) -> String {
    format!("E#{arn}")
}

pub(crate) fn arn_of_pk(pk: &str) -> Option<&str> {
    pk.strip_prefix("E#")
}

fn history_sk(id: u64) -> String {
    format!("H#{id:020}")
}

fn outbox_sk(key: &str) -> String {
    format!("O#{key}")
}

fn token_pk(hash: &str) -> String {
    format!("T#{hash}")
}

/// The listing order of executions: start time, then creation time (the later created first
/// among equal starts), then ARN; fixed-width so that it sorts as text.
fn ord(start: i64, tick: u64, arn: &str) -> String {
    let biased = (i128::from(start) - i128::from(i64::MIN)) as u128;
    format!("{biased:020}.{tick:020}.{arn}")
}

/// Creation ticks: wall-clock nanoseconds, strictly increasing within a process.
fn tick() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// The outbox index shard of an execution.
fn shard(arn: &str) -> u8 {
    Sha256::digest(arn.as_bytes())[0] % OUTBOX_SHARDS
}

/// The summary as stored in `sum`: input and output are values of their own (`blob`), so
/// they are blanked here (an output keeps `Some("")` to say that there is one).
fn summary_attr(summary: &ExecutionSummary) -> Result<AttributeValue> {
    let blank = ExecutionSummary {
        input: String::new(),
        output: summary.output.as_ref().map(|_| String::new()),
        ..summary.clone()
    };
    crate::item::rec(&blank).map(|v| match v {
        AttributeValue::S(text) => s(text),
        other => other,
    })
}

/// The head attributes the listing indexes key on, and those to remove (absent qualifiers).
fn index_attrs(summary: &ExecutionSummary) -> (Vec<(&'static str, AttributeValue)>, Vec<&'static str>) {
    let base = base_arn(&summary.state_machine_arn);
    let mut set = vec![("g_sm", s(base)), ("g_sms", s(format!("{base}#{}", summary.status.as_str())))];
    let mut remove = Vec::new();
    for (name, value) in
        [("g_ver", &summary.version_arn), ("g_ali", &summary.alias_arn), ("g_par", &summary.parent_arn)]
    {
        match value {
            Some(v) => set.push((name, s(v.clone()))),
            None => remove.push(name),
        }
    }
    (set, remove)
}

/// What an action of a transaction is, to read its cancellation reason.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Head,
    History(u64),
    Token(String),
    Other,
}

/// A transaction under construction.
#[derive(Default)]
struct Tx {
    items: Vec<TransactWriteItem>,
    kinds: Vec<Kind>,
    bytes: usize,
}

impl Tx {
    fn put(
        &mut self,
        table: &str,
        item: Item,
        condition: Option<(&str, HashMap<String, AttributeValue>)>,
        kind: Kind,
    ) -> Result<()> {
        check_item(&item, "an item")?;
        self.bytes += item_size(&item) + 64;
        let mut put = Put::builder().table_name(table).set_item(Some(item));
        if let Some((expr, values)) = condition {
            put = put.condition_expression(expr);
            if !values.is_empty() {
                put = put.set_expression_attribute_values(Some(values));
            }
        }
        self.items.push(TransactWriteItem::builder().put(put.build().map_err(build_err)?).build());
        self.kinds.push(kind);
        Ok(())
    }

    fn delete(
        &mut self,
        table: &str,
        key: Item,
        condition: Option<(&str, HashMap<String, AttributeValue>)>,
        kind: Kind,
    ) -> Result<()> {
        self.bytes += item_size(&key) + 64;
        let mut del = Delete::builder().table_name(table).set_key(Some(key));
        if let Some((expr, values)) = condition {
            del = del.condition_expression(expr);
            if !values.is_empty() {
                del = del.set_expression_attribute_values(Some(values));
            }
        }
        self.items.push(TransactWriteItem::builder().delete(del.build().map_err(build_err)?).build());
        self.kinds.push(kind);
        Ok(())
    }

    fn check_limits(&self) -> Result<()> {
        if self.items.len() > MAX_TX_ITEMS || self.bytes > MAX_TX_BYTES {
            return Err(Error::TooLarge(format!(
                "a commit of {} items and about {} bytes; one DynamoDB transaction holds at most {MAX_TX_ITEMS} items and {MAX_TX_BYTES} bytes",
                self.items.len(),
                self.bytes
            )));
        }
        Ok(())
    }
}

/// An update expression under construction (placeholders for every name and value).
#[derive(Default)]
struct Expr {
    set: Vec<String>,
    remove: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#a{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_string());
        placeholder
    }

    fn value(&mut self, v: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), v);
        placeholder
    }

    fn set(&mut self, attr: &str, v: AttributeValue) {
        let (n, v) = (self.name(attr), self.value(v));
        self.set.push(format!("{n} = {v}"));
    }

    fn remove(&mut self, attr: &str) {
        let n = self.name(attr);
        self.remove.push(n);
    }

    fn update(&self) -> String {
        let mut out = String::new();
        if !self.set.is_empty() {
            out.push_str("SET ");
            out.push_str(&self.set.join(", "));
        }
        if !self.remove.is_empty() {
            out.push_str(" REMOVE ");
            out.push_str(&self.remove.join(", "));
        }
        out
    }
}

/// Puts a value's placement into a head item being created.
fn place_into_item(item: &mut Item, tx_parts: &mut Vec<Item>, placed: blob::Placed) {
    for (attr, v) in placed.set {
        item.insert(attr.to_string(), v);
    }
    tx_parts.extend(placed.parts);
}

/// A value a commit writes: which, its bytes (`None`: no value), its external parts so far.
type Written<'a> = (Spec, Option<&'a [u8]>, Option<&'a Ext>);

/// The external values a head had, as far as a commit needs them (the slow path).
#[derive(Debug, Clone, Default, PartialEq)]
struct Layout {
    state: Option<Ext>,
    input: Option<Ext>,
    output: Option<Ext>,
}

impl DynamoStore {
    fn executions(&self) -> &str {
        &self.tables.executions
    }

    /// The head item, strongly consistent.
    pub(crate) async fn head(&self, arn: &str, projection: Option<&str>) -> Result<Option<Item>> {
        let mut req = self
            .client
            .get_item()
            .table_name(self.executions())
            .set_key(Some(key(exec_pk(arn), HEAD)))
            .consistent_read(true);
        if let Some(p) = projection {
            req = req.projection_expression(p);
        }
        Ok(req.send().await.map_err(backend)?.item)
    }

    async fn exists(&self, arn: &str) -> Result<bool> {
        Ok(self.head(arn, Some("pk")).await?.is_some())
    }

    /// A value of a head: `None` when its parts are not (or no longer) the ones the head
    /// names, i.e. a commit replaced them since the head was read.
    pub(crate) async fn value(&self, arn: &str, head: &Item, spec: &Spec) -> Result<Option<Option<Vec<u8>>>> {
        match blob::stored(head, spec)? {
            Stored::Absent => Ok(Some(None)),
            Stored::Here(v) => Ok(Some(Some(v))),
            Stored::External(ext) => {
                let prefix = blob::part_prefix(spec, ext.version);
                let items = self.query_all(&exec_pk(arn), &prefix).await?;
                let parts = items
                    .iter()
                    .map(|i| crate::item::get_b(i, "d").map(<[u8]>::to_vec))
                    .collect::<Result<Vec<_>>>()?;
                Ok(blob::assemble(&ext, parts).map(Some))
            }
        }
    }

    /// Every item of a partition whose sort key begins with `prefix`, in key order.
    pub(crate) async fn query_all(&self, pk: &str, prefix: &str) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut pages = Pages::new();
        while !pages.done {
            let resp = self
                .client
                .query()
                .table_name(self.executions())
                .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":p", s(prefix))
                .consistent_read(true)
                .set_exclusive_start_key(pages.next.take())
                .send()
                .await
                .map_err(backend)?;
            out.extend(resp.items.unwrap_or_default());
            pages.advance(resp.last_evaluated_key);
        }
        Ok(out)
    }

    /// The summary of a head (or of a listing index item), with its input and output read
    /// from wherever they are: `None` when a commit replaced them meanwhile.
    pub(crate) async fn summary_of(&self, arn: &str, item: &Item) -> Result<Option<ExecutionSummary>> {
        let mut summary: ExecutionSummary = serde_json::from_str(get_s(item, "sum")?)
            .map_err(|e| Error::Backend(format!("stored summary: {e}")))?;
        let text =
            |v: Vec<u8>| String::from_utf8(v).map_err(|_| Error::Backend("stored text is not UTF-8".into()));
        let is_head = item.contains_key("v");
        let mut fetched: Option<Item> = None;
        for (spec, wanted) in [(blob::INPUT, true), (blob::OUTPUT, summary.output.is_some())] {
            if !wanted {
                continue;
            }
            let value = match blob::stored(item, &spec)? {
                Stored::Here(v) => v,
                _ => {
                    // A listing index projects only small values: read the head for the rest.
                    if !is_head && fetched.is_none() {
                        fetched = self.head(arn, None).await?;
                    }
                    let Some(h) = (if is_head { Some(item) } else { fetched.as_ref() }) else {
                        return Ok(None);
                    };
                    match self.value(arn, h, &spec).await? {
                        Some(Some(v)) => v,
                        Some(None) => Vec::new(),
                        None => return Ok(None),
                    }
                }
            };
            if spec == blob::INPUT {
                summary.input = text(value)?;
            } else {
                summary.output = Some(text(value)?);
            }
        }
        Ok(Some(summary))
    }

    /// Appends the puts and deletes of a commit's history, outbox and tokens to `tx`.
    fn commit_rows(&self, tx: &mut Tx, arn: &str, c: &Commit, skip_tokens: &HashSet<String>) -> Result<()> {
        let table = self.executions();
        let pk = exec_pk(arn);
        for row in &c.history {
            let mut item = key(&pk, history_sk(row.id));
            item.insert("j".to_string(), s(row.json.clone()));
            tx.put(table, item, Some(("attribute_not_exists(pk)", HashMap::new())), Kind::History(row.id))?;
        }
        // Additions before removals: a key both added and removed is deleted; of a key added
        // twice, the last entry wins.
        let removed: HashSet<&str> = c.outbox_remove.iter().map(String::as_str).collect();
        let mut added: Vec<&OutboxEntry> = Vec::new();
        let mut seen = HashSet::new();
        for e in c.outbox_add.iter().rev() {
            if !removed.contains(e.key.as_str()) && seen.insert(e.key.as_str()) {
                added.push(e);
            }
        }
        let shard_key = format!("OUTBOX#{}", shard(arn));
        for e in added.into_iter().rev() {
            let mut item = key(&pk, outbox_sk(&e.key));
            item.insert("fx".to_string(), b(e.effect.clone()));
            if let Some(due) = e.due {
                item.insert("due".to_string(), n(due));
            }
            item.insert("g_obx".to_string(), s(shard_key.clone()));
            item.insert("g_due".to_string(), n(e.due.unwrap_or(0)));
            tx.put(table, item, None, Kind::Other)?;
        }
        let mut gone = HashSet::new();
        for k in &c.outbox_remove {
            if gone.insert(k.as_str()) {
                tx.delete(table, key(&pk, outbox_sk(k)), None, Kind::Other)?;
            }
        }
        // Tokens: an added token is this execution's; a removed one is deleted only if it is
        // this execution's (or absent), which its delete's condition checks.
        let removed: HashSet<&str> = c.tokens_remove.iter().map(String::as_str).collect();
        let mut seen = HashSet::new();
        let mut puts: Vec<&TokenRecord> = Vec::new();
        for t in c.tokens_add.iter().rev() {
            if !removed.contains(t.hash.as_str()) && seen.insert(t.hash.as_str()) {
                puts.push(t);
            }
        }
        for t in puts.into_iter().rev() {
            tx.put(table, token_item(arn, t), None, Kind::Other)?;
        }
        let added: HashSet<&str> = c.tokens_add.iter().map(|t| t.hash.as_str()).collect();
        let mut gone = HashSet::new();
        for hash in &c.tokens_remove {
            if skip_tokens.contains(hash) || !gone.insert(hash.as_str()) {
                continue;
            }
            let k = key(token_pk(hash), "T");
            if added.contains(hash.as_str()) {
                tx.delete(table, k, None, Kind::Other)?;
            } else {
                let values = HashMap::from([(":arn".to_string(), s(arn))]);
                tx.delete(
                    table,
                    k,
                    Some(("attribute_not_exists(pk) OR ex = :arn", values)),
                    Kind::Token(hash.clone()),
                )?;
            }
        }
        Ok(())
    }

    /// Builds a commit's transaction. `layout` is the head's external values when known (the
    /// slow path); without it the head's condition requires that the values this commit
    /// writes have no external parts to delete.
    fn commit_tx(
        &self,
        arn: &str,
        c: &Commit,
        layout: Option<&Layout>,
        skip_tokens: &HashSet<String>,
    ) -> Result<Tx> {
        let table = self.executions();
        let pk = exec_pk(arn);
        let version = c.expected_version + 1;
        let mut expr = Expr::default();
        let mut tx = Tx::default();
        let mut parts: Vec<Item> = Vec::new();
        let mut deletes: Vec<Item> = Vec::new();
        let mut condition = String::new();
        let v_name = expr.name("v");
        let expected = expr.value(n(c.expected_version));
        condition.push_str(&format!("{v_name} = {expected}"));
        expr.set("v", n(version));

        let mut values: Vec<Written<'_>> =
            vec![(blob::STATE, Some(c.state.as_slice()), layout.and_then(|l| l.state.as_ref()))];
        if let Some(summary) = &c.summary {
            values.push((blob::INPUT, Some(summary.input.as_bytes()), layout.and_then(|l| l.input.as_ref())));
            values.push((
                blob::OUTPUT,
                summary.output.as_deref().map(str::as_bytes),
                layout.and_then(|l| l.output.as_ref()),
            ));
            expr.set("sum", summary_attr(summary)?);
            let (set, remove) = index_attrs(summary);
            for (attr, v) in set {
                expr.set(attr, v);
            }
            for attr in remove {
                expr.remove(attr);
            }
        }
        for (spec, data, old) in values {
            if layout.is_none() {
                let ext = expr.name(spec.ext);
                condition.push_str(&format!(" AND attribute_not_exists({ext})"));
            }
            let placed = blob::place(&spec, &pk, data, version, old);
            for (attr, v) in placed.set {
                expr.set(attr, v);
            }
            for attr in placed.remove {
                expr.remove(attr);
            }
            parts.extend(placed.parts);
            deletes.extend(placed.delete);
        }
        let mut update = Update::builder()
            .table_name(table)
            .set_key(Some(key(&pk, HEAD)))
            .update_expression(expr.update())
            .condition_expression(condition)
            .set_expression_attribute_names(Some(expr.names.clone()));
        update = update.set_expression_attribute_values(Some(expr.values.clone()));
        let head_bytes: usize =
            expr.values.values().map(|v| item_size(&HashMap::from([(String::new(), v.clone())]))).sum();
        if head_bytes > crate::item::MAX_ITEM {
            return Err(Error::TooLarge(format!("the execution head would be about {head_bytes} bytes")));
        }
        tx.bytes += head_bytes + 256;
        tx.items.push(TransactWriteItem::builder().update(update.build().map_err(build_err)?).build());
        tx.kinds.push(Kind::Head);
        for part in parts {
            tx.put(table, part, None, Kind::Other)?;
        }
        for k in deletes {
            tx.delete(table, k, None, Kind::Other)?;
        }
        self.commit_rows(&mut tx, arn, c, skip_tokens)?;
        tx.check_limits()?;
        Ok(tx)
    }

    async fn layout(&self, arn: &str) -> Result<Option<(u64, Layout)>> {
        let Some(head) = self.head(arn, Some("v, x_st, x_in, x_out")).await? else { return Ok(None) };
        let layout = Layout {
            state: blob::external(&head, &blob::STATE)?,
            input: blob::external(&head, &blob::INPUT)?,
            output: blob::external(&head, &blob::OUTPUT)?,
        };
        Ok(Some((get_n(&head, "v")?, layout)))
    }
}

fn token_item(arn: &str, t: &TokenRecord) -> Item {
    let mut item = key(token_pk(&t.hash), "T");
    item.insert("ex".to_string(), s(arn));
    item.insert("task".to_string(), b(t.task.clone()));
    if let Some(ms) = t.expires {
        item.insert("exp_ms".to_string(), n(ms));
        item.insert(TTL_ATTR.to_string(), n(ms.div_euclid(1000) + 1 + TOKEN_GRACE_SECS));
    }
    if let Some(a) = &t.activity_arn {
        item.insert("act".to_string(), s(a.clone()));
    }
    item
}

fn check_history(rows: &[HistoryRow]) -> Result<()> {
    let mut seen = HashSet::new();
    for row in rows {
        if !seen.insert(row.id) {
            return Err(Error::Backend(format!("duplicate history event id {}", row.id)));
        }
    }
    Ok(())
}

/// Reads a cancelled commit's reasons other than the head's: a stored history id is a
/// `Backend` error, tokens of other executions are left out of the next attempt.
fn other_reasons(kinds: &[Kind], codes: &[String], skip_tokens: &mut HashSet<String>) -> Result<bool> {
    let mut retry = false;
    for (kind, code) in kinds.iter().zip(codes) {
        if code != CONDITION_FAILED {
            continue;
        }
        match kind {
            Kind::History(id) => {
                return Err(Error::Backend(format!("history event id {id} is already stored")))
            }
            Kind::Token(hash) => {
                skip_tokens.insert(hash.clone());
                retry = true;
            }
            _ => {}
        }
    }
    Ok(retry)
}

#[async_trait]
impl ExecutionStore for DynamoStore {
    async fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        let arn = record.summary.arn.clone();
        if record.version != 0 || first.expected_version != 0 {
            return Err(if self.exists(&arn).await? { Error::AlreadyExists } else { Error::Conflict });
        }
        check_history(&first.history)?;
        let summary = first.summary.as_ref().unwrap_or(&record.summary);
        let pk = exec_pk(&arn);
        let mut head = key(&pk, HEAD);
        head.insert("rv".to_string(), n(record.record_version));
        head.insert("v".to_string(), n(1));
        head.insert("rev".to_string(), s(record.revision_id.clone()));
        head.insert("sum".to_string(), summary_attr(summary)?);
        head.insert("ord".to_string(), s(ord(summary.start, tick(), &arn)));
        for (attr, v) in index_attrs(summary).0 {
            head.insert(attr.to_string(), v);
        }
        let mut parts = Vec::new();
        for (spec, data) in [
            (blob::STATE, Some(first.state.as_slice())),
            (blob::INPUT, Some(summary.input.as_bytes())),
            (blob::OUTPUT, summary.output.as_deref().map(str::as_bytes)),
        ] {
            place_into_item(&mut head, &mut parts, blob::place(&spec, &pk, data, 1, None));
        }
        let mut skip_tokens = HashSet::new();
        for attempt in 0..ATTEMPTS {
            let mut tx = Tx::default();
            tx.put(
                self.executions(),
                head.clone(),
                Some(("attribute_not_exists(pk)", HashMap::new())),
                Kind::Head,
            )?;
            for part in &parts {
                tx.put(self.executions(), part.clone(), None, Kind::Other)?;
            }
            self.commit_rows(&mut tx, &arn, first, &skip_tokens)?;
            tx.check_limits()?;
            match transact(&self.client, tx.items).await {
                Ok(()) => return Ok(()),
                Err(TxError::Other(e)) => return Err(e),
                Err(TxError::Cancelled(codes)) => {
                    if codes.first().map(String::as_str) == Some(CONDITION_FAILED) {
                        return Err(Error::AlreadyExists);
                    }
                    if other_reasons(&tx.kinds, &codes, &mut skip_tokens)? {
                        continue;
                    }
                    if transient(&codes) {
                        backoff(attempt).await;
                        continue;
                    }
                    return Err(Error::Backend(format!("create_execution cancelled: {codes:?}")));
                }
            }
        }
        Err(Error::Conflict)
    }

    async fn get_execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        for _ in 0..ATTEMPTS {
            let Some(head) = self.head(arn, None).await? else { return Ok(None) };
            let Some(state) = self.value(arn, &head, &blob::STATE).await? else { continue };
            let Some(summary) = self.summary_of(arn, &head).await? else { continue };
            return Ok(Some(ExecutionRecord {
                record_version: get_n(&head, "rv")?,
                summary,
                revision_id: get_s(&head, "rev")?.to_string(),
                state: state.unwrap_or_default(),
                version: get_n(&head, "v")?,
            }));
        }
        Err(Error::Backend(format!("{arn} kept changing while it was read")))
    }

    async fn commit(&self, arn: &str, commit: &Commit) -> Result<()> {
        check_history(&commit.history)?;
        let mut layout: Option<Layout> = None;
        let mut skip_tokens = HashSet::new();
        for attempt in 0..ATTEMPTS {
            let tx = self.commit_tx(arn, commit, layout.as_ref(), &skip_tokens)?;
            match transact(&self.client, tx.items).await {
                Ok(()) => return Ok(()),
                Err(TxError::Other(e)) => return Err(e),
                Err(TxError::Cancelled(codes)) => {
                    if codes.first().map(String::as_str) == Some(CONDITION_FAILED) {
                        // The version moved, the execution is absent, or (fast path) the head
                        // has external values this commit must replace: read which.
                        match self.layout(arn).await? {
                            None => return Err(Error::NotFound),
                            Some((v, _)) if v != commit.expected_version => return Err(Error::Conflict),
                            Some((_, l)) => {
                                if layout.as_ref() == Some(&l) {
                                    backoff(attempt).await;
                                }
                                layout = Some(l);
                                continue;
                            }
                        }
                    }
                    if other_reasons(&tx.kinds, &codes, &mut skip_tokens)? {
                        continue;
                    }
                    if transient(&codes) {
                        backoff(attempt).await;
                        continue;
                    }
                    return Err(Error::Backend(format!("commit cancelled: {codes:?}")));
                }
            }
        }
        Err(Error::Conflict)
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<Paged<ExecutionSummary>> {
        crate::list::list_executions(self, filter, page).await
    }

    async fn history(&self, arn: &str, reverse: bool, page: &Page) -> Result<Paged<HistoryRow>> {
        let after = match page.token.as_deref() {
            Some(t) => Some(
                token_parts(t, "h", 1)?[0].parse::<u64>().map_err(|_| Error::InvalidToken(t.to_string()))?,
            ),
            None => None,
        };
        let (lo, hi) = match (reverse, after) {
            (false, None) => (0, u64::MAX),
            (false, Some(a)) => (a.saturating_add(1), u64::MAX),
            (true, None) => (0, u64::MAX),
            (true, Some(0)) => return Ok(Paged { items: vec![], next_token: None }),
            (true, Some(a)) => (0, a - 1),
        };
        let want = if page.limit == 0 { usize::MAX } else { page.limit + 1 };
        let mut rows = Vec::new();
        let mut pages = Pages::new();
        while !pages.done && rows.len() < want {
            let mut req = self
                .client
                .query()
                .table_name(self.executions())
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(exec_pk(arn)))
                .expression_attribute_values(":lo", s(history_sk(lo)))
                .expression_attribute_values(":hi", s(history_sk(hi)))
                .scan_index_forward(!reverse)
                .consistent_read(true)
                .set_exclusive_start_key(pages.next.take());
            if want != usize::MAX {
                req = req.limit(i32::try_from(want - rows.len()).unwrap_or(i32::MAX));
            }
            let resp = req.send().await.map_err(backend)?;
            for item in resp.items.unwrap_or_default() {
                let id = get_s(&item, "sk")?
                    .strip_prefix("H#")
                    .and_then(|d| d.parse::<u64>().ok())
                    .ok_or_else(|| Error::Backend("stored history item: bad key".into()))?;
                rows.push(HistoryRow { id, json: get_s(&item, "j")?.to_string() });
            }
            pages.advance(resp.last_evaluated_key);
        }
        if rows.is_empty() && !self.exists(arn).await? {
            return Err(Error::NotFound);
        }
        let next_token = if rows.len() > page.limit && page.limit != 0 {
            rows.truncate(page.limit);
            rows.last().map(|r| format!("h.{}", r.id))
        } else {
            None
        };
        Ok(Paged { items: rows, next_token })
    }

    async fn outbox(&self, arn: &str) -> Result<Vec<OutboxEntry>> {
        let items = self.query_all(&exec_pk(arn), "O#").await?;
        if items.is_empty() && !self.exists(arn).await? {
            return Err(Error::NotFound);
        }
        items
            .iter()
            .map(|item| {
                let sk = get_s(item, "sk")?;
                Ok(OutboxEntry {
                    key: sk.strip_prefix("O#").unwrap_or(sk).to_string(),
                    due: opt_n(item, "due")?,
                    effect: crate::item::get_b(item, "fx")?.to_vec(),
                })
            })
            .collect()
    }

    async fn executions_with_outbox(&self) -> Result<Vec<String>> {
        let mut arns = BTreeSet::new();
        for shard in 0..OUTBOX_SHARDS {
            let mut pages = Pages::new();
            while !pages.done {
                let resp = self
                    .client
                    .query()
                    .table_name(self.executions())
                    .index_name(OUTBOX)
                    .key_condition_expression("g_obx = :s")
                    .expression_attribute_values(":s", s(format!("OUTBOX#{shard}")))
                    .set_exclusive_start_key(pages.next.take())
                    .send()
                    .await
                    .map_err(backend)?;
                for item in resp.items.unwrap_or_default() {
                    if let Some(arn) = arn_of_pk(get_s(&item, "pk")?) {
                        arns.insert(arn.to_string());
                    }
                }
                pages.advance(resp.last_evaluated_key);
            }
        }
        Ok(arns.into_iter().collect())
    }
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn get_token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let resp = self
            .client
            .get_item()
            .table_name(self.executions())
            .set_key(Some(key(token_pk(hash), "T")))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        let Some(item) = resp.item else { return Ok(None) };
        Ok(Some(TokenRecord {
            hash: hash.to_string(),
            execution_arn: get_s(&item, "ex")?.to_string(),
            task: crate::item::get_b(&item, "task")?.to_vec(),
            expires: opt_n(&item, "exp_ms")?,
            activity_arn: opt_s(&item, "act")?.map(str::to_string),
        }))
    }
}
