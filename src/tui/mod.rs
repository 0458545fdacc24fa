//! The terminal explorer: `emotui data/test_crop`.
//!
//! [`app`] is the state machine that routes input to one component per tab
//! ([`tree`] beside [`browse`] and [`explain`]; [`survey`], [`atlas`],
//! [`models`] with the second model parked there); [`layout`] is the
//! screen geometry shared by drawing and the mouse; [`workers`] do
//! everything slow in background threads, through the library;
//! [`graphics`] and [`theme`] are what the terminal can draw and in which
//! colours. This module owns the terminal and the event loop: it always
//! restores the terminal, on quit, on error and on panic.

mod app;
mod atlas;
mod browse;
mod explain;
mod faceparts;
mod graphics;
mod help;
mod images;
mod jobs;
mod layout;
mod models;
mod survey;
mod theme;
mod tree;
mod workers;

#[cfg(test)]
mod snapshots;

use std::io::stdout;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;

use crossterm::event::{
    self, DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, KeyEventKind,
};
use ratatui_image::picker::{Picker, ProtocolType};

use emotui::faces::FaceTree;
use emotui::geometry::LazyFaceModels;
use emotui::geometry::crop::CropOptions;
use emotui::model::LoadOptions;
use emotui::model::card::Colour;

use app::{App, Command};
use atlas::AtlasEvent;
use images::Images;
use workers::{Explainer, Geometer, Imager, Message, Which, tagged};

/// `--theme`: the palette, or ask the terminal's background colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Auto,
    Dark,
    Light,
}

/// What the explorer needs to start.
pub struct Options {
    pub dir: PathBuf,
    pub survey: Option<PathBuf>,
    /// How to draw images; `None` asks the terminal.
    pub protocol: Option<ProtocolType>,
    /// The colours of text.
    pub theme: Theme,
    pub model: PathBuf,
    /// A second model to compare with the first (`--compare-model`).
    pub compare_model: Option<PathBuf>,
    pub load: LoadOptions,
    /// MediaPipe's face models.
    pub face_models: PathBuf,
    /// The landmarks cache, if any.
    pub cache: Option<PathBuf>,
}

/// ratatui-image's picker from its own terminal query; none when
/// half-blocks were asked for: nothing can be lost or misread then.
fn queried_picker(choice: Option<ProtocolType>) -> Option<Picker> {
    (choice != Some(ProtocolType::Halfblocks))
        .then(|| Picker::from_query_stdio().unwrap_or_else(|_| Picker::halfblocks()))
}

/// The picker to draw with: the protocol asked for, else what the terminal
/// was found to draw, corrected where ratatui-image's query falls short.
fn picker(
    choice: Option<ProtocolType>,
    queried: Option<Picker>,
    answers: &graphics::Answers,
) -> Picker {
    let Some(mut p) = queried else {
        return Picker::halfblocks();
    };
    match choice {
        Some(t) => p.set_protocol_type(t),
        // No font size in the answer: the kernel's, if the terminal says
        // it draws sixel (a default xterm, also through tmux).
        None if p.protocol_type() == ProtocolType::Halfblocks => {
            if let Some(size) = graphics::cell_size()
                && answers.sixel
            {
                // Deprecated in favour of the query that just came back
                // without a font size; the kernel's size is the fallback.
                // It finds tmux again, so sixel is passed through.
                #[allow(deprecated)]
                let sized = Picker::from_fontsize(size);
                p = sized;
                p.set_protocol_type(ProtocolType::Sixel);
            }
        }
        // kitty before 0.28 shows ratatui-image's placements (Unicode
        // placeholders) as empty boxes: half-blocks show the faces.
        None if p.protocol_type() == ProtocolType::Kitty
            && answers.kitty_without_placeholders() =>
        {
            p.set_protocol_type(ProtocolType::Halfblocks)
        }
        None => {}
    }
    p
}

fn protocol_name(p: ProtocolType) -> &'static str {
    match p {
        ProtocolType::Halfblocks => "halfblocks",
        ProtocolType::Sixel => "sixel",
        ProtocolType::Kitty => "kitty",
        ProtocolType::Iterm2 => "iterm2",
    }
}

/// The survey shown in the survey tab: `--survey`, or the practical's file
/// next to the tree (`<tree>/../csv/Respuestas_emociones.csv`).
fn survey_path(dir: &Path, explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| {
        let p = dir.parent()?.join("csv").join("Respuestas_emociones.csv");
        p.is_file().then_some(p)
    })
}

fn restore_terminal() {
    let _ = crossterm::execute!(
        stdout(),
        DisableBracketedPaste,
        DisableFocusChange,
        DisableMouseCapture
    );
    ratatui::restore();
}

/// A batch system's time limit, `kill` from another shell, a closed SSH
/// session: each ends the explorer with the terminal restored, as `q`
/// does. A thread of its own acts on them: the event loop may be inside a
/// read that a hung-up terminal never ends.
fn restore_on_signals() -> anyhow::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            restore_terminal();
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// Restores the terminal on panic too (ratatui::init restores raw mode
/// and the screen; the mouse is ours to release). A worker's panic is
/// caught where it can be (the model's loading) and shown on the screen;
/// printing it now would scribble over the frame, so it is kept and
/// printed once the terminal is restored.
fn restore_on_panic() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore_terminal();
            hook(info);
        } else {
            let mut kept = WORKER_PANICS.lock().unwrap_or_else(|e| e.into_inner());
            kept.push(info.to_string());
        }
    }));
}

/// Runs the explorer until the user quits.
pub fn run(options: Options) -> anyhow::Result<()> {
    let tree = FaceTree::scan(&options.dir)?;
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the explorer needs a terminal; for scripts use `emotui predict|explain|eval|survey` (see --help)"
        );
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        anyhow::bail!(
            "TERM=dumb: this terminal cannot move the cursor or draw a screen, which the \
             explorer needs; run it in a terminal emulator, or use `emotui predict|explain|eval|survey`"
        );
    }
    // NO_COLOR (no-color.org) asks for no colour in text. crossterm would
    // drop every colour, faces drawn in coloured half-blocks included, and
    // leave them unreadable: colour stays on, and the theme takes it out of
    // the text instead.
    let monochrome = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    crossterm::style::force_color_output(true);
    restore_on_signals()?;
    // ratatui-image's query first: in tmux it lets escape sequences
    // through to the terminal outside, which ours then reaches too.
    let queried = queried_picker(options.protocol);
    let tmux =
        std::env::var_os("TMUX").is_some() || queried.as_ref().is_some_and(Picker::tmux_detected);
    // One question to the terminal for what ratatui-image does not ask
    // (its background) or may miss (sixel without a font size).
    let answers = if options.theme == Theme::Auto || options.protocol.is_none() {
        graphics::ask(tmux)
    } else {
        graphics::Answers::default()
    };
    let light = match options.theme {
        Theme::Light => true,
        Theme::Dark => false,
        Theme::Auto => answers.light_background() == Some(true),
    };
    theme::set_palette(if light { theme::LIGHT } else { theme::DARK });
    let picker = picker(options.protocol, queried, &answers);
    let truecolor =
        std::env::var("COLORTERM").is_ok_and(|v| v.contains("truecolor") || v.contains("24bit"));
    let palette_256 = !truecolor && picker.protocol_type() == ProtocolType::Halfblocks;
    let mut protocol = protocol_name(picker.protocol_type()).to_string();
    if palette_256 {
        protocol.push_str(" (256 colours)");
    }
    let survey = survey_path(&options.dir, options.survey.clone());
    let mut app = App::new(&tree, protocol, survey.clone());
    if tmux
        && picker.protocol_type() != ProtocolType::Halfblocks
        && graphics::tmux_focus_events() == Some(false)
    {
        app.say(
            "tmux's focus-events is off: after a window switch Ctrl-L redraws the pictures \
             (set -g focus-events on)"
                .into(),
        );
    }

    restore_on_panic();
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            anyhow::bail!("cannot set up the terminal: {e}");
        }
    };
    // A paste arrives as one event, so that a key pressed right after a
    // large paste is not queued behind thousands of characters.
    let _ = crossterm::execute!(
        stdout(),
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    );
    let (tx, rx) = channel();
    // Each model's work reports tagged with the model, so that the explorer
    // can keep two models' predictions and explanations apart.
    let slot_a = ModelSlot::new(tagged(Which::A, tx.clone()));
    workers::load_model(
        options.model.clone(),
        options.load.clone(),
        slot_a.tx.clone(),
    );
    let parked = options.compare_model.clone().map(|path| {
        app.compare_models();
        let slot = ModelSlot::new(tagged(Which::B, tx.clone()));
        workers::load_model(path, options.load.clone(), slot.tx.clone());
        slot
    });
    if let Some(path) = survey {
        workers::load_survey(path, tx.clone());
    }
    let face_models = match LazyFaceModels::new(&options.face_models, &options.load) {
        Ok(models) => Ok(Arc::new(models)),
        Err(e) => {
            app.face_models_unavailable(e.to_string());
            Err(e)
        }
    };
    let geometer = face_models
        .as_ref()
        .ok()
        .map(|m| Geometer::new(m.clone(), options.cache.clone(), tx.clone()));
    let mut runtime = Runtime {
        imager: Imager::new(picker, tx.clone()),
        geometer,
        face_models,
        cache: options.cache.clone(),
        slot: slot_a,
        parked,
        shown: Which::A,
        load: options.load.clone(),
        tx,
    };
    let mut images = Images::new(palette_256);
    let result = event_loop(
        &mut terminal,
        &mut app,
        &mut runtime,
        &mut images,
        &rx,
        monochrome,
    );
    restore_terminal();
    for panic in WORKER_PANICS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        eprintln!("emotui: a background job failed: {panic}");
    }
    result
}

/// Draws when something changed, hands every waiting key, mouse event and
/// worker message to the app, and runs the work they ask for, until the
/// user quits.
fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    runtime: &mut Runtime,
    images: &mut Images,
    rx: &std::sync::mpsc::Receiver<Message>,
    monochrome: bool,
) -> anyhow::Result<()> {
    let mut dirty = true;
    while !app.quit() {
        if app.take_full_redraw() {
            terminal.clear()?;
            dirty = true;
        }
        if dirty {
            terminal.draw(|f| {
                app.layout(f.area());
                app.draw(f, images);
                if monochrome {
                    theme::monochrome(f.buffer_mut());
                }
            })?;
            for req in images.requests.drain(..) {
                runtime.imager.request(req);
            }
            dirty = false;
        }
        // Every event waiting is handled before the next frame: keys
        // typed during a slow draw are not served one frame each.
        let mut wait = Duration::from_millis(25);
        while event::poll(wait)? {
            wait = Duration::ZERO;
            let commands = match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
                Event::Mouse(m) => app.on_mouse(m),
                // The explorer has no text field: a paste is not keys.
                Event::Resize(..) | Event::Paste(_) => Vec::new(),
                Event::FocusGained => {
                    app.on_focus();
                    Vec::new()
                }
                _ => continue,
            };
            runtime.perform(commands);
            dirty = true;
        }
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Message::Image {
                    slot,
                    key,
                    size,
                    result,
                } => match result {
                    Ok(p) => images.done(slot, key, size, p),
                    Err(e) => {
                        app.image_failed(&e);
                        images.failed(slot, key, e.to_string());
                    }
                },
                other => {
                    let commands = app.on_message(other);
                    runtime.perform(commands);
                }
            }
            dirty = true;
        }
    }
    Ok(())
}

/// Panics of worker threads while the explorer owned the screen.
static WORKER_PANICS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The workers the event loop drives.
struct Runtime {
    imager: Imager,
    /// Landmarks and crops; `None` without face models.
    geometer: Option<Geometer>,
    /// MediaPipe's models for the atlas, or why they cannot be loaded.
    face_models: emotui::Result<Arc<LazyFaceModels>>,
    /// The results cache, if any.
    cache: Option<PathBuf>,
    /// The model the browse, explain and atlas tabs show.
    slot: ModelSlot,
    /// With `--compare-model`, the other one.
    parked: Option<ModelSlot>,
    /// Which model `slot` holds.
    shown: Which,
    /// How the model was loaded: the sanity check loads its randomised
    /// copies the same way.
    load: LoadOptions,
    /// Messages that belong to no one model.
    tx: Sender<Message>,
}

/// One model and its workers; its messages are tagged with it.
struct ModelSlot {
    explainer: Option<Explainer>,
    /// The loaded model, for the other methods and the sanity check.
    model: Option<Arc<emotui::model::Model>>,
    tx: Sender<Message>,
}

impl ModelSlot {
    fn new(tx: Sender<Message>) -> ModelSlot {
        ModelSlot {
            explainer: None,
            model: None,
            tx,
        }
    }
}

impl Runtime {
    /// The shown and the parked model change places, as in the app.
    fn swap(&mut self) {
        if let Some(p) = &mut self.parked {
            std::mem::swap(&mut self.slot, p);
            self.shown = match self.shown {
                Which::A => Which::B,
                Which::B => Which::A,
            };
        }
    }

    /// Crops as the model takes faces: its input side, gray if it reads
    /// gray, eyes levelled.
    fn crop_options(&self) -> CropOptions {
        let mut opts = CropOptions {
            align: true,
            ..CropOptions::default()
        };
        if let Some(m) = &self.slot.model {
            let input = &m.card().input;
            opts.size = input.width.max(input.height);
            opts.gray = input.colour == Colour::Gray;
        }
        opts
    }

    fn perform(&mut self, commands: Vec<Command>) {
        for c in commands {
            match c {
                Command::StartModel(model, faces) => {
                    let tx = self.slot.tx.clone();
                    workers::predict_all(model.clone(), faces, tx.clone());
                    self.slot.explainer = Some(Explainer::new(model.clone(), tx));
                    self.slot.model = Some(model);
                }
                Command::SwapModels => self.swap(),
                Command::OnParked(commands) => {
                    self.swap();
                    self.perform(commands);
                    self.swap();
                }
                Command::Looks(path, cancel) => {
                    let models = [&self.slot, self.parked.as_ref().unwrap_or(&self.slot)]
                        .map(|s| s.model.clone());
                    if let [Some(shown), Some(parked)] = models {
                        let ab = match self.shown {
                            Which::A => [shown, parked],
                            Which::B => [parked, shown],
                        };
                        let face_models = self.face_models.as_ref().ok().cloned();
                        workers::looks(ab, face_models, path, cancel, self.tx.clone());
                    }
                }
                Command::Explain(job) => {
                    if let Some(e) = &self.slot.explainer {
                        e.request(job);
                    }
                }
                Command::Compare(job) => {
                    if let Some(m) = &self.slot.model {
                        workers::compare(m.clone(), job, self.slot.tx.clone());
                    }
                }
                Command::Sanity(job) => {
                    let tx = self.slot.tx.clone();
                    if let Some(m) = &self.slot.model {
                        workers::sanity(m.clone(), self.load.clone(), job, tx);
                    }
                }
                Command::Geometry(job) => {
                    if let Some(g) = &self.geometer {
                        g.geometry(job);
                    }
                }
                Command::Regions(job) => {
                    if let Some(m) = &self.slot.model {
                        workers::regions(m.clone(), job, self.slot.tx.clone());
                    }
                }
                Command::Atlas(job) => match (&self.slot.model, &self.face_models) {
                    (Some(m), Ok(models)) => workers::atlas(
                        m.clone(),
                        models.clone(),
                        self.cache.clone(),
                        job,
                        self.slot.tx.clone(),
                    ),
                    (_, models) => {
                        // With the face models in, what is missing is the model.
                        let why = match models {
                            Err(e) => format!("the atlas needs the face models: {e}"),
                            Ok(_) => "the model is not loaded".into(),
                        };
                        let _ = self.tx.send(Message::Atlas {
                            id: job.id,
                            event: AtlasEvent::Done(Err(emotui::Error::Invalid(why))),
                        });
                    }
                },
                Command::Crop(job) => {
                    if let Some(g) = &self.geometer {
                        g.crop(job, self.crop_options());
                    }
                }
            }
        }
    }
}
