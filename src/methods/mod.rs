//! A second opinion on every explanation: other attribution methods on the
//! same face, superpixels, background and model layer as LIME, their
//! agreement, and the model-randomisation sanity check.
//!
//! Every method returns an [`Attribution`]: per label, the importance of
//! every superpixel in the same [`Explanation`] shape as LIME's (so tables,
//! CSV, JSON, panels and the deletion/insertion curves work unchanged), its
//! pixel map where it has one, and how many model evaluations it made.
//! Definitions and defaults: shared/reference/explainers.md.

pub mod agreement;
pub mod game;
pub mod kernelshap;
pub mod looks;
pub(crate) mod occlusion;
pub mod regions;
pub(crate) mod rise;
pub mod sanity;

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::lime::perturb::Composer;
use crate::lime::{
    Explanation, FeatureWeight, LabelExplanation, Samples, evaluate_images, sort_by_importance,
};
use crate::model::Classifier;
use crate::preprocess::Planes;

/// An attribution method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// LIME (R lime's local ridge on random perturbations).
    Lime,
    /// KernelSHAP (Lundberg & Lee 2017) on the superpixels.
    KernelShap,
    /// Occlusion (Zeiler & Fergus 2014): a patch slid over the face.
    Occlusion,
    /// RISE (Petsiuk et al. 2018): random smooth masks.
    Rise,
}

impl Method {
    /// Every method, in the order they are shown.
    pub const ALL: [Method; 4] = [
        Method::Lime,
        Method::KernelShap,
        Method::Occlusion,
        Method::Rise,
    ];

    /// Name in tables, files and flags.
    pub fn name(self) -> &'static str {
        match self {
            Method::Lime => "lime",
            Method::KernelShap => "kernelshap",
            Method::Occlusion => "occlusion",
            Method::Rise => "rise",
        }
    }
}

/// Options of the methods other than LIME (LIME's are the engine's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodOptions {
    /// KernelSHAP's coalitions (besides the empty and full ones); `None` is
    /// shap's default, 2·M + 2048. With at most
    /// [`kernelshap::MAX_ENUMERATED`] superpixels every coalition is used.
    pub shap_samples: Option<usize>,
    /// Occlusion patch side, in model pixels.
    pub patch: usize,
    /// Occlusion stride, in model pixels.
    pub stride: usize,
    /// RISE masks.
    pub rise_masks: usize,
    /// RISE grid cells per side.
    pub rise_cells: usize,
    /// RISE probability that a cell is kept.
    pub rise_p: f64,
}

impl Default for MethodOptions {
    fn default() -> Self {
        MethodOptions {
            shap_samples: None,
            patch: 8,
            stride: 4,
            rise_masks: 1000,
            rise_cells: 7,
            rise_p: 0.5,
        }
    }
}

/// The most evaluations one method may ask for.
pub const MAX_EVALUATIONS: usize = 1_000_000;

impl MethodOptions {
    /// Checks the options against the model's input size `(w, h)`.
    pub fn validate(&self, model_size: (usize, usize)) -> Result<()> {
        let side = model_size.0.min(model_size.1);
        let bad = |what: String| Err(Error::Invalid(what));
        if let Some(n) = self.shap_samples
            && !(1..=MAX_EVALUATIONS).contains(&n)
        {
            return bad(format!(
                "KernelSHAP samples must be between 1 and {MAX_EVALUATIONS} (got {n})"
            ));
        }
        if !(1..=side).contains(&self.patch) {
            return bad(format!(
                "the occlusion patch must be between 1 and {side} pixels, the model's input side (got {})",
                self.patch
            ));
        }
        if !(1..=side).contains(&self.stride) {
            return bad(format!(
                "the occlusion stride must be between 1 and {side} pixels (got {})",
                self.stride
            ));
        }
        if !(1..=MAX_EVALUATIONS).contains(&self.rise_masks) {
            return bad(format!(
                "RISE masks must be between 1 and {MAX_EVALUATIONS} (got {})",
                self.rise_masks
            ));
        }
        if !(2..=side).contains(&self.rise_cells) {
            return bad(format!(
                "RISE cells must be between 2 and {side} (got {})",
                self.rise_cells
            ));
        }
        if !(self.rise_p > 0.0 && self.rise_p < 1.0) {
            return bad(format!(
                "the RISE keep probability must be in (0, 1) (got {})",
                self.rise_p
            ));
        }
        Ok(())
    }
}

/// A per-pixel attribution at the model's resolution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PixelMap {
    /// Width (the model's input width).
    pub width: usize,
    /// Height.
    pub height: usize,
    /// Row-major values.
    pub values: Vec<f64>,
}

/// One method's answer for the labels of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// The method.
    pub method: Method,
    /// Per label, every superpixel's importance (LIME: its selected ones),
    /// by decreasing |importance|, in LIME's shape.
    pub explanation: Explanation,
    /// Per label (same order), the pixel map for methods that have one.
    pub maps: Vec<Option<PixelMap>>,
    /// Model evaluations made.
    pub evaluations: usize,
}

impl Attribution {
    /// Importance of every superpixel for the label at position `li`
    /// (0 where the method gave none).
    pub fn importance(&self, li: usize, superpixels: usize) -> Vec<f64> {
        let mut v = vec![0.0; superpixels];
        for f in &self.explanation.labels[li].features {
            v[f.superpixel] = f.weight;
        }
        v
    }
}

/// LIME's explanation as an attribution (its samples were drawn already).
pub fn from_lime(explanation: &Explanation) -> Attribution {
    Attribution {
        method: Method::Lime,
        maps: vec![None; explanation.labels.len()],
        evaluations: explanation.n_samples,
        explanation: explanation.clone(),
    }
}

/// What every method needs: the face, its superpixels and background as
/// LIME drew them, the labels to explain, and the model's answer on the
/// face.
pub struct Context<'a> {
    /// The model.
    pub classifier: &'a dyn Classifier,
    /// LIME's samples (face, superpixels, options; row 0 is the face).
    pub samples: &'a Samples,
    /// Labels (model indices) to explain, in the explanation's order.
    pub labels: Vec<usize>,
    /// Composes faces with superpixels removed, at the model's resolution.
    pub composer: Composer,
    /// Seed of every random step.
    pub seed: u64,
    /// Set to stop with [`Error::Cancelled`].
    pub cancel: &'a AtomicBool,
}

impl<'a> Context<'a> {
    /// The context of LIME's `samples` and `explanation`.
    pub fn new(
        classifier: &'a dyn Classifier,
        samples: &'a Samples,
        explanation: &Explanation,
        seed: u64,
        cancel: &'a AtomicBool,
    ) -> Context<'a> {
        Context {
            classifier,
            samples,
            labels: explanation.labels.iter().map(|l| l.label).collect(),
            composer: Composer::new(
                &samples.face,
                &samples.superpixels,
                samples.options.background,
                classifier.preprocessor(),
            ),
            seed,
            cancel,
        }
    }

    /// Number of superpixels.
    pub fn superpixels(&self) -> usize {
        self.samples.superpixels.count
    }

    /// The face at the model's resolution, every superpixel present.
    pub fn face(&self) -> Planes {
        self.composer.compose(&vec![true; self.superpixels()])
    }

    /// The model's probabilities for `n` images made by `make`.
    fn evaluate(&self, n: usize, make: impl Fn(usize) -> Planes + Sync) -> Result<Vec<f32>> {
        evaluate_images(self.classifier, n, make, self.cancel, |_, _| {})
    }

    /// The label explanation of label position `li` from per-superpixel
    /// importance: every superpixel, by decreasing |importance|;
    /// `intercept` and `prediction` as the method defines them, `r2` where
    /// it has one (NaN otherwise).
    fn label_explanation(
        &self,
        li: usize,
        importance: &[f64],
        intercept: f64,
        prediction: f64,
        r2: f64,
    ) -> LabelExplanation {
        let label = self.labels[li];
        let mut features: Vec<FeatureWeight> = importance
            .iter()
            .enumerate()
            .map(|(superpixel, &weight)| FeatureWeight { superpixel, weight })
            .collect();
        sort_by_importance(&mut features);
        LabelExplanation {
            label,
            name: self.samples.labels[label].clone(),
            probability: self.samples.prediction()[label] as f64,
            r2,
            intercept,
            prediction,
            features,
        }
    }

    /// Per-superpixel means of a pixel map at the model's resolution: each
    /// source pixel takes the value of the model pixel it falls in.
    pub fn per_superpixel(&self, map: &PixelMap) -> Vec<f64> {
        let sp = &self.samples.superpixels;
        let (w, h) = (sp.width, sp.height);
        let mut sum = vec![0.0; sp.count];
        let mut count = vec![0usize; sp.count];
        for y in 0..h {
            let my = (y * map.height / h).min(map.height - 1);
            for x in 0..w {
                let mx = (x * map.width / w).min(map.width - 1);
                let s = sp.labels[y * w + x] as usize;
                sum[s] += map.values[my * map.width + mx];
                count[s] += 1;
            }
        }
        sum.iter()
            .zip(&count)
            .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
            .collect()
    }

    /// The attribution of a method that makes one pixel map per label
    /// (occlusion, RISE): each superpixel's importance is the mean of its
    /// pixels', intercept and prediction are the label's probability on the
    /// face (`face`, one value per model label), and there is no fit.
    fn attribution_of_maps(
        &self,
        method: Method,
        maps: Vec<PixelMap>,
        face: &[f32],
        evaluations: usize,
    ) -> Attribution {
        let labels = maps
            .iter()
            .enumerate()
            .map(|(li, map)| {
                let fx = face[self.labels[li]] as f64;
                self.label_explanation(li, &self.per_superpixel(map), fx, fx, f64::NAN)
            })
            .collect();
        self.attribution(
            method,
            labels,
            maps.into_iter().map(Some).collect(),
            evaluations,
        )
    }

    /// The attribution of `method` from per-label importances and maps.
    fn attribution(
        &self,
        method: Method,
        labels: Vec<LabelExplanation>,
        maps: Vec<Option<PixelMap>>,
        evaluations: usize,
    ) -> Attribution {
        Attribution {
            method,
            explanation: Explanation {
                labels,
                n_samples: evaluations,
                options: crate::lime::FitOptions {
                    n_features: self.superpixels(),
                    ..crate::lime::FitOptions::default()
                },
            },
            maps,
            evaluations,
        }
    }
}

/// Runs `method` (not LIME, whose samples the context holds already).
pub fn run(method: Method, ctx: &Context<'_>, options: &MethodOptions) -> Result<Attribution> {
    let pre = ctx.classifier.preprocessor().spec();
    options.validate((pre.width, pre.height))?;
    match method {
        Method::Lime => Err(Error::Invalid(
            "LIME runs in the engine; this runs the other methods".into(),
        )),
        Method::KernelShap => kernelshap::run(ctx, options.shap_samples),
        Method::Occlusion => occlusion::run(ctx, options.patch, options.stride),
        Method::Rise => rise::run(ctx, options.rise_masks, options.rise_cells, options.rise_p),
    }
}

/// Every method's answer on one explained face, and how far they agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// One attribution per method, in the order asked (LIME's from the
    /// explanation itself).
    pub attributions: Vec<Attribution>,
    /// Per method (same order), the deletion and insertion curves of each
    /// label, along the method's own order of the superpixels.
    pub faithfulness: Vec<Vec<crate::lime::trust::Faithfulness>>,
    /// Per label, the methods' agreement (empty with one method).
    pub agreement: Vec<agreement::LabelAgreement>,
}

/// Runs `methods` on the face of `outcome` (LIME's explanation is reused,
/// not recomputed) with the same superpixels, background, labels and seed,
/// and compares them. `progress(done, total)` counts methods.
pub fn compare(
    classifier: &dyn Classifier,
    outcome: &crate::explain::Outcome,
    methods: &[Method],
    options: &MethodOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Comparison> {
    use crate::lime::trust::{Baseline, faithfulness};
    let seed = outcome.request.sampling.seed;
    let samples = &outcome.samples;
    let ctx = Context::new(classifier, samples, &outcome.explanation, seed, cancel);
    let mut attributions = Vec::new();
    let mut curves = Vec::new();
    for (i, &m) in methods.iter().enumerate() {
        progress(i, methods.len());
        let a = match m {
            Method::Lime => from_lime(&outcome.explanation),
            other => run(other, &ctx, options)?,
        };
        // LIME's curves are in its trust figures when they were asked for.
        let f = match (m, outcome.trust.faithfulness.is_empty()) {
            (Method::Lime, false) => outcome.trust.faithfulness.clone(),
            _ => faithfulness(classifier, samples, &a.explanation, Baseline::Samples, seed)?,
        };
        attributions.push(a);
        curves.push(f);
    }
    progress(methods.len(), methods.len());
    let agreement = if attributions.len() > 1 {
        agreement::agreement(&attributions, &curves, samples.superpixels.count)
    } else {
        Vec::new()
    };
    Ok(Comparison {
        attributions,
        faithfulness: curves,
        agreement,
    })
}
