//! Validation diagnostics in the shape of AWS's `ValidateStateMachineDefinition`: a severity,
//! one of AWS's codes, a message in AWS's words where they are known, and a location.
//!
//! AWS's conventions, which the parser follows: a missing or unknown field is reported at the
//! object that holds it (`These fields are required: [Resource]`, `Field 'Retry' is not
//! supported` at `/States/A`); a field of the other query language at the state; a bad value
//! at the field itself (`String does not match RFC3339 timestamp` at `/States/W/Timestamp`,
//! `Minimum value is 0`); two exclusive fields at the first; a bad `.$` binding in a payload
//! template at the object that holds the binding.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Error,
    Warning,
}

/// Diagnostic codes, as AWS lists them for `ValidateStateMachineDefinition`, plus the two it
/// returns for JSONata expressions. `as_str()` gives AWS's code. AWS has no code of its own for
/// an unreachable state: it reports one as `MISSING_TRANSITION_TARGET` (`State "X" is not
/// reachable.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    InvalidJsonDescription,
    MissingDescription,
    SchemaValidationFailed,
    InvalidResource,
    MissingEndState,
    DuplicateStateName,
    InvalidStateName,
    MissingTransitionTarget,
    TooDeeplyNested,
    InvalidJsonataExpression,
    UnsupportedJsonataExpression,
    NoDollar,
    NoPath,
    PassResultIsStatic,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJsonDescription => "INVALID_JSON_DESCRIPTION",
            Code::MissingDescription => "MISSING_DESCRIPTION",
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::InvalidResource => "INVALID_RESOURCE",
            Code::MissingEndState => "MISSING_END_STATE",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::InvalidStateName => "INVALID_STATE_NAME",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::TooDeeplyNested => "TOO_DEEPLY_NESTED",
            Code::InvalidJsonataExpression => "INVALID_JSONATA_EXPRESSION",
            Code::UnsupportedJsonataExpression => "UNSUPPORTED_JSONATA_EXPRESSION",
            Code::NoDollar => "NO_DOLLAR",
            Code::NoPath => "NO_PATH",
            Code::PassResultIsStatic => "PASS_RESULT_IS_STATIC",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::NoDollar | Code::NoPath | Code::PassResultIsStatic => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem in a definition: what, and where, written as AWS writes locations: keys joined
/// by `/`, unescaped, array elements as `Key[i]` (`/States/Check/Choices[0]/Next`). A JSON
/// syntax error is located in Jackson's form instead, and some diagnostics have no location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, location: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            location: Some(location.into()),
        }
    }

    /// A diagnostic that AWS reports without a location.
    pub fn unlocated(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: code.severity(), code, message: message.into(), location: None }
    }

    /// AWS's `InvalidDefinition` message for CreateStateMachine:
    /// `Invalid State Machine Definition: 'CODE: message at /location, CODE: ...'`. AWS prints
    /// a missing location as `null` (`'MISSING_END_STATE: Workflow has no terminal state at
    /// null'`).
    pub fn invalid_definition_message(diagnostics: &[Diagnostic]) -> String {
        let parts: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| match &d.location {
                Some(loc) => format!("{}: {} at {}", d.code.as_str(), d.message.trim_end(), loc),
                None => format!("{}: {} at null", d.code.as_str(), d.message.trim_end()),
            })
            .collect();
        format!("Invalid State Machine Definition: '{}'", parts.join(", "))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.location {
            Some(loc) => write!(f, "{sev}[{}] {loc}: {}", self.code.as_str(), self.message),
            None => write!(f, "{sev}[{}]: {}", self.code.as_str(), self.message),
        }
    }
}

/// Escapes a key for use in a JSON pointer (RFC 6901). Diagnostics do not use it (AWS's
/// locations are unescaped); JSONata templates report their inner errors with it.
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
