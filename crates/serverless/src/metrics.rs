//! Request counters: how many AWS requests the serverless driver makes, by kind, so the cost
//! of a state transition can be measured (`requests / transitions`). Counting is a relaxed
//! atomic add per request: cheap enough to stay on in production, where the counts can be
//! logged per invocation.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// A storage read (one port call: DynamoDB GetItem/Query).
    StoreRead,
    /// A storage write (one port call: DynamoDB PutItem/UpdateItem/TransactWriteItems).
    StoreWrite,
    /// SQS SendMessage or SendMessageBatch.
    SqsSend,
    SqsReceive,
    SqsDelete,
    SnsPublish,
    /// Lambda Invoke of a task's target function.
    LambdaInvoke,
    /// A committed transition of a record (one conditional write that moved a record's state).
    Transition,
    /// A step message handled (any outcome).
    Message,
    /// Effects re-performed because a message came back after a crash.
    Redo,
}

const ALL: [Op; 10] = [
    Op::StoreRead,
    Op::StoreWrite,
    Op::SqsSend,
    Op::SqsReceive,
    Op::SqsDelete,
    Op::SnsPublish,
    Op::LambdaInvoke,
    Op::Transition,
    Op::Message,
    Op::Redo,
];

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::StoreRead => "store_read",
            Op::StoreWrite => "store_write",
            Op::SqsSend => "sqs_send",
            Op::SqsReceive => "sqs_receive",
            Op::SqsDelete => "sqs_delete",
            Op::SnsPublish => "sns_publish",
            Op::LambdaInvoke => "lambda_invoke",
            Op::Transition => "transition",
            Op::Message => "message",
            Op::Redo => "redo",
        }
    }

    fn index(self) -> usize {
        ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: [AtomicU64; 10],
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    pub fn count(&self, op: Op) {
        self.add(op, 1);
    }

    pub fn add(&self, op: Op, n: u64) {
        self.counts[op.index()].fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self, op: Op) -> u64 {
        self.counts[op.index()].load(Ordering::Relaxed)
    }

    /// Every counter, by name.
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        ALL.iter().map(|op| (op.as_str(), self.get(*op))).collect()
    }

    /// The counts since `before` (a snapshot).
    pub fn since(&self, before: &BTreeMap<&'static str, u64>) -> BTreeMap<&'static str, u64> {
        self.snapshot().into_iter().map(|(k, v)| (k, v - before.get(k).copied().unwrap_or(0))).collect()
    }
}
