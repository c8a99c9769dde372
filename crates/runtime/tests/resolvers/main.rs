//! Integration tests of the task resolvers and the project file, against real processes and
//! real sockets: Python scripts, and HTTP servers started on 127.0.0.1:0.

mod cargo_lambda;
mod command;
mod common;
mod config;
mod http;
mod lambda;
mod routing;
mod run;
mod webhook;
