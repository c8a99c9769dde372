//! The shell around the pure interpreter: it performs the core's effects. This crate holds
//! what every shell shares: the storage and task ports ([`ports`], [`invoke`]), the durable
//! engine that drives executions through them ([`engine`]), task resolution through the Step
//! Functions Local mock format ([`mock`]), and the in-process loop that runs one execution to
//! its end ([`runner`], used by `statecraft run`), the project file ([`config`],
//! `statecraft.toml`) and the resolvers that run Task resources for real ([`resolvers`]:
//! commands, HTTP endpoints, Lambda Invoke API endpoints, activity webhooks). [`memory`] is the
//! in-memory store for tests, and [`store_tests`] the behavioural suite every store must pass.
//! [`triggers`] start executions from schedules, HTTP start URLs and SQS queues; [`notify`]
//! sends execution status-change events to webhooks and EventBridge.

pub mod config;
pub mod driver;
pub mod engine;
pub mod env;
pub mod fanout_store;
pub mod invoke;
pub mod memory;
pub mod mock;
pub mod notify;
pub mod ports;
pub mod resolvers;
pub mod runner;
pub mod store_tests;
pub mod triggers;

pub use memory::MemoryStore;
pub use mock::{MockConfig, MockResponse};
pub use runner::{run_to_end, Clock, MockResolver, Outcome, Resolution, Resolver, RunError};
