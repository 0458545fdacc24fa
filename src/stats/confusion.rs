//! Confusion matrices and the statistics `caret::confusionMatrix` reports,
//! computed with caret's exact formulas (see
//! shared/reference/caret-confusionmatrix.md, read from caret's source).
//!
//! A statistic is a [`Stat`]: `None` where caret gives `NA` (a zero
//! denominator caret guards with `ifelse(..., NA)`), `Some(NaN)` where R's
//! arithmetic gives `NaN` (0/0 that caret does not guard). caret prints the
//! two differently in the per-class table, so they are kept apart.

use serde::Serialize;

use super::distributions::{binom_upper_tail, chisq_upper_tail, qbeta};
use crate::error::{Error, Result};

/// A statistic: `None` is R's `NA`, `Some(f64::NAN)` is R's `NaN`.
pub type Stat = Option<f64>;

/// Counts of (prediction, reference) pairs over a fixed list of levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    /// Class levels, in row and column order.
    pub levels: Vec<String>,
    /// `table[i][j]`: how often level `i` was predicted when `j` was the
    /// reference (rows = prediction, columns = reference, as caret).
    pub table: Vec<Vec<u64>>,
}

/// caret's `$overall`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overall {
    /// Share of agreement.
    pub accuracy: Stat,
    /// Cohen's unweighted kappa.
    pub kappa: Stat,
    /// Lower end of the exact (Clopper–Pearson) 95% interval for accuracy.
    pub accuracy_lower: Stat,
    /// Upper end of that interval.
    pub accuracy_upper: Stat,
    /// No Information Rate: the largest reference class share.
    pub accuracy_null: Stat,
    /// One-sided binomial test of accuracy > NIR.
    pub accuracy_p_value: Stat,
    /// McNemar's (2 classes) or Bowker's symmetry test p-value.
    pub mcnemar_p_value: Stat,
}

/// caret's `$byClass` row for one class (one against all).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassStatistics {
    /// TP / reference count.
    pub sensitivity: Stat,
    /// TN / (n − reference count).
    pub specificity: Stat,
    /// Positive predictive value by caret's prevalence formula.
    pub pos_pred_value: Stat,
    /// Negative predictive value by caret's prevalence formula.
    pub neg_pred_value: Stat,
    /// TP / predicted count.
    pub precision: Stat,
    /// Same as sensitivity.
    pub recall: Stat,
    /// Harmonic mean of precision and recall.
    pub f1: Stat,
    /// Reference count / n.
    pub prevalence: Stat,
    /// TP / n.
    pub detection_rate: Stat,
    /// Predicted count / n.
    pub detection_prevalence: Stat,
    /// (sensitivity + specificity) / 2.
    pub balanced_accuracy: Stat,
}

/// Everything `confusionMatrix()` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaretStatistics {
    /// The matrix the statistics describe.
    pub matrix: ConfusionMatrix,
    /// Overall statistics.
    pub overall: Overall,
    /// Per-class statistics for every level, in level order.
    pub by_class: Vec<ClassStatistics>,
}

impl CaretStatistics {
    /// The classes caret reports in `$byClass`: every level, except with two
    /// levels, where caret reports only the positive (first) one.
    pub fn reported_classes(&self) -> std::ops::Range<usize> {
        if self.matrix.levels.len() == 2 {
            0..1
        } else {
            0..self.matrix.levels.len()
        }
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    num / den
}

/// caret's `ifelse(denominator > 0, numerator / denominator, NA)`.
fn guarded(num: f64, den: f64) -> Stat {
    if den > 0.0 { Some(num / den) } else { None }
}

/// `mcnemar.test(table)`: (statistic, p-value). Continuity-corrected
/// McNemar for 2 classes, Bowker's symmetry test (no correction) for more;
/// NaN when a pair of mirrored cells is 0 and 0, as R gives.
pub fn mcnemar(table: &[Vec<u64>]) -> (f64, f64) {
    let k = table.len();
    let t = table;
    let asym = (0..k).any(|i| (0..k).any(|j| t[i][j] != t[j][i]));
    let correct = k == 2 && asym;
    let mut s = 0.0;
    for i in 0..k {
        for j in i + 1..k {
            let d = t[i][j] as f64 - t[j][i] as f64;
            let y = if correct { d.abs() - 1.0 } else { d };
            s += y * y / (t[i][j] + t[j][i]) as f64;
        }
    }
    let df = (k * (k - 1) / 2) as f64;
    (s, chisq_upper_tail(s, df))
}

fn map2(a: Stat, b: Stat, f: impl Fn(f64, f64) -> f64) -> Stat {
    Some(f(a?, b?))
}

impl ConfusionMatrix {
    /// The confusion matrix of survey answers against the true classes,
    /// with caret's level order.
    pub fn from_survey(survey: &crate::survey::Survey) -> Self {
        Self::from_counts(
            survey
                .answers
                .iter()
                .map(|a| (&*a.predicted, &*a.actual, a.count)),
        )
    }

    /// Builds the matrix from (prediction, reference) pairs with caret's level
    /// order: the sorted union of both (byte order, as `factor()` in the C
    /// locale). Labels are used as they are: "Joy" and "joy " differ.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::from_counts(pairs.into_iter().map(|(p, r)| (p, r, 1)))
    }

    /// Like [`ConfusionMatrix::from_pairs`], each pair standing for `count`
    /// answers (a pair with count 0 still brings its levels, as a table's
    /// empty cell does).
    pub fn from_counts<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str, u64)>) -> Self {
        let pairs: Vec<(&str, &str, u64)> = pairs.into_iter().collect();
        let mut levels: Vec<&str> = pairs.iter().flat_map(|&(p, r, _)| [p, r]).collect();
        levels.sort_unstable();
        levels.dedup();
        let levels = levels.into_iter().map(str::to_string).collect();
        Self::with_levels(levels, pairs).expect("levels hold every label")
    }

    /// Builds the matrix over given levels; a label outside them is an error.
    pub fn with_levels<'a>(
        levels: Vec<String>,
        pairs: impl IntoIterator<Item = (&'a str, &'a str, u64)>,
    ) -> Result<Self> {
        let index: std::collections::HashMap<&str, usize> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let k = levels.len();
        let mut table = vec![vec![0u64; k]; k];
        for (p, r, count) in pairs {
            let (Some(&i), Some(&j)) = (index.get(p), index.get(r)) else {
                return Err(Error::Invalid(format!(
                    "label {:?} is not one of the levels {levels:?}",
                    if index.contains_key(p) { r } else { p }
                )));
            };
            table[i][j] += count;
        }
        Ok(ConfusionMatrix { levels, table })
    }

    /// Total count.
    pub fn n(&self) -> u64 {
        self.table.iter().flatten().sum()
    }

    /// Count on the diagonal.
    pub fn correct(&self) -> u64 {
        (0..self.levels.len()).map(|i| self.table[i][i]).sum()
    }

    /// How often level `i` was predicted.
    pub fn row_total(&self, i: usize) -> u64 {
        self.table[i].iter().sum()
    }

    /// How often level `j` was the reference.
    pub fn col_total(&self, j: usize) -> u64 {
        self.table.iter().map(|r| r[j]).sum()
    }

    /// Each reference column as percentages of its total (the practical's
    /// Figure 4); `None` for an empty column.
    pub fn column_percentages(&self) -> Vec<Vec<Option<f64>>> {
        let k = self.levels.len();
        let totals: Vec<u64> = (0..k).map(|j| self.col_total(j)).collect();
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| guarded(100.0 * self.table[i][j] as f64, totals[j] as f64))
                    .collect()
            })
            .collect()
    }

    /// caret's statistics for this matrix. Fails with fewer than two levels,
    /// as caret does.
    pub fn statistics(&self) -> Result<CaretStatistics> {
        let k = self.levels.len();
        if k < 2 {
            return Err(Error::Invalid(
                "a confusion matrix needs at least two classes".into(),
            ));
        }
        let n = self.n();
        let nf = n as f64;
        let x = self.correct();
        let rows: Vec<f64> = (0..k).map(|i| self.row_total(i) as f64).collect();
        let cols: Vec<f64> = (0..k).map(|j| self.col_total(j) as f64).collect();

        let accuracy = ratio(x as f64, nf);
        let pc: f64 = (0..k).map(|i| (rows[i] / nf) * (cols[i] / nf)).sum();
        let kappa = (accuracy - pc) / (1.0 - pc);

        // binom.test fails for n = 0; caret catches it and reports NA.
        let (lower, upper, nir, p_value) = if n == 0 {
            (None, None, None, None)
        } else {
            // α computed as caret does, (1 - 0.95) / 2 in double.
            let alpha = (1.0 - 0.95) / 2.0;
            let lower = if x == 0 {
                0.0
            } else {
                qbeta(alpha, x as f64, (n - x + 1) as f64)
            };
            let upper = if x == n {
                1.0
            } else {
                qbeta(1.0 - alpha, (x + 1) as f64, (n - x) as f64)
            };
            let nir = cols.iter().cloned().fold(0.0, f64::max) / nf;
            let p = if nir >= 1.0 {
                1.0
            } else {
                binom_upper_tail(x, n, nir)
            };
            (Some(lower), Some(upper), Some(nir), Some(p))
        };

        let overall = Overall {
            accuracy: Some(accuracy),
            kappa: Some(kappa),
            accuracy_lower: lower,
            accuracy_upper: upper,
            accuracy_null: nir,
            accuracy_p_value: p_value,
            mcnemar_p_value: Some(mcnemar(&self.table).1),
        };
        let by_class = (0..k).map(|c| self.class_statistics(c)).collect();
        Ok(CaretStatistics {
            matrix: self.clone(),
            overall,
            by_class,
        })
    }

    fn class_statistics(&self, c: usize) -> ClassStatistics {
        let nf = self.n() as f64;
        let tp = self.table[c][c] as f64;
        let row = self.row_total(c) as f64;
        let col = self.col_total(c) as f64;
        let tn = nf - row - col + tp;

        let sensitivity = guarded(tp, col);
        let specificity = guarded(tn, nf - col);
        let prevalence = ratio(col, nf);
        let pos_pred_value = map2(sensitivity, specificity, |sens, spec| {
            (sens * prevalence) / ((sens * prevalence) + ((1.0 - spec) * (1.0 - prevalence)))
        });
        let neg_pred_value = map2(sensitivity, specificity, |sens, spec| {
            (spec * (1.0 - prevalence))
                / (((1.0 - sens) * prevalence) + (spec * (1.0 - prevalence)))
        });
        let precision = guarded(tp, row);
        let recall = sensitivity;
        let f1 = map2(precision, recall, |p, r| (2.0 * p * r) / (p + r));
        ClassStatistics {
            sensitivity,
            specificity,
            pos_pred_value,
            neg_pred_value,
            precision,
            recall,
            f1,
            prevalence: Some(prevalence),
            detection_rate: Some(ratio(tp, nf)),
            detection_prevalence: Some(ratio(row, nf)),
            balanced_accuracy: map2(sensitivity, specificity, |a, b| (a + b) / 2.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(levels: &[&str], table: Vec<Vec<u64>>) -> ConfusionMatrix {
        ConfusionMatrix {
            levels: levels.iter().map(|s| s.to_string()).collect(),
            table,
        }
    }

    fn close(a: Stat, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn levels_are_the_sorted_union_and_labels_are_not_normalised() {
        let pairs = [("joy", "Joy"), ("Joy ", "Joy"), ("Anger", "Joy")];
        let cm = ConfusionMatrix::from_pairs(pairs.iter().map(|&(a, b)| (a, b)));
        assert_eq!(cm.levels, ["Anger", "Joy", "Joy ", "joy"]);
        assert_eq!(cm.table[3][1], 1);
    }

    #[test]
    fn two_classes_use_continuity_corrected_mcnemar() {
        // By hand: b = 10, c = 3: S = (|10-3|-1)^2/13 = 36/13;
        // scipy.stats.chi2.sf(36/13, 1) = 0.09609...
        let cm = m(&["no", "yes"], vec![vec![20, 10], vec![3, 15]]);
        let s = cm.statistics().unwrap();
        assert!(close(s.overall.mcnemar_p_value, 0.096_092_329_455_673_4));
        assert_eq!(s.reported_classes(), 0..1);
        // Sensitivity of "no": 20 / 23.
        assert!(close(s.by_class[0].sensitivity, 20.0 / 23.0));
    }

    #[test]
    fn symmetric_two_class_table_gives_p_one_or_nan() {
        let s = m(&["a", "b"], vec![vec![5, 2], vec![2, 5]])
            .statistics()
            .unwrap();
        assert_eq!(s.overall.mcnemar_p_value, Some(1.0));
        let s = m(&["a", "b"], vec![vec![5, 0], vec![0, 5]])
            .statistics()
            .unwrap();
        assert!(s.overall.mcnemar_p_value.unwrap().is_nan());
    }

    #[test]
    fn perfect_classifier() {
        let s = m(
            &["a", "b", "c"],
            vec![vec![3, 0, 0], vec![0, 4, 0], vec![0, 0, 5]],
        )
        .statistics()
        .unwrap();
        assert_eq!(s.overall.accuracy, Some(1.0));
        assert_eq!(s.overall.kappa, Some(1.0));
        assert_eq!(s.overall.accuracy_upper, Some(1.0));
        // Bowker: every off-diagonal pair is 0/0.
        assert!(s.overall.mcnemar_p_value.unwrap().is_nan());
        for c in &s.by_class {
            assert_eq!(c.f1, Some(1.0));
        }
    }

    #[test]
    fn class_never_predicted_gives_na_precision_and_nan_ppv() {
        // "b" occurs twice as reference, never predicted.
        let s = m(&["a", "b"], vec![vec![3, 2], vec![0, 0]])
            .statistics()
            .unwrap();
        let b = s.by_class[1];
        assert_eq!(b.precision, None);
        assert!(b.pos_pred_value.unwrap().is_nan());
        assert_eq!(b.sensitivity, Some(0.0));
        assert_eq!(b.f1, None);
    }

    #[test]
    fn label_only_predicted_has_na_sensitivity() {
        let cm = ConfusionMatrix::from_pairs(
            [("a", "a"), ("x", "a"), ("b", "b")]
                .iter()
                .map(|&(p, r)| (p, r)),
        );
        let s = cm.statistics().unwrap();
        let x = s.by_class[2];
        assert_eq!(x.sensitivity, None);
        assert_eq!(x.pos_pred_value, None);
        assert_eq!(x.balanced_accuracy, None);
        assert!(close(x.detection_prevalence, 1.0 / 3.0));
    }

    #[test]
    fn empty_table_has_na_interval() {
        let s = m(&["a", "b"], vec![vec![0, 0], vec![0, 0]])
            .statistics()
            .unwrap();
        assert!(s.overall.accuracy.unwrap().is_nan());
        assert_eq!(s.overall.accuracy_lower, None);
        assert_eq!(s.overall.accuracy_p_value, None);
    }

    /// Values from scipy (beta.ppf, binom.sf, chi2.sf) on caret's formulas.
    fn check(s: &CaretStatistics, want: [f64; 9]) {
        let o = &s.overall;
        let c = &s.by_class[0];
        let got = [
            o.accuracy,
            o.kappa,
            o.accuracy_lower,
            o.accuracy_upper,
            o.accuracy_null,
            o.accuracy_p_value,
            o.mcnemar_p_value,
            c.sensitivity,
            c.specificity,
        ];
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let g = g.unwrap();
            assert!((g - w).abs() <= 1e-9 * w.abs(), "value {i}: {g} vs {w}");
        }
    }

    #[test]
    fn accuracy_below_the_no_information_rate() {
        let s = m(
            &["a", "b", "c"],
            vec![vec![5, 10, 10], vec![10, 5, 10], vec![30, 10, 10]],
        )
        .statistics()
        .unwrap();
        check(
            &s,
            [
                0.2,
                -0.185_185_185_185_185_1,
                0.126_655_552_101_955_84,
                0.291_842_689_088_628_1,
                0.45,
                0.999_999_956_076_979_6,
                0.018_566_135_463_043_25,
                0.111_111_111_111_111_1,
                0.636_363_636_363_636_4,
            ],
        );
    }

    #[test]
    fn twenty_thousand_rows() {
        let s = m(&["no", "yes"], vec![vec![9000, 1200], vec![800, 9000]])
            .statistics()
            .unwrap();
        assert_eq!(s.matrix.n(), 20_000);
        // P-value [Acc > NIR] underflows to 0 in R and scipy alike.
        check(
            &s,
            [
                0.9,
                0.800_079_968_012_794_9,
                0.895_758_961_565_930_9,
                0.904_124_353_723_224_6,
                0.51,
                0.0,
                4.583_095_157_764_486e-19,
                0.918_367_346_938_775_5,
                0.882_352_941_176_470_6,
            ],
        );
    }

    #[test]
    fn one_level_is_an_error() {
        assert!(m(&["a"], vec![vec![3]]).statistics().is_err());
    }
}
