//! The terminal explorer: `emotui data/test_crop`.
//!
//! [`app`] holds the state and key handling, [`ui`] draws it, [`workers`]
//! do everything slow in background threads. This module owns the terminal:
//! it always restores it, on quit, on error and on panic.

mod app;
mod ui;
mod workers;

use std::io::stdout;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::time::Duration;

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use ratatui_image::picker::{Picker, ProtocolType};

use emotui::faces::FaceTree;
use emotui::lime::table;
use emotui::model::{LoadOptions, Model};
use emotui::render;
use emotui::survey::{Survey, SurveyOptions};

use app::{App, Command, ExplainKey, Job, Prompt, Row};
use workers::{ExplainRequest, Explainer, Imager, Message};

/// `--protocol` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtocolArg {
    /// Ask the terminal; half-blocks when it answers nothing useful.
    Auto,
    /// Kitty graphics.
    Kitty,
    /// iTerm2 inline images.
    Iterm2,
    /// Sixel.
    Sixel,
    /// Unicode half-blocks: any colour terminal, also over SSH.
    Halfblocks,
}

/// What the explorer needs to start.
pub struct Options {
    pub dir: PathBuf,
    pub survey: Option<PathBuf>,
    pub protocol: ProtocolArg,
    pub model: PathBuf,
    pub load: LoadOptions,
}

fn picker(choice: ProtocolArg) -> Picker {
    if choice == ProtocolArg::Halfblocks {
        // No terminal query at all: nothing can be lost or misread.
        return Picker::halfblocks();
    }
    let mut p = Picker::from_query_stdio().unwrap_or_else(|_| Picker::halfblocks());
    match choice {
        ProtocolArg::Kitty => p.set_protocol_type(ProtocolType::Kitty),
        ProtocolArg::Iterm2 => p.set_protocol_type(ProtocolType::Iterm2),
        ProtocolArg::Sixel => p.set_protocol_type(ProtocolType::Sixel),
        ProtocolArg::Auto | ProtocolArg::Halfblocks => {}
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
    let _ = crossterm::execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
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
    let picker = picker(options.protocol);
    let truecolor =
        std::env::var("COLORTERM").is_ok_and(|v| v.contains("truecolor") || v.contains("24bit"));
    let mut app = App::new(&tree, protocol_name(picker.protocol_type()).to_string());
    if !truecolor && picker.protocol_type() == ProtocolType::Halfblocks {
        app.protocol.push_str(" (256 colours)");
    }
    if let Some(first) = app.scan_problems.first() {
        app.last_error = Some(format!(
            "{first} ({} skipped in all)",
            app.scan_problems.len()
        ));
    }
    if let Some(path) = survey_path(&options.dir, options.survey.clone()) {
        let read = |normalize_labels| {
            Survey::read(
                &path,
                &SurveyOptions {
                    normalize_labels,
                    ..Default::default()
                },
            )
            .map_err(|e| e.to_string())
        };
        app.survey = Some(
            read(false).and_then(|s| s.confusion_matrix().statistics().map_err(|e| e.to_string())),
        );
        app.survey_matrix = read(true).ok().map(|s| s.confusion_matrix());
    }

    // Restore the terminal on panic too (ratatui::init restores raw mode
    // and the screen; the mouse is ours to release).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        hook(info);
    }));
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            anyhow::bail!("cannot set up the terminal: {e}");
        }
    };
    let _ = crossterm::execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut app, picker, truecolor, &options);
    restore_terminal();
    result
}

struct Workers {
    model: Option<Arc<Model>>,
    explainer: Option<Explainer>,
    cancel: Arc<AtomicBool>,
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    picker: Picker,
    truecolor: bool,
    options: &Options,
) -> anyhow::Result<()> {
    let (tx, rx) = channel();
    workers::load_model(options.model.clone(), options.load.clone(), tx.clone());
    let imager = Imager::new(picker.clone(), tx.clone());
    let mut images =
        ui::Images::new(!truecolor && picker.protocol_type() == ProtocolType::Halfblocks);
    let mut w = Workers {
        model: None,
        explainer: None,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let mut dirty = true;
    while !app.quit {
        if dirty {
            terminal.draw(|f| ui::draw(f, app, &mut images))?;
            for req in images.requests.drain(..) {
                imager.request(req);
            }
            dirty = false;
        }
        if event::poll(Duration::from_millis(25))? {
            let commands = match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
                Event::Mouse(m) => on_mouse(app, m, terminal.size()?.height),
                Event::Resize(..) => Vec::new(),
                _ => continue,
            };
            run_commands(app, &mut w, commands);
            dirty = true;
        }
        while let Ok(msg) = rx.try_recv() {
            on_message(app, &mut w, &mut images, msg, &tx);
            dirty = true;
        }
    }
    w.cancel.store(true, Ordering::Relaxed);
    Ok(())
}

fn on_mouse(app: &mut App, m: crossterm::event::MouseEvent, height: u16) -> Vec<Command> {
    let before = app.selected_face();
    match m.kind {
        MouseEventKind::ScrollDown => {
            app.cursor = (app.cursor + 3).min(app.rows().len().saturating_sub(1))
        }
        MouseEventKind::ScrollUp => app.cursor = app.cursor.saturating_sub(3),
        MouseEventKind::Down(_) if app.tab != app::Tab::Survey => {
            // The tree's lines start below the tab bar and the border.
            let inner_h = height.saturating_sub(4) as usize;
            let top = if app.cursor >= inner_h {
                app.cursor + 1 - inner_h
            } else {
                0
            };
            if m.row >= 2 && (m.row as usize) < 2 + inner_h {
                let i = top + (m.row as usize - 2);
                if i < app.rows().len() {
                    app.cursor = i;
                    if let Row::Class(c) = app.rows()[i] {
                        app.classes[c].expanded = !app.classes[c].expanded;
                    }
                }
            }
        }
        MouseEventKind::Down(_) if m.row == 0 => {
            app.tab = match m.column {
                0..=9 => app::Tab::Browse,
                10..=20 => app::Tab::Explain,
                _ => app::Tab::Survey,
            }
        }
        _ => return Vec::new(),
    }
    let mut cmds = Vec::new();
    if before != app.selected_face() {
        if let Job::Running { key, .. } = &app.job
            && Some(key) != app.explain_key().as_ref()
        {
            cmds.push(Command::Cancel);
        }
        if matches!(app.job, Job::Cancelled | Job::Failed(_)) {
            app.job = Job::Idle;
        }
    }
    cmds.extend(app.ensure_explanation());
    cmds
}

fn run_commands(app: &mut App, w: &mut Workers, commands: Vec<Command>) {
    for c in commands {
        match c {
            Command::Cancel => w.cancel.store(true, Ordering::Relaxed),
            Command::Explain(key) => start_explanation(app, w, key),
            Command::Export { dir, overwrite } => export(app, &dir, overwrite),
        }
    }
}

fn start_explanation(app: &mut App, w: &mut Workers, key: ExplainKey) {
    let Some(explainer) = &w.explainer else {
        return;
    };
    if app.cache.contains_key(&key) {
        return;
    }
    // The same face and sampling options: reuse the model's answers.
    let samples = app
        .cache
        .iter()
        .find(|(k, _)| {
            k.face == key.face
                && k.n_superpixels == key.n_superpixels
                && k.background == key.background
                && k.seed == key.seed
                && k.until_stable == key.until_stable
        })
        .map(|(_, r)| r.samples.clone());
    let id = app.next_job;
    app.next_job += 1;
    w.cancel.store(true, Ordering::Relaxed);
    w.cancel = Arc::new(AtomicBool::new(false));
    let total = app.params.sampling().n_permutations;
    app.job = Job::Running {
        id,
        key: key.clone(),
        done: 0,
        total,
    };
    explainer.request(ExplainRequest {
        id,
        path: app.faces[key.face].path.clone(),
        key,
        params: app.params.clone(),
        samples,
        cancel: w.cancel.clone(),
    });
}

fn on_message(
    app: &mut App,
    w: &mut Workers,
    images: &mut ui::Images,
    msg: Message,
    tx: &std::sync::mpsc::Sender<Message>,
) {
    match msg {
        Message::ModelLoaded(Ok(model)) => {
            app.labels = model.card().labels.clone();
            let backend = model.backend_name();
            app.model_status = format!("{} · {}", model.card().name, backend);
            if let Some(why) = model.fallback_reason() {
                app.message = Some(format!("ONNX Runtime not found, using tract ({why})"));
            }
            if app.params.n_labels > app.labels.len() {
                app.params.n_labels = app.labels.len();
            }
            workers::predict_all(model.clone(), app.faces.clone(), tx.clone());
            w.explainer = Some(Explainer::new(model.clone(), tx.clone()));
            w.model = Some(model);
            let cmds = app.ensure_explanation();
            run_commands(app, w, cmds);
        }
        Message::ModelLoaded(Err(e)) => {
            app.model_status = "no model".into();
            app.last_error = Some(e.clone());
            app.model_error = Some(e);
        }
        Message::Predicted { face, result } => app.predicted_face(face, result),
        Message::PredictProgress(done, total) => app.predicted = (done, total),
        Message::ExplainProgress { id, done, total } => app.explanation_progress(id, done, total),
        Message::ExplainPartial { id, result } => app.explanation_partial(id, result),
        Message::ExplainDone { id, key, result } => {
            app.explanation_done(id, key, result);
            let cmds = app.ensure_explanation();
            run_commands(app, w, cmds);
        }
        Message::Image {
            slot,
            key,
            size,
            result,
        } => match result {
            Ok(p) => images.done(slot, key, size, p),
            Err(e) => {
                app.last_error = Some(format!("image: {e}"));
                images.failed(slot, key, e);
            }
        },
    }
}

/// Writes the shown explanation: the superpixels and every label's panel as
/// PNG, and R's data frame as CSV. Existing files are only replaced after
/// the user said yes.
fn export(app: &mut App, dir: &Path, overwrite: bool) {
    let (Some(face), Some(result)) = (app.selected_face(), app.current_explanation()) else {
        app.message = Some("nothing to export".into());
        return;
    };
    let stem = app.faces[face]
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "face".into());
    let s = &result.samples;
    let mut files: Vec<(PathBuf, image::RgbImage)> = vec![(
        dir.join(format!("{stem}_superpixels.png")),
        render::superpixels_image(&s.face, &s.superpixels, 384),
    )];
    for l in &result.explanation.labels {
        files.push((
            dir.join(format!("{stem}_{}.png", l.name)),
            render::explanation_panel(&s.face, &s.superpixels, l, &app.params.panels, 384),
        ));
    }
    let csv_path = dir.join(format!("{stem}_explanation.csv"));
    if !overwrite && (csv_path.exists() || files.iter().any(|(p, _)| p.exists())) {
        app.prompt = Some(Prompt::ConfirmOverwrite(dir.to_path_buf()));
        return;
    }
    let write = || -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (p, img) in &files {
            render::save_png(img, p, true)?;
        }
        let rows = table::rows(
            &app.faces[face].name(),
            s,
            &result.explanation,
            &Default::default(),
        );
        table::write_csv(&rows, std::fs::File::create(&csv_path)?)?;
        Ok(())
    };
    match write() {
        Ok(()) => {
            app.message = Some(format!(
                "wrote {} files to {}",
                files.len() + 1,
                dir.display()
            ))
        }
        Err(e) => app.last_error = Some(format!("export to {}: {e:#}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emotui::faces::{Face, FaceClass};
    use emotui::lime::trust::Trust;
    use emotui::model::Classifier;
    use emotui::model::card::{Colour, InputSpec, Layout, ResizeFilter};
    use emotui::preprocess::Preprocessor;

    /// Brightness is "happiness": enough to get a real explanation.
    struct Bright(Preprocessor, Vec<String>);

    impl Classifier for Bright {
        fn labels(&self) -> &[String] {
            &self.1
        }
        fn preprocessor(&self) -> &Preprocessor {
            &self.0
        }
        fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
            Ok(batch
                .chunks(16 * 16)
                .take(n)
                .flat_map(|c| {
                    let m = c.iter().sum::<f32>() / c.len() as f32;
                    [m, 1.0 - m]
                })
                .collect())
        }
    }

    #[test]
    fn export_never_overwrites_without_a_yes() {
        let face = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/test_crop/JOY/skimage_astronaut.png");
        let tree = FaceTree {
            root: "data".into(),
            classes: vec![FaceClass {
                name: "JOY".into(),
                faces: vec![Face {
                    path: face.clone(),
                    class: Some("JOY".into()),
                }],
            }],
            unlabelled: vec![],
            problems: vec![],
        };
        let mut app = App::new(&tree, "halfblocks".into());
        let spec = InputSpec {
            layout: Layout::Nhwc,
            width: 16,
            height: 16,
            channels: 1,
            colour: Colour::Gray,
            resize: ResizeFilter::Bilinear,
            scale: 1.0 / 255.0,
            offset: 0.0,
        };
        let model = Bright(Preprocessor::new(spec), vec!["happy".into(), "sad".into()]);
        let image = emotui::preprocess::load_image(&face).unwrap();
        let opts = emotui::lime::SamplingOptions {
            n_superpixels: 10,
            n_permutations: 200,
            ..Default::default()
        };
        let samples =
            emotui::lime::sample(&model, &image, &opts, &AtomicBool::new(false), |_, _| {})
                .unwrap();
        let explanation = samples.explain(&app.params.fit()).unwrap();
        app.cache.insert(
            app.explain_key().unwrap(),
            Arc::new(app::ExplainResult {
                samples: Arc::new(samples),
                explanation,
                trust: Trust::default(),
                refit: None,
            }),
        );
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        export(&mut app, &dir, false);
        let csv = dir.join("skimage_astronaut_explanation.csv");
        let text = std::fs::read_to_string(&csv).unwrap();
        assert!(text.starts_with("case,label,label_prob,model_r2"), "{text}");
        assert!(dir.join("skimage_astronaut_happy.png").exists());
        // A second export asks first, and changes nothing until it is told yes.
        std::fs::write(&csv, "mine").unwrap();
        export(&mut app, &dir, false);
        assert!(matches!(app.prompt, Some(Prompt::ConfirmOverwrite(_))));
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "mine");
        export(&mut app, &dir, true);
        assert!(std::fs::read_to_string(&csv).unwrap().starts_with("case,"));
    }
}
