//! Amazon SNS: `sns:publish` (optimized) and `aws-sdk:sns:publish`.
//!
//! Result: `{"MessageId", "SequenceNumber"?}`, plus the HTTP metadata when optimized. A
//! `Message` given as JSON is sent as its JSON text.

use crate::catalog::{Form, Service, Target};
use crate::error::{from_sdk, Failure};
use crate::input::{blob, Fields, Params};
use crate::metadata::{add_sdk_metadata, sorted, Capture};
use crate::sqs::put;
use aws_sdk_sns::primitives::Blob;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sns::Client;
use aws_types::request_id::RequestId;
use serde_json::{Map, Value};

pub(crate) async fn invoke(
    client: &Client,
    target: Target,
    arn: &str,
    input: &Value,
) -> Result<Value, Failure> {
    match target.action {
        "publish" => publish(client, target.form, arn, input).await,
        _ => Err(crate::invoker::not_supported(arn)),
    }
}

async fn publish(client: &Client, form: Form, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let request = client
        .publish()
        .set_topic_arn(p.string("TopicArn"))
        .set_target_arn(p.string("TargetArn"))
        .set_phone_number(p.string("PhoneNumber"))
        .set_message(p.string("Message"))
        .set_subject(p.string("Subject"))
        .set_message_structure(p.string("MessageStructure"))
        .set_message_attributes(p.object_map("MessageAttributes", message_attribute)?)
        .set_message_deduplication_id(p.string("MessageDeduplicationId"))
        .set_message_group_id(p.string("MessageGroupId"));
    p.finish()?;
    let capture = Capture::default();
    let out = request
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| from_sdk(Service::Sns, form, &e))?;
    let mut m = Map::new();
    put(&mut m, "MessageId", out.message_id());
    put(&mut m, "SequenceNumber", out.sequence_number());
    if form == Form::Optimized {
        add_sdk_metadata(&mut m, &capture.facts(), out.request_id());
    }
    Ok(sorted(m))
}

/// `{"DataType", "StringValue", "BinaryValue" (base64)}`
fn message_attribute(map: &Map<String, Value>) -> Result<MessageAttributeValue, String> {
    let mut f = Fields::new(map);
    let binary = f.value("BinaryValue").map(blob).transpose()?.map(Blob::new);
    let built = MessageAttributeValue::builder()
        .set_data_type(f.string("DataType"))
        .set_string_value(f.string("StringValue"))
        .set_binary_value(binary)
        .build()
        .map_err(|e| e.to_string())?;
    f.finish()?;
    Ok(built)
}
