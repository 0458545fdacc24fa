//! Two models side by side (`emotui TREE --compare-model B.onnx`): the
//! models tab shows the paired comparison (as `eval --compare-model` prints
//! it) and the faces the two label differently; Enter on one explains it
//! with both, on the same superpixels and seed, and shows where each looks.
//! The model the other tabs do not show is parked in [`Parked`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use emotui::emotion;
use emotui::faces::Face;
use emotui::methods::looks::Look;
use emotui::render;
use emotui::stats::paired::{PairedAnswer, by_class, paired, report};
use emotui::survey::normalize_label;

use super::atlas::AtlasTab;
use super::explain::ExplainTab;
use super::images::{Images, Slot, Source};
use super::jobs::Latest;
use super::theme;
use super::tree::Predictions;
use super::workers::{Looks, Which};

/// The model the browse, explain and atlas tabs do not show, with its own
/// predictions, explanations, atlas and status: `M` swaps it with the
/// shown one.
pub struct Parked {
    /// Which model this is.
    pub which: Which,
    pub predictions: Predictions,
    pub explain: ExplainTab,
    /// Its atlas of the tree (each model's is made with its own `a`).
    pub atlas: AtlasTab,
    /// Its name and backend, or what is happening to it.
    pub status: String,
    /// Why it could not be loaded.
    pub error: Option<String>,
}

impl Parked {
    /// Model B, loading.
    pub fn new(faces: usize) -> Parked {
        Parked {
            which: Which::B,
            predictions: Predictions {
                results: vec![None; faces],
                total: faces,
                ..Default::default()
            },
            explain: ExplainTab::new(),
            atlas: AtlasTab::new(),
            status: "loading model B…".into(),
            error: None,
        }
    }
}

/// Both models' predictions in the order A, B, once both are loaded;
/// `shown` is which model `shown_predictions` belongs to.
pub fn in_order<'a>(
    shown: Which,
    shown_predictions: &'a Predictions,
    parked: Option<&'a Parked>,
) -> Option<(&'a Predictions, &'a Predictions)> {
    let p = parked?;
    if p.predictions.labels.is_empty() || shown_predictions.labels.is_empty() {
        return None;
    }
    Some(match shown {
        Which::A => (shown_predictions, &p.predictions),
        Which::B => (&p.predictions, shown_predictions),
    })
}

/// A face the two models label differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// The face's index in the tree.
    pub face: usize,
    pub truth: String,
    pub a: (String, f32),
    pub b: (String, f32),
}

/// What a key did in the models tab.
pub enum ModelsKey {
    None,
    /// Explain this face with both models.
    Look(PathBuf, Arc<AtomicBool>),
    /// Show this face in the explain tab.
    Open(usize),
}

/// The models tab's own state.
#[derive(Default)]
pub struct ModelsTab {
    /// The disagreement under the cursor.
    cursor: usize,
    /// Both models' looks at the faces asked for, or why they failed.
    looks: HashMap<PathBuf, Result<Arc<Looks>, String>>,
    job: Latest<PathBuf>,
}

/// The label a model gave a face, in shared names, and its probability.
fn answer(p: &Predictions, face: usize) -> Option<(String, f32)> {
    let Some(Ok(r)) = &p.results[face] else {
        return None;
    };
    Some(emotui::stats::paired::answer(&p.labels, r))
}

/// The faces both models answered and the tree labels, with both labels.
fn answered(faces: &[Face], a: &Predictions, b: &Predictions) -> Vec<Disagreement> {
    faces
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            Some(Disagreement {
                face: i,
                truth: normalize_label(f.class.as_deref()?),
                a: answer(a, i)?,
                b: answer(b, i)?,
            })
        })
        .collect()
}

/// The faces the two models label differently, in tree order.
pub fn disagreements(faces: &[Face], a: &Predictions, b: &Predictions) -> Vec<Disagreement> {
    differing(answered(faces, a, b))
}

/// Of the faces both answered, those they label differently.
fn differing(mut all: Vec<Disagreement>) -> Vec<Disagreement> {
    all.retain(|d| d.a.0 != d.b.0);
    all
}

impl ModelsTab {
    /// A key; `faces` and the two models' predictions (A, B) say what the
    /// list holds.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        faces: &[Face],
        ab: Option<(&Predictions, &Predictions)>,
    ) -> ModelsKey {
        let Some((a, b)) = ab else {
            return ModelsKey::None;
        };
        let list = disagreements(faces, a, b);
        let last = list.len().saturating_sub(1);
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => self.cursor = (self.cursor + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Enter => {
                if let Some(d) = list.get(self.cursor) {
                    let path = faces[d.face].path.clone();
                    if self.looks.contains_key(&path) || self.job.runs(&path) {
                        return ModelsKey::None;
                    }
                    let (_, cancel) = self.job.start(path.clone());
                    return ModelsKey::Look(path, cancel);
                }
            }
            KeyCode::Char('e') => {
                if let Some(d) = list.get(self.cursor) {
                    return ModelsKey::Open(d.face);
                }
            }
            _ => {}
        }
        ModelsKey::None
    }

    /// Both models' looks at `path` have arrived.
    pub fn on_looks(
        &mut self,
        path: PathBuf,
        result: Result<Arc<Looks>, emotui::Error>,
    ) -> Option<String> {
        if !self.job.runs(&path) {
            return None;
        }
        self.job.finished(&path);
        let error = result.as_ref().err().map(|e| e.to_string());
        self.looks.insert(path, result.map_err(|e| e.to_string()));
        error
    }

    /// Draws the tab. `names` are the two models' names (A, B); `ab` their
    /// predictions once both are loaded.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        f: &mut Frame,
        images: &mut Images,
        area: Rect,
        faces: &[Face],
        names: [&str; 2],
        ab: Option<(&Predictions, &Predictions)>,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" A: {}  ·  B: {} ", names[0], names[1]));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some((a, b)) = ab else {
            let text = "One model only. Start the explorer with --compare-model B.onnx to \
                        compare two: which faces each gets right, McNemar's and the exact test, \
                        the faces they label differently, and where each looks on them.";
            f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
            return;
        };
        if !(a.complete() && b.complete()) {
            let text = format!(
                "predicting: A {}/{} · B {}/{}",
                a.done, a.total, b.done, b.total
            );
            f.render_widget(Paragraph::new(text), inner);
            return;
        }
        let all = answered(faces, a, b);
        let answers: Vec<PairedAnswer> = all
            .iter()
            .map(|d| PairedAnswer {
                truth: &d.truth,
                a: &d.a.0,
                b: &d.b.0,
            })
            .collect();
        let mut text = match paired(&answers) {
            Ok(p) => report(&p, &by_class(&answers)),
            Err(e) => format!("no comparison: {e}"),
        };
        text += &emotion::unmatched_text(&a.labels, &b.labels);
        let text_w = text.lines().map(|l| l.chars().count()).max().unwrap_or(0) as u16;
        let [left, right] =
            Layout::horizontal([Constraint::Length(text_w + 1), Constraint::Min(20)])
                .spacing(1)
                .areas(inner);
        f.render_widget(Paragraph::new(text), left);
        let list = differing(all);
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Min(6)]).areas(right);
        self.draw_list(f, top, faces, &list);
        let path = list.get(self.cursor).map(|d| &faces[d.face].path);
        self.draw_looks(f, images, bottom, path);
    }

    fn draw_list(&self, f: &mut Frame, area: Rect, faces: &[Face], list: &[Disagreement]) {
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "Faces they label differently: {} (Enter: both explanations, e: explain tab)",
                list.len()
            ),
            theme::bold(),
        ))];
        let rows = area.height.saturating_sub(1) as usize;
        let top = self.cursor.saturating_sub(rows.saturating_sub(1));
        for (i, d) in list.iter().enumerate().skip(top).take(rows) {
            let text = format!(
                "{}  truth {}  A {} {:.2}  B {} {:.2}",
                faces[d.face].name(),
                d.truth,
                d.a.0,
                d.a.1,
                d.b.0,
                d.b.1
            );
            let style = if i == self.cursor {
                theme::selected()
            } else {
                Style::default()
            };
            lines.push(Line::from(Span::styled(text, style)));
        }
        f.render_widget(Paragraph::new(lines), area);
    }

    fn draw_looks(&self, f: &mut Frame, images: &mut Images, area: Rect, path: Option<&PathBuf>) {
        let Some(path) = path else {
            return;
        };
        let muted = Style::default().fg(theme::palette().muted);
        let looks = match self.looks.get(path) {
            Some(Ok(l)) => l,
            Some(Err(e)) => return f.render_widget(theme::error_text(e.clone()), area),
            None if self.job.runs(path) => {
                return f.render_widget(
                    Paragraph::new(Span::styled("explaining with both models…", muted)),
                    area,
                );
            }
            None => {
                return f.render_widget(
                    Paragraph::new(Span::styled(
                        "Enter explains this face with both models, on the same superpixels \
                         and seed.",
                        muted,
                    ))
                    .wrap(Wrap { trim: true }),
                    area,
                );
            }
        };
        let columns = Layout::horizontal([Constraint::Ratio(1, 2); 2]).split(area);
        for (k, ((look, who), col)) in looks
            .looks
            .iter()
            .zip(["A", "B"])
            .zip(columns.iter())
            .enumerate()
        {
            // Each model's regions over the face (blue supports, red
            // contradicts), beside its numbers.
            let [text, picture] =
                Layout::horizontal([Constraint::Length(24), Constraint::Min(4)]).areas(*col);
            f.render_widget(look_paragraph(who, look, text.height as usize), text);
            let (shown, values) = (looks.clone(), look.region_values.clone());
            let key = format!("looks|{}|{k}", path.display());
            let file = path.clone();
            images.show(f, picture, Slot::Panel(k), &key, move || {
                if shown.landmarks.is_none() {
                    return Source::File(file);
                }
                Source::Render(Arc::new(move |pw, ph| match &shown.landmarks {
                    Some(l) => render::region_values_image(&shown.face, l, &values, pw.min(ph)),
                    None => image::RgbImage::new(1, 1),
                }))
            });
        }
    }
}

/// One model's look: its label, LIME's fit, then its regions and
/// superpixels by strength.
fn look_paragraph<'a>(who: &str, look: &Look, height: usize) -> Paragraph<'a> {
    let value = |v: f64| {
        Style::default().fg(if v >= 0.0 {
            theme::palette().good
        } else {
            theme::palette().bad
        })
    };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{who}: {} {:.2}", look.label, look.probability),
            theme::bold(),
        )),
        Line::from(format!("LIME fit {:.2}", look.fit)),
    ];
    let rows = height.saturating_sub(4) / 2;
    if look.regions.is_empty() {
        lines.push(Line::from("regions: no landmarks"));
    } else {
        lines.push(Line::from(Span::styled("regions (Shapley)", theme::bold())));
        for (name, v) in look.regions.iter().take(rows.max(1)) {
            lines.push(Line::from(vec![
                Span::raw(format!("  {name:<11}")),
                Span::styled(format!("{v:+.3}"), value(*v)),
            ]));
        }
    }
    lines.push(Line::from(Span::styled(
        "superpixels (LIME)",
        theme::bold(),
    )));
    for (id, w) in look.superpixels.iter().take(rows.max(1)) {
        lines.push(Line::from(vec![
            Span::raw(format!("  #{id:<10}")),
            Span::styled(format!("{w:+.3}"), value(*w)),
        ]));
    }
    Paragraph::new(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use emotui::predict::Prediction;

    fn predictions(labels: &[&str], answers: &[usize]) -> Predictions {
        let results = answers
            .iter()
            .map(|&k| {
                let mut p = vec![0.0; labels.len()];
                p[k] = 1.0;
                Some(Ok(Prediction::from_probabilities(p)))
            })
            .collect();
        Predictions {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            results,
            done: answers.len(),
            total: answers.len(),
        }
    }

    /// Labels are matched through emotion synonyms: "happy" and "JOY" agree.
    #[test]
    fn disagreements_are_faces_labelled_differently_in_shared_names() {
        let faces: Vec<Face> = ["JOY/a.png", "JOY/b.png", "ANGER/c.png"]
            .iter()
            .map(|p| Face {
                path: PathBuf::from(p),
                class: Some(p.split('/').next().unwrap().into()),
            })
            .collect();
        let a = predictions(&["angry", "happy"], &[1, 1, 0]);
        let b = predictions(&["ANGER", "JOY", "SADNESS"], &[1, 2, 0]);
        let d = disagreements(&faces, &a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].face, 1);
        assert_eq!((d[0].a.0.as_str(), d[0].b.0.as_str()), ("Joy", "Sadness"));
    }
}
