//! The explain tab: LIME for the selected face through the library's
//! engine. Owns its parameters, the running job, the refits shown while
//! samples arrive, the finished explanations (cached per face and
//! parameters), its keys, its export and its drawing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
use super::theme;
use super::workers::{CompareJob, ExplainEvent, ExplainJob, RegionsJob, SanityEvent, SanityJob};

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
    cancel: Arc<AtomicBool>,
    /// The method whose panels are shown (`m` cycles).
    method: Method,
    /// Every method's panels of the first label side by side (after RISE
    /// in `m`'s cycle).
    compare_all: bool,
    /// Every method on a finished explanation, or why it failed.
    comparisons: HashMap<ExplainKey, Result<Arc<Comparison>, String>>,
    /// The comparison being computed.
    comparing: Option<(ExplainKey, Arc<AtomicBool>)>,
    /// Sanity checks, per face and parameters.
    sanity: HashMap<ExplainKey, SanityState>,
    /// Stops the running sanity check.
    sanity_cancel: Arc<AtomicBool>,
    /// Show the sanity check instead of the charts (`z`).
    show_sanity: bool,
    /// The region game's answer, per explanation (`None` while a worker
    /// computes it).
    regions: HashMap<ExplainKey, Option<Arc<FaceRegions>>>,
    /// Stops the region game being played (latest wins).
    regions_cancel: Option<(ExplainKey, Arc<AtomicBool>)>,
}

impl ExplainTab {
    pub fn new() -> ExplainTab {
        ExplainTab {
            params: ExplainParams::default(),
            job: Job::Idle,
            next_job: 1,
            cache: HashMap::new(),
            partial: None,
            cancel: Arc::new(AtomicBool::new(false)),
            method: Method::Lime,
            compare_all: false,
            comparisons: HashMap::new(),
            comparing: None,
            sanity: HashMap::new(),
            sanity_cancel: Arc::new(AtomicBool::new(false)),
            show_sanity: false,
            regions: HashMap::new(),
            regions_cancel: None,
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
        if let Some((stale, cancel)) = self.regions_cancel.take() {
            cancel.store(true, Ordering::Relaxed);
            if self.regions.get(&stale).is_some_and(Option::is_none) {
                self.regions.remove(&stale);
            }
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.regions_cancel = Some((key.clone(), cancel.clone()));
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
        if self
            .regions_cancel
            .as_ref()
            .is_some_and(|(running, _)| *running == key)
        {
            self.regions_cancel = None;
        }
        match result {
            Ok(r) => {
                self.regions.insert(key, Some(r));
                None
            }
            Err(emotui::Error::Cancelled) => None,
            Err(e) => {
                // Kept as done-without-answer, so that it is not retried
                // on every frame.
                self.regions.remove(&key);
                Some(format!("facial regions: {e}"))
            }
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
        if self.comparisons.contains_key(&key)
            || self.comparing.as_ref().is_some_and(|(k, _)| *k == key)
        {
            return None;
        }
        if let Some((_, c)) = &self.comparing {
            c.store(true, Ordering::Relaxed);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.comparing = Some((key.clone(), cancel.clone()));
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
        if self.comparing.as_ref().is_some_and(|(k, _)| *k == key) {
            self.comparing = None;
        }
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
                self.sanity.remove(&key);
                return None;
            }
            SanityEvent::Done(Err(e)) => SanityState::Failed(e.to_string()),
        };
        let error = match &state {
            SanityState::Failed(e) => Some(e.clone()),
            _ => None,
        };
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
        self.cancel.store(true, Ordering::Relaxed);
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
        self.cancel();
        self.cancel = Arc::new(AtomicBool::new(false));
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
            cancel: self.cancel.clone(),
        })
    }

    /// A worker's report. Returns an error to show, if any.
    pub fn on_event(&mut self, id: u64, event: ExplainEvent) -> Option<String> {
        let current = matches!(&self.job, Job::Running { id: j, .. } if *j == id);
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
                        self.sanity_cancel.store(true, Ordering::Relaxed);
                        self.sanity_cancel = Arc::new(AtomicBool::new(false));
                        self.sanity
                            .insert(key.clone(), SanityState::Running { done: 0, total: 0 });
                        self.show_sanity = true;
                        return KeyAction::Sanity(SanityJob {
                            key,
                            path: path.to_path_buf(),
                            request: self.params.request(),
                            cancel: self.sanity_cancel.clone(),
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
        let mut files = match export::explanation_files(dir, path, &outcome, &self.params.panels) {
            Ok(files) => files,
            Err(e) => return Exported::Failed(e.to_string()),
        };
        // The region game's answer, once played (never played on the UI
        // thread: it is 2^regions model evaluations).
        let played = self.regions.get(&self.key(face)).and_then(|r| r.clone());
        if let Some(regions) = played {
            match export::region_files(dir, path, &outcome, &regions, None) {
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

    /// The block title: the parameters in use.
    fn title(&self) -> String {
        let p = &self.params;
        format!(
            " {} · {} superpixels · {} features · {} labels · threshold {:.2} · {} · negatives {} · {} · seed {} ",
            if self.compare_all {
                "all methods"
            } else {
                self.method.name()
            },
            p.n_superpixels,
            p.n_features,
            p.n_labels,
            p.panels.threshold,
            match p.panels.display {
                Display::Outline => "outline",
                Display::Block => "block",
            },
            if p.panels.show_negative { "on" } else { "off" },
            p.background.name(),
            p.seed
        )
    }

    /// Draws the tab's pane for `face` (its path, and why it is not
    /// explained when it is not).
    pub fn draw(
        &self,
        f: &mut Frame,
        images: &mut Images,
        area: Rect,
        face: Option<(usize, &Path, Option<String>)>,
        drawn: Option<Arc<Landmarks>>,
        waiting: &str,
    ) {
        let block = Block::default().borders(Borders::ALL).title(self.title());
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some((face, path, blocked)) = face else {
            f.render_widget(Paragraph::new("Select a face to explain."), inner);
            return;
        };
        if let Some(why) = blocked {
            f.render_widget(theme::error_text(why), inner);
            return;
        }
        let shown = match (self.current(face), self.refining(face)) {
            (Some(o), _) => Shown::Done(o),
            (None, Some(p)) => Shown::Refining(p),
            (None, None) => {
                self.draw_waiting(f, inner, path, waiting);
                return;
            }
        };
        let inner = match &shown {
            Shown::Refining(p) => {
                let [msg, gauge, rest] = Layout::vertical([
                    Constraint::Length(1),
                    Constraint::Length(1),
                    Constraint::Min(4),
                ])
                .areas(inner);
                let r = &p.refit;
                f.render_widget(
                    Paragraph::new(format!(
                        "Refining: {} samples · top superpixels {:.0}% unchanged since {} · weights moved ≤ {:.3}{} · Esc cancels",
                        r.rows,
                        100.0 * r.top_overlap,
                        r.rows.saturating_sub(REFIT_EVERY),
                        r.weight_change,
                        if self.params.until_stable { " · stops when stable" } else { "" }
                    ))
                    .style(Style::default().fg(theme::MUTED)),
                    msg,
                );
                if let Job::Running {
                    done,
                    total,
                    checking,
                    ..
                } = &self.job
                {
                    progress_gauge(f, gauge, *done, *total, *checking);
                }
                rest
            }
            Shown::Done(_) => inner,
        };
        let (samples, labels, trust) = match &shown {
            Shown::Done(o) => (&o.samples, &o.explanation.labels, Some(&o.trust)),
            Shown::Refining(p) => (&p.samples, &p.refit.explanation.labels, None),
        };
        // Another method's panels, or every method's for the first label,
        // once the comparison is in.
        let comparing = self.method != Method::Lime || self.compare_all;
        let comparison = match &shown {
            Shown::Done(_) if comparing => self.comparisons.get(&self.key(face)),
            _ => None,
        };
        let side_by_side: Vec<LabelExplanation>;
        let other = match comparison {
            Some(Ok(c)) if self.compare_all => {
                side_by_side = c
                    .attributions
                    .iter()
                    .filter_map(|a| {
                        let mut l = a.explanation.labels.first()?.clone();
                        l.name = format!("{} · {}", a.method.name(), l.name);
                        Some(l)
                    })
                    .collect();
                Some(&side_by_side)
            }
            Some(Ok(c)) => c
                .attributions
                .iter()
                .find(|a| a.method == self.method)
                .map(|a| &a.explanation.labels),
            _ => None,
        };
        let (labels, trust) = match other {
            Some(l) => (l, None),
            None => (labels, trust),
        };
        let stability = |l: &LabelExplanation| trust.and_then(|t| t.stability_of(l.label));
        let kinds: Vec<PanelKind> = if self.params.panels.show_negative {
            vec![PanelKind::Supports, PanelKind::Contradicts]
        } else {
            vec![PanelKind::Supports]
        };
        let n_pictures = 1 + labels.len() * kinds.len();
        let charts_min = if inner.height >= 18 { 8 } else { 0 };
        let (cells, pictures_h) = picture_grid(inner, n_pictures, charts_min);
        let view = match (other.is_some(), self.compare_all) {
            (false, _) => Method::Lime.name(),
            (true, true) => "all",
            (true, false) => self.method.name(),
        };
        let face_key = format!(
            "{}|{:?}|{view}|{}",
            path.display(),
            self.key(face),
            if drawn.is_some() { "L" } else { "" }
        );
        // The superpixels.
        let [cap, img] = caption_split(cells[0]);
        let n_rows = match &shown {
            Shown::Done(o) => o.explanation.n_samples,
            Shown::Refining(p) => p.refit.rows,
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    if drawn.is_some() {
                        "Facial regions"
                    } else {
                        "Superpixels"
                    },
                    theme::bold(),
                )),
                Line::from(format!("{} of them", samples.superpixels.count)),
                Line::from(format!("{n_rows} perturbations")),
            ]),
            cap,
        );
        let (s, lm) = (samples.clone(), drawn.clone());
        images.show(
            f,
            img,
            Slot::Superpixels,
            &format!("sp|{face_key}"),
            move || {
                Source::Render(Arc::new(move |pw, ph| match &lm {
                    // The regions tinted: outlines alone vanish in half-blocks.
                    Some(l) => render::regions_image(&s.face, l, fit(&s.face, pw, ph)),
                    None => {
                        render::superpixels_image(&s.face, &s.superpixels, fit(&s.face, pw, ph))
                    }
                }))
            },
        );
        let mut cell = 1;
        for (li, l) in labels.iter().enumerate() {
            for &kind in &kinds {
                let [cap, img] = caption_split(cells[cell]);
                caption(f, cap, l, &self.params.panels, kind, stability(l));
                let opts = self.params.panels;
                let key = format!("panel|{face_key}|{n_rows}|{li}|{kind:?}|{opts:?}");
                let (s, l2, lm) = (samples.clone(), l.clone(), drawn.clone());
                images.show(f, img, Slot::Panel(cell - 1), &key, move || {
                    Source::Render(Arc::new(move |pw, ph| {
                        let mut img = render::explanation_overlay(
                            &s.face,
                            &s.superpixels,
                            &l2,
                            &opts,
                            fit(&s.face, pw, ph),
                            kind,
                        );
                        if let Some(l) = &lm {
                            render::draw_regions(&mut img, l, false);
                        }
                        img
                    }))
                });
                cell += 1;
            }
        }
        let charts = Rect {
            y: inner.y + pictures_h,
            height: inner.height.saturating_sub(pictures_h),
            ..inner
        };
        if charts.height >= CHART_MIN_ROWS {
            match (self.show_sanity, self.sanity.get(&self.key(face))) {
                (true, Some(state)) => draw_sanity(f, charts, state),
                _ if comparing => {
                    draw_comparison(f, charts, self.method, self.compare_all, comparison)
                }
                _ => {
                    let regions = match &shown {
                        Shown::Done(_) => {
                            self.regions.get(&self.key(face)).and_then(|r| r.as_deref())
                        }
                        Shown::Refining(_) => None,
                    };
                    draw_charts(f, charts, labels, trust, regions)
                }
            }
        }
    }

    fn draw_waiting(&self, f: &mut Frame, area: Rect, path: &Path, waiting: &str) {
        let text = match &self.job {
            Job::Running {
                done,
                total,
                checking,
                ..
            } => {
                let [msg, gauge] =
                    Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(area);
                f.render_widget(
                    Paragraph::new(format!(
                        "Explaining {} (Esc or x cancels)",
                        emotui::files::case_name(path)
                    )),
                    msg,
                );
                progress_gauge(f, gauge, *done, *total, *checking);
                return;
            }
            Job::Cancelled => "Cancelled. Press c to compute again.".to_string(),
            Job::Failed(e) => format!("Failed: {e}\nPress c to try again."),
            Job::Idle if !waiting.is_empty() => waiting.to_string(),
            Job::Idle => "Waiting…".into(),
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
    }
}

/// What the pane shows: a finished explanation or the latest refit.
enum Shown<'a> {
    Done(Arc<Outcome>),
    Refining(&'a Partial),
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

/// Lines above every picture: label, probability and fit, stability.
const CAPTION_ROWS: u16 = 3;
/// Columns between two pictures.
const GAP: u16 = 2;
/// Fewest rows worth a chart.
const CHART_MIN_ROWS: u16 = 5;
/// Width of the list of strongest weights.
const WEIGHTS_COLS: u16 = 27;

fn caption_split(cell: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(CAPTION_ROWS), Constraint::Min(1)]).areas(cell)
}

/// Cells for `n` captioned square pictures in the grid that makes them
/// largest, leaving at least `reserve` rows below for the charts. A
/// terminal cell is about twice as tall as wide. Returns the cells and the
/// rows they take.
fn picture_grid(area: Rect, n: usize, reserve: u16) -> (Vec<Rect>, u16) {
    let n = n.max(1);
    let avail = area.height.saturating_sub(reserve).max(CAPTION_ROWS + 2);
    // (side in columns, columns of the grid)
    let (side, cols) = (1..=n)
        .map(|c| {
            let rows = n.div_ceil(c) as u16;
            let w = area.width.saturating_sub(GAP * (c as u16 - 1)) / c as u16;
            let h = (avail / rows).saturating_sub(CAPTION_ROWS);
            (w.min(2 * h), c)
        })
        .max_by_key(|&(side, c)| (side, std::cmp::Reverse(c)))
        .unwrap_or((area.width, n));
    let rows = n.div_ceil(cols) as u16;
    let cell_h = (CAPTION_ROWS + side.div_ceil(2)).min(avail / rows);
    let cell_w = area.width.saturating_sub(GAP * (cols as u16 - 1)) / cols as u16;
    let cells = (0..n)
        .map(|i| {
            let (r, c) = ((i / cols) as u16, (i % cols) as u16);
            Rect::new(
                area.x + c * (cell_w + GAP),
                area.y + r * cell_h,
                cell_w,
                cell_h,
            )
        })
        .collect();
    (cells, rows * cell_h)
}

/// The longer side of a face fitted into pw × ph pixels.
fn fit(face: &emotui::preprocess::Planes, pw: u32, ph: u32) -> u32 {
    let (w, h) = (face.width as f64, face.height as f64);
    let s = (pw as f64 / w).min(ph as f64 / h);
    ((w.max(h) * s) as u32).max(1)
}

fn verdict_colour(v: Verdict) -> Color {
    match v {
        Verdict::Stable => theme::GOOD,
        Verdict::Shaky | Verdict::Tied => theme::ACCENT,
        Verdict::Unstable => theme::BAD,
        Verdict::Uninformative => theme::MUTED,
    }
}

/// A panel's caption: R lime's words where they fit, the numbers otherwise.
fn caption(
    f: &mut Frame,
    area: Rect,
    l: &LabelExplanation,
    panels: &PanelOptions,
    kind: PanelKind,
    stability: Option<&Stability>,
) {
    let c = render::caption(l, panels, kind);
    let colour = match kind {
        PanelKind::Supports => theme::SUPPORT,
        PanelKind::Contradicts => theme::CONTRADICT,
    };
    let w = area.width as usize;
    let mut first = format!("Label: {}", c.label);
    if let Some(k) = c.kind {
        first = format!("{first} · {}", k.to_lowercase());
    }
    let long = format!("Probability: {} · Fit: {}", c.probability, c.fit);
    let numbers = if long.chars().count() <= w {
        long
    } else {
        format!("p {} · fit {}", c.probability, c.fit)
    };
    let mut lines = vec![
        Line::from(Span::styled(first, theme::bold().fg(colour))),
        Line::from(numbers),
    ];
    if let Some(st) = stability {
        let long = format!("{} (Jaccard {:.2})", st.verdict.word(), st.jaccard);
        let text = if long.chars().count() <= w {
            long
        } else {
            st.verdict.word().to_string()
        };
        lines.push(Line::from(Span::styled(
            text,
            Style::default().fg(verdict_colour(st.verdict)),
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The methods' agreement on the first label: Spearman's ρ between every
/// pair, the top-k overlap, each method's deletion and insertion areas,
/// and the verdict.
fn draw_comparison(
    f: &mut Frame,
    area: Rect,
    shown: Method,
    all: bool,
    comparison: Option<&Result<Arc<Comparison>, String>>,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" second opinion (m cycles lime · kernelshap · occlusion · rise) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let c = match comparison {
        None => {
            f.render_widget(
                Paragraph::new(format!(
                    "Computing {} on these superpixels (KernelSHAP, occlusion and RISE share LIME's background)…",
                    shown.name()
                ))
                .style(Style::default().fg(theme::MUTED)),
                inner,
            );
            return;
        }
        Some(Err(e)) => {
            f.render_widget(theme::error_text(format!("Cannot compare: {e}")), inner);
            return;
        }
        Some(Ok(c)) => c,
    };
    let Some(l) = c.agreement.first() else {
        return;
    };
    let methods: Vec<Method> = c.attributions.iter().map(|a| a.method).collect();
    let rho = |a: Method, b: Method| -> Option<&emotui::methods::agreement::Pair> {
        l.pairs
            .iter()
            .find(|p| (p.a == a && p.b == b) || (p.a == b && p.b == a))
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{}: ", l.name), theme::bold()),
        Span::styled(
            l.verdict.word(),
            Style::default().fg(match l.verdict {
                emotui::methods::agreement::Consensus::Agree => theme::GOOD,
                emotui::methods::agreement::Consensus::Partly => theme::ACCENT,
                emotui::methods::agreement::Consensus::Disagree => theme::BAD,
            }),
        ),
        Span::raw(format!(
            " · mean Spearman {:.2} · mean top-{} Jaccard {:.2}",
            l.mean_spearman, l.k, l.mean_jaccard
        )),
    ])];
    let mut header = format!("{:<11}", "Spearman ρ");
    for m in &methods {
        header += &format!(" {:>10}", m.name());
    }
    header += "   deletion  insertion  evaluations";
    lines.push(Line::from(Span::styled(header, theme::bold())));
    for (i, &a) in methods.iter().enumerate() {
        let mut row = format!("{:<11}", a.name());
        for &b in &methods {
            row += &match rho(a, b) {
                _ if a == b => format!(" {:>10}", "1"),
                Some(p) => format!(" {:>10.2}", p.spearman),
                None => format!(" {:>10}", "–"),
            };
        }
        if let Some(cv) = l.curves.iter().find(|cv| cv.method == a) {
            row += &format!("   {:>8.3}  {:>9.3}", cv.deletion_auc, cv.insertion_auc);
        }
        row += &format!("  {:>11}", c.attributions[i].evaluations);
        let style = if a == shown && !all {
            theme::bold().fg(theme::OTHER)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(row, style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The sanity check: per layer randomised (from the output down), each
/// method's rank correlation with its original explanation and SSIM.
fn draw_sanity(f: &mut Frame, area: Rect, state: &SanityState) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" sanity check: model weights randomised layer by layer (z hides) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let report = match state {
        SanityState::Running { done, total } => {
            let ratio = if *total > 0 {
                *done as f64 / *total as f64
            } else {
                0.0
            };
            f.render_widget(
                Gauge::default()
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(format!(
                        "randomising layer {done}/{total}; each one explained again"
                    ))
                    .gauge_style(Style::default().fg(theme::OTHER)),
                Rect { height: 1, ..inner },
            );
            return;
        }
        SanityState::Failed(e) => {
            f.render_widget(
                theme::error_text(format!("Sanity check failed: {e}")),
                inner,
            );
            return;
        }
        SanityState::Done(r) => r,
    };
    let mut header = format!("{:>4} {:<28} {:>6}", "step", "layer", "p");
    for m in &report.methods {
        header += &format!(" {:>13} {:>5}", format!("{} ρ|·|", m.name()), "SSIM");
    }
    let mut lines = vec![
        Line::from(format!(
            "label {} ({:.2}): similarity should fall towards 0 as layers are randomised",
            report.label, report.probability
        )),
        Line::from(Span::styled(header, theme::bold())),
    ];
    for (i, st) in report.steps.iter().enumerate() {
        let mut row = format!(
            "{:>4} {:<28} {:>6.3}",
            i + 1,
            st.layer.short_name(28),
            st.probability
        );
        for sim in &st.similarity {
            row += &format!(" {:>13.3} {:>5.2}", sim.spearman_abs, sim.ssim);
        }
        lines.push(Line::from(row));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Per label: the weights' density, the strongest weights with their
/// intervals, and the deletion/insertion curves. Labels are stacked when
/// there is height for it, side by side otherwise.
fn draw_charts(
    f: &mut Frame,
    area: Rect,
    labels: &[LabelExplanation],
    trust: Option<&trust::Trust>,
    regions: Option<&FaceRegions>,
) {
    let n = labels.len().max(1) as u16;
    let stacked = area.height / n >= 2 * CHART_MIN_ROWS;
    let parts = if stacked {
        Layout::vertical(vec![Constraint::Ratio(1, n as u32); n as usize]).split(area)
    } else {
        Layout::horizontal(vec![Constraint::Ratio(1, n as u32); n as usize]).split(area)
    };
    for (l, part) in labels.iter().zip(parts.iter()) {
        // What fits: all three charts, the weights and the curves, or the
        // weights alone.
        let weights_w = WEIGHTS_COLS.min(part.width);
        let (density, weights, curves) = if part.width >= 3 * weights_w {
            let [d, w, c] = Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Length(weights_w),
                Constraint::Fill(1),
            ])
            .spacing(1)
            .areas(*part);
            (Some(d), w, Some(c))
        } else if part.width >= 2 * weights_w {
            let [w, c] = Layout::horizontal([Constraint::Length(weights_w), Constraint::Fill(1)])
                .spacing(1)
                .areas(*part);
            (None, w, Some(c))
        } else {
            (None, *part, None)
        };
        // Where the weight falls says more than its density, when known.
        let shares = regions.and_then(|r| r.labels.iter().find(|x| x.label == l.name));
        let game = regions.and_then(|r| r.game.as_ref());
        match (density, shares) {
            (Some(area), Some(shares)) => draw_regions(f, shares, game, area),
            (Some(area), None) => draw_density(f, l, area),
            _ => {}
        }
        draw_weights(f, l, trust.and_then(|t| t.stability_of(l.label)), weights);
        let Some(curves) = curves else { continue };
        match trust.and_then(|t| t.faithfulness_of(l.label)) {
            Some(fa) => draw_faithfulness(f, &l.name, fa, curves),
            None => f.render_widget(
                Paragraph::new("deletion curves when sampling is done")
                    .style(Style::default().fg(theme::MUTED))
                    .wrap(Wrap { trim: true })
                    .block(Block::default().borders(Borders::TOP)),
                curves,
            ),
        }
    }
}

/// How many perturbations have been evaluated.
/// Sampling's progress, then that the trust figures are being computed.
fn progress_gauge(f: &mut Frame, area: Rect, done: usize, total: usize, checking: bool) {
    let ratio = if total > 0 {
        done as f64 / total as f64
    } else {
        0.0
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(if checking {
                format!("{total} perturbations; checking trust (bootstrap refits, deletion curves)")
            } else {
                format!("{done}/{total} perturbations")
            })
            .gauge_style(Style::default().fg(theme::OTHER)),
        area,
    );
}

fn line_dataset(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
    Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(colour))
        .data(data)
}

/// The practical's density plot of one label's feature weights.
fn draw_density(f: &mut Frame, l: &LabelExplanation, area: Rect) {
    let weights: Vec<f64> = l.features.iter().map(|f| f.weight).collect();
    let curve = render::weight_density(&weights);
    if curve.is_empty() {
        return;
    }
    let (x0, x1) = (curve[0].0, curve[curve.len() - 1].0);
    let ymax = curve.iter().map(|p| p.1).fold(0.0, f64::max);
    let chart = Chart::new(vec![line_dataset(&curve, theme::OTHER)])
        .block(
            Block::default()
                .borders(Borders::TOP)
                .title(format!(" {}: weights' density ", l.name)),
        )
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .style(Style::default().fg(theme::MUTED))
                .labels(vec![
                    Line::from(format!("{x0:.2}")),
                    Line::from(format!("{x1:.2}")),
                ]),
        )
        .y_axis(Axis::default().bounds([0.0, ymax * 1.05]));
    f.render_widget(chart, area);
}

/// The strongest weights with their 95% intervals (supports blue,
/// contradicts red), under the stability verdict.
fn draw_weights(f: &mut Frame, l: &LabelExplanation, st: Option<&Stability>, area: Rect) {
    let title = match st {
        Some(s) if area.width >= WEIGHTS_COLS => {
            format!(" {}: weights · {} ", l.name, s.verdict.word())
        }
        _ => format!(" {}: weights ", l.name),
    };
    // The intervals need the full width; the weights come first.
    let intervals = area.width >= WEIGHTS_COLS;
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = l
        .features
        .iter()
        .take(inner.height as usize)
        .map(|w| {
            let colour = if w.weight >= 0.0 {
                theme::SUPPORT
            } else {
                theme::CONTRADICT
            };
            let iv = st
                .filter(|_| intervals)
                .and_then(|s| s.intervals.iter().find(|i| i.superpixel == w.superpixel))
                .map_or(String::new(), |i| {
                    format!(" {:+.2}‥{:+.2}", i.lower, i.upper)
                });
            Line::from(vec![
                Span::raw(format!("{:>3} ", w.superpixel)),
                Span::styled(format!("{:+.3}", w.weight), theme::bold().fg(colour)),
                Span::styled(iv, Style::default().fg(theme::MUTED)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Each facial region's value for the label (the region game's exact
/// Shapley value: supports blue, contradicts red) and its share of |value|,
/// largest first; under them, the smallest removal that changes the label.
fn draw_regions(f: &mut Frame, shares: &LabelRegions, game: Option<&GameAnswer>, area: Rect) {
    let title = match shares.r2 {
        Some(r2) => format!(" {}: regions (refit) · R² {r2:.2} ", shares.label),
        None => format!(" {}: regions · exact Shapley ", shares.label),
    };
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let total: f64 = shares.shares.regions.iter().map(|r| r.value.abs()).sum();
    let share = |v: f64| if total > 0.0 { v.abs() / total } else { 0.0 };
    let mut rows: Vec<_> = shares
        .shares
        .regions
        .iter()
        .filter(|r| share(r.value) >= REGION_SHOWN)
        .collect();
    rows.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
    // The flips are the predicted label's: shown under its regions.
    let flip = game
        .filter(|g| g.predicted == shares.label)
        .map(|g| match g.flips.first() {
            Some(fl) => format!(
                "remove {} → {} {:.2}",
                fl.removed_names(),
                fl.to,
                fl.probability
            ),
            None => "no removal of regions changes the label".to_string(),
        });
    // The label's strongest pair of regions acting together.
    let pair = game
        .and_then(|g| {
            g.interactions
                .iter()
                .filter(|i| i.label == shares.label)
                .max_by(|a, b| a.value.abs().total_cmp(&b.value.abs()))
        })
        // Shown to three decimals: smaller ones would read as +0.000.
        .filter(|i| i.value.abs() >= 5e-4)
        .map(|i| format!("{} × {} {:+.3} together", i.a.name(), i.b.name(), i.value));
    let notes = [flip.as_ref(), pair.as_ref()].into_iter().flatten().count();
    let room = (inner.height as usize).saturating_sub(notes.min(inner.height as usize / 2));
    let bar_w = inner.width.saturating_sub(24).max(2) as f64;
    let mut lines: Vec<Line> = rows
        .iter()
        .take(room)
        .map(|r| {
            let colour = if r.value >= 0.0 {
                theme::SUPPORT
            } else {
                theme::CONTRADICT
            };
            let bar = "█".repeat((share(r.value) * bar_w).round() as usize);
            Line::from(vec![
                Span::raw(format!("{:<11}", r.region.name())),
                Span::styled(format!("{:>+7.3} ", r.value), theme::bold().fg(colour)),
                Span::styled(
                    format!("{:>3.0}% ", 100.0 * share(r.value)),
                    Style::default().fg(theme::MUTED),
                ),
                Span::styled(bar, Style::default().fg(colour)),
            ])
        })
        .collect();
    for note in [flip, pair].into_iter().flatten() {
        if lines.len() < inner.height as usize {
            lines.push(Line::styled(note, Style::default().fg(theme::MUTED)));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Regions with less than this share of |value| are left out of the list.
const REGION_SHOWN: f64 = 0.005;

/// Deletion (red) and insertion (blue) curves against random orders (grey).
fn draw_faithfulness(f: &mut Frame, name: &str, fa: &trust::Faithfulness, area: Rect) {
    let (d, i) = (fa.deletion.points(), fa.insertion.points());
    let (rd, ri) = (fa.random_deletion.points(), fa.random_insertion.points());
    let ymax = d
        .iter()
        .chain(&i)
        .chain(&rd)
        .chain(&ri)
        .map(|p| p.1)
        .fold(1e-9, f64::max);
    let chart = Chart::new(vec![
        line_dataset(&rd, theme::MUTED),
        line_dataset(&ri, theme::MUTED),
        line_dataset(&d, theme::CONTRADICT),
        line_dataset(&i, theme::SUPPORT),
    ])
    // The title's words in the curves' colours are the legend; grey is the
    // random-order baseline.
    .block(
        Block::default()
            .borders(Borders::TOP)
            .title(Line::from(vec![
                Span::raw(format!(" {name}: ")),
                Span::styled(
                    format!("deletion {:.2}×", fa.deletion_ratio),
                    Style::default().fg(theme::CONTRADICT),
                ),
                Span::raw(" · "),
                Span::styled(
                    format!("insertion {:.2}× ", fa.insertion_ratio),
                    Style::default().fg(theme::SUPPORT),
                ),
            ])),
    )
    .x_axis(
        Axis::default()
            .bounds([0.0, 1.0])
            .style(Style::default().fg(theme::MUTED))
            .labels(vec![Line::from("0"), Line::from("all")]),
    )
    .y_axis(
        Axis::default()
            .bounds([0.0, ymax * 1.05])
            .style(Style::default().fg(theme::MUTED))
            .labels(vec![Line::from("0"), Line::from(format!("{ymax:.2}"))]),
    );
    f.render_widget(chart, area);
}
