//! The Amazon States Language model.
