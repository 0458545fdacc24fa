//! `emotui explain FACE...`: LIME explanations as R's `explain()` +
//! `as.data.frame()`, and with `--out` the pictures of `plot_superpixels`,
//! `plot_image_explanation` and the weights' density.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use serde_json::json;

use emotui::lime::trust::{self, Convergence, Trust};
use emotui::lime::{
    self, Background, FeatureSelect, FitOptions, Kernel, LabelChoice, SamplingOptions, table,
};
use emotui::model::Model;
use emotui::preprocess::load_image;
use emotui::render::{self, Display, PanelOptions};

use super::{ModelArgs, TableFormat, progress};

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

/// `--display` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DisplayArg {
    /// Tint plus an opaque edge.
    Outline,
    /// Everything else painted grey.
    Block,
}

/// Arguments of `emotui explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Face images to explain.
    #[arg(required = true)]
    pub faces: Vec<PathBuf>,

    /// Explain the N most probable labels.
    #[arg(long, value_name = "N", conflicts_with = "label")]
    pub labels: Option<usize>,

    /// Explain these labels (repeatable; synonyms such as JOY work).
    #[arg(long, value_name = "NAME")]
    pub label: Vec<String>,

    /// Superpixels per explanation [default: 3 * superpixels / 4, as the practical].
    #[arg(long, value_name = "N")]
    pub features: Option<usize>,

    /// Requested number of superpixels.
    #[arg(long, value_name = "N", default_value_t = 40)]
    pub superpixels: usize,

    /// SLIC compactness.
    #[arg(long, value_name = "W", default_value_t = 20.0)]
    pub weight: f64,

    /// Number of perturbed faces.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub permutations: usize,

    /// Probability of removing each superpixel.
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    pub p_remove: f64,

    /// Fill of removed superpixels.
    #[arg(long, value_enum, default_value_t = BackgroundArg::Grey)]
    pub background: BackgroundArg,

    /// Feature selection.
    #[arg(long, value_enum, default_value_t = FeatureSelectArg::Auto)]
    pub feature_select: FeatureSelectArg,

    /// Sample weighting.
    #[arg(long, value_enum, default_value_t = KernelArg::R)]
    pub kernel: KernelArg,

    /// Random seed: the same seed gives the same explanation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Panel display.
    #[arg(long, value_enum, default_value_t = DisplayArg::Outline)]
    pub display: DisplayArg,

    /// Also draw contradicting superpixels.
    #[arg(long)]
    pub show_negative: bool,

    /// Minimum |weight| drawn in panels.
    #[arg(long, value_name = "T", default_value_t = 0.02)]
    pub threshold: f64,

    /// Write the superpixels, one panel per label and the weights' density as PNG here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite existing files in --out.
    #[arg(long)]
    pub force: bool,

    /// How to measure stability.
    #[arg(long, value_enum, default_value_t = StabilityArg::Bootstrap)]
    pub stability: StabilityArg,

    /// Bootstrap resamples or seeds [default: 100 resamples, 10 seeds].
    #[arg(long, value_name = "N")]
    pub replicates: Option<usize>,

    /// Stop drawing samples once the top superpixels stop changing
    /// (--permutations is the cap).
    #[arg(long)]
    pub until_stable: bool,

    /// Skip the deletion and insertion curves.
    #[arg(long)]
    pub no_faithfulness: bool,

    /// Random orders the deletion and insertion curves are compared with.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub random_orders: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

impl ExplainArgs {
    fn sampling(&self) -> SamplingOptions {
        SamplingOptions {
            n_superpixels: self.superpixels,
            weight: self.weight,
            n_permutations: self.permutations,
            p_remove: self.p_remove,
            background: match self.background {
                BackgroundArg::Grey => Background::Grey,
                BackgroundArg::Mean => Background::Mean,
                BackgroundArg::Blur => Background::Blur,
            },
            seed: self.seed,
            ..SamplingOptions::default()
        }
    }

    fn fit(&self) -> FitOptions {
        FitOptions {
            labels: if self.label.is_empty() {
                LabelChoice::Top(self.labels.unwrap_or(2))
            } else {
                LabelChoice::Names(self.label.clone())
            },
            n_features: self.features.unwrap_or(3 * self.superpixels / 4).max(1),
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
    samples: lime::Samples,
    explanation: lime::Explanation,
    /// Seconds for the whole explanation after loading the image.
    seconds: f64,
    /// Seconds for fitting the local models.
    fit_seconds: f64,
    /// Stability and faithfulness.
    trust: Trust,
}

fn case_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn explain_one(model: &Model, path: &Path, args: &ExplainArgs) -> anyhow::Result<Case> {
    let image = load_image(path)?;
    let clock = std::time::Instant::now();
    let pb = progress::bar(
        args.permutations,
        &format!("explaining {}", case_name(path)),
    );
    let cancel = AtomicBool::new(false);
    let sampling = args.sampling();
    let fit = args.fit();
    let mut convergence = Convergence::default();
    let samples = lime::sample_until(
        model,
        &image,
        &sampling,
        &cancel,
        |d, _| pb.set_position(d as u64),
        |partial| {
            args.until_stable
                && convergence.update(partial, &fit, args.seed).is_ok()
                && convergence.is_stable()
        },
    )?;
    pb.finish_and_clear();
    let fit_clock = std::time::Instant::now();
    let explanation = samples.explain(&fit)?;
    let fit_seconds = fit_clock.elapsed().as_secs_f64();
    let seconds = clock.elapsed().as_secs_f64();
    let stability = match args.stability {
        StabilityArg::Bootstrap => trust::bootstrap(
            &samples,
            &explanation,
            args.replicates.unwrap_or(100),
            args.seed,
        ),
        StabilityArg::Seeds => trust::seeds(
            model,
            &image,
            &sampling,
            &samples,
            &explanation,
            args.replicates.unwrap_or(10),
            &cancel,
        )?,
        StabilityArg::None => Vec::new(),
    };
    let faithfulness = if args.no_faithfulness {
        Vec::new()
    } else {
        trust::faithfulness(model, &samples, &explanation, args.random_orders, args.seed)?
    };
    Ok(Case {
        path: path.to_path_buf(),
        samples,
        explanation,
        seconds,
        fit_seconds,
        trust: Trust {
            stability,
            faithfulness,
        },
    })
}

/// The files `--out` writes for a case.
fn out_files(dir: &Path, case: &Case, panels: &PanelOptions) -> Vec<(PathBuf, image::RgbImage)> {
    let stem = case
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "face".into());
    let face = &case.samples.face;
    let sp = &case.samples.superpixels;
    let mut v = vec![(
        dir.join(format!("{stem}_superpixels.png")),
        render::superpixels_image(face, sp, 384),
    )];
    for l in &case.explanation.labels {
        v.push((
            dir.join(format!("{stem}_{}.png", l.name)),
            render::explanation_panel(face, sp, l, panels, 384),
        ));
        v.push((
            dir.join(format!("{stem}_{}_weights.png", l.name)),
            render::density_plot(l, 480, 200),
        ));
        if let Some(f) = case.trust.faithfulness_of(l.label) {
            v.push((
                dir.join(format!("{stem}_{}_deletion.png", l.name)),
                render::faithfulness_plot(&l.name, f, 480, 240),
            ));
        }
    }
    v
}

pub fn run(args: ExplainArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let model = model_args.load()?;
    let mut cases = Vec::new();
    let mut ok = true;
    for path in &args.faces {
        match explain_one(&model, path, &args) {
            Ok(c) => cases.push(c),
            Err(e) => {
                eprintln!("emotui: {e:#}");
                ok = false;
            }
        }
    }
    let rows: Vec<(&Case, Vec<table::Row>)> = cases
        .iter()
        .map(|c| {
            (
                c,
                table::rows(&case_name(&c.path), &c.samples, &c.explanation, &c.trust),
            )
        })
        .collect();
    match args.format {
        TableFormat::Table => {
            for (c, r) in &rows {
                print!("{}", text_table(c, r));
            }
        }
        TableFormat::Csv => {
            let all: Vec<table::Row> = rows.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
            table::write_csv(&all, std::io::stdout().lock())?;
        }
        TableFormat::Json => {
            let v: Vec<serde_json::Value> = rows.iter().map(|(c, r)| case_json(c, r)).collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)?;
        let panels = args.panels();
        let files: Vec<(PathBuf, image::RgbImage)> = cases
            .iter()
            .flat_map(|c| out_files(dir, c, &panels))
            .collect();
        // Check every target first, so that nothing is half-written.
        if !args.force
            && let Some((p, _)) = files.iter().find(|(p, _)| p.exists())
        {
            anyhow::bail!("{}: already exists; pass --force to overwrite", p.display());
        }
        for (p, img) in &files {
            render::save_png(img, p, true)?;
        }
        eprintln!("emotui: wrote {} images to {}", files.len(), dir.display());
    }
    Ok(ok)
}

fn text_table(case: &Case, rows: &[table::Row]) -> String {
    let mut s = format!(
        "{}: {} superpixels, {} perturbations\n",
        case.path.display(),
        case.samples.superpixels.count,
        case.explanation.n_samples
    );
    for l in &case.explanation.labels {
        s += &format!(
            "  Label: {}  Probability: {}  Explanation Fit: {}  intercept {:.4}  local prediction {:.4}\n",
            l.name,
            render::two_digits(l.probability),
            render::two_digits(l.r2),
            l.intercept,
            l.prediction
        );
        if let Some(st) = case.trust.stability_of(l.label) {
            s += &format!(
                "    {}: top-{} Jaccard {:.2}, sign agreement {:.2} over {} replicates\n",
                st.verdict.word(),
                st.k,
                st.jaccard,
                st.sign_agreement,
                st.replicates
            );
        }
        if let Some(f) = case.trust.faithfulness_of(l.label) {
            s += &format!(
                "    deletion AUC {:.3} ({:.2}x random), insertion AUC {:.3} ({:.2}x random)\n",
                f.deletion.auc, f.deletion_ratio, f.insertion.auc, f.insertion_ratio
            );
        }
    }
    s += &format!(
        "  {:<10} {:>10} {:>8} {:>8} {:>8} {:>7} {:>10} {:>20}  {}\n",
        "label",
        "label_prob",
        "model_r2",
        "intercpt",
        "model_pr",
        "feature",
        "weight",
        "95% interval",
        "feature_desc"
    );
    for r in rows {
        let interval = match (r.weight_lower, r.weight_upper) {
            (Some(a), Some(b)) => format!("[{a:.4}, {b:.4}]"),
            _ => String::new(),
        };
        s += &format!(
            "  {:<10} {:>10.4} {:>8.4} {:>8.4} {:>8.4} {:>7} {:>10.4} {:>20}  {}\n",
            r.label,
            r.label_prob,
            r.model_r2,
            r.model_intercept,
            r.model_prediction,
            r.feature,
            r.feature_weight,
            interval,
            r.feature_desc
        );
    }
    s
}

fn case_json(case: &Case, rows: &[table::Row]) -> serde_json::Value {
    let members = case.samples.superpixels.members();
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["feature_value"] = json!(members[r.feature]);
            v
        })
        .collect();
    json!({
        "case": case_name(&case.path),
        "path": case.path.display().to_string(),
        "width": case.samples.face.width,
        "height": case.samples.face.height,
        "n_superpixels": case.samples.superpixels.count,
        "n_samples": case.explanation.n_samples,
        "sampling": case.samples.options,
        "trust": case.trust,
        "timing_seconds": {
            "total": case.seconds,
            "segmentation": case.samples.timings.segmentation,
            "preparation": case.samples.timings.preparation,
            "composing": case.samples.timings.composing,
            "model": case.samples.timings.model,
            "fit": case.fit_seconds,
        },
        "prediction": case.samples.labels.iter().zip(case.samples.prediction()).map(|(l, p)| (l.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
        "rows": rows,
    })
}
