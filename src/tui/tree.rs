//! The face tree (browse and explain tabs): classes, faces, the cursor and
//! the filter, and the model's prediction for every face as it arrives.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use emotui::faces::{Face, FaceTree};
use emotui::predict::Prediction;

use super::theme;

/// A visible line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A class folder (index into the classes).
    Class(usize),
    /// A face (index into the faces).
    Face(usize),
}

/// A class folder and its faces (indices into the faces).
#[derive(Debug, Clone)]
pub struct ClassNode {
    pub name: String,
    pub faces: Vec<usize>,
    pub expanded: bool,
}

/// What the explorer knows of a face's prediction: the error is kept as
/// the message shown for it.
pub type FaceResult = Result<Prediction, String>;

/// The model's labels and its predictions for every face.
#[derive(Debug, Clone, Default)]
pub struct Predictions {
    /// The model's labels (empty until it is loaded).
    pub labels: Vec<String>,
    /// Per face, once predicted.
    pub results: Vec<Option<FaceResult>>,
    /// Faces predicted so far, and in all.
    pub done: usize,
    pub total: usize,
}

impl Predictions {
    /// Whether a face is known to be misclassified.
    pub fn is_wrong(&self, face: &Face, index: usize) -> bool {
        match &self.results[index] {
            Some(Ok(p)) => p.is_correct(&self.labels, face.class.as_deref()) == Some(false),
            _ => false,
        }
    }

    /// Whether every face has an answer.
    pub fn complete(&self) -> bool {
        self.results.iter().all(Option::is_some)
    }
}

/// The tree's state.
pub struct Tree {
    pub root: PathBuf,
    pub faces: Vec<Face>,
    pub classes: Vec<ClassNode>,
    cursor: usize,
    filter: String,
}

impl Tree {
    pub fn new(tree: &FaceTree) -> Tree {
        let mut faces = Vec::new();
        let mut classes = Vec::new();
        let mut add = |name: &str, list: &[Face]| {
            let start = faces.len();
            faces.extend(list.iter().cloned());
            classes.push(ClassNode {
                name: name.to_string(),
                faces: (start..faces.len()).collect(),
                expanded: true,
            });
        };
        for c in &tree.classes {
            add(&c.name, &c.faces);
        }
        if !tree.unlabelled.is_empty() {
            add("(no class)", &tree.unlabelled);
        }
        let mut t = Tree {
            root: tree.root.clone(),
            faces,
            classes,
            cursor: 0,
            filter: String::new(),
        };
        t.first_face();
        t
    }

    /// The filter in use ("" for none).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    fn matches(&self, face: usize) -> bool {
        self.filter.is_empty()
            || self.faces[face]
                .name()
                .to_lowercase()
                .contains(&self.filter.to_lowercase())
    }

    /// The visible lines. With a filter, classes without a matching face
    /// are hidden and the others are shown open.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (c, node) in self.classes.iter().enumerate() {
            let faces: Vec<usize> = node
                .faces
                .iter()
                .cloned()
                .filter(|&f| self.matches(f))
                .collect();
            if !self.filter.is_empty() && faces.is_empty() {
                continue;
            }
            rows.push(Row::Class(c));
            if node.expanded || !self.filter.is_empty() {
                rows.extend(faces.into_iter().map(Row::Face));
            }
        }
        rows
    }

    /// The face under the cursor, if the cursor is on a face.
    pub fn selected(&self) -> Option<usize> {
        match self.rows().get(self.cursor) {
            Some(Row::Face(f)) => Some(*f),
            _ => None,
        }
    }

    /// The first visible line when `height` lines fit: the cursor stays in
    /// view at the bottom edge.
    pub fn top(&self, height: usize) -> usize {
        (self.cursor + 1).saturating_sub(height.max(1))
    }

    /// Moves the cursor by `delta` lines, within the tree.
    pub fn move_by(&mut self, delta: i64) {
        let n = self.rows().len() as i64;
        self.cursor = (self.cursor as i64 + delta).clamp(0, (n - 1).max(0)) as usize;
    }

    /// Puts the cursor on a line; a class line opens or closes.
    pub fn activate(&mut self, line: usize) {
        let rows = self.rows();
        if let Some(row) = rows.get(line) {
            self.cursor = line;
            if let Row::Class(c) = *row {
                self.classes[c].expanded = !self.classes[c].expanded;
            }
        }
    }

    /// Puts the cursor on the first face, if any.
    fn first_face(&mut self) {
        self.cursor = self
            .rows()
            .iter()
            .position(|r| matches!(r, Row::Face(_)))
            .unwrap_or(0);
    }

    /// Sets the filter and moves to its first face.
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.first_face();
    }

    /// Opens or closes the class under the cursor; `false` when the cursor
    /// is on a face.
    pub fn toggle_class(&mut self) -> bool {
        if let Some(Row::Class(c)) = self.rows().get(self.cursor).copied() {
            self.classes[c].expanded = !self.classes[c].expanded;
            true
        } else {
            false
        }
    }

    /// Closes the class under the cursor, or the face's class (moving to it).
    pub fn close(&mut self) {
        match self.rows().get(self.cursor).copied() {
            Some(Row::Class(c)) => self.classes[c].expanded = false,
            Some(Row::Face(f)) => {
                if let Some(c) = self.classes.iter().position(|c| c.faces.contains(&f)) {
                    self.classes[c].expanded = false;
                    if let Some(pos) = self.rows().iter().position(|r| *r == Row::Class(c)) {
                        self.cursor = pos;
                    }
                }
            }
            None => {}
        }
    }

    /// Puts the cursor on `face`, opening its class and clearing a filter
    /// that hides it.
    pub fn reveal(&mut self, face: usize) {
        if !self.matches(face) {
            self.filter.clear();
        }
        for c in &mut self.classes {
            if c.faces.contains(&face) {
                c.expanded = true;
            }
        }
        if let Some(pos) = self.rows().iter().position(|r| *r == Row::Face(face)) {
            self.cursor = pos;
        }
    }

    /// Moves to the next (or previous) misclassified face, opening its
    /// class; `false` when there is none.
    pub fn jump_wrong(&mut self, predictions: &Predictions, forward: bool) -> bool {
        let order: Vec<usize> = self
            .classes
            .iter()
            .flat_map(|c| c.faces.iter().cloned())
            .filter(|&f| self.matches(f))
            .collect();
        let n = order.len();
        if n == 0 {
            return false;
        }
        let current = self
            .selected()
            .and_then(|f| order.iter().position(|&o| o == f));
        let start = current.unwrap_or(if forward { n - 1 } else { 0 });
        for step in 1..=n {
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - step % n) % n
            };
            let f = order[i];
            if predictions.is_wrong(&self.faces[f], f) {
                self.reveal(f);
                return true;
            }
        }
        false
    }

    /// Draws the tree in `area` (its box), its lines in `inner`.
    pub fn draw(&self, f: &mut Frame, predictions: &Predictions, area: Rect, inner: Rect) {
        let title = if self.filter.is_empty() {
            format!(" {} ", self.root.display())
        } else {
            format!(" filter: {} ", self.filter)
        };
        f.render_widget(Block::default().borders(Borders::ALL).title(title), area);
        let rows = self.rows();
        if rows.is_empty() {
            let msg = if self.faces.is_empty() {
                "no faces in this folder"
            } else {
                "no face matches the filter (Esc clears it)"
            };
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), inner);
            return;
        }
        let h = inner.height as usize;
        let top = self.top(h);
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(top)
            .take(h)
            .map(|(i, r)| {
                let line = match *r {
                    Row::Class(c) => self.class_line(&self.classes[c], predictions),
                    Row::Face(x) => self.face_line(x, predictions),
                };
                if i == self.cursor {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn class_line(&self, node: &ClassNode, predictions: &Predictions) -> Line<'static> {
        let wrong = node
            .faces
            .iter()
            .filter(|&&x| predictions.is_wrong(&self.faces[x], x))
            .count();
        let done = node
            .faces
            .iter()
            .filter(|&&x| predictions.results[x].is_some())
            .count();
        let mut spans = vec![Span::styled(
            format!(
                "{} {} ({})",
                if node.expanded { "▾" } else { "▸" },
                node.name,
                node.faces.len()
            ),
            theme::bold(),
        )];
        if done > 0 {
            spans.push(Span::styled(
                format!("  {wrong} ✗"),
                Style::default().fg(theme::palette().muted),
            ));
        }
        Line::from(spans)
    }

    fn face_line(&self, x: usize, predictions: &Predictions) -> Line<'static> {
        let (mark, colour, label) = match &predictions.results[x] {
            None => ("·", theme::palette().muted, String::new()),
            Some(Err(_)) => ("!", theme::palette().error, "unreadable".into()),
            Some(Ok(p)) => {
                let label = predictions
                    .labels
                    .get(p.predicted)
                    .cloned()
                    .unwrap_or_default();
                match p.is_correct(&predictions.labels, self.faces[x].class.as_deref()) {
                    Some(true) => ("✓", theme::palette().good, label),
                    Some(false) => ("✗", theme::palette().bad, label),
                    None => ("?", theme::palette().muted, label),
                }
            }
        };
        Line::from(vec![
            Span::raw("  "),
            Span::styled(mark, Style::default().fg(colour)),
            Span::raw(format!(
                " {} ",
                emotui::faces::printable(std::path::Path::new(&self.faces[x].name()))
            )),
            Span::styled(label, Style::default().fg(colour)),
        ])
    }
}
