//! Coordinates for an ordered layering, and edge routes through them.
//!
//! x: each layer keeps its order and minimum gaps, and every vertex is pulled towards the
//! mean x of its neighbours in the adjacent layer (dummy-to-dummy segments pulled hardest, so
//! long edges run straight, as in Gansner et al.'s priority method). For a fixed order this is
//! an isotonic regression, solved exactly by pool-adjacent-violators; alternating down and up
//! passes then settle. y: layers stacked by their tallest vertex.

use super::{Point, Rect};

/// Width of a dummy vertex (the room one edge takes when it crosses a layer).
pub(crate) const DUMMY_W: f64 = 8.0;
/// Horizontal room for a self-loop on the right of a node.
pub(crate) const LOOP_W: f64 = 30.0;
/// Gap between the label of an edge and the edge's line.
pub(crate) const LABEL_INSET: f64 = 10.0;
const GAP_X: f64 = 28.0;
const GAP_DUMMY: f64 = 10.0;
const GAP_Y: f64 = 40.0;
/// Gap next to a layer with only edges (and their labels) in it.
const GAP_THIN: f64 = 12.0;
const PASSES: usize = 8;

#[derive(Debug, Clone)]
pub(crate) struct Vertex {
    pub(crate) w: f64,
    pub(crate) h: f64,
    pub(crate) rank: usize,
    pub(crate) dummy: bool,
    /// A dummy that carries an edge's label (its line runs along the left side).
    pub(crate) label: bool,
    /// Extra room on both sides (for self-loops and their labels).
    pub(crate) margin: f64,
    /// Height its layer needs besides the vertex (for self-loop labels).
    pub(crate) loop_h: f64,
}

pub(crate) struct Placed {
    /// Center x of every vertex.
    x: Vec<f64>,
    layer_y: Vec<f64>,
    layer_h: Vec<f64>,
}

impl Placed {
    pub(crate) fn rect(&self, v: usize, verts: &[Vertex]) -> Rect {
        let vx = &verts[v];
        let top = self.layer_y[vx.rank] + (self.layer_h[vx.rank] - vx.h) / 2.0;
        Rect { x: self.x[v] - vx.w / 2.0, y: top, w: vx.w, h: vx.h }
    }

    /// Where an edge crosses this vertex horizontally.
    fn line_x(&self, v: usize, verts: &[Vertex]) -> f64 {
        if verts[v].label {
            self.x[v] - verts[v].w / 2.0 + 2.0
        } else {
            self.x[v]
        }
    }
}

pub(crate) fn place(
    verts: &[Vertex],
    layers: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
) -> Placed {
    let mut layer_h = vec![0.0f64; layers.len()];
    let mut thin = vec![true; layers.len()];
    for v in verts {
        layer_h[v.rank] = layer_h[v.rank].max(v.h).max(v.loop_h);
        if !v.dummy {
            thin[v.rank] = false;
        }
    }
    let mut layer_y = vec![0.0f64; layers.len()];
    for l in 1..layers.len() {
        let gap = if thin[l] || thin[l - 1] { GAP_THIN } else { GAP_Y };
        layer_y[l] = layer_y[l - 1] + layer_h[l - 1] + gap;
    }

    let mut x = vec![0.0f64; verts.len()];
    for layer in layers {
        let offsets = offsets(layer, verts);
        let shift = offsets.last().copied().unwrap_or(0.0) / 2.0;
        for (&v, o) in layer.iter().zip(&offsets) {
            x[v] = o - shift;
        }
    }
    let weight = |a: usize, b: usize| match (verts[a].dummy, verts[b].dummy) {
        (true, true) => 8.0,
        (false, false) => 1.0,
        _ => 2.0,
    };
    for pass in 0..PASSES * 2 + 1 {
        let last = pass == PASSES * 2;
        let downward = pass % 2 == 0;
        let order: Vec<usize> =
            if downward { (0..layers.len()).collect() } else { (0..layers.len()).rev().collect() };
        for l in order {
            let layer = &layers[l];
            let desired: Vec<(f64, f64)> = layer
                .iter()
                .map(|&v| {
                    let ns: Vec<usize> = match (last, downward) {
                        (true, _) => up[v].iter().chain(&down[v]).copied().collect(),
                        (false, true) => up[v].clone(),
                        (false, false) => down[v].clone(),
                    };
                    let (sw, swx) = ns
                        .iter()
                        .fold((0.0, 0.0), |(sw, swx), &u| (sw + weight(u, v), swx + weight(u, v) * x[u]));
                    if sw > 0.0 {
                        (swx / sw, sw)
                    } else {
                        (x[v], 0.5)
                    }
                })
                .collect();
            let solved = isotonic(&desired, &offsets(layer, verts));
            for (&v, nx) in layer.iter().zip(solved) {
                x[v] = nx;
            }
        }
    }
    Placed { x, layer_y, layer_h }
}

/// Cumulative minimum distances between the centers of a layer's vertices, from the first.
fn offsets(layer: &[usize], verts: &[Vertex]) -> Vec<f64> {
    let mut out = Vec::with_capacity(layer.len());
    let mut acc = 0.0;
    for (i, &v) in layer.iter().enumerate() {
        if i > 0 {
            let u = layer[i - 1];
            let gap = if verts[u].dummy || verts[v].dummy { GAP_DUMMY } else { GAP_X };
            acc += (verts[u].w / 2.0 + verts[u].margin) + (verts[v].w / 2.0 + verts[v].margin) + gap;
        }
        out.push(acc);
    }
    out
}

/// The positions closest (weighted least squares) to `desired` that keep the order and the
/// minimum `offsets` between neighbours: with y_i = x_i - offset_i the constraint is y
/// nondecreasing, which pool-adjacent-violators solves exactly.
fn isotonic(desired: &[(f64, f64)], offsets: &[f64]) -> Vec<f64> {
    // Blocks of (weight sum, weighted target sum, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(desired.len());
    for (&(d, w), o) in desired.iter().zip(offsets) {
        blocks.push((w, w * (d - o), 1));
        while blocks.len() > 1 {
            let (w2, s2, n2) = blocks[blocks.len() - 1];
            let (w1, s1, n1) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, s1 + s2, n1 + n2);
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (w, s, n) in blocks {
        for _ in 0..n {
            out.push(s / w + offsets[out.len()]);
        }
    }
    out
}

/// The points of an edge along its chain of vertices (top to bottom): out of the bottom of
/// the first, through each dummy's layer, into the top of the last.
pub(crate) fn route(chain: &[usize], placed: &Placed, verts: &[Vertex]) -> Vec<Point> {
    let (Some(&first), Some(&last)) = (chain.first(), chain.last()) else {
        return Vec::new();
    };
    let mut pts = Vec::with_capacity(chain.len() * 2);
    let r = placed.rect(first, verts);
    pts.push(Point { x: placed.line_x(first, verts), y: r.y + r.h });
    for &d in &chain[1..chain.len() - 1] {
        let rank = verts[d].rank;
        let x = placed.line_x(d, verts);
        let (top, h) = (placed.layer_y[rank], placed.layer_h[rank]);
        pts.push(Point { x, y: top });
        if h > 0.0 {
            pts.push(Point { x, y: top + h });
        }
    }
    let r = placed.rect(last, verts);
    pts.push(Point { x: placed.line_x(last, verts), y: r.y });
    pts
}

/// Horizontal room taken by `count` nested self-loops.
pub(crate) fn loop_room(count: usize) -> f64 {
    LOOP_W + LOOP_STEP * count.saturating_sub(1) as f64
}

const LOOP_STEP: f64 = 8.0;

/// The self-loops of one node: nested on its right side, their labels stacked beside the
/// outermost one.
pub(crate) fn self_loops(node: Rect, labels: &[Option<(f64, f64)>]) -> Vec<super::layered::Route> {
    let right = node.x + node.w;
    let (cy, dy) = (node.y + node.h / 2.0, node.h / 4.0);
    let label_x = right + loop_room(labels.len()) - 4.0;
    let total_h: f64 = labels.iter().flatten().map(|l| l.1).sum();
    let mut label_y = cy - total_h / 2.0;
    labels
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let out = right + LOOP_W - 8.0 + LOOP_STEP * k as f64;
            let points = vec![
                Point { x: right, y: cy - dy },
                Point { x: out, y: cy - dy },
                Point { x: out, y: cy + dy },
                Point { x: right, y: cy + dy },
            ];
            let label = label.map(|(w, h)| {
                let r = Rect { x: label_x, y: label_y, w, h };
                label_y += h;
                r
            });
            super::layered::Route { points, label, reversed: false }
        })
        .collect()
}

/// One end of an edge at a node's side: the vertex at the other end of the segment, its x,
/// the route, the point's index.
type End = (usize, f64, usize, usize);

/// Spreads the ends of the edges that leave the bottom (or enter the top) of the same node
/// along its side, ordered by where the edges go, so parallel edges do not overlap; edges
/// that share their next vertex (merged edges) share their port. `routes` are in layer order
/// (not yet reversed), like `chains`.
pub(crate) fn attach_ports(
    routes: &mut [Vec<Point>],
    chains: &[Vec<usize>],
    placed: &Placed,
    verts: &[Vertex],
) {
    let mut sides: std::collections::BTreeMap<(usize, bool), Vec<End>> = Default::default();
    for (i, chain) in chains.iter().enumerate() {
        let pts = &routes[i];
        if chain.len() < 2 || pts.len() < 2 {
            continue;
        }
        let (first, last) = (chain[0], chain[chain.len() - 1]);
        sides.entry((first, true)).or_default().push((chain[1], pts[1].x, i, 0));
        let before = chain[chain.len() - 2];
        sides.entry((last, false)).or_default().push((before, pts[pts.len() - 2].x, i, pts.len() - 1));
    }
    for ((v, _), mut ends) in sides {
        if verts[v].dummy {
            continue;
        }
        ends.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let mut ports: Vec<usize> = ends.iter().map(|e| e.0).collect();
        ports.dedup();
        if ports.len() < 2 {
            continue;
        }
        let r = placed.rect(v, verts);
        let k = ports.len() as f64;
        let spread = (r.w * 0.6).min((k - 1.0) * 14.0);
        let cx = r.x + r.w / 2.0;
        for (neighbour, _, route, point) in ends {
            let j = ports.iter().position(|&p| p == neighbour).unwrap_or(0);
            routes[route][point].x = cx - spread / 2.0 + spread * j as f64 / (k - 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_keeps_order_and_gaps() {
        // All want x = 0; gaps of 10 force them apart, symmetrically around 0.
        let got = isotonic(&[(0.0, 1.0), (0.0, 1.0), (0.0, 1.0)], &[0.0, 10.0, 20.0]);
        assert_eq!(got, vec![-10.0, 0.0, 10.0]);
        // Already far enough apart: unchanged.
        let got = isotonic(&[(0.0, 1.0), (50.0, 1.0)], &[0.0, 10.0]);
        assert_eq!(got, vec![0.0, 50.0]);
    }
}
