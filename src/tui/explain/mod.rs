//! The explain tab: LIME for the selected face through the library's
//! engine. Owns its parameters, the running job, the refits shown while
//! samples arrive, the finished explanations (cached per face and
//! parameters), its keys, its export and its drawing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, Gauge, GraphType, Paragraph, Wrap};

use emotui::explain::{Outcome, Preset, Request};
use emotui::export;
use emotui::geometry::Landmarks;
use emotui::lime::trust::{self, Refit, Stability, Verdict};
use emotui::lime::{
    Background, DEFAULT_LABELS, FeatureSelect, FitOptions, Kernel, LabelChoice, LabelExplanation,
    REFIT_EVERY, Samples, SamplingOptions,
};
use emotui::methods::game::GameAnswer;
use emotui::methods::regions::{FaceRegions, LabelRegions};
use emotui::methods::sanity::Report;
use emotui::methods::{Comparison, Method};
use emotui::render::{self, Display, PanelKind, PanelOptions};

use super::images::{Images, Slot, Source};
use super::jobs::Latest;
use super::theme;
use super::workers::{CompareJob, ExplainEvent, ExplainJob, RegionsJob, SanityEvent, SanityJob};

mod charts;
mod draw;
mod view;
use charts::*;
use draw::*;
use view::*;

/// Most superpixels the keys go up to.
const KEY_MAX_SUPERPIXELS: usize = 200;
/// Fewest superpixels the keys go down to.
const KEY_MIN_SUPERPIXELS: usize = 5;
/// Superpixels added or removed by one press of `s` / `S`.
const SUPERPIXEL_STEP: usize = 5;
/// Threshold change per press of `t` / `T`.
const THRESHOLD_STEP: f64 = 0.01;

/// Parameters of the explain tab; everything else is the library's default.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainParams {
    pub n_superpixels: usize,
    pub n_features: usize,
    /// Whether `n_features` follows the practical's rule
    /// ([`FitOptions::features_for`]).
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
        let sampling = SamplingOptions::default();
        ExplainParams {
            n_superpixels: sampling.n_superpixels,
            n_features: FitOptions::features_for(sampling.n_superpixels),
            features_auto: true,
            n_labels: DEFAULT_LABELS,
            background: sampling.background,
            seed: sampling.seed,
            until_stable: false,
            panels: PanelOptions::default(),
        }
    }
}

impl ExplainParams {
    /// The engine's request: the same as `emotui explain` with these
    /// options, refitting live while samples arrive.
    pub fn request(&self) -> Request {
        Request {
            sampling: SamplingOptions {
                n_superpixels: self.n_superpixels,
                background: self.background,
                seed: self.seed,
                ..SamplingOptions::default()
            },
            fit: FitOptions {
                labels: LabelChoice::Top(self.n_labels),
                n_features: self.n_features,
                feature_select: FeatureSelect::Auto,
                kernel: Kernel::R,
            },
            trust: Preset::Standard.options(),
            until_stable: self.until_stable,
            live: true,
        }
    }
}

/// What explanations are cached by: the face and everything that changes
/// the numbers (drawing options do not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExplainKey {
    pub face: usize,
    pub n_superpixels: usize,
    pub n_features: usize,
    pub n_labels: usize,
    pub background: Background,
    pub seed: u64,
    pub until_stable: bool,
}

impl ExplainKey {
    /// Whether `other` draws the same samples (only the fit differs).
    fn same_samples(&self, other: &ExplainKey) -> bool {
        self.face == other.face
            && self.n_superpixels == other.n_superpixels
            && self.background == other.background
            && self.seed == other.seed
            && self.until_stable == other.until_stable
    }
}

/// The explanation worker, as the tab sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Idle,
    Running {
        id: u64,
        key: ExplainKey,
        done: usize,
        total: usize,
        /// Sampling is over; the trust figures are being computed.
        checking: bool,
    },
    Failed(String),
    Cancelled,
}

/// A refit of the running job while its samples arrive.
pub struct Partial {
    pub samples: Arc<Samples>,
    pub refit: Refit,
}

/// What an export did.
#[derive(Debug, Clone, PartialEq)]
pub enum Exported {
    /// Files written, in this folder.
    Written(usize, PathBuf),
    /// Files exist there: ask before replacing them.
    AskOverwrite(PathBuf),
    /// Nothing to export yet.
    Nothing,
    /// Writing failed.
    Failed(String),
}

/// What an explain key asks the explorer to do.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyAction {
    /// Nothing beyond the tab's own state.
    None,
    /// Ask for the export folder, starting with this one.
    AskExportDir(String),
    /// Tell the user this.
    Say(&'static str),
    /// Run the sanity check in the background.
    Sanity(SanityJob),
}

/// The sanity check of one face, as the tab sees it.
#[derive(Debug, Clone)]
pub enum SanityState {
    Running { done: usize, total: usize },
    Done(Arc<Report>),
    Failed(String),
}

/// The explain tab's state.
pub struct ExplainTab {
    params: ExplainParams,
    job: Job,
    next_job: u64,
    cache: HashMap<ExplainKey, Arc<Outcome>>,
    partial: Option<(u64, Partial)>,
    /// The explanation being computed, by job id (latest wins).
    explaining: Latest<u64>,
    /// The method whose panels are shown (`m` cycles).
    method: Method,
    /// Every method's panels of the first label side by side (after RISE
    /// in `m`'s cycle).
    compare_all: bool,
    /// Every method on a finished explanation, or why it failed.
    comparisons: HashMap<ExplainKey, Result<Arc<Comparison>, String>>,
    /// The comparison being computed.
    comparing: Latest<ExplainKey>,
    /// Sanity checks, per face and parameters.
    sanity: HashMap<ExplainKey, SanityState>,
    /// The running sanity check (latest wins).
    checking: Latest<ExplainKey>,
    /// Show the sanity check instead of the charts (`z`).
    show_sanity: bool,
    /// The region game's answer, per explanation (`None` while a worker
    /// computes it).
    regions: HashMap<ExplainKey, Option<Arc<FaceRegions>>>,
    /// The region game being played (latest wins).
    playing: Latest<ExplainKey>,
}

impl ExplainTab {
    pub fn new() -> ExplainTab {
        ExplainTab {
            params: ExplainParams::default(),
            job: Job::Idle,
            next_job: 1,
            cache: HashMap::new(),
            partial: None,
            explaining: Latest::default(),
            method: Method::Lime,
            compare_all: false,
            comparisons: HashMap::new(),
            comparing: Latest::default(),
            sanity: HashMap::new(),
            checking: Latest::default(),
            show_sanity: false,
            regions: HashMap::new(),
            playing: Latest::default(),
        }
    }

    /// Once `face` is explained, the job that plays its region game (off
    /// the UI thread), unless it is done or running; a game still running
    /// for another explanation is cancelled.
    pub fn ensure_regions(
        &mut self,
        face: usize,
        landmarks: &Arc<Landmarks>,
    ) -> Option<RegionsJob> {
        let key = self.key(face);
        if self.regions.contains_key(&key) {
            return None;
        }
        let outcome = self.cache.get(&key)?.clone();
        let (stale, cancel) = self.playing.start(key.clone());
        // A game cancelled before its answer is played again when its face
        // comes back.
        if let Some(stale) = stale
            && self.regions.get(&stale).is_some_and(Option::is_none)
        {
            self.regions.remove(&stale);
        }
        self.regions.insert(key.clone(), None);
        Some(RegionsJob {
            key,
            outcome,
            landmarks: landmarks.clone(),
            cancel,
        })
    }

    /// The region game's answer; an error other than a cancellation is
    /// returned for the status line.
    pub fn on_regions(
        &mut self,
        key: ExplainKey,
        result: Result<Arc<FaceRegions>, emotui::Error>,
    ) -> Option<String> {
        self.playing.finished(&key);
        match result {
            Ok(r) => {
                self.regions.insert(key, Some(r));
                None
            }
            Err(emotui::Error::Cancelled) => None,
            // Kept as done-without-answer (the entry stays empty), so that
            // it is not tried again on every frame.
            Err(e) => Some(format!("facial regions: {e}")),
        }
    }

    /// The comparison the shown method needs for `face`, unless it is
    /// there or being computed (LIME needs none; the others need LIME's
    /// finished explanation first).
    pub fn ensure_comparison(&mut self, face: usize) -> Option<CompareJob> {
        if self.method == Method::Lime && !self.compare_all {
            return None;
        }
        let key = self.key(face);
        let outcome = self.cache.get(&key)?.clone();
        if self.comparisons.contains_key(&key) || self.comparing.runs(&key) {
            return None;
        }
        let (_, cancel) = self.comparing.start(key.clone());
        Some(CompareJob {
            key,
            outcome,
            cancel,
        })
    }

    /// The comparison worker's answer.
    pub fn on_compared(
        &mut self,
        key: ExplainKey,
        result: emotui::Result<Arc<Comparison>>,
    ) -> Option<String> {
        self.comparing.finished(&key);
        match result {
            Ok(c) => {
                self.comparisons.insert(key, Ok(c));
                None
            }
            // A cancelled comparison is asked again when it is shown.
            Err(emotui::Error::Cancelled) => None,
            Err(e) => {
                let msg = e.to_string();
                self.comparisons.insert(key, Err(msg.clone()));
                Some(msg)
            }
        }
    }

    /// The sanity worker's report.
    pub fn on_sanity(&mut self, key: ExplainKey, event: SanityEvent) -> Option<String> {
        let state = match event {
            SanityEvent::Progress { done, total } => SanityState::Running { done, total },
            SanityEvent::Done(Ok(r)) => SanityState::Done(Arc::new(r)),
            SanityEvent::Done(Err(emotui::Error::Cancelled)) => {
                self.checking.finished(&key);
                self.sanity.remove(&key);
                return None;
            }
            SanityEvent::Done(Err(e)) => SanityState::Failed(e.to_string()),
        };
        let error = match &state {
            SanityState::Failed(e) => Some(e.clone()),
            _ => None,
        };
        if !matches!(state, SanityState::Running { .. }) {
            self.checking.finished(&key);
        }
        self.sanity.insert(key, state);
        error
    }

    pub fn params(&self) -> &ExplainParams {
        &self.params
    }

    pub fn job(&self) -> &Job {
        &self.job
    }

    /// Keeps the number of labels within the model's.
    pub fn limit_labels(&mut self, n: usize) {
        self.params.n_labels = self.params.n_labels.clamp(1, n.max(1));
    }

    /// The key of what is shown for `face`.
    pub fn key(&self, face: usize) -> ExplainKey {
        let p = &self.params;
        ExplainKey {
            face,
            n_superpixels: p.n_superpixels,
            n_features: p.n_features,
            n_labels: p.n_labels,
            background: p.background,
            seed: p.seed,
            until_stable: p.until_stable,
        }
    }

    /// The finished explanation of `face` with the current parameters.
    pub fn current(&self, face: usize) -> Option<Arc<Outcome>> {
        self.cache.get(&self.key(face)).cloned()
    }

    /// The latest refit of the running job for `face`.
    fn refining(&self, face: usize) -> Option<&Partial> {
        match (&self.job, &self.partial) {
            (Job::Running { id, key, .. }, Some((pid, p))) if id == pid && key.face == face => {
                Some(p)
            }
            _ => None,
        }
    }

    /// Stops the running job.
    pub fn cancel(&mut self) {
        self.explaining.cancel();
    }

    /// Whether a job is running.
    pub fn running(&self) -> bool {
        matches!(self.job, Job::Running { .. })
    }

    /// After the face or the parameters changed: a cancelled or failed job
    /// no longer stands in the way, and a running one for something else
    /// is cancelled.
    pub fn selection_changed(&mut self, face: Option<usize>) {
        if matches!(self.job, Job::Cancelled | Job::Failed(_)) {
            self.job = Job::Idle;
        }
        if let Job::Running { key, .. } = &self.job
            && face.map(|f| self.key(f)).as_ref() != Some(key)
        {
            self.cancel();
        }
    }

    /// The job needed to show `face`, unless it is cached, running, or was
    /// cancelled or failed (then `c` asks again).
    pub fn ensure(&mut self, face: usize, path: &Path) -> Option<ExplainJob> {
        let key = self.key(face);
        if self.cache.contains_key(&key) {
            return None;
        }
        match &self.job {
            Job::Running { key: k, .. } if *k == key => return None,
            Job::Cancelled | Job::Failed(_) => return None,
            _ => {}
        }
        // The same face and sampling options: reuse the model's answers.
        let samples = self
            .cache
            .iter()
            .find(|(k, _)| k.same_samples(&key))
            .map(|(_, r)| r.samples.clone());
        let id = self.next_job;
        self.next_job += 1;
        let (_, cancel) = self.explaining.start(id);
        let request = self.params.request();
        self.job = Job::Running {
            id,
            key,
            done: 0,
            total: request.sampling.n_permutations,
            checking: false,
        };
        Some(ExplainJob {
            id,
            path: path.to_path_buf(),
            request,
            samples,
            cancel,
        })
    }

    /// A worker's report. Returns an error to show, if any.
    pub fn on_event(&mut self, id: u64, event: ExplainEvent) -> Option<String> {
        let current = matches!(&self.job, Job::Running { id: j, .. } if *j == id);
        if matches!(event, ExplainEvent::Done(_)) {
            self.explaining.finished(&id);
        }
        match event {
            ExplainEvent::Progress { done: d, total: t } => {
                if let Job::Running { done, total, .. } = &mut self.job
                    && current
                {
                    (*done, *total) = (d, t);
                }
            }
            ExplainEvent::Checking => {
                if let Job::Running { checking, .. } = &mut self.job
                    && current
                {
                    *checking = true;
                }
            }
            ExplainEvent::Refit { samples, refit } => {
                if current {
                    self.partial = Some((id, Partial { samples, refit }));
                }
            }
            ExplainEvent::Done(Ok(outcome)) => {
                // A stale job's result is dropped: it was cancelled because
                // its face or parameters are no longer shown.
                if let Job::Running { key, .. } = &self.job
                    && current
                {
                    self.cache.insert(key.clone(), Arc::new(outcome));
                    self.job = Job::Idle;
                    self.partial = None;
                }
            }
            ExplainEvent::Done(Err(emotui::Error::Cancelled)) => {
                if current {
                    self.job = Job::Cancelled;
                }
            }
            ExplainEvent::Done(Err(e)) => {
                if current {
                    let msg = e.to_string();
                    self.job = Job::Failed(msg.clone());
                    return Some(msg);
                }
            }
        }
        None
    }

    /// A key on the explain tab. `n_labels` is the model's number of labels.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        n_labels: usize,
        face: Option<(usize, &Path)>,
    ) -> KeyAction {
        let p = &mut self.params;
        match key.code {
            KeyCode::Char('s') => {
                p.n_superpixels = (p.n_superpixels + SUPERPIXEL_STEP).min(KEY_MAX_SUPERPIXELS)
            }
            KeyCode::Char('S') => {
                p.n_superpixels = p
                    .n_superpixels
                    .saturating_sub(SUPERPIXEL_STEP)
                    .max(KEY_MIN_SUPERPIXELS)
            }
            KeyCode::Char('f') => {
                p.n_features = (p.n_features + 1).min(KEY_MAX_SUPERPIXELS);
                p.features_auto = false;
            }
            KeyCode::Char('F') => {
                p.n_features = p.n_features.saturating_sub(1).max(1);
                p.features_auto = false;
            }
            KeyCode::Char('a') => p.features_auto = true,
            KeyCode::Char('+') => p.n_labels = (p.n_labels + 1).min(n_labels.max(1)),
            KeyCode::Char('-') => p.n_labels = p.n_labels.saturating_sub(1).max(1),
            KeyCode::Char('t') => p.panels.threshold = step_threshold(p.panels.threshold, 1.0),
            KeyCode::Char('T') => p.panels.threshold = step_threshold(p.panels.threshold, -1.0),
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
            KeyCode::Char('m') => {
                // lime → kernelshap → occlusion → rise → all side by side → lime.
                let last = Method::ALL[Method::ALL.len() - 1];
                if self.compare_all {
                    self.compare_all = false;
                    self.method = Method::ALL[0];
                } else if self.method == last {
                    self.compare_all = true;
                } else {
                    let i = Method::ALL
                        .iter()
                        .position(|m| *m == self.method)
                        .unwrap_or(0);
                    self.method = Method::ALL[i + 1];
                }
            }
            KeyCode::Char('z') => {
                let Some((i, path)) = face else {
                    return KeyAction::Say("select a face first");
                };
                let key = self.key(i);
                match self.sanity.get(&key) {
                    Some(SanityState::Running { .. }) => {
                        self.show_sanity = !self.show_sanity;
                    }
                    Some(SanityState::Done(_)) => self.show_sanity = !self.show_sanity,
                    Some(SanityState::Failed(_)) | None => {
                        let (_, cancel) = self.checking.start(key.clone());
                        self.sanity
                            .insert(key.clone(), SanityState::Running { done: 0, total: 0 });
                        self.show_sanity = true;
                        return KeyAction::Sanity(SanityJob {
                            key,
                            path: path.to_path_buf(),
                            request: self.params.request(),
                            cancel,
                        });
                    }
                }
            }
            KeyCode::Char('u') => p.until_stable = !p.until_stable,
            KeyCode::Char('e') => {
                return match face {
                    Some((i, path)) if self.current(i).is_some() => {
                        KeyAction::AskExportDir(default_export_dir(path))
                    }
                    _ => KeyAction::Say("nothing to export yet"),
                };
            }
            _ => {}
        }
        if self.params.features_auto {
            self.params.n_features = FitOptions::features_for(self.params.n_superpixels);
        }
        KeyAction::None
    }

    /// Writes the explanation of `face` with every file `emotui explain
    /// --out` writes. Existing files are only replaced when `overwrite`.
    /// Once the face's region game is played, its pictures and values too.
    pub fn export(&self, face: usize, path: &Path, dir: &Path, overwrite: bool) -> Exported {
        let Some(outcome) = self.current(face) else {
            return Exported::Nothing;
        };
        if let Err(e) = export::check_folder(dir) {
            return Exported::Failed(e.to_string());
        }
        let stem = emotui::files::stem(path);
        let mut files =
            match export::explanation_files(dir, path, &stem, &outcome, &self.params.panels) {
                Ok(files) => files,
                Err(e) => return Exported::Failed(e.to_string()),
            };
        // The region game's answer, once played (never played on the UI
        // thread: it is 2^regions model evaluations).
        let played = self.regions.get(&self.key(face)).and_then(|r| r.clone());
        if let Some(regions) = played {
            match export::region_files(dir, path, &stem, &outcome, &regions, None) {
                Ok(more) => files.extend(more),
                Err(e) => return Exported::Failed(e.to_string()),
            }
        }
        if !overwrite && !export::conflicts(&files).is_empty() {
            return Exported::AskOverwrite(dir.to_path_buf());
        }
        match export::write(&files, overwrite) {
            Ok(()) => Exported::Written(files.len(), dir.to_path_buf()),
            Err(e) => Exported::Failed(e.to_string()),
        }
    }
}

fn step_threshold(t: f64, direction: f64) -> f64 {
    (((t + direction * THRESHOLD_STEP) * 100.0).round() / 100.0).max(0.0)
}

/// The folder the export prompt starts with: `emotui-export/<face>` in the
/// current directory, as an absolute path, shown before anything is written.
fn default_export_dir(face: &Path) -> String {
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    base.join("emotui-export")
        .join(emotui::files::stem(face))
        .display()
        .to_string()
}
