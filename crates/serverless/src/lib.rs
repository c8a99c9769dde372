//! Statecraft serverless: executions advanced by a stateless **step** function fed by an SQS
//! queue, in the user's own AWS account, and the Step Functions API served by an **api**
//! function over the same driver ([`ServerlessDriver`], which implements the control plane's
//! `Driver`). `functions/step` and `functions/api` are thin `main`s around this crate.
//!
//! # How an execution moves
//!
//! Every execution runs *detached* (`statecraft_core::detached`): its top level is the root
//! record (the `Store`'s execution: state, history, outbox, tokens), and each Parallel branch or
//! Map iteration is a child record in the `FanoutStore`, joined by counters. So no record is
//! hot and none grows with the number of items.
//!
//! A **step message** ([`message`]) names a record and what happened to it: a timer is due, a
//! task's outcome, start this child, a fan-out completed or failed, stop. The step handler
//! ([`handler`]) groups a batch's messages per record and, for each record, loads it, applies
//! the events with the pure core, renumbers the history events from the execution's id counter
//! (`FanoutStore::allocate_history_ids`, so root and children share one sequence), writes one
//! conditional commit (reloading and retrying on a conflict) and only then performs the effects
//! ([`dispatch`]):
//!
//! | effect | what the step function does |
//! | --- | --- |
//! | `ScheduleTimer` (Wait, retry back-off, TimeoutSeconds, HeartbeatSeconds, execution timeout) | a step message with `DelaySeconds`; a timer further away than the maximum delay (900 s) is sent on again when it arrives early (chained delays) |
//! | `InvokeTask` (Lambda) | a task message on the task queue, naming the outbox entry: the **task runner** ([`task`], the same code in task mode) reads the request, invokes the function synchronously (RequestResponse, bounded by TimeoutSeconds) and sends the outcome back as a step message |
//! | `InvokeTask` (activity) | `{taskToken, input, activityArn}` published to the activity's SNS topic; GetActivityTask reads the activity's SQS queue subscribed to it |
//! | `StartFanout` | the fan-out record with every child's input, then start messages for the children its concurrency allows |
//! | `ChildFinished` | the child's outcome counted; the join rule decides: start another child, or send `FanoutCompleted` / `FanoutFailed` to the parent (results are read from the fan-out store) |
//! | `CancelFanout` | the fan-out is marked decided: no more children start, running ones are stopped |
//!
//! Nothing of unbounded size travels in SQS (256 KiB): task inputs stay in the outbox, child
//! inputs and results in the fan-out store; only a task's result rides in its message, and one
//! too large for SQS is applied by the task runner itself (the core then fails it with
//! `States.DataLimitExceeded`, as payloads over 256 KiB fail on AWS).
//!
//! Long tasks do not hold up step batches: they run in the task runner, fed by its own queue
//! (give its event source mapping batch size 1 and a visibility timeout above the function
//! timeout). Activities and `.waitForTaskToken` tasks wait in the record for SendTaskSuccess,
//! with their TimeoutSeconds/HeartbeatSeconds as timers; a task token of a child record names
//! the record (`sc1.<record>.<256 random bits>`) and is checked against the hash the record keeps.
//!
//! # Idempotency
//!
//! SQS delivers at least once, and a function can die anywhere. Two rules make every message
//! safe to process again:
//!
//! 1. **The core ignores stale events.** Every wait carries a sequence number; a duplicate or
//!    late task result, timer or start is a no-op. A duplicate never applies a transition twice.
//! 2. **A message is deleted only after its commit's effects were performed**, and the effects
//!    a crash could lose are kept in the record: tasks and timers in the outbox (until their
//!    consequence is committed), fan-outs started under `f:frame:seq` in the outbox, cancelled
//!    fan-outs in the record's book; a finished child's report is rebuilt from its final state,
//!    and its last history rows are kept to be appended again. When a message comes back
//!    (`ApproximateReceiveCount` > 1) and turns out stale for its record, the record's pending
//!    effects are **performed again** (a *redo*): the message that committed them may have died
//!    before it performed them. Effects are themselves idempotent downstream (a re-sent timer or
//!    task result is stale, creating a fan-out or counting an outcome twice changes nothing).
//!
//! The cost: no extra write per transition; a redo happens only for a redelivered message and
//! may perform effects that had been performed (a task runs again: tasks are at-least-once, as
//! on AWS; a fan-out redo reads each started child's record to restart any whose start was
//! lost). A duplicate that arrives as a *new* message (receive count 1) is simply stale.
//! Starts by the api function commit and dispatch in the request: a crash between the two
//! leaves the execution waiting until StartExecution is retried (same name and input), which
//! performs its pending effects again. Stops and task completions through the API are applied
//! synchronously, so the API answers as AWS does; their effects (cancelling a fan-out,
//! the next task) are performed before the response.
//!
//! History ids are allocated before the commit; a commit that loses a race leaves a gap in the
//! ids. `previousEventId` is exact within a commit and to the same record's previous commit; a
//! child's first event points at the parent's last event before the fan-out.
//!
//! # Event-driven starts
//!
//! A message on a queue (or from a topic, directly or through a queue) listed in
//! `STATECRAFT_START_SOURCES` starts an execution of the configured state machine ([`starts`]);
//! the message id names the execution, so a redelivered message starts nothing twice.
//!
//! # Configuration (environment variables of both functions)
//!
//! | variable | meaning |
//! | --- | --- |
//! | `AWS_REGION`, `STATECRAFT_REGION` | the region of the ARNs issued (`STATECRAFT_REGION` wins) |
//! | `STATECRAFT_ACCOUNT` | the account of the ARNs issued (default 123456789012) |
//! | `STATECRAFT_STEP_QUEUE_URL` | the step queue (the step function's event source) |
//! | `STATECRAFT_TASK_QUEUE_URL` | the task queue (the task runner's event source; default: the step queue) |
//! | `STATECRAFT_ACTIVITIES` | JSON: `{"<activity ARN>": {"topic": "<SNS topic ARN>", "queue": "<SQS queue URL>"}}` |
//! | `STATECRAFT_START_SOURCES` | JSON: `{"<SQS queue ARN or SNS topic ARN>": "<state machine, version or alias ARN>"}` |
//! | `STATECRAFT_MAX_DELAY_SECONDS` | the longest SQS delay (default 900; lowered in tests) |
//! | `STATECRAFT_ACTIVITY_POLL_SECONDS` | how long GetActivityTask waits (default 25, at most 28: API Gateway's limit is ~29 s) |
//! | `STATECRAFT_TASK_TIMEOUT_SECONDS` | bound of a task call without TimeoutSeconds (default 900) |
//! | `STATECRAFT_TOKEN` | api function: a bearer token every API call must carry (callback URLs stay public) |
//! | `STATECRAFT_DEFINITIONS_TABLE`, `STATECRAFT_EXECUTIONS_TABLE` | the DynamoDB tables (`statecraft-aws`; defaults `statecraft-definitions`, `statecraft-executions`) |
//! | `STATECRAFT_STORE` | `dynamodb` (default) or `memory` (a single warm process only: `cargo lambda watch`, experiments) |
//! | `STATECRAFT_FAULT_CRASH_AFTER_COMMIT` | debug builds only: crash after this many commits (tests) |
//! | `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SQS`, ... | the SDK's standard endpoint overrides (moto, LocalStack) |
//!
//! The step function needs `sqs:SendMessage`/`DeleteMessage`/`ReceiveMessage`/`ChangeMessageVisibility`
//! on the step and task queues (event source mappings with `ReportBatchItemFailures`),
//! `sns:Publish` on activity topics, `lambda:InvokeFunction` on task targets; the api function
//! `sqs:SendMessage` on the step and task queues, `sqs:ReceiveMessage`/`DeleteMessage` on
//! activity queues, `sns:Publish` on activity topics.
//!
//! # What this crate does not do
//!
//! It holds no storage of its own (the stores are constructor parameters: DynamoDB from
//! `statecraft-aws` in the functions ([`aws::from_env`]) and the integration tests, memory in
//! the fast protocol tests), runs no service integrations besides Lambda in the task
//! runner, and cannot interrupt a task already running when its state is aborted (its late
//! result is stale). When a fan-out fails or is cancelled, its running children are stopped
//! (their running states recorded as aborted, then `MapIterationAborted`, before the parent
//! records the failure, as the embedded mode does) and children not yet started never start.

pub mod api;
pub mod aws;
pub mod bus;
pub mod config;
pub mod counted;
mod dispatch;
pub mod driver;
pub mod fault;
pub mod handler;
pub mod invoker;
pub mod message;
pub mod metrics;
pub mod record;
pub mod starts;
mod step;
mod task;

pub use bus::{Bus, Outgoing, Received, SqsSns};
pub use config::{ActivityRoute, Config};
pub use driver::{Error, ServerlessDriver};
pub use message::{Message, RecordRef};
pub use metrics::{Metrics, Op};
