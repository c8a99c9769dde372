//! Attribute helpers, size accounting and error mapping shared by every table module.
//!
//! Items are plain `HashMap<String, AttributeValue>`s built and read through these helpers; a
//! missing or mistyped attribute is a `Backend` error (a table written by something else), never
//! a panic.

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use statecraft_runtime::ports::{Error, Result};
use std::collections::HashMap;
use std::str::FromStr;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// DynamoDB's item limit is 400 KB (409,600 bytes, attribute names included); every item this
/// crate writes is checked against this lower bound, which leaves room for the estimate's error.
pub(crate) const MAX_ITEM: usize = 400_000;
/// `TransactWriteItems` takes at most 100 actions and 4 MB.
pub(crate) const MAX_TX_ITEMS: usize = 100;
pub(crate) const MAX_TX_BYTES: usize = 4_000_000;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn b(v: impl Into<Vec<u8>>) -> AttributeValue {
    AttributeValue::B(Blob::new(v))
}

pub(crate) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

fn bad(name: &str, what: &str) -> Error {
    Error::Backend(format!("stored item: attribute {name:?} {what}"))
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str> {
    opt_s(item, name)?.ok_or_else(|| bad(name, "is missing"))
}

pub(crate) fn opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v.as_str())),
        Some(_) => Err(bad(name, "is not a string")),
    }
}

pub(crate) fn get_n<T: FromStr>(item: &Item, name: &str) -> Result<T> {
    opt_n(item, name)?.ok_or_else(|| bad(name, "is missing"))
}

pub(crate) fn opt_n<T: FromStr>(item: &Item, name: &str) -> Result<Option<T>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| bad(name, "is not a valid number")),
        Some(_) => Err(bad(name, "is not a number")),
    }
}

pub(crate) fn get_b<'a>(item: &'a Item, name: &str) -> Result<&'a [u8]> {
    opt_b(item, name)?.ok_or_else(|| bad(name, "is missing"))
}

pub(crate) fn opt_b<'a>(item: &'a Item, name: &str) -> Result<Option<&'a [u8]>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::B(v)) => Ok(Some(v.as_ref())),
        Some(_) => Err(bad(name, "is not binary")),
    }
}

pub(crate) fn get_bool(item: &Item, name: &str) -> Result<bool> {
    match item.get(name) {
        None => Ok(false),
        Some(AttributeValue::Bool(v)) => Ok(*v),
        Some(_) => Err(bad(name, "is not a boolean")),
    }
}

/// A JSON record stored in attribute `rec`.
pub(crate) fn get_rec<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T> {
    serde_json::from_str(get_s(item, "rec")?).map_err(|e| Error::Backend(format!("stored record: {e}")))
}

pub(crate) fn rec<T: serde::Serialize>(value: &T) -> Result<AttributeValue> {
    serde_json::to_string(value).map(s).map_err(|e| Error::Backend(format!("record: {e}")))
}

/// An upper estimate of an attribute value's stored size (DynamoDB's rules: strings and
/// binaries by length, numbers by digits, containers with a small overhead per element).
fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(x) | AttributeValue::N(x) => x.len() + 1,
        AttributeValue::B(x) => x.as_ref().len() + 1,
        AttributeValue::Ss(x) | AttributeValue::Ns(x) => x.iter().map(|e| e.len() + 1).sum::<usize>() + 3,
        AttributeValue::L(x) => x.iter().map(|e| value_size(e) + 1).sum::<usize>() + 3,
        AttributeValue::M(x) => x.iter().map(|(k, e)| k.len() + value_size(e) + 1).sum::<usize>() + 3,
        _ => 4,
    }
}

/// An upper estimate of an item's stored size.
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// `TooLarge` unless the item fits DynamoDB's limit.
pub(crate) fn check_item(item: &Item, what: &str) -> Result<()> {
    let size = item_size(item);
    if size > MAX_ITEM {
        return Err(Error::TooLarge(format!(
            "{what} is {size} bytes; a DynamoDB item holds at most {MAX_ITEM}"
        )));
    }
    Ok(())
}

/// Maps an SDK failure to `Backend`, with the whole error chain in the message.
pub(crate) fn backend<E, R>(e: SdkError<E, R>) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Error::Backend(format!("{}", DisplayErrorContext(e)))
}

pub(crate) fn build_err(e: aws_smithy_types::error::operation::BuildError) -> Error {
    Error::Backend(format!("request: {e}"))
}

/// What a transaction's failure says: per action, the cancellation reason code ("None" for
/// actions that would have succeeded), or the whole call's error.
pub(crate) enum TxError {
    Cancelled(Vec<String>),
    Other(Error),
}

/// Sends one `TransactWriteItems`.
pub(crate) async fn transact(
    client: &Client,
    items: Vec<TransactWriteItem>,
) -> std::result::Result<(), TxError> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    if items.is_empty() {
        return Ok(());
    }
    let count = items.len();
    match client.transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => Ok(()),
        Err(e) => match e.into_service_error() {
            TransactWriteItemsError::TransactionCanceledException(c) => {
                let mut codes: Vec<String> =
                    c.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_string()).collect();
                codes.resize(count, "None".to_string());
                Err(TxError::Cancelled(codes))
            }
            TransactWriteItemsError::TransactionInProgressException(_) => {
                Err(TxError::Cancelled(vec!["TransactionConflict".to_string(); count]))
            }
            other => {
                let text = format!("{}", DisplayErrorContext(&other));
                if text.contains("Item size")
                    || text.contains("item size")
                    || text.contains("size has exceeded")
                {
                    Err(TxError::Other(Error::TooLarge(text)))
                } else {
                    Err(TxError::Other(Error::Backend(format!("TransactWriteItems: {text}"))))
                }
            }
        },
    }
}

pub(crate) const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Whether any cancellation reason is a conflict with another transaction (worth a retry).
pub(crate) fn transient(codes: &[String]) -> bool {
    codes
        .iter()
        .any(|c| c == "TransactionConflict" || c == "ThrottlingError" || c == "ProvisionedThroughputExceeded")
}

/// A short pause before retrying a transaction that collided with another one: grows with the
/// attempt, jittered by the clock's nanoseconds so that colliding writers spread out.
pub(crate) async fn backoff(attempt: u32) {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos() % 1000))
        .unwrap_or(0);
    let ms = (5u64 << attempt.min(6)) + jitter % 10;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Hex-encodes text so that page tokens are plain ASCII and split unambiguously on '.'.
pub(crate) fn hex_text(v: &str) -> String {
    hex::encode(v.as_bytes())
}

pub(crate) fn unhex_text(token: &str, v: &str) -> Result<String> {
    let bytes = hex::decode(v).map_err(|_| Error::InvalidToken(token.to_string()))?;
    String::from_utf8(bytes).map_err(|_| Error::InvalidToken(token.to_string()))
}

/// Splits a token `"<tag>.<a>.<b>..."` into its `n` parts after checking the tag.
pub(crate) fn token_parts<'t>(token: &'t str, tag: &str, n: usize) -> Result<Vec<&'t str>> {
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

/// Collects every item of a query or scan, page by page (`LastEvaluatedKey`).
pub(crate) struct Pages {
    pub(crate) next: Option<Item>,
    pub(crate) done: bool,
}

impl Pages {
    pub(crate) fn new() -> Pages {
        Pages { next: None, done: false }
    }

    /// Records a page's `LastEvaluatedKey`; `done` once there is none.
    pub(crate) fn advance(&mut self, last: Option<Item>) {
        self.done = last.is_none();
        self.next = last;
    }
}
