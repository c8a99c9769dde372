//! ListExecutions over the listing indexes: newest first (`ord`: start time, creation time,
//! ARN), keyset pages whose token names the last execution returned (`ord < token` continues).
//!
//! The index is chosen from the filter (map run, version, alias, state machine and status,
//! state machine); the remaining conditions are checked on the projected summaries. Without a
//! state machine or map run (which the Step Functions API always requires) the listing scans
//! the `by_machine` index: fine for tests and small tables, not meant for production use.

use crate::executions::arn_of_pk;
use crate::item::{backend, get_s, s, token_parts, unhex_text, Item, Pages};
use crate::schema::{BY_ALIAS, BY_MACHINE, BY_MACHINE_STATUS, BY_PARENT, BY_VERSION};
use crate::DynamoStore;
use statecraft_runtime::memory::{base_arn, redrive_filter};
use statecraft_runtime::ports::{Error, ExecutionFilter, ExecutionSummary, Page, Paged, Result};

/// ListExecutions' filters on one summary (the meaning `statecraft_runtime::store_tests` fixes).
fn matches(filter: &ExecutionFilter, s: &ExecutionSummary) -> Result<bool> {
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
    if filter.status.is_some_and(|status| s.status != status) {
        return Ok(false);
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

/// The index and partition that hold every execution the filter can match, if one does.
fn index_for(filter: &ExecutionFilter) -> Option<(&'static str, &'static str, String)> {
    if let Some(parent) = &filter.map_run_arn {
        return Some((BY_PARENT, "g_par", parent.clone()));
    }
    if let Some(v) = &filter.version_arn {
        return Some((BY_VERSION, "g_ver", v.clone()));
    }
    if let Some(a) = &filter.alias_arn {
        return Some((BY_ALIAS, "g_ali", a.clone()));
    }
    let arn = filter.state_machine_arn.as_ref()?;
    let base = base_arn(arn);
    if base != arn {
        // Version qualifiers are numbers; alias names cannot be.
        let qualifier = &arn[base.len() + 1..];
        return Some(if qualifier.bytes().all(|c| c.is_ascii_digit()) {
            (BY_VERSION, "g_ver", arn.clone())
        } else {
            (BY_ALIAS, "g_ali", arn.clone())
        });
    }
    Some(match filter.status {
        Some(status) => (BY_MACHINE_STATUS, "g_sms", format!("{base}#{}", status.as_str())),
        None => (BY_MACHINE, "g_sm", arn.clone()),
    })
}

fn parse_token(token: &str) -> Result<String> {
    let ord = unhex_text(token, token_parts(token, "e", 1)?[0])?;
    let mut parts = ord.splitn(3, '.');
    let numeric = |p: Option<&str>| p.is_some_and(|p| p.len() == 20 && p.bytes().all(|c| c.is_ascii_digit()));
    if !numeric(parts.next()) || !numeric(parts.next()) || parts.next().is_none_or(str::is_empty) {
        return Err(Error::InvalidToken(token.to_string()));
    }
    Ok(ord)
}

pub(crate) async fn list_executions(
    store: &DynamoStore,
    filter: &ExecutionFilter,
    page: &Page,
) -> Result<Paged<ExecutionSummary>> {
    redrive_filter(filter)?;
    let before = page.token.as_deref().map(parse_token).transpose()?;
    let want = if page.limit == 0 { usize::MAX } else { page.limit + 1 };
    let mut found: Vec<(String, ExecutionSummary)> = Vec::new();
    match index_for(filter) {
        Some((index, attr, value)) => {
            let mut pages = Pages::new();
            while !pages.done && found.len() < want {
                let mut req = store
                    .client
                    .query()
                    .table_name(&store.tables.executions)
                    .index_name(index)
                    .expression_attribute_names("#k", attr)
                    .expression_attribute_values(":k", s(value.clone()))
                    .scan_index_forward(false)
                    .set_exclusive_start_key(pages.next.take());
                req = match &before {
                    Some(ord) => req
                        .key_condition_expression("#k = :k AND ord < :o")
                        .expression_attribute_values(":o", s(ord.clone())),
                    None => req.key_condition_expression("#k = :k"),
                };
                let resp = req.send().await.map_err(backend)?;
                for item in resp.items.unwrap_or_default() {
                    if found.len() < want {
                        keep(store, filter, &item, &mut found).await?;
                    }
                }
                pages.advance(resp.last_evaluated_key);
            }
        }
        None => {
            let mut all: Vec<Item> = Vec::new();
            let mut pages = Pages::new();
            while !pages.done {
                let resp = store
                    .client
                    .scan()
                    .table_name(&store.tables.executions)
                    .index_name(BY_MACHINE)
                    .set_exclusive_start_key(pages.next.take())
                    .send()
                    .await
                    .map_err(backend)?;
                all.extend(resp.items.unwrap_or_default());
                pages.advance(resp.last_evaluated_key);
            }
            let mut keyed: Vec<(String, Item)> = all
                .into_iter()
                .filter_map(|i| get_s(&i, "ord").ok().map(str::to_string).map(|o| (o, i)))
                .collect();
            keyed.sort_by(|a, b| b.0.cmp(&a.0));
            for (ord, item) in keyed {
                if found.len() >= want {
                    break;
                }
                if before.as_ref().is_none_or(|b| &ord < b) {
                    keep(store, filter, &item, &mut found).await?;
                }
            }
        }
    }
    let next_token = if page.limit != 0 && found.len() > page.limit {
        found.truncate(page.limit);
        found.last().map(|(ord, _)| format!("e.{}", crate::item::hex_text(ord)))
    } else {
        None
    };
    Ok(Paged { items: found.into_iter().map(|(_, s)| s).collect(), next_token })
}

/// Adds an index item's execution to `found` if it matches the filter.
async fn keep(
    store: &DynamoStore,
    filter: &ExecutionFilter,
    item: &Item,
    found: &mut Vec<(String, ExecutionSummary)>,
) -> Result<()> {
    let ord = get_s(item, "ord")?.to_string();
    let Some(arn) = arn_of_pk(get_s(item, "pk")?) else { return Ok(()) };
    let summary = match store.summary_of(arn, item).await? {
        Some(summary) => Some(summary),
        // Its large input or output changed while it was read: read it again whole.
        None => {
            use statecraft_runtime::ports::ExecutionStore;
            store.get_execution(arn).await?.map(|r| r.summary)
        }
    };
    if let Some(summary) = summary {
        if matches(filter, &summary)? {
            found.push((ord, summary));
        }
    }
    Ok(())
}
