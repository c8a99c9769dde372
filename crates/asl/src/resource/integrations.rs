//! The optimized service integrations AWS recognizes in a Task `Resource`
//! (`arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]`), with the integration
//! patterns each action supports. Built from AWS's documentation of optimized integrations
//! (the "Supported APIs" list on each service's page and the patterns table of "Integrating
//! optimized services with Step Functions"). Anything else under `arn:aws:states:::` is
//! rejected by AWS with "The resource provided ... is not recognized"; AWS SDK integrations
//! (`aws-sdk:SERVICE:ACTION`) support request-response and `.waitForTaskToken`, never `.sync`.

use super::Pattern;

const RR: u8 = 1;
const SYNC: u8 = 2;
const SYNC2: u8 = 4;
const CALLBACK: u8 = 8;

/// (service, action, supported patterns).
const OPTIMIZED: &[(&str, &str, u8)] = &[
    ("lambda", "invoke", RR | CALLBACK),
    ("batch", "submitJob", RR | SYNC),
    ("dynamodb", "getItem", RR),
    ("dynamodb", "putItem", RR),
    ("dynamodb", "updateItem", RR),
    ("dynamodb", "deleteItem", RR),
    ("ecs", "runTask", RR | SYNC | CALLBACK),
    ("sns", "publish", RR | CALLBACK),
    ("sqs", "sendMessage", RR | CALLBACK),
    ("glue", "startJobRun", RR | SYNC),
    ("sagemaker", "createEndpoint", RR),
    ("sagemaker", "createEndpointConfig", RR),
    ("sagemaker", "createHyperParameterTuningJob", RR | SYNC),
    ("sagemaker", "createLabelingJob", RR | SYNC),
    ("sagemaker", "createModel", RR),
    ("sagemaker", "createProcessingJob", RR | SYNC),
    ("sagemaker", "createTrainingJob", RR | SYNC),
    ("sagemaker", "createTransformJob", RR | SYNC),
    ("sagemaker", "updateEndpoint", RR),
    ("elasticmapreduce", "createCluster", RR | SYNC),
    ("elasticmapreduce", "setClusterTerminationProtection", RR),
    ("elasticmapreduce", "terminateCluster", RR | SYNC),
    ("elasticmapreduce", "addStep", RR | SYNC),
    ("elasticmapreduce", "cancelStep", RR),
    ("elasticmapreduce", "modifyInstanceFleetByName", RR),
    ("elasticmapreduce", "modifyInstanceGroupByName", RR),
    ("emr-containers", "createVirtualCluster", RR),
    ("emr-containers", "deleteVirtualCluster", RR | SYNC),
    ("emr-containers", "startJobRun", RR | SYNC),
    ("emr-serverless", "createApplication", RR | SYNC),
    ("emr-serverless", "startApplication", RR | SYNC),
    ("emr-serverless", "stopApplication", RR | SYNC),
    ("emr-serverless", "deleteApplication", RR | SYNC),
    ("emr-serverless", "startJobRun", RR | SYNC),
    ("emr-serverless", "cancelJobRun", RR | SYNC),
    ("codebuild", "startBuild", RR | SYNC),
    ("codebuild", "stopBuild", RR),
    ("codebuild", "batchDeleteBuilds", RR),
    ("codebuild", "batchGetReports", RR),
    ("codebuild", "startBuildBatch", RR | SYNC),
    ("codebuild", "stopBuildBatch", RR),
    ("codebuild", "retryBuildBatch", RR | SYNC),
    ("codebuild", "deleteBuildBatch", RR),
    ("athena", "startQueryExecution", RR | SYNC),
    ("athena", "stopQueryExecution", RR),
    ("athena", "getQueryExecution", RR),
    ("athena", "getQueryResults", RR),
    ("eks", "createCluster", RR | SYNC),
    ("eks", "deleteCluster", RR | SYNC),
    ("eks", "createFargateProfile", RR | SYNC),
    ("eks", "deleteFargateProfile", RR | SYNC),
    ("eks", "createNodegroup", RR | SYNC),
    ("eks", "deleteNodegroup", RR | SYNC),
    // The patterns table gives EKS .waitForTaskToken; the Kubernetes API calls are the ones that
    // can hand a token to a pod.
    ("eks", "runJob", RR | SYNC | CALLBACK),
    ("eks", "call", RR | CALLBACK),
    ("apigateway", "invoke", RR | CALLBACK),
    ("databrew", "startJobRun", RR | SYNC),
    ("events", "putEvents", RR | CALLBACK),
    ("states", "startExecution", RR | SYNC | SYNC2 | CALLBACK),
    ("bedrock", "invokeModel", RR),
    ("bedrock", "createModelCustomizationJob", RR | SYNC | CALLBACK),
    ("mediaconvert", "createJob", RR | SYNC),
    ("http", "invoke", RR),
];

fn bit(p: Pattern) -> u8 {
    match p {
        Pattern::RequestResponse => RR,
        Pattern::Sync => SYNC,
        Pattern::Sync2 => SYNC2,
        Pattern::WaitForTaskToken => CALLBACK,
    }
}

/// Whether AWS recognizes `service:action` with `pattern` as an optimized integration.
pub(super) fn optimized(service: &str, action: &str, pattern: Pattern) -> bool {
    OPTIMIZED.iter().any(|(s, a, mask)| *s == service && *a == action && mask & bit(pattern) != 0)
}

/// Whether AWS accepts `pattern` for an AWS SDK integration.
pub(super) fn sdk(pattern: Pattern) -> bool {
    matches!(pattern, Pattern::RequestResponse | Pattern::WaitForTaskToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_documented_actions_and_patterns() {
        assert!(optimized("dynamodb", "getItem", Pattern::RequestResponse));
        assert!(!optimized("dynamodb", "query", Pattern::RequestResponse));
        assert!(!optimized("dynamodb", "getItem", Pattern::WaitForTaskToken));
        assert!(optimized("states", "startExecution", Pattern::Sync2));
        assert!(!optimized("lambda", "invoke", Pattern::Sync));
        assert!(optimized("sqs", "sendMessage", Pattern::WaitForTaskToken));
        assert!(sdk(Pattern::WaitForTaskToken) && !sdk(Pattern::Sync));
    }
}
