//! The pure interpreter.
