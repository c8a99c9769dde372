//! The integrations against moto in server mode: each test checks the effect in the service
//! (the message is in the queue, the item in the table, the event delivered) and the result or
//! error as Step Functions shapes it.

mod support;

use md5::{Digest, Md5};
use serde_json::{json, Value};
use statecraft_integrations::{supported, AwsInvoker, Config, Endpoints};
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::Resolution;
use support::{fixtures, invoker, keys, task, unique, ACCOUNT, REGION};

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn succeeded(out: Invocation) -> Value {
    match out {
        Invocation::Done(Resolution::Succeeded(v)) => v,
        other => panic!("expected success, got {other:?}"),
    }
}

fn failed(out: Invocation) -> (String, String) {
    match out {
        Invocation::Done(Resolution::Failed { error, cause }) => {
            (error.unwrap_or_default(), cause.unwrap_or_default())
        }
        other => panic!("expected failure, got {other:?}"),
    }
}

fn check_sdk_metadata(v: &Value) {
    let meta = &v["SdkHttpMetadata"];
    assert_eq!(meta["HttpStatusCode"], 200, "{v}");
    assert!(meta["AllHttpHeaders"].is_object() && meta["HttpHeaders"].is_object(), "{v}");
    assert!(meta["AllHttpHeaders"]["Content-Type"].is_array(), "{v}");
    assert!(v["SdkResponseMetadata"]["RequestId"].is_string(), "{v}");
}

#[tokio::test]
async fn sqs_send_message_lands_in_the_queue() -> anyhow::Result<()> {
    require_moto!();
    let fx = fixtures().await?;
    let url = fx.queue("send").await?;
    let aws = invoker().await?;

    let out = aws
        .invoke(&task(
            "arn:aws:states:::sqs:sendMessage",
            json!({
                "QueueUrl": url,
                "MessageBody": {"hello": "world"},
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}}
            }),
        ))
        .await;
    let v = succeeded(out);
    assert_eq!(
        keys(&v),
        ["MD5OfMessageAttributes", "MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"]
    );
    // A JSON MessageBody is sent as its JSON text.
    assert_eq!(v["MD5OfMessageBody"], md5_hex(r#"{"hello":"world"}"#));
    check_sdk_metadata(&v);

    let msg = fx.receive(&url).await?;
    assert_eq!(msg.body(), Some(r#"{"hello":"world"}"#));
    assert_eq!(msg.message_id(), v["MessageId"].as_str());
    let kind = msg.message_attributes().and_then(|a| a.get("kind")).and_then(|a| a.string_value());
    assert_eq!(kind, Some("greeting"));

    // The AWS SDK form: the Java 2.x member names, no HTTP metadata.
    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:sqs:sendMessage",
            json!({"QueueUrl": url, "MessageBody": "plain"}),
        ))
        .await,
    );
    assert_eq!(keys(&v), ["Md5OfMessageBody", "MessageId"]);
    let received = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:sqs:receiveMessage",
            json!({"QueueUrl": url, "WaitTimeSeconds": 1}),
        ))
        .await,
    );
    let message = &received["Messages"][0];
    assert_eq!(message["Body"], "plain", "{received}");
    assert_eq!(message["Md5OfBody"], md5_hex("plain"));
    let deleted = aws
        .invoke(&task(
            "arn:aws:states:::aws-sdk:sqs:deleteMessage",
            json!({"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}),
        ))
        .await;
    assert_eq!(succeeded(deleted), json!({}));
    Ok(())
}

#[tokio::test]
async fn sqs_wait_for_task_token_submits_the_message() -> anyhow::Result<()> {
    require_moto!();
    let fx = fixtures().await?;
    let url = fx.queue("callback").await?;
    let aws = invoker().await?;
    let mut request = task(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        json!({"QueueUrl": url, "MessageBody": {"TaskToken": "tok-123", "Input": 1}}),
    );
    request.token = Some("tok-123".into());
    let Invocation::Submitted(v) = aws.invoke(&request).await else { panic!("expected a submission") };
    assert!(v["MessageId"].is_string(), "{v}");
    check_sdk_metadata(&v);
    let msg = fx.receive(&url).await?;
    let body: Value = serde_json::from_str(msg.body().unwrap_or_default())?;
    assert_eq!(body, json!({"TaskToken": "tok-123", "Input": 1}));
    Ok(())
}

#[tokio::test]
async fn sqs_errors_are_named_as_step_functions_names_them() -> anyhow::Result<()> {
    let endpoint = require_moto!();
    let aws = invoker().await?;
    let missing = format!("{endpoint}/{ACCOUNT}/{}", unique("no-such-queue"));

    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::sqs:sendMessage",
            json!({"QueueUrl": missing, "MessageBody": "x"}),
        ))
        .await,
    );
    assert_eq!(error, "SQS.QueueDoesNotExistException", "{cause}");
    assert!(cause.contains("(Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: "), "{cause}");
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");

    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:sqs:sendMessage",
            json!({"QueueUrl": missing, "MessageBody": "x"}),
        ))
        .await,
    );
    assert_eq!(error, "Sqs.QueueDoesNotExistException", "{cause}");
    assert!(cause.contains("(Service: Sqs, Status Code: 400, Request ID: "), "{cause}");

    // (AWS answers a null MessageBody with MissingParameter, SQS.AmazonSQSException; moto
    // answers it with a 500, so that case is covered by the unit tests of the naming only.)
    // A member no request has fails before sending.
    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::sqs:sendMessage",
            json!({"QueueUrl": missing, "MessageBodyy": "x"}),
        ))
        .await,
    );
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("'MessageBodyy' is not supported"), "{cause}");
    Ok(())
}

#[tokio::test]
async fn sns_publish_reaches_an_sqs_subscriber() -> anyhow::Result<()> {
    require_moto!();
    let fx = fixtures().await?;
    let url = fx.queue("sns-sub").await?;
    let queue_arn = fx.queue_arn(&url).await?;
    let topic = fx.sns.create_topic().name(unique("topic")).send().await?.topic_arn.unwrap_or_default();
    fx.sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await?;
    let aws = invoker().await?;

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": topic, "Message": {"Message": "HelloWorld!"}, "Subject": "greeting"}),
        ))
        .await,
    );
    assert_eq!(keys(&v), ["MessageId", "SdkHttpMetadata", "SdkResponseMetadata"]);
    check_sdk_metadata(&v);
    let msg = fx.receive(&url).await?;
    assert_eq!(msg.body(), Some(r#"{"Message":"HelloWorld!"}"#));

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:sns:publish",
            json!({"TopicArn": topic, "Message": "m2"}),
        ))
        .await,
    );
    assert_eq!(keys(&v), ["MessageId"]);
    assert_eq!(fx.receive(&url).await?.body(), Some("m2"));

    // AWS's recording: "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code:
    // NotFound; Request ID: ...; Proxy: null)".
    let missing = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", unique("no-such-topic"));
    let (error, cause) = failed(
        aws.invoke(&task("arn:aws:states:::sns:publish", json!({"TopicArn": missing, "Message": "x"}))).await,
    );
    assert_eq!(error, "SNS.NotFoundException", "{cause}");
    assert!(
        cause.contains("(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: "),
        "{cause}"
    );
    let (error, _) = failed(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:sns:publish",
            json!({"TopicArn": missing, "Message": "x"}),
        ))
        .await,
    );
    assert_eq!(error, "Sns.NotFoundException");
    Ok(())
}

async fn create_table(fx: &support::Fixtures) -> anyhow::Result<String> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let name = unique("table");
    fx.dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build()?)
        .send()
        .await?;
    Ok(name)
}

#[tokio::test]
async fn dynamodb_optimized_items_round_trip() -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::AttributeValue;
    require_moto!();
    let fx = fixtures().await?;
    let table = create_table(&fx).await?;
    let aws = invoker().await?;
    let key = json!({"id": {"S": "id1"}});

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::dynamodb:putItem",
            json!({"TableName": table, "Item": {"id": {"S": "id1"}, "data": {"S": "HelloWorld"}, "n": {"N": "5"}, "tags": {"SS": ["a"]}}}),
        ))
        .await,
    );
    assert_eq!(keys(&v), ["SdkHttpMetadata", "SdkResponseMetadata"]);
    check_sdk_metadata(&v);
    // The item is in the table.
    let stored =
        fx.dynamodb.get_item().table_name(&table).key("id", AttributeValue::S("id1".into())).send().await?;
    assert_eq!(stored.item().and_then(|i| i.get("data")), Some(&AttributeValue::S("HelloWorld".into())));

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::dynamodb:updateItem",
            json!({
                "TableName": table, "Key": key,
                "UpdateExpression": "set S=:r",
                "ExpressionAttributeValues": {":r": {"S": "HelloWorldUpdated"}},
                "ReturnValues": "UPDATED_NEW"
            }),
        ))
        .await,
    );
    assert_eq!(v["Attributes"], json!({"S": {"S": "HelloWorldUpdated"}}));
    // moto adds ConsumedCapacity unasked; DynamoDB does not.
    let mut k = keys(&v);
    k.retain(|k| *k != "ConsumedCapacity");
    assert_eq!(k, ["Attributes", "SdkHttpMetadata", "SdkResponseMetadata"]);

    let v = succeeded(
        aws.invoke(&task("arn:aws:states:::dynamodb:getItem", json!({"TableName": table, "Key": key}))).await,
    );
    assert_eq!(
        v["Item"],
        json!({"S": {"S": "HelloWorldUpdated"}, "data": {"S": "HelloWorld"}, "id": {"S": "id1"}, "n": {"N": "5"}, "tags": {"SS": ["a"]}})
    );
    assert_eq!(keys(&v), ["Item", "SdkHttpMetadata", "SdkResponseMetadata"]);

    // A failed condition is the service's modeled error.
    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::dynamodb:updateItem",
            json!({
                "TableName": table, "Key": key,
                "UpdateExpression": "set S=:r",
                "ConditionExpression": "S = :old",
                "ExpressionAttributeValues": {":r": {"S": "again"}, ":old": {"S": "not this"}}
            }),
        ))
        .await,
    );
    assert_eq!(error, "DynamoDB.ConditionalCheckFailedException", "{cause}");
    assert!(cause.contains("(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: "), "{cause}");
    let stored =
        fx.dynamodb.get_item().table_name(&table).key("id", AttributeValue::S("id1".into())).send().await?;
    assert_eq!(stored.item().and_then(|i| i.get("S")), Some(&AttributeValue::S("HelloWorldUpdated".into())));

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::dynamodb:deleteItem",
            json!({"TableName": table, "Key": key, "ReturnValues": "ALL_OLD"}),
        ))
        .await,
    );
    assert_eq!(v["Attributes"]["data"], json!({"S": "HelloWorld"}));
    let stored =
        fx.dynamodb.get_item().table_name(&table).key("id", AttributeValue::S("id1".into())).send().await?;
    assert!(stored.item().is_none(), "the item is gone");

    // AWS's recording: an unmodeled validation error is the base exception. (AWS's case sends
    // no Item at all, which moto answers with a 500; a missing key is a ValidationException too.)
    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::dynamodb:putItem",
            json!({"TableName": table, "Item": {"data": {"S": "x"}}}),
        ))
        .await,
    );
    assert_eq!(error, "DynamoDB.AmazonDynamoDBException", "{cause}");
    assert!(cause.contains("Error Code: ValidationException"), "{cause}");
    Ok(())
}

#[tokio::test]
async fn dynamodb_sdk_actions() -> anyhow::Result<()> {
    require_moto!();
    let fx = fixtures().await?;
    let table = create_table(&fx).await?;
    let aws = invoker().await?;

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:dynamodb:putItem",
            json!({"TableName": table, "Item": {"id": {"S": "id1"}, "data": {"S": "HelloWorld"}, "flag": {"BOOL": true}, "list": {"L": [{"N": "1"}, {"NULL": true}]}}}),
        ))
        .await,
    );
    assert_eq!(v, json!({}));
    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:dynamodb:query",
            json!({
                "TableName": table,
                "KeyConditionExpression": "id = :id",
                "ExpressionAttributeValues": {":id": {"S": "id1"}}
            }),
        ))
        .await,
    );
    assert_eq!(v["Count"], 1, "{v}");
    assert_eq!(v["ScannedCount"], 1, "{v}");
    assert_eq!(
        v["Items"],
        json!([{"data": {"S": "HelloWorld"}, "flag": {"BOOL": true}, "id": {"S": "id1"}, "list": {"L": [{"N": "1"}, {"NULL": true}]}}])
    );
    let v = succeeded(
        aws.invoke(&task("arn:aws:states:::aws-sdk:dynamodb:scan", json!({"TableName": table}))).await,
    );
    assert_eq!(v["Count"], 1, "{v}");

    let (error, cause) = failed(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:dynamodb:putItem",
            json!({"TableName": table, "Item": {"id": {"S": "id1"}}, "ConditionExpression": "attribute_not_exists(id)"}),
        ))
        .await,
    );
    assert_eq!(error, "DynamoDb.ConditionalCheckFailedException", "{cause}");
    assert!(cause.contains("(Service: DynamoDb, Status Code: 400, Request ID: "), "{cause}");

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:dynamodb:deleteItem",
            json!({"TableName": table, "Key": {"id": {"S": "id1"}}}),
        ))
        .await,
    );
    assert_eq!(v, json!({}));
    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:dynamodb:getItem",
            json!({"TableName": table, "Key": {"id": {"S": "id1"}}}),
        ))
        .await,
    );
    assert_eq!(v, json!({}), "no Item once deleted");
    Ok(())
}

#[tokio::test]
async fn eventbridge_rule_delivers_to_a_queue() -> anyhow::Result<()> {
    use aws_sdk_eventbridge::types::Target;
    require_moto!();
    let fx = fixtures().await?;
    let url = fx.queue("events").await?;
    let queue_arn = fx.queue_arn(&url).await?;
    let bus = unique("bus");
    fx.eventbridge.create_event_bus().name(&bus).send().await?;
    let rule = unique("rule");
    let source = unique("statecraft.test");
    fx.eventbridge
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(json!({"source": [source]}).to_string())
        .send()
        .await?;
    fx.eventbridge
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(Target::builder().id("queue").arn(&queue_arn).build()?)
        .send()
        .await?;
    let aws = invoker().await?;

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::events:putEvents",
            json!({"Entries": [{"Detail": {"Message": "HelloWorld"}, "DetailType": "greeting", "Source": source, "EventBusName": bus}]}),
        ))
        .await,
    );
    // As AWS records it: no HTTP metadata for this one.
    assert_eq!(keys(&v), ["Entries", "FailedEntryCount"]);
    assert_eq!(v["FailedEntryCount"], 0);
    let event_id = v["Entries"][0]["EventId"].as_str().unwrap_or_default().to_string();
    assert!(!event_id.is_empty(), "{v}");

    let msg = fx.receive(&url).await?;
    let event: Value = serde_json::from_str(msg.body().unwrap_or_default())?;
    assert_eq!(event["detail"], json!({"Message": "HelloWorld"}), "{event}");
    assert_eq!(event["detail-type"], "greeting");
    assert_eq!(event["id"], event_id.as_str());

    // A failed entry fails the optimized task with the result as the cause.
    let entries = json!({"Entries": [
        {"Detail": "{\"Message\": \"ok\"}", "DetailType": "greeting", "Source": source, "EventBusName": bus},
        {"Detail": "{not json", "DetailType": "greeting", "Source": source, "EventBusName": bus}
    ]});
    let (error, cause) =
        failed(aws.invoke(&task("arn:aws:states:::events:putEvents", entries.clone())).await);
    assert_eq!(error, "EventBridge.FailedEntry");
    let cause: Value = serde_json::from_str(&cause)?;
    assert_eq!(cause["FailedEntryCount"], 1);
    assert_eq!(
        cause["Entries"][1],
        json!({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
    );
    assert!(cause["Entries"][0]["EventId"].is_string());
    // The AWS SDK form returns it.
    let v = succeeded(aws.invoke(&task("arn:aws:states:::aws-sdk:eventbridge:putEvents", entries)).await);
    assert_eq!(v["FailedEntryCount"], 1);
    Ok(())
}

async fn create_function(endpoint: &str, fx: &support::Fixtures) -> anyhow::Result<String> {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    let role = unique("lambda-role");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName={role}&AssumeRolePolicyDocument={}",
        urlencode(policy)
    );
    support::post(endpoint, "/", "application/x-www-form-urlencoded", Some("iam"), &body)?;
    // An empty zip archive: moto's in-process backend never runs the code.
    let mut zip = vec![0x50, 0x4b, 0x05, 0x06];
    zip.extend([0u8; 18]);
    let name = unique("echo");
    fx.lambda
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Python312)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .handler("index.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await?;
    Ok(name)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn lambda_invoke_through_the_sdk() -> anyhow::Result<()> {
    let endpoint = require_moto!();
    let fx = fixtures().await?;
    let function = create_function(endpoint, &fx).await?;
    let aws = invoker().await?;

    // moto's in-process Lambda echoes the payload.
    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::lambda:invoke",
            json!({"FunctionName": function, "Payload": {"input-value": 0}}),
        ))
        .await,
    );
    assert_eq!(v["Payload"], json!({"input-value": 0}), "{v}");
    assert_eq!(v["StatusCode"], 200);
    // AWS also answers X-Amz-Executed-Version ("ExecutedVersion": "$LATEST"); moto does not.
    let mut k = keys(&v);
    k.retain(|k| *k != "ExecutedVersion");
    assert_eq!(k, ["Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"], "{v}");
    check_sdk_metadata(&v);

    // A string payload that is JSON text goes as it is (AWS's recording: "\"HelloWorld\"" comes
    // back as "HelloWorld").
    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::lambda:invoke",
            json!({"FunctionName": function, "Payload": "\"HelloWorld\""}),
        ))
        .await,
    );
    assert_eq!(v["Payload"], "HelloWorld");

    let mut request = task(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        json!({"FunctionName": function, "Payload": {"token": "tok-1"}}),
    );
    request.token = Some("tok-1".into());
    let Invocation::Submitted(v) = aws.invoke(&request).await else { panic!("expected a submission") };
    assert_eq!(v["Payload"], json!({"token": "tok-1"}));

    let v = succeeded(
        aws.invoke(&task(
            "arn:aws:states:::aws-sdk:lambda:invoke",
            json!({"FunctionName": function, "Payload": {"a": 1}}),
        ))
        .await,
    );
    assert_eq!(v["Payload"], r#"{"a":1}"#, "{v}");
    assert_eq!(v["StatusCode"], 200);

    // Plain function ARNs only when configured.
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}");
    assert!(aws.try_invoke(&task(&arn, json!({}))).await.is_none());
    let direct = AwsInvoker::new(Config { lambda_function_arns: true, ..Config::default() }).await?;
    assert_eq!(succeeded(direct.invoke(&task(&arn, json!({"x": [1, 2]}))).await), json!({"x": [1, 2]}));

    // moto's in-process Lambda answers for any name; its Docker backend looks the function up
    // first, which is all this needs (no container starts for a missing function).
    support::post(
        endpoint,
        "/moto-api/config",
        "application/json",
        None,
        r#"{"lambda": {"use_docker": true}}"#,
    )?;
    let missing = aws
        .invoke(&task(
            "arn:aws:states:::lambda:invoke",
            json!({"FunctionName": unique("no_such_function"), "Payload": {}}),
        ))
        .await;
    support::post(
        endpoint,
        "/moto-api/config",
        "application/json",
        None,
        r#"{"lambda": {"use_docker": false}}"#,
    )?;
    let (error, cause) = failed(missing);
    assert_eq!(error, "Lambda.ResourceNotFoundException", "{cause}");
    assert!(
        cause.contains(
            "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
        ),
        "{cause}"
    );
    Ok(())
}

#[tokio::test]
async fn config_endpoints_override_the_environment() -> anyhow::Result<()> {
    let endpoint = require_moto!();
    let fx = fixtures().await?;
    let url = fx.queue("config").await?;
    // A global endpoint where nothing listens, SQS's own pointing at moto.
    let config = Config {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        endpoints: Endpoints { sqs: Some(endpoint.to_string()), ..Endpoints::default() },
        ..Config::default()
    };
    let aws = AwsInvoker::new(config).await?;
    succeeded(
        aws.invoke(&task(
            "arn:aws:states:::sqs:sendMessage",
            json!({"QueueUrl": url, "MessageBody": "via config"}),
        ))
        .await,
    );
    assert_eq!(fx.receive(&url).await?.body(), Some("via config"));
    // SNS goes to the global endpoint: nothing answers, a client error.
    let (error, _) = failed(
        aws.invoke(&task(
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "x"}),
        ))
        .await,
    );
    assert_eq!(error, "SNS.SdkClientException");
    Ok(())
}

#[tokio::test]
async fn a_call_that_outlives_the_task_timeout_times_out() -> anyhow::Result<()> {
    require_moto!();
    // An endpoint that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let aws =
        AwsInvoker::new(Config { endpoint_url: Some(format!("http://{addr}")), ..Config::default() }).await?;
    let mut request = task("arn:aws:states:::sqs:sendMessage", json!({"QueueUrl": "q", "MessageBody": "x"}));
    request.timeout_seconds = Some(1);
    let out = aws.invoke(&request).await;
    hold.abort();
    assert_eq!(
        out,
        Invocation::Done(Resolution::TimedOut { error: Some("States.Timeout".into()), cause: None })
    );
    Ok(())
}

#[tokio::test]
async fn resources_not_handled_here() -> anyhow::Result<()> {
    require_moto!();
    let aws = invoker().await?;
    let activity = task("arn:aws:states:us-east-1:123456789012:activity:a", json!({}));
    assert!(aws.try_invoke(&activity).await.is_none());
    let s3 = task("arn:aws:states:::aws-sdk:s3:getObject", json!({}));
    assert!(!supported(&s3.resource));
    assert!(aws.try_invoke(&s3).await.is_none());
    let (error, cause) = failed(aws.invoke(&s3).await);
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("arn:aws:states:::aws-sdk:s3:getObject"), "{cause}");
    Ok(())
}
