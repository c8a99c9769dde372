//! Event-driven starts: a message on a configured queue or topic starts an execution of a
//! configured state machine, with the message as its input (JSON as is; other text as a JSON
//! string). The message id names the execution, so a message delivered twice starts one
//! execution: the second start is StartExecution's idempotent case (same name, same input) or,
//! once the first has ended, `ExecutionAlreadyExists`, which is success here.
//!
//! Starts go through the control plane (`statecraft-service`), so names, inputs, versions and
//! aliases are checked as StartExecution checks them.

use crate::driver::{Error, Result, ServerlessDriver};
use statecraft_api::types::StartExecutionInput;
use statecraft_api::{ErrorCode, StepFunctions};
use statecraft_service::Service;
use std::sync::Arc;

impl ServerlessDriver {
    /// Starts the state machine configured for `source` with a message's id and body.
    pub(crate) async fn start_from(&self, source: &str, message_id: &str, body: &str) -> Result<()> {
        let Some(sm) = self.inner.config.start_sources.get(source).cloned() else {
            return Err(Error::Internal(format!("no state machine configured for source {source}")));
        };
        self.start_for_message(&sm, message_id, body).await
    }

    pub(crate) async fn start_for_message(
        &self,
        state_machine_arn: &str,
        message_id: &str,
        body: &str,
    ) -> Result<()> {
        let input = match serde_json::from_str::<serde_json::Value>(body) {
            Ok(_) => body.to_string(),
            Err(_) => serde_json::Value::String(body.to_string()).to_string(),
        };
        let service = Service::with_driver(Arc::new(self.clone()));
        let request = StartExecutionInput {
            state_machine_arn: state_machine_arn.to_string(),
            name: Some(execution_name(message_id)),
            input: Some(input),
            ..Default::default()
        };
        match service.start_execution(request).await {
            Ok(_) => Ok(()),
            // Started by an earlier delivery of this message, which has ended since.
            Err(e) if e.code() == ErrorCode::ExecutionAlreadyExists => Ok(()),
            // Never going to work: drop it rather than retry forever.
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::InvalidExecutionInput
                        | ErrorCode::InvalidName
                        | ErrorCode::StateMachineDoesNotExist
                        | ErrorCode::InvalidArn
                ) =>
            {
                crate::handler::log(format!("start from message {message_id} refused: {}", e.message()));
                Ok(())
            }
            Err(e) => Err(Error::Internal(format!("start from message {message_id}: {}", e.message()))),
        }
    }
}

/// An execution name from a message id: the characters names allow, at most 80.
pub fn execution_name(message_id: &str) -> String {
    let name: String = message_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(80)
        .collect();
    if name.is_empty() {
        "message".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_come_from_message_ids() {
        assert_eq!(super::execution_name("0a1b-2c3d"), "0a1b-2c3d");
        assert_eq!(super::execution_name("a/b:c"), "a_b_c");
        assert_eq!(super::execution_name(&"x".repeat(100)).len(), 80);
        assert_eq!(super::execution_name(""), "message");
    }
}
