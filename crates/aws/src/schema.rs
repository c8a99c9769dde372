//! The tables' key schema and indexes, and [`create_tables`] for tests and local use.
//!
//! Both tables have a string partition key `pk` and a string sort key `sk`, on-demand
//! capacity, and only global secondary indexes (no local ones, so an execution's item
//! collection has no 10 GB cap). `docs/dynamodb.md` describes every item type.

use crate::item::{backend, build_err};
use crate::Tables;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use statecraft_runtime::ports::{Error, Result};

/// Definitions table: state machines and activities by name (`lk` = "SM" or "AC", `ln` =
/// name, U+0001, ARN).
pub(crate) const BY_NAME: &str = "by_name";
/// Executions table: execution heads by base state machine ARN, newest first (`ord`).
pub(crate) const BY_MACHINE: &str = "by_machine";
/// ... by base state machine ARN and status (`g_sms` = ARN#STATUS).
pub(crate) const BY_MACHINE_STATUS: &str = "by_machine_status";
/// ... by version ARN, alias ARN and parent (map run) ARN: sparse.
pub(crate) const BY_VERSION: &str = "by_version";
pub(crate) const BY_ALIAS: &str = "by_alias";
pub(crate) const BY_PARENT: &str = "by_parent";
/// Outbox entries, sharded (`g_obx` = OUTBOX#n) and ordered by due time (`g_due`): what a
/// restarted shell or a sweeper resumes, without a table scan.
pub(crate) const OUTBOX: &str = "outbox";
/// Shards of the outbox index: spreads outbox writes over partitions of the index.
pub(crate) const OUTBOX_SHARDS: u8 = 16;

/// The summary attributes every listing index projects.
pub(crate) const SUMMARY_ATTRS: [&str; 3] = ["sum", "ins", "outs"];

/// The TTL attribute of token items (seconds since the epoch).
pub(crate) const TTL_ATTR: &str = "expires";

fn attr(name: &str) -> Result<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(build_err)
}

fn n_attr(name: &str) -> Result<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::N)
        .build()
        .map_err(build_err)
}

fn keys(hash: &str, range: &str) -> Result<Vec<KeySchemaElement>> {
    Ok(vec![
        KeySchemaElement::builder()
            .attribute_name(hash)
            .key_type(KeyType::Hash)
            .build()
            .map_err(build_err)?,
        KeySchemaElement::builder()
            .attribute_name(range)
            .key_type(KeyType::Range)
            .build()
            .map_err(build_err)?,
    ])
}

fn index(name: &str, hash: &str, range: &str, include: &[&str]) -> Result<GlobalSecondaryIndex> {
    let projection = if include.is_empty() {
        Projection::builder().projection_type(ProjectionType::KeysOnly).build()
    } else {
        Projection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(include.iter().map(|a| a.to_string()).collect()))
            .build()
    };
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .set_key_schema(Some(keys(hash, range)?))
        .projection(projection)
        .build()
        .map_err(build_err)
}

/// Creates both tables (on-demand) with their indexes and the tokens' TTL, and waits until
/// they are active. Tables that exist already are left as they are.
pub async fn create_tables(client: &Client, tables: &Tables) -> Result<()> {
    let definitions = client
        .create_table()
        .table_name(&tables.definitions)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(vec![attr("pk")?, attr("sk")?, attr("lk")?, attr("ln")?]))
        .set_key_schema(Some(keys("pk", "sk")?))
        .global_secondary_indexes(index(BY_NAME, "lk", "ln", &["rec"])?);
    create(definitions.send().await)?;

    let by_ord = |name: &str, hash: &str| index(name, hash, "ord", &SUMMARY_ATTRS);
    let executions = client
        .create_table()
        .table_name(&tables.executions)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(vec![
            attr("pk")?,
            attr("sk")?,
            attr("ord")?,
            attr("g_sm")?,
            attr("g_sms")?,
            attr("g_ver")?,
            attr("g_ali")?,
            attr("g_par")?,
            attr("g_obx")?,
            n_attr("g_due")?,
        ]))
        .set_key_schema(Some(keys("pk", "sk")?))
        .global_secondary_indexes(by_ord(BY_MACHINE, "g_sm")?)
        .global_secondary_indexes(by_ord(BY_MACHINE_STATUS, "g_sms")?)
        .global_secondary_indexes(by_ord(BY_VERSION, "g_ver")?)
        .global_secondary_indexes(by_ord(BY_ALIAS, "g_ali")?)
        .global_secondary_indexes(by_ord(BY_PARENT, "g_par")?)
        .global_secondary_indexes(index(OUTBOX, "g_obx", "g_due", &[])?);
    let created = create(executions.send().await)?;

    for table in [&tables.definitions, &tables.executions] {
        wait_active(client, table).await?;
    }
    if created {
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL_ATTR)
            .build()
            .map_err(build_err)?;
        client
            .update_time_to_live()
            .table_name(&tables.executions)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// True when the table was created, false when it existed.
fn create<R>(
    result: std::result::Result<
        R,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::create_table::CreateTableError,
            aws_smithy_runtime_api::http::Response,
        >,
    >,
) -> Result<bool> {
    use aws_sdk_dynamodb::operation::create_table::CreateTableError;
    match result {
        Ok(_) => Ok(true),
        Err(e) => match e.as_service_error() {
            Some(CreateTableError::ResourceInUseException(_)) => Ok(false),
            _ => Err(backend(e)),
        },
    }
}

/// Polls DescribeTable until the table and its indexes are ACTIVE (immediately on moto;
/// seconds on DynamoDB), for at most five minutes.
async fn wait_active(client: &Client, table: &str) -> Result<()> {
    use aws_sdk_dynamodb::types::{IndexStatus, TableStatus};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let out = client.describe_table().table_name(table).send().await.map_err(backend)?;
        let t = out.table();
        // moto leaves some statuses out: what is not reported is taken as active.
        let active = t.is_some_and(|t| {
            t.table_status().is_none_or(|s| s == &TableStatus::Active)
                && t.global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status().is_none_or(|s| s == &IndexStatus::Active))
        });
        if active {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::Backend(format!("table {table} is not active after five minutes")));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
