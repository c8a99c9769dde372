//! Geometry for a [`Graph`]: a layered (Sugiyama-style) layout computed in Rust, with no
//! external program. Each group (the top level, a Parallel branch, a Map processor) is laid
//! out on its own ([`layered`]), innermost first; a Parallel or Map node is then sized around
//! its groups (side by side under a header), and its parent group lays it out like any other
//! node. Coordinates are in pixels, y growing downwards, for text of [`FONT_SIZE`].
//!
//! Text widths are estimated from character counts (no font metrics are available without a
//! renderer), generously enough for common sans-serif fonts.

mod layered;
mod place;

use crate::label::truncate;
use crate::model::{EdgeKind, Graph, GroupKind, NodeKind};

/// Font size of state names.
pub const FONT_SIZE: f64 = 12.0;
/// Font size of edge and group labels.
pub const LABEL_FONT_SIZE: f64 = 11.0;
/// State names longer than this are cut (with `…`) in the drawing.
pub const MAX_NAME_CHARS: usize = 36;
pub const NODE_HEIGHT: f64 = 42.0;
const NODE_MIN_WIDTH: f64 = 110.0;
const NODE_PAD_X: f64 = 14.0;
pub const MARKER_WIDTH: f64 = 56.0;
pub const MARKER_HEIGHT: f64 = 24.0;
const LABEL_HEIGHT: f64 = 16.0;
/// Height of the header (name and type) of a Parallel or Map node above its groups.
pub const HEADER_HEIGHT: f64 = 40.0;
/// Padding inside a group box and inside a Parallel or Map node.
pub const GROUP_PAD: f64 = 12.0;
/// Height of a group's own label (`Branch 1`) above its content.
pub const GROUP_LABEL_HEIGHT: f64 = 16.0;
const GROUP_GAP: f64 = 16.0;
/// Margin around the whole drawing.
pub const MARGIN: f64 = 16.0;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> Point {
        Point { x: self.x + self.w / 2.0, y: self.y + self.h / 2.0 }
    }

    /// Whether `other` lies inside this rectangle (edges may touch).
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f64 = 1e-6;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.x + other.w <= self.x + self.w + EPS
            && other.y + other.h <= self.y + self.h + EPS
    }

    /// Whether the two rectangles share some area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        const EPS: f64 = 1e-6;
        self.x + EPS < other.x + other.w
            && other.x + EPS < self.x + self.w
            && self.y + EPS < other.y + other.h
            && other.y + EPS < self.y + self.h
    }

    fn translate(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
}

/// Where an edge goes.
#[derive(Debug, Clone, Default)]
pub struct EdgeRoute {
    /// From the source node's border to the target node's border. Consecutive points are
    /// meant to be joined by curves with vertical tangents (or straight lines for a
    /// self-loop, whose points go round the right side of its node).
    pub points: Vec<Point>,
    /// The box of the edge's label, if it has one.
    pub label: Option<Rect>,
    /// The edge goes upwards (it closes a loop).
    pub reversed: bool,
}

/// The geometry of a whole graph, indexed like the graph's nodes, groups and edges.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Rect>,
    /// The layer of each node within its group (0 = top).
    pub layers: Vec<usize>,
    /// Group boxes. The top level's box is the whole drawing less the margin.
    pub groups: Vec<Rect>,
    pub edges: Vec<EdgeRoute>,
}

/// What a state node shows: its name, cut to [`MAX_NAME_CHARS`].
pub fn display_name(name: &str) -> String {
    truncate(name, MAX_NAME_CHARS)
}

/// Estimated width of `text` at `size` px: wide (CJK, emoji) characters count double.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if (c as u32) < 0x1100 { 0.6 } else { 1.1 }).sum::<f64>() * size
}

/// The size of an edge label's box.
pub fn label_size(text: &str) -> (f64, f64) {
    (text_width(text, LABEL_FONT_SIZE) + 6.0, LABEL_HEIGHT)
}

/// Lays out a graph.
pub fn layout(g: &Graph) -> Layout {
    let mut out = Layout {
        nodes: vec![Rect::default(); g.nodes.len()],
        layers: vec![0; g.nodes.len()],
        groups: vec![Rect::default(); g.groups.len()],
        edges: vec![EdgeRoute::default(); g.edges.len()],
        ..Layout::default()
    };
    // The nodes of each group, as the graph lists them; a graph assembled by hand that lists
    // a node twice, or one that does not exist, is drawn as far as it makes sense.
    let mut local_index: Vec<Option<usize>> = vec![None; g.nodes.len()];
    let mut node_group: Vec<Option<usize>> = vec![None; g.nodes.len()];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); g.groups.len()];
    for (gi, group) in g.groups.iter().enumerate() {
        for n in &group.nodes {
            if local_index.get(n.0) == Some(&None) {
                local_index[n.0] = Some(members[gi].len());
                node_group[n.0] = Some(gi);
                members[gi].push(n.0);
            }
        }
    }
    let children = |n: usize| g.nodes[n].children.iter().map(|c| c.0).filter(|&c| c < g.groups.len());
    // Edges by group: both ends must be in the same one.
    let mut group_edges: Vec<Vec<usize>> = vec![Vec::new(); g.groups.len()];
    for (i, e) in g.edges.iter().enumerate() {
        let (a, b) = (node_group.get(e.from.0).copied().flatten(), node_group.get(e.to.0).copied().flatten());
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                group_edges[a].push(i);
            }
        }
    }
    // Sizes, innermost groups first: nested groups always come after their parent.
    let mut sizes: Vec<(f64, f64)> = vec![(0.0, 0.0); g.groups.len()];
    let mut locals: Vec<Option<layered::Output>> = (0..g.groups.len()).map(|_| None).collect();
    for gi in (0..g.groups.len()).rev() {
        let group = &g.groups[gi];
        let index_of =
            |id: usize| local_index.get(id).copied().flatten().filter(|_| node_group[id] == Some(gi));
        let input = layered::Input {
            sizes: members[gi].iter().map(|&n| node_size(g, n, &sizes)).collect(),
            edges: group_edges[gi]
                .iter()
                .map(|&e| {
                    let edge = &g.edges[e];
                    layered::InputEdge {
                        from: index_of(edge.from.0).unwrap_or(usize::MAX),
                        to: index_of(edge.to.0).unwrap_or(usize::MAX),
                        label: edge.kind.label().map(|l| label_size(&l)),
                        class: match edge.kind {
                            EdgeKind::Catch { .. } => 1,
                            EdgeKind::Default => 2,
                            _ => 0,
                        },
                    }
                })
                .collect(),
            start: index_of(group.start.0),
            end: index_of(group.end.0),
        };
        let local = layered::layout(&input);
        let (pad, label_h) = match group.kind {
            GroupKind::Root => (MARGIN, 0.0),
            _ => (GROUP_PAD, GROUP_LABEL_HEIGHT),
        };
        let label_w = text_width(&group.label(), LABEL_FONT_SIZE);
        sizes[gi] = (local.width.max(label_w) + 2.0 * pad, local.height + 2.0 * pad + label_h);
        locals[gi] = Some(local);
    }

    // Positions, outermost first.
    let mut origin: Vec<(f64, f64)> = vec![(0.0, 0.0); g.groups.len()];
    for gi in 0..g.groups.len() {
        let group = &g.groups[gi];
        let Some(local) = locals[gi].take() else { continue };
        let (pad, label_h) = match group.kind {
            GroupKind::Root => (MARGIN, 0.0),
            _ => (GROUP_PAD, GROUP_LABEL_HEIGHT),
        };
        let (ox, oy) = origin[gi];
        out.groups[gi] = Rect { x: ox, y: oy, w: sizes[gi].0, h: sizes[gi].1 };
        // Content narrower than the label is centered.
        let dx = ox + pad + (sizes[gi].0 - 2.0 * pad - local.width) / 2.0;
        let dy = oy + pad + label_h;
        for (k, &n) in members[gi].iter().enumerate() {
            let mut r = local.nodes[k];
            r.translate(dx, dy);
            out.nodes[n] = r;
            out.layers[n] = local.layer_of[k];
            // Children side by side under the header, centered.
            let total: f64 = children(n).map(|c| sizes[c].0).sum::<f64>()
                + GROUP_GAP * children(n).count().saturating_sub(1) as f64;
            let mut cx = r.x + (r.w - total) / 2.0;
            for c in children(n) {
                origin[c] = (cx, r.y + HEADER_HEIGHT);
                cx += sizes[c].0 + GROUP_GAP;
            }
        }
        for (k, &e) in group_edges[gi].iter().enumerate() {
            if let Some(route) = local.routes.get(k) {
                let mut points = route.points.clone();
                for p in &mut points {
                    p.x += dx;
                    p.y += dy;
                }
                let label = route.label.map(|mut l| {
                    l.translate(dx, dy);
                    l
                });
                out.edges[e] = EdgeRoute { points, label, reversed: route.reversed };
            }
        }
    }
    if let Some(root) = out.groups.first() {
        out.width = root.w;
        out.height = root.h;
        // The top level's box is drawn (if at all) inside the margin.
        out.groups[0] = Rect { x: MARGIN, y: MARGIN, w: root.w - 2.0 * MARGIN, h: root.h - 2.0 * MARGIN };
    }
    out
}

/// A node's size: markers are small, states fit their (cut) name and type, and a Parallel or
/// Map node fits its groups (already sized in `groups`).
fn node_size(g: &Graph, n: usize, groups: &[(f64, f64)]) -> (f64, f64) {
    let Some(node) = g.nodes.get(n) else { return (0.0, 0.0) };
    match &node.kind {
        NodeKind::Start | NodeKind::End => (MARKER_WIDTH, MARKER_HEIGHT),
        NodeKind::State { name, state_type, .. } => {
            let text = text_width(&display_name(name), FONT_SIZE).max(text_width(state_type.as_str(), 10.0));
            let w = (text + 2.0 * NODE_PAD_X).max(NODE_MIN_WIDTH);
            if node.children.is_empty() {
                return (w, NODE_HEIGHT);
            }
            let inner: f64 = node.children.iter().map(|c| groups.get(c.0).map_or(0.0, |s| s.0)).sum::<f64>()
                + GROUP_GAP * node.children.len().saturating_sub(1) as f64;
            let tallest =
                node.children.iter().map(|c| groups.get(c.0).map_or(0.0, |s| s.1)).fold(0.0, f64::max);
            (w.max(inner + 2.0 * GROUP_PAD), HEADER_HEIGHT + tallest + GROUP_PAD)
        }
    }
}
