//! Task failures named as Step Functions names them.
//!
//! Optimized integrations report what the AWS SDK for Java 1.x would throw (Step Functions runs
//! them with it): `<Prefix>.<Exception>` for an error the service's model declares
//! (`SNS.NotFoundException`, `DynamoDB.ConditionalCheckFailedException`), the service's base
//! exception otherwise (`SQS.AmazonSQSException`, `DynamoDB.AmazonDynamoDBException`), and
//! `<Prefix>.SdkClientException` when no answer came. The cause is Java's message:
//! `MESSAGE (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ID; Proxy: null)`.
//!
//! AWS SDK integrations report what the AWS SDK for Java 2.x would: the service as its client
//! is named (`DynamoDb`, `Sqs`, `EventBridge`), the error name with an `Exception` suffix
//! (AWS's documentation: `S3.BucketAlreadyExistsException` for `BucketAlreadyExists`), the base
//! exception (`DynamoDb.DynamoDbException`) otherwise, and the cause
//! `MESSAGE (Service: DynamoDb, Status Code: 400, Request ID: ID)`.

use crate::catalog::{Form, Service};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use std::fmt::Debug;

/// How a task failed, as the `TaskFailed` event reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) error: String,
    pub(crate) cause: String,
}

impl Failure {
    pub(crate) fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure { error: error.into(), cause: cause.into() }
    }

    /// The task's parameters cannot make a request (a member of the wrong type, an unknown
    /// member): nothing was sent.
    pub(crate) fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new("States.Runtime", cause)
    }
}

/// The names Java's SDKs give a service.
struct Naming {
    /// Error prefix of optimized integrations.
    v1_prefix: &'static str,
    /// `Service:` in a Java 1.x cause.
    v1_service: &'static str,
    /// The Java 1.x base exception.
    v1_base: &'static str,
    /// Error prefix of AWS SDK integrations, and `Service:` in a Java 2.x cause.
    v2_prefix: &'static str,
    /// The Java 2.x base exception.
    v2_base: &'static str,
}

fn naming(service: Service) -> Naming {
    match service {
        Service::Sqs => Naming {
            v1_prefix: "SQS",
            v1_service: "AmazonSQS",
            v1_base: "AmazonSQSException",
            v2_prefix: "Sqs",
            v2_base: "SqsException",
        },
        Service::Sns => Naming {
            v1_prefix: "SNS",
            v1_service: "AmazonSNS",
            v1_base: "AmazonSNSException",
            v2_prefix: "Sns",
            v2_base: "SnsException",
        },
        Service::DynamoDb => Naming {
            v1_prefix: "DynamoDB",
            v1_service: "AmazonDynamoDBv2",
            v1_base: "AmazonDynamoDBException",
            v2_prefix: "DynamoDb",
            v2_base: "DynamoDbException",
        },
        Service::EventBridge => Naming {
            v1_prefix: "EventBridge",
            v1_service: "AmazonEventBridge",
            v1_base: "AmazonEventBridgeException",
            v2_prefix: "EventBridge",
            v2_base: "EventBridgeException",
        },
        Service::Lambda => Naming {
            v1_prefix: "Lambda",
            v1_service: "AWSLambda",
            v1_base: "AWSLambdaException",
            v2_prefix: "Lambda",
            v2_base: "LambdaException",
        },
    }
}

/// The failure a failed SDK call becomes.
pub(crate) fn from_sdk<E>(service: Service, form: Form, err: &SdkError<E, Response>) -> Failure
where
    E: ProvideErrorMetadata + RequestId + Debug + std::error::Error + 'static,
{
    let names = naming(service);
    let Some(e) = err.as_service_error() else {
        // No answer from the service: the request could not be built or sent, timed out, or
        // the response could not be read.
        let prefix = match form {
            Form::Optimized => names.v1_prefix,
            Form::Sdk => names.v2_prefix,
        };
        return Failure::new(format!("{prefix}.SdkClientException"), DisplayErrorContext(err).to_string());
    };
    let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or_default();
    let code = e.code().unwrap_or("null");
    let message = e.message().unwrap_or("null");
    let request_id = e
        .request_id()
        .or_else(|| err.raw_response().and_then(|r| header_request_id(r.headers())))
        .unwrap_or("null");
    let class = exception_class(service, e);
    match form {
        Form::Optimized => Failure::new(
            format!("{}.{}", names.v1_prefix, class.as_deref().unwrap_or(names.v1_base)),
            format!(
                "{message} (Service: {}; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)",
                names.v1_service
            ),
        ),
        Form::Sdk => Failure::new(
            format!("{}.{}", names.v2_prefix, class.as_deref().unwrap_or(names.v2_base)),
            format!("{message} (Service: {}, Status Code: {status}, Request ID: {request_id})", names.v2_prefix),
        ),
    }
}

/// [`from_sdk`] as a closure for `map_err`.
pub(crate) fn mapper<E>(service: Service, form: Form) -> impl Fn(SdkError<E, Response>) -> Failure
where
    E: ProvideErrorMetadata + RequestId + Debug + std::error::Error + 'static,
{
    move |e| from_sdk(service, form, &e)
}

/// The request ID from the response headers, for errors whose body had none.
pub(crate) fn header_request_id(headers: &aws_smithy_runtime_api::http::Headers) -> Option<&str> {
    headers.get("x-amzn-requestid").or_else(|| headers.get("x-amz-request-id"))
}

/// The Java exception class of an error the operation's model declares, `None` for one it
/// does not (the SDK's `Unhandled` variant), which Java reports as the service's base exception.
fn exception_class<E: ProvideErrorMetadata + Debug>(service: Service, e: &E) -> Option<String> {
    // The generated error enums have one variant per declared error and `Unhandled` for the
    // rest, and no accessor that says which: the derived `Debug` starts with the variant's name.
    // `modeled_and_unmodeled_errors_are_told_apart` pins this.
    let debug = format!("{e:?}");
    let variant = debug.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or_default();
    if variant.is_empty() || variant == "Unhandled" {
        return None;
    }
    let name = match (service, e.code()) {
        // SQS answers with its query-protocol codes (`AWS.SimpleQueueService.NonExistentQueue`);
        // the variant is the model's shape name (`QueueDoesNotExist`).
        (Service::Sqs, _) | (_, None) => variant.to_string(),
        // SNS codes are the shapes' query error codes (`NotFound` for `NotFoundException`);
        // the JSON protocols send the shape name itself, acronyms intact (`EC2ThrottledException`,
        // where the Rust variant says `Ec2ThrottledException`).
        (_, Some(code)) => code.to_string(),
    };
    Some(if name.ends_with("Exception") { name } else { format!("{name}Exception") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
    use aws_sdk_sns::operation::publish::PublishError;
    use aws_sdk_sns::types::error::NotFoundException;
    use aws_sdk_sqs::operation::send_message::SendMessageError;
    use aws_sdk_sqs::types::error::QueueDoesNotExist;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn meta(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).custom("aws_request_id", "rid-1").build()
    }

    fn service_error<E>(e: E, status: u16) -> SdkError<E, HttpResponse> {
        let raw = HttpResponse::new(status.try_into().expect("status"), SdkBody::empty());
        SdkError::service_error(e, raw)
    }

    #[test]
    fn modeled_and_unmodeled_errors_are_told_apart() {
        let e = PublishError::NotFoundException(
            NotFoundException::builder()
                .message("Topic does not exist")
                .meta(meta("NotFound", "Topic does not exist"))
                .build(),
        );
        assert_eq!(exception_class(Service::Sns, &e).as_deref(), Some("NotFoundException"));
        let e = PublishError::generic(meta("Throttling", "Rate exceeded"));
        assert_eq!(exception_class(Service::Sns, &e), None);
    }

    #[test]
    fn optimized_errors_follow_java_1() {
        let e = PublishError::NotFoundException(
            NotFoundException::builder()
                .message("Topic does not exist")
                .meta(meta("NotFound", "Topic does not exist"))
                .build(),
        );
        let f = from_sdk(Service::Sns, Form::Optimized, &service_error(e, 404));
        assert_eq!(f.error, "SNS.NotFoundException");
        assert_eq!(
            f.cause,
            "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: rid-1; Proxy: null)"
        );

        let e = SendMessageError::generic(meta(
            "MissingParameter",
            "The request must contain the parameter MessageBody.",
        ));
        let f = from_sdk(Service::Sqs, Form::Optimized, &service_error(e, 400));
        assert_eq!(f.error, "SQS.AmazonSQSException");
        assert!(f.cause.contains("Error Code: MissingParameter"), "{}", f.cause);

        let e = SendMessageError::QueueDoesNotExist(
            QueueDoesNotExist::builder()
                .message("The specified queue does not exist.")
                .meta(meta("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."))
                .build(),
        );
        let f = from_sdk(Service::Sqs, Form::Optimized, &service_error(e, 400));
        assert_eq!(f.error, "SQS.QueueDoesNotExistException");
        assert!(f.cause.contains("Error Code: AWS.SimpleQueueService.NonExistentQueue"), "{}", f.cause);
    }

    #[test]
    fn sdk_errors_follow_java_2() {
        let e = PutItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .message("The conditional request failed")
                .meta(meta("ConditionalCheckFailedException", "The conditional request failed"))
                .build(),
        );
        let err = service_error(e, 400);
        let f = from_sdk(Service::DynamoDb, Form::Sdk, &err);
        assert_eq!(f.error, "DynamoDb.ConditionalCheckFailedException");
        assert_eq!(
            f.cause,
            "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: rid-1)"
        );
        let f = from_sdk(Service::DynamoDb, Form::Optimized, &err);
        assert_eq!(f.error, "DynamoDB.ConditionalCheckFailedException");

        let e = PutItemError::generic(meta("ValidationException", "1 validation error detected"));
        let err = service_error(e, 400);
        assert_eq!(from_sdk(Service::DynamoDb, Form::Sdk, &err).error, "DynamoDb.DynamoDbException");
        assert_eq!(
            from_sdk(Service::DynamoDb, Form::Optimized, &err).error,
            "DynamoDB.AmazonDynamoDBException"
        );
    }
}
