//! The command line: argument parsing and one module per subcommand. Each
//! subcommand only parses, calls the library and formats its answer.

#[macro_use]
pub mod output;

mod atlas;
mod cache;
mod crop;
mod eval;
mod explain;
mod landmarks;
mod pair;
mod predict;
mod progress;
mod regions;
mod sanity;
mod survey;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use emotui::cache::Store;
use emotui::geometry::{FaceModels, LazyFaceModels};
use emotui::model::{BackendChoice, LoadOptions, MAX_THREADS, Model, default_model_path};

/// Look inside a facial-emotion classifier: predictions, LIME explanations,
/// and the model compared with people.
#[derive(Debug, Parser)]
#[command(
    name = "emotui",
    version,
    about,
    long_about = None,
    after_help = "Images: PNG, JPEG, BMP, GIF, TIFF or WebP. A JPEG's EXIF orientation (a phone \
                  held sideways) is applied as every viewer applies it; a face larger than 512 \
                  pixels is explained and shown at 512 on its longest side."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Faces tree to explore (`<DIR>/<CLASS>/<face>`), when no subcommand is given
    /// [default: data/test_crop].
    pub dir: Option<PathBuf>,

    /// Explorer: the survey CSV for the survey tab
    /// [default: <DIR>/../csv/Respuestas_emociones.csv when it exists].
    #[arg(long, value_name = "CSV")]
    pub survey: Option<PathBuf>,

    /// Explorer: a second model to compare with `--model` (the models tab;
    /// `M` switches the model the browse, explain and atlas tabs show).
    #[arg(long, value_name = "MODEL")]
    pub compare_model: Option<PathBuf>,

    /// Explorer: how to draw images in the terminal.
    #[arg(long, value_enum, default_value_t = ProtocolArg::Auto)]
    pub protocol: ProtocolArg,

    /// Explorer: colours for a dark or a light background (auto asks the
    /// terminal for its background colour).
    #[arg(long, value_enum, default_value_t = ThemeArg::Auto)]
    pub theme: ThemeArg,

    #[command(flatten)]
    pub model: ModelArgs,
}

/// Options that choose and load the model (shared by every subcommand).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// ONNX model; its card is the same path with `.toml`
    /// [default: models/emotion_fer_minixception.onnx]
    #[arg(long, global = true, value_name = "PATH")]
    pub model: Option<PathBuf>,

    /// Inference backend: ort when its library is found, else tract.
    #[arg(long, global = true, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,

    /// Path of libonnxruntime.so (otherwise ORT_DYLIB_PATH, then where
    /// `pip install onnxruntime` put it).
    #[arg(long, global = true, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,

    /// Worker threads [default: number of cores].
    #[arg(long, global = true, value_name = "N", value_parser = count::<1, MAX_THREADS>)]
    pub threads: Option<usize>,

    /// Folder with MediaPipe's face models [default: models/face].
    #[arg(long, global = true, value_name = "DIR")]
    pub face_models: Option<PathBuf>,

    /// The cache of landmarks and atlas explanations [default:
    /// $XDG_CACHE_HOME/emotui/emotui.sqlite, else ~/.cache/emotui/emotui.sqlite].
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,

    /// Compute everything again and store nothing.
    #[arg(long, global = true)]
    pub no_cache: bool,
}

/// `--protocol` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

impl ProtocolArg {
    /// The protocol to use, `None` to ask the terminal.
    pub fn protocol(self) -> Option<ratatui_image::picker::ProtocolType> {
        use ratatui_image::picker::ProtocolType;
        match self {
            ProtocolArg::Auto => None,
            ProtocolArg::Kitty => Some(ProtocolType::Kitty),
            ProtocolArg::Iterm2 => Some(ProtocolType::Iterm2),
            ProtocolArg::Sixel => Some(ProtocolType::Sixel),
            ProtocolArg::Halfblocks => Some(ProtocolType::Halfblocks),
        }
    }
}

/// `--theme` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    /// Ask the terminal for its background colour (OSC 11); dark when it
    /// does not answer.
    Auto,
    /// Light text colours, for dark backgrounds.
    Dark,
    /// Dark text colours, for light backgrounds (xterm's default).
    Light,
}

impl ThemeArg {
    /// The explorer's theme.
    pub fn theme(self) -> crate::tui::Theme {
        match self {
            ThemeArg::Auto => crate::tui::Theme::Auto,
            ThemeArg::Dark => crate::tui::Theme::Dark,
            ThemeArg::Light => crate::tui::Theme::Light,
        }
    }
}

/// `--backend` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// ort if found, otherwise tract.
    Auto,
    /// ONNX Runtime (fails if its library cannot be loaded).
    Ort,
    /// tract (pure Rust).
    Tract,
}

impl ModelArgs {
    /// The model path.
    pub fn path(&self) -> PathBuf {
        self.model.clone().unwrap_or_else(default_model_path)
    }

    /// Load options.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            backend: match self.backend {
                BackendArg::Auto => BackendChoice::Auto,
                BackendArg::Ort => BackendChoice::Ort,
                BackendArg::Tract => BackendChoice::Tract,
            },
            ort_library: self.ort_lib.clone(),
            threads: self.threads,
        }
    }

    /// The folder of the face models.
    pub fn face_models_dir(&self) -> PathBuf {
        self.face_models
            .clone()
            .unwrap_or_else(emotui::geometry::default_face_models_dir)
    }

    /// The face models, loaded on the backend these options choose.
    pub fn face_models(&self) -> anyhow::Result<FaceModels> {
        Ok(FaceModels::load(&self.face_models_dir(), &self.options())?)
    }

    /// The face models, to be loaded when first needed.
    pub fn lazy_face_models(&self) -> anyhow::Result<LazyFaceModels> {
        Ok(LazyFaceModels::new(
            &self.face_models_dir(),
            &self.options(),
        )?)
    }

    /// The cache file to use, if any.
    pub fn cache_path(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        self.cache.clone().or_else(emotui::cache::default_path)
    }

    /// Opens the cache; `None` with `--no-cache` or when there is nowhere
    /// to put it (no HOME), which is said on stderr.
    pub fn open_cache(&self) -> anyhow::Result<Option<Store>> {
        match self.cache_path() {
            Some(p) => Ok(Some(Store::open(&p)?)),
            None if self.no_cache => Ok(None),
            None => {
                eprintln!(
                    "emotui: no cache (neither XDG_CACHE_HOME nor HOME is set; give --cache PATH)"
                );
                Ok(None)
            }
        }
    }

    /// Worker threads to use.
    pub fn workers(&self) -> usize {
        self.threads.unwrap_or_else(emotui::parallel::cores)
    }

    /// Loads the model, telling stderr once when `auto` fell back to tract.
    pub fn load(&self) -> anyhow::Result<Model> {
        self.load_from(&self.path())
    }

    /// Loads the model at `path` (with its card beside it) with these
    /// options: a second model to compare, say.
    pub fn load_from(&self, path: &std::path::Path) -> anyhow::Result<Model> {
        let a = emotui::parallel::allocation();
        // Under a batch job, or when the allocation is below the machine,
        // say what the worker count follows (--threads is the user's own).
        static SAID: std::sync::Once = std::sync::Once::new();
        if self.threads.is_none() && (a.limited || std::env::var_os("SLURM_JOB_ID").is_some()) {
            SAID.call_once(|| {
                eprintln!(
                    "emotui: {} worker{} ({}; --threads overrides)",
                    a.workers,
                    if a.workers == 1 { "" } else { "s" },
                    a.why
                )
            });
        }
        let model = Model::load(path, &self.options())?;
        if let Some(why) = model.fallback_reason() {
            eprintln!("emotui: using tract (pure Rust); ONNX Runtime not available: {why}");
        }
        for w in model.warnings() {
            eprintln!("emotui: warning: {w}");
        }
        Ok(model)
    }
}

/// Output formats for tabular commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated values with a header.
    Csv,
    /// JSON.
    Json,
}

/// Output formats for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// caret's printed layout.
    Text,
    /// JSON, full precision, NA/NaN as null.
    Json,
}

/// Console width for caret's printout, as R's `options(width = N)`.
#[derive(Debug, Clone, Copy, Args)]
pub struct WidthArg {
    /// Wrap caret's tables at this many columns, as R's `options(width = N)`
    /// [default: the terminal's width on a terminal, else 80 as Rscript].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(10..=10000))]
    pub width: Option<u16>,
}

impl WidthArg {
    /// The width to print at.
    pub fn columns(self) -> usize {
        use std::io::IsTerminal;
        match self.width {
            Some(w) => w as usize,
            None if std::io::stdout().is_terminal() => crossterm::terminal::size()
                .map_or(emotui::stats::report::R_WIDTH, |(w, _)| w as usize),
            None => emotui::stats::report::R_WIDTH,
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Predict the emotion of faces (files or folders).
    Predict(predict::PredictArgs),
    /// Explain faces with LIME: which superpixels and facial regions drive each label.
    Explain(explain::ExplainArgs),
    /// Run the model over a faces tree and compare with the folder classes.
    Eval(eval::EvalArgs),
    /// caret::confusionMatrix statistics for survey answers.
    Survey(survey::SurveyArgs),
    /// The model-randomisation sanity check: do the explanations change
    /// when the model's weights are destroyed, layer by layer?
    Sanity(sanity::SanityArgs),
    /// Find every face in photos and write them as a faces tree.
    Crop(crop::CropArgs),
    /// The 468 face-mesh landmarks of faces (JSON), with their regions.
    Landmarks(landmarks::LandmarksArgs),
    /// What the cache holds, or empty it.
    Cache(cache::CacheArgs),
    /// Every face of a tree explained once: where the model looks for each
    /// emotion and each confusion.
    Atlas(atlas::AtlasArgs),
}

/// Runs a subcommand; `Ok(false)` means it ran but some input failed.
pub fn run(command: Command, model: &ModelArgs) -> anyhow::Result<bool> {
    match command {
        Command::Predict(a) => predict::run(a, model),
        Command::Eval(a) => eval::run(a, model),
        Command::Explain(a) => explain::run(a, model),
        Command::Survey(a) => survey::run(a),
        Command::Sanity(a) => sanity::run(a, model),
        Command::Crop(a) => crop::run(a, model),
        Command::Landmarks(a) => landmarks::run(a, model),
        Command::Cache(a) => cache::run(a, model),
        Command::Atlas(a) => atlas::run(a, model),
    }
}

/// A whole number in `MIN..=MAX`, for counts a user can ask for: the
/// message names the bounds.
pub fn count<const MIN: usize, const MAX: usize>(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    if (MIN..=MAX).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be between {MIN} and {MAX} (got {n})"))
    }
}
