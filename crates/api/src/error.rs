//! The one error type of the API and its wire form.
//!
//! Every failure a client can see, whether raised by the service behind the trait or by the
//! router itself (bad body, unknown operation, missing token), is an [`ApiError`], and its
//! single [`IntoResponse`] impl renders the AWS JSON 1.0 error shape:
//! `{"__type": "<Code>", "message": "..."}` plus modeled members (`reason`, `resourceName`,
//! `kmsKeyState`), with the code also in the `x-amzn-ErrorType` header. botocore reads the
//! code from `__type`; the Smithy-generated SDKs read the header first, then `__type`.
//! This module does not decide *which* error an operation returns: that is the service's.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::types::wire_enum;

/// The `Content-Type` of every AWS JSON 1.0 response.
pub(crate) const AMZ_JSON: &str = "application/x-amz-json-1.0";

macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident = $status:literal,)+) => {
        /// An AWS error code: the Step Functions modeled exceptions plus the protocol-level
        /// codes AWS's front end uses. `as_str()` is the exact wire name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),+];

            /// The code as it appears in `__type` and `x-amzn-ErrorType`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$code => stringify!($code),)+
                }
            }

            /// The code named `name` (as in `__type`, without any `namespace#` prefix).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($code) => Some(Self::$code),)+
                    _ => None,
                }
            }

            /// The HTTP status AWS answers with.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Self::$code => StatusCode::from_u16($status).unwrap_or(StatusCode::BAD_REQUEST),)+
                }
            }
        }
    };
}

error_codes! {
    ActivityAlreadyExists = 400,
    ActivityDoesNotExist = 400,
    ActivityLimitExceeded = 400,
    ActivityWorkerLimitExceeded = 400,
    ConflictException = 400,
    ExecutionAlreadyExists = 400,
    ExecutionDoesNotExist = 400,
    ExecutionLimitExceeded = 400,
    ExecutionNotRedrivable = 400,
    InvalidArn = 400,
    InvalidDefinition = 400,
    InvalidEncryptionConfiguration = 400,
    InvalidExecutionInput = 400,
    InvalidLoggingConfiguration = 400,
    InvalidName = 400,
    InvalidOutput = 400,
    InvalidToken = 400,
    InvalidTracingConfiguration = 400,
    KmsAccessDeniedException = 400,
    KmsInvalidStateException = 400,
    KmsThrottlingException = 400,
    MissingRequiredParameter = 400,
    ResourceNotFound = 400,
    ServiceQuotaExceededException = 400,
    StateMachineAlreadyExists = 400,
    StateMachineDeleting = 400,
    StateMachineDoesNotExist = 400,
    StateMachineLimitExceeded = 400,
    StateMachineTypeNotSupported = 400,
    TaskDoesNotExist = 400,
    TaskTimedOut = 400,
    TooManyTags = 400,
    /// Input fails a model constraint (missing member, bad enum value, out-of-range number).
    ValidationException = 400,
    /// The body is not JSON, or a member has the wrong JSON type.
    SerializationException = 400,
    /// Missing or unrecognised `X-Amz-Target`.
    UnknownOperationException = 400,
    /// Missing or wrong bearer token (AWS uses it for an unknown access key, with 400; the
    /// auth layer answers 401 so that plain HTTP clients see an authentication failure).
    UnrecognizedClientException = 401,
    AccessDeniedException = 400,
    ThrottlingException = 400,
    /// A fault on the server side.
    InternalFailure = 500,
    ServiceUnavailable = 503,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

wire_enum! {
    /// `reason` of a `ValidationException`.
    ValidationExceptionReason {
        ApiDoesNotSupportLabeledArns = "API_DOES_NOT_SUPPORT_LABELED_ARNS",
        MissingRequiredParameter = "MISSING_REQUIRED_PARAMETER",
        CannotUpdateCompletedMapRun = "CANNOT_UPDATE_COMPLETED_MAP_RUN",
        InvalidRoutingConfiguration = "INVALID_ROUTING_CONFIGURATION",
    }
}

wire_enum! {
    /// `kmsKeyState` of a `KmsInvalidStateException`.
    KmsKeyState {
        Disabled = "DISABLED",
        PendingDeletion = "PENDING_DELETION",
        PendingImport = "PENDING_IMPORT",
        Unavailable = "UNAVAILABLE",
        Creating = "CREATING",
    }
}

/// An error as a Step Functions client sees it: an AWS code, a message, and the code's
/// modeled extra members when it has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    reason: Option<ValidationExceptionReason>,
    resource_name: Option<String>,
    kms_key_state: Option<KmsKeyState>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), reason: None, resource_name: None, kms_key_state: None }
    }

    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationException, message)
    }

    /// An `InternalFailure` (HTTP 500): for faults of the server, never of the request.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalFailure, message)
    }

    /// An `UnknownOperationException` for an action this server does not implement.
    pub fn unsupported(action: &str) -> Self {
        Self::new(ErrorCode::UnknownOperationException, format!("{action} is not supported by this server"))
    }

    /// Sets `reason` (only `ValidationException` carries it on the wire).
    pub fn with_reason(mut self, reason: ValidationExceptionReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Sets `resourceName` (carried by `ResourceNotFound` and `TooManyTags`).
    pub fn with_resource_name(mut self, arn: impl Into<String>) -> Self {
        self.resource_name = Some(arn.into());
        self
    }

    /// Sets `kmsKeyState` (carried by `KmsInvalidStateException`).
    pub fn with_kms_key_state(mut self, state: KmsKeyState) -> Self {
        self.kms_key_state = Some(state);
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn reason(&self) -> Option<ValidationExceptionReason> {
        self.reason
    }

    pub fn resource_name(&self) -> Option<&str> {
        self.resource_name.as_deref()
    }

    pub fn kms_key_state(&self) -> Option<KmsKeyState> {
        self.kms_key_state
    }

    /// The JSON body AWS sends for this error.
    pub fn to_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), self.code.as_str().into());
        body.insert("message".into(), self.message.clone().into());
        if let Some(reason) = self.reason {
            body.insert("reason".into(), reason.as_str().into());
        }
        if let Some(name) = &self.resource_name {
            body.insert("resourceName".into(), name.clone().into());
        }
        if let Some(state) = self.kms_key_state {
            body.insert("kmsKeyState".into(), state.as_str().into());
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.to_body().to_string();
        let mut response = (self.code.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(self.code.as_str()));
        if self.code == ErrorCode::UnrecognizedClientException {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_their_names() {
        assert_eq!(ErrorCode::ExecutionDoesNotExist.as_str(), "ExecutionDoesNotExist");
        assert_eq!(ErrorCode::InternalFailure.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ErrorCode::UnrecognizedClientException.status(), StatusCode::UNAUTHORIZED);
        for code in ErrorCode::ALL {
            assert!(HeaderValue::from_str(code.as_str()).is_ok());
            assert_eq!(ErrorCode::from_name(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn body_has_modeled_members_only_when_set() {
        let plain = ApiError::new(ErrorCode::InvalidArn, "bad");
        assert_eq!(plain.to_body().to_string(), r#"{"__type":"InvalidArn","message":"bad"}"#);
        let rich = ApiError::validation("no")
            .with_reason(ValidationExceptionReason::InvalidRoutingConfiguration)
            .with_resource_name("arn:x");
        assert_eq!(
            rich.to_body().to_string(),
            r#"{"__type":"ValidationException","message":"no","reason":"INVALID_ROUTING_CONFIGURATION","resourceName":"arn:x"}"#
        );
    }
}
