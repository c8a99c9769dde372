//! State machines, their versions and aliases: Create/Describe/Update/Delete/ListStateMachines,
//! PublishStateMachineVersion, List/DeleteStateMachineVersion(s), the five alias actions and
//! DescribeStateMachineForExecution.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    EncryptionConfiguration, IncludedData, LoggingConfiguration, StateMachineStatus, StateMachineType, Tag,
    Timestamp, TracingConfiguration,
};

/// `variableReferences`: for each state name, the workflow variables its JSONata
/// expressions read.
pub type VariableReferences = BTreeMap<String, Vec<String>>;

/// CreateStateMachine request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineInput {
    pub name: String,
    /// The Amazon States Language definition, as JSON text.
    pub definition: String,
    pub role_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<StateMachineType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_configuration: Option<TracingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
}

/// CreateStateMachine response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineOutput {
    pub state_machine_arn: String,
    pub creation_date: Timestamp,
    /// Present when the request had `publish: true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_version_arn: Option<String>,
}

/// DescribeStateMachine request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineInput {
    /// A state machine, version (`...:name:3`) or alias (`...:name:PROD`) ARN.
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_data: Option<IncludedData>,
}

/// DescribeStateMachine response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineOutput {
    pub state_machine_arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StateMachineStatus>,
    pub definition: String,
    pub role_arn: String,
    pub r#type: StateMachineType,
    pub creation_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_configuration: Option<TracingConfiguration>,
    /// Only for a Distributed Map child workflow: the Map state's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    /// The version's description, when the ARN names a version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable_references: Option<VariableReferences>,
}

/// UpdateStateMachine request. At least one of `definition`, `roleArn`,
/// `loggingConfiguration`, `tracingConfiguration`, `encryptionConfiguration` is expected
/// (AWS answers `MissingRequiredParameter` otherwise; that check is the service's).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineInput {
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_configuration: Option<TracingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
}

/// UpdateStateMachine response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineOutput {
    pub update_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_version_arn: Option<String>,
}

/// DeleteStateMachine request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteStateMachineInput {
    pub state_machine_arn: String,
}

/// DeleteStateMachine response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteStateMachineOutput {}

/// ListStateMachines request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachinesInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListStateMachines response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachinesOutput {
    pub state_machines: Vec<StateMachineListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `stateMachines`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineListItem {
    pub state_machine_arn: String,
    pub name: String,
    pub r#type: StateMachineType,
    pub creation_date: Timestamp,
}

/// PublishStateMachineVersion request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishStateMachineVersionInput {
    pub state_machine_arn: String,
    /// Publish only if the state machine's current revision is this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// PublishStateMachineVersion response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishStateMachineVersionOutput {
    pub creation_date: Timestamp,
    pub state_machine_version_arn: String,
}

/// ListStateMachineVersions request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineVersionsInput {
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
}

/// ListStateMachineVersions response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineVersionsOutput {
    pub state_machine_versions: Vec<StateMachineVersionListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `stateMachineVersions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineVersionListItem {
    pub state_machine_version_arn: String,
    pub creation_date: Timestamp,
}

/// DeleteStateMachineVersion request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteStateMachineVersionInput {
    pub state_machine_version_arn: String,
}

/// DeleteStateMachineVersion response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteStateMachineVersionOutput {}

/// One entry of an alias's `routingConfiguration`: a version and its share of executions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingConfigurationListItem {
    pub state_machine_version_arn: String,
    /// 0..=100; the weights of one alias add up to 100.
    pub weight: i32,
}

/// CreateStateMachineAlias request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineAliasInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub name: String,
    /// One or two versions.
    pub routing_configuration: Vec<RoutingConfigurationListItem>,
}

/// CreateStateMachineAlias response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStateMachineAliasOutput {
    pub state_machine_alias_arn: String,
    pub creation_date: Timestamp,
}

/// DescribeStateMachineAlias request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineAliasInput {
    pub state_machine_alias_arn: String,
}

/// DescribeStateMachineAlias response (every member optional in the model).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineAliasOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_alias_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_configuration: Option<Vec<RoutingConfigurationListItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<Timestamp>,
}

/// UpdateStateMachineAlias request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineAliasInput {
    pub state_machine_alias_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_configuration: Option<Vec<RoutingConfigurationListItem>>,
}

/// UpdateStateMachineAlias response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStateMachineAliasOutput {
    pub update_date: Timestamp,
}

/// DeleteStateMachineAlias request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteStateMachineAliasInput {
    pub state_machine_alias_arn: String,
}

/// DeleteStateMachineAlias response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteStateMachineAliasOutput {}

/// ListStateMachineAliases request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineAliasesInput {
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
}

/// ListStateMachineAliases response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStateMachineAliasesOutput {
    pub state_machine_aliases: Vec<StateMachineAliasListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `stateMachineAliases`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineAliasListItem {
    pub state_machine_alias_arn: String,
    pub creation_date: Timestamp,
}

/// DescribeStateMachineForExecution request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineForExecutionInput {
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_data: Option<IncludedData>,
}

/// DescribeStateMachineForExecution response: the definition the execution ran with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStateMachineForExecutionOutput {
    pub state_machine_arn: String,
    pub name: String,
    pub definition: String,
    pub role_arn: String,
    pub update_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_configuration: Option<TracingConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_run_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable_references: Option<VariableReferences>,
}
