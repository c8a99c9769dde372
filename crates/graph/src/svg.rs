//! A self-contained SVG drawing of a laid-out graph: nodes coloured by state type, group
//! boxes, edges with their labels. No scripts, fonts or external references.
//!
//! For a web console: every node is a `<g class="sc-node sc-TYPE">` with `id="sc-nINDEX"`,
//! `data-state` (the full name), `data-type` and `data-pointer`; every edge a
//! `<g class="sc-edge sc-edge-KIND">` with `data-edge` (its index in the graph), `data-from`
//! and `data-to`, and its label a `<g class="sc-label">` with the same `data-edge`. Statuses passed in
//! [`RenderOptions::statuses`] add `data-status` and a `status-NAME` class, and the embedded
//! stylesheet colours those classes, so a console can also set them later on the live DOM.

use crate::escape::xml;
use crate::layout::{display_name, Layout, Point, FONT_SIZE, LABEL_FONT_SIZE, MARKER_HEIGHT};
use crate::model::{EdgeKind, Graph, GroupKind, NodeKind};
use crate::style::{type_class, type_colors, RenderOptions, Status, ALL_TYPES, MARKER_COLORS};
use std::fmt::Write;

/// Renders the SVG document.
pub fn render(g: &Graph, l: &Layout, opts: &RenderOptions) -> String {
    let mut s = String::with_capacity(4096 + g.nodes.len() * 600);
    let (w, h) = (num(l.width.max(1.0)), num(l.height.max(1.0)));
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="statecraft-graph" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="{}">"#,
        num(FONT_SIZE)
    );
    if let Some(t) = &opts.title {
        let _ = writeln!(s, "<title>{}</title>", xml(t));
    }
    s.push_str(&stylesheet());
    s.push_str(concat!(
        r##"<defs><marker id="sc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">"##,
        r##"<path d="M0,0 L10,5 L0,10 z" fill="#4b5563"/></marker></defs>"##,
        "\n"
    ));
    let _ = writeln!(s, r#"<rect class="sc-background" width="{w}" height="{h}" fill="white"/>"#);
    // Outer groups and nodes first, so nested ones are drawn over the boxes that hold them.
    for (gi, group) in g.groups.iter().enumerate() {
        if group.kind != GroupKind::Root {
            if let Some(r) = l.groups.get(gi) {
                let owner = group.parent.map(|p| label(g, p.0)).unwrap_or_default();
                let _ = writeln!(
                    s,
                    r##"<g class="sc-group" id="sc-g{gi}" data-pointer="{}" data-owner="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="#ffffff" fill-opacity="0.7" stroke="#9ca3af" stroke-dasharray="4 3"/><text class="sc-group-label" x="{}" y="{}" font-size="{}" fill="#6b7280">{}</text></g>"##,
                    xml(&group.pointer),
                    xml(owner),
                    num(r.x),
                    num(r.y),
                    num(r.w),
                    num(r.h),
                    num(r.x + 8.0),
                    num(r.y + 13.0),
                    num(LABEL_FONT_SIZE),
                    xml(&group.label())
                );
            }
        }
        for &n in &group.nodes {
            node(&mut s, g, l, n.0, opts);
        }
    }
    for (i, e) in g.edges.iter().enumerate() {
        let Some(route) = l.edges.get(i) else { continue };
        if route.points.len() < 2 {
            continue;
        }
        let d = if e.from == e.to { polyline(&route.points) } else { curve(&route.points) };
        let (stroke, dash) = match e.kind {
            EdgeKind::Catch { .. } => ("#b91c1c", r#" stroke-dasharray="6 4""#),
            EdgeKind::Default => ("#6b7280", r#" stroke-dasharray="2 3""#),
            EdgeKind::Choice { .. } => ("#b45309", ""),
            _ => ("#4b5563", ""),
        };
        let _ = writeln!(
            s,
            r#"<g class="sc-edge sc-edge-{}" data-edge="{i}" data-from="{}" data-to="{}"><path d="{d}" fill="none" stroke="{stroke}" stroke-width="1.4"{dash} marker-end="url(#sc-arrow)"/></g>"#,
            e.kind.as_str(),
            xml(label(g, e.from.0)),
            xml(label(g, e.to.0)),
        );
    }
    // Labels last, over every line.
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(text), Some(r)) = (e.kind.label(), l.edges.get(i).and_then(|r| r.label)) else { continue };
        let _ = writeln!(
            s,
            r##"<g class="sc-label" data-edge="{i}"><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" fill-opacity="0.9"/><text x="{}" y="{}" font-size="{}" fill="#374151">{}</text></g>"##,
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            num(r.x + 3.0),
            num(r.y + r.h - 4.0),
            num(LABEL_FONT_SIZE),
            xml(&text)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn node(s: &mut String, g: &Graph, l: &Layout, n: usize, opts: &RenderOptions) {
    let (Some(node), Some(r)) = (g.nodes.get(n), l.nodes.get(n)) else { return };
    let c = r.center();
    match &node.kind {
        NodeKind::Start | NodeKind::End => {
            let marker = if node.kind == NodeKind::Start { "start" } else { "end" };
            let _ = writeln!(
                s,
                r##"<g class="sc-marker sc-{marker}" id="sc-n{n}" data-marker="{marker}"><rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{}" stroke="{}"/><text x="{}" y="{}" text-anchor="middle" fill="#ffffff" font-size="{}">{}</text></g>"##,
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                num(MARKER_HEIGHT / 2.0),
                MARKER_COLORS.0,
                MARKER_COLORS.1,
                num(c.x),
                num(c.y + 4.0),
                num(LABEL_FONT_SIZE),
                node.label()
            );
        }
        NodeKind::State { name, state_type, pointer } => {
            let (fill, stroke) = type_colors(*state_type);
            let status = opts.statuses.get(name.as_str());
            let (status_class, status_attr) = match status {
                Some(st) => {
                    (format!(" status-{}", st.as_str()), format!(r#" data-status="{}""#, st.as_str()))
                }
                None => (String::new(), String::new()),
            };
            let rx = match state_type.as_str() {
                "Succeed" | "Fail" => r.h.min(42.0) / 2.0,
                "Choice" => 2.0,
                _ => 6.0,
            };
            let compound = !node.children.is_empty();
            // A Parallel or Map node holds its groups: its text sits in the header.
            let (name_y, type_y) = if compound { (r.y + 17.0, r.y + 31.0) } else { (c.y - 2.0, c.y + 12.0) };
            let _ = writeln!(
                s,
                r##"<g class="sc-node sc-{}{status_class}" id="sc-n{n}" data-state="{}" data-type="{}" data-pointer="{}"{status_attr}><title>{} ({})</title><rect class="sc-shape" x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/><text class="sc-name" x="{}" y="{}" text-anchor="middle" fill="#111827">{}</text><text class="sc-type" x="{}" y="{}" text-anchor="middle" font-size="10" fill="{stroke}">{}</text></g>"##,
                type_class(*state_type),
                xml(name),
                state_type.as_str(),
                xml(pointer),
                xml(name),
                state_type.as_str(),
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h),
                num(rx),
                num(c.x),
                num(name_y),
                xml(&display_name(name)),
                num(c.x),
                num(type_y),
                state_type.as_str(),
            );
        }
    }
}

/// A node's label, or nothing for a node the graph does not have.
fn label(g: &Graph, n: usize) -> &str {
    g.nodes.get(n).map_or("", |node| node.label())
}

/// CSS for the classes a console toggles; presentation attributes give the defaults, so
/// the drawing is right without it too.
fn stylesheet() -> String {
    let mut css = String::from("<style>\n.sc-node .sc-name { font-weight: 600; }\n");
    for t in ALL_TYPES {
        let (fill, _) = type_colors(t);
        let _ = writeln!(css, ".sc-{} > .sc-shape {{ fill: {fill}; }}", type_class(t));
    }
    for st in Status::ALL {
        let _ = writeln!(
            css,
            ".status-{} > .sc-shape {{ stroke: {}; stroke-width: 3.5px; }}",
            st.as_str(),
            st.stroke()
        );
    }
    css.push_str(".status-not-started { opacity: 0.55; }\n</style>\n");
    css
}

/// Curves through the points, leaving and entering each vertically.
fn curve(points: &[Point]) -> String {
    let mut d = format!("M{},{}", num(points[0].x), num(points[0].y));
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let my = (a.y + b.y) / 2.0;
        if (a.x - b.x).abs() < 0.5 {
            let _ = write!(d, " L{},{}", num(b.x), num(b.y));
        } else {
            let _ =
                write!(d, " C{},{} {},{} {},{}", num(a.x), num(my), num(b.x), num(my), num(b.x), num(b.y));
        }
    }
    d
}

fn polyline(points: &[Point]) -> String {
    let mut d = format!("M{},{}", num(points[0].x), num(points[0].y));
    for p in &points[1..] {
        let _ = write!(d, " L{},{}", num(p.x), num(p.y));
    }
    d
}

/// A coordinate with one decimal; anything not finite is written as 0 so the document stays
/// valid.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}
