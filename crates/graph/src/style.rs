//! Colours by state type and by execution status, and the options every renderer takes. The
//! status map is the hook for a console that shows an execution on its graph: pass the status
//! of each state by name and the renderers mark the nodes.

use statecraft_asl::StateType;
use std::collections::HashMap;

/// The status of a state in an execution, as a console would show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Entered and not yet exited.
    Running,
    Succeeded,
    /// Failed (whether or not a catcher then handled the error).
    Failed,
    /// Failed, and a catcher handled the error.
    Caught,
    /// Stopped before it could finish (the execution was aborted or a sibling branch failed).
    Cancelled,
    /// Not reached (yet).
    NotStarted,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Running,
        Status::Succeeded,
        Status::Failed,
        Status::Caught,
        Status::Cancelled,
        Status::NotStarted,
    ];

    /// The lower-case name used in `data-status` and class names (`status-succeeded`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Caught => "caught",
            Status::Cancelled => "cancelled",
            Status::NotStarted => "not-started",
        }
    }

    /// Accepts the lower-case names and AWS's execution statuses (`SUCCEEDED`, `FAILED`,
    /// `RUNNING`, `ABORTED`, `TIMED_OUT`), case-insensitively.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "running" | "in-progress" => Status::Running,
            "succeeded" | "success" => Status::Succeeded,
            "failed" | "timed-out" => Status::Failed,
            "caught" => Status::Caught,
            "cancelled" | "canceled" | "aborted" => Status::Cancelled,
            "not-started" | "pending" => Status::NotStarted,
            _ => return None,
        })
    }

    /// Outline colour.
    pub fn stroke(self) -> &'static str {
        match self {
            Status::Running => "#2563eb",
            Status::Succeeded => "#16a34a",
            Status::Failed => "#dc2626",
            Status::Caught => "#d97706",
            Status::Cancelled => "#6b7280",
            Status::NotStarted => "#9ca3af",
        }
    }
}

/// Options shared by the renderers.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Status by state name; states not in the map are drawn without a status.
    pub statuses: HashMap<String, Status>,
    /// A title for the document (SVG `<title>`, DOT graph label, Mermaid front matter).
    pub title: Option<String>,
}

/// Fill and outline colours of a state type.
pub fn type_colors(t: StateType) -> (&'static str, &'static str) {
    match t {
        StateType::Task => ("#dbeafe", "#1d4ed8"),
        StateType::Choice => ("#fef3c7", "#b45309"),
        StateType::Pass => ("#f3f4f6", "#4b5563"),
        StateType::Wait => ("#ede9fe", "#6d28d9"),
        StateType::Succeed => ("#dcfce7", "#15803d"),
        StateType::Fail => ("#fee2e2", "#b91c1c"),
        StateType::Parallel => ("#ecfeff", "#0e7490"),
        StateType::Map => ("#fdf4ff", "#a21caf"),
    }
}

/// Fill and outline of the start and end markers.
pub const MARKER_COLORS: (&str, &str) = ("#374151", "#111827");

/// A lower-case class name for a state type (`task`, `choice`, ...).
pub fn type_class(t: StateType) -> &'static str {
    match t {
        StateType::Task => "task",
        StateType::Choice => "choice",
        StateType::Pass => "pass",
        StateType::Wait => "wait",
        StateType::Succeed => "succeed",
        StateType::Fail => "fail",
        StateType::Parallel => "parallel",
        StateType::Map => "map",
    }
}

pub const ALL_TYPES: [StateType; 8] = [
    StateType::Task,
    StateType::Choice,
    StateType::Pass,
    StateType::Wait,
    StateType::Succeed,
    StateType::Fail,
    StateType::Parallel,
    StateType::Map,
];
