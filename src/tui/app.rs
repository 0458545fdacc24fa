//! The explorer's state and what keys do to it. Nothing here draws or
//! touches the terminal; side effects the loop must carry out (start or
//! cancel an explanation, export) are returned as [`Command`]s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use emotui::faces::{Face, FaceTree};
use emotui::lime::trust::{Refit, Trust};
use emotui::lime::{
    Background, Explanation, FeatureSelect, FitOptions, Kernel, LabelChoice, Samples,
    SamplingOptions,
};
use emotui::predict::Prediction;
use emotui::render::{Display, PanelOptions};
use emotui::stats::compare::{Comparison, Naming, compare, model_matrix};
use emotui::stats::{CaretStatistics, ConfusionMatrix};

/// The three tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Browse,
    Explain,
    Survey,
}

/// A visible line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A class folder (index into `App::classes`).
    Class(usize),
    /// A face (index into `App::faces`).
    Face(usize),
}

/// A class folder and its faces (indices into `App::faces`).
#[derive(Debug, Clone)]
pub struct ClassNode {
    pub name: String,
    pub faces: Vec<usize>,
    pub expanded: bool,
}

/// A face's prediction as the explorer knows it.
pub type FaceResult = Result<Prediction, String>;

/// Parameters of the explain tab.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainParams {
    pub n_superpixels: usize,
    pub n_features: usize,
    /// Whether `n_features` follows 3/4 of `n_superpixels` (the practical's rule).
    pub features_auto: bool,
    pub n_labels: usize,
    pub background: Background,
    pub seed: u64,
    /// Stop sampling once the top superpixels settle.
    pub until_stable: bool,
    pub panels: PanelOptions,
}

impl Default for ExplainParams {
    fn default() -> Self {
        ExplainParams {
            n_superpixels: 40,
            n_features: 30,
            features_auto: true,
            n_labels: 2,
            background: Background::Grey,
            seed: 42,
            until_stable: false,
            panels: PanelOptions::default(),
        }
    }
}

impl ExplainParams {
    pub fn sampling(&self) -> SamplingOptions {
        SamplingOptions {
            n_superpixels: self.n_superpixels,
            background: self.background,
            seed: self.seed,
            ..SamplingOptions::default()
        }
    }

    pub fn fit(&self) -> FitOptions {
        FitOptions {
            labels: LabelChoice::Top(self.n_labels),
            n_features: self.n_features,
            feature_select: FeatureSelect::Auto,
            kernel: Kernel::R,
        }
    }
}

/// What to cache explanations by: the face and everything that changes the
/// numbers (drawing options do not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExplainKey {
    pub face: usize,
    pub n_superpixels: usize,
    pub n_features: usize,
    pub n_labels: usize,
    pub background: &'static str,
    pub seed: u64,
    pub until_stable: bool,
}

/// A finished explanation.
#[derive(Debug)]
pub struct ExplainResult {
    pub samples: Arc<Samples>,
    pub explanation: Explanation,
    /// Stability and faithfulness (empty while refining).
    pub trust: Trust,
    /// While samples still arrive: how much the last refit moved.
    pub refit: Option<Refit>,
}

/// The explanation worker, as the UI sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Idle,
    Running {
        id: u64,
        key: ExplainKey,
        done: usize,
        total: usize,
    },
    Failed(String),
    Cancelled,
}

/// Something the event loop must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start (or serve from cache) the explanation for this key.
    Explain(ExplainKey),
    /// Cancel the running explanation.
    Cancel,
    /// Write the current explanation's panels and CSV into this folder.
    Export { dir: PathBuf, overwrite: bool },
}

/// A line being edited at the bottom of the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    Filter(String),
    ExportPath(String),
    ConfirmOverwrite(PathBuf),
}

/// What a key did to a line being edited.
enum Edit {
    Done,
    Cancelled,
    Editing,
}

/// One key of line editing: characters, Backspace, Enter, Esc.
fn edit_line(text: &mut String, key: KeyEvent) -> Edit {
    match key.code {
        KeyCode::Enter => return Edit::Done,
        KeyCode::Esc => return Edit::Cancelled,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
    Edit::Editing
}

/// The whole explorer state.
pub struct App {
    pub root: PathBuf,
    pub faces: Vec<Face>,
    pub classes: Vec<ClassNode>,
    pub results: Vec<Option<FaceResult>>,
    pub labels: Vec<String>,
    pub tab: Tab,
    pub cursor: usize,
    pub filter: String,
    pub prompt: Option<Prompt>,
    pub help: bool,
    pub quit: bool,
    pub model_status: String,
    /// Why the model could not be loaded.
    pub model_error: Option<String>,
    pub protocol: String,
    pub predicted: (usize, usize),
    pub last_error: Option<String>,
    pub message: Option<String>,
    pub params: ExplainParams,
    pub job: Job,
    pub next_job: u64,
    pub cache: HashMap<ExplainKey, Arc<ExplainResult>>,
    /// The latest refit of the running job, shown while it refines.
    pub partial: Option<(u64, Arc<ExplainResult>)>,
    pub scan_problems: Vec<String>,
    /// The people's statistics (or why the survey could not be read).
    pub survey: Option<Result<CaretStatistics, String>>,
    /// The people's confusion matrix in canonical emotion names.
    pub survey_matrix: Option<ConfusionMatrix>,
    /// Model beside people, once every face is predicted.
    pub comparison: Option<Comparison>,
}

impl App {
    pub fn new(tree: &FaceTree, protocol: String) -> App {
        let mut faces = Vec::new();
        let mut classes = Vec::new();
        for c in &tree.classes {
            let start = faces.len();
            faces.extend(c.faces.iter().cloned());
            classes.push(ClassNode {
                name: c.name.clone(),
                faces: (start..faces.len()).collect(),
                expanded: true,
            });
        }
        if !tree.unlabelled.is_empty() {
            let start = faces.len();
            faces.extend(tree.unlabelled.iter().cloned());
            classes.push(ClassNode {
                name: "(no class)".into(),
                faces: (start..faces.len()).collect(),
                expanded: true,
            });
        }
        let n = faces.len();
        let mut app = App {
            root: tree.root.clone(),
            faces,
            classes,
            results: vec![None; n],
            labels: Vec::new(),
            tab: Tab::Browse,
            cursor: 0,
            filter: String::new(),
            prompt: None,
            help: false,
            quit: false,
            model_status: "loading model…".into(),
            model_error: None,
            protocol,
            predicted: (0, n),
            last_error: None,
            message: None,
            params: ExplainParams::default(),
            job: Job::Idle,
            next_job: 1,
            cache: HashMap::new(),
            partial: None,
            scan_problems: tree
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path.display(), p.problem))
                .collect(),
            survey: None,
            survey_matrix: None,
            comparison: None,
        };
        // Start on the first face rather than on a class line.
        if let Some(i) = app.rows().iter().position(|r| matches!(r, Row::Face(_))) {
            app.cursor = i;
        }
        app
    }

    fn matches(&self, face: usize) -> bool {
        self.filter.is_empty()
            || self.faces[face]
                .name()
                .to_lowercase()
                .contains(&self.filter.to_lowercase())
    }

    /// The visible lines of the tree. With a filter, classes without a
    /// matching face are hidden and the others are shown open.
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
    pub fn selected_face(&self) -> Option<usize> {
        match self.rows().get(self.cursor) {
            Some(Row::Face(f)) => Some(*f),
            _ => None,
        }
    }

    /// Whether a face is known to be misclassified.
    pub fn is_wrong(&self, face: usize) -> bool {
        match &self.results[face] {
            Some(Ok(p)) => {
                p.is_correct(&self.labels, self.faces[face].class.as_deref()) == Some(false)
            }
            _ => false,
        }
    }

    /// The key of the explanation the explain tab shows for the selected face.
    pub fn explain_key(&self) -> Option<ExplainKey> {
        let face = self.selected_face()?;
        let p = &self.params;
        Some(ExplainKey {
            face,
            n_superpixels: p.n_superpixels,
            n_features: p.n_features,
            n_labels: p.n_labels,
            background: p.background.name(),
            seed: p.seed,
            until_stable: p.until_stable,
        })
    }

    /// The cached explanation for the current key.
    pub fn current_explanation(&self) -> Option<Arc<ExplainResult>> {
        self.cache.get(&self.explain_key()?).cloned()
    }

    /// Commands needed after the selection or parameters changed: on the
    /// explain tab, compute what is shown unless it is cached or running.
    pub fn ensure_explanation(&self) -> Vec<Command> {
        if self.tab != Tab::Explain || self.labels.is_empty() {
            return Vec::new();
        }
        let Some(key) = self.explain_key() else {
            return Vec::new();
        };
        if self.cache.contains_key(&key) || matches!(self.results[key.face], Some(Err(_))) {
            return Vec::new();
        }
        match &self.job {
            Job::Running { key: k, .. } if *k == key => Vec::new(),
            Job::Cancelled | Job::Failed(_) => Vec::new(),
            _ => vec![Command::Explain(key)],
        }
    }

    fn move_cursor(&mut self, delta: i64) {
        let n = self.rows().len();
        if n == 0 {
            self.cursor = 0;
            return;
        }
        self.cursor = (self.cursor as i64 + delta).clamp(0, n as i64 - 1) as usize;
    }

    /// Moves to the next (or previous) misclassified face, opening its class.
    fn jump_wrong(&mut self, forward: bool) {
        let order: Vec<usize> = self
            .classes
            .iter()
            .flat_map(|c| c.faces.iter().cloned())
            .filter(|&f| self.matches(f))
            .collect();
        if order.is_empty() {
            return;
        }
        let current = self
            .selected_face()
            .and_then(|f| order.iter().position(|&o| o == f));
        let n = order.len();
        let start = current.unwrap_or(if forward { n - 1 } else { 0 });
        for step in 1..=n {
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - step % n) % n
            };
            let f = order[i];
            if self.is_wrong(f) {
                for c in &mut self.classes {
                    if c.faces.contains(&f) {
                        c.expanded = true;
                    }
                }
                if let Some(pos) = self.rows().iter().position(|r| *r == Row::Face(f)) {
                    self.cursor = pos;
                }
                return;
            }
        }
        self.message = Some("no misclassified face (yet)".into());
    }

    /// Handles a key; returns what the event loop must do.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        self.message = None;
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        if let Some(prompt) = self.prompt.take() {
            return self.on_prompt_key(prompt, key);
        }
        if self.help {
            self.help = false;
            return Vec::new();
        }
        let before = (self.selected_face(), self.tab, self.params.clone());
        let mut commands = Vec::new();
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => {
                self.tab = match self.tab {
                    Tab::Browse => Tab::Explain,
                    Tab::Explain => Tab::Survey,
                    Tab::Survey => Tab::Browse,
                }
            }
            KeyCode::BackTab => {
                self.tab = match self.tab {
                    Tab::Browse => Tab::Survey,
                    Tab::Explain => Tab::Browse,
                    Tab::Survey => Tab::Explain,
                }
            }
            KeyCode::Char('1') => self.tab = Tab::Browse,
            KeyCode::Char('2') => self.tab = Tab::Explain,
            KeyCode::Char('3') => self.tab = Tab::Survey,
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::PageDown => self.move_cursor(10),
            KeyCode::PageUp => self.move_cursor(-10),
            KeyCode::Home | KeyCode::Char('g') => self.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => self.move_cursor(i64::MAX / 2),
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => self.open(),
            KeyCode::Left | KeyCode::Char('h') => self.close(),
            KeyCode::Char('/') => self.prompt = Some(Prompt::Filter(self.filter.clone())),
            KeyCode::Char('n') => self.jump_wrong(true),
            KeyCode::Char('N') => self.jump_wrong(false),
            KeyCode::Esc | KeyCode::Char('x') if matches!(self.job, Job::Running { .. }) => {
                commands.push(Command::Cancel);
            }
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.cursor = 0;
            }
            _ if self.tab == Tab::Explain => self.on_explain_key(key),
            _ => {}
        }
        let after = (self.selected_face(), self.tab, self.params.clone());
        if before != after {
            // A new face or new numbers: a cancelled or failed job no longer
            // stands in the way, and a stale running one is cancelled.
            if matches!(self.job, Job::Cancelled | Job::Failed(_))
                && (before.0 != after.0 || before.2 != after.2)
            {
                self.job = Job::Idle;
            }
            if let Job::Running { key, .. } = &self.job
                && Some(key) != self.explain_key().as_ref()
            {
                commands.push(Command::Cancel);
            }
            commands.extend(self.ensure_explanation());
        }
        commands
    }

    fn on_explain_key(&mut self, key: KeyEvent) {
        let p = &mut self.params;
        match key.code {
            KeyCode::Char('s') => p.n_superpixels = (p.n_superpixels + 5).min(200),
            KeyCode::Char('S') => p.n_superpixels = p.n_superpixels.saturating_sub(5).max(5),
            KeyCode::Char('f') => {
                p.n_features = (p.n_features + 1).min(200);
                p.features_auto = false;
            }
            KeyCode::Char('F') => {
                p.n_features = p.n_features.saturating_sub(1).max(1);
                p.features_auto = false;
            }
            KeyCode::Char('a') => p.features_auto = true,
            KeyCode::Char('+') => p.n_labels = (p.n_labels + 1).min(self.labels.len().max(1)),
            KeyCode::Char('-') => p.n_labels = p.n_labels.saturating_sub(1).max(1),
            KeyCode::Char('t') => {
                p.panels.threshold = ((p.panels.threshold + 0.01) * 100.0).round() / 100.0
            }
            KeyCode::Char('T') => {
                p.panels.threshold =
                    (((p.panels.threshold - 0.01) * 100.0).round() / 100.0).max(0.0)
            }
            KeyCode::Char('d') => {
                p.panels.display = match p.panels.display {
                    Display::Outline => Display::Block,
                    Display::Block => Display::Outline,
                }
            }
            KeyCode::Char('v') => p.panels.show_negative = !p.panels.show_negative,
            KeyCode::Char('b') => {
                p.background = match p.background {
                    Background::Grey => Background::Mean,
                    Background::Mean => Background::Blur,
                    Background::Blur => Background::Grey,
                }
            }
            KeyCode::Char('r') => p.seed = p.seed.wrapping_add(1),
            KeyCode::Char('R') => p.seed = p.seed.wrapping_sub(1),
            KeyCode::Char('c') => self.job = Job::Idle,
            KeyCode::Char('u') => p.until_stable = !p.until_stable,
            KeyCode::Char('e') => {
                if self.current_explanation().is_some() {
                    self.prompt = Some(Prompt::ExportPath(self.default_export_dir()));
                } else {
                    self.message = Some("nothing to export yet".into());
                }
            }
            _ => {}
        }
        if self.params.features_auto {
            self.params.n_features = (3 * self.params.n_superpixels / 4).max(1);
        }
    }

    fn default_export_dir(&self) -> String {
        let stem = self
            .selected_face()
            .and_then(|f| {
                self.faces[f]
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "face".into());
        format!("emotui-export/{stem}")
    }

    fn on_prompt_key(&mut self, prompt: Prompt, key: KeyEvent) -> Vec<Command> {
        match prompt {
            Prompt::Filter(mut text) => match edit_line(&mut text, key) {
                Edit::Done => {
                    self.filter = text;
                    self.cursor = self
                        .rows()
                        .iter()
                        .position(|r| matches!(r, Row::Face(_)))
                        .unwrap_or(0);
                    return self.ensure_explanation();
                }
                Edit::Cancelled => {}
                Edit::Editing => self.prompt = Some(Prompt::Filter(text)),
            },
            Prompt::ExportPath(mut text) => match edit_line(&mut text, key) {
                Edit::Done if !text.trim().is_empty() => {
                    return vec![Command::Export {
                        dir: PathBuf::from(text.trim()),
                        overwrite: false,
                    }];
                }
                Edit::Cancelled => {}
                Edit::Done | Edit::Editing => self.prompt = Some(Prompt::ExportPath(text)),
            },
            Prompt::ConfirmOverwrite(dir) => {
                if key.code == KeyCode::Char('y') {
                    return vec![Command::Export {
                        dir,
                        overwrite: true,
                    }];
                }
                self.message = Some("export cancelled: nothing was overwritten".into());
            }
        }
        Vec::new()
    }

    fn open(&mut self) {
        if let Some(Row::Class(c)) = self.rows().get(self.cursor).copied() {
            self.classes[c].expanded = !self.classes[c].expanded;
        } else if self.tab == Tab::Browse && self.selected_face().is_some() {
            self.tab = Tab::Explain;
        }
    }

    fn close(&mut self) {
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

    /// Accepts a worker's explanation only if it is the job we are waiting for.
    pub fn explanation_done(
        &mut self,
        id: u64,
        key: ExplainKey,
        result: Result<ExplainResult, String>,
    ) {
        let current = matches!(&self.job, Job::Running { id: j, .. } if *j == id);
        match result {
            Ok(r) => {
                // Even a stale result is correct for its own key: keep it.
                self.cache.insert(key, Arc::new(r));
                if current {
                    self.job = Job::Idle;
                }
            }
            Err(e) if current => {
                self.job = if e == "cancelled" {
                    Job::Cancelled
                } else {
                    Job::Failed(e.clone())
                };
                if e != "cancelled" {
                    self.last_error = Some(e);
                }
            }
            Err(_) => {}
        }
    }

    /// Records a face's prediction; when the last one arrives, compares the
    /// model with the people.
    pub fn predicted_face(&mut self, face: usize, result: FaceResult) {
        if let Err(e) = &result {
            self.last_error = Some(e.clone());
        }
        if face < self.results.len() {
            self.results[face] = Some(result);
        }
        if self.results.iter().all(Option::is_some) && self.comparison.is_none() {
            self.compare_with_people();
        }
    }

    fn compare_with_people(&mut self) {
        let Some(people) = &self.survey_matrix else {
            return;
        };
        let scored = self
            .faces
            .iter()
            .zip(&self.results)
            .filter_map(|(f, r)| match r {
                Some(Ok(p)) => Some((f.class.as_deref(), p)),
                _ => None,
            });
        let m = model_matrix(&self.labels, scored, Naming::Canonical);
        if m.n() > 0 {
            match compare(&m, people) {
                Ok(c) => self.comparison = Some(c),
                Err(e) => self.last_error = Some(e.to_string()),
            }
        }
    }

    /// A refit of the running job while its samples arrive.
    pub fn explanation_partial(&mut self, id: u64, result: ExplainResult) {
        if matches!(&self.job, Job::Running { id: j, .. } if *j == id) {
            self.partial = Some((id, Arc::new(result)));
        }
    }

    /// The refit to show for the running job, if any.
    pub fn refining(&self) -> Option<Arc<ExplainResult>> {
        match (&self.job, &self.partial) {
            (Job::Running { id, .. }, Some((pid, r))) if id == pid => Some(r.clone()),
            _ => None,
        }
    }

    /// Progress of a running job; stale ids are ignored.
    pub fn explanation_progress(&mut self, id: u64, d: usize, t: usize) {
        if let Job::Running {
            id: j, done, total, ..
        } = &mut self.job
            && *j == id
        {
            (*done, *total) = (d, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emotui::faces::FaceClass;

    fn tree() -> FaceTree {
        let face = |c: &str, n: &str| Face {
            path: PathBuf::from(format!("/t/{c}/{n}")),
            class: Some(c.into()),
        };
        FaceTree {
            root: "/t".into(),
            classes: vec![
                FaceClass {
                    name: "ANGER".into(),
                    faces: vec![face("ANGER", "a1.png"), face("ANGER", "a2.png")],
                },
                FaceClass {
                    name: "JOY".into(),
                    faces: vec![face("JOY", "j1.png"), face("JOY", "smile.png")],
                },
            ],
            unlabelled: vec![],
            problems: vec![],
        }
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn app() -> App {
        let mut a = App::new(&tree(), "halfblocks".into());
        a.labels = vec!["angry".into(), "happy".into()];
        a.model_status = "model".into();
        a
    }

    #[test]
    fn navigation_and_folding() {
        let mut a = app();
        assert_eq!(a.selected_face(), Some(0));
        a.on_key(key(KeyCode::Char('j')));
        assert_eq!(a.selected_face(), Some(1));
        a.on_key(key(KeyCode::Char('j')));
        assert_eq!(a.rows()[a.cursor], Row::Class(1));
        a.on_key(key(KeyCode::Enter));
        assert_eq!(a.rows().len(), 4);
        a.on_key(key(KeyCode::Up));
        a.on_key(key(KeyCode::Left));
        assert_eq!(a.rows()[a.cursor], Row::Class(0));
        assert_eq!(a.rows().len(), 2);
    }

    #[test]
    fn filter_shows_matching_faces_only() {
        let mut a = app();
        a.on_key(key(KeyCode::Char('/')));
        for c in "smi".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
        assert_eq!(a.rows(), vec![Row::Class(1), Row::Face(3)]);
        assert_eq!(a.selected_face(), Some(3));
        a.on_key(key(KeyCode::Esc));
        assert_eq!(a.rows().len(), 6);
    }

    #[test]
    fn n_jumps_to_misclassified_faces() {
        let mut a = app();
        let p = |v: [f32; 2]| Some(Ok(Prediction::from_probabilities(v.to_vec())));
        a.results = vec![p([0.9, 0.1]), p([0.2, 0.8]), p([0.1, 0.9]), p([0.7, 0.3])];
        a.on_key(key(KeyCode::Char('n')));
        assert_eq!(a.selected_face(), Some(1));
        a.on_key(key(KeyCode::Char('n')));
        assert_eq!(a.selected_face(), Some(3));
        a.on_key(key(KeyCode::Char('N')));
        assert_eq!(a.selected_face(), Some(1));
    }

    #[test]
    fn explain_tab_starts_a_job_and_ignores_stale_results() {
        let mut a = app();
        let cmds = a.on_key(key(KeyCode::Char('2')));
        let Command::Explain(k) = cmds[0].clone() else {
            panic!("{cmds:?}")
        };
        a.job = Job::Running {
            id: 7,
            key: k.clone(),
            done: 0,
            total: 1000,
        };
        // Moving to another face cancels the stale job and asks for the new one.
        let cmds = a.on_key(key(KeyCode::Char('j')));
        assert_eq!(cmds[0], Command::Cancel);
        assert!(matches!(cmds[1], Command::Explain(ref k2) if k2.face == 1));
        a.job = Job::Running {
            id: 8,
            key: a.explain_key().unwrap(),
            done: 0,
            total: 1000,
        };
        // The old job's progress and failure are ignored.
        a.explanation_progress(7, 500, 1000);
        a.explanation_done(7, k, Err("cancelled".into()));
        assert!(matches!(a.job, Job::Running { id: 8, done: 0, .. }));
    }

    #[test]
    fn drawing_options_do_not_recompute() {
        let mut a = app();
        a.tab = Tab::Explain;
        let k = a.explain_key().unwrap();
        a.cache.insert(
            k,
            Arc::new(ExplainResult {
                samples: Arc::new(Samples {
                    face: emotui::preprocess::Planes {
                        width: 1,
                        height: 1,
                        planes: vec![vec![0.0]],
                    },
                    superpixels: emotui::lime::Superpixels {
                        width: 1,
                        height: 1,
                        labels: vec![0],
                        count: 1,
                    },
                    labels: vec![],
                    kept: vec![true],
                    probabilities: vec![],
                    options: SamplingOptions::default(),
                    timings: Default::default(),
                }),
                explanation: Explanation {
                    labels: vec![],
                    n_samples: 1,
                    options: FitOptions::default(),
                },
                trust: Trust::default(),
                refit: None,
            }),
        );
        for c in ['d', 'v', 't', 'T'] {
            assert!(a.on_key(key(KeyCode::Char(c))).is_empty(), "{c}");
        }
        assert!(matches!(
            a.on_key(key(KeyCode::Char('s')))[0],
            Command::Explain(_)
        ));
    }

    #[test]
    fn quit_keys() {
        let mut a = app();
        a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(a.quit);
    }
}
