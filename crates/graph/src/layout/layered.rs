//! The layered (Sugiyama) layout of one group, in the group's own coordinates: cycles broken
//! by reversing DFS back-edges, layers by longest path from the sources, long edges split by
//! dummy vertices (a labelled edge spans two layers and its middle dummy carries the label, as
//! Graphviz does, so labels get room of their own), crossings reduced by barycenter sweeps,
//! then coordinates ([`super::place`]).
//!
//! Everything here works on indices it created itself; the graph it is given may be anything
//! (cycles, self-loops, unreachable nodes, parallel edges).

use super::place::{self, Vertex};
use super::{Point, Rect};

/// One group to lay out: node sizes and edges between them (local indices).
pub(crate) struct Input {
    pub(crate) sizes: Vec<(f64, f64)>,
    pub(crate) edges: Vec<InputEdge>,
    /// The start marker: placed first.
    pub(crate) start: Option<usize>,
    /// The end marker: placed on the last layer.
    pub(crate) end: Option<usize>,
}

pub(crate) struct InputEdge {
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// The size of the edge's label, if it has one.
    pub(crate) label: Option<(f64, f64)>,
    /// Edges of the same class into the same node may share their way there.
    pub(crate) class: u8,
}

pub(crate) struct Output {
    /// Node rectangles, with the content's top-left corner at (0, 0).
    pub(crate) nodes: Vec<Rect>,
    pub(crate) layer_of: Vec<usize>,
    pub(crate) routes: Vec<Route>,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    pub(crate) points: Vec<Point>,
    pub(crate) label: Option<Rect>,
    pub(crate) reversed: bool,
}

/// How many barycenter sweeps (down and up each count one) are tried.
const SWEEPS: usize = 24;

pub(crate) fn layout(input: &Input) -> Output {
    let n = input.sizes.len();
    let reversed = break_cycles(input);
    let rank = assign_ranks(input, &reversed);

    // Vertices: the nodes, then dummies.
    let mut verts: Vec<Vertex> = input
        .sizes
        .iter()
        .zip(&rank)
        .map(|(&(w, h), &r)| Vertex { w, h, rank: r, dummy: false, label: false, margin: 0.0, loop_h: 0.0 })
        .collect();
    // Self-loops go round the right side of their node, nested, labels stacked beside them:
    // the node keeps room for them on both sides (so it stays centered), and its layer for
    // the labels' height.
    let mut loops: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in input.edges.iter().enumerate() {
        if e.from == e.to && e.from < n {
            loops[e.from].push(i);
        }
    }
    for (v, list) in loops.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let label_w =
            list.iter().filter_map(|&i| input.edges[i].label).map(|l| l.0 + 4.0).fold(0.0, f64::max);
        let label_h: f64 = list.iter().filter_map(|&i| input.edges[i].label).map(|l| l.1).sum();
        verts[v].margin = place::loop_room(list.len()) + label_w;
        verts[v].loop_h = label_h;
    }
    // Chains of vertices per edge, in layer order (top to bottom). A label sits on the layer
    // next to the edge's source. Long edges of the same kind into the same node share their
    // dummies once they meet (Graphviz's "concentrate"), so that twenty catchers leading to one
    // handler draw one trunk, not twenty lines.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(input.edges.len());
    let mut label_vertex: Vec<Option<usize>> = vec![None; input.edges.len()];
    let mut shared: std::collections::HashMap<(usize, u8, usize), usize> = Default::default();
    for (i, e) in input.edges.iter().enumerate() {
        if e.from == e.to || e.from >= n || e.to >= n {
            chains.push(Vec::new());
            continue;
        }
        let (top, bottom) = if reversed[i] { (e.to, e.from) } else { (e.from, e.to) };
        let mut chain = vec![top];
        let (r0, r1) = (rank[top], rank[bottom]);
        // The layer next to the edge's source: under it, or above it for an edge going up.
        let label_rank = if reversed[i] { r1.saturating_sub(1) } else { r0 + 1 };
        for r in r0 + 1..r1 {
            if let (Some((lw, lh)), true) = (e.label, r == label_rank) {
                label_vertex[i] = Some(verts.len());
                chain.push(verts.len());
                let w = lw + place::LABEL_INSET;
                verts.push(Vertex { w, h: lh, rank: r, dummy: true, label: true, margin: 0.0, loop_h: 0.0 });
                continue;
            }
            let mut new = || {
                verts.push(Vertex {
                    w: place::DUMMY_W,
                    h: 0.0,
                    rank: r,
                    dummy: true,
                    label: false,
                    margin: 0.0,
                    loop_h: 0.0,
                });
                verts.len() - 1
            };
            let v = if reversed[i] { new() } else { *shared.entry((bottom, e.class, r)).or_insert_with(new) };
            chain.push(v);
        }
        chain.push(bottom);
        chains.push(chain);
    }

    let layer_count = verts.iter().map(|v| v.rank + 1).max().unwrap_or(0);
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); verts.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); verts.len()];
    for chain in &chains {
        for pair in chain.windows(2) {
            if !down[pair[0]].contains(&pair[1]) {
                down[pair[0]].push(pair[1]);
                up[pair[1]].push(pair[0]);
            }
        }
    }
    let mut layers = initial_order(input, &verts, &down, layer_count);
    reduce_crossings(&mut layers, &up, &down);

    let placed = place::place(&verts, &layers, &up, &down);
    let mut points: Vec<Vec<Point>> =
        chains.iter().map(|chain| place::route(chain, &placed, &verts)).collect();
    place::attach_ports(&mut points, &chains, &placed, &verts);
    let mut routes: Vec<Route> = points
        .into_iter()
        .enumerate()
        .map(|(i, mut points)| {
            if reversed[i] {
                points.reverse();
            }
            let label = label_vertex[i].map(|v| {
                let r = placed.rect(v, &verts);
                Rect { x: r.x + place::LABEL_INSET, w: r.w - place::LABEL_INSET, ..r }
            });
            Route { points, label, reversed: reversed[i] }
        })
        .collect();
    for (v, list) in loops.iter().enumerate() {
        let labels: Vec<Option<(f64, f64)>> = list.iter().map(|&i| input.edges[i].label).collect();
        for (k, route) in place::self_loops(placed.rect(v, &verts), &labels).into_iter().enumerate() {
            routes[list[k]] = route;
        }
    }

    let mut nodes: Vec<Rect> = (0..n).map(|v| placed.rect(v, &verts)).collect();
    let (width, height) = normalize(&mut nodes, &mut routes);
    Output { nodes, layer_of: rank, routes, width, height }
}

/// Marks the edges that a depth-first search from the start (then from every unvisited
/// node, in order) finds going back to a node on its stack.
fn break_cycles(input: &Input) -> Vec<bool> {
    let n = input.sizes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in input.edges.iter().enumerate() {
        if e.from < n && e.to < n && e.from != e.to {
            out[e.from].push(i);
        }
    }
    let mut reversed = vec![false; input.edges.len()];
    // 0: unvisited, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    let roots = input.start.into_iter().chain(0..n);
    for root in roots {
        if root >= n || state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&e) = out[v].get(*next) {
                *next += 1;
                let to = input.edges[e].to;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest path from the sources, a labelled edge counting two layers; the end marker on the
/// last layer. Then nodes with more edges out than in move down next to their successors,
/// which shortens edges without changing the order of anything.
fn assign_ranks(input: &Input, reversed: &[bool]) -> Vec<usize> {
    let n = input.sizes.len();
    // (from, to, minimum length) in the acyclic orientation.
    let arcs: Vec<(usize, usize, usize)> = input
        .edges
        .iter()
        .zip(reversed)
        .filter(|(e, _)| e.from != e.to && e.from < n && e.to < n)
        .map(|(e, &r)| {
            let len = if e.label.is_some() { 2 } else { 1 };
            if r {
                (e.to, e.from, len)
            } else {
                (e.from, e.to, len)
            }
        })
        .collect();
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, b, _)) in arcs.iter().enumerate() {
        indegree[b] += 1;
        out[a].push(i);
    }
    let mut rank = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = queue.pop() {
        order.push(v);
        for &i in &out[v] {
            let (_, b, len) = arcs[i];
            rank[b] = rank[b].max(rank[v] + len);
            indegree[b] -= 1;
            if indegree[b] == 0 {
                queue.push(b);
            }
        }
    }
    // Pull nodes down towards their successors, bottom-up.
    let mut ins = vec![0usize; n];
    for &(_, b, _) in &arcs {
        ins[b] += 1;
    }
    for &v in order.iter().rev() {
        if Some(v) == input.start || out[v].is_empty() || out[v].len() <= ins[v] {
            continue;
        }
        let limit =
            out[v].iter().map(|&i| rank[arcs[i].1].saturating_sub(arcs[i].2)).min().unwrap_or(rank[v]);
        if limit > rank[v] {
            rank[v] = limit;
        }
    }
    if let Some(end) = input.end.filter(|&e| e < n) {
        let last = (0..n).filter(|&v| v != end).map(|v| rank[v]).max();
        let after_preds = arcs.iter().filter(|a| a.1 == end).map(|a| rank[a.0] + a.2).max();
        rank[end] = match (last, after_preds) {
            (Some(l), Some(p)) => (l + 1).max(p),
            (Some(l), None) => l + 1,
            _ => 0,
        };
    }
    rank
}

/// A depth-first order from the start, following edges in definition order (so the first
/// Choice rule is on the left), then whatever was not reached.
fn initial_order(
    input: &Input,
    verts: &[Vertex],
    down: &[Vec<usize>],
    layer_count: usize,
) -> Vec<Vec<usize>> {
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    let mut seen = vec![false; verts.len()];
    let roots = input.start.into_iter().chain(0..verts.len());
    for root in roots {
        if root >= verts.len() || seen[root] {
            continue;
        }
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[verts[v].rank].push(v);
            stack.extend(down[v].iter().rev().copied().filter(|&w| !seen[w]));
        }
    }
    layers
}

/// Alternating barycenter sweeps; the order with the fewest crossings wins.
fn reduce_crossings(layers: &mut [Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) {
    let vert_count = up.len();
    let mut pos = vec![0usize; vert_count];
    let index = |layers: &[Vec<usize>], pos: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    index(layers, &mut pos);
    let mut best = layers.to_vec();
    let mut best_crossings = crossings(layers, down, &pos);
    for sweep in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let fixed = if downward { up } else { down };
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .map(|&v| {
                    let ns = &fixed[v];
                    let key = if ns.is_empty() {
                        pos[v] as f64
                    } else {
                        ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        let c = crossings(layers, down, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

/// Edge crossings between every pair of adjacent layers.
pub(crate) fn crossings(layers: &[Vec<usize>], down: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    for layer in layers {
        let mut segs: Vec<(usize, usize)> =
            layer.iter().flat_map(|&u| down[u].iter().map(move |&v| (pos[u], pos[v]))).collect();
        segs.sort_unstable();
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if segs[i].0 < segs[j].0 && segs[i].1 > segs[j].1 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Moves everything so the content starts at (0, 0); returns its size.
fn normalize(nodes: &mut [Rect], routes: &mut [Route]) -> (f64, f64) {
    let mut min = Point { x: f64::INFINITY, y: f64::INFINITY };
    let mut max = Point { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY };
    let mut take = |x: f64, y: f64| {
        min.x = min.x.min(x);
        min.y = min.y.min(y);
        max.x = max.x.max(x);
        max.y = max.y.max(y);
    };
    for r in nodes.iter() {
        take(r.x, r.y);
        take(r.x + r.w, r.y + r.h);
    }
    for route in routes.iter() {
        for p in &route.points {
            take(p.x, p.y);
        }
        if let Some(l) = &route.label {
            take(l.x, l.y);
            take(l.x + l.w, l.y + l.h);
        }
    }
    if !min.x.is_finite() {
        return (0.0, 0.0);
    }
    for r in nodes.iter_mut() {
        r.x -= min.x;
        r.y -= min.y;
    }
    for route in routes.iter_mut() {
        for p in &mut route.points {
            p.x -= min.x;
            p.y -= min.y;
        }
        if let Some(l) = &mut route.label {
            l.x -= min.x;
            l.y -= min.y;
        }
    }
    (max.x - min.x, max.y - min.y)
}
