//! One module per state type; [`crate::execution::Machine::run_state`] dispatches to them.
//! Each `run` receives the frame positioned on its state, after `StateEntered` is recorded.

pub(crate) mod choice;
pub(crate) mod errors;
pub(crate) mod fail;
pub(crate) mod fanout;
pub(crate) mod map;
pub(crate) mod parallel;
pub(crate) mod pass;
pub(crate) mod succeed;
pub(crate) mod task;
pub(crate) mod wait;
