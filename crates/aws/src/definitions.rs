//! The definition, activity and tag ports on the definitions table.
//!
//! A state machine is a partition `SM#<arn>`: its record (`SM`), its revisions (`R#<id>`, a
//! definition over 350 KB in parts `RP#<id>#<n>`), versions (`V#<number>`) and aliases
//! (`A#<name>`). Activities are items `AC#<arn>`; tags of any resource `TG#<arn>` / `K#<key>`.
//! State machines and activities carry `lk`/`ln` for the `by_name` index (ListStateMachines,
//! ListActivities by name); versions and aliases list by their sort key.

use crate::item::{
    b, backend, backoff, build_err, get_b, get_n, get_rec, get_s, hex_text, key, n, rec, s, token_parts,
    transact, transient, unhex_text, Item, Pages, TxError, CONDITION_FAILED,
};
use crate::schema::BY_NAME;
use crate::DynamoStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    ConditionCheck, DeleteRequest, Put, PutRequest, TransactWriteItem, WriteRequest,
};
use statecraft_runtime::memory::base_arn;
use statecraft_runtime::ports::{
    ActivityRecord, ActivityStore, AliasRecord, DefinitionStore, Error, Page, Paged, Result, RevisionRecord,
    StateMachineRecord, TagStore, VersionRecord,
};
use std::collections::{BTreeMap, HashMap};

/// A revision's JSON over this size is stored in parts.
const REVISION_INLINE: usize = 350_000;
/// BatchWriteItem takes at most 25 requests.
const BATCH: usize = 25;

fn sm_pk(arn: &str) -> String {
    format!("SM#{arn}")
}

fn activity_pk(arn: &str) -> String {
    format!("AC#{arn}")
}

fn tag_pk(arn: &str) -> String {
    format!("TG#{arn}")
}

fn version_sk(number: u64) -> String {
    format!("V#{number:020}")
}

/// The `by_name` sort key: name, then ARN (U+0001 sorts below every character of a name).
fn list_name(name: &str, arn: &str) -> String {
    format!("{name}\u{1}{arn}")
}

fn name_token(name: &str, arn: &str) -> String {
    format!("n.{}.{}", hex_text(name), hex_text(arn))
}

fn parse_name_token(token: &str) -> Result<(String, String)> {
    let p = token_parts(token, "n", 2)?;
    Ok((unhex_text(token, p[0])?, unhex_text(token, p[1])?))
}

/// The (state machine, qualifier) of a version or alias ARN.
fn qualified(arn: &str) -> Option<(&str, &str)> {
    let base = base_arn(arn);
    (base != arn).then(|| (base, &arn[base.len() + 1..]))
}

fn put_item(table: &str, item: Item, condition: Option<&str>) -> Result<TransactWriteItem> {
    let mut put = Put::builder().table_name(table).set_item(Some(item));
    if let Some(c) = condition {
        put = put.condition_expression(c);
    }
    Ok(TransactWriteItem::builder().put(put.build().map_err(build_err)?).build())
}

fn exists_check(table: &str, key: Item) -> Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The items of a revision: one, or a head and parts.
fn revision_items(r: &RevisionRecord) -> Result<Vec<Item>> {
    let pk = sm_pk(&r.state_machine_arn);
    let json = serde_json::to_string(r).map_err(|e| Error::Backend(format!("record: {e}")))?;
    let mut head = key(&pk, format!("R#{}", r.revision_id));
    if json.len() <= REVISION_INLINE {
        head.insert("rec".to_string(), s(json));
        return Ok(vec![head]);
    }
    let chunks: Vec<&[u8]> = json.as_bytes().chunks(REVISION_INLINE).collect();
    head.insert("parts".to_string(), n(chunks.len()));
    let mut items = vec![head];
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut part = key(&pk, format!("RP#{}#{i:04}", r.revision_id));
        part.insert("d".to_string(), b(chunk));
        items.push(part);
    }
    Ok(items)
}

impl DynamoStore {
    fn definitions(&self) -> &str {
        &self.tables.definitions
    }

    async fn def_get(&self, pk: String, sk: &str) -> Result<Option<Item>> {
        let resp = self
            .client
            .get_item()
            .table_name(self.definitions())
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(resp.item)
    }

    /// Items of a definitions partition with `lo <= sk <= hi`, in key order (or reverse), until
    /// `want` items are read.
    async fn def_range(
        &self,
        pk: String,
        lo: &str,
        hi: &str,
        forward: bool,
        want: usize,
    ) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut pages = Pages::new();
        while !pages.done && out.len() < want {
            let mut req = self
                .client
                .query()
                .table_name(self.definitions())
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(pk.clone()))
                .expression_attribute_values(":lo", s(lo))
                .expression_attribute_values(":hi", s(hi))
                .scan_index_forward(forward)
                .consistent_read(true)
                .set_exclusive_start_key(pages.next.take());
            if want != usize::MAX {
                req = req.limit(i32::try_from(want - out.len()).unwrap_or(i32::MAX));
            }
            let resp = req.send().await.map_err(backend)?;
            out.extend(resp.items.unwrap_or_default());
            pages.advance(resp.last_evaluated_key);
        }
        Ok(out)
    }

    /// A page of the `by_name` index for `lk` ("SM" or "AC").
    async fn by_name<T: serde::de::DeserializeOwned>(
        &self,
        lk: &str,
        page: &Page,
        name_arn: impl Fn(&T) -> (String, String),
    ) -> Result<Paged<T>> {
        let after = page.token.as_deref().map(parse_name_token).transpose()?;
        let want = if page.limit == 0 { usize::MAX } else { page.limit + 1 };
        let mut out: Vec<T> = Vec::new();
        let mut pages = Pages::new();
        while !pages.done && out.len() < want {
            let mut req = self
                .client
                .query()
                .table_name(self.definitions())
                .index_name(BY_NAME)
                .expression_attribute_values(":lk", s(lk))
                .set_exclusive_start_key(pages.next.take());
            req = match &after {
                Some((name, arn)) => req
                    .key_condition_expression("lk = :lk AND ln > :ln")
                    .expression_attribute_values(":ln", s(list_name(name, arn))),
                None => req.key_condition_expression("lk = :lk"),
            };
            if want != usize::MAX {
                req = req.limit(i32::try_from(want - out.len()).unwrap_or(i32::MAX));
            }
            let resp = req.send().await.map_err(backend)?;
            for item in resp.items.unwrap_or_default() {
                out.push(get_rec(&item)?);
            }
            pages.advance(resp.last_evaluated_key);
        }
        let next_token = if page.limit != 0 && out.len() > page.limit {
            out.truncate(page.limit);
            out.last().map(|x| {
                let (name, arn) = name_arn(x);
                name_token(&name, &arn)
            })
        } else {
            None
        };
        Ok(Paged { items: out, next_token })
    }

    /// Writes requests in batches of 25, resubmitting what DynamoDB leaves unprocessed.
    pub(crate) async fn batch_write(&self, table: &str, requests: Vec<WriteRequest>) -> Result<()> {
        for chunk in requests.chunks(BATCH) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                let resp = self
                    .client
                    .batch_write_item()
                    .request_items(table, pending)
                    .send()
                    .await
                    .map_err(backend)?;
                pending = resp.unprocessed_items.and_then(|mut m| m.remove(table)).unwrap_or_default();
                if !pending.is_empty() {
                    backoff(attempt).await;
                    attempt += 1;
                }
            }
        }
        Ok(())
    }

    async fn delete_keys(&self, table: &str, keys: Vec<Item>) -> Result<()> {
        let requests = keys
            .into_iter()
            .map(|k| {
                DeleteRequest::builder()
                    .set_key(Some(k))
                    .build()
                    .map(|d| WriteRequest::builder().delete_request(d).build())
                    .map_err(build_err)
            })
            .collect::<Result<Vec<_>>>()?;
        self.batch_write(table, requests).await
    }

    async fn delete_tags(&self, arn: &str) -> Result<()> {
        let keys: Vec<Item> = self
            .def_range(tag_pk(arn), "K#", "K$", true, usize::MAX)
            .await?
            .into_iter()
            .map(|i| Ok(key(tag_pk(arn), get_s(&i, "sk")?)))
            .collect::<Result<_>>()?;
        self.delete_keys(self.definitions(), keys).await
    }

    /// Deletes one item, `NotFound` if it is absent.
    async fn delete_existing(&self, pk: String, sk: &str) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(self.definitions())
            .set_key(Some(key(pk, sk)))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(Error::NotFound)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Runs a transaction, retrying collisions with other transactions; the codes of a
    /// cancellation by condition come back to the caller.
    async fn def_transact(&self, items: Vec<TransactWriteItem>) -> Result<Option<Vec<String>>> {
        for attempt in 0..8 {
            match transact(&self.client, items.clone()).await {
                Ok(()) => return Ok(None),
                Err(TxError::Other(e)) => return Err(e),
                Err(TxError::Cancelled(codes)) if codes.iter().any(|c| c == CONDITION_FAILED) => {
                    return Ok(Some(codes))
                }
                Err(TxError::Cancelled(codes)) if transient(&codes) => backoff(attempt).await,
                Err(TxError::Cancelled(codes)) => {
                    return Err(Error::Backend(format!("transaction cancelled: {codes:?}")))
                }
            }
        }
        Err(Error::Conflict)
    }
}

fn sm_item(sm: &StateMachineRecord) -> Result<Item> {
    let mut item = key(sm_pk(&sm.arn), "SM");
    item.insert("rec".to_string(), rec(sm)?);
    item.insert("upd".to_string(), n(sm.updated));
    item.insert("lk".to_string(), s("SM"));
    item.insert("ln".to_string(), s(list_name(&sm.name, &sm.arn)));
    Ok(item)
}

fn failed(codes: &[String], i: usize) -> bool {
    codes.get(i).is_some_and(|c| c == CONDITION_FAILED)
}

#[async_trait]
impl DefinitionStore for DynamoStore {
    async fn create_state_machine(&self, sm: &StateMachineRecord, revision: &RevisionRecord) -> Result<()> {
        let table = self.definitions();
        let mut items = vec![put_item(table, sm_item(sm)?, Some("attribute_not_exists(pk)"))?];
        for item in revision_items(revision)? {
            items.push(put_item(table, item, Some("attribute_not_exists(pk)"))?);
        }
        match self.def_transact(items).await? {
            None => Ok(()),
            Some(_) => Err(Error::AlreadyExists),
        }
    }

    async fn get_state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>> {
        self.def_get(sm_pk(arn), "SM").await?.map(|i| get_rec(&i)).transpose()
    }

    async fn update_state_machine(
        &self,
        sm: &StateMachineRecord,
        expected_updated: i64,
        new_revision: Option<&RevisionRecord>,
    ) -> Result<()> {
        let table = self.definitions();
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(sm_item(sm)?))
            .condition_expression("upd = :u")
            .expression_attribute_values(":u", n(expected_updated))
            .build()
            .map_err(build_err)?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        if let Some(r) = new_revision {
            for item in revision_items(r)? {
                items.push(put_item(table, item, Some("attribute_not_exists(pk)"))?);
            }
        }
        let Some(codes) = self.def_transact(items).await? else { return Ok(()) };
        if failed(&codes, 0) {
            return Err(if self.def_get(sm_pk(&sm.arn), "SM").await?.is_some() {
                Error::Conflict
            } else {
                Error::NotFound
            });
        }
        Err(Error::AlreadyExists)
    }

    async fn delete_state_machine(&self, arn: &str) -> Result<()> {
        self.delete_existing(sm_pk(arn), "SM").await?;
        // Versions and aliases (and their tags) go; revisions stay for running executions.
        let pk = sm_pk(arn);
        let mut keys = Vec::new();
        for (lo, hi) in [("V#", "V$"), ("A#", "A$")] {
            for item in self.def_range(pk.clone(), lo, hi, true, usize::MAX).await? {
                let record: serde_json::Value = get_rec(&item)?;
                if let Some(child) = record.get("arn").and_then(|a| a.as_str()) {
                    self.delete_tags(child).await?;
                }
                keys.push(key(pk.clone(), get_s(&item, "sk")?));
            }
        }
        self.delete_keys(self.definitions(), keys).await?;
        self.delete_tags(arn).await
    }

    async fn list_state_machines(&self, page: &Page) -> Result<Paged<StateMachineRecord>> {
        self.by_name("SM", page, |m: &StateMachineRecord| (m.name.clone(), m.arn.clone())).await
    }

    async fn get_revision(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Option<RevisionRecord>> {
        let pk = sm_pk(state_machine_arn);
        let Some(item) = self.def_get(pk.clone(), &format!("R#{revision_id}")).await? else {
            return Ok(None);
        };
        if item.contains_key("rec") {
            return get_rec(&item).map(Some);
        }
        let parts: usize = get_n(&item, "parts")?;
        let prefix = format!("RP#{revision_id}#");
        let items = self.def_range(pk, &prefix, &format!("{prefix}~"), true, usize::MAX).await?;
        if items.len() != parts {
            return Err(Error::Backend(format!(
                "revision {revision_id}: {} of {parts} parts stored",
                items.len()
            )));
        }
        let mut json = Vec::new();
        for part in &items {
            json.extend_from_slice(get_b(part, "d")?);
        }
        serde_json::from_slice(&json).map(Some).map_err(|e| Error::Backend(format!("stored revision: {e}")))
    }

    async fn put_version(&self, v: &VersionRecord) -> Result<()> {
        let table = self.definitions();
        let pk = sm_pk(&v.state_machine_arn);
        let mut item = key(&pk, version_sk(v.version));
        item.insert("rec".to_string(), rec(v)?);
        let items = vec![
            exists_check(table, key(&pk, "SM"))?,
            put_item(table, item, Some("attribute_not_exists(pk)"))?,
        ];
        match self.def_transact(items).await? {
            None => Ok(()),
            Some(codes) if failed(&codes, 0) => Err(Error::NotFound),
            Some(_) => Err(Error::AlreadyExists),
        }
    }

    async fn get_version(&self, arn: &str) -> Result<Option<VersionRecord>> {
        let Some((sm, number)) = qualified(arn) else { return Ok(None) };
        let Ok(number) = number.parse::<u64>() else { return Ok(None) };
        let Some(item) = self.def_get(sm_pk(sm), &version_sk(number)).await? else { return Ok(None) };
        let v: VersionRecord = get_rec(&item)?;
        Ok((v.arn == arn).then_some(v))
    }

    async fn delete_version(&self, arn: &str) -> Result<()> {
        let (sm, number) = qualified(arn).ok_or(Error::NotFound)?;
        let number = number.parse::<u64>().map_err(|_| Error::NotFound)?;
        self.delete_existing(sm_pk(sm), &version_sk(number)).await?;
        self.delete_tags(arn).await
    }

    async fn list_versions(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<VersionRecord>> {
        let before = match page.token.as_deref() {
            Some(t) => Some(
                token_parts(t, "v", 1)?[0].parse::<u64>().map_err(|_| Error::InvalidToken(t.to_string()))?,
            ),
            None => None,
        };
        let hi = match before {
            Some(0) => return Ok(Paged { items: vec![], next_token: None }),
            Some(b) => version_sk(b - 1),
            None => "V$".to_string(),
        };
        let want = if page.limit == 0 { usize::MAX } else { page.limit + 1 };
        let items = self.def_range(sm_pk(state_machine_arn), "V#", &hi, false, want).await?;
        let mut out: Vec<VersionRecord> = items.iter().map(get_rec).collect::<Result<_>>()?;
        let next_token = if page.limit != 0 && out.len() > page.limit {
            out.truncate(page.limit);
            out.last().map(|v| format!("v.{}", v.version))
        } else {
            None
        };
        Ok(Paged { items: out, next_token })
    }

    async fn put_alias(&self, a: &AliasRecord, create_only: bool) -> Result<()> {
        let table = self.definitions();
        let pk = sm_pk(&a.state_machine_arn);
        let mut item = key(&pk, format!("A#{}", a.name));
        item.insert("rec".to_string(), rec(a)?);
        let condition = create_only.then_some("attribute_not_exists(pk)");
        let items = vec![exists_check(table, key(&pk, "SM"))?, put_item(table, item, condition)?];
        match self.def_transact(items).await? {
            None => Ok(()),
            Some(codes) if failed(&codes, 0) => Err(Error::NotFound),
            Some(_) => Err(Error::AlreadyExists),
        }
    }

    async fn get_alias(&self, arn: &str) -> Result<Option<AliasRecord>> {
        let Some((sm, name)) = qualified(arn) else { return Ok(None) };
        let Some(item) = self.def_get(sm_pk(sm), &format!("A#{name}")).await? else { return Ok(None) };
        let a: AliasRecord = get_rec(&item)?;
        Ok((a.arn == arn).then_some(a))
    }

    async fn delete_alias(&self, arn: &str) -> Result<()> {
        let (sm, name) = qualified(arn).ok_or(Error::NotFound)?;
        self.delete_existing(sm_pk(sm), &format!("A#{name}")).await?;
        self.delete_tags(arn).await
    }

    async fn list_aliases(&self, state_machine_arn: &str, page: &Page) -> Result<Paged<AliasRecord>> {
        let after = page.token.as_deref().map(parse_name_token).transpose()?;
        let lo = match &after {
            Some((name, _)) => format!("A#{name}"),
            None => "A#".to_string(),
        };
        let want = if page.limit == 0 { usize::MAX } else { page.limit + 2 };
        let items = self.def_range(sm_pk(state_machine_arn), &lo, "A$", true, want).await?;
        let mut out: Vec<AliasRecord> = Vec::new();
        for item in &items {
            let a: AliasRecord = get_rec(item)?;
            // The range starts at the cursor itself: skip it.
            if after.as_ref().is_some_and(|(name, arn)| (&a.name, &a.arn) <= (name, arn)) {
                continue;
            }
            out.push(a);
        }
        let next_token = if page.limit != 0 && out.len() > page.limit {
            out.truncate(page.limit);
            out.last().map(|a| name_token(&a.name, &a.arn))
        } else {
            None
        };
        Ok(Paged { items: out, next_token })
    }
}

#[async_trait]
impl ActivityStore for DynamoStore {
    async fn create_activity(&self, a: &ActivityRecord) -> Result<ActivityRecord> {
        let mut item = key(activity_pk(&a.arn), "AC");
        item.insert("rec".to_string(), rec(a)?);
        item.insert("lk".to_string(), s("AC"));
        item.insert("ln".to_string(), s(list_name(&a.name, &a.arn)));
        let result = self
            .client
            .put_item()
            .table_name(self.definitions())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(a.clone()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                match self.get_activity(&a.arn).await? {
                    Some(stored) => Ok(stored),
                    None => Err(Error::Conflict),
                }
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_activity(&self, arn: &str) -> Result<Option<ActivityRecord>> {
        self.def_get(activity_pk(arn), "AC").await?.map(|i| get_rec(&i)).transpose()
    }

    async fn delete_activity(&self, arn: &str) -> Result<()> {
        self.delete_existing(activity_pk(arn), "AC").await?;
        self.delete_tags(arn).await
    }

    async fn list_activities(&self, page: &Page) -> Result<Paged<ActivityRecord>> {
        self.by_name("AC", page, |a: &ActivityRecord| (a.name.clone(), a.arn.clone())).await
    }
}

#[async_trait]
impl TagStore for DynamoStore {
    async fn tag(&self, arn: &str, tags: &[(String, String)]) -> Result<()> {
        // The last value of a key repeated in one call wins (a batch takes each key once).
        let unique: BTreeMap<&str, &str> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let requests = unique
            .into_iter()
            .map(|(k, v)| {
                let mut item: HashMap<_, _> = key(tag_pk(arn), format!("K#{k}"));
                item.insert("val".to_string(), s(v));
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(build_err)
            })
            .collect::<Result<Vec<_>>>()?;
        self.batch_write(self.definitions(), requests).await
    }

    async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        let unique: std::collections::BTreeSet<&String> = keys.iter().collect();
        let keys = unique.into_iter().map(|k| key(tag_pk(arn), format!("K#{k}"))).collect();
        self.delete_keys(self.definitions(), keys).await
    }

    async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>> {
        self.def_range(tag_pk(arn), "K#", "K$", true, usize::MAX)
            .await?
            .iter()
            .map(|i| {
                let sk = get_s(i, "sk")?;
                Ok((sk.strip_prefix("K#").unwrap_or(sk).to_string(), get_s(i, "val")?.to_string()))
            })
            .collect()
    }
}
