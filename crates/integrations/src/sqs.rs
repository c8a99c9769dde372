//! Amazon SQS: `sqs:sendMessage` (optimized) and `aws-sdk:sqs:{sendMessage, receiveMessage,
//! deleteMessage, getQueueUrl}`.
//!
//! Result members are PascalCase. The optimized integration spells the digests as the API does
//! (`MD5OfMessageBody`) and adds the HTTP metadata; the AWS SDK integration spells them as the
//! Java 2.x SDK does (`Md5OfMessageBody`) and adds nothing.

use crate::catalog::{Form, Service, Target};
use crate::error::{mapper, Failure};
use crate::input::{blob, to_base64, Fields, Params};
use crate::metadata::{add_sdk_metadata, sorted, Capture};
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeName, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, QueueAttributeName,
};
use aws_sdk_sqs::Client;
use aws_types::request_id::RequestId;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub(crate) async fn invoke(
    client: &Client,
    target: Target,
    arn: &str,
    input: &Value,
) -> Result<Value, Failure> {
    match target.action {
        "sendMessage" => send_message(client, target.form, arn, input).await,
        "receiveMessage" => receive_message(client, arn, input).await,
        "deleteMessage" => delete_message(client, arn, input).await,
        "getQueueUrl" => get_queue_url(client, arn, input).await,
        _ => Err(crate::invoker::not_supported(arn)),
    }
}

fn err<E>(form: Form) -> impl Fn(aws_sdk_sqs::error::SdkError<E>) -> Failure
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + RequestId
        + std::fmt::Debug
        + std::error::Error
        + 'static,
{
    mapper(Service::Sqs, form)
}

async fn send_message(client: &Client, form: Form, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let system = p.object_map("MessageSystemAttributes", system_attribute)?.map(|m| {
        m.into_iter()
            .map(|(k, v)| (MessageSystemAttributeNameForSends::from(k.as_str()), v))
            .collect::<HashMap<_, _>>()
    });
    let request = client
        .send_message()
        .set_queue_url(p.string("QueueUrl"))
        .set_message_body(p.string("MessageBody"))
        .set_delay_seconds(p.i32("DelaySeconds")?)
        .set_message_attributes(p.object_map("MessageAttributes", message_attribute)?)
        .set_message_system_attributes(system)
        .set_message_deduplication_id(p.string("MessageDeduplicationId"))
        .set_message_group_id(p.string("MessageGroupId"));
    p.finish()?;
    let capture = Capture::default();
    let out = request.customize().interceptor(capture.clone()).send().await.map_err(err(form))?;
    let md5 = match form {
        Form::Optimized => "MD5Of",
        Form::Sdk => "Md5Of",
    };
    let mut m = Map::new();
    put(&mut m, &format!("{md5}MessageBody"), out.md5_of_message_body());
    put(&mut m, &format!("{md5}MessageAttributes"), out.md5_of_message_attributes());
    put(&mut m, &format!("{md5}MessageSystemAttributes"), out.md5_of_message_system_attributes());
    put(&mut m, "MessageId", out.message_id());
    put(&mut m, "SequenceNumber", out.sequence_number());
    if form == Form::Optimized {
        add_sdk_metadata(&mut m, &capture.facts(), out.request_id());
    }
    Ok(sorted(m))
}

async fn receive_message(client: &Client, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let attribute_names = p
        .strings("AttributeNames")?
        .map(|v| v.iter().map(|s| QueueAttributeName::from(s.as_str())).collect());
    let system_names = p
        .strings("MessageSystemAttributeNames")?
        .map(|v| v.iter().map(|s| MessageSystemAttributeName::from(s.as_str())).collect());
    #[allow(deprecated)] // AttributeNames is deprecated in the API but still accepted.
    let request = client
        .receive_message()
        .set_queue_url(p.string("QueueUrl"))
        .set_attribute_names(attribute_names)
        .set_message_system_attribute_names(system_names)
        .set_message_attribute_names(p.strings("MessageAttributeNames")?)
        .set_max_number_of_messages(p.i32("MaxNumberOfMessages")?)
        .set_visibility_timeout(p.i32("VisibilityTimeout")?)
        .set_wait_time_seconds(p.i32("WaitTimeSeconds")?)
        .set_receive_request_attempt_id(p.string("ReceiveRequestAttemptId"));
    p.finish()?;
    let out = request.send().await.map_err(err(Form::Sdk))?;
    let mut m = Map::new();
    if let Some(messages) = out.messages {
        let messages: Vec<Value> = messages
            .iter()
            .map(|msg| {
                let mut o = Map::new();
                put(&mut o, "MessageId", msg.message_id());
                put(&mut o, "ReceiptHandle", msg.receipt_handle());
                put(&mut o, "Md5OfBody", msg.md5_of_body());
                put(&mut o, "Body", msg.body());
                if let Some(attrs) = msg.attributes() {
                    let a: Map<String, Value> = attrs
                        .iter()
                        .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                        .collect();
                    o.insert("Attributes".into(), sorted(a));
                }
                put(&mut o, "Md5OfMessageAttributes", msg.md5_of_message_attributes());
                if let Some(attrs) = msg.message_attributes() {
                    let a: Map<String, Value> =
                        attrs.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect();
                    o.insert("MessageAttributes".into(), sorted(a));
                }
                sorted(o)
            })
            .collect();
        m.insert("Messages".into(), Value::Array(messages));
    }
    Ok(sorted(m))
}

async fn delete_message(client: &Client, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let request = client
        .delete_message()
        .set_queue_url(p.string("QueueUrl"))
        .set_receipt_handle(p.string("ReceiptHandle"));
    p.finish()?;
    request.send().await.map_err(err(Form::Sdk))?;
    Ok(json!({}))
}

async fn get_queue_url(client: &Client, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let request = client
        .get_queue_url()
        .set_queue_name(p.string("QueueName"))
        .set_queue_owner_aws_account_id(p.string("QueueOwnerAWSAccountId"));
    p.finish()?;
    let out = request.send().await.map_err(err(Form::Sdk))?;
    let mut m = Map::new();
    put(&mut m, "QueueUrl", out.queue_url());
    Ok(sorted(m))
}

pub(crate) fn put(m: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        m.insert(key.to_string(), Value::String(v.to_string()));
    }
}

struct AttributeParts {
    data_type: Option<String>,
    string_value: Option<String>,
    binary_value: Option<Blob>,
    string_list_values: Option<Vec<String>>,
    binary_list_values: Option<Vec<Blob>>,
}

/// `{"DataType", "StringValue", "BinaryValue" (base64), "StringListValues", "BinaryListValues"}`
fn attribute_parts(map: &Map<String, Value>) -> Result<AttributeParts, String> {
    let mut f = Fields::new(map);
    let binary_value = f.value("BinaryValue").map(blob).transpose()?.map(Blob::new);
    let binary_list_values = match f.value("BinaryListValues") {
        None => None,
        Some(Value::Array(items)) => {
            Some(items.iter().map(|v| blob(v).map(Blob::new)).collect::<Result<Vec<_>, _>>()?)
        }
        Some(_) => return Err("BinaryListValues: expected an array of base64 strings".into()),
    };
    let parts = AttributeParts {
        data_type: f.string("DataType"),
        string_value: f.string("StringValue"),
        binary_value,
        string_list_values: f.strings("StringListValues")?,
        binary_list_values,
    };
    f.finish()?;
    Ok(parts)
}

fn message_attribute(map: &Map<String, Value>) -> Result<MessageAttributeValue, String> {
    let a = attribute_parts(map)?;
    MessageAttributeValue::builder()
        .set_data_type(a.data_type)
        .set_string_value(a.string_value)
        .set_binary_value(a.binary_value)
        .set_string_list_values(a.string_list_values)
        .set_binary_list_values(a.binary_list_values)
        .build()
        .map_err(|e| e.to_string())
}

fn system_attribute(map: &Map<String, Value>) -> Result<MessageSystemAttributeValue, String> {
    let a = attribute_parts(map)?;
    MessageSystemAttributeValue::builder()
        .set_data_type(a.data_type)
        .set_string_value(a.string_value)
        .set_binary_value(a.binary_value)
        .set_string_list_values(a.string_list_values)
        .set_binary_list_values(a.binary_list_values)
        .build()
        .map_err(|e| e.to_string())
}

fn attribute_json(v: &MessageAttributeValue) -> Value {
    let mut o = Map::new();
    put(&mut o, "DataType", Some(v.data_type()));
    put(&mut o, "StringValue", v.string_value());
    if let Some(b) = v.binary_value() {
        o.insert("BinaryValue".into(), to_base64(b.as_ref()));
    }
    if !v.string_list_values().is_empty() {
        o.insert("StringListValues".into(), json!(v.string_list_values()));
    }
    if !v.binary_list_values().is_empty() {
        let items: Vec<Value> = v.binary_list_values().iter().map(|b| to_base64(b.as_ref())).collect();
        o.insert("BinaryListValues".into(), Value::Array(items));
    }
    sorted(o)
}
