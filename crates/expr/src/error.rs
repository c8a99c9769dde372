//! The predefined `States.*` error names and the evaluation error type.

use std::fmt;

/// AWS's predefined error names. `as_str()` matches AWS exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatesError {
    All,
    HeartbeatTimeout,
    Timeout,
    TaskFailed,
    Permissions,
    ResultPathMatchFailure,
    ParameterPathFailure,
    QueryEvaluationError,
    BranchFailed,
    NoChoiceMatched,
    IntrinsicFailure,
    ExceedToleratedFailureThreshold,
    ItemReaderFailed,
    ResultWriterFailed,
    Runtime,
    DataLimitExceeded,
}

impl StatesError {
    pub const ALL: [StatesError; 16] = [
        StatesError::All,
        StatesError::HeartbeatTimeout,
        StatesError::Timeout,
        StatesError::TaskFailed,
        StatesError::Permissions,
        StatesError::ResultPathMatchFailure,
        StatesError::ParameterPathFailure,
        StatesError::QueryEvaluationError,
        StatesError::BranchFailed,
        StatesError::NoChoiceMatched,
        StatesError::IntrinsicFailure,
        StatesError::ExceedToleratedFailureThreshold,
        StatesError::ItemReaderFailed,
        StatesError::ResultWriterFailed,
        StatesError::Runtime,
        StatesError::DataLimitExceeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatesError::All => "States.ALL",
            StatesError::HeartbeatTimeout => "States.HeartbeatTimeout",
            StatesError::Timeout => "States.Timeout",
            StatesError::TaskFailed => "States.TaskFailed",
            StatesError::Permissions => "States.Permissions",
            StatesError::ResultPathMatchFailure => "States.ResultPathMatchFailure",
            StatesError::ParameterPathFailure => "States.ParameterPathFailure",
            StatesError::QueryEvaluationError => "States.QueryEvaluationError",
            StatesError::BranchFailed => "States.BranchFailed",
            StatesError::NoChoiceMatched => "States.NoChoiceMatched",
            StatesError::IntrinsicFailure => "States.IntrinsicFailure",
            StatesError::ExceedToleratedFailureThreshold => "States.ExceedToleratedFailureThreshold",
            StatesError::ItemReaderFailed => "States.ItemReaderFailed",
            StatesError::ResultWriterFailed => "States.ResultWriterFailed",
            StatesError::Runtime => "States.Runtime",
            StatesError::DataLimitExceeded => "States.DataLimitExceeded",
        }
    }

    pub fn parse(name: &str) -> Option<StatesError> {
        StatesError::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl fmt::Display for StatesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A runtime failure of an expression: the ASL error name and AWS's cause text (without the
/// "An error occurred while executing the state ..." prefix, which the interpreter adds).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct EvalError {
    pub error: StatesError,
    pub cause: String,
}

impl EvalError {
    pub fn new(error: StatesError, cause: impl Into<String>) -> EvalError {
        EvalError { error, cause: cause.into() }
    }
}
