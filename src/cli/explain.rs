//! `emotui explain FACE...`: LIME explanations as R's `explain()` +
//! `as.data.frame()`, and with `--out` the pictures of `plot_superpixels`,
//! `plot_image_explanation`, the weights' density and the deletion curves,
//! with the CSV and JSON (written by the library's export module).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Args, ValueEnum};

use emotui::explain::{self, DEFAULT_SEEDS, Event, Outcome, Preset, Request, STANDARD_BOOTSTRAP};
use emotui::export;
use emotui::lime::trust::{Baseline, StabilityMethod};
use emotui::lime::{
    Background, DEFAULT_LABELS, FeatureSelect, FitOptions, Kernel, LabelChoice, Sampler,
    SamplingOptions, table,
};
use emotui::methods::{self, Comparison, MAX_EVALUATIONS, Method, MethodOptions};
use emotui::preprocess::load_face;
use emotui::render::{Display, PanelOptions};

use emotui::geometry::{LandmarkSource, landmarks_of_files};
use emotui::methods::regions::{FaceRegions, RegionMethod, face_regions};

use super::regions::regions_text;
use super::{ModelArgs, TableFormat, count, progress};

/// `--background` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackgroundArg {
    /// rgb(190,190,190), as R lime (default).
    Grey,
    /// Each superpixel's own mean, as Python lime.
    Mean,
    /// A blurred copy of the face.
    Blur,
}

/// `--feature-select` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FeatureSelectArg {
    /// forward_selection for ≤ 6 features, else highest_weights.
    Auto,
    /// Greedy by weighted R².
    ForwardSelection,
    /// Largest OLS coefficients.
    HighestWeights,
    /// Lasso path.
    LassoPath,
    /// All superpixels.
    None,
}

/// `--kernel` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KernelArg {
    /// R lime: sqrt(kept / K).
    R,
    /// Python lime: exponential kernel of width 0.25 on the cosine distance.
    Python,
}

/// `--stability` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StabilityArg {
    /// Refit on resamples of the same perturbations (nearly free).
    Bootstrap,
    /// Independent explanations with other seeds (N× the model evaluations).
    Seeds,
    /// Do not measure stability.
    None,
}

/// `--sampler` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplerArg {
    /// Randomly relabelled rows of a high-resolution orthogonal array:
    /// R lime's answer with far less seed-to-seed noise (default); for
    /// KernelSHAP, equal rows per coalition size, balanced superpixels.
    Balanced,
    /// R lime's independent draws (what the practical ran); for
    /// KernelSHAP, shap's draws.
    RLime,
}

impl SamplerArg {
    /// The library's sampler.
    pub fn sampler(self) -> Sampler {
        match self {
            SamplerArg::Balanced => Sampler::Balanced,
            SamplerArg::RLime => Sampler::RLime,
        }
    }
}

/// `--region-method` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionMethodArg {
    /// The region game: exact Shapley values of the regions, their
    /// interactions and the smallest sets whose removal changes the label
    /// (1,024 model evaluations, no seed).
    Shapley,
    /// LIME's perturbations refitted on the regions (no evaluation; R²).
    Refit,
}

impl RegionMethodArg {
    /// The library's method.
    pub fn method(self) -> RegionMethod {
        match self {
            RegionMethodArg::Shapley => RegionMethod::Shapley,
            RegionMethodArg::Refit => RegionMethod::Refit,
        }
    }
}

/// `--display` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DisplayArg {
    /// Tint plus an opaque edge.
    Outline,
    /// Everything else painted grey.
    Block,
}

/// `--trust` values: the library's named presets.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TrustArg {
    /// 100 bootstrap resamples, deletion/insertion curves (about 1.1× LIME).
    Standard,
    /// 30 bootstrap resamples, no curves.
    Quick,
    /// LIME alone.
    None,
}

/// A probability in [0, 1).
fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => Err(format!("must be a number in [0, 1) (got {s:?})")),
    }
}

/// A finite number ≥ 0.
fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("must be a finite number ≥ 0 (got {s:?})")),
    }
}

/// A finite number > 0.
fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("must be a finite number > 0 (got {s:?})")),
    }
}

/// Attribution methods (`--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// LIME, as R's lime package.
    Lime,
    /// KernelSHAP on the superpixels, as shap's KernelExplainer.
    Kernelshap,
    /// A patch of background slid over the face.
    Occlusion,
    /// Random smooth masks (Petsiuk et al. 2018).
    Rise,
    /// Every method.
    All,
}

/// The methods named by `--method`, each once, in [`Method::ALL`]'s order.
pub fn methods_of(args: &[MethodArg]) -> Vec<Method> {
    let all = args.contains(&MethodArg::All);
    Method::ALL
        .into_iter()
        .filter(|m| {
            all || args.contains(&match m {
                Method::Lime => MethodArg::Lime,
                Method::KernelShap => MethodArg::Kernelshap,
                Method::Occlusion => MethodArg::Occlusion,
                Method::Rise => MethodArg::Rise,
            })
        })
        .collect()
}

/// Largest patch, stride or grid a user may ask for (the model's input side
/// is checked by the library).
const MAX_SIDE: usize = 4096;

/// Bounds of the counts below (the library checks its own as well).
pub const MAX_SUPERPIXELS: usize = emotui::lime::MAX_SUPERPIXELS;
const MAX_PERMUTATIONS: usize = emotui::lime::MAX_PERMUTATIONS;
/// More replicates or random orders than this tell nothing new.
const MAX_REPLICATES: usize = 10_000;

/// The superpixels, perturbations and seed of an explanation, shared by
/// `explain` and `sanity` (the atlas has its own defaults: finer
/// superpixels, fewer perturbations).
#[derive(Debug, Clone, Args)]
pub struct SamplingArgs {
    /// Requested number of superpixels.
    #[arg(long, value_name = "N", default_value_t = SamplingOptions::default().n_superpixels,
          value_parser = count::<2, MAX_SUPERPIXELS>)]
    pub superpixels: usize,

    /// Number of LIME's perturbed faces.
    #[arg(long, value_name = "N", default_value_t = SamplingOptions::default().n_permutations,
          value_parser = count::<2, MAX_PERMUTATIONS>)]
    pub permutations: usize,

    /// Random seed (perturbations, and the other methods' coalitions,
    /// masks and weights): the same seed gives the same answer.
    #[arg(long, default_value_t = SamplingOptions::default().seed)]
    pub seed: u64,
}

impl SamplingArgs {
    /// The sampling options these set, the rest at their defaults.
    pub fn options(&self) -> SamplingOptions {
        SamplingOptions {
            n_superpixels: self.superpixels,
            n_permutations: self.permutations,
            seed: self.seed,
            ..SamplingOptions::default()
        }
    }
}

/// Arguments of `emotui explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Face images to explain.
    #[arg(required = true)]
    pub faces: Vec<PathBuf>,

    /// Explain the N most probable labels [default: 2].
    #[arg(long, value_name = "N", conflicts_with = "label", value_parser = count::<1, 1000>)]
    pub labels: Option<usize>,

    /// Explain these labels (repeatable; synonyms such as JOY work).
    #[arg(long, value_name = "NAME")]
    pub label: Vec<String>,

    /// Superpixels per explanation [default: 3 * superpixels / 4, as the practical].
    #[arg(long, value_name = "N", value_parser = count::<1, MAX_SUPERPIXELS>)]
    pub features: Option<usize>,

    #[command(flatten)]
    pub sampling: SamplingArgs,

    /// SLIC compactness.
    #[arg(long, value_name = "W", default_value_t = SamplingOptions::default().weight,
          allow_negative_numbers = true,
          value_parser = positive)]
    pub weight: f64,

    /// Probability of removing each superpixel.
    #[arg(long, value_name = "P", default_value_t = SamplingOptions::default().p_remove,
          value_parser = probability)]
    pub p_remove: f64,

    /// Fill of removed superpixels.
    #[arg(long, value_enum, default_value_t = BackgroundArg::Grey)]
    pub background: BackgroundArg,

    /// How the perturbations (and KernelSHAP's coalitions) are drawn.
    #[arg(long, value_enum, default_value_t = SamplerArg::Balanced)]
    pub sampler: SamplerArg,

    /// Feature selection.
    #[arg(long, value_enum, default_value_t = FeatureSelectArg::Auto)]
    pub feature_select: FeatureSelectArg,

    /// Sample weighting.
    #[arg(long, value_enum, default_value_t = KernelArg::R)]
    pub kernel: KernelArg,

    /// Panel display.
    #[arg(long, value_enum, default_value_t = DisplayArg::Outline)]
    pub display: DisplayArg,

    /// Also draw contradicting superpixels.
    #[arg(long)]
    pub show_negative: bool,

    /// Minimum |weight| drawn in panels.
    #[arg(long, value_name = "T", default_value_t = PanelOptions::default().threshold,
          allow_negative_numbers = true,
          value_parser = non_negative)]
    pub threshold: f64,

    /// Write the superpixels, one panel per label, the weights' density and
    /// the deletion curves as PNG, and the rows as CSV and JSON, here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,

    /// Trust figures: a named preset (--stability, --replicates,
    /// --no-faithfulness and --random-orders change parts of it).
    #[arg(long, value_enum, default_value_t = TrustArg::Standard)]
    pub trust: TrustArg,

    /// How to measure stability [default: the preset's, bootstrap].
    #[arg(long, value_enum)]
    pub stability: Option<StabilityArg>,

    /// Bootstrap resamples or seeds [default: 100 resamples, 10 seeds].
    #[arg(long, value_name = "N", value_parser = count::<1, MAX_REPLICATES>)]
    pub replicates: Option<usize>,

    /// Stop drawing samples once the top superpixels stop changing
    /// (--permutations is the cap).
    #[arg(long)]
    pub until_stable: bool,

    /// Skip the deletion and insertion curves.
    #[arg(long)]
    pub no_faithfulness: bool,

    /// Compare the deletion and insertion curves with N random orders
    /// evaluated by the model (2·(K+1) evaluations each) instead of the
    /// estimate from the perturbation samples (free).
    #[arg(long, value_name = "N", value_parser = count::<1, MAX_REPLICATES>)]
    pub random_orders: Option<usize>,

    /// Attribution methods: LIME, and for a second opinion KernelSHAP,
    /// occlusion and RISE on the same superpixels, background and labels,
    /// with their agreement (repeatable or comma-separated; `all`).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [MethodArg::Lime])]
    pub method: Vec<MethodArg>,

    /// KernelSHAP coalitions [default: 2 * superpixels + 2048, as shap;
    /// every coalition when there are at most 14 superpixels].
    #[arg(long, value_name = "N", value_parser = count::<1, MAX_EVALUATIONS>)]
    pub shap_samples: Option<usize>,

    /// Occlusion patch side, in the model's pixels.
    #[arg(long, value_name = "PX", default_value_t = MethodOptions::default().patch,
          value_parser = count::<1, MAX_SIDE>)]
    pub patch: usize,

    /// Occlusion stride, in the model's pixels.
    #[arg(long, value_name = "PX", default_value_t = MethodOptions::default().stride,
          value_parser = count::<1, MAX_SIDE>)]
    pub stride: usize,

    /// RISE masks.
    #[arg(long, value_name = "N", default_value_t = MethodOptions::default().rise_masks,
          value_parser = count::<1, MAX_EVALUATIONS>)]
    pub rise_masks: usize,

    /// RISE grid cells per side.
    #[arg(long, value_name = "N", default_value_t = MethodOptions::default().rise_cells,
          value_parser = count::<2, MAX_SIDE>)]
    pub rise_cells: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,

    /// Add where the time went (JSON: `timing_seconds`; otherwise on
    /// stderr). Off by default so that two runs print the same bytes.
    #[arg(long)]
    pub timings: bool,

    /// Skip the facial regions (landmarks and where the weight falls).
    #[arg(long)]
    pub no_regions: bool,

    /// How the answer per facial region is found.
    #[arg(long, value_enum, default_value_t = RegionMethodArg::Shapley)]
    pub region_method: RegionMethodArg,
}

impl ExplainArgs {
    /// The engine's request for these arguments.
    fn request(&self) -> Request {
        let mut trust = match self.trust {
            TrustArg::Standard => Preset::Standard,
            TrustArg::Quick => Preset::Quick,
            TrustArg::None => Preset::None,
        }
        .options();
        match self.stability {
            Some(StabilityArg::Bootstrap) => {
                trust.stability = Some(StabilityMethod::Bootstrap(
                    self.replicates.unwrap_or(STANDARD_BOOTSTRAP),
                ))
            }
            Some(StabilityArg::Seeds) => {
                trust.stability = Some(StabilityMethod::Seeds(
                    self.replicates.unwrap_or(DEFAULT_SEEDS),
                ))
            }
            Some(StabilityArg::None) => trust.stability = None,
            None => {
                if let (Some(n), Some(StabilityMethod::Bootstrap(_))) =
                    (self.replicates, trust.stability)
                {
                    trust.stability = Some(StabilityMethod::Bootstrap(n));
                }
            }
        }
        if let Some(n) = self.random_orders {
            trust.faithfulness = Some(Baseline::RandomOrders(n));
        }
        if self.no_faithfulness {
            trust.faithfulness = None;
        }
        Request {
            sampling: SamplingOptions {
                weight: self.weight,
                p_remove: self.p_remove,
                background: match self.background {
                    BackgroundArg::Grey => Background::Grey,
                    BackgroundArg::Mean => Background::Mean,
                    BackgroundArg::Blur => Background::Blur,
                },
                sampler: self.sampler.sampler(),
                ..self.sampling.options()
            },
            fit: FitOptions {
                labels: if self.label.is_empty() {
                    LabelChoice::Top(self.labels.unwrap_or(DEFAULT_LABELS))
                } else {
                    LabelChoice::Names(self.label.clone())
                },
                n_features: self
                    .features
                    .unwrap_or_else(|| FitOptions::features_for(self.sampling.superpixels)),
                feature_select: match self.feature_select {
                    FeatureSelectArg::Auto => FeatureSelect::Auto,
                    FeatureSelectArg::ForwardSelection => FeatureSelect::ForwardSelection,
                    FeatureSelectArg::HighestWeights => FeatureSelect::HighestWeights,
                    FeatureSelectArg::LassoPath => FeatureSelect::LassoPath,
                    FeatureSelectArg::None => FeatureSelect::None,
                },
                kernel: match self.kernel {
                    KernelArg::R => Kernel::R,
                    KernelArg::Python => Kernel::Python,
                },
            },
            trust,
            until_stable: self.until_stable,
            live: false,
        }
    }

    /// The methods asked for, each once, in the order shown.
    fn methods(&self) -> Vec<Method> {
        methods_of(&self.method)
    }

    fn method_options(&self) -> MethodOptions {
        MethodOptions {
            shap_samples: self.shap_samples,
            patch: self.patch,
            stride: self.stride,
            rise_masks: self.rise_masks,
            rise_cells: self.rise_cells,
            ..MethodOptions::default()
        }
    }

    fn panels(&self) -> PanelOptions {
        PanelOptions {
            display: match self.display {
                DisplayArg::Outline => Display::Outline,
                DisplayArg::Block => Display::Block,
            },
            show_negative: self.show_negative,
            threshold: self.threshold,
            ..PanelOptions::default()
        }
    }
}

/// One explained face.
struct Case {
    path: PathBuf,
    /// The start of its exported files' names, distinct among the faces.
    stem: String,
    outcome: Outcome,
    /// The other methods and their agreement, when asked for.
    comparison: Option<Comparison>,
    /// Where the weight falls on the face, unless --no-regions.
    regions: Option<FaceRegions>,
}

/// Landmarks for every case (cached) and the region shares of each; a
/// face-model or cache problem is said and the explanations go on without
/// regions.
fn add_regions(
    model: &emotui::model::Model,
    cases: &mut [Case],
    args: &ExplainArgs,
    model_args: &ModelArgs,
) {
    if args.no_regions || cases.is_empty() {
        return;
    }
    let found = (|| {
        let models = model_args.lazy_face_models()?;
        let mut store = model_args.open_cache()?;
        let paths: Vec<PathBuf> = cases.iter().map(|c| c.path.clone()).collect();
        anyhow::Ok(landmarks_of_files(
            &models,
            store.as_mut(),
            &paths,
            model_args.workers(),
            &AtomicBool::new(false),
            |_, _| {},
        )?)
    })();
    let all = match found {
        Ok(all) => all,
        Err(e) => {
            eprintln!("emotui: no facial regions: {e:#}");
            return;
        }
    };
    for (case, landmarks) in cases.iter_mut().zip(all) {
        match landmarks {
            Ok(l) => {
                if let LandmarkSource::Template(why) = l.source {
                    eprintln!("emotui: {}: {}", case.path.display(), why.describe());
                }
                match face_regions(
                    model,
                    l,
                    &case.outcome,
                    case.comparison.as_ref(),
                    args.region_method.method(),
                    &AtomicBool::new(false),
                ) {
                    Ok(r) => case.regions = Some(r),
                    Err(e) => eprintln!("emotui: {}: no facial regions: {e}", case.path.display()),
                }
            }
            Err(e) => eprintln!("emotui: no facial regions: {e}"),
        }
    }
}

fn explain_one(
    model: &emotui::model::Model,
    path: &Path,
    stem: String,
    request: &Request,
    methods: &[Method],
    method_options: &MethodOptions,
) -> anyhow::Result<Case> {
    let image = load_face(path)?;
    let pb = progress::bar(
        request.sampling.n_permutations,
        &format!("explaining {}", emotui::files::case_name(path)),
    );
    let outcome = explain::run(
        model,
        &image,
        request,
        &AtomicBool::new(false),
        |e| match e {
            Event::Progress { done, .. } => pb.set_position(done as u64),
            Event::Checking => pb.set_message(format!(
                "checking {} (bootstrap refits, deletion curves)",
                emotui::files::case_name(path)
            )),
            Event::Refit { .. } => {}
        },
    )
    .with_context(|| emotui::files::printable(path))?;
    pb.finish_and_clear();
    let comparison = if methods == [Method::Lime] {
        None
    } else {
        let pb = progress::bar(
            methods.len(),
            &format!("second opinions on {}", emotui::files::case_name(path)),
        );
        let c = methods::compare(
            model,
            &outcome,
            methods,
            method_options,
            &AtomicBool::new(false),
            |done, _| pb.set_position(done as u64),
        )
        .with_context(|| emotui::files::printable(path))?;
        pb.finish_and_clear();
        Some(c)
    };
    Ok(Case {
        path: path.to_path_buf(),
        stem,
        outcome,
        comparison,
        regions: None,
    })
}

pub fn run(args: ExplainArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let request = args.request();
    request.validate()?;
    let methods = args.methods();
    let method_options = args.method_options();
    let stems = emotui::files::distinct_stems(&args.faces);
    // Check the files that --out will write before any work.
    if let Some(dir) = &args.out {
        export::check_folder(dir)?;
    }
    if let Some(dir) = &args.out
        && !args.force
        && let Some(p) = args
            .faces
            .iter()
            .zip(&stems)
            .flat_map(|(_, stem)| export::fixed_paths(dir, stem))
            .find(|p| export::occupied(p))
    {
        anyhow::bail!(
            "{}: already exists; nothing was written (pass --force to overwrite)",
            p.display()
        );
    }
    // As predict and landmarks do: when no face can even be opened there is
    // nothing to do (exit 2); a missing face among others fails alone.
    if args.faces.iter().all(|f| !f.is_file()) {
        for f in &args.faces {
            eprintln!(
                "emotui: {}: {}",
                f.display(),
                if f.exists() {
                    "not a file"
                } else {
                    "no such file"
                }
            );
        }
        anyhow::bail!("nothing to explain: no face image among the paths given");
    }
    let model = model_args.load()?;
    // The other methods' sizes depend on the model's input: checked before
    // any face is explained.
    let input = model.card().input.clone();
    method_options.validate((input.width, input.height))?;
    let mut cases = Vec::new();
    let mut ok = true;
    for (path, stem) in args.faces.iter().zip(stems) {
        match explain_one(&model, path, stem, &request, &methods, &method_options) {
            Ok(c) => cases.push(c),
            Err(e) => {
                eprintln!("emotui: {e:#}");
                ok = false;
            }
        }
    }
    add_regions(&model, &mut cases, &args, model_args);
    match args.format {
        TableFormat::Table => {
            for c in &cases {
                if methods.contains(&Method::Lime) {
                    out!("{}", export::text::explanation(&c.path, &c.outcome))?;
                }
                if let Some(cmp) = &c.comparison {
                    out!("{}", export::text::methods(&c.path, &c.outcome, cmp))?;
                }
                if let Some(r) = &c.regions {
                    out!("{}", regions_text(r))?;
                }
            }
        }
        TableFormat::Csv => {
            let all: Vec<table::Row> = cases
                .iter()
                .flat_map(|c| match &c.comparison {
                    None => export::rows(&c.path, &c.outcome),
                    Some(cmp) => export::method_rows(&c.path, &c.outcome, cmp),
                })
                .collect();
            table::write_csv(&all, std::io::stdout().lock())?;
        }
        TableFormat::Json => {
            let v: Vec<serde_json::Value> = cases
                .iter()
                .map(|c| {
                    let mut v = export::json(&c.path, &c.outcome, args.timings);
                    if let Some(cmp) = &c.comparison {
                        v["methods"] = export::methods_json(&c.path, &c.outcome, cmp);
                        v["agreement"] = serde_json::json!(cmp.agreement);
                        if let Some(r) = &c.regions
                            && let Some(list) = v["methods"].as_array_mut()
                        {
                            for (m, shares) in list.iter_mut().zip(&r.methods) {
                                m["regions"] = serde_json::json!(shares);
                            }
                        }
                    }
                    if let Some(r) = &c.regions {
                        v["regions"] = export::regions_json(r);
                    }
                    v
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&v)?)?;
        }
    }
    if args.timings && args.format != TableFormat::Json {
        for c in &cases {
            let t = &c.outcome.timings;
            eprintln!(
                "emotui: {}: sampling {:.3} s, fit {:.3} s, trust {:.3} s",
                c.path.display(),
                t.sampling,
                t.fit,
                t.trust
            );
        }
    }
    if let Some(dir) = &args.out {
        let panels = args.panels();
        let mut files = Vec::new();
        for c in &cases {
            let stem = &c.stem;
            files.extend(export::explanation_files(
                dir, &c.path, stem, &c.outcome, &panels,
            )?);
            if let Some(cmp) = &c.comparison {
                files.extend(export::method_files(
                    dir, &c.path, stem, &c.outcome, cmp, &panels,
                )?);
            }
            if let Some(r) = &c.regions {
                files.extend(export::region_files(
                    dir,
                    &c.path,
                    stem,
                    &c.outcome,
                    r,
                    c.comparison.as_ref(),
                )?);
            }
        }
        export::write(&files, args.force)?;
        eprintln!("emotui: wrote {} files to {}", files.len(), dir.display());
    }
    Ok(ok)
}
