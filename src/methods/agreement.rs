//! Do the methods agree? Per label: Spearman's rank correlation of the
//! per-superpixel importances between every pair of methods, the Jaccard
//! overlap of their top-k superpixels, each method's deletion and insertion
//! areas (RISE's faithfulness metrics, on the same curves as LIME's trust
//! figures), and one verdict.
//!
//! The verdict's rule (docs/agreement.md): over every pair of methods, the
//! mean Spearman ρ̄ and the mean top-k Jaccard J̄. The methods **agree** when
//! ρ̄ ≥ 0.6 and J̄ ≥ 0.4, agree **partly** when ρ̄ ≥ 0.3, and **disagree**
//! otherwise. k is a quarter of the superpixels (at least 1): the regions a
//! panel shows.

use serde::Serialize;

use super::{Attribution, Method};
use crate::lime::trust::Faithfulness;

/// Mean Spearman ρ at or above which methods agree (with [`AGREE_JACCARD`]).
pub const AGREE_SPEARMAN: f64 = 0.6;
/// Mean top-k Jaccard at or above which methods agree.
pub const AGREE_JACCARD: f64 = 0.4;
/// Mean Spearman ρ at or above which methods agree partly.
pub const PARTLY_SPEARMAN: f64 = 0.3;
/// k is the superpixels divided by this.
const TOP_SHARE: usize = 4;

/// The verdict for one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Consensus {
    /// ρ̄ ≥ 0.6 and J̄ ≥ 0.4.
    Agree,
    /// ρ̄ ≥ 0.3.
    Partly,
    /// Below.
    Disagree,
}

impl Consensus {
    /// The words a table prints.
    pub fn word(self) -> &'static str {
        match self {
            Consensus::Agree => "methods agree",
            Consensus::Partly => "methods agree partly",
            Consensus::Disagree => "methods disagree",
        }
    }
}

/// Two methods compared on one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// First method.
    pub a: Method,
    /// Second method.
    pub b: Method,
    /// Spearman's ρ of the superpixels' importances (NaN when one is
    /// constant).
    pub spearman: f64,
    /// Jaccard overlap of the k most important superpixels.
    pub jaccard: f64,
}

/// One method's faithfulness on one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodCurves {
    /// The method.
    pub method: Method,
    /// Deletion area (lower: the method found what matters).
    pub deletion_auc: f64,
    /// Insertion area (higher is better).
    pub insertion_auc: f64,
}

/// Agreement on one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelAgreement {
    /// Label index.
    pub label: usize,
    /// Label name.
    pub name: String,
    /// The k of top-k.
    pub k: usize,
    /// Every pair of methods.
    pub pairs: Vec<Pair>,
    /// Every method's deletion and insertion areas.
    pub curves: Vec<MethodCurves>,
    /// Mean ρ over the pairs (NaN pairs left out).
    pub mean_spearman: f64,
    /// Mean top-k Jaccard over the pairs.
    pub mean_jaccard: f64,
    /// The verdict.
    pub verdict: Consensus,
}

/// Ranks (1-based) with ties given their mean rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            r[o] = mean;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation (NaN when either is constant).
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa == 0.0 || sbb == 0.0 {
        f64::NAN
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Spearman's ρ (average ranks for ties), as R's `cor(method = "spearman")`.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// The k largest (most supporting), ties by index.
fn top(v: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[b].total_cmp(&v[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// Jaccard overlap of the top-k sets.
pub fn top_k_jaccard(a: &[f64], b: &[f64], k: usize) -> f64 {
    let (ta, tb) = (top(a, k), top(b, k));
    let inter = ta.iter().filter(|x| tb.contains(x)).count();
    let union = ta.len() + tb.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// The mean of the finite values (NaN when there are none).
fn mean_finite(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0);
    for x in v.filter(|x| x.is_finite()) {
        s += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Agreement of `attributions` (each with the same labels, in the same
/// order) on a face of `superpixels` superpixels; `faithfulness[m]` are
/// method m's curves per label.
pub fn agreement(
    attributions: &[Attribution],
    faithfulness: &[Vec<Faithfulness>],
    superpixels: usize,
) -> Vec<LabelAgreement> {
    let Some(first) = attributions.first() else {
        return Vec::new();
    };
    let k = (superpixels / TOP_SHARE).max(1);
    first
        .explanation
        .labels
        .iter()
        .enumerate()
        .map(|(li, l)| {
            let values: Vec<Vec<f64>> = attributions
                .iter()
                .map(|a| a.importance(li, superpixels))
                .collect();
            let mut pairs = Vec::new();
            for i in 0..attributions.len() {
                for j in i + 1..attributions.len() {
                    pairs.push(Pair {
                        a: attributions[i].method,
                        b: attributions[j].method,
                        spearman: spearman(&values[i], &values[j]),
                        jaccard: top_k_jaccard(&values[i], &values[j], k),
                    });
                }
            }
            let curves = attributions
                .iter()
                .zip(faithfulness)
                .filter_map(|(a, f)| {
                    f.iter().find(|c| c.label == l.label).map(|c| MethodCurves {
                        method: a.method,
                        deletion_auc: c.deletion.auc,
                        insertion_auc: c.insertion.auc,
                    })
                })
                .collect();
            let mean_spearman = mean_finite(pairs.iter().map(|p| p.spearman));
            let mean_jaccard = mean_finite(pairs.iter().map(|p| p.jaccard));
            let verdict = if mean_spearman >= AGREE_SPEARMAN && mean_jaccard >= AGREE_JACCARD {
                Consensus::Agree
            } else if mean_spearman >= PARTLY_SPEARMAN {
                Consensus::Partly
            } else {
                Consensus::Disagree
            };
            LabelAgreement {
                label: l.label,
                name: l.name.clone(),
                k,
                pairs,
                curves,
                mean_spearman,
                mean_jaccard,
                verdict,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_matches_r() {
        // R 4.2.2: cor(c(1, 2, 2, 5, 3, 0.5), c(10, 8, 9, 1, 12, 3),
        // method = "spearman") = -0.0579771035652 (a tie in the first).
        let r = spearman(
            &[1.0, 2.0, 2.0, 5.0, 3.0, 0.5],
            &[10.0, 8.0, 9.0, 1.0, 12.0, 3.0],
        );
        assert!((r + 0.057_977_103_565_2).abs() < 1e-12, "{r}");
        assert!(spearman(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn jaccard_of_top_sets() {
        let a = [0.9, 0.8, 0.1, 0.0];
        let b = [0.9, 0.0, 0.8, 0.1];
        assert_eq!(top_k_jaccard(&a, &b, 2), 1.0 / 3.0);
        assert_eq!(top_k_jaccard(&a, &a, 2), 1.0);
    }
}
