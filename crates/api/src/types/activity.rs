//! Activities and task tokens: Create/Describe/Delete/ListActivities, GetActivityTask and
//! SendTaskSuccess/Failure/Heartbeat (which answer both activity and `.waitForTaskToken` tasks).

use serde::{Deserialize, Serialize};

use super::{EncryptionConfiguration, Tag, Timestamp};

/// CreateActivity request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateActivityInput {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
}

/// CreateActivity response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateActivityOutput {
    pub activity_arn: String,
    pub creation_date: Timestamp,
}

/// DescribeActivity request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeActivityInput {
    pub activity_arn: String,
}

/// DescribeActivity response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeActivityOutput {
    pub activity_arn: String,
    pub name: String,
    pub creation_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
}

/// DeleteActivity request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteActivityInput {
    pub activity_arn: String,
}

/// DeleteActivity response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteActivityOutput {}

/// ListActivities request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListActivitiesInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListActivities response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListActivitiesOutput {
    pub activities: Vec<ActivityListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `activities`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityListItem {
    pub activity_arn: String,
    pub name: String,
    pub creation_date: Timestamp,
}

/// GetActivityTask request (a long poll: AWS holds it up to 60 s).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetActivityTaskInput {
    pub activity_arn: String,
    /// Recorded in the `ActivityStarted` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_name: Option<String>,
}

/// GetActivityTask response; both members absent when no task arrived before the poll
/// ended.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetActivityTaskOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// SendTaskSuccess request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskSuccessInput {
    pub task_token: String,
    /// JSON text.
    pub output: String,
}

/// SendTaskSuccess response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendTaskSuccessOutput {}

/// SendTaskFailure request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskFailureInput {
    pub task_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// SendTaskFailure response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendTaskFailureOutput {}

/// SendTaskHeartbeat request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTaskHeartbeatInput {
    pub task_token: String,
}

/// SendTaskHeartbeat response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SendTaskHeartbeatOutput {}
