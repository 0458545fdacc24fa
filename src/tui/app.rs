//! The explorer's state machine. [`App`] owns one component per tab (the
//! tree beside browse and explain, the explain tab, the survey tab) and
//! routes every input to them: keys, mouse and worker messages all end in
//! [`App::settle`], the one place where a change of face, tab or
//! parameters starts or cancels work. Side effects that need the workers
//! are returned as [`Command`]s; nothing here touches the terminal.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs, Wrap};

use emotui::faces::{Face, FaceTree};
use emotui::model::Model;

use super::atlas::{AtlasJob, AtlasKey, AtlasTab};
use super::explain::{ExplainParams, ExplainTab, Exported, KeyAction};
use super::faceparts::{CropJob, FaceParts, GeometryJob};
use super::help::draw_help;
use super::images::Images;
use super::layout::{Geometry, MIN_SIZE, Tab};
use super::models::{ModelsKey, ModelsTab, Parked, in_order};
use super::survey::SurveyTab;
use super::theme;
use super::tree::{Predictions, Tree};
use super::workers::{CompareJob, ExplainJob, Message, RegionsJob, SanityJob, Which};
use super::{browse, workers};

/// Something only the event loop can do.
pub enum Command {
    /// The model is loaded: predict these faces (the explorer's face
    /// indices) and start the explainer.
    StartModel(Arc<Model>, Vec<Face>),
    /// Run an explanation.
    Explain(ExplainJob),
    /// Run the other methods on a finished explanation.
    Compare(CompareJob),
    /// Run the sanity check on a face.
    Sanity(SanityJob),
    /// Compute a face's landmarks and photo check.
    Geometry(GeometryJob),
    /// Crop a photo's faces into a folder.
    Crop(CropJob),
    /// Find where an explanation's weight falls on the face's regions.
    Regions(RegionsJob),
    /// Make the atlas of the tree.
    Atlas(AtlasJob),
    /// The shown and the parked model change places.
    SwapModels,
    /// Commands of the parked model's work, for its workers.
    OnParked(Vec<Command>),
    /// Explain a face with both models.
    Looks(PathBuf, Arc<std::sync::atomic::AtomicBool>),
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

/// Lines moved by the mouse wheel and by PgUp/PgDn.
const WHEEL_LINES: i64 = 3;
const PAGE_LINES: i64 = 10;

/// What the status line says.
#[derive(Default)]
struct Status {
    /// The model's name and backend, or what is happening to it.
    model: String,
    /// Why the model could not be loaded.
    model_error: Option<String>,
    /// How images are drawn.
    protocol: String,
    /// The latest error.
    error: Option<String>,
    /// A message for the user, until the next key.
    message: Option<String>,
}

/// What decides which explanation is wanted.
#[derive(PartialEq)]
struct Snapshot {
    face: Option<usize>,
    tab: Tab,
    params: ExplainParams,
}

/// The whole explorer.
pub struct App {
    tab: Tab,
    tree: Tree,
    predictions: Predictions,
    explain: ExplainTab,
    survey: SurveyTab,
    atlas: AtlasTab,
    models: ModelsTab,
    /// The model the browse, explain and atlas tabs show.
    shown: Which,
    /// With `--compare-model`, the model they do not show.
    parked: Option<Parked>,
    /// Landmarks, regions and photo checks of the faces seen.
    parts: FaceParts,
    status: Status,
    prompt: Option<Prompt>,
    help: bool,
    quit: bool,
    geometry: Geometry,
    /// Jobs a key asked for, handed out when the change settles.
    pending: Vec<Command>,
    /// Repaint everything, pictures included, at the next frame: an
    /// overlay over a picture closed, Ctrl-L, or the terminal came back
    /// (graphics protocols draw pictures outside the cell grid, which
    /// ratatui's diff cannot see).
    full_redraw: bool,
}

impl App {
    /// The explorer over `tree`; `survey` is being read in the background.
    /// A message in the status line until the next key.
    pub fn say(&mut self, message: String) {
        self.status.message = Some(message);
    }

    pub fn new(tree: &FaceTree, protocol: String, survey: Option<PathBuf>) -> App {
        let tree_state = Tree::new(tree);
        let n = tree_state.faces.len();
        let mut app = App {
            tab: Tab::Browse,
            tree: tree_state,
            predictions: Predictions {
                results: vec![None; n],
                total: n,
                ..Default::default()
            },
            explain: ExplainTab::new(),
            survey: SurveyTab::new(survey),
            atlas: AtlasTab::new(),
            models: ModelsTab::default(),
            shown: Which::A,
            parked: None,
            parts: FaceParts::default(),
            status: Status {
                model: "loading model…".into(),
                protocol,
                ..Default::default()
            },
            prompt: None,
            help: false,
            quit: false,
            geometry: Geometry::default(),
            pending: Vec::new(),
            full_redraw: false,
        };
        if let Some(first) = tree.problems.first() {
            app.status.error = Some(format!(
                "{}: {} ({} skipped in all)",
                first.path.display(),
                first.problem,
                tree.problems.len()
            ));
        }
        app
    }

    /// A second model is being loaded (`--compare-model`).
    pub fn compare_models(&mut self) {
        self.parked = Some(Parked::new(self.tree.faces.len()));
    }

    /// The parked model's labels are known (tests; the event loop does it
    /// through its `ModelLoaded` message).
    #[cfg(test)]
    pub fn parked_ready(&mut self, labels: Vec<String>, status: String) {
        self.swap_models();
        self.model_ready(labels, status);
        self.swap_models();
    }

    /// The shown and the parked model change places (their predictions,
    /// explanations and status).
    fn swap_models(&mut self) {
        if let Some(p) = &mut self.parked {
            std::mem::swap(&mut self.predictions, &mut p.predictions);
            std::mem::swap(&mut self.explain, &mut p.explain);
            std::mem::swap(&mut self.atlas, &mut p.atlas);
            std::mem::swap(&mut self.status.model, &mut p.status);
            std::mem::swap(&mut self.status.model_error, &mut p.error);
            std::mem::swap(&mut self.shown, &mut p.which);
        }
    }

    /// The `M` key: the browse, explain and atlas tabs show the other model.
    fn switch_models(&mut self) {
        match &self.parked {
            None => {
                self.status.message =
                    Some("one model only: start with --compare-model B.onnx".into())
            }
            Some(p) if p.predictions.labels.is_empty() => {
                self.status.message = Some("the other model is not loaded yet".into())
            }
            Some(_) => {
                self.swap_models();
                self.pending.push(Command::SwapModels);
                self.status.message = Some(format!("showing model {:?}", self.shown));
                self.compare();
            }
        }
    }

    /// Both models' predictions (A, B), once both are loaded.
    fn predictions_ab(&self) -> Option<(&Predictions, &Predictions)> {
        in_order(self.shown, &self.predictions, self.parked.as_ref())
    }

    /// Both models' names (A, B).
    fn model_names(&self) -> [&str; 2] {
        let parked = self.parked.as_ref().map_or("none", |p| p.status.as_str());
        match self.shown {
            Which::A => [&self.status.model, parked],
            Which::B => [parked, &self.status.model],
        }
    }

    /// A key of the models tab.
    fn models_key(&mut self, key: KeyEvent) {
        let ab = in_order(self.shown, &self.predictions, self.parked.as_ref());
        match self.models.on_key(key, &self.tree.faces, ab) {
            ModelsKey::None => {}
            ModelsKey::Look(path, cancel) => self.pending.push(Command::Looks(path, cancel)),
            ModelsKey::Open(face) => {
                self.tree.reveal(face);
                self.tab = Tab::Explain;
            }
        }
    }

    /// The face models could not be found: `L` and `c` say why.
    pub fn face_models_unavailable(&mut self, why: String) {
        self.parts = FaceParts::unavailable(why);
    }

    /// The terminal has the focus again (another tmux window or program
    /// may have drawn over the pictures).
    pub fn on_focus(&mut self) {
        self.full_redraw = true;
    }

    /// Whether the next frame must repaint everything; asking clears it.
    pub fn take_full_redraw(&mut self) -> bool {
        std::mem::take(&mut self.full_redraw)
    }

    /// Whether the user asked to quit.
    pub fn quit(&self) -> bool {
        self.quit
    }

    /// The face under the cursor.
    #[cfg(test)]
    pub fn selected_face(&self) -> Option<usize> {
        self.tree.selected()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            face: self.tree.selected(),
            tab: self.tab,
            params: self.explain.params().clone(),
        }
    }

    /// After any change: a new face or new numbers cancel what is no longer
    /// wanted, and the explain tab asks for what it shows.
    fn settle(&mut self, before: Snapshot) -> Vec<Command> {
        let after = self.snapshot();
        if before.face != after.face || before.params != after.params {
            self.explain.selection_changed(after.face);
        }
        let mut commands: Vec<Command> = self.pending.drain(..).collect();
        commands.extend(self.ensure_explanation());
        commands.extend(self.ensure_comparison());
        commands.extend(self.ensure_geometry());
        commands
    }

    /// The selected face's landmarks and photo check, unless known; and
    /// once they and its explanation are in, where the weight falls.
    fn ensure_geometry(&mut self) -> Vec<Command> {
        let Some(face) = self
            .tree
            .selected()
            .filter(|_| matches!(self.tab, Tab::Browse | Tab::Explain))
        else {
            return Vec::new();
        };
        if matches!(self.predictions.results[face], Some(Err(_))) {
            return Vec::new();
        }
        let path = self.tree.faces[face].path.clone();
        let mut commands = Vec::new();
        if let Some(g) = self.parts.get(&path)
            && let Some(job) = self.explain.ensure_regions(face, &g.landmarks)
        {
            commands.push(Command::Regions(job));
        }
        commands.extend(self.parts.ensure(&path).map(Command::Geometry));
        commands
    }

    /// The `c` key in the browse tab: crops the selected photo's faces into
    /// `<tree>-cropped/<CLASS>/`.
    fn crop(&mut self) {
        let Some(face) = self.tree.selected() else {
            return;
        };
        let f = &self.tree.faces[face];
        let photo = match self.parts.get(&f.path) {
            Some(g) if g.photo.is_photo() => f.path.clone(),
            Some(_) => {
                self.status.message = Some("this is a face, not a photo: nothing to crop".into());
                return;
            }
            None => {
                self.status.message = Some(match self.parts.why_unavailable() {
                    Some(why) => format!("cannot crop: {why}"),
                    None => "still looking for faces in it…".into(),
                });
                return;
            }
        };
        let mut out = super::faceparts::crops_root(&self.tree.root);
        if let Some(c) = &f.class {
            out.push(c);
        }
        self.status.message = Some(format!("cropping {} into {}…", f.name(), out.display()));
        self.parts.cropping = Some(photo.clone());
        self.pending.push(Command::Crop(CropJob { photo, out }));
    }

    /// The other methods' comparison the explain tab shows, unless it has it.
    fn ensure_comparison(&mut self) -> Option<Command> {
        if self.tab != Tab::Explain {
            return None;
        }
        let face = self.tree.selected()?;
        self.explain.ensure_comparison(face).map(Command::Compare)
    }

    /// The explanation the explain tab needs, unless it has it.
    fn ensure_explanation(&mut self) -> Option<Command> {
        if self.tab != Tab::Explain || self.predictions.labels.is_empty() {
            return None;
        }
        let face = self.tree.selected()?;
        if self.not_explained(face).is_some() {
            return None;
        }
        let path = self.tree.faces[face].path.clone();
        self.explain.ensure(face, &path).map(Command::Explain)
    }

    /// Why `face` is not explained: it cannot be read, or it is a photo of
    /// faces rather than a face (explaining it whole says nothing about any
    /// one face).
    fn not_explained(&self, face: usize) -> Option<String> {
        if let Some(Err(e)) = &self.predictions.results[face] {
            return Some(format!("Cannot explain this file:\n{e}"));
        }
        let g = self.parts.get(&self.tree.faces[face].path)?;
        g.photo.is_photo().then(|| {
            format!(
                "This is a photo with {} faces, not a face: explained whole, it says nothing \
                 about any of them.\nPress c in the browse tab to crop its faces, then explain each.",
                g.photo.faces.len()
            )
        })
    }

    /// Applies `change` and settles its consequences.
    fn apply(&mut self, change: impl FnOnce(&mut App)) -> Vec<Command> {
        let before = self.snapshot();
        change(self);
        self.settle(before)
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        self.apply(|app| app.key(key))
    }

    fn key(&mut self, key: KeyEvent) {
        self.status.message = None;
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            match key.code {
                KeyCode::Char('c') => self.quit = true,
                KeyCode::Char('l') => self.full_redraw = true,
                _ => {}
            }
            return;
        }
        if let Some(prompt) = self.prompt.take() {
            self.prompt_key(prompt, key);
            // A closed prompt may have covered a picture.
            self.full_redraw |= self.prompt.is_none();
            return;
        }
        if self.help {
            self.help = false;
            self.full_redraw = true;
            return;
        }
        // The atlas and models tabs have no tree: every key but the app's
        // own is theirs.
        let app_key = matches!(
            key.code,
            KeyCode::Char('q' | '?' | 'M' | '1'..='9') | KeyCode::Tab | KeyCode::BackTab
        );
        match self.tab {
            Tab::Models if !app_key => return self.models_key(key),
            Tab::Atlas if !app_key => return self.atlas_key(key),
            _ => {}
        }
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('M') => self.switch_models(),
            KeyCode::Tab => self.tab = self.tab.cycle(true),
            KeyCode::BackTab => self.tab = self.tab.cycle(false),
            KeyCode::Char(c @ '1'..='9') => {
                if let Some(&t) = Tab::ALL.get(c as usize - '1' as usize) {
                    self.tab = t;
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.tree.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.tree.move_by(-1),
            KeyCode::PageDown => self.tree.move_by(PAGE_LINES),
            KeyCode::PageUp => self.tree.move_by(-PAGE_LINES),
            KeyCode::Home | KeyCode::Char('g') => self.tree.move_by(i64::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.tree.move_by(i64::MAX / 2),
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => self.open(),
            KeyCode::Left | KeyCode::Char('h') => self.tree.close(),
            KeyCode::Char('/') => {
                self.prompt = Some(Prompt::Filter(self.tree.filter().to_string()))
            }
            KeyCode::Char('L') if self.tab != Tab::Survey => {
                self.status.message = Some(self.parts.toggle())
            }
            KeyCode::Char('c') if self.tab == Tab::Browse => self.crop(),
            KeyCode::Char('n') => self.jump_wrong(true),
            KeyCode::Char('N') => self.jump_wrong(false),
            KeyCode::Esc | KeyCode::Char('x') if self.explain.running() => self.explain.cancel(),
            KeyCode::Esc if !self.tree.filter().is_empty() => self.tree.set_filter(String::new()),
            _ if self.tab == Tab::Explain => {
                let face = self
                    .tree
                    .selected()
                    .map(|f| (f, self.tree.faces[f].path.clone()));
                let n = self.predictions.labels.len();
                match self
                    .explain
                    .on_key(key, n, face.as_ref().map(|(f, p)| (*f, p.as_path())))
                {
                    KeyAction::None => {}
                    KeyAction::AskExportDir(d) => self.prompt = Some(Prompt::ExportPath(d)),
                    KeyAction::Say(m) => self.status.message = Some(m.into()),
                    KeyAction::Sanity(job) => self.pending.push(Command::Sanity(job)),
                }
            }
            _ => {}
        }
    }

    /// A key of the atlas tab.
    fn atlas_key(&mut self, key: KeyEvent) {
        match self.atlas.on_key(key) {
            AtlasKey::None => {}
            AtlasKey::Start if self.predictions.labels.is_empty() => {
                self.status.message = Some("the model is not loaded yet".into())
            }
            AtlasKey::Start => match self.atlas.start(self.tree.faces.clone()) {
                Some(job) => self.pending.push(Command::Atlas(job)),
                None => self.status.message = Some("the atlas is being made already".into()),
            },
            AtlasKey::Open(face) => {
                self.tree.reveal(face);
                self.tab = Tab::Explain;
            }
        }
    }

    /// Opens or closes a class; on a face in the browse tab, explains it.
    fn open(&mut self) {
        if !self.tree.toggle_class() && self.tab == Tab::Browse && self.tree.selected().is_some() {
            self.tab = Tab::Explain;
        }
    }

    fn jump_wrong(&mut self, forward: bool) {
        if !self.tree.jump_wrong(&self.predictions, forward) {
            self.status.message = Some("no misclassified face (yet)".into());
        }
    }

    fn prompt_key(&mut self, prompt: Prompt, key: KeyEvent) {
        match prompt {
            Prompt::Filter(mut text) => match edit_line(&mut text, key) {
                Edit::Done => self.tree.set_filter(text),
                Edit::Cancelled => {}
                Edit::Editing => self.prompt = Some(Prompt::Filter(text)),
            },
            Prompt::ExportPath(mut text) => match edit_line(&mut text, key) {
                Edit::Done if !text.trim().is_empty() => {
                    self.export(PathBuf::from(text.trim()), false)
                }
                Edit::Cancelled => {}
                Edit::Done | Edit::Editing => self.prompt = Some(Prompt::ExportPath(text)),
            },
            Prompt::ConfirmOverwrite(dir) => {
                if key.code == KeyCode::Char('y') {
                    self.export(dir, true);
                } else {
                    self.status.message = Some("export cancelled: nothing was overwritten".into());
                }
            }
        }
    }

    /// Writes the shown explanation into `dir` (the same files as
    /// `emotui explain --out`); existing files only after a yes.
    fn export(&mut self, dir: PathBuf, overwrite: bool) {
        let Some(face) = self.tree.selected() else {
            self.status.message = Some("nothing to export".into());
            return;
        };
        let path = self.tree.faces[face].path.clone();
        match self.explain.export(face, &path, &dir, overwrite) {
            Exported::Written(n, d) => {
                self.status.message = Some(format!("wrote {n} files to {}", d.display()))
            }
            Exported::AskOverwrite(d) => self.prompt = Some(Prompt::ConfirmOverwrite(d)),
            Exported::Nothing => self.status.message = Some("nothing to export".into()),
            Exported::Failed(e) => {
                self.status.error = Some(format!("export to {}: {e}", dir.display()))
            }
        }
    }

    /// Handles the mouse: the wheel scrolls the tree, a click selects a
    /// tab or a tree line (where the last frame drew them).
    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        self.apply(|app| {
            let g = app.geometry;
            match m.kind {
                MouseEventKind::ScrollDown => app.tree.move_by(WHEEL_LINES),
                MouseEventKind::ScrollUp => app.tree.move_by(-WHEEL_LINES),
                MouseEventKind::Down(_) => {
                    if let Some(tab) = g.tab_at(m.column, m.row) {
                        app.tab = tab;
                    } else if let Some(line) = g.tree_line_at(m.column, m.row) {
                        let top = app.tree.top(g.tree_height());
                        app.tree.activate(top + line);
                    }
                }
                _ => {}
            }
        })
    }

    /// Handles a worker's message.
    pub fn on_message(&mut self, msg: Message) -> Vec<Command> {
        let before = self.snapshot();
        let mut commands = self.handle(msg);
        commands.extend(self.settle(before));
        commands
    }

    /// What a message changes; the work it asks for.
    fn handle(&mut self, msg: Message) -> Vec<Command> {
        let mut commands = Vec::new();
        match msg {
            // The parked model's work goes to its own predictions and
            // explanations: parked, they are swapped in for the time of it.
            Message::Of(which, inner) if which != self.shown && self.parked.is_some() => {
                self.swap_models();
                let parked = self.handle(*inner);
                self.swap_models();
                commands.push(Command::OnParked(parked));
            }
            Message::Of(_, inner) => commands = self.handle(*inner),
            Message::Looks { path, result } => {
                if let Some(e) = self.models.on_looks(path, result) {
                    self.status.error = Some(e);
                }
            }
            Message::ModelLoaded(Ok(model)) => {
                self.model_ready(
                    model.card().labels.clone(),
                    format!("{} · {}", model.card().name, model.backend_name()),
                );
                if let Some(why) = model.fallback_reason() {
                    self.status.message =
                        Some(format!("ONNX Runtime not found, using tract ({why})"));
                }
                commands.push(Command::StartModel(model, self.tree.faces.clone()));
            }
            Message::ModelLoaded(Err(e)) => {
                self.status.model = "no model".into();
                self.status.error = Some(e.to_string());
                self.status.model_error = Some(e.to_string());
            }
            Message::SurveyLoaded(r) => {
                if let Some(e) = self.survey.loaded(r) {
                    self.status.error = Some(e);
                }
                self.compare();
            }
            Message::Predicted { face, result } => {
                let result = result.map_err(|e| {
                    let msg = e.to_string();
                    self.status.error = Some(msg.clone());
                    msg
                });
                if let Some(slot) = self.predictions.results.get_mut(face) {
                    *slot = Some(result);
                }
                self.compare();
            }
            Message::PredictProgress { done, total } => {
                (self.predictions.done, self.predictions.total) = (done, total)
            }
            Message::Explain { id, event } => {
                if let Some(e) = self.explain.on_event(id, event) {
                    self.status.error = Some(e);
                }
            }
            Message::Compared { key, result } => {
                if let Some(e) = self.explain.on_compared(key, result) {
                    self.status.error = Some(e);
                }
            }
            Message::Sanity { key, event } => {
                if let Some(e) = self.explain.on_sanity(key, event) {
                    self.status.error = Some(e);
                }
            }
            Message::Geometry { path, result } => self.parts.on_result(path, result),
            Message::Regions { key, result } => {
                if let Some(e) = self.explain.on_regions(key, result) {
                    self.status.error = Some(e);
                }
            }
            Message::Cropped { photo, result } => {
                self.parts.cropping = None;
                let name = photo.file_name().map(|n| n.to_string_lossy().into_owned());
                let name = name.unwrap_or_default();
                match result {
                    Ok(n) => {
                        let root = super::faceparts::crops_root(&self.tree.root);
                        self.status.message = Some(format!(
                            "{name}: {n} faces written; open them with: emotui {}",
                            root.display()
                        ))
                    }
                    Err(e) => self.status.error = Some(format!("crop {name}: {e}")),
                }
            }
            Message::Atlas { id, event } => {
                if let Some(e) = self.atlas.on_event(id, event) {
                    self.status.error = Some(e);
                }
            }
            Message::Image { .. } => {}
        }
        commands
    }

    /// The model's labels are known: predictions and explanations can start.
    pub(super) fn model_ready(&mut self, labels: Vec<String>, status: String) {
        self.predictions.labels = labels;
        self.status.model = status;
        self.explain.limit_labels(self.predictions.labels.len());
    }

    /// An image failed: say why.
    pub fn image_failed(&mut self, error: &workers::ImageError) {
        self.status.error = Some(format!("image: {error}"));
    }

    /// Each model beside the people, once its predictions are complete.
    fn compare(&mut self) {
        let mut errors = vec![
            self.survey
                .compare_with(&self.tree, self.shown, &self.predictions),
        ];
        if let Some(p) = &self.parked {
            errors.push(
                self.survey
                    .compare_with(&self.tree, p.which, &p.predictions),
            );
        }
        if let Some(e) = errors.into_iter().flatten().next() {
            self.status.error = Some(e);
        }
    }

    /// Lays the screen out for `area` (the mouse uses the same geometry).
    pub fn layout(&mut self, area: Rect) {
        self.geometry = Geometry::new(area, self.tab);
    }

    /// Why there are no predictions: loading, or the model's error.
    fn waiting(&self) -> String {
        match &self.status.model_error {
            Some(e) => format!(
                "No model: {e}\nStart emotui with --model PATH (an ONNX model with its .toml card)."
            ),
            None if self.predictions.labels.is_empty() => "loading the model…".into(),
            None => String::new(),
        }
    }

    /// Draws the whole screen (after [`App::layout`]).
    pub fn draw(&self, f: &mut Frame, images: &mut Images) {
        let g = &self.geometry;
        if g.too_small() {
            let msg = format!(
                "emotui needs at least {}×{}; this terminal is {}×{}. q quits.",
                MIN_SIZE.0, MIN_SIZE.1, g.area.width, g.area.height
            );
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), g.area);
            return;
        }
        f.render_widget(
            Tabs::new(Tab::ALL.map(Tab::title))
                .select(self.tab.index())
                .highlight_style(theme::bold().fg(theme::palette().accent))
                .divider("│"),
            g.tabs,
        );
        if let Some((area, inner)) = g.tree {
            self.tree.draw(f, &self.predictions, area, inner);
        }
        let waiting = self.waiting();
        match self.tab {
            Tab::Browse => browse::draw(
                f,
                &self.tree,
                &self.predictions,
                self.parked.as_ref().map(|p| (p.which, &p.predictions)),
                &self.parts,
                images,
                g.pane,
                &waiting,
            ),
            Tab::Explain => {
                let face = self
                    .tree
                    .selected()
                    .map(|i| (i, self.tree.faces[i].path.as_path(), self.not_explained(i)));
                let drawn = face.as_ref().and_then(|(_, p, _)| self.parts.drawn(p));
                self.explain.draw(f, images, g.pane, face, drawn, &waiting)
            }
            Tab::Survey => self.survey.draw(f, g.pane, &self.predictions),
            Tab::Atlas => self.atlas.draw(f, images, g.pane, &waiting),
            Tab::Models => self.models.draw(
                f,
                images,
                g.pane,
                &self.tree.faces,
                self.model_names(),
                self.predictions_ab(),
            ),
        }
        self.draw_status(f, g.status);
        if self.help {
            draw_help(f, g.area);
        }
    }

    fn draw_status(&self, f: &mut Frame, area: Rect) {
        let prompt = |text: String| {
            Paragraph::new(Line::from(Span::styled(
                text,
                Style::default().fg(theme::palette().accent),
            )))
        };
        match &self.prompt {
            Some(Prompt::Filter(t)) => {
                return f.render_widget(
                    prompt(format!(" filter: {t}▏ (Enter applies, Esc cancels)")),
                    area,
                );
            }
            Some(Prompt::ExportPath(t)) => {
                return f.render_widget(
                    prompt(format!(
                        " export to folder: {t}▏ (Enter writes, Esc cancels)"
                    )),
                    area,
                );
            }
            Some(Prompt::ConfirmOverwrite(d)) => {
                return f.render_widget(
                    prompt(format!(
                        " {} has files already: overwrite them? y/n",
                        d.display()
                    )),
                    area,
                );
            }
            None => {}
        }
        let p = &self.predictions;
        let progress = if self.status.model_error.is_some() {
            "no predictions".to_string()
        } else if p.done < p.total {
            format!("predicting {}/{}", p.done, p.total)
        } else {
            format!("{} faces", p.total)
        };
        let mut spans = vec![
            Span::styled(
                match self.parked {
                    Some(_) => format!(" {:?}: {} ", self.shown, self.status.model),
                    None => format!(" {} ", self.status.model),
                },
                Style::default()
                    .bg(ratatui::style::Color::DarkGray)
                    .fg(ratatui::style::Color::White),
            ),
            Span::raw(format!(" images: {} │ {} ", self.status.protocol, progress)),
        ];
        match self.explain.job() {
            super::explain::Job::Running { checking: true, .. } => {
                spans.push(Span::raw("│ checking trust "));
            }
            super::explain::Job::Running { done, total, .. } => {
                spans.push(Span::raw(format!("│ explaining {done}/{total} ")));
            }
            _ => {}
        }
        if let Some(p) = self.atlas.progress() {
            spans.push(Span::raw(format!("│ {p} ")));
        }
        if let Some(m) = &self.status.message {
            spans.push(Span::styled(
                format!("│ {m} "),
                Style::default().fg(theme::palette().accent),
            ));
        } else if let Some(e) = &self.status.error {
            spans.push(Span::styled(
                format!("│ error: {e} "),
                Style::default().fg(theme::palette().bad),
            ));
        } else {
            spans.push(Span::styled(
                "│ ? keys  q quit",
                Style::default().fg(theme::palette().muted),
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
