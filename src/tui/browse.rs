//! The browse tab: the selected face (with its landmarks and regions on
//! `L`) and the model's probability for every label, the prediction
//! highlighted and the true class marked; an image that is a photo of
//! faces rather than a face is flagged, to be cropped with `c`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use std::sync::Arc;

use emotui::emotion;
use emotui::geometry::LandmarkSource;
use emotui::model::card::Colour;
use emotui::preprocess::{load_image, to_planes};
use emotui::render;

use super::faceparts::FaceParts;
use super::images::{Images, Slot, Source};
use super::theme;
use super::tree::{Predictions, Tree};
use super::workers::Which;

/// Draws the browse pane. `waiting` says why there are no predictions yet;
/// `parked` is the other model's, when two are compared.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    f: &mut Frame,
    tree: &Tree,
    predictions: &Predictions,
    parked: Option<(Which, &Predictions)>,
    parts: &FaceParts,
    images: &mut Images,
    area: Rect,
    waiting: &str,
) {
    let Some(face) = tree.selected() else {
        let text = if tree.faces.is_empty() {
            format!(
                "{}: no face images found.\n\nA faces tree is <DIR>/<CLASS>/<face>.png.",
                tree.root.display()
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
    let path = tree.faces[face].path.clone();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", path.display()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let bars = predictions.labels.len().max(1) as u16 + 2 + u16::from(parked.is_some());
    let [img, note, info] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(bars.min(inner.height / 2)),
    ])
    .areas(inner);
    match &predictions.results[face] {
        Some(Err(e)) => f.render_widget(
            theme::error_text(format!("Cannot use this file:\n{e}")),
            img,
        ),
        _ => match parts.drawn(&path) {
            Some(landmarks) => {
                let key = format!("L|{}", path.display());
                images.show(f, img, Slot::Face, &key, || {
                    Source::Render(Arc::new(move |pw, ph| {
                        // The face at the size shown, so that outlines stay thin.
                        let face = load_image(&path).map(|i| to_planes(&i, Colour::Rgb));
                        match face {
                            Ok(planes) => render::regions_image(&planes, &landmarks, pw.min(ph)),
                            Err(_) => image::RgbImage::new(1, 1),
                        }
                    }))
                })
            }
            None => images.show(f, img, Slot::Face, &path.display().to_string(), || {
                Source::File(path.clone())
            }),
        },
    }
    f.render_widget(face_note(parts, &tree.faces[face].path), note);
    draw_probabilities(f, tree, predictions, parked, face, info, waiting);
}

/// One line under the face: a photo to crop, where the landmarks came
/// from, or that they are on their way.
fn face_note<'a>(parts: &FaceParts, path: &std::path::Path) -> Paragraph<'a> {
    let muted = Style::default().fg(theme::palette().muted);
    let (text, style) = match (parts.get(path), parts.error(path)) {
        (Some(g), _) if parts.cropping.as_deref() == Some(path) => (
            format!("photo: {} faces · cropping…", g.photo.faces.len()),
            theme::bold().fg(theme::palette().accent),
        ),
        (Some(g), _) if g.photo.is_photo() => (
            format!(
                "photo: {} faces, press c to crop (the largest fills {:.0}% of it)",
                g.photo.faces.len(),
                100.0 * g.photo.fill
            ),
            theme::bold().fg(theme::palette().accent),
        ),
        (Some(g), _) => (
            match g.landmarks.source {
                LandmarkSource::Mesh => format!(
                    "face mesh: {} landmarks · L {} them",
                    g.landmarks.points.len(),
                    if parts.show { "hides" } else { "shows" }
                ),
                LandmarkSource::Template(why) => why.describe().to_string(),
            },
            muted,
        ),
        (None, Some(e)) => (format!("no landmarks: {e}"), muted),
        (None, None) if parts.pending(path) => ("finding the face…".into(), muted),
        (None, None) => (
            parts
                .why_unavailable()
                .map_or(String::new(), |w| format!("no landmarks: {w}")),
            muted,
        ),
    };
    Paragraph::new(Line::from(Span::styled(text, style)))
}

fn draw_probabilities(
    f: &mut Frame,
    tree: &Tree,
    predictions: &Predictions,
    parked: Option<(Which, &Predictions)>,
    face: usize,
    area: Rect,
    waiting: &str,
) {
    let labels = &predictions.labels;
    let class = tree.faces[face].class.clone();
    let Some(Ok(p)) = &predictions.results[face] else {
        let text = match &predictions.results[face] {
            Some(Err(_)) => String::new(),
            _ if labels.is_empty() => waiting.to_string(),
            _ => "predicting…".into(),
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    };
    let verdict = match p.is_correct(labels, class.as_deref()) {
        Some(true) => Span::styled(" ✓ right", theme::bold().fg(theme::palette().good)),
        Some(false) => Span::styled(" ✗ wrong", theme::bold().fg(theme::palette().bad)),
        None => Span::raw(""),
    };
    let mut lines = vec![Line::from(vec![
        Span::raw(format!(
            "true: {}   predicted: ",
            class.as_deref().unwrap_or("?")
        )),
        Span::styled(labels[p.predicted].clone(), theme::bold()),
        verdict,
    ])];
    // The other model's answer, and its probability for each label of this
    // one (matched through emotion synonyms).
    let other = parked.and_then(|(which, o)| match &o.results[face] {
        Some(Ok(q)) => Some((which, &o.labels, q)),
        _ => None,
    });
    if let Some((which, other_labels, q)) = other {
        lines.push(Line::from(vec![
            Span::styled(
                format!("model {which:?} (M shows it): "),
                Style::default().fg(theme::palette().muted),
            ),
            Span::styled(other_labels[q.predicted].clone(), theme::bold()),
            Span::raw(format!(" {:.4}", q.probabilities[q.predicted])),
        ]));
    }
    let name_w = labels.iter().map(|l| l.chars().count()).max().unwrap_or(5);
    let numbers_w = if other.is_some() { 34 } else { 24 };
    let bar_w = area.width.saturating_sub(name_w as u16 + numbers_w).max(4) as f32;
    for (i, (l, &v)) in labels.iter().zip(&p.probabilities).enumerate() {
        let is_true = class.as_deref().is_some_and(|c| emotion::same_class(l, c));
        let full = (v * bar_w).round() as usize;
        let style = if i == p.predicted {
            theme::bold().fg(theme::palette().accent)
        } else {
            Style::default().fg(theme::palette().other)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{l:>name_w$} "), style),
            Span::styled("█".repeat(full), style),
            Span::raw(format!(" {v:.4}")),
            Span::styled(
                other
                    .and_then(|(which, ol, q)| {
                        let k = emotion::find(ol, l)?;
                        Some(format!("  {which:?} {:.4}", q.probabilities[k]))
                    })
                    .unwrap_or_default(),
                Style::default().fg(theme::palette().muted),
            ),
            Span::styled(
                if is_true { "  ◀ true class" } else { "" },
                Style::default().fg(theme::palette().good),
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}
