//! Unit tests of the JSONPath parser and evaluator.
