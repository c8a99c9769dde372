//! State machine graphs: what `statecraft graph` prints and what a web console draws.
//!
//! - [`Graph::from_definition`] turns a parsed [`Definition`] into a graph model
//!   ([`model`]): a node per state, start and end markers, labelled edges (`Next`, `Default`,
//!   Choice rules with a short description of their condition, `Catch` with its
//!   `ErrorEquals`), and nested groups for Parallel branches and Map processors.
//! - [`layout()`] computes a layered layout in Rust ([`layout`] module): no Graphviz needed.
//! - [`svg::render`], [`dot::render`] and [`mermaid::render`] write the formats; the SVG uses
//!   the layout, DOT and Mermaid leave layout to their own tools. [`RenderOptions`] carries a
//!   status per state name, the hook for colouring a running or finished execution.
//!
//! Pure: no I/O, no clock, no panics on any parsed definition. It does not parse or validate
//! definitions itself (that is `statecraft-asl`).

pub mod dot;
pub mod escape;
pub mod label;
pub mod layout;
pub mod mermaid;
pub mod model;
pub mod style;
pub mod svg;

pub use layout::{layout, EdgeRoute, Layout, Point, Rect};
pub use model::{Edge, EdgeKind, Graph, Group, GroupId, GroupKind, Node, NodeId, NodeKind};
pub use style::{RenderOptions, Status};

use statecraft_asl::Definition;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    Svg,
    Dot,
    Mermaid,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "dot" | "graphviz" => Some(Format::Dot),
            "mermaid" | "mmd" => Some(Format::Mermaid),
            _ => None,
        }
    }
}

/// Builds, lays out (for SVG) and renders a definition's graph.
pub fn render(def: &Definition, format: Format, opts: &RenderOptions) -> String {
    let g = Graph::from_definition(def);
    match format {
        Format::Svg => svg::render(&g, &layout(&g), opts),
        Format::Dot => dot::render(&g, opts),
        Format::Mermaid => mermaid::render(&g, opts),
    }
}
