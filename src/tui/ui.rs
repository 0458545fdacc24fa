//! Drawing. Reads the state, never changes it; images that are not ready
//! yet are asked for through [`Images`] and drawn as a placeholder.

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, Gauge, GraphType, Paragraph,
    Row as TableRow, Table, Tabs, Wrap,
};
use ratatui_image::Image;
use ratatui_image::protocol::Protocol;

use emotui::emotion;
use emotui::lime::trust;
use emotui::render::{self, PanelKind};
use emotui::stats::report::{caret_text, overall_lines};

use super::app::{App, Job, Prompt, Row, Tab};
use super::workers::{ImageRequest, Slot, Source};

/// Images shown on screen, by slot, and the requests for missing ones.
pub struct Images {
    shown: HashMap<Slot, (String, Size, Protocol)>,
    pending: HashMap<Slot, (String, Size)>,
    /// Images that could not be made, with why: not asked for again.
    failed: HashMap<Slot, (String, String)>,
    pub requests: Vec<ImageRequest>,
    /// Map colours to the 256-colour palette (no truecolor announced).
    pub palette_256: bool,
}

impl Images {
    pub fn new(palette_256: bool) -> Images {
        Images {
            shown: HashMap::new(),
            pending: HashMap::new(),
            failed: HashMap::new(),
            requests: Vec::new(),
            palette_256,
        }
    }

    /// A finished image from the worker.
    pub fn done(&mut self, slot: Slot, key: String, size: Size, protocol: Protocol) {
        if self.pending.get(&slot) == Some(&(key.clone(), size)) {
            self.pending.remove(&slot);
        }
        self.shown.insert(slot, (key, size, protocol));
    }

    /// A failed image: stop waiting for it, and do not ask again.
    pub fn failed(&mut self, slot: Slot, key: String, error: String) {
        self.pending.remove(&slot);
        self.failed.insert(slot, (key, error));
    }

    /// Draws the image for `key` in `area`, or asks for it.
    fn show(
        &mut self,
        f: &mut Frame,
        area: Rect,
        slot: Slot,
        key: &str,
        source: impl FnOnce() -> Source,
    ) {
        if area.width < 2 || area.height < 2 {
            return;
        }
        let size = Size::new(area.width, area.height);
        match self.shown.get(&slot) {
            Some((k, s, protocol)) if k == key && *s == size => {
                f.render_widget(Image::new(protocol), area);
                if self.palette_256 {
                    to_256(f, area);
                }
                return;
            }
            _ => {}
        }
        if let Some((k, e)) = self.failed.get(&slot)
            && k == key
        {
            f.render_widget(
                Paragraph::new(format!("cannot draw this image: {e}"))
                    .style(Style::default().fg(Color::Magenta))
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        if self.pending.get(&slot) != Some(&(key.to_string(), size)) {
            self.pending.insert(slot, (key.to_string(), size));
            self.requests.push(ImageRequest {
                slot,
                key: key.to_string(),
                size,
                source: source(),
            });
        }
        f.render_widget(
            Paragraph::new("rendering…").style(Style::default().fg(Color::DarkGray)),
            area,
        );
    }
}

/// Maps truecolor cells to the nearest xterm-256 colour.
fn to_256(f: &mut Frame, area: Rect) {
    fn idx(c: Color) -> Color {
        let Color::Rgb(r, g, b) = c else { return c };
        let q = |v: u8| {
            if v < 48 {
                0
            } else if v < 115 {
                1
            } else {
                (v as u16 - 35) as u8 / 40
            }
        };
        let (qr, qg, qb) = (q(r), q(g), q(b));
        let cube = 16 + 36 * qr + 6 * qg + qb;
        let level = |q: u8| [0u8, 95, 135, 175, 215, 255][q as usize] as i32;
        let cube_err = (level(qr) - r as i32).pow(2)
            + (level(qg) - g as i32).pow(2)
            + (level(qb) - b as i32).pow(2);
        let avg = (r as i32 + g as i32 + b as i32) / 3;
        let gi = ((avg - 8).max(0) / 10).min(23);
        let gv = 8 + 10 * gi;
        let grey_err = (gv - r as i32).pow(2) + (gv - g as i32).pow(2) + (gv - b as i32).pow(2);
        Color::Indexed(if grey_err < cube_err {
            232 + gi as u8
        } else {
            cube
        })
    }
    let buf = f.buffer_mut();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                let (fg, bg) = (idx(cell.fg), idx(cell.bg));
                cell.set_fg(fg).set_bg(bg);
            }
        }
    }
}

const MIN_W: u16 = 40;
const MIN_H: u16 = 12;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App, images: &mut Images) {
    let area = f.area();
    if area.width < MIN_W || area.height < MIN_H {
        let msg = format!(
            "emotui needs at least {MIN_W}×{MIN_H}; this terminal is {}×{}. q quits.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let titles = ["1 Browse", "2 Explain", "3 Survey"];
    let selected = match app.tab {
        Tab::Browse => 0,
        Tab::Explain => 1,
        Tab::Survey => 2,
    };
    f.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )
            .divider("│"),
        tabs,
    );
    match app.tab {
        Tab::Browse | Tab::Explain => {
            let [left, right] = Layout::horizontal([
                Constraint::Length(tree_width(area.width)),
                Constraint::Min(10),
            ])
            .areas(body);
            draw_tree(f, app, left);
            if app.tab == Tab::Browse {
                draw_face(f, app, images, right);
            } else {
                draw_explain(f, app, images, right);
            }
        }
        Tab::Survey => draw_survey(f, app, body),
    }
    draw_status(f, app, status);
    if app.help {
        draw_help(f, area);
    }
}

fn tree_width(total: u16) -> u16 {
    (total / 3).clamp(24, 48)
}

fn draw_tree(f: &mut Frame, app: &App, area: Rect) {
    let title = if app.filter.is_empty() {
        format!(" {} ", app.root.display())
    } else {
        format!(" filter: {} ", app.filter)
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = app.rows();
    if rows.is_empty() {
        let msg = if app.faces.is_empty() {
            "no faces in this folder"
        } else {
            "no face matches the filter (Esc clears it)"
        };
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
        return;
    }
    let h = inner.height as usize;
    let top = if app.cursor >= h {
        app.cursor + 1 - h
    } else {
        0
    };
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .map(|(i, r)| {
            let line = match *r {
                Row::Class(c) => {
                    let node = &app.classes[c];
                    let wrong = node.faces.iter().filter(|&&x| app.is_wrong(x)).count();
                    let done = node
                        .faces
                        .iter()
                        .filter(|&&x| app.results[x].is_some())
                        .count();
                    let mut spans = vec![Span::styled(
                        format!(
                            "{} {} ({})",
                            if node.expanded { "▾" } else { "▸" },
                            node.name,
                            node.faces.len()
                        ),
                        Style::default().add_modifier(Modifier::BOLD),
                    )];
                    if done > 0 {
                        spans.push(Span::styled(
                            format!("  {wrong} ✗"),
                            Style::default().fg(Color::DarkGray),
                        ));
                    }
                    Line::from(spans)
                }
                Row::Face(x) => {
                    let (mark, colour, label) = match &app.results[x] {
                        None => ("·", Color::DarkGray, String::new()),
                        Some(Err(_)) => ("!", Color::Magenta, "unreadable".into()),
                        Some(Ok(p)) => {
                            let label = app.labels.get(p.predicted).cloned().unwrap_or_default();
                            match p.is_correct(&app.labels, app.faces[x].class.as_deref()) {
                                Some(true) => ("✓", Color::Green, label),
                                Some(false) => ("✗", Color::Red, label),
                                None => ("?", Color::Gray, label),
                            }
                        }
                    };
                    Line::from(vec![
                        Span::raw("  "),
                        Span::styled(mark, Style::default().fg(colour)),
                        Span::raw(format!(" {} ", app.faces[x].name())),
                        Span::styled(label, Style::default().fg(colour)),
                    ])
                }
            };
            if i == app.cursor {
                line.style(Style::default().bg(Color::Blue).fg(Color::White))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_face(f: &mut Frame, app: &App, images: &mut Images, area: Rect) {
    let Some(face) = app.selected_face() else {
        let text = if app.faces.is_empty() {
            format!(
                "{}: no face images found.\n\nA faces tree is <DIR>/<CLASS>/<face>.png.",
                app.root.display()
            )
        } else {
            "Select a face (↑/↓, Enter opens a class).".into()
        };
        f.render_widget(
            Paragraph::new(text)
                .block(Block::default().borders(Borders::ALL))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let path = app.faces[face].path.clone();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", path.display()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let bars = app.labels.len().max(1) as u16 + 2;
    let [img, info] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(bars.min(inner.height / 2)),
    ])
    .areas(inner);
    match &app.results[face] {
        Some(Err(e)) => {
            f.render_widget(
                Paragraph::new(format!("Cannot use this file:\n{e}"))
                    .style(Style::default().fg(Color::Magenta))
                    .wrap(Wrap { trim: true }),
                img,
            );
        }
        _ => images.show(f, img, Slot::Face, &path.display().to_string(), || {
            Source::File(path.clone())
        }),
    }
    draw_probabilities(f, app, face, info);
}

fn draw_probabilities(f: &mut Frame, app: &App, face: usize, area: Rect) {
    let class = app.faces[face].class.clone();
    let Some(Ok(p)) = &app.results[face] else {
        let text = match &app.results[face] {
            Some(Err(_)) => String::new(),
            _ if app.labels.is_empty() => model_state(app),
            _ => "predicting…".into(),
        };
        f.render_widget(Paragraph::new(text), area);
        return;
    };
    let verdict = match p.is_correct(&app.labels, class.as_deref()) {
        Some(true) => Span::styled(
            " ✓ right",
            Style::default()
                .fg(Color::Green)
                .add_modifier(Modifier::BOLD),
        ),
        Some(false) => Span::styled(
            " ✗ wrong",
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        None => Span::raw(""),
    };
    let mut lines = vec![Line::from(vec![
        Span::raw(format!(
            "true: {}   predicted: ",
            class.as_deref().unwrap_or("?")
        )),
        Span::styled(
            app.labels[p.predicted].clone(),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        verdict,
    ])];
    let name_w = app
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5);
    let bar_w = area.width.saturating_sub(name_w as u16 + 16).max(4) as f32;
    for (i, (l, &v)) in app.labels.iter().zip(&p.probabilities).enumerate() {
        let is_true = class.as_deref().is_some_and(|c| emotion::same_class(l, c));
        let full = (v * bar_w).round() as usize;
        let style = if i == p.predicted {
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(Color::Cyan)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{l:>name_w$} "), style),
            Span::styled("█".repeat(full), style),
            Span::raw(format!(" {v:.4}")),
            Span::styled(
                if is_true { "  ◀ true class" } else { "" },
                Style::default().fg(Color::Green),
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_explain(f: &mut Frame, app: &App, images: &mut Images, area: Rect) {
    let p = &app.params;
    let title = format!(
        " explain: {} superpixels · {} features · {} labels · threshold {:.2} · {:?} · negative {} · background {} · seed {} ",
        p.n_superpixels,
        p.n_features,
        p.n_labels,
        p.panels.threshold,
        p.panels.display,
        if p.panels.show_negative { "on" } else { "off" },
        p.background.name(),
        p.seed
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(face) = app.selected_face() else {
        f.render_widget(Paragraph::new("Select a face to explain."), inner);
        return;
    };
    if let Some(Err(e)) = &app.results[face] {
        f.render_widget(
            Paragraph::new(format!("Cannot explain this file:\n{e}")).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let refining = app.current_explanation().is_none();
    let Some(result) = app.current_explanation().or_else(|| app.refining()) else {
        let text = match &app.job {
            Job::Running { done, total, .. } => {
                let [msg, gauge] =
                    Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(inner);
                f.render_widget(
                    Paragraph::new(format!(
                        "Explaining {} (Esc or x cancels)",
                        app.faces[face].name()
                    )),
                    msg,
                );
                progress_gauge(f, gauge, *done, *total);
                return;
            }
            Job::Cancelled => "Cancelled. Press c to compute again.".to_string(),
            Job::Failed(e) => format!("Failed: {e}\nPress c to try again."),
            Job::Idle if app.labels.is_empty() => model_state(app),
            Job::Idle => "Waiting…".into(),
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
        return;
    };
    // While samples still arrive, the latest refit is shown with how much it
    // moved, above a progress gauge.
    let inner = if refining {
        let [head, rest] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(4)]).areas(inner);
        let [msg, gauge] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(head);
        if let Some(r) = &result.refit {
            f.render_widget(
                Paragraph::new(format!(
                    "Refining: {} samples · top superpixels {:.0}% unchanged since {} samples ago · weights moved ≤ {:.3}{} · Esc cancels",
                    r.rows,
                    100.0 * r.top_overlap,
                    r.rows.saturating_sub(trust::REFIT_EVERY),
                    r.weight_change,
                    if app.params.until_stable { " · stops when stable" } else { "" }
                )),
                msg,
            );
        }
        if let Job::Running { done, total, .. } = &app.job {
            progress_gauge(f, gauge, *done, *total);
        }
        rest
    } else {
        inner
    };
    let expl = &result.explanation;
    let charts_h = if inner.height >= 24 { 8 } else { 0 };
    let [pics, charts] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(charts_h)]).areas(inner);
    let kinds: Vec<PanelKind> = if p.panels.show_negative {
        vec![PanelKind::Supports, PanelKind::Contradicts]
    } else {
        vec![PanelKind::Supports]
    };
    let n_pictures = 1 + expl.labels.len() * kinds.len();
    let cols = picture_grid(pics, n_pictures);
    let face_key = format!("{}|{:?}", app.faces[face].path.display(), app.explain_key());
    // Superpixels.
    {
        let [cap, img] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(2)]).areas(cols[0]);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    "Superpixels",
                    Style::default().add_modifier(Modifier::BOLD),
                )),
                Line::from(format!("{} of them", result.samples.superpixels.count)),
                Line::from(format!("{} perturbations", expl.n_samples)),
            ]),
            cap,
        );
        let s = result.samples.clone();
        images.show(
            f,
            img,
            Slot::Superpixels,
            &format!("sp|{face_key}"),
            move || {
                Source::Render(Arc::new(move |pw, ph| {
                    Ok(render::superpixels_image(
                        &s.face,
                        &s.superpixels,
                        fit(&s.face, pw, ph),
                    ))
                }))
            },
        );
    }
    let mut col = 1;
    for (li, l) in expl.labels.iter().enumerate() {
        for &kind in &kinds {
            let [cap, img] =
                Layout::vertical([Constraint::Length(4), Constraint::Min(2)]).areas(cols[col]);
            let colour = if kind == PanelKind::Supports {
                Color::Blue
            } else {
                Color::Red
            };
            let mut caption = render::caption(l, &p.panels, kind);
            if cap.width < 24 {
                // Narrow columns (80×24): R's words do not fit; keep the numbers.
                caption[1] = format!("p {}", render::two_digits(l.probability));
                caption[2] = format!("fit {}", render::two_digits(l.r2));
            }
            if let Some(st) = result.trust.stability_of(l.label) {
                caption[2] = format!(
                    "{} · {} (J {:.2})",
                    caption[2],
                    st.verdict.word(),
                    st.jaccard
                );
            }
            let lines: Vec<Line> = caption
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    if i == 0 {
                        Line::from(Span::styled(
                            t,
                            Style::default().fg(colour).add_modifier(Modifier::BOLD),
                        ))
                    } else {
                        Line::from(t)
                    }
                })
                .collect();
            f.render_widget(Paragraph::new(lines), cap);
            let key = format!("panel|{face_key}|{li}|{kind:?}|{:?}", p.panels);
            let (s, l2, opts) = (result.samples.clone(), l.clone(), p.panels);
            images.show(f, img, Slot::Panel(col - 1), &key, move || {
                Source::Render(Arc::new(move |pw, ph| {
                    Ok(render::explanation_overlay(
                        &s.face,
                        &s.superpixels,
                        &l2,
                        &opts,
                        fit(&s.face, pw, ph),
                        kind,
                    ))
                }))
            });
            col += 1;
        }
    }
    if charts_h > 0 {
        let n = expl.labels.len().max(1);
        let chart_cols = Layout::horizontal(vec![Constraint::Ratio(1, n as u32); n]).split(charts);
        for (l, area) in expl.labels.iter().zip(chart_cols.iter()) {
            let [density, weights, curves] = Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Length(24),
                Constraint::Fill(1),
            ])
            .areas(*area);
            draw_density(f, l, density);
            draw_weights(f, l, result.trust.stability_of(l.label), weights);
            if let Some(fa) = result.trust.faithfulness_of(l.label) {
                draw_faithfulness(f, fa, curves);
            }
        }
    }
}

/// Why there are no predictions yet: loading, or the model's error.
fn model_state(app: &App) -> String {
    match &app.model_error {
        Some(e) => format!(
            "No model: {e}\nStart emotui with --model PATH (an ONNX model with its .toml card)."
        ),
        None => "loading the model…".into(),
    }
}

/// How many perturbations have been evaluated.
fn progress_gauge(f: &mut Frame, area: Rect, done: usize, total: usize) {
    let ratio = if total > 0 {
        done as f64 / total as f64
    } else {
        0.0
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{done}/{total} perturbations"))
            .gauge_style(Style::default().fg(Color::Cyan)),
        area,
    );
}

/// The practical's density plot of one label's feature weights.
fn draw_density(f: &mut Frame, l: &emotui::lime::LabelExplanation, area: Rect) {
    let weights: Vec<f64> = l.features.iter().map(|f| f.weight).collect();
    let curve = render::weight_density(&weights);
    if curve.is_empty() {
        return;
    }
    let (x0, x1) = (curve[0].0, curve[curve.len() - 1].0);
    let ymax = curve.iter().map(|p| p.1).fold(0.0, f64::max);
    let ds = Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(Color::Cyan))
        .data(&curve);
    let chart = Chart::new(vec![ds])
        .block(
            Block::default()
                .borders(Borders::TOP)
                .title(format!(" {} density ", l.name)),
        )
        .x_axis(Axis::default().bounds([x0, x1]).labels(vec![
            Line::from(format!("{x0:.2}")),
            Line::from(format!("{x1:.2}")),
        ]))
        .y_axis(Axis::default().bounds([0.0, ymax * 1.05]));
    f.render_widget(chart, area);
}

/// The strongest weights with their 95% intervals (supports blue,
/// contradicts red), under the stability verdict.
fn draw_weights(
    f: &mut Frame,
    l: &emotui::lime::LabelExplanation,
    st: Option<&trust::Stability>,
    area: Rect,
) {
    let title = st.map_or(" weights ".to_string(), |s| {
        format!(" {} J{:.2} ", s.verdict.word(), s.jaccard)
    });
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = l
        .features
        .iter()
        .take(inner.height as usize)
        .map(|w| {
            let colour = if w.weight >= 0.0 {
                Color::Blue
            } else {
                Color::Red
            };
            let iv = st
                .and_then(|s| s.intervals.iter().find(|i| i.superpixel == w.superpixel))
                .map_or(String::new(), |i| format!(" {:.2}‥{:.2}", i.lower, i.upper));
            Line::from(vec![
                Span::raw(format!("{:>3} ", w.superpixel)),
                Span::styled(
                    format!("{:+.3}", w.weight),
                    Style::default().fg(colour).add_modifier(Modifier::BOLD),
                ),
                Span::styled(iv, Style::default().fg(Color::Gray)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Deletion (red) and insertion (blue) curves against random orders (grey).
fn draw_faithfulness(f: &mut Frame, fa: &trust::Faithfulness, area: Rect) {
    let (d, i) = (fa.deletion.points(), fa.insertion.points());
    let (rd, ri) = (fa.random_deletion.points(), fa.random_insertion.points());
    let ymax = d
        .iter()
        .chain(&i)
        .chain(&rd)
        .chain(&ri)
        .map(|p| p.1)
        .fold(1e-9, f64::max);
    fn ds(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
        Dataset::default()
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(colour))
            .data(data)
    }
    let chart = Chart::new(vec![
        ds(&rd, Color::DarkGray),
        ds(&ri, Color::DarkGray),
        ds(&d, Color::Red),
        ds(&i, Color::Blue),
    ])
    .block(Block::default().borders(Borders::TOP).title(format!(
        " del {:.2}× ins {:.2}× ",
        fa.deletion_ratio, fa.insertion_ratio
    )))
    .x_axis(Axis::default().bounds([0.0, 1.0]))
    .y_axis(Axis::default().bounds([0.0, ymax * 1.05]));
    f.render_widget(chart, area);
}

/// Areas for `n` captioned square pictures, in the grid (columns × rows)
/// that makes them largest. A cell is about twice as tall as wide.
fn picture_grid(area: Rect, n: usize) -> Vec<Rect> {
    const CAPTION: u16 = 4;
    let n = n.max(1);
    let best_cols = (1..=n)
        .max_by_key(|&c| {
            let r = n.div_ceil(c) as u16;
            let w = area.width / c as u16;
            let h = (area.height / r).saturating_sub(CAPTION);
            // Side of the square picture, in cell widths.
            w.min(2 * h)
        })
        .unwrap_or(n);
    let rows = n.div_ceil(best_cols);
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows]).split(area);
    let mut out = Vec::with_capacity(n);
    for r in row_areas.iter() {
        let cells =
            Layout::horizontal(vec![Constraint::Ratio(1, best_cols as u32); best_cols]).split(*r);
        out.extend(cells.iter().copied());
    }
    out.truncate(n);
    out
}

/// The longer side of a face fitted into pw × ph pixels.
fn fit(face: &emotui::preprocess::Planes, pw: u32, ph: u32) -> u32 {
    let (w, h) = (face.width as f64, face.height as f64);
    let s = (pw as f64 / w).min(ph as f64 / h);
    ((w.max(h) * s) as u32).max(1)
}

fn draw_survey(f: &mut Frame, app: &App, area: Rect) {
    let Some(survey) = &app.survey else {
        f.render_widget(
            Paragraph::new("No survey. Start with --survey FILE.csv, or put data/csv/Respuestas_emociones.csv next to the faces tree.")
                .block(Block::default().borders(Borders::ALL).title(" survey "))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let st = match survey {
        Ok(st) => st,
        Err(e) => {
            f.render_widget(
                Paragraph::new(format!("Cannot read the survey:\n{e}"))
                    .block(Block::default().borders(Borders::ALL).title(" survey "))
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    let [top, bottom] = Layout::vertical([
        Constraint::Length(st.matrix.levels.len() as u16 + 6),
        Constraint::Min(3),
    ])
    .areas(area);
    let [matrix_area, overall_area] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(46)]).areas(top);
    // The confusion matrix, coloured by column percentage (Figure 4).
    let m = &st.matrix;
    let pct = m.column_percentages();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(11))
        .chain(
            m.levels
                .iter()
                .map(|l| Constraint::Length(l.chars().count().max(9) as u16)),
        )
        .collect();
    let header = TableRow::new(
        std::iter::once(Cell::from("pred \\ ref"))
            .chain(m.levels.iter().map(|l| Cell::from(l.clone()))),
    )
    .style(Style::default().add_modifier(Modifier::BOLD));
    let rows: Vec<TableRow> = (0..m.levels.len())
        .map(|i| {
            TableRow::new(
                std::iter::once(
                    Cell::from(m.levels[i].clone())
                        .style(Style::default().add_modifier(Modifier::BOLD)),
                )
                .chain((0..m.levels.len()).map(|j| {
                    let p = pct[i][j].unwrap_or(0.0);
                    let shade = (255.0 - p * 2.2).clamp(30.0, 255.0) as u8;
                    let bg = Color::Rgb(shade, shade, 255);
                    let fg = if p > 50.0 { Color::White } else { Color::Black };
                    Cell::from(format!("{:>3} {:>5.1}%", m.table[i][j], p))
                        .style(Style::default().bg(bg).fg(fg))
                })),
            )
        })
        .collect();
    f.render_widget(
        Table::new(rows, widths).header(header).block(
            Block::default().borders(Borders::ALL).title(format!(
                " people: {} answers (% of each true emotion) ",
                m.n()
            )),
        ),
        matrix_area,
    );
    let mut overall: Vec<Line> = overall_lines(st)
        .into_iter()
        .map(|(n, v)| {
            if n.is_empty() {
                Line::from("")
            } else {
                Line::from(format!("{n:>22} : {v}"))
            }
        })
        .collect();
    if let Some(c) = &app.comparison {
        overall.push(Line::from(""));
        overall.push(Line::from(Span::styled(
            "The model on the faces tree:",
            Style::default().add_modifier(Modifier::BOLD),
        )));
        overall.push(Line::from(format!(
            "Accuracy : {}  Kappa : {}  ({} faces)",
            emotui::stats::rformat::round_str(c.model.overall.accuracy, 4),
            emotui::stats::rformat::round_str(c.model.overall.kappa, 4),
            c.model.matrix.n()
        )));
    }
    f.render_widget(
        Paragraph::new(overall).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" overall (people) "),
        ),
        overall_area,
    );
    // caret's per-class statistics, and the model's beside them.
    let text = caret_text(st);
    let by_class: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Statistics by Class"))
        .collect();
    let mut lines: Vec<Line> = by_class.iter().map(|l| Line::from(l.to_string())).collect();
    match &app.comparison {
        Some(c) => {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "Model (on the faces tree) beside people, by emotion:",
                Style::default().add_modifier(Modifier::BOLD),
            )));
            lines.push(Line::from(format!(
                "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "", "Sens M", "Sens P", "Spec M", "Spec P", "BalAcc M", "BalAcc P"
            )));
            let r = |x| emotui::stats::rformat::round_str(x, 4);
            for (i, l) in c.levels.iter().enumerate() {
                let (a, b) = (&c.model.by_class[i], &c.people.by_class[i]);
                lines.push(Line::from(format!(
                    "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                    l,
                    r(a.sensitivity),
                    r(b.sensitivity),
                    r(a.specificity),
                    r(b.specificity),
                    r(a.balanced_accuracy),
                    r(b.balanced_accuracy)
                )));
            }
            lines.push(Line::from(format!(
                "Accuracies differ? prop.test X-squared = {:.3}, p = {}",
                c.accuracy_test.statistic,
                emotui::stats::rformat::format_pval(&[Some(c.accuracy_test.p_value)], 4)[0]
            )));
        }
        None => lines.push(Line::from(format!(
            "\nThe model's statistics appear when all faces are predicted ({}/{}).",
            app.predicted.0, app.predicted.1
        ))),
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" statistics by class (caret) "),
        ),
        bottom,
    );
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let progress = if app.model_error.is_some() {
        "no predictions".to_string()
    } else if app.predicted.0 < app.predicted.1 {
        format!("predicting {}/{}", app.predicted.0, app.predicted.1)
    } else {
        format!("{} faces", app.predicted.1)
    };
    let mut spans = vec![
        Span::styled(
            format!(" {} ", app.model_status),
            Style::default().bg(Color::DarkGray).fg(Color::White),
        ),
        Span::raw(format!(" images: {} │ {} ", app.protocol, progress)),
    ];
    if let Job::Running { done, total, .. } = &app.job {
        spans.push(Span::raw(format!("│ explaining {done}/{total} ")));
    }
    match &app.prompt {
        Some(Prompt::Filter(t)) => {
            spans = vec![Span::styled(
                format!(" filter: {t}▏ (Enter applies, Esc cancels)"),
                Style::default().fg(Color::Yellow),
            )]
        }
        Some(Prompt::ExportPath(t)) => {
            spans = vec![Span::styled(
                format!(" export to folder: {t}▏ (Enter writes, Esc cancels)"),
                Style::default().fg(Color::Yellow),
            )]
        }
        Some(Prompt::ConfirmOverwrite(d)) => {
            spans = vec![Span::styled(
                format!(" {} has files already: overwrite them? y/n", d.display()),
                Style::default().fg(Color::Yellow),
            )]
        }
        None => {
            if let Some(m) = &app.message {
                spans.push(Span::styled(
                    format!("│ {m} "),
                    Style::default().fg(Color::Yellow),
                ));
            } else if let Some(e) = &app.last_error {
                spans.push(Span::styled(
                    format!("│ error: {e} "),
                    Style::default().fg(Color::Red),
                ));
            } else {
                spans.push(Span::styled(
                    "│ ? keys  q quit",
                    Style::default().fg(Color::DarkGray),
                ));
            }
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Every key, for `?`.
pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓ / j k", "move in the tree (PgUp PgDn, g G: jump)"),
    ("Enter → l", "open/close a class; on a face: explain it"),
    ("← h", "close the class"),
    ("/", "filter faces by name (Esc clears)"),
    ("n / N", "next / previous misclassified face"),
    ("Tab, 1 2 3", "browse, explain, survey tabs"),
    ("s / S", "explain: more / fewer superpixels"),
    (
        "f / F, a",
        "explain: more / fewer features; a: 3/4 of superpixels",
    ),
    ("+ / -", "explain: more / fewer labels"),
    ("t / T", "explain: raise / lower the threshold"),
    ("d", "explain: outline or block display"),
    ("v", "explain: show contradicting superpixels"),
    ("b", "explain: background grey, mean, blur"),
    ("r / R", "explain: next / previous seed"),
    ("c", "explain: compute again after a cancel"),
    ("u", "explain: stop sampling once the explanation is stable"),
    ("Esc x", "cancel the running explanation"),
    ("e", "explain: export panels (PNG) and weights (CSV)"),
    ("mouse", "click a face; wheel scrolls"),
    ("?", "this help"),
    ("q Ctrl-C", "quit"),
];

fn draw_help(f: &mut Frame, area: Rect) {
    let w = 70.min(area.width.saturating_sub(2));
    let h = (HELP.len() as u16 + 4).min(area.height.saturating_sub(2));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!("{k:>12}  "), Style::default().fg(Color::Yellow)),
                Span::raw(*d),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys (any key closes) "),
        ),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use emotui::faces::{Face, FaceClass, FaceTree};
    use emotui::predict::Prediction;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn app() -> App {
        let face = |n: &str| Face {
            path: format!("/t/JOY/{n}").into(),
            class: Some("JOY".into()),
        };
        let tree = FaceTree {
            root: "/t".into(),
            classes: vec![FaceClass {
                name: "JOY".into(),
                faces: vec![face("a.png"), face("broken.png")],
            }],
            unlabelled: vec![],
            problems: vec![],
        };
        let mut a = App::new(&tree, "halfblocks".into());
        a.labels = vec!["angry".into(), "happy".into()];
        a.model_status = "test model · tract".into();
        a.results[0] = Some(Ok(Prediction::from_probabilities(vec![0.25, 0.75])));
        a.results[1] = Some(Err("/t/JOY/broken.png: corrupt or unsupported image".into()));
        a
    }

    fn render(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut images = Images::new(false);
        t.draw(|f| draw(f, app, &mut images)).unwrap();
        let buf = t.backend().buffer().clone();
        let mut s = String::new();
        for y in 0..h {
            for x in 0..w {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn browse_shows_tree_probabilities_and_verdict() {
        let s = render(&app(), 80, 24);
        assert!(s.contains("▾ JOY (2)"), "{s}");
        assert!(s.contains("✓ a.png happy"), "{s}");
        assert!(s.contains("! broken.png"), "{s}");
        assert!(s.contains("predicted: happy ✓ right"), "{s}");
        assert!(s.contains("happy ") && s.contains("0.7500"), "{s}");
        assert!(s.contains("◀ true class"), "{s}");
        assert!(s.contains("test model · tract"), "{s}");
    }

    #[test]
    fn a_bad_file_shows_its_reason() {
        let mut a = app();
        a.cursor = 2;
        let s = render(&a, 100, 30);
        assert!(s.contains("Cannot use this file"), "{s}");
        assert!(s.contains("corrupt or unsupported image"), "{s}");
    }

    #[test]
    fn tiny_terminals_get_a_message_not_a_crash() {
        for (w, h) in [(20, 5), (39, 11), (1, 1)] {
            let s = render(&app(), w, h);
            assert!(w < 10 || s.contains("emotui needs"), "{w}x{h}: {s}");
        }
    }

    #[test]
    fn help_lists_every_key() {
        let mut a = app();
        a.help = true;
        let s = render(&a, 100, 30);
        for (k, _) in HELP {
            assert!(s.contains(k.trim()), "{k} missing:\n{s}");
        }
    }

    #[test]
    fn survey_tab_without_survey_says_how_to_get_one() {
        let mut a = app();
        a.tab = Tab::Survey;
        let s = render(&a, 100, 30);
        assert!(s.contains("No survey"), "{s}");
    }
}
