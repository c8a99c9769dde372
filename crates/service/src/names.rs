//! Names and ARNs as Step Functions forms and checks them:
//! `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|:ALIAS]`,
//! `...:execution:MACHINE:NAME`, `...:activity:NAME`.

use statecraft_api::{ApiError, ErrorCode};

/// Where resources live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Scope {
    pub fn new(region: impl Into<String>, account: impl Into<String>) -> Scope {
        Scope { partition: "aws".into(), region: region.into(), account: account.into() }
    }

    fn prefix(&self) -> String {
        format!("arn:{}:states:{}:{}", self.partition, self.region, self.account)
    }

    pub fn state_machine_arn(&self, name: &str) -> String {
        format!("{}:stateMachine:{name}", self.prefix())
    }

    pub fn execution_arn(&self, machine: &str, name: &str) -> String {
        format!("{}:execution:{machine}:{name}", self.prefix())
    }

    pub fn express_execution_arn(&self, machine: &str, name: &str, id: &str) -> String {
        format!("{}:express:{machine}:{name}:{id}", self.prefix())
    }

    pub fn activity_arn(&self, name: &str) -> String {
        format!("{}:activity:{name}", self.prefix())
    }
}

/// What a state machine ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineRef {
    /// `...:stateMachine:NAME`
    Machine { arn: String, name: String },
    /// `...:stateMachine:NAME:N`
    Version { arn: String, machine_arn: String, name: String, version: u64 },
    /// `...:stateMachine:NAME:ALIAS`
    Alias { arn: String, machine_arn: String, name: String, alias: String },
}

impl MachineRef {
    pub fn machine_arn(&self) -> &str {
        match self {
            MachineRef::Machine { arn, .. } => arn,
            MachineRef::Version { machine_arn, .. } | MachineRef::Alias { machine_arn, .. } => machine_arn,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            MachineRef::Machine { name, .. }
            | MachineRef::Version { name, .. }
            | MachineRef::Alias { name, .. } => name,
        }
    }
}

fn invalid_arn(arn: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidArn, format!("Invalid Arn: '{arn}'"))
}

/// Splits `arn:PARTITION:states:REGION:ACCOUNT:KIND:rest` into (KIND, rest parts).
fn split(arn: &str) -> Option<(&str, Vec<&str>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts[0] != "arn"
        || parts[2] != "states"
        || parts[3].is_empty()
        || parts[4].is_empty()
    {
        return None;
    }
    Some((parts[5], parts[6..].to_vec()))
}

pub fn parse_machine(arn: &str) -> Result<MachineRef, ApiError> {
    let Some(("stateMachine", rest)) = split(arn) else { return Err(invalid_arn(arn)) };
    let base = arn.split(':').take(7).collect::<Vec<_>>().join(":");
    match rest.as_slice() {
        [name] if valid_name(name) => Ok(MachineRef::Machine { arn: arn.into(), name: name.to_string() }),
        [name, qualifier] if valid_name(name) && !qualifier.is_empty() => {
            if let Ok(version) = qualifier.parse::<u64>() {
                Ok(MachineRef::Version {
                    arn: arn.into(),
                    machine_arn: base,
                    name: name.to_string(),
                    version,
                })
            } else if valid_name(qualifier) {
                Ok(MachineRef::Alias {
                    arn: arn.into(),
                    machine_arn: base,
                    name: name.to_string(),
                    alias: qualifier.to_string(),
                })
            } else {
                Err(invalid_arn(arn))
            }
        }
        _ => Err(invalid_arn(arn)),
    }
}

/// An execution ARN's (machine name, execution name).
pub fn parse_execution(arn: &str) -> Result<(String, String), ApiError> {
    match split(arn) {
        Some(("execution", rest)) if rest.len() == 2 && !rest[0].is_empty() && !rest[1].is_empty() => {
            Ok((rest[0].to_string(), rest[1].to_string()))
        }
        Some(("express", rest)) if rest.len() >= 2 => Ok((rest[0].to_string(), rest[1].to_string())),
        _ => Err(invalid_arn(arn)),
    }
}

pub fn parse_activity(arn: &str) -> Result<String, ApiError> {
    match split(arn) {
        Some(("activity", rest)) if rest.len() == 1 && valid_name(rest[0]) => Ok(rest[0].to_string()),
        _ => Err(invalid_arn(arn)),
    }
}

/// AWS's naming rule (state machines, executions, activities, aliases): 1-80 characters,
/// no whitespace, brackets, wildcards, the characters `"#%\^|~`$&,;:/`, or control characters.
pub fn valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len)
        && !name.chars().any(|c| {
            c.is_whitespace()
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
                || (c as u32) <= 0x1f
                || (0x7f..=0x9f).contains(&(c as u32))
        })
}

pub fn check_name(name: &str) -> Result<(), ApiError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidName, format!("Invalid Name: '{name}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_machine_version_and_alias_arns() {
        let s = Scope::new("us-east-1", "123456789012");
        let arn = s.state_machine_arn("m");
        assert!(matches!(parse_machine(&arn), Ok(MachineRef::Machine { name, .. }) if name == "m"));
        assert!(
            matches!(parse_machine(&format!("{arn}:3")), Ok(MachineRef::Version { version: 3, machine_arn, .. }) if machine_arn == arn)
        );
        assert!(
            matches!(parse_machine(&format!("{arn}:prod")), Ok(MachineRef::Alias { alias, .. }) if alias == "prod")
        );
        assert!(parse_machine("arn:aws:states:us-east-1:1:activity:m").is_err());
        assert!(parse_machine("nope").is_err());
        assert_eq!(parse_execution(&s.execution_arn("m", "e")).unwrap(), ("m".into(), "e".into()));
        assert!(parse_activity(&s.activity_arn("a")).is_ok());
    }

    #[test]
    fn names_follow_aws_rules() {
        assert!(valid_name("my-machine_1"));
        assert!(!valid_name(""));
        assert!(!valid_name("has space"));
        assert!(!valid_name("a:b"));
        assert!(!valid_name(&"x".repeat(81)));
    }
}
