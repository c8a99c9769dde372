//! The detached fan-out port on the executions table.
//!
//! A fan-out is a partition `F#<key>`: the join record (`F`: the record as JSON, `total`,
//! `maxc` and the counters `started`, `succ`, `fail`, `dec`; `dec`, `fail` and `total` are
//! reserved words in expressions, so they go through placeholders), one item per child input
//! (`I#<index>`), child state (`C#<index>`, versioned) and outcome (`R#<index>`). Counters move
//! by conditional updates, so they are exact under any number of concurrent children; an
//! outcome and its counter move in one transaction, so an outcome is counted exactly once.
//! History ids come from a counter item per execution (`E#<arn>` / `N`).

use crate::executions::exec_pk;
use crate::item::{
    b, backend, backoff, build_err, check_item, get_bool, get_n, get_rec, get_s, item_size, key, n, opt_s,
    rec, s, transact, transient, Item, Pages, TxError, CONDITION_FAILED, MAX_TX_BYTES, MAX_TX_ITEMS,
};
use crate::DynamoStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, PutRequest, ReturnValue, TransactWriteItem, Update, WriteRequest,
};
use statecraft_runtime::fanout_store::{ChildState, FanoutCounts, FanoutRecord, FanoutStore};
use statecraft_runtime::ports::{Error, HistoryRow, Result};
use std::collections::HashSet;

/// How often a claim re-reads the counters after losing to another claim or outcome.
const CLAIM_ATTEMPTS: u32 = 64;

fn fanout_pk(key: &str) -> String {
    format!("F#{key}")
}

fn index_sk(kind: char, index: u32) -> String {
    format!("{kind}#{index:010}")
}

fn counts(item: &Item) -> Result<FanoutCounts> {
    Ok(FanoutCounts {
        started: get_n(item, "started")?,
        succeeded: get_n(item, "succ")?,
        failed: get_n(item, "fail")?,
        decided: get_bool(item, "dec")?,
    })
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

impl DynamoStore {
    async fn fanout_item(&self, key_: &str) -> Result<Option<Item>> {
        let resp = self
            .client
            .get_item()
            .table_name(&self.tables.executions)
            .set_key(Some(key(fanout_pk(key_), "F")))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(resp.item)
    }

    async fn fanout_get(&self, key_: &str, sk: String) -> Result<Option<Item>> {
        let resp = self
            .client
            .get_item()
            .table_name(&self.tables.executions)
            .set_key(Some(key(fanout_pk(key_), sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(resp.item)
    }
}

#[async_trait]
impl FanoutStore for DynamoStore {
    async fn create_fanout(&self, fanout: &FanoutRecord, inputs: &[String]) -> Result<()> {
        if self.fanout_item(&fanout.key).await?.is_some() {
            return Ok(());
        }
        let pk = fanout_pk(&fanout.key);
        // Inputs first (idempotent puts, many batches), the record last: a fan-out is visible
        // only once all its inputs are stored.
        let mut requests = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let mut item = key(&pk, index_sk('I', i as u32));
            item.insert("d".to_string(), s(input.clone()));
            check_item(&item, "a child input")?;
            let put = PutRequest::builder().set_item(Some(item)).build().map_err(build_err)?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(&self.tables.executions, requests).await?;
        let mut item = key(&pk, "F");
        item.insert("rec".to_string(), rec(fanout)?);
        item.insert("total".to_string(), n(fanout.total));
        item.insert("maxc".to_string(), n(fanout.max_concurrency));
        item.insert("started".to_string(), n(0));
        item.insert("succ".to_string(), n(0));
        item.insert("fail".to_string(), n(0));
        item.insert("dec".to_string(), AttributeValue::Bool(false));
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.executions)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_fanout(&self, key_: &str) -> Result<Option<(FanoutRecord, FanoutCounts)>> {
        let Some(item) = self.fanout_item(key_).await? else { return Ok(None) };
        Ok(Some((get_rec(&item)?, counts(&item)?)))
    }

    async fn claim(&self, key_: &str, n_: u32) -> Result<Vec<u32>> {
        for attempt in 0..CLAIM_ATTEMPTS {
            let item = self.fanout_item(key_).await?.ok_or(Error::NotFound)?;
            let c = counts(&item)?;
            let total: u32 = get_n(&item, "total")?;
            let maxc: u32 = get_n(&item, "maxc")?;
            if c.decided {
                return Ok(vec![]);
            }
            let mut k = n_.min(total.saturating_sub(c.started));
            if maxc != 0 {
                k = k.min(maxc.saturating_sub(c.running()));
            }
            if k == 0 {
                return Ok(vec![]);
            }
            // Outcomes only lower the running count, so a claim computed from these counters
            // stays within the limit as long as no other claim moved `started`.
            let result = self
                .client
                .update_item()
                .table_name(&self.tables.executions)
                .set_key(Some(key(fanout_pk(key_), "F")))
                .update_expression("SET started = :next")
                .condition_expression("started = :seen AND #dec = :no")
                .expression_attribute_names("#dec", "dec")
                .expression_attribute_values(":next", n(c.started + k))
                .expression_attribute_values(":seen", n(c.started))
                .expression_attribute_values(":no", AttributeValue::Bool(false))
                .send()
                .await;
            match result {
                Ok(_) => return Ok((c.started..c.started + k).collect()),
                Err(e) if e.as_service_error().is_some_and(is_condition_failure) => {
                    if attempt > 8 {
                        backoff(attempt.min(4)).await;
                    }
                }
                Err(e) => return Err(backend(e)),
            }
        }
        Err(Error::Conflict)
    }

    async fn child_input(&self, key_: &str, index: u32) -> Result<Option<String>> {
        let item = self.fanout_get(key_, index_sk('I', index)).await?;
        Ok(item.map(|i| get_s(&i, "d").map(str::to_string)).transpose()?)
    }

    async fn get_child(&self, key_: &str, index: u32) -> Result<Option<ChildState>> {
        let Some(item) = self.fanout_get(key_, index_sk('C', index)).await? else { return Ok(None) };
        Ok(Some(ChildState { state: crate::item::get_b(&item, "st")?.to_vec(), version: get_n(&item, "v")? }))
    }

    async fn put_child(&self, key_: &str, index: u32, expected_version: u64, state: &[u8]) -> Result<()> {
        let table = &self.tables.executions;
        let pk = fanout_pk(key_);
        let mut item = key(&pk, index_sk('C', index));
        item.insert("st".to_string(), b(state));
        item.insert("v".to_string(), n(expected_version + 1));
        check_item(&item, "a child state")?;
        let put = if expected_version == 0 {
            Put::builder().condition_expression("attribute_not_exists(pk)")
        } else {
            Put::builder()
                .condition_expression("v = :e")
                .expression_attribute_values(":e", n(expected_version))
        };
        let put = put.table_name(table).set_item(Some(item)).build().map_err(build_err)?;
        let check = ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(key(&pk, "F")))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(build_err)?;
        let items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        for attempt in 0..8 {
            match transact(&self.client, items.clone()).await {
                Ok(()) => return Ok(()),
                Err(TxError::Other(e)) => return Err(e),
                Err(TxError::Cancelled(codes)) if codes[0] == CONDITION_FAILED => {
                    return Err(Error::NotFound)
                }
                Err(TxError::Cancelled(codes)) if codes[1] == CONDITION_FAILED => {
                    return Err(Error::Conflict)
                }
                Err(TxError::Cancelled(codes)) if transient(&codes) => backoff(attempt).await,
                Err(TxError::Cancelled(codes)) => {
                    return Err(Error::Backend(format!("put_child cancelled: {codes:?}")))
                }
            }
        }
        Err(Error::Conflict)
    }

    async fn record_outcome(
        &self,
        key_: &str,
        index: u32,
        outcome: std::result::Result<String, String>,
    ) -> Result<(FanoutCounts, bool)> {
        let table = &self.tables.executions;
        let pk = fanout_pk(key_);
        let mut item = key(&pk, index_sk('R', index));
        let counter = match &outcome {
            Ok(output) => {
                item.insert("ok".to_string(), s(output.clone()));
                "succ"
            }
            Err(failure) => {
                item.insert("err".to_string(), s(failure.clone()));
                "fail"
            }
        };
        check_item(&item, "a child outcome")?;
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_err)?;
        let update = Update::builder()
            .table_name(table)
            .set_key(Some(key(&pk, "F")))
            .update_expression("ADD #counter :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(build_err)?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        let mut recorded = false;
        for attempt in 0..8 {
            match transact(&self.client, items.clone()).await {
                Ok(()) => {
                    recorded = true;
                    break;
                }
                Err(TxError::Other(e)) => return Err(e),
                Err(TxError::Cancelled(codes)) if codes[0] == CONDITION_FAILED => {
                    return Err(Error::NotFound)
                }
                Err(TxError::Cancelled(codes)) if codes[1] == CONDITION_FAILED => break,
                Err(TxError::Cancelled(codes)) if transient(&codes) => backoff(attempt).await,
                Err(TxError::Cancelled(codes)) => {
                    return Err(Error::Backend(format!("record_outcome cancelled: {codes:?}")))
                }
            }
        }
        // The counters after this outcome (and perhaps after others recorded meanwhile).
        let item = self.fanout_item(key_).await?.ok_or(Error::NotFound)?;
        Ok((counts(&item)?, recorded))
    }

    async fn decide(&self, key_: &str) -> Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.executions)
            .set_key(Some(key(fanout_pk(key_), "F")))
            .update_expression("SET #dec = :yes")
            .condition_expression("#dec = :no")
            .expression_attribute_names("#dec", "dec")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => {
                if self.fanout_item(key_).await?.is_some() {
                    Ok(false)
                } else {
                    Err(Error::NotFound)
                }
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn results(&self, key_: &str) -> Result<Vec<Option<String>>> {
        let item = self.fanout_item(key_).await?.ok_or(Error::NotFound)?;
        let total: u32 = get_n(&item, "total")?;
        let mut out = vec![None; total as usize];
        let pk = fanout_pk(key_);
        let mut pages = Pages::new();
        while !pages.done {
            let resp = self
                .client
                .query()
                .table_name(&self.tables.executions)
                .key_condition_expression("pk = :pk AND begins_with(sk, :r)")
                .expression_attribute_values(":pk", s(pk.clone()))
                .expression_attribute_values(":r", s("R#"))
                .consistent_read(true)
                .set_exclusive_start_key(pages.next.take())
                .send()
                .await
                .map_err(backend)?;
            for item in resp.items.unwrap_or_default() {
                let index: usize = get_s(&item, "sk")?
                    .strip_prefix("R#")
                    .and_then(|i| i.parse().ok())
                    .ok_or_else(|| Error::Backend("stored outcome: bad key".into()))?;
                if let (Some(slot), Some(output)) = (out.get_mut(index), opt_s(&item, "ok")?) {
                    *slot = Some(output.to_string());
                }
            }
            pages.advance(resp.last_evaluated_key);
        }
        Ok(out)
    }

    async fn allocate_history_ids(&self, execution_arn: &str, n_: u64) -> Result<u64> {
        let resp = self
            .client
            .update_item()
            .table_name(&self.tables.executions)
            .set_key(Some(key(exec_pk(execution_arn), "N")))
            .update_expression("ADD #nxt :n")
            .expression_attribute_names("#nxt", "nxt")
            .expression_attribute_values(":n", n(n_))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(backend)?;
        let after: u64 = get_n(&resp.attributes.unwrap_or_default(), "nxt")?;
        Ok(after - n_ + 1)
    }

    async fn append_history(&self, execution_arn: &str, rows: &[HistoryRow]) -> Result<()> {
        let mut seen = HashSet::new();
        if let Some(row) = rows.iter().find(|r| !seen.insert(r.id)) {
            return Err(Error::Backend(format!("duplicate history event id {}", row.id)));
        }
        // One transaction per batch of 100 rows (or 4 MB): atomic up to that size, and each
        // row conditional on its id being free.
        let pk = exec_pk(execution_arn);
        let mut batches: Vec<Vec<TransactWriteItem>> = vec![Vec::new()];
        let mut ids: Vec<Vec<u64>> = vec![Vec::new()];
        let mut bytes = 0;
        for row in rows {
            let mut item: Item = key(&pk, format!("H#{:020}", row.id));
            item.insert("j".to_string(), s(row.json.clone()));
            check_item(&item, "a history event")?;
            let size = item_size(&item) + 64;
            let full = batches.last().is_some_and(|b| b.len() == MAX_TX_ITEMS) || bytes + size > MAX_TX_BYTES;
            if full {
                batches.push(Vec::new());
                ids.push(Vec::new());
                bytes = 0;
            }
            bytes += size;
            let put = Put::builder()
                .table_name(&self.tables.executions)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(build_err)?;
            if let (Some(batch), Some(batch_ids)) = (batches.last_mut(), ids.last_mut()) {
                batch.push(TransactWriteItem::builder().put(put).build());
                batch_ids.push(row.id);
            }
        }
        for (batch, batch_ids) in batches.into_iter().zip(ids) {
            let mut attempt = 0;
            loop {
                match transact(&self.client, batch.clone()).await {
                    Ok(()) => break,
                    Err(TxError::Other(e)) => return Err(e),
                    Err(TxError::Cancelled(codes)) => {
                        if let Some(i) = codes.iter().position(|c| c == CONDITION_FAILED) {
                            let id = batch_ids.get(i).copied().unwrap_or_default();
                            return Err(Error::Backend(format!(
                                "history event id {id} of {execution_arn} is taken"
                            )));
                        }
                        if !transient(&codes) || attempt >= 8 {
                            return Err(Error::Backend(format!("append_history cancelled: {codes:?}")));
                        }
                        backoff(attempt).await;
                        attempt += 1;
                    }
                }
            }
        }
        Ok(())
    }
}
