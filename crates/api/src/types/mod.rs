//! Wire types: the request and response bodies of every Step Functions action, in the exact
//! JSON shapes of the AWS JSON 1.0 protocol (names and optionality from the `stepfunctions`
//! service model, API version 2016-11-23).
//!
//! These are transport types only: they carry no behaviour and are converted explicitly to
//! and from engine or storage types elsewhere. Unknown request fields are ignored; required
//! fields are plain (non-`Option`) members, so a body without them is rejected before it
//! reaches the service; optional response fields are omitted when `None`. Payloads
//! (`definition`, `input`, `output`) stay JSON *text*, as on the wire.

mod activity;
mod execution;
mod state_machine;
mod tags;
mod tooling;

pub use activity::*;
pub use execution::*;
pub use state_machine::*;
pub use tags::*;
pub use tooling::*;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as AWS puts it on the wire: epoch seconds as a JSON number, with
/// millisecond precision (`1700000000.123`). Held as integer milliseconds so equality and
/// ordering are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The instant `secs` seconds after the Unix epoch, rounded to the millisecond;
    /// non-finite values become the epoch.
    pub fn from_secs_f64(secs: f64) -> Self {
        let millis = (secs * 1000.0).round();
        if millis.is_finite() {
            // `as` saturates at the i64 bounds, which is the best a timestamp can do there.
            Self(millis as i64)
        } else {
            Self(0)
        }
    }

    /// Seconds since the Unix epoch, as sent on the wire.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl From<std::time::SystemTime> for Timestamp {
    /// Truncated to the millisecond; instants before the epoch count backwards from it.
    fn from(time: std::time::SystemTime) -> Self {
        let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => Self(millis(after)),
            Err(before) => Self(-millis(before.duration())),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            // Whole seconds go out as an integer, as AWS does for second-precision dates.
            serializer.serialize_i64(self.0 / 1000)
        } else {
            serializer.serialize_f64(self.as_secs_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f64::deserialize(deserializer).map(Self::from_secs_f64)
    }
}

/// Declares a closed string enum of the service model: serde names are AWS's, `as_str`
/// returns them, `VALUES` lists them (for "enum value set" validation messages).
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value AWS defines, in the service model's order.
            pub const VALUES: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::types::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err(crate::types::UnknownValue(s.to_owned())),
                }
            }
        }
    };
}
pub(crate) use wire_enum;

/// A string that is not one of an enum's wire values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

wire_enum! {
    /// `type` of a state machine.
    #[derive(Default)]
    StateMachineType {
        #[default]
        Standard = "STANDARD",
        Express = "EXPRESS",
    }
}

wire_enum! {
    /// `status` of a state machine.
    StateMachineStatus {
        Active = "ACTIVE",
        Deleting = "DELETING",
    }
}

wire_enum! {
    /// `includedData` of DescribeStateMachine, DescribeExecution, StartSyncExecution...
    IncludedData {
        AllData = "ALL_DATA",
        MetadataOnly = "METADATA_ONLY",
    }
}

wire_enum! {
    /// `loggingConfiguration.level`.
    LogLevel {
        All = "ALL",
        Error = "ERROR",
        Fatal = "FATAL",
        Off = "OFF",
    }
}

wire_enum! {
    /// `encryptionConfiguration.type`.
    EncryptionType {
        AwsOwnedKey = "AWS_OWNED_KEY",
        CustomerManagedKmsKey = "CUSTOMER_MANAGED_KMS_KEY",
    }
}

/// `loggingConfiguration` of a state machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_execution_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<LogDestination>>,
}

/// One entry of `loggingConfiguration.destinations`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogDestination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_watch_logs_log_group: Option<CloudWatchLogsLogGroup>,
}

/// `loggingConfiguration.destinations[].cloudWatchLogsLogGroup`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchLogsLogGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_arn: Option<String>,
}

/// `tracingConfiguration` (X-Ray).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracingConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `encryptionConfiguration` of a state machine or activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_data_key_reuse_period_seconds: Option<i32>,
    pub r#type: EncryptionType,
}

/// `inputDetails` / `outputDetails` of an execution: whether the payload was included.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchEventsExecutionDataDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_epoch_seconds() {
        let whole = serde_json::to_string(&Timestamp::from_millis(1_700_000_000_000)).unwrap();
        assert_eq!(whole, "1700000000");
        let frac = serde_json::to_string(&Timestamp::from_millis(1_700_000_000_123)).unwrap();
        assert_eq!(frac, "1700000000.123");
        let back: Timestamp = serde_json::from_str("1.700000000123E9").unwrap();
        assert_eq!(back, Timestamp::from_millis(1_700_000_000_123));
        assert_eq!(Timestamp::from_secs_f64(f64::NAN), Timestamp::from_millis(0));
        let later = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        assert_eq!(Timestamp::from(later).as_millis(), 1_500);
        assert_eq!(serde_json::to_string(&Timestamp::from(later)).unwrap(), "1.5");
    }

    #[test]
    fn enums_use_wire_spelling() {
        assert_eq!(serde_json::to_string(&StateMachineType::Express).unwrap(), "\"EXPRESS\"");
        assert_eq!("METADATA_ONLY".parse::<IncludedData>().unwrap(), IncludedData::MetadataOnly);
        assert!("metadata_only".parse::<IncludedData>().is_err());
        assert_eq!(LogLevel::VALUES, ["ALL", "ERROR", "FATAL", "OFF"]);
    }
}
