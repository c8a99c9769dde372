//! The pure Amazon States Language interpreter: `(definition, execution, event, env)` gives
//! the new execution, the effects to perform and the history events to record
//! ([`Execution::apply`]).
//!
//! This crate does no I/O: it does not read the clock, draw randomness, sleep, spawn or touch
//! a file or socket. Time, randomness and task tokens come from [`Env`]; effects leave as data
//! ([`Effect`]) for a shell to perform after it has committed the new state. The same core runs
//! under `statecraft run`, `statecraft serve` and the serverless step function.

pub mod context;
pub mod detached;
pub mod env;
pub mod event;
pub mod execution;
pub mod history;
pub mod ids;
pub(crate) mod io;
pub(crate) mod states;
pub mod vars;

pub use env::{Env, FixedEnv};
pub use event::{Effect, Event, TaskId, TaskRequest, TimerId, TimerKind};
pub use execution::{Execution, ExecutionInfo, Failure, Limits, Status, Step};
pub use history::{EventKind, HistoryEvent, TaskFamily};
pub use states::choice::{compare, string_matches};
pub use states::errors::backoff_millis;
pub use states::fanout::{Decision, Fanout};
