//! LIME image explanations, computed as R's `lime` package does (see
//! shared/reference/lime-reference-implementations.md, sections R1–R11).
//!
//! Two stages, so that cheap changes stay cheap:
//! 1. [`sample`]: superpixels, random perturbations and the model's
//!    probabilities for every perturbed face (the expensive part);
//! 2. [`Samples::explain`]: sample weights, feature selection and the final
//!    weighted ridge per label (milliseconds), e.g. again with other
//!    `n_features` without touching the model.
//!
//! Everything random comes from one ChaCha8 stream seeded by `seed` and
//! consumed in sample order, and the model runs in fixed batches, so the same
//! seed gives the same explanation bit for bit whatever the thread count.

pub(crate) mod perturb;
pub mod regression;
pub(crate) mod sampler;
pub mod slic;
pub mod table;
pub mod trust;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use image::DynamicImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use perturb::Background;
pub use sampler::Sampler;
pub use slic::Superpixels;

use crate::emotion;
use crate::error::{Error, Result};
use crate::model::Classifier;
use crate::preprocess::{Planes, to_planes};
use regression::{Fit, Moments};

/// Options of the sampling stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplingOptions {
    /// Requested number of superpixels (the actual count is close to it).
    pub n_superpixels: usize,
    /// SLIC compactness (R lime's `weight`).
    pub weight: f64,
    /// SLIC iterations.
    pub n_iter: usize,
    /// Number of perturbed faces, the original included.
    pub n_permutations: usize,
    /// Probability that a superpixel is removed in a perturbation.
    pub p_remove: f64,
    /// What removed superpixels are filled with.
    pub background: Background,
    /// How the perturbations are drawn.
    pub sampler: Sampler,
    /// Seed of the random perturbations.
    pub seed: u64,
}

/// Most superpixels an explanation may ask for: the local model's moments
/// grow with the square of their number, and faces have no more parts
/// worth telling apart.
pub const MAX_SUPERPIXELS: usize = 1000;
/// Most perturbations an explanation may ask for (memory grows with it).
pub const MAX_PERMUTATIONS: usize = 1_000_000;

impl SamplingOptions {
    /// Checks the options: sizes within bounds, probabilities in range.
    pub fn validate(&self) -> Result<()> {
        if !(2..=MAX_PERMUTATIONS).contains(&self.n_permutations) {
            return Err(Error::Invalid(format!(
                "the number of perturbations must be between 2 and {MAX_PERMUTATIONS} (got {})",
                self.n_permutations
            )));
        }
        if !(0.0..1.0).contains(&self.p_remove) {
            return Err(Error::Invalid(format!(
                "the probability of removing a superpixel must be in [0, 1) (got {})",
                self.p_remove
            )));
        }
        if !(2..=MAX_SUPERPIXELS).contains(&self.n_superpixels) {
            return Err(Error::Invalid(format!(
                "the number of superpixels must be between 2 and {MAX_SUPERPIXELS} (got {})",
                self.n_superpixels
            )));
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(Error::Invalid(format!(
                "the SLIC compactness must be a positive number (got {})",
                self.weight
            )));
        }
        Ok(())
    }
}

impl Default for SamplingOptions {
    fn default() -> Self {
        SamplingOptions {
            n_superpixels: 40,
            weight: 20.0,
            n_iter: 10,
            n_permutations: 1000,
            p_remove: 0.5,
            background: Background::Grey,
            sampler: Sampler::default(),
            seed: 42,
        }
    }
}

/// How to weight samples by their similarity to the original face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// R lime: cosine similarity to the original, sqrt(kept / K).
    #[default]
    R,
    /// Python lime: sqrt(exp(−d² / 0.25²)) with d the cosine distance.
    Python,
}

impl Kernel {
    /// The weight of a sample that keeps `kept` of `k` superpixels.
    pub fn weight(self, kept: usize, k: usize) -> f64 {
        let sim = if k == 0 {
            0.0
        } else {
            (kept as f64 / k as f64).sqrt()
        };
        match self {
            // R gives 0/0 = NaN for an all-removed row; its similarity is 0.
            Kernel::R => sim,
            Kernel::Python => {
                let d = 1.0 - sim;
                (-(d * d) / (0.25 * 0.25)).exp().sqrt()
            }
        }
    }
}

/// R lime's `feature_select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSelect {
    /// forward_selection when n_features ≤ 6, else highest_weights.
    #[default]
    Auto,
    /// Greedy, by weighted R².
    ForwardSelection,
    /// Largest |coefficient| of a weighted OLS on all superpixels.
    HighestWeights,
    /// The lasso path's last point with at most n_features superpixels.
    LassoPath,
    /// Every superpixel.
    None,
}

/// Which labels to explain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LabelChoice {
    /// The top N labels on the original face.
    Top(usize),
    /// These labels (names as the model has them, or synonyms).
    Names(Vec<String>),
}

/// Options of the fitting stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitOptions {
    /// Labels to explain.
    pub labels: LabelChoice,
    /// Number of superpixels in each explanation.
    pub n_features: usize,
    /// How they are chosen.
    pub feature_select: FeatureSelect,
    /// Sample weighting.
    pub kernel: Kernel,
}

impl FitOptions {
    /// The practical's rule for the number of features: three quarters of
    /// the superpixels.
    pub fn features_for(n_superpixels: usize) -> usize {
        (3 * n_superpixels / 4).max(1)
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<()> {
        if self.n_features == 0 {
            return Err(Error::Invalid(
                "an explanation needs at least 1 feature".into(),
            ));
        }
        if self.labels == LabelChoice::Top(0) {
            return Err(Error::Invalid(
                "an explanation needs at least 1 label".into(),
            ));
        }
        Ok(())
    }
}

/// The number of labels explained by default (R lime's `n_labels` in the
/// practical).
pub const DEFAULT_LABELS: usize = 2;

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            labels: LabelChoice::Top(DEFAULT_LABELS),
            n_features: Self::features_for(SamplingOptions::default().n_superpixels),
            feature_select: FeatureSelect::Auto,
            kernel: Kernel::R,
        }
    }
}

/// Perturbations of one face and the model's answers to them.
#[derive(Debug, Clone)]
pub struct Samples {
    /// The face as loaded (colour-converted for the model, source size).
    pub face: Planes,
    /// Its superpixels.
    pub superpixels: Superpixels,
    /// The model's labels.
    pub labels: Vec<String>,
    /// Row-major `rows × K`: whether superpixel j is present in row r.
    /// Row 0 is the original face.
    pub kept: Vec<bool>,
    /// Row-major `rows × labels`: the model's probabilities.
    pub probabilities: Vec<f32>,
    /// The options used.
    pub options: SamplingOptions,
    /// Where the time went.
    pub timings: Timings,
}

/// Seconds spent in each part of [`sample`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// SLIC.
    pub segmentation: f64,
    /// Background and per-superpixel parts at model resolution.
    pub preparation: f64,
    /// Building the perturbed inputs.
    pub composing: f64,
    /// The model's evaluations.
    pub model: f64,
}

impl Samples {
    /// Number of evaluated perturbations.
    pub fn rows(&self) -> usize {
        self.kept.len() / self.superpixels.count.max(1)
    }

    /// The model's probabilities for the original face (row 0).
    pub fn prediction(&self) -> &[f32] {
        &self.probabilities[..self.labels.len()]
    }
}

/// Samples evaluated between progress reports and cancellation checks.
const CHUNK: usize = 100;

/// Refits every this many samples while sampling (live refinement and
/// `--until-stable`).
pub const REFIT_EVERY: usize = 100;

/// Segments the face, draws `n_permutations` perturbations and runs the model
/// on all of them. `progress(done, total)` is called after every chunk;
/// setting `cancel` stops the work with [`Error::Cancelled`].
pub fn sample(
    classifier: &dyn Classifier,
    image: &DynamicImage,
    options: &SamplingOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Result<Samples> {
    sample_until(classifier, image, options, cancel, progress, |_| false)
}

/// Like [`sample`], but every [`REFIT_EVERY`] samples `stop` sees the
/// samples so far (to refit, show, or decide that enough were drawn);
/// returning `true` ends sampling there.
pub fn sample_until(
    classifier: &dyn Classifier,
    image: &DynamicImage,
    options: &SamplingOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(usize, usize),
    stop: impl FnMut(&Samples) -> bool,
) -> Result<Samples> {
    prepare(classifier.preprocessor(), image, options)?
        .sample_until(classifier, cancel, progress, stop)
}

/// A face segmented, its perturbations drawn and their parts made:
/// everything of [`sample`] before the model, so that a pipeline can
/// prepare the next face while the model works on this one.
#[derive(Debug, Clone)]
pub struct Prepared {
    face: Planes,
    superpixels: Superpixels,
    composer: perturb::Composer,
    kept: Vec<bool>,
    options: SamplingOptions,
    timings: Timings,
}

/// Segments the face for a model that takes `pre`'s input and draws the
/// perturbations ([`sample`]'s first half).
pub fn prepare(
    pre: &crate::preprocess::Preprocessor,
    image: &DynamicImage,
    options: &SamplingOptions,
) -> Result<Prepared> {
    options.validate()?;
    let mut timings = Timings::default();
    let clock = Instant::now();
    let face = to_planes(image, pre.spec().colour);
    let superpixels = slic::slic(&face, options.n_superpixels, options.weight, options.n_iter);
    let k = superpixels.count;
    timings.segmentation = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let composer = perturb::Composer::new(&face, &superpixels, options.background, pre);
    timings.preparation = clock.elapsed().as_secs_f64();
    let kept = options.sampler.draw(
        options.n_permutations,
        k,
        options.p_remove,
        &mut ChaCha8Rng::seed_from_u64(options.seed),
    );
    Ok(Prepared {
        face,
        superpixels,
        composer,
        kept,
        options: options.clone(),
        timings,
    })
}

impl Prepared {
    /// The face as the model's colour planes, at its own size.
    pub fn face(&self) -> &Planes {
        &self.face
    }

    /// Its superpixels.
    pub fn superpixels(&self) -> &Superpixels {
        &self.superpixels
    }

    /// Runs the model on every perturbation ([`sample_until`]'s second
    /// half).
    pub fn sample_until(
        self,
        classifier: &dyn Classifier,
        cancel: &AtomicBool,
        mut progress: impl FnMut(usize, usize),
        mut stop: impl FnMut(&Samples) -> bool,
    ) -> Result<Samples> {
        let Prepared {
            face,
            superpixels,
            composer,
            kept,
            options,
            mut timings,
        } = self;
        let k = superpixels.count;
        let n = options.n_permutations;
        let pre = classifier.preprocessor();
        let classes = classifier.labels().len();
        let mut probabilities = Vec::with_capacity(n * classes);
        let per = pre.spec().len();
        // One input buffer for every chunk: no allocation per chunk.
        let mut buffer = vec![0.0f32; CHUNK.min(n) * per];
        for start in (0..n).step_by(CHUNK) {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let end = (start + CHUNK).min(n);
            let clock = Instant::now();
            let batch = &mut buffer[..(end - start) * per];
            fill_rows(pre, start..end, batch, &|r| {
                composer.compose(&kept[r * k..(r + 1) * k])
            });
            timings.composing += clock.elapsed().as_secs_f64();
            let clock = Instant::now();
            probabilities.extend(classifier.predict(batch, end - start)?);
            timings.model += clock.elapsed().as_secs_f64();
            progress(end, n);
            if end < n && end.is_multiple_of(REFIT_EVERY) {
                let partial = Samples {
                    face: face.clone(),
                    superpixels: superpixels.clone(),
                    labels: classifier.labels().to_vec(),
                    kept: kept[..end * k].to_vec(),
                    probabilities: probabilities.clone(),
                    options: options.clone(),
                    timings,
                };
                if stop(&partial) {
                    return Ok(partial);
                }
            }
        }
        Ok(Samples {
            face,
            superpixels,
            labels: classifier.labels().to_vec(),
            kept,
            probabilities,
            options,
            timings,
        })
    }
}

/// The model's probabilities (row-major, `rows × labels`) for the faces
/// that keep the superpixels of each row of `kept` (`rows × k`): composed on
/// every core and evaluated in fixed chunks, so the answer does not depend
/// on the number of threads.
pub(crate) fn evaluate(
    classifier: &dyn Classifier,
    composer: &perturb::Composer,
    kept: &[bool],
    k: usize,
) -> Result<Vec<f32>> {
    let n = kept.len() / k.max(1);
    evaluate_images(
        classifier,
        n,
        |r| composer.compose(&kept[r * k..(r + 1) * k]),
        &AtomicBool::new(false),
        |_, _| {},
    )
}

/// The model's probabilities (row-major, `n × labels`) for `n` model-sized
/// images made by `make(row)` (0..255 planes at the model's resolution):
/// made on every core, evaluated in fixed chunks (the answer does not depend
/// on the number of threads), with `progress(done, n)` after every chunk and
/// [`Error::Cancelled`] once `cancel` is set. Every attribution method's
/// evaluations go through here.
pub fn evaluate_images(
    classifier: &dyn Classifier,
    n: usize,
    make: impl Fn(usize) -> Planes + Sync,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<f32>> {
    let pre = classifier.preprocessor();
    let per = pre.spec().len();
    let mut out = Vec::with_capacity(n * classifier.labels().len());
    let mut buffer = vec![0.0f32; CHUNK.min(n) * per];
    for start in (0..n).step_by(CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let end = (start + CHUNK).min(n);
        let batch = &mut buffer[..(end - start) * per];
        fill_rows(pre, start..end, batch, &make);
        out.extend(classifier.predict(batch, end - start)?);
        progress(end, n);
    }
    Ok(out)
}

/// Model inputs for rows `rows` into `batch` (one image per `per` values),
/// made on every core. Each row has its own place in `batch`, so the
/// result does not depend on the number of threads.
fn fill_rows(
    pre: &crate::preprocess::Preprocessor,
    rows: std::ops::Range<usize>,
    batch: &mut [f32],
    make: &(impl Fn(usize) -> Planes + Sync),
) {
    let per = batch.len() / rows.len().max(1);
    let workers = crate::parallel::cores().clamp(1, rows.len().max(1));
    let size = rows.len().div_ceil(workers).max(1);
    std::thread::scope(|s| {
        for (t, part) in batch.chunks_mut(size * per).enumerate() {
            let first = rows.start + t * size;
            s.spawn(move || {
                for (i, out) in part.chunks_mut(per).enumerate() {
                    pre.fill_tensor(&make(first + i), out);
                }
            });
        }
    });
}

/// One superpixel's part in an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureWeight {
    /// Superpixel id.
    pub superpixel: usize,
    /// Change in the label's probability when the superpixel is present.
    pub weight: f64,
}

/// Orders features as every explanation lists them: by decreasing
/// |weight|, ties by superpixel id.
pub fn sort_by_importance(features: &mut [FeatureWeight]) {
    features.sort_by(|a, b| {
        b.weight
            .abs()
            .total_cmp(&a.weight.abs())
            .then(a.superpixel.cmp(&b.superpixel))
    });
}

/// The explanation of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelExplanation {
    /// Label index in the model's output.
    pub label: usize,
    /// Label name.
    pub name: String,
    /// The label's probability on the original face.
    pub probability: f64,
    /// Weighted R² of the local model ("Explanation fit").
    pub r2: f64,
    /// Intercept of the local model.
    pub intercept: f64,
    /// The local model's prediction with every superpixel present.
    pub prediction: f64,
    /// Selected superpixels, by decreasing |weight|.
    pub features: Vec<FeatureWeight>,
}

/// A whole explanation of one face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Explained labels, by decreasing probability.
    pub labels: Vec<LabelExplanation>,
    /// Number of perturbations used.
    pub n_samples: usize,
    /// Fitting options used.
    pub options: FitOptions,
}

impl Samples {
    /// Resolves the label choice to label indices, by decreasing probability.
    pub fn label_indices(&self, choice: &LabelChoice) -> Result<Vec<usize>> {
        let probs = self.prediction();
        let mut idx = match choice {
            LabelChoice::Top(n) => {
                let mut all: Vec<usize> = (0..self.labels.len()).collect();
                all.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
                all.truncate((*n).clamp(1, self.labels.len()));
                all
            }
            LabelChoice::Names(names) => names
                .iter()
                .map(|n| {
                    emotion::find(&self.labels, n).ok_or_else(|| {
                        Error::Invalid(format!(
                            "the model has no label {n:?} (labels: {})",
                            self.labels.join(", ")
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        };
        idx.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
        idx.dedup();
        Ok(idx)
    }

    /// Sample weights under `kernel`.
    pub fn weights(&self, kernel: Kernel) -> Vec<f64> {
        let k = self.superpixels.count;
        (0..self.rows())
            .map(|r| {
                let kept = self.kept[r * k..(r + 1) * k].iter().filter(|&&b| b).count();
                kernel.weight(kept, k)
            })
            .collect()
    }

    /// The response for one label: its probability in every row.
    pub fn response(&self, label: usize) -> Vec<f64> {
        let c = self.labels.len();
        (0..self.rows())
            .map(|r| self.probabilities[r * c + label] as f64)
            .collect()
    }

    /// Fits one label's local model on `rows` (all rows, or a resample).
    pub fn fit_label(
        &self,
        label: usize,
        options: &FitOptions,
        weights: &[f64],
        rows: &[usize],
    ) -> Fit {
        self.fit_labels(&[label], options, weights, rows)
            .pop()
            .expect("one label, one fit")
    }

    /// Fits several labels' local models on the same `rows`, sharing the
    /// design's moments.
    pub fn fit_labels(
        &self,
        labels: &[usize],
        options: &FitOptions,
        weights: &[f64],
        rows: &[usize],
    ) -> Vec<Fit> {
        let k = self.superpixels.count;
        let ys: Vec<Vec<f64>> = labels.iter().map(|&l| self.response(l)).collect();
        let refs: Vec<&[f64]> = ys.iter().map(|y| y.as_slice()).collect();
        let moments = Moments::for_responses(&self.kept, k, &refs, weights, rows);
        let Some(design) = moments.first() else {
            return Vec::new();
        };
        // R7: columns without variance carry no information (the design is
        // the labels' own, so are the candidates).
        let candidates: Vec<usize> = (0..k).filter(|&j| design.variance(j) > 1e-12).collect();
        let n = options.n_features.max(1);
        let selections = select_features_shared(&moments, &candidates, n, options.feature_select);
        moments
            .iter()
            .zip(selections)
            .map(|(m, selected)| {
                // R9: one feature gets a plain weighted OLS, more a glmnet
                // ridge with lambda = 2 / n_permutations.
                let lambda = if selected.len() == 1 {
                    0.0
                } else {
                    2.0 / self.options.n_permutations as f64
                };
                m.fit(&selected, lambda)
            })
            .collect()
    }

    /// Explains the chosen labels.
    pub fn explain(&self, options: &FitOptions) -> Result<Explanation> {
        let weights = self.weights(options.kernel);
        let rows: Vec<usize> = (0..self.rows()).collect();
        let probs = self.prediction();
        let indices = self.label_indices(&options.labels)?;
        // The labels share the design's moments.
        let fits = self.fit_labels(&indices, options, &weights, &rows);
        let labels = indices
            .into_iter()
            .zip(fits)
            .map(|(label, fit)| {
                let mut features: Vec<FeatureWeight> = fit
                    .columns
                    .iter()
                    .zip(&fit.coefficients)
                    .map(|(&superpixel, &weight)| FeatureWeight { superpixel, weight })
                    .collect();
                sort_by_importance(&mut features);
                LabelExplanation {
                    label,
                    name: self.labels[label].clone(),
                    probability: probs[label] as f64,
                    r2: fit.r2,
                    intercept: fit.intercept,
                    prediction: fit.prediction_all_present(),
                    features,
                }
            })
            .collect();
        Ok(Explanation {
            labels,
            n_samples: self.rows(),
            options: options.clone(),
        })
    }
}

/// R lime's feature selection (R8) among `candidates` (columns with
/// variance): at most `n` columns, chosen as `how` says.
pub fn select_features(
    m: &Moments,
    candidates: &[usize],
    n: usize,
    how: FeatureSelect,
) -> Vec<usize> {
    select_features_shared(std::slice::from_ref(m), candidates, n, how)
        .pop()
        .unwrap_or_default()
}

/// [`select_features`] for the labels of one explanation, whose moments
/// share the design: highest weights factorises the full design once for
/// all of them.
fn select_features_shared(
    moments: &[Moments],
    candidates: &[usize],
    n: usize,
    how: FeatureSelect,
) -> Vec<Vec<usize>> {
    if n >= candidates.len() || how == FeatureSelect::None {
        return vec![candidates.to_vec(); moments.len()];
    }
    let how = match how {
        FeatureSelect::Auto if n <= 6 => FeatureSelect::ForwardSelection,
        FeatureSelect::Auto => FeatureSelect::HighestWeights,
        other => other,
    };
    match how {
        FeatureSelect::ForwardSelection => moments
            .iter()
            .map(|m| forward_selection(m, candidates, n))
            .collect(),
        FeatureSelect::HighestWeights => Moments::ols_shared(moments, candidates)
            .into_iter()
            .map(|fit| {
                let mut order: Vec<(usize, f64)> =
                    fit.columns.into_iter().zip(fit.coefficients).collect();
                order.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                let mut cols: Vec<usize> = order.into_iter().take(n).map(|(c, _)| c).collect();
                cols.sort();
                cols
            })
            .collect(),
        FeatureSelect::LassoPath => moments
            .iter()
            .map(|m| m.lasso_path_select(candidates, n))
            .collect(),
        FeatureSelect::Auto | FeatureSelect::None => vec![candidates.to_vec(); moments.len()],
    }
}

/// Forward selection: the column that raises R² most, `n` times.
fn forward_selection(m: &Moments, candidates: &[usize], n: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut best: Option<(f64, usize)> = None;
        for &c in candidates.iter().filter(|c| !chosen.contains(c)) {
            let mut cols = chosen.clone();
            cols.push(c);
            let r2 = m.fit(&cols, 0.0).r2;
            if best.is_none_or(|(b, _)| r2 > b) {
                best = Some((r2, c));
            }
        }
        match best {
            Some((_, c)) => chosen.push(c),
            None => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels() {
        assert_eq!(Kernel::R.weight(25, 100), 0.5);
        assert_eq!(Kernel::R.weight(0, 10), 0.0);
        assert!((Kernel::Python.weight(100, 100) - 1.0).abs() < 1e-15);
        assert!(Kernel::Python.weight(0, 10) > 0.0 && Kernel::Python.weight(0, 10).is_finite());
    }
}
