//! Triggers, notifications and the HTTP Task, in-process: schedules under a [`ManualClock`]
//! (no sleeps), start URLs and queue pollers against a recording starter, the HTTP Task and
//! the notification webhook against real HTTP servers on loopback, the SigV4 signer against
//! botocore.
//!
//! [`ManualClock`]: statecraft_runtime::triggers::ManualClock

#[allow(dead_code)]
#[path = "../resolvers/common.rs"]
mod common;
mod config;
mod fake;
mod http_task;
mod notify;
mod queue;
mod schedule;
mod sigv4;
mod start_url;
