//! Two models on the same faces: is B really better than A? The faces each
//! gets right or wrong, McNemar's test as R's `mcnemar.test` computes it,
//! the exact binomial test on the faces where they part as `binom.test`
//! does, the accuracy difference with a 95% interval for paired
//! proportions, and Cohen's kappa between the two models' labels.

use std::fmt::Write;

use serde::Serialize;

use super::confusion::{ConfusionMatrix, mcnemar};
use super::distributions::binom_upper_tail;
use super::rformat::{format_pval, round_str};
use crate::error::Result;

/// One face as both models label it, in names both share (canonical
/// emotion names: one card's "happy" is another's "joy").
#[derive(Debug, Clone, PartialEq)]
pub struct PairedAnswer<'a> {
    /// The face's true class.
    pub truth: &'a str,
    /// Model A's label.
    pub a: &'a str,
    /// Model B's label.
    pub b: &'a str,
}

impl PairedAnswer<'_> {
    fn a_right(&self) -> bool {
        self.a == self.truth
    }

    fn b_right(&self) -> bool {
        self.b == self.truth
    }
}

/// One true class: both models' sensitivity and specificity on it (one
/// class against the others, as caret's by-class statistics).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedClass {
    /// The class.
    pub class: String,
    /// Faces of the class.
    pub faces: u64,
    /// A's sensitivity (NaN without a face of the class).
    pub sensitivity_a: f64,
    /// B's sensitivity.
    pub sensitivity_b: f64,
    /// A's specificity (NaN when every face is of the class).
    pub specificity_a: f64,
    /// B's specificity.
    pub specificity_b: f64,
}

/// Per true class, in byte order of the names.
pub fn by_class(answers: &[PairedAnswer<'_>]) -> Vec<PairedClass> {
    let mut classes: Vec<&str> = answers.iter().map(|x| x.truth).collect();
    classes.sort_unstable();
    classes.dedup();
    let share = |hits: usize, of: usize| {
        if of == 0 {
            f64::NAN
        } else {
            hits as f64 / of as f64
        }
    };
    classes
        .into_iter()
        .map(|c| {
            let (inside, outside): (Vec<_>, Vec<_>) = answers.iter().partition(|x| x.truth == c);
            let hits = |set: &[&PairedAnswer<'_>], f: &dyn Fn(&PairedAnswer<'_>) -> bool| {
                set.iter().filter(|x| f(x)).count()
            };
            PairedClass {
                class: c.to_string(),
                faces: inside.len() as u64,
                sensitivity_a: share(hits(&inside, &|x| x.a == c), inside.len()),
                sensitivity_b: share(hits(&inside, &|x| x.b == c), inside.len()),
                specificity_a: share(hits(&outside, &|x| x.a != c), outside.len()),
                specificity_b: share(hits(&outside, &|x| x.b != c), outside.len()),
            }
        })
        .collect()
}

/// The paired comparison of two models over the same faces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Paired {
    /// Faces both label right.
    pub both_right: u64,
    /// Faces A labels right and B wrong.
    pub a_right_b_wrong: u64,
    /// Faces A labels wrong and B right.
    pub a_wrong_b_right: u64,
    /// Faces both label wrong.
    pub both_wrong: u64,
    /// McNemar's chi-squared with continuity correction, as
    /// `mcnemar.test` on the 2×2 table of right and wrong (NaN when no
    /// face is discordant).
    pub mcnemar_statistic: f64,
    /// Its p-value (1 degree of freedom).
    pub mcnemar_p_value: f64,
    /// `binom.test(a_right_b_wrong, discordant)$p.value`: the exact
    /// two-sided test that each discordant face favours either model with
    /// probability ½ (1 when no face is discordant).
    pub exact_p_value: f64,
    /// Accuracy of A minus accuracy of B.
    pub accuracy_difference: f64,
    /// Lower end of its 95% interval (Wald, for paired proportions).
    pub difference_lower: f64,
    /// Upper end.
    pub difference_upper: f64,
    /// Cohen's unweighted kappa between A's and B's labels (caret's).
    pub kappa_between: f64,
}

/// The standard normal's 97.5% quantile, R's `qnorm(0.975)`.
const Z_975: f64 = 1.959_963_984_540_054;

/// Compares two models' answers on the same faces. An error when there is
/// no face.
pub fn paired(answers: &[PairedAnswer<'_>]) -> Result<Paired> {
    if answers.is_empty() {
        return Err(crate::Error::Invalid(
            "no face both models labelled: nothing to compare".into(),
        ));
    }
    let count = |a: bool, b: bool| {
        answers
            .iter()
            .filter(|x| x.a_right() == a && x.b_right() == b)
            .count() as u64
    };
    let (rr, rw, wr, ww) = (
        count(true, true),
        count(true, false),
        count(false, true),
        count(false, false),
    );
    let (statistic, p_value) = mcnemar(&[vec![rr, rw], vec![wr, ww]]);
    let n = answers.len() as f64;
    let (b, c) = (rw as f64, wr as f64);
    let difference = (b - c) / n;
    // The variance of a difference of paired proportions: the discordant
    // faces' share, less the squared difference, over n.
    let se = (((b + c) / n - difference * difference) / n)
        .max(0.0)
        .sqrt();
    let between = ConfusionMatrix::from_pairs(answers.iter().map(|x| (x.a, x.b)));
    // One label for every face and both models: the labels agree entirely
    // and kappa is 0/0; caret says NaN, so do we.
    let kappa_between = between
        .statistics()
        .ok()
        .and_then(|s| s.overall.kappa)
        .unwrap_or(f64::NAN);
    Ok(Paired {
        both_right: rr,
        a_right_b_wrong: rw,
        a_wrong_b_right: wr,
        both_wrong: ww,
        mcnemar_statistic: statistic,
        mcnemar_p_value: p_value,
        exact_p_value: binom_test_half(rw, rw + wr),
        accuracy_difference: difference,
        difference_lower: difference - Z_975 * se,
        difference_upper: difference + Z_975 * se,
        kappa_between,
    })
}

/// R's two-sided `binom.test(x, n, p = 0.5)$p.value`. With p = ½ the
/// distribution is symmetric, and R's sum of the outcomes no more likely
/// than `x` is twice the tail beyond the nearer of `x` and `n − x` (1 when
/// `x` is the middle, or when there is no trial).
pub fn binom_test_half(x: u64, n: u64) -> f64 {
    let k = x.min(n - x);
    // The middle, or next to it for odd n: every outcome counts, p = 1
    // exactly (the tails would sum to 1 only up to rounding).
    if n == 0 || 2 * k + 1 >= n {
        return 1.0;
    }
    // P(X ≤ k) = P(X ≥ n − k) by symmetry.
    (2.0 * binom_upper_tail(n - k, n, 0.5)).min(1.0)
}

/// A model's label for a face in shared emotion names (what the pairing
/// compares), with its probability.
pub fn answer(labels: &[String], p: &crate::predict::Prediction) -> (String, f32) {
    (
        crate::survey::normalize_label(&labels[p.predicted]),
        p.probabilities[p.predicted],
    )
}

/// The mean of paired differences and its 95% interval, as R's
/// `t.test(a, b, paired = TRUE)` gives them (`estimate`, `conf.int`): the
/// mean ± t(0.975, n − 1) · sd / √n. `None` below two pairs or for a
/// non-finite difference; the interval is the mean itself when every
/// difference is equal (R says "data are essentially constant").
pub fn mean_difference(differences: &[f64]) -> Option<(f64, f64, f64)> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = differences.len();
    if n < 2 || differences.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let mean = differences.iter().sum::<f64>() / n as f64;
    let var = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.975);
    let half = t * (var / n as f64).sqrt();
    Some((mean, mean - half, mean + half))
}

/// The paired comparison as `eval --compare-model` prints it and the
/// explorer's models tab shows it: the 2×2 table of right and wrong, the
/// tests, the accuracy difference with its interval, kappa between the
/// models, and per class both sensitivities and specificities (4 digits, R's
/// rounding).
pub fn report(p: &Paired, classes: &[PairedClass]) -> String {
    let r = |x: f64| round_str(Some(x), 4);
    // As R's print.htest: format.pval with digits 4, so that a p-value too
    // small for four decimals is 2.953e-15 or < 2.2e-16, never 0.
    let pval = |x: f64| format_pval(&[Some(x)], 4).remove(0);
    let mut s = String::from("-- emotui: model A against model B on the same faces --\n\n");
    let _ = writeln!(s, "{:>10} {:>8} {:>8}", "", "B right", "B wrong");
    let _ = writeln!(
        s,
        "{:>10} {:>8} {:>8}",
        "A right", p.both_right, p.a_right_b_wrong
    );
    let _ = writeln!(
        s,
        "{:>10} {:>8} {:>8}",
        "A wrong", p.a_wrong_b_right, p.both_wrong
    );
    let discordant = p.a_right_b_wrong + p.a_wrong_b_right;
    let _ = writeln!(
        s,
        "\nFaces they part on: {discordant} ({} for A, {} for B)",
        p.a_right_b_wrong, p.a_wrong_b_right
    );
    let _ = writeln!(
        s,
        "McNemar's chi-squared (continuity correction): {}, p-value {}",
        r(p.mcnemar_statistic),
        pval(p.mcnemar_p_value)
    );
    let _ = writeln!(
        s,
        "Exact binomial test on those faces: p-value {}",
        pval(p.exact_p_value)
    );
    let _ = writeln!(
        s,
        "Accuracy A - B: {} (95% CI {} to {})",
        r(p.accuracy_difference),
        r(p.difference_lower),
        r(p.difference_upper)
    );
    let _ = writeln!(s, "Kappa between their labels: {}", r(p.kappa_between));
    let w = classes
        .iter()
        .map(|c| c.class.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        s,
        "\n{:<w$} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "class", "faces", "sens A", "sens B", "A - B", "spec A", "spec B", "A - B"
    );
    for c in classes {
        let _ = writeln!(
            s,
            "{:<w$} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
            c.class,
            c.faces,
            r(c.sensitivity_a),
            r(c.sensitivity_b),
            r(c.sensitivity_a - c.sensitivity_b),
            r(c.specificity_a),
            r(c.specificity_b),
            r(c.specificity_a - c.specificity_b)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Faces of alternating truth, each model right or wrong as asked.
    fn answers(rr: usize, rw: usize, wr: usize, ww: usize) -> Vec<PairedAnswer<'static>> {
        let mut v = Vec::new();
        for (n, a_right, b_right) in [
            (rr, true, true),
            (rw, true, false),
            (wr, false, true),
            (ww, false, false),
        ] {
            for i in 0..n {
                let (truth, other) = if i % 2 == 0 {
                    ("Joy", "Sadness")
                } else {
                    ("Sadness", "Joy")
                };
                v.push(PairedAnswer {
                    truth,
                    a: if a_right { truth } else { other },
                    b: if b_right { truth } else { other },
                });
            }
        }
        v
    }

    #[test]
    fn counts_tests_and_interval() {
        // R 4.2.2: mcnemar.test(matrix(c(30, 3, 12, 5), 2)) gives
        // X-squared = 4.2667, p-value = 0.03887; binom.test(12, 15) gives
        // p-value = 0.03516.
        let p = paired(&answers(30, 12, 3, 5)).unwrap();
        assert_eq!(
            (
                p.both_right,
                p.a_right_b_wrong,
                p.a_wrong_b_right,
                p.both_wrong
            ),
            (30, 12, 3, 5)
        );
        assert!((p.mcnemar_statistic - 64.0 / 15.0).abs() < 1e-12);
        assert!((p.mcnemar_p_value - 0.038_867_103_812_417_24).abs() < 1e-12);
        assert!((p.exact_p_value - 0.035_156_25).abs() < 1e-15);
        assert!((p.accuracy_difference - 0.18).abs() < 1e-15);
        assert!(p.difference_lower < 0.18 && p.difference_upper > 0.18);
    }

    /// Tiny p-values print as R prints them, not rounded to 0. R 4.2.2:
    /// mcnemar.test(matrix(c(252, 101, 15, 132), 2)) prints "McNemar's
    /// chi-squared = 62.284, df = 1, p-value = 2.973e-15"; binom.test(15,
    /// 116) prints "p-value < 2.2e-16". (The 500-face augmented tree's two
    /// models, which printed "p-value 0" before.)
    #[test]
    fn tiny_p_values_are_printed_as_r_prints_them() {
        let p = paired(&answers(252, 15, 101, 132)).unwrap();
        let text = report(&p, &[]);
        assert!(
            text.contains(
                "McNemar's chi-squared (continuity correction): 62.2845, p-value 2.973e-15\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Exact binomial test on those faces: p-value < 2.2e-16\n"),
            "{text}"
        );
        let none = report(&paired(&answers(3, 0, 0, 1)).unwrap(), &[]);
        assert!(none.contains(": NaN, p-value NA\n"), "{none}");
        assert!(none.contains("faces: p-value 1\n"), "{none}");
    }

    #[test]
    fn per_class_sensitivity_and_specificity() {
        let a = [
            PairedAnswer {
                truth: "Joy",
                a: "Joy",
                b: "Fear",
            },
            PairedAnswer {
                truth: "Joy",
                a: "Joy",
                b: "Joy",
            },
            PairedAnswer {
                truth: "Fear",
                a: "Joy",
                b: "Fear",
            },
        ];
        let c = by_class(&a);
        assert_eq!(c[0].class, "Fear");
        assert_eq!((c[0].sensitivity_a, c[0].sensitivity_b), (0.0, 1.0));
        assert_eq!((c[0].specificity_a, c[0].specificity_b), (1.0, 0.5));
        assert_eq!((c[1].class.as_str(), c[1].faces), ("Joy", 2));
        assert_eq!((c[1].sensitivity_a, c[1].sensitivity_b), (1.0, 0.5));
        assert_eq!((c[1].specificity_a, c[1].specificity_b), (0.0, 1.0));
    }

    #[test]
    fn binomial_edges() {
        assert_eq!(binom_test_half(0, 0), 1.0);
        assert_eq!(binom_test_half(3, 6), 1.0);
        assert_eq!(binom_test_half(2, 5), 1.0);
        // binom.test(0, 10): 2 / 1024.
        assert!((binom_test_half(0, 10) - 2.0 / 1024.0).abs() < 1e-16);
        assert!((binom_test_half(10, 10) - 2.0 / 1024.0).abs() < 1e-16);
    }

    #[test]
    fn no_discordant_face_is_nan_then_one() {
        let p = paired(&answers(10, 0, 0, 4)).unwrap();
        assert!(p.mcnemar_statistic.is_nan() && p.mcnemar_p_value.is_nan());
        assert_eq!(p.exact_p_value, 1.0);
        assert_eq!(p.accuracy_difference, 0.0);
    }
}
