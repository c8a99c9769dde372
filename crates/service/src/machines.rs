//! State machines, their versions and aliases: Create/Describe/Update/Delete/List, Publish and
//! weighted alias routing. Every update makes a new immutable revision; executions and versions
//! keep the revision they point at, so editing a machine never changes what runs.

use super::names::{check_name, parse_machine, valid_name, MachineRef};
use super::{page, store_error, ts, Result, Service};
use statecraft_api::types::*;
use statecraft_api::{ApiError, ErrorCode};
use statecraft_asl::{parse, MachineType};
use statecraft_runtime::env::{now_millis, SystemEnv};
use statecraft_runtime::ports::{
    self, AliasRecord, MachineKind, RevisionRecord, StateMachineRecord, VersionRecord, RECORD_VERSION,
};

pub(crate) fn machine_type(kind: MachineKind) -> StateMachineType {
    match kind {
        MachineKind::Standard => StateMachineType::Standard,
        MachineKind::Express => StateMachineType::Express,
    }
}

fn kind_of(t: Option<&StateMachineType>) -> Result<MachineKind> {
    match t {
        None | Some(StateMachineType::Standard) => Ok(MachineKind::Standard),
        Some(StateMachineType::Express) => Ok(MachineKind::Express),
        Some(other) => Err(ApiError::validation(format!("Invalid state machine type: {other:?}"))),
    }
}

/// Checks a definition for a machine type; the error carries AWS's InvalidDefinition message.
pub(crate) fn check_definition(definition: &str, kind: MachineKind) -> Result<()> {
    let mt = match kind {
        MachineKind::Standard => MachineType::Standard,
        MachineKind::Express => MachineType::Express,
    };
    let parsed = parse(definition, mt);
    if parsed.is_ok() {
        return Ok(());
    }
    let errors: Vec<_> = parsed.errors().cloned().collect();
    Err(ApiError::new(
        ErrorCode::InvalidDefinition,
        statecraft_asl::Diagnostic::invalid_definition_message(&errors),
    ))
}

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(ErrorCode::StateMachineDoesNotExist, format!("State Machine Does Not Exist: '{arn}'"))
}

fn new_id() -> String {
    statecraft_core::ids::uuid(&SystemEnv)
}

fn check_role(role: &str) -> Result<()> {
    if role.starts_with("arn:") && role.split(':').count() >= 6 {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidArn, format!("Invalid Role Arn: '{role}'")))
    }
}

fn logging(sm: &StateMachineRecord) -> Option<LoggingConfiguration> {
    let v = sm
        .logging_configuration
        .clone()
        .unwrap_or_else(|| serde_json::json!({"level": "OFF", "includeExecutionData": false}));
    serde_json::from_value(v).ok()
}

fn tracing(sm: &StateMachineRecord) -> Option<TracingConfiguration> {
    let v = sm.tracing_configuration.clone().unwrap_or_else(|| serde_json::json!({"enabled": false}));
    serde_json::from_value(v).ok()
}

pub(crate) async fn get_machine(svc: &Service, arn: &str) -> Result<StateMachineRecord> {
    svc.store().get_state_machine(arn).await.map_err(store_error)?.ok_or_else(|| does_not_exist(arn))
}

pub(crate) async fn get_revision(
    svc: &Service,
    machine_arn: &str,
    revision_id: &str,
) -> Result<RevisionRecord> {
    svc.store()
        .get_revision(machine_arn, revision_id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::internal(format!("revision {revision_id} of {machine_arn} is missing")))
}

pub(crate) async fn create(
    svc: &Service,
    input: CreateStateMachineInput,
) -> Result<CreateStateMachineOutput> {
    check_name(&input.name)?;
    check_role(&input.role_arn)?;
    let kind = kind_of(input.r#type.as_ref())?;
    let publish = input.publish.unwrap_or(false);
    if input.version_description.is_some() && !publish {
        return Err(ApiError::validation("Version description can only be set when publish is true"));
    }
    check_definition(&input.definition, kind)?;
    let arn = svc.scope.state_machine_arn(&input.name);
    let now = now_millis();
    let revision_id = new_id();
    let sm = StateMachineRecord {
        record_version: RECORD_VERSION,
        arn: arn.clone(),
        name: input.name.clone(),
        kind,
        revision_id: revision_id.clone(),
        role_arn: input.role_arn.clone(),
        description: None,
        logging_configuration: input
            .logging_configuration
            .as_ref()
            .and_then(|l| serde_json::to_value(l).ok()),
        tracing_configuration: input
            .tracing_configuration
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok()),
        created: now,
        updated: now,
        last_version: 0,
    };
    let rev = RevisionRecord {
        record_version: RECORD_VERSION,
        state_machine_arn: arn.clone(),
        revision_id,
        definition: input.definition.clone(),
        role_arn: input.role_arn.clone(),
        created: now,
    };
    match svc.store().create_state_machine(&sm, &rev).await {
        Ok(()) => {}
        Err(ports::Error::AlreadyExists) => {
            // Idempotent when everything matches the existing machine.
            let existing = get_machine(svc, &arn).await?;
            let existing_rev = get_revision(svc, &arn, &existing.revision_id).await?;
            if existing.kind == kind
                && existing.role_arn == input.role_arn
                && existing_rev.definition == input.definition
            {
                return Ok(CreateStateMachineOutput {
                    state_machine_arn: arn,
                    creation_date: ts(existing.created),
                    state_machine_version_arn: None,
                });
            }
            return Err(ApiError::new(
                ErrorCode::StateMachineAlreadyExists,
                format!("State Machine Already Exists: '{arn}'"),
            ));
        }
        Err(e) => return Err(store_error(e)),
    }
    if let Some(tags) = &input.tags {
        let tags: Vec<(String, String)> = tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
        svc.store().tag(&arn, &tags).await.map_err(store_error)?;
    }
    let version_arn = if publish {
        Some(publish_version(svc, &arn, None, input.version_description.clone()).await?.0)
    } else {
        None
    };
    Ok(CreateStateMachineOutput {
        state_machine_arn: arn,
        creation_date: ts(now),
        state_machine_version_arn: version_arn,
    })
}

pub(crate) async fn describe(
    svc: &Service,
    input: DescribeStateMachineInput,
) -> Result<DescribeStateMachineOutput> {
    let target = parse_machine(&input.state_machine_arn)?;
    let sm =
        get_machine(svc, target.machine_arn()).await.map_err(|_| does_not_exist(&input.state_machine_arn))?;
    let (revision_id, description, created) = match &target {
        MachineRef::Version { arn, .. } => {
            let v = svc
                .store()
                .get_version(arn)
                .await
                .map_err(store_error)?
                .ok_or_else(|| does_not_exist(arn))?;
            (v.revision_id, v.description, v.created)
        }
        _ => (sm.revision_id.clone(), sm.description.clone(), sm.created),
    };
    let rev = get_revision(svc, &sm.arn, &revision_id).await?;
    Ok(DescribeStateMachineOutput {
        state_machine_arn: input.state_machine_arn.clone(),
        name: sm.name.clone(),
        status: Some(StateMachineStatus::Active),
        definition: rev.definition,
        role_arn: rev.role_arn,
        r#type: machine_type(sm.kind),
        creation_date: ts(created),
        logging_configuration: logging(&sm),
        tracing_configuration: tracing(&sm),
        revision_id: Some(revision_id),
        description,
        ..Default::default()
    })
}

pub(crate) async fn update(
    svc: &Service,
    input: UpdateStateMachineInput,
) -> Result<UpdateStateMachineOutput> {
    let target = parse_machine(&input.state_machine_arn)?;
    let MachineRef::Machine { arn, .. } = target else {
        return Err(ApiError::validation("Only a state machine ARN (not a version or alias) can be updated"));
    };
    if input.definition.is_none()
        && input.role_arn.is_none()
        && input.logging_configuration.is_none()
        && input.tracing_configuration.is_none()
    {
        return Err(ApiError::new(
            ErrorCode::MissingRequiredParameter,
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    let publish = input.publish.unwrap_or(false);
    if input.version_description.is_some() && !publish {
        return Err(ApiError::validation("Version description can only be set when publish is true"));
    }
    let mut sm = get_machine(svc, &arn).await?;
    let expected_updated = sm.updated;
    let current = get_revision(svc, &arn, &sm.revision_id).await?;
    if let Some(def) = &input.definition {
        check_definition(def, sm.kind)?;
    }
    if let Some(role) = &input.role_arn {
        check_role(role)?;
    }
    let now = now_millis().max(sm.updated + 1);
    let new_definition = input.definition.clone().unwrap_or_else(|| current.definition.clone());
    let new_role = input.role_arn.clone().unwrap_or_else(|| current.role_arn.clone());
    let changed = new_definition != current.definition || new_role != current.role_arn;
    let new_rev = changed.then(|| RevisionRecord {
        record_version: RECORD_VERSION,
        state_machine_arn: arn.clone(),
        revision_id: new_id(),
        definition: new_definition,
        role_arn: new_role.clone(),
        created: now,
    });
    if let Some(r) = &new_rev {
        sm.revision_id = r.revision_id.clone();
        sm.role_arn = new_role;
    }
    if let Some(l) = &input.logging_configuration {
        sm.logging_configuration = serde_json::to_value(l).ok();
    }
    if let Some(t) = &input.tracing_configuration {
        sm.tracing_configuration = serde_json::to_value(t).ok();
    }
    sm.updated = now;
    svc.store().update_state_machine(&sm, expected_updated, new_rev.as_ref()).await.map_err(|e| match e {
        ports::Error::Conflict => {
            ApiError::new(ErrorCode::ConflictException, "The state machine was updated concurrently")
        }
        other => store_error(other),
    })?;
    let version_arn = if publish {
        Some(publish_version(svc, &arn, None, input.version_description.clone()).await?.0)
    } else {
        None
    };
    Ok(UpdateStateMachineOutput {
        update_date: ts(now),
        revision_id: Some(sm.revision_id),
        state_machine_version_arn: version_arn,
    })
}

pub(crate) async fn delete(
    svc: &Service,
    input: DeleteStateMachineInput,
) -> Result<DeleteStateMachineOutput> {
    let target = parse_machine(&input.state_machine_arn)?;
    let MachineRef::Machine { arn, .. } = target else {
        return Err(ApiError::validation(
            "Use DeleteStateMachineVersion or DeleteStateMachineAlias for qualified ARNs",
        ));
    };
    match svc.store().delete_state_machine(&arn).await {
        Ok(()) | Err(ports::Error::NotFound) => Ok(DeleteStateMachineOutput {}),
        Err(e) => Err(store_error(e)),
    }
}

pub(crate) async fn list(svc: &Service, input: ListStateMachinesInput) -> Result<ListStateMachinesOutput> {
    let p = svc
        .store()
        .list_state_machines(&page(input.next_token, input.max_results))
        .await
        .map_err(store_error)?;
    Ok(ListStateMachinesOutput {
        state_machines: p
            .items
            .into_iter()
            .map(|sm| StateMachineListItem {
                state_machine_arn: sm.arn,
                name: sm.name,
                r#type: machine_type(sm.kind),
                creation_date: ts(sm.created),
            })
            .collect(),
        next_token: p.next_token,
    })
}

/// Publishes the machine's current revision as a version (or returns the latest version when it
/// already has that revision). Returns (version ARN, creation time).
async fn publish_version(
    svc: &Service,
    arn: &str,
    expected_revision: Option<&str>,
    description: Option<String>,
) -> Result<(String, i64)> {
    for _ in 0..5 {
        let mut sm = get_machine(svc, arn).await?;
        if let Some(r) = expected_revision {
            if r != sm.revision_id {
                return Err(ApiError::new(
                    ErrorCode::ConflictException,
                    format!(
                        "Failed to publish the State Machine version for revision {r}. The current State Machine revision is {}.",
                        sm.revision_id
                    ),
                ));
            }
        }
        let latest = svc
            .store()
            .list_versions(arn, &ports::Page { token: None, limit: 1 })
            .await
            .map_err(store_error)?;
        if let Some(v) = latest.items.first() {
            if v.revision_id == sm.revision_id {
                return Ok((v.arn.clone(), v.created));
            }
        }
        let number = sm.last_version + 1;
        let now = now_millis();
        let v = VersionRecord {
            record_version: RECORD_VERSION,
            arn: format!("{arn}:{number}"),
            state_machine_arn: arn.to_string(),
            version: number,
            revision_id: sm.revision_id.clone(),
            description: description.clone(),
            created: now,
        };
        let expected_updated = sm.updated;
        sm.last_version = number;
        sm.updated = now.max(expected_updated + 1);
        match svc.store().update_state_machine(&sm, expected_updated, None).await {
            Ok(()) => {}
            Err(ports::Error::Conflict) => continue,
            Err(e) => return Err(store_error(e)),
        }
        match svc.store().put_version(&v).await {
            Ok(()) => return Ok((v.arn, now)),
            Err(ports::Error::AlreadyExists) => continue,
            Err(e) => return Err(store_error(e)),
        }
    }
    Err(ApiError::new(ErrorCode::ConflictException, "The state machine was updated concurrently"))
}

pub(crate) async fn publish(
    svc: &Service,
    input: PublishStateMachineVersionInput,
) -> Result<PublishStateMachineVersionOutput> {
    let MachineRef::Machine { arn, .. } = parse_machine(&input.state_machine_arn)? else {
        return Err(ApiError::validation("Versions are published from a state machine ARN"));
    };
    let (version_arn, created) =
        publish_version(svc, &arn, input.revision_id.as_deref(), input.description).await?;
    Ok(PublishStateMachineVersionOutput {
        creation_date: ts(created),
        state_machine_version_arn: version_arn,
    })
}

pub(crate) async fn list_versions(
    svc: &Service,
    input: ListStateMachineVersionsInput,
) -> Result<ListStateMachineVersionsOutput> {
    let target = parse_machine(&input.state_machine_arn)?;
    get_machine(svc, target.machine_arn()).await?;
    let p = svc
        .store()
        .list_versions(target.machine_arn(), &page(input.next_token, input.max_results))
        .await
        .map_err(store_error)?;
    Ok(ListStateMachineVersionsOutput {
        state_machine_versions: p
            .items
            .into_iter()
            .map(|v| StateMachineVersionListItem {
                state_machine_version_arn: v.arn,
                creation_date: ts(v.created),
            })
            .collect(),
        next_token: p.next_token,
    })
}

pub(crate) async fn delete_version(
    svc: &Service,
    input: DeleteStateMachineVersionInput,
) -> Result<DeleteStateMachineVersionOutput> {
    let MachineRef::Version { arn, machine_arn, .. } = parse_machine(&input.state_machine_version_arn)?
    else {
        return Err(ApiError::new(
            ErrorCode::InvalidArn,
            format!("Invalid Version Arn: '{}'", input.state_machine_version_arn),
        ));
    };
    let aliases = svc
        .store()
        .list_aliases(&machine_arn, &ports::Page { token: None, limit: 1000 })
        .await
        .map_err(store_error)?;
    if let Some(a) = aliases.items.iter().find(|a| a.routing.iter().any(|(v, _)| *v == arn)) {
        return Err(ApiError::new(
            ErrorCode::ConflictException,
            format!("Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]", a.name),
        ));
    }
    match svc.store().delete_version(&arn).await {
        Ok(()) | Err(ports::Error::NotFound) => Ok(DeleteStateMachineVersionOutput {}),
        Err(e) => Err(store_error(e)),
    }
}

/// Checks a routing configuration: one or two versions of `machine_arn`, weights summing to 100.
async fn check_routing(
    svc: &Service,
    machine_arn: &str,
    routing: &[RoutingConfigurationListItem],
) -> Result<Vec<(String, u8)>> {
    if routing.is_empty() || routing.len() > 2 {
        return Err(ApiError::validation("The routing configuration must have one or two versions"));
    }
    let mut out = Vec::new();
    let mut total = 0u32;
    for r in routing {
        let MachineRef::Version { machine_arn: m, .. } = parse_machine(&r.state_machine_version_arn)? else {
            return Err(ApiError::new(
                ErrorCode::InvalidArn,
                format!("Invalid Version Arn: '{}'", r.state_machine_version_arn),
            ));
        };
        if m != machine_arn {
            return Err(ApiError::validation("Routing must point at versions of the alias's state machine"));
        }
        if out.iter().any(|(v, _)| *v == r.state_machine_version_arn) {
            return Err(ApiError::validation("Routing configuration must contain distinct versions"));
        }
        if svc.store().get_version(&r.state_machine_version_arn).await.map_err(store_error)?.is_none() {
            return Err(ApiError::new(
                ErrorCode::ResourceNotFound,
                format!("State Machine Version Does Not Exist: '{}'", r.state_machine_version_arn),
            )
            .with_resource_name(r.state_machine_version_arn.clone()));
        }
        let weight = u8::try_from(r.weight)
            .ok()
            .filter(|w| *w <= 100)
            .ok_or_else(|| ApiError::validation("Weights must be between 0 and 100"))?;
        total += u32::from(weight);
        out.push((r.state_machine_version_arn.clone(), weight));
    }
    if total != 100 {
        return Err(ApiError::validation("Sum of routing configuration weights must be equal to 100"));
    }
    Ok(out)
}

fn routing_items(a: &AliasRecord) -> Vec<RoutingConfigurationListItem> {
    a.routing
        .iter()
        .map(|(v, w)| RoutingConfigurationListItem {
            state_machine_version_arn: v.clone(),
            weight: i32::from(*w),
        })
        .collect()
}

pub(crate) async fn create_alias(
    svc: &Service,
    input: CreateStateMachineAliasInput,
) -> Result<CreateStateMachineAliasOutput> {
    if !valid_name(&input.name) || input.name.parse::<u64>().is_ok() {
        return Err(ApiError::new(ErrorCode::InvalidName, format!("Invalid Alias Name: '{}'", input.name)));
    }
    let first = input
        .routing_configuration
        .first()
        .ok_or_else(|| ApiError::validation("routingConfiguration is empty"))?;
    let machine_arn = parse_machine(&first.state_machine_version_arn)?.machine_arn().to_string();
    get_machine(svc, &machine_arn).await?;
    let routing = check_routing(svc, &machine_arn, &input.routing_configuration).await?;
    let arn = format!("{machine_arn}:{}", input.name);
    let now = now_millis();
    let a = AliasRecord {
        record_version: RECORD_VERSION,
        arn: arn.clone(),
        name: input.name.clone(),
        state_machine_arn: machine_arn,
        description: input.description.clone(),
        routing,
        created: now,
        updated: now,
    };
    match svc.store().put_alias(&a, true).await {
        Ok(()) => Ok(CreateStateMachineAliasOutput { state_machine_alias_arn: arn, creation_date: ts(now) }),
        Err(ports::Error::AlreadyExists) => {
            let existing = svc.store().get_alias(&arn).await.map_err(store_error)?;
            match existing {
                Some(e) if e.routing == a.routing && e.description == a.description => {
                    Ok(CreateStateMachineAliasOutput { state_machine_alias_arn: arn, creation_date: ts(e.created) })
                }
                _ => Err(ApiError::new(
                    ErrorCode::ConflictException,
                    format!("Failed to create alias because an alias with the same name and a different routing configuration already exists: '{arn}'"),
                )),
            }
        }
        Err(e) => Err(store_error(e)),
    }
}

async fn get_alias(svc: &Service, arn: &str) -> Result<AliasRecord> {
    let MachineRef::Alias { .. } = parse_machine(arn)? else {
        return Err(ApiError::new(ErrorCode::InvalidArn, format!("Invalid Alias Arn: '{arn}'")));
    };
    svc.store().get_alias(arn).await.map_err(store_error)?.ok_or_else(|| {
        ApiError::new(ErrorCode::ResourceNotFound, format!("State Machine Alias Does Not Exist: '{arn}'"))
            .with_resource_name(arn)
    })
}

pub(crate) async fn describe_alias(
    svc: &Service,
    input: DescribeStateMachineAliasInput,
) -> Result<DescribeStateMachineAliasOutput> {
    let a = get_alias(svc, &input.state_machine_alias_arn).await?;
    Ok(DescribeStateMachineAliasOutput {
        state_machine_alias_arn: Some(a.arn.clone()),
        name: Some(a.name.clone()),
        description: a.description.clone(),
        routing_configuration: Some(routing_items(&a)),
        creation_date: Some(ts(a.created)),
        update_date: Some(ts(a.updated)),
    })
}

pub(crate) async fn update_alias(
    svc: &Service,
    input: UpdateStateMachineAliasInput,
) -> Result<UpdateStateMachineAliasOutput> {
    let mut a = get_alias(svc, &input.state_machine_alias_arn).await?;
    if input.description.is_none() && input.routing_configuration.is_none() {
        return Err(ApiError::new(
            ErrorCode::MissingRequiredParameter,
            "Either the description or the routing configuration must be specified",
        ));
    }
    if let Some(r) = &input.routing_configuration {
        a.routing = check_routing(svc, &a.state_machine_arn, r).await?;
    }
    if let Some(d) = input.description {
        a.description = Some(d);
    }
    a.updated = now_millis();
    svc.store().put_alias(&a, false).await.map_err(store_error)?;
    Ok(UpdateStateMachineAliasOutput { update_date: ts(a.updated) })
}

pub(crate) async fn delete_alias(
    svc: &Service,
    input: DeleteStateMachineAliasInput,
) -> Result<DeleteStateMachineAliasOutput> {
    parse_machine(&input.state_machine_alias_arn)?;
    match svc.store().delete_alias(&input.state_machine_alias_arn).await {
        Ok(()) | Err(ports::Error::NotFound) => Ok(DeleteStateMachineAliasOutput {}),
        Err(e) => Err(store_error(e)),
    }
}

pub(crate) async fn list_aliases(
    svc: &Service,
    input: ListStateMachineAliasesInput,
) -> Result<ListStateMachineAliasesOutput> {
    let target = parse_machine(&input.state_machine_arn)?;
    get_machine(svc, target.machine_arn()).await?;
    let p = svc
        .store()
        .list_aliases(target.machine_arn(), &page(input.next_token, input.max_results))
        .await
        .map_err(store_error)?;
    Ok(ListStateMachineAliasesOutput {
        state_machine_aliases: p
            .items
            .into_iter()
            .map(|a| StateMachineAliasListItem {
                state_machine_alias_arn: a.arn,
                creation_date: ts(a.created),
            })
            .collect(),
        next_token: p.next_token,
    })
}

/// Resolves what a StartExecution ARN runs: (machine, revision, version ARN, alias ARN). An
/// alias picks one of its versions at random by weight.
pub(crate) async fn resolve_target(
    svc: &Service,
    arn: &str,
) -> Result<(StateMachineRecord, RevisionRecord, Option<String>, Option<String>)> {
    let target = parse_machine(arn)?;
    let sm = get_machine(svc, target.machine_arn()).await.map_err(|_| does_not_exist(arn))?;
    let (revision_id, version_arn, alias_arn) = match &target {
        MachineRef::Machine { .. } => (sm.revision_id.clone(), None, None),
        MachineRef::Version { arn, .. } => {
            let v = svc
                .store()
                .get_version(arn)
                .await
                .map_err(store_error)?
                .ok_or_else(|| does_not_exist(arn))?;
            (v.revision_id, Some(v.arn), None)
        }
        MachineRef::Alias { arn, .. } => {
            let a =
                svc.store().get_alias(arn).await.map_err(store_error)?.ok_or_else(|| does_not_exist(arn))?;
            let pick = {
                use statecraft_core::Env;
                (SystemEnv.random_u64() % 100) as u8
            };
            let mut acc = 0u8;
            let mut chosen = a.routing.last().map(|(v, _)| v.clone()).unwrap_or_default();
            for (v, w) in &a.routing {
                acc = acc.saturating_add(*w);
                if pick < acc {
                    chosen = v.clone();
                    break;
                }
            }
            let v = svc
                .store()
                .get_version(&chosen)
                .await
                .map_err(store_error)?
                .ok_or_else(|| does_not_exist(&chosen))?;
            (v.revision_id, Some(v.arn), Some(a.arn))
        }
    };
    let rev = get_revision(svc, &sm.arn, &revision_id).await?;
    Ok((sm, rev, version_arn, alias_arn))
}
