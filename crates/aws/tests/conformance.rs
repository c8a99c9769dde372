//! The runtime's store conformance suite against [`statecraft_aws::DynamoStore`] on moto.

mod common;

statecraft_runtime::store_conformance!(common::fresh().await);
