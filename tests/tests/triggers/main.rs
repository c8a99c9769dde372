//! Triggers, notifications, the HTTP Task and Express workflows through `statecraft serve`:
//! the real binary on a loopback port, real sockets, real clients (boto3, the aws CLI, the AWS
//! SDK for Rust), and moto in server mode as the SQS queue. Every process a test starts is
//! killed when the test ends; nothing sleeps: waits are on conditions with deadlines.

mod common;
mod express;
mod notifications;
mod queue;
mod start_url;
