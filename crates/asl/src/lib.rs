//! The Amazon States Language: the typed model of a state machine definition
//! ([`model`]), the parser that builds it from JSON text while reporting every problem with a
//! JSON pointer ([`parse`]), the graph checks that complete validation ([`validate`]), task
//! resource ARNs ([`resource`]), JSONata templates ([`template`]) and timestamps.
//!
//! Pure and synchronous: no I/O. Expressions are compiled here, evaluated by the interpreter.

pub mod diagnostic;
pub mod model;
pub mod parse;
pub mod resource;
pub mod template;
pub mod timestamp;
pub mod validate;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use model::*;
pub use parse::{parse, parse_value, MachineType, Parsed};
pub use resource::{Pattern, Resource};
pub use template::JsonataTemplate;
