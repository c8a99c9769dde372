//! What the `serve_*` tests share: an AWS SDK client pointed at a test server, and waits on
//! conditions with deadlines (never sleeps).
//!
//! Each test binary uses part of it.
#![allow(dead_code)]

use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_sfn::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};
use aws_sdk_sfn::Client;
use statecraft_tests::serve::Server;
use std::time::Duration;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/statecraft-tests";

/// StartSyncExecution and TestState go to a `sync-` prefixed host in AWS; the SDK has no
/// switch for it (boto3's is `inject_host_prefix=False`), so the prefix is taken off again
/// before the request leaves.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_signing(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request_mut();
        let uri = req.uri().to_string();
        if let Some(rest) = uri.strip_prefix("http://sync-") {
            req.set_uri(format!("http://{rest}"))?;
        }
        Ok(())
    }
}

/// A Step Functions client for the server, with test credentials.
pub(crate) fn sfn(server: &Server) -> Client {
    sfn_with_key(server, "test")
}

/// A client whose access key id is `key` (with `--token`, the token).
pub(crate) fn sfn_with_key(server: &Server, key: &str) -> Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint())
        .credentials_provider(Credentials::new(key, "test-secret", None, None, "statecraft-tests"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .interceptor(NoHostPrefix)
        .build();
    Client::from_conf(config)
}

/// The AWS error code of a failed call (panics when the call succeeded).
pub(crate) fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<T, SdkError<E, R>>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code().map(str::to_string).unwrap_or_else(|| panic!("no error code in {e:?}")),
    }
}

/// The code and message of a failed call.
pub(crate) fn code_message<
    T: std::fmt::Debug,
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
>(
    r: Result<T, SdkError<E, R>>,
) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (
            e.code().map(str::to_string).unwrap_or_else(|| panic!("no error code in {e:?}")),
            e.message().unwrap_or_default().to_string(),
        ),
    }
}

/// Creates a Standard state machine and returns its ARN.
pub(crate) async fn create_machine(client: &Client, name: &str, definition: &str) -> String {
    client
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStateMachine {name}: {e:?}"))
        .state_machine_arn
}

pub(crate) async fn start(client: &Client, machine: &str, input: &str) -> String {
    client
        .start_execution()
        .state_machine_arn(machine)
        .input(input)
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartExecution on {machine}: {e:?}"))
        .execution_arn
}

pub(crate) use statecraft_tests::eventually;

/// Waits until the execution leaves RUNNING and checks that it reached `status`.
pub(crate) async fn wait_status(
    client: &Client,
    arn: &str,
    status: ExecutionStatus,
    within: Duration,
) -> DescribeExecutionOutput {
    let want = &status;
    let d = eventually(&format!("{arn} to reach {status:?}"), within, || async move {
        let d = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeExecution {arn}: {e:?}"));
        (d.status == *want || d.status != ExecutionStatus::Running).then_some(d)
    })
    .await;
    assert_eq!(d.status, status, "{arn}: {d:#?}");
    d
}

/// The whole history, following nextToken.
pub(crate) async fn history(client: &Client, arn: &str) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(arn)
            .set_next_token(token)
            .max_results(1000)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetExecutionHistory {arn}: {e:?}"));
        events.extend(page.events);
        match page.next_token {
            Some(t) => token = Some(t),
            None => return events,
        }
    }
}

/// Event types in order, as strings.
pub(crate) fn types(events: &[HistoryEvent]) -> Vec<String> {
    events.iter().map(|e| e.r#type.as_str().to_string()).collect()
}
