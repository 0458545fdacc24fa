//! The model against people: both confusion matrices over one set of class
//! names, and a test of whether their accuracies differ.

use serde::Serialize;

use super::confusion::{CaretStatistics, ConfusionMatrix};
use super::distributions::chisq_upper_tail;
use crate::emotion;
use crate::error::Result;
use crate::predict::Prediction;
use crate::survey::normalize_label;

/// How to name classes in a model's confusion matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// The model's own labels; folder names are mapped onto them through the
    /// emotion synonyms (unknown folders keep their name).
    ModelLabels,
    /// Canonical emotion names ("Joy"), to line up with a survey.
    Canonical,
}

/// The model's confusion matrix on faces with a known class. Faces without a
/// class are left out.
pub fn model_matrix<'a>(
    labels: &[String],
    results: impl IntoIterator<Item = (Option<&'a str>, &'a Prediction)>,
    naming: Naming,
) -> ConfusionMatrix {
    let name = |s: &str| match naming {
        Naming::ModelLabels => emotion::find(labels, s)
            .map(|i| labels[i].clone())
            .unwrap_or_else(|| s.to_string()),
        Naming::Canonical => normalize_label(s),
    };
    let pairs: Vec<(String, String)> = results
        .into_iter()
        .filter_map(|(class, p)| class.map(|c| (name(&labels[p.predicted]), name(c))))
        .collect();
    ConfusionMatrix::from_pairs(pairs.iter().map(|(p, r)| (p.as_str(), r.as_str())))
}

/// A two-sample test of equal proportions: R's `prop.test(x, n)` with
/// Yates' continuity correction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProportionTest {
    /// Chi-squared statistic (1 degree of freedom).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// `prop.test(c(x1, x2), c(n1, n2))`. NaN when a sample is empty or the
/// pooled proportion is 0 or 1 (R warns and gives NaN there too).
pub fn prop_test(x1: u64, n1: u64, x2: u64, n2: u64) -> ProportionTest {
    let (x, n) = ([x1 as f64, x2 as f64], [n1 as f64, n2 as f64]);
    let p = (x[0] + x[1]) / (n[0] + n[1]);
    let delta = x[0] / n[0] - x[1] / n[1];
    let yates = 0.5f64.min(delta.abs() / (1.0 / n[0] + 1.0 / n[1]));
    let mut stat = 0.0;
    for i in 0..2 {
        for (obs, exp) in [(x[i], n[i] * p), (n[i] - x[i], n[i] * (1.0 - p))] {
            stat += ((obs - exp).abs() - yates).powi(2) / exp;
        }
    }
    ProportionTest {
        statistic: stat,
        p_value: chisq_upper_tail(stat, 1.0),
    }
}

/// Model and people side by side.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Class names, shared by both (canonical emotion names).
    pub levels: Vec<String>,
    /// The model's statistics over `levels`.
    pub model: CaretStatistics,
    /// The people's statistics over `levels`.
    pub people: CaretStatistics,
    /// Do the accuracies differ? (independent samples: different answers).
    pub accuracy_test: ProportionTest,
}

/// Re-expresses a matrix over a larger set of levels (zeros elsewhere).
fn widen(m: &ConfusionMatrix, levels: &[String]) -> ConfusionMatrix {
    let pos = |l: &String| levels.iter().position(|x| x == l).expect("level present");
    let k = levels.len();
    let mut table = vec![vec![0; k]; k];
    for (i, li) in m.levels.iter().enumerate() {
        for (j, lj) in m.levels.iter().enumerate() {
            table[pos(li)][pos(lj)] += m.table[i][j];
        }
    }
    ConfusionMatrix {
        levels: levels.to_vec(),
        table,
    }
}

/// Compares the model's matrix with the people's, both already in canonical
/// names, over the union of their classes in caret's (sorted) order.
pub fn compare(model: &ConfusionMatrix, people: &ConfusionMatrix) -> Result<Comparison> {
    let mut levels: Vec<String> = model.levels.iter().chain(&people.levels).cloned().collect();
    levels.sort();
    levels.dedup();
    let (m, p) = (widen(model, &levels), widen(people, &levels));
    Ok(Comparison {
        accuracy_test: prop_test(m.correct(), m.n(), p.correct(), p.n()),
        model: m.statistics()?,
        people: p.statistics()?,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prop_test_matches_r() {
        // prop.test(c(83, 494), c(100, 880)) is the Yates-corrected 2x2
        // chi-squared test: scipy.stats.chi2_contingency([[83, 17], [494, 386]])
        let t = prop_test(83, 100, 494, 880);
        assert!(
            (t.statistic - 25.666_374_981_869_47).abs() < 1e-9,
            "{}",
            t.statistic
        );
        assert!(
            (t.p_value / 4.058_370_934_120_155e-7 - 1.0).abs() < 1e-6,
            "{}",
            t.p_value
        );
    }

    #[test]
    fn model_matrix_maps_folders_to_labels() {
        let labels: Vec<String> = ["angry", "happy"].iter().map(|s| s.to_string()).collect();
        let p = Prediction::from_probabilities(vec![0.1, 0.9]);
        let m = model_matrix(
            &labels,
            [(Some("JOY"), &p), (Some("ANGER"), &p)],
            Naming::ModelLabels,
        );
        assert_eq!(m.levels, ["angry", "happy"]);
        assert_eq!(m.table[1], vec![1, 1]);
        let m = model_matrix(&labels, [(Some("JOY"), &p)], Naming::Canonical);
        assert_eq!(m.levels, ["Joy"]);
    }
}
