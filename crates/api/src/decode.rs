//! Request bodies to wire types, with AWS's words for what is wrong.
//!
//! A body that is not JSON, or a member of the wrong JSON type, is a
//! `SerializationException`; a missing or `null` required member, or a string outside an
//! enum's value set, is a `ValidationException` worded as AWS words it:
//! `1 validation error detected: Value null at 'stateMachineArn' failed to satisfy
//! constraint: Member must not be null`. Member paths use AWS's form (`tags.1.member.key`).
//! Only the first problem is reported (AWS lists them all). Model constraints beyond
//! presence, type and enum values (lengths, ranges) are checked in [`crate::constraints`].

use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

use crate::error::{ApiError, ErrorCode};

/// Parses a request body. An empty body reads as `{}`, as some clients send nothing for
/// actions without required members.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => b"{}",
        Some(b'{') => body,
        // serde would read a struct from an array too (`["arn"]`); AWS wants an object.
        Some(_) => return Err(serialization("Request body must be a JSON object".to_owned())),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = aws_path(err.path());
        describe(&path, err.into_inner())
    })?;
    de.end().map_err(|err| serialization(format!("Request body is not valid JSON: {err}")))?;
    Ok(value)
}

fn describe(path: &str, err: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    if matches!(err.classify(), Category::Syntax | Category::Eof | Category::Io) {
        return serialization(format!("Request body is not valid JSON: {err}"));
    }
    let full = err.to_string();
    // serde_json appends the position to data errors; the member path says more.
    let msg = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);

    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        let member = if path.is_empty() { field.to_owned() } else { format!("{path}.{field}") };
        return validation(&format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }
    if path.is_empty() {
        return serialization(format!("Request body must be a JSON object ({msg})"));
    }
    if msg.starts_with("invalid type: null") {
        return validation(&format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return validation(&format!(
            "Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ));
    }
    serialization(format!("Cannot read '{path}': {msg}"))
}

/// `1 validation error detected: <one>`, AWS's framing of a single constraint violation.
pub(crate) fn validation(one: &str) -> ApiError {
    ApiError::validation(format!("1 validation error detected: {one}"))
}

fn serialization(message: String) -> ApiError {
    ApiError::new(ErrorCode::SerializationException, message)
}

/// `tags[0].key` in AWS's spelling: `tags.1.member.key`.
fn aws_path(path: &Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        let part = match segment {
            Segment::Map { key } => key.clone(),
            Segment::Seq { index } => format!("{}.member", index + 1),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".to_owned(),
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CreateStateMachineInput, ListExecutionsInput, TagResourceInput};

    fn err<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> ApiError {
        decode::<T>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn missing_member_is_a_validation_error() {
        let e = err::<CreateStateMachineInput>(r#"{"name":"a","definition":"{}"}"#);
        assert_eq!(e.code(), ErrorCode::ValidationException);
        assert_eq!(
            e.message(),
            "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: \
             Member must not be null"
        );
    }

    #[test]
    fn nested_paths_use_aws_member_form() {
        let e = err::<TagResourceInput>(r#"{"resourceArn":"a","tags":[{"key":"k"},{"value":"v"}]}"#);
        assert!(e.message().contains("at 'tags.2.member.key'"), "{}", e.message());
        let e = err::<TagResourceInput>(r#"{"resourceArn":null,"tags":[]}"#);
        assert!(e.message().contains("Value null at 'resourceArn'"), "{}", e.message());
    }

    #[test]
    fn bad_enum_lists_the_value_set() {
        let e = err::<ListExecutionsInput>(r#"{"statusFilter":"DONE"}"#);
        assert_eq!(
            e.message(),
            "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: \
             Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"
        );
    }

    #[test]
    fn wrong_types_and_bad_json_are_serialization_errors() {
        let e = err::<ListExecutionsInput>(r#"{"maxResults":"ten"}"#);
        assert_eq!(e.code(), ErrorCode::SerializationException);
        assert!(e.message().starts_with("Cannot read 'maxResults': invalid type: string"), "{}", e.message());
        for body in
            ["{", "nope", "{} {}", "[]", "[\"arn\"]", "null", "\"x\"", " {\"stateMachineArn\": [\"a\"]}"]
        {
            assert_eq!(err::<ListExecutionsInput>(body).code(), ErrorCode::SerializationException, "{body}");
        }
    }

    #[test]
    fn empty_body_and_unknown_members_are_fine() {
        let input: ListExecutionsInput = decode(b"").unwrap();
        assert_eq!(input, ListExecutionsInput::default());
        let input: ListExecutionsInput = decode(br#"{"futureMember":[1,2],"maxResults":5}"#).unwrap();
        assert_eq!(input.max_results, Some(5));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::types::{CreateStateMachineInput, TestStateInput};

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::<CreateStateMachineInput>(&bytes);
            let _ = decode::<TestStateInput>(&bytes);
        }

        #[test]
        fn arbitrary_json_objects_never_panic(body in r#"\{("[a-zA-Z]{1,12}":(null|true|-?[0-9]{1,25}|"[^"\\]{0,8}"|\[\]|\{\}),?){0,6}\}"#) {
            if let Err(err) = decode::<CreateStateMachineInput>(body.as_bytes()) {
                prop_assert!(matches!(err.code(), ErrorCode::ValidationException | ErrorCode::SerializationException));
            }
        }
    }
}
