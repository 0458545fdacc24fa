//! How much of an explanation falls in each facial region, by three rules.
//!
//! - **Shapley** (the default): the region game of [`super::game`], every
//!   coalition of regions evaluated by the model; exact and seed-free, and a
//!   region the model never reads gets exactly 0.
//! - **Refit** (LIME, `--region-method refit`): the perturbations LIME drew
//!   and the model's answers to them are fitted again with the regions as
//!   the features, a region's value in a perturbation being the fraction of
//!   its pixels kept, with LIME's own sample weights. No new model
//!   evaluation, but superpixels that straddle region edges make the
//!   features collinear, so weight can land on regions the model never
//!   reads; its R² is always shown.
//! - **Spread** (any attribution): each superpixel's weight spread evenly
//!   over its pixels and added up per region, for the second opinions.
//!
//! Either way each label gets, per region, a signed value and its share of
//! all positive and of all negative value.

use serde::Serialize;

use std::sync::atomic::AtomicBool;

use super::game::{self, GameAnswer};
use crate::error::Result;
use crate::geometry::Landmarks;
use crate::geometry::regions::{self, REGIONS, RegionMap, RegionShares};
use crate::lime::{Explanation, Kernel, Samples, Superpixels};
use crate::model::Classifier;

/// Which rule gave a label's region shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareRule {
    /// The region game's Shapley values.
    Shapley,
    /// A fit on the regions from the same perturbations.
    Refit,
    /// Superpixel weights spread evenly over their pixels.
    Spread,
}

impl ShareRule {
    /// The name used in CSV and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ShareRule::Shapley => "shapley",
            ShareRule::Refit => "refit",
            ShareRule::Spread => "spread",
        }
    }
}

/// Where one label's explanation puts its weight.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LabelRegions {
    /// The label.
    pub label: String,
    /// How the shares were found.
    pub rule: ShareRule,
    /// With [`ShareRule::Refit`]: the weighted R² of the fit on regions,
    /// how much of the model's local behaviour the regions explain.
    pub r2: Option<f64>,
    /// The weight per region.
    #[serde(flatten)]
    pub shares: RegionShares,
}

/// Region shares of every label of LIME's explanation, refitted on its
/// perturbations.
pub fn refit_regions(
    landmarks: &Landmarks,
    samples: &Samples,
    explanation: &Explanation,
) -> Vec<LabelRegions> {
    let labels: Vec<usize> = explanation.labels.iter().map(|l| l.label).collect();
    refit_labels(landmarks, samples, &labels, explanation.options.kernel)
}

/// Region shares of `labels` (indices in the model's output) refitted on
/// LIME's perturbations with `kernel`'s sample weights: one small fit per
/// label on the same samples, so every label costs no model evaluation.
pub fn refit_labels(
    landmarks: &Landmarks,
    samples: &Samples,
    labels: &[usize],
    kernel: Kernel,
) -> Vec<LabelRegions> {
    let sp = &samples.superpixels;
    refit_labels_on(
        &landmarks.regions_at(sp.width, sp.height),
        samples,
        labels,
        kernel,
    )
}

/// [`refit_labels`] with the face's regions already drawn at the
/// superpixels' size.
pub fn refit_labels_on(
    map: &RegionMap,
    samples: &Samples,
    labels: &[usize],
    kernel: Kernel,
) -> Vec<LabelRegions> {
    let sp = &samples.superpixels;
    let k = sp.count;
    // Pixels of each superpixel in each region, and of each region.
    let mut counts = vec![[0.0f64; REGIONS]; k];
    let mut sizes = [0.0f64; REGIONS];
    for (&s, &r) in sp.labels.iter().zip(&map.labels) {
        counts[s as usize][r as usize] += 1.0;
        sizes[r as usize] += 1.0;
    }
    let present: Vec<usize> = (0..REGIONS).filter(|&r| sizes[r] > 0.0).collect();
    // The design: an intercept, then each present region's kept fraction.
    let p = present.len() + 1;
    let rows = samples.rows();
    let mut x = vec![0.0f64; rows * p];
    for row in 0..rows {
        let z = &mut x[row * p..(row + 1) * p];
        z[0] = 1.0;
        for (s, kept) in samples.kept[row * k..(row + 1) * k].iter().enumerate() {
            if *kept {
                for (j, &r) in present.iter().enumerate() {
                    z[j + 1] += counts[s][r] / sizes[r];
                }
            }
        }
    }
    let w = samples.weights(kernel);
    let mut xtx = vec![0.0f64; p * p];
    for (z, &wr) in x.chunks_exact(p).zip(&w) {
        for i in 0..p {
            for j in 0..p {
                xtx[i * p + j] += wr * z[i] * z[j];
            }
        }
    }
    labels
        .iter()
        .map(|&label| {
            let y = samples.response(label);
            let mut xty = vec![0.0f64; p];
            for ((z, &wr), &yr) in x.chunks_exact(p).zip(&w).zip(&y) {
                for (t, zi) in xty.iter_mut().zip(z) {
                    *t += wr * zi * yr;
                }
            }
            let beta = crate::lime::regression::solve_spd(&xtx, &xty, p);
            let total_w: f64 = w.iter().sum();
            let mean =
                w.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() / total_w.max(f64::MIN_POSITIVE);
            let (mut sse, mut tss) = (0.0, 0.0);
            for ((z, &wr), &yr) in x.chunks_exact(p).zip(&w).zip(&y) {
                let fit: f64 = z.iter().zip(&beta).map(|(a, b)| a * b).sum();
                sse += wr * (yr - fit).powi(2);
                tss += wr * (yr - mean).powi(2);
            }
            // The refit's coefficients are already per region.
            let mut values = [0.0f64; REGIONS];
            for (j, &r) in present.iter().enumerate() {
                values[r] = beta[j + 1];
            }
            LabelRegions {
                label: samples.labels[label].clone(),
                rule: ShareRule::Refit,
                r2: Some(if tss > 0.0 { 1.0 - sse / tss } else { 0.0 }),
                shares: regions::shares_of_values(&values),
            }
        })
        .collect()
}

/// Region shares of every label of any explanation on superpixels `sp`,
/// each superpixel's weight spread evenly over its pixels.
pub fn spread_regions(
    landmarks: &Landmarks,
    sp: &Superpixels,
    explanation: &Explanation,
) -> Vec<LabelRegions> {
    let fractions = landmarks
        .regions_at(sp.width, sp.height)
        .superpixel_fractions(&sp.labels, sp.count);
    explanation
        .labels
        .iter()
        .map(|l| {
            let weights: Vec<(usize, f64)> = l
                .features
                .iter()
                .map(|f| (f.superpixel, f.weight))
                .collect();
            LabelRegions {
                label: l.name.clone(),
                rule: ShareRule::Spread,
                r2: None,
                shares: regions::shares(&fractions, &weights),
            }
        })
        .collect()
}

/// How the region answer of an explanation is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionMethod {
    /// The region game: exact Shapley values, interactions and flips
    /// (2^regions model evaluations, no seed).
    #[default]
    Shapley,
    /// LIME refitted on the regions (no model evaluation; shows its R²).
    Refit,
}

impl RegionMethod {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            RegionMethod::Shapley => ShareRule::Shapley.name(),
            RegionMethod::Refit => ShareRule::Refit.name(),
        }
    }
}

/// The region game's values as region shares, one entry per label.
pub fn game_regions(answer: &GameAnswer) -> Vec<LabelRegions> {
    answer
        .values
        .iter()
        .map(|l| LabelRegions {
            label: l.label.clone(),
            rule: ShareRule::Shapley,
            r2: None,
            shares: regions::shares_of_values(&l.values),
        })
        .collect()
}

/// Plays the region game on the face LIME explained (its superpixels'
/// background, at the face's size) for `labels` (model indices).
pub fn play_regions(
    classifier: &dyn Classifier,
    map: &RegionMap,
    samples: &Samples,
    labels: &[usize],
    cancel: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Result<GameAnswer> {
    let game = game::play(
        classifier,
        &samples.face,
        &samples.superpixels,
        map,
        samples.options.background,
        cancel,
        progress,
    )?;
    Ok(game.answer(labels))
}

/// Every region answer of one explained face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceRegions {
    /// The landmarks the regions came from.
    pub landmarks: Landmarks,
    /// How the answer per label was found.
    pub method: RegionMethod,
    /// The explained labels' answers.
    pub labels: Vec<LabelRegions>,
    /// With [`RegionMethod::Shapley`]: values, interactions and flips.
    pub game: Option<GameAnswer>,
    /// With a second opinion: each method's labels, in the comparison's
    /// order (LIME refitted, the others spread).
    pub methods: Vec<Vec<LabelRegions>>,
}

/// The region answer of an explanation by `method` and, if any, the
/// region shares of its second opinion.
pub fn face_regions(
    classifier: &dyn Classifier,
    landmarks: Landmarks,
    outcome: &crate::explain::Outcome,
    comparison: Option<&crate::methods::Comparison>,
    method: RegionMethod,
    cancel: &AtomicBool,
) -> Result<FaceRegions> {
    let refit = || refit_regions(&landmarks, &outcome.samples, &outcome.explanation);
    let (labels, game) = match method {
        RegionMethod::Refit => (refit(), None),
        RegionMethod::Shapley => {
            let sp = &outcome.samples.superpixels;
            let explained: Vec<usize> =
                outcome.explanation.labels.iter().map(|l| l.label).collect();
            let answer = play_regions(
                classifier,
                &landmarks.regions_at(sp.width, sp.height),
                &outcome.samples,
                &explained,
                cancel,
                |_, _| {},
            )?;
            (game_regions(&answer), Some(answer))
        }
    };
    let methods = comparison.map_or_else(Vec::new, |cmp| {
        cmp.attributions
            .iter()
            .map(|a| match a.method {
                // The refit once: it is the answer already with
                // `RegionMethod::Refit`.
                crate::methods::Method::Lime if method == RegionMethod::Refit => labels.clone(),
                crate::methods::Method::Lime => refit(),
                _ => spread_regions(&landmarks, &outcome.samples.superpixels, &a.explanation),
            })
            .collect()
    });
    Ok(FaceRegions {
        landmarks,
        method,
        labels,
        game,
        methods,
    })
}
