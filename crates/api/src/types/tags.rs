//! Tagging: TagResource, UntagResource, ListTagsForResource (state machines and activities).

use serde::{Deserialize, Serialize};

/// One `{key, value}` tag. The model marks both members optional; a tag without a key is
/// meaningless, so `key` is required here and a missing `value` reads as `""`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// TagResource request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceInput {
    pub resource_arn: String,
    pub tags: Vec<Tag>,
}

/// TagResource response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TagResourceOutput {}

/// UntagResource request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceInput {
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

/// UntagResource response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UntagResourceOutput {}

/// ListTagsForResource request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceInput {
    pub resource_arn: String,
}

/// ListTagsForResource response. The model marks `tags` optional; AWS sends `[]` for an
/// untagged resource, and so does this type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceOutput {
    #[serde(default)]
    pub tags: Vec<Tag>,
}
