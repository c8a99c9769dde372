//! Amazon DynamoDB: `dynamodb:{getItem, putItem, updateItem, deleteItem}` (optimized) and
//! `aws-sdk:dynamodb:{getItem, putItem, updateItem, deleteItem, query, scan}`.
//!
//! Items, keys and expression values are DynamoDB JSON both ways (`{"S": "x"}`, `{"N": "1"}`,
//! `{"B": BASE64}`, `SS`/`NS`/`BS`, `M`, `L`, `NULL`, `BOOL`), as in AWS. The legacy members
//! (`Expected`, `AttributeUpdates`, `KeyConditions`, `QueryFilter`, `ScanFilter`) are not
//! supported: a task using them fails before sending.

use crate::catalog::{Form, Service, Target};
use crate::error::{mapper, Failure};
use crate::input::{blob, kind, to_base64, Params};
use crate::metadata::{add_sdk_metadata, sorted, Capture};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, Capacity, ConditionalOperator, ConsumedCapacity, ItemCollectionMetrics,
    ReturnConsumedCapacity, ReturnItemCollectionMetrics, ReturnValue, ReturnValuesOnConditionCheckFailure,
    Select,
};
use aws_sdk_dynamodb::Client;
use aws_types::request_id::RequestId;
use serde_json::{json, Map, Number, Value};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

pub(crate) async fn invoke(
    client: &Client,
    target: Target,
    arn: &str,
    input: &Value,
) -> Result<Value, Failure> {
    let form = target.form;
    let mut p = Params::new(arn, input)?;
    let capture = Capture::default();
    let mut m = Map::new();
    let request_id: Option<String>;
    match target.action {
        "getItem" => {
            let request = client
                .get_item()
                .set_table_name(p.string("TableName"))
                .set_key(item(&mut p, "Key")?)
                .set_attributes_to_get(p.strings("AttributesToGet")?)
                .set_consistent_read(p.bool("ConsistentRead")?)
                .set_projection_expression(p.string("ProjectionExpression"))
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_return_consumed_capacity(
                    p.string("ReturnConsumedCapacity").map(|s| ReturnConsumedCapacity::from(s.as_str())),
                );
            p.finish()?;
            let out = request
                .customize()
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(mapper(Service::DynamoDb, form))?;
            put_item_map(&mut m, "Item", out.item());
            put_consumed(&mut m, out.consumed_capacity());
            request_id = out.request_id().map(str::to_string);
        }
        "putItem" => {
            let request = client
                .put_item()
                .set_table_name(p.string("TableName"))
                .set_item(item(&mut p, "Item")?)
                .set_condition_expression(p.string("ConditionExpression"))
                .set_conditional_operator(
                    p.string("ConditionalOperator").map(|s| ConditionalOperator::from(s.as_str())),
                )
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_expression_attribute_values(item(&mut p, "ExpressionAttributeValues")?)
                .set_return_values(return_value(&mut p))
                .set_return_consumed_capacity(return_consumed(&mut p))
                .set_return_item_collection_metrics(return_metrics(&mut p))
                .set_return_values_on_condition_check_failure(return_on_failure(&mut p));
            p.finish()?;
            let out = request
                .customize()
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(mapper(Service::DynamoDb, form))?;
            put_item_map(&mut m, "Attributes", out.attributes());
            put_consumed(&mut m, out.consumed_capacity());
            put_metrics(&mut m, out.item_collection_metrics());
            request_id = out.request_id().map(str::to_string);
        }
        "updateItem" => {
            let request = client
                .update_item()
                .set_table_name(p.string("TableName"))
                .set_key(item(&mut p, "Key")?)
                .set_update_expression(p.string("UpdateExpression"))
                .set_condition_expression(p.string("ConditionExpression"))
                .set_conditional_operator(
                    p.string("ConditionalOperator").map(|s| ConditionalOperator::from(s.as_str())),
                )
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_expression_attribute_values(item(&mut p, "ExpressionAttributeValues")?)
                .set_return_values(return_value(&mut p))
                .set_return_consumed_capacity(return_consumed(&mut p))
                .set_return_item_collection_metrics(return_metrics(&mut p))
                .set_return_values_on_condition_check_failure(return_on_failure(&mut p));
            p.finish()?;
            let out = request
                .customize()
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(mapper(Service::DynamoDb, form))?;
            put_item_map(&mut m, "Attributes", out.attributes());
            put_consumed(&mut m, out.consumed_capacity());
            put_metrics(&mut m, out.item_collection_metrics());
            request_id = out.request_id().map(str::to_string);
        }
        "deleteItem" => {
            let request = client
                .delete_item()
                .set_table_name(p.string("TableName"))
                .set_key(item(&mut p, "Key")?)
                .set_condition_expression(p.string("ConditionExpression"))
                .set_conditional_operator(
                    p.string("ConditionalOperator").map(|s| ConditionalOperator::from(s.as_str())),
                )
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_expression_attribute_values(item(&mut p, "ExpressionAttributeValues")?)
                .set_return_values(return_value(&mut p))
                .set_return_consumed_capacity(return_consumed(&mut p))
                .set_return_item_collection_metrics(return_metrics(&mut p))
                .set_return_values_on_condition_check_failure(return_on_failure(&mut p));
            p.finish()?;
            let out = request
                .customize()
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(mapper(Service::DynamoDb, form))?;
            put_item_map(&mut m, "Attributes", out.attributes());
            put_consumed(&mut m, out.consumed_capacity());
            put_metrics(&mut m, out.item_collection_metrics());
            request_id = out.request_id().map(str::to_string);
        }
        "query" => {
            let request = client
                .query()
                .set_table_name(p.string("TableName"))
                .set_index_name(p.string("IndexName"))
                .set_select(p.string("Select").map(|s| Select::from(s.as_str())))
                .set_attributes_to_get(p.strings("AttributesToGet")?)
                .set_limit(p.i32("Limit")?)
                .set_consistent_read(p.bool("ConsistentRead")?)
                .set_conditional_operator(
                    p.string("ConditionalOperator").map(|s| ConditionalOperator::from(s.as_str())),
                )
                .set_scan_index_forward(p.bool("ScanIndexForward")?)
                .set_exclusive_start_key(item(&mut p, "ExclusiveStartKey")?)
                .set_return_consumed_capacity(return_consumed(&mut p))
                .set_projection_expression(p.string("ProjectionExpression"))
                .set_filter_expression(p.string("FilterExpression"))
                .set_key_condition_expression(p.string("KeyConditionExpression"))
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_expression_attribute_values(item(&mut p, "ExpressionAttributeValues")?);
            p.finish()?;
            let out = request.send().await.map_err(mapper(Service::DynamoDb, form))?;
            m.insert("Items".into(), Value::Array(out.items().iter().map(item_json).collect()));
            m.insert("Count".into(), json!(out.count()));
            m.insert("ScannedCount".into(), json!(out.scanned_count()));
            put_item_map(&mut m, "LastEvaluatedKey", out.last_evaluated_key());
            put_consumed(&mut m, out.consumed_capacity());
            request_id = None;
        }
        "scan" => {
            let request = client
                .scan()
                .set_table_name(p.string("TableName"))
                .set_index_name(p.string("IndexName"))
                .set_attributes_to_get(p.strings("AttributesToGet")?)
                .set_limit(p.i32("Limit")?)
                .set_select(p.string("Select").map(|s| Select::from(s.as_str())))
                .set_conditional_operator(
                    p.string("ConditionalOperator").map(|s| ConditionalOperator::from(s.as_str())),
                )
                .set_exclusive_start_key(item(&mut p, "ExclusiveStartKey")?)
                .set_return_consumed_capacity(return_consumed(&mut p))
                .set_total_segments(p.i32("TotalSegments")?)
                .set_segment(p.i32("Segment")?)
                .set_projection_expression(p.string("ProjectionExpression"))
                .set_filter_expression(p.string("FilterExpression"))
                .set_expression_attribute_names(p.string_map("ExpressionAttributeNames")?)
                .set_expression_attribute_values(item(&mut p, "ExpressionAttributeValues")?)
                .set_consistent_read(p.bool("ConsistentRead")?);
            p.finish()?;
            let out = request.send().await.map_err(mapper(Service::DynamoDb, form))?;
            m.insert("Items".into(), Value::Array(out.items().iter().map(item_json).collect()));
            m.insert("Count".into(), json!(out.count()));
            m.insert("ScannedCount".into(), json!(out.scanned_count()));
            put_item_map(&mut m, "LastEvaluatedKey", out.last_evaluated_key());
            put_consumed(&mut m, out.consumed_capacity());
            request_id = None;
        }
        _ => return Err(crate::invoker::not_supported(arn)),
    }
    if form == Form::Optimized {
        add_sdk_metadata(&mut m, &capture.facts(), request_id.as_deref());
    }
    Ok(sorted(m))
}

fn return_value(p: &mut Params<'_>) -> Option<ReturnValue> {
    p.string("ReturnValues").map(|s| ReturnValue::from(s.as_str()))
}

fn return_consumed(p: &mut Params<'_>) -> Option<ReturnConsumedCapacity> {
    p.string("ReturnConsumedCapacity").map(|s| ReturnConsumedCapacity::from(s.as_str()))
}

fn return_metrics(p: &mut Params<'_>) -> Option<ReturnItemCollectionMetrics> {
    p.string("ReturnItemCollectionMetrics").map(|s| ReturnItemCollectionMetrics::from(s.as_str()))
}

fn return_on_failure(p: &mut Params<'_>) -> Option<ReturnValuesOnConditionCheckFailure> {
    p.string("ReturnValuesOnConditionCheckFailure")
        .map(|s| ReturnValuesOnConditionCheckFailure::from(s.as_str()))
}

/// A member that maps names to attribute values (an item, a key, expression values).
fn item(p: &mut Params<'_>, member: &str) -> Result<Option<Item>, Failure> {
    let Some(v) = p.value(member) else { return Ok(None) };
    to_item(&v).map(Some).map_err(|e| p.error(member, e))
}

pub(crate) fn to_item(v: &Value) -> Result<Item, String> {
    let Value::Object(map) = v else {
        return Err(format!("expected an object of attribute values, found {}", kind(v)));
    };
    map.iter()
        .map(|(k, v)| to_attribute(v).map(|a| (k.clone(), a)).map_err(|e| format!("{k}: {e}")))
        .collect()
}

/// One attribute value in DynamoDB JSON. Numbers may also be given as JSON numbers, and the
/// type keys in the Java SDK's spelling (`Bool`, `Null`, `Ss`, ...).
pub(crate) fn to_attribute(v: &Value) -> Result<AttributeValue, String> {
    let Value::Object(map) = v else {
        return Err(format!("expected an attribute value such as {{\"S\": \"text\"}}, found {}", kind(v)));
    };
    let mut entries = map.iter();
    let (Some((key, value)), None) = (entries.next(), entries.next()) else {
        return Err(format!("an attribute value has exactly one type key, found {}", map.len()));
    };
    let strings = |v: &Value| -> Result<Vec<String>, String> {
        match v {
            Value::Array(items) => items.iter().map(number_or_string).collect(),
            other => Err(format!("{key}: expected an array, found {}", kind(other))),
        }
    };
    Ok(match key.as_str() {
        "S" => AttributeValue::S(match value {
            Value::String(s) => s.clone(),
            other => return Err(format!("S: expected a string, found {}", kind(other))),
        }),
        "N" => AttributeValue::N(number_or_string(value)?),
        "B" => AttributeValue::B(Blob::new(blob(value)?)),
        "SS" | "Ss" => AttributeValue::Ss(strings(value)?),
        "NS" | "Ns" => AttributeValue::Ns(strings(value)?),
        "BS" | "Bs" => AttributeValue::Bs(match value {
            Value::Array(items) => items.iter().map(|b| blob(b).map(Blob::new)).collect::<Result<_, _>>()?,
            other => return Err(format!("BS: expected an array, found {}", kind(other))),
        }),
        "M" => AttributeValue::M(to_item(value)?),
        "L" => AttributeValue::L(match value {
            Value::Array(items) => items.iter().map(to_attribute).collect::<Result<_, _>>()?,
            other => return Err(format!("L: expected an array, found {}", kind(other))),
        }),
        "NULL" | "Null" | "Nul" => AttributeValue::Null(bool_value(value)?),
        "BOOL" | "Bool" => AttributeValue::Bool(bool_value(value)?),
        other => return Err(format!("unknown attribute value type '{other}'")),
    })
}

fn number_or_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("expected a number, found {}", kind(other))),
    }
}

fn bool_value(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        other => Err(format!("expected a boolean, found {}", kind(other))),
    }
}

pub(crate) fn attribute_json(a: &AttributeValue) -> Value {
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    match a {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": to_base64(b.as_ref())}),
        AttributeValue::Ss(v) => json!({"SS": strings(v)}),
        AttributeValue::Ns(v) => json!({"NS": strings(v)}),
        AttributeValue::Bs(v) => json!({"BS": v.iter().map(|b| to_base64(b.as_ref())).collect::<Vec<_>>()}),
        AttributeValue::M(m) => json!({"M": item_json(m)}),
        AttributeValue::L(l) => json!({"L": l.iter().map(attribute_json).collect::<Vec<_>>()}),
        AttributeValue::Null(b) => json!({"NULL": b}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        // A type this SDK does not know yet: nothing faithful to show.
        _ => json!({}),
    }
}

pub(crate) fn item_json(item: &Item) -> Value {
    sorted(item.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect())
}

fn put_item_map(m: &mut Map<String, Value>, key: &str, item: Option<&Item>) {
    if let Some(item) = item {
        m.insert(key.into(), item_json(item));
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn capacity_json(c: &Capacity) -> Value {
    let mut o = Map::new();
    let fields = [
        ("CapacityUnits", c.capacity_units()),
        ("ReadCapacityUnits", c.read_capacity_units()),
        ("WriteCapacityUnits", c.write_capacity_units()),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            o.insert(k.into(), float(v));
        }
    }
    sorted(o)
}

fn put_consumed(m: &mut Map<String, Value>, c: Option<&ConsumedCapacity>) {
    let Some(c) = c else { return };
    let mut o = Map::new();
    if let Some(t) = c.table_name() {
        o.insert("TableName".into(), json!(t));
    }
    let fields = [
        ("CapacityUnits", c.capacity_units()),
        ("ReadCapacityUnits", c.read_capacity_units()),
        ("WriteCapacityUnits", c.write_capacity_units()),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            o.insert(k.into(), float(v));
        }
    }
    if let Some(t) = c.table() {
        o.insert("Table".into(), capacity_json(t));
    }
    let indexes = [
        ("LocalSecondaryIndexes", c.local_secondary_indexes()),
        ("GlobalSecondaryIndexes", c.global_secondary_indexes()),
    ];
    for (k, v) in indexes {
        if let Some(v) = v {
            o.insert(k.into(), sorted(v.iter().map(|(name, c)| (name.clone(), capacity_json(c))).collect()));
        }
    }
    m.insert("ConsumedCapacity".into(), sorted(o));
}

fn put_metrics(m: &mut Map<String, Value>, metrics: Option<&ItemCollectionMetrics>) {
    let Some(metrics) = metrics else { return };
    let mut o = Map::new();
    if let Some(key) = metrics.item_collection_key() {
        o.insert("ItemCollectionKey".into(), item_json(key));
    }
    if !metrics.size_estimate_range_gb().is_empty() {
        o.insert(
            "SizeEstimateRangeGB".into(),
            Value::Array(metrics.size_estimate_range_gb().iter().map(|f| float(*f)).collect()),
        );
    }
    m.insert("ItemCollectionMetrics".into(), sorted(o));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_round_trip() {
        let v = json!({
            "id": {"S": "id1"},
            "n": {"N": "12.5"},
            "b": {"B": "aGk="},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]},
            "bs": {"BS": ["aGk="]},
            "m": {"M": {"x": {"BOOL": true}, "y": {"NULL": true}}},
            "l": {"L": [{"S": "a"}, {"N": "1"}]}
        });
        let item = to_item(&v).unwrap();
        assert_eq!(item_json(&item), v);
    }

    #[test]
    fn lenient_input_spellings() {
        assert_eq!(to_attribute(&json!({"N": 5})).unwrap(), AttributeValue::N("5".into()));
        assert_eq!(to_attribute(&json!({"Bool": false})).unwrap(), AttributeValue::Bool(false));
        assert!(to_attribute(&json!({"S": "a", "N": "1"})).is_err());
        assert!(to_attribute(&json!({"X": "a"})).unwrap_err().contains("unknown attribute value type"));
        assert!(to_attribute(&json!("plain")).is_err());
    }
}
