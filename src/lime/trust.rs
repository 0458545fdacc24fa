//! How far to trust an explanation: stability of the weights and of the
//! top superpixels, and faithfulness (deletion and insertion curves).
//!
//! Two ways to measure stability:
//! - **bootstrap** (default): refit the local model on resamples of the same
//!   perturbation rows. No new model evaluations, so nearly free. It
//!   measures how much the fit depends on which samples were drawn, given
//!   this segmentation and these samples.
//! - **seeds N**: N whole explanations with other seeds (N× the model
//!   evaluations). It also sees the randomness of the perturbations
//!   themselves. The two agree when the samples are representative; seeds
//!   gives wider intervals when 1,000 samples are too few for the number
//!   of superpixels, which the bootstrap cannot see from one draw.

use std::sync::atomic::{AtomicBool, Ordering};

use image::DynamicImage;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::perturb::Composer;
use super::{Explanation, FitOptions, LabelExplanation, Samples, SamplingOptions, sample};
use crate::error::{Error, Result};
use crate::model::Classifier;

/// How stability is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StabilityMethod {
    /// Refit on `n` resamples of the rows (default 100).
    Bootstrap(usize),
    /// `n` independent explanations with other seeds.
    Seeds(usize),
}

/// One superpixel's weight with its 95% interval across replicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightInterval {
    /// Superpixel id.
    pub superpixel: usize,
    /// Weight in the explanation.
    pub weight: f64,
    /// 2.5% quantile across replicates (0 where not selected).
    pub lower: f64,
    /// 97.5% quantile across replicates.
    pub upper: f64,
}

/// A one-word judgement of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The same superpixels come back with the same signs.
    Stable,
    /// Mostly the same superpixels.
    Shaky,
    /// Replicates disagree: do not read much into it.
    Unstable,
    /// The same superpixels but for the last place of the top set, where
    /// two weights are honestly tied (their intervals overlap): more
    /// samples would not settle it.
    Tied,
    /// The model's answer does not depend on the superpixels here.
    Uninformative,
}

impl Verdict {
    /// The word shown to people.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Stable => "stable",
            Verdict::Shaky => "shaky",
            Verdict::Unstable => "unstable",
            Verdict::Tied => "tied at the edge",
            Verdict::Uninformative => "no information",
        }
    }
}

/// Stability of one label's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stability {
    /// Label index.
    pub label: usize,
    /// Replicates used.
    pub replicates: usize,
    /// k: the size of the compared top set (the number of selected features).
    pub k: usize,
    /// Mean pairwise Jaccard overlap of the replicates' top-k sets.
    pub jaccard: f64,
    /// Share of (replicate, top superpixel) pairs where the weight has the
    /// explanation's sign.
    pub sign_agreement: f64,
    /// Selected superpixels with intervals.
    pub intervals: Vec<WeightInterval>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Weights below this (in probability) count as no effect.
const NEGLIGIBLE: f64 = 1e-3;

/// A label's selected superpixels with their weights.
fn weights_of(label: &LabelExplanation) -> Vec<(usize, f64)> {
    label
        .features
        .iter()
        .map(|f| (f.superpixel, f.weight))
        .collect()
}

/// The weight of superpixel `id` in a fit (0 where it was not selected).
fn weight_in(weights: &[(usize, f64)], id: usize) -> f64 {
    weights.iter().find(|(i, _)| *i == id).map_or(0.0, |x| x.1)
}

fn top_k(weights: &[(usize, f64)], k: usize) -> Vec<usize> {
    let mut w: Vec<&(usize, f64)> = weights
        .iter()
        .filter(|(_, x)| x.abs() > NEGLIGIBLE)
        .collect();
    w.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let mut ids: Vec<usize> = w.into_iter().take(k).map(|(i, _)| *i).collect();
    ids.sort();
    ids
}

fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.iter().filter(|x| b.contains(x)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean pairwise Jaccard overlap of top sets (1 with fewer than two).
fn mean_jaccard(tops: &[Vec<usize>]) -> f64 {
    let mut pairs = 0usize;
    let mut sum = 0.0;
    for i in 0..tops.len() {
        for j in i + 1..tops.len() {
            sum += jaccard(&tops[i], &tops[j]);
            pairs += 1;
        }
    }
    if pairs > 0 { sum / pairs as f64 } else { 1.0 }
}

/// Whether the replicates agree on the top `k − 1` superpixels and the
/// `k`-th and `(k + 1)`-th weights of the explanation are tied: their
/// intervals over the replicates overlap, so which one is in the top set is
/// chance.
fn tied_at_edge(
    main: &[(usize, f64)],
    intervals: &[WeightInterval],
    replicates: &[Vec<(usize, f64)>],
    k: usize,
) -> bool {
    if k < 2 || main.len() <= k {
        return false;
    }
    let tops: Vec<Vec<usize>> = replicates.iter().map(|r| top_k(r, k - 1)).collect();
    if mean_jaccard(&tops) < 0.9 {
        return false;
    }
    let mut order: Vec<&(usize, f64)> = main.iter().collect();
    order.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let span = |id: usize| {
        intervals.iter().find(|i| i.superpixel == id).map(|i| {
            let hi = i.lower.abs().max(i.upper.abs());
            // An interval across 0 reaches |weight| = 0.
            let lo = if i.lower * i.upper <= 0.0 {
                0.0
            } else {
                i.lower.abs().min(i.upper.abs())
            };
            (lo, hi)
        })
    };
    match (span(order[k - 1].0), span(order[k].0)) {
        // The k-th's smallest plausible |weight| is below the (k+1)-th's
        // largest.
        (Some((lo, _)), Some((_, hi))) => lo <= hi,
        _ => false,
    }
}

/// Summarises replicate fits (each a list of (superpixel, weight)) against
/// the explanation of a label.
fn summarise(label: &LabelExplanation, replicates: &[Vec<(usize, f64)>], k: usize) -> Stability {
    let main = weights_of(label);
    let main_top = top_k(&main, k);
    let tops: Vec<Vec<usize>> = replicates.iter().map(|r| top_k(r, k)).collect();
    let jac = mean_jaccard(&tops);
    let mut agree = 0usize;
    let mut total = 0usize;
    for id in &main_top {
        let s = weight_in(&main, *id).signum();
        for r in replicates {
            total += 1;
            agree += (weight_in(r, *id).signum() == s) as usize;
        }
    }
    let sign_agreement = if total > 0 {
        agree as f64 / total as f64
    } else {
        1.0
    };
    let intervals: Vec<WeightInterval> = label
        .features
        .iter()
        .map(|f| {
            let mut ws: Vec<f64> = replicates
                .iter()
                .map(|r| weight_in(r, f.superpixel))
                .collect();
            ws.sort_by(f64::total_cmp);
            WeightInterval {
                superpixel: f.superpixel,
                weight: f.weight,
                lower: quantile(&ws, 0.025),
                upper: quantile(&ws, 0.975),
            }
        })
        .collect();
    let informative =
        label.r2 > 0.05 && main_top.iter().any(|id| weight_in(&main, *id).abs() > 0.01);
    let verdict = if !informative {
        Verdict::Uninformative
    } else if jac >= 0.75 && sign_agreement >= 0.9 {
        Verdict::Stable
    } else if sign_agreement >= 0.9 && tied_at_edge(&main, &intervals, replicates, k) {
        Verdict::Tied
    } else if jac >= 0.5 && sign_agreement >= 0.75 {
        Verdict::Shaky
    } else {
        Verdict::Unstable
    };
    Stability {
        label: label.label,
        replicates: replicates.len(),
        k: main_top.len().max(k.min(label.features.len())),
        jaccard: jac,
        sign_agreement,
        intervals,
        verdict,
    }
}

/// The k compared: the explanation's number of features, but at most a
/// quarter of the superpixels, since when nearly every superpixel is
/// selected (the practical's 3/4) any two sets overlap trivially.
fn compared_k(samples: &Samples, options: &FitOptions) -> usize {
    options
        .n_features
        .min((samples.superpixels.count / 4).max(1))
        .max(1)
}

/// Bootstrap stability: refits on `n` resamples of the rows (seeded),
/// their deviations from the explanation scaled to what other seeds give
/// ([`super::Sampler::bootstrap_scale`]: less for a whole balanced design,
/// whose rows are not independent draws). Setting `cancel` stops it with
/// [`Error::Cancelled`] (each refit costs a factorisation cubic in the
/// superpixels: seconds at the bound).
pub fn bootstrap(
    samples: &Samples,
    expl: &Explanation,
    n: usize,
    seed: u64,
    cancel: &AtomicBool,
) -> Result<Vec<Stability>> {
    let weights = samples.weights(expl.options.kernel);
    let rows = samples.rows();
    let k = compared_k(samples, &expl.options);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xB007_5742);
    // Rows are resampled one by one: each balanced row is a uniform draw on
    // its own, as each of R lime's is.
    let resamples: Vec<Vec<usize>> = (0..n)
        .map(|_| (0..rows).map(|_| rng.random_range(0..rows)).collect())
        .collect();
    let labels: Vec<usize> = expl.labels.iter().map(|l| l.label).collect();
    // Per resample, one fit per label (the labels share the moments).
    let fits = crate::parallel::ordered(&resamples, |rs| {
        if cancel.load(Ordering::Relaxed) {
            return Vec::new();
        }
        samples
            .fit_labels(&labels, &expl.options, &weights, rs)
            .into_iter()
            .map(|fit| {
                fit.columns
                    .iter()
                    .cloned()
                    .zip(fit.coefficients.iter().cloned())
                    .collect::<Vec<(usize, f64)>>()
            })
            .collect::<Vec<_>>()
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let o = &samples.options;
    let scale = o
        .sampler
        .bootstrap_scale(o.p_remove, o.n_permutations, rows);
    Ok(expl
        .labels
        .iter()
        .enumerate()
        .map(|(li, l)| {
            let main = weights_of(l);
            let reps: Vec<Vec<(usize, f64)>> =
                fits.iter().map(|f| towards(&main, &f[li], scale)).collect();
            summarise(l, &reps, k)
        })
        .collect())
}

/// A replicate's weights moved towards the explanation's `main`, each
/// deviation scaled by `scale` (1: unchanged); a superpixel the replicate
/// or the explanation did not select weighs 0 there.
fn towards(main: &[(usize, f64)], replicate: &[(usize, f64)], scale: f64) -> Vec<(usize, f64)> {
    if scale == 1.0 {
        return replicate.to_vec();
    }
    let mut out: Vec<(usize, f64)> = replicate
        .iter()
        .map(|&(id, w)| {
            let m = weight_in(main, id);
            (id, m + scale * (w - m))
        })
        .collect();
    out.extend(
        main.iter()
            .filter(|&&(id, _)| !replicate.iter().any(|&(r, _)| r == id))
            .map(|&(id, w)| (id, (1.0 - scale) * w)),
    );
    out
}

/// Seed stability: `n` independent explanations of the same face with seeds
/// `seed + 1 ..= seed + n`, compared with `expl`.
pub fn seeds(
    classifier: &dyn Classifier,
    image: &DynamicImage,
    sampling: &SamplingOptions,
    samples: &Samples,
    expl: &Explanation,
    n: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Stability>> {
    let k = compared_k(samples, &expl.options);
    let mut reps: Vec<Vec<Vec<(usize, f64)>>> = vec![Vec::new(); expl.labels.len()];
    for i in 0..n {
        let opts = SamplingOptions {
            seed: sampling.seed.wrapping_add(1 + i as u64),
            ..sampling.clone()
        };
        let s = sample(classifier, image, &opts, cancel, |_, _| {})?;
        let weights = s.weights(expl.options.kernel);
        let rows: Vec<usize> = (0..s.rows()).collect();
        for (li, l) in expl.labels.iter().enumerate() {
            let fit = s.fit_label(l.label, &expl.options, &weights, &rows);
            reps[li].push(
                fit.columns
                    .iter()
                    .cloned()
                    .zip(fit.coefficients.iter().cloned())
                    .collect(),
            );
        }
    }
    Ok(expl
        .labels
        .iter()
        .zip(&reps)
        .map(|(l, r)| summarise(l, r, k))
        .collect())
}

/// A deletion or insertion curve: the label's probability after each step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Probability after 0, 1, …, K steps.
    pub probabilities: Vec<f64>,
    /// Area under the curve, the x axis scaled to [0, 1].
    pub auc: f64,
}

impl Curve {
    /// The curve as (share of superpixels changed, probability) points.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let n = (self.probabilities.len().max(2) - 1) as f64;
        self.probabilities
            .iter()
            .enumerate()
            .map(|(i, &p)| (i as f64 / n, p))
            .collect()
    }
}

fn curve(p: Vec<f64>) -> Curve {
    let n = p.len();
    let auc = if n < 2 {
        p.first().copied().unwrap_or(0.0)
    } else {
        p.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / (n - 1) as f64
    };
    Curve {
        probabilities: p,
        auc,
    }
}

/// Faithfulness of one label's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Faithfulness {
    /// Label index.
    pub label: usize,
    /// Removing superpixels by decreasing weight, from the whole face.
    pub deletion: Curve,
    /// Adding them by decreasing weight, from an empty face.
    pub insertion: Curve,
    /// The mean deletion curve of random orders.
    pub random_deletion: Curve,
    /// The mean insertion curve of random orders.
    pub random_insertion: Curve,
    /// Deletion area over the random orders' (both above the empty face's
    /// probability): below 1 means the explanation found what matters.
    pub deletion_ratio: f64,
    /// The same for insertion: above 1 is good.
    pub insertion_ratio: f64,
}

/// What the deletion and insertion curves are compared with: the mean
/// curve of removing (or adding) superpixels in a random order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// Estimated from the perturbation samples, for no new evaluations. A
    /// random order passes, after s steps, through a uniformly random subset
    /// of K − s superpixels (deletion) or s (insertion); a perturbation that
    /// keeps m superpixels is exactly such a subset of size m. So the mean
    /// random curve at size m is the mean probability of the samples that
    /// keep m superpixels. Sizes with fewer than [`MIN_ROWS_PER_SIZE`]
    /// samples (near 0 and K) are interpolated linearly between the nearest
    /// known sizes, with the empty face (the end of the deletion curve) and
    /// the whole face as the two ends.
    Samples,
    /// The mean of this many random orders, evaluated by the model:
    /// 2 · (K + 1) evaluations each.
    RandomOrders(usize),
}

/// Samples needed at a size before its mean is used as is (see
/// [`Baseline::Samples`]).
pub const MIN_ROWS_PER_SIZE: usize = 5;

/// The mean probability of `label` over random subsets of every size
/// m = 0..=K, estimated from the samples (see [`Baseline::Samples`]).
fn mean_by_size(samples: &Samples, label: usize, empty: f64, whole: f64) -> Vec<f64> {
    let k = samples.superpixels.count;
    let y = samples.response(label);
    let mut sum = vec![0.0; k + 1];
    let mut count = vec![0usize; k + 1];
    // Row 0 is the original face, not a random draw.
    for r in 1..samples.rows() {
        let m = samples.kept[r * k..(r + 1) * k]
            .iter()
            .filter(|&&b| b)
            .count();
        sum[m] += y[r];
        count[m] += 1;
    }
    let mut known: Vec<Option<f64>> = (0..=k)
        .map(|m| (count[m] >= MIN_ROWS_PER_SIZE).then(|| sum[m] / count[m] as f64))
        .collect();
    known[0] = Some(empty);
    known[k] = Some(whole);
    let anchors: Vec<(usize, f64)> = known
        .iter()
        .enumerate()
        .filter_map(|(m, v)| v.map(|v| (m, v)))
        .collect();
    (0..=k)
        .map(|m| {
            if let Some(v) = known[m] {
                return v;
            }
            let hi = anchors.partition_point(|&(a, _)| a < m);
            let ((m0, v0), (m1, v1)) = (anchors[hi - 1], anchors[hi]);
            v0 + (v1 - v0) * (m - m0) as f64 / (m1 - m0) as f64
        })
        .collect()
}

/// Deletion and insertion curves for every explained label, against a
/// random-order baseline. Costs 2 · (K + 1) model evaluations per label,
/// plus those of the baseline (none for [`Baseline::Samples`]).
pub fn faithfulness(
    classifier: &dyn Classifier,
    samples: &Samples,
    expl: &Explanation,
    baseline: Baseline,
    seed: u64,
) -> Result<Vec<Faithfulness>> {
    let pre = classifier.preprocessor();
    let composer = Composer::new(
        &samples.face,
        &samples.superpixels,
        samples.options.background,
        pre,
    );
    let k = samples.superpixels.count;
    let classes = samples.labels.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xDE1E7E);
    let random = match baseline {
        Baseline::Samples => 0,
        Baseline::RandomOrders(n) => n,
    };
    // Every order of every label (the explanation's, then the random ones),
    // each run both ways, evaluated together in one pass over the model.
    let mut orders: Vec<Vec<usize>> = Vec::new();
    for l in &expl.labels {
        // By decreasing weight; unselected superpixels (weight 0) go after
        // the positive ones and before the negative ones.
        let weight = |j: usize| {
            l.features
                .iter()
                .find(|f| f.superpixel == j)
                .map_or(0.0, |f| f.weight)
        };
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)).then(a.cmp(&b)));
        orders.push(order);
        for _ in 0..random {
            let mut o: Vec<usize> = (0..k).collect();
            o.shuffle(&mut rng);
            orders.push(o);
        }
    }
    let steps = k + 1;
    let mut kept = Vec::with_capacity(orders.len() * 2 * steps * k);
    for order in &orders {
        for deleting in [true, false] {
            let mut row = vec![deleting; k];
            kept.extend_from_slice(&row);
            for &j in order {
                row[j] = !deleting;
                kept.extend_from_slice(&row);
            }
        }
    }
    let p = super::evaluate(classifier, &composer, &kept, k)?;
    // (deletion, insertion) probabilities of `label` along order `o`.
    let curves_of = |o: usize, label: usize| -> (Vec<f64>, Vec<f64>) {
        let col: Vec<f64> = (0..2 * steps)
            .map(|r| p[(o * 2 * steps + r) * classes + label] as f64)
            .collect();
        (col[..steps].to_vec(), col[steps..].to_vec())
    };
    let mut out = Vec::new();
    for (li, l) in expl.labels.iter().enumerate() {
        let first = li * (1 + random);
        let (del, ins) = curves_of(first, l.label);
        let (rdel, rins) = if random == 0 {
            let g = mean_by_size(samples, l.label, del[k], del[0]);
            ((0..=k).map(|s| g[k - s]).collect(), g)
        } else {
            let mut rdel = vec![0.0; steps];
            let mut rins = vec![0.0; steps];
            for o in first + 1..=first + random {
                let (d, i) = curves_of(o, l.label);
                for s in 0..steps {
                    rdel[s] += d[s] / random as f64;
                    rins[s] += i[s] / random as f64;
                }
            }
            (rdel, rins)
        };
        // Areas are compared above the empty face's probability, which every
        // order shares and which would otherwise hide the difference.
        let floor = del[k];
        let (deletion, insertion) = (curve(del), curve(ins));
        let (random_deletion, random_insertion) = (curve(rdel), curve(rins));
        let ratio = |a: f64, b: f64| {
            let (a, b) = (a - floor, b - floor);
            if b.abs() < 1e-9 { 1.0 } else { a / b }
        };
        out.push(Faithfulness {
            label: l.label,
            deletion_ratio: ratio(deletion.auc, random_deletion.auc),
            insertion_ratio: ratio(insertion.auc, random_insertion.auc),
            deletion,
            insertion,
            random_deletion,
            random_insertion,
        });
    }
    Ok(out)
}

/// Everything known about how far to trust an explanation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Trust {
    /// Per label, when stability was measured.
    pub stability: Vec<Stability>,
    /// Per label, when faithfulness was measured.
    pub faithfulness: Vec<Faithfulness>,
}

impl Trust {
    /// Stability of a label.
    pub fn stability_of(&self, label: usize) -> Option<&Stability> {
        self.stability.iter().find(|s| s.label == label)
    }

    /// Faithfulness of a label.
    pub fn faithfulness_of(&self, label: usize) -> Option<&Faithfulness> {
        self.faithfulness.iter().find(|s| s.label == label)
    }
}

/// One refit during sampling, and how much it moved since the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refit {
    /// Samples used.
    pub rows: usize,
    /// The explanation from those samples.
    pub explanation: Explanation,
    /// Smallest (over labels) Jaccard overlap of the top-k set with the
    /// previous refit's (1 for the first).
    pub top_overlap: f64,
    /// Largest change of a top-k weight since the previous refit.
    pub weight_change: f64,
    /// Mean width of the top-k weights' bootstrap intervals, relative to
    /// their mean |weight| (smallest over labels is what matters: largest).
    pub relative_interval: f64,
}

/// Tracks refits while samples arrive and says when to stop.
#[derive(Debug, Default)]
pub struct Convergence {
    refits: Vec<Refit>,
}

impl Convergence {
    /// Refits on the samples so far; `cancel` stops the refit's bootstrap.
    pub fn update(
        &mut self,
        samples: &Samples,
        options: &FitOptions,
        seed: u64,
        cancel: &AtomicBool,
    ) -> Result<&Refit> {
        let explanation = samples.explain(options)?;
        let k = compared_k(samples, options);
        let tops: Vec<Vec<usize>> = explanation
            .labels
            .iter()
            .map(|l| top_k(&weights_of(l), k))
            .collect();
        let (mut top_overlap, mut weight_change) = (1.0f64, 0.0f64);
        if let Some(prev) = self.refits.last() {
            for (l, top) in explanation.labels.iter().zip(&tops) {
                let Some(pl) = prev.explanation.labels.iter().find(|p| p.label == l.label) else {
                    continue;
                };
                let (now, before) = (weights_of(l), weights_of(pl));
                top_overlap = top_overlap.min(jaccard(top, &top_k(&before, k)));
                for &id in top {
                    let change = (weight_in(&now, id) - weight_in(&before, id)).abs();
                    weight_change = weight_change.max(change);
                }
            }
        }
        let stability = bootstrap(samples, &explanation, 30, seed, cancel)?;
        let relative_interval = stability
            .iter()
            .zip(&tops)
            .map(|(st, top)| {
                let iv: Vec<&WeightInterval> = st
                    .intervals
                    .iter()
                    .filter(|i| top.contains(&i.superpixel))
                    .collect();
                if iv.is_empty() {
                    return 0.0;
                }
                let width = iv.iter().map(|i| i.upper - i.lower).sum::<f64>() / iv.len() as f64;
                let size = iv.iter().map(|i| i.weight.abs()).sum::<f64>() / iv.len() as f64;
                if size > 0.0 { width / size } else { 0.0 }
            })
            .fold(0.0, f64::max);
        self.refits.push(Refit {
            rows: samples.rows(),
            explanation,
            top_overlap,
            weight_change,
            relative_interval,
        });
        Ok(self.refits.last().expect("just pushed"))
    }

    /// Stable: the top-k sets unchanged over the last three refits and the
    /// intervals narrow (mean width at most the mean |weight|).
    pub fn is_stable(&self) -> bool {
        let n = self.refits.len();
        n >= 3
            && self.refits[n - 2..].iter().all(|r| r.top_overlap >= 1.0)
            && self.refits[n - 1].relative_interval <= 1.0
    }

    /// Every refit so far.
    pub fn refits(&self) -> &[Refit] {
        &self.refits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_at_the_edge_of_the_top_set_is_called_a_tie() {
        let features = [(0, 0.5), (1, 0.4), (2, 0.11), (3, 0.10)];
        let label = LabelExplanation {
            label: 0,
            name: "a".into(),
            probability: 0.9,
            r2: 0.5,
            intercept: 0.0,
            prediction: 1.0,
            features: features
                .iter()
                .map(|&(superpixel, weight)| crate::lime::FeatureWeight { superpixel, weight })
                .collect(),
        };
        // Half the replicates put 2 third, half put 3.
        let reps: Vec<Vec<(usize, f64)>> = (0..10)
            .map(|i| {
                let (a, b) = if i % 2 == 0 {
                    (0.12, 0.09)
                } else {
                    (0.09, 0.12)
                };
                vec![(0, 0.5), (1, 0.4), (2, a), (3, b)]
            })
            .collect();
        assert_eq!(summarise(&label, &reps, 3).verdict, Verdict::Tied);
        // The same disagreement on the first place is not a tie.
        let reps: Vec<Vec<(usize, f64)>> = (0..10)
            .map(|i| {
                let (a, b) = if i % 2 == 0 { (0.5, 0.01) } else { (0.01, 0.5) };
                vec![(0, a), (1, 0.4), (2, 0.3), (3, b)]
            })
            .collect();
        assert_ne!(summarise(&label, &reps, 3).verdict, Verdict::Tied);
    }

    #[test]
    fn jaccard_and_curves() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 1.0);
        let c = curve(vec![1.0, 0.0]);
        assert!((c.auc - 0.5).abs() < 1e-12);
        assert_eq!(quantile(&[0.0, 1.0, 2.0], 0.5), 1.0);
    }
}
