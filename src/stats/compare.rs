//! The model against people: both confusion matrices over one set of class
//! names, and a test of whether their accuracies differ.

use serde::Serialize;

use super::confusion::{CaretStatistics, ClassStatistics, ConfusionMatrix};
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
pub struct ModelVsPeople {
    /// Class names, shared by both (canonical emotion names).
    pub levels: Vec<String>,
    /// The model's statistics over `levels`.
    pub model: CaretStatistics,
    /// The people's statistics over `levels`.
    pub people: CaretStatistics,
    /// Do the accuracies differ? (independent samples: different answers).
    pub accuracy_test: ProportionTest,
}

/// One class of a comparison: the model's and the people's statistics.
#[derive(Debug, Clone, Copy)]
pub struct ComparedClass<'a> {
    /// The class (canonical emotion name).
    pub level: &'a str,
    /// The model's statistics for it.
    pub model: &'a ClassStatistics,
    /// The people's.
    pub people: &'a ClassStatistics,
}

impl ModelVsPeople {
    /// The comparison by class, one row per class.
    pub fn classes(&self) -> Vec<ComparedClass<'_>> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, level)| ComparedClass {
                level,
                model: &self.model.by_class[i],
                people: &self.people.by_class[i],
            })
            .collect()
    }
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
pub fn compare(model: &ConfusionMatrix, people: &ConfusionMatrix) -> Result<ModelVsPeople> {
    let mut levels: Vec<String> = model.levels.iter().chain(&people.levels).cloned().collect();
    levels.sort();
    levels.dedup();
    let (m, p) = (widen(model, &levels), widen(people, &levels));
    Ok(ModelVsPeople {
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

/// How people and the model did on one face the survey names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceAgreement {
    /// The face as the survey names it.
    pub image: String,
    /// Index of the matching face in the tree, if any.
    pub face: Option<usize>,
    /// The face's true emotion (canonical name).
    pub truth: String,
    /// Number of answers about it.
    pub answers: usize,
    /// Share of answers that name the true emotion.
    pub share_right: f64,
    /// The most frequent answer (canonical name; ties go to the first in
    /// sorted order).
    pub most_common: String,
    /// The model's probability for the true emotion, when the face is in
    /// the tree and was predicted.
    pub model_probability: Option<f64>,
}

/// Mean model confidence in the true emotion over a group of faces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Confidence {
    /// Faces in the group with a model probability.
    pub faces: usize,
    /// Their mean probability for the true emotion (NaN for no face).
    pub mean_probability: f64,
}

/// The practical's open question: on faces that people wrongly call
/// Neutral (their most frequent answer is Neutral, the truth is not), is the
/// model less confident in the true emotion than on the other faces?
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NeutralQuestion {
    /// Faces people mostly call Neutral although they are not.
    pub called_neutral: Confidence,
    /// Every other face with a model probability.
    pub rest: Confidence,
}

fn file_name(s: &str) -> &str {
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// Groups survey answers by the face they name and lines them up with the
/// model's predictions on the tree (faces matched by file name).
/// `predictions[i]` belongs to `faces[i]`.
pub fn per_face(
    answers: &[crate::survey::Answer],
    faces: &[crate::faces::Face],
    labels: &[String],
    predictions: &[Option<&Prediction>],
) -> Vec<FaceAgreement> {
    let mut groups: std::collections::BTreeMap<&str, Vec<&crate::survey::Answer>> =
        Default::default();
    for a in answers {
        if let Some(img) = &a.image {
            // A survey may name a face by path or by file name.
            groups.entry(file_name(img)).or_default().push(a);
        }
    }
    groups
        .into_iter()
        .map(|(image, list)| {
            let truth = normalize_label(&list[0].actual);
            // Rows may stand for several answers (a count column).
            let right: u64 = list
                .iter()
                .filter(|a| normalize_label(&a.predicted) == truth)
                .map(|a| a.count)
                .sum();
            let total: u64 = list.iter().map(|a| a.count).sum();
            let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
            for a in &list {
                *counts.entry(normalize_label(&a.predicted)).or_default() += a.count;
            }
            let most_common = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            let face = faces.iter().position(|f| f.name() == file_name(image));
            let model_probability = face.and_then(|i| {
                let p = predictions.get(i).copied().flatten()?;
                let k = emotion::find(labels, &truth)?;
                Some(p.probabilities[k] as f64)
            });
            FaceAgreement {
                image: image.to_string(),
                face,
                truth,
                answers: total as usize,
                share_right: if total > 0 {
                    right as f64 / total as f64
                } else {
                    f64::NAN
                },
                most_common,
                model_probability,
            }
        })
        .collect()
}

/// Answers the practical's question from per-face agreement.
pub fn neutral_question(faces: &[FaceAgreement]) -> NeutralQuestion {
    let group = |pred: &dyn Fn(&FaceAgreement) -> bool| {
        let probs: Vec<f64> = faces
            .iter()
            .filter(|f| pred(f))
            .filter_map(|f| f.model_probability)
            .collect();
        Confidence {
            faces: probs.len(),
            mean_probability: probs.iter().sum::<f64>() / probs.len() as f64,
        }
    };
    let called = |f: &FaceAgreement| f.most_common == "Neutral" && f.truth != "Neutral";
    NeutralQuestion {
        called_neutral: group(&called),
        rest: group(&|f| !called(f)),
    }
}

#[cfg(test)]
mod face_tests {
    use super::*;
    use crate::faces::Face;
    use crate::survey::Answer;

    fn answer(actual: &str, predicted: &str, image: &str) -> Answer {
        Answer {
            actual: actual.into(),
            predicted: predicted.into(),
            image: Some(image.into()),
            count: 1,
            line: 0,
        }
    }

    #[test]
    fn faces_people_call_neutral_against_the_model() {
        let labels: Vec<String> = ["angry", "happy", "neutral"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let faces = vec![
            Face {
                path: "t/ANGER/a.png".into(),
                class: Some("ANGER".into()),
            },
            Face {
                path: "t/JOY/j.png".into(),
                class: Some("JOY".into()),
            },
        ];
        let pa = Prediction::from_probabilities(vec![0.2, 0.1, 0.7]);
        let pj = Prediction::from_probabilities(vec![0.05, 0.9, 0.05]);
        let answers = vec![
            answer("Anger", "Neutral", "a.png"),
            answer("Anger", "Neutral", "faces/a.png"),
            answer("Anger", "Anger", "a.png"),
            answer("Joy", "Joy", "j.png"),
            answer("Joy", "Neutral", "j.png"),
            answer("Joy", "Joy", "j.png"),
        ];
        let per = per_face(&answers, &faces, &labels, &[Some(&pa), Some(&pj)]);
        let a = per.iter().find(|f| f.image == "a.png").unwrap();
        assert_eq!((a.answers, a.most_common.as_str()), (3, "Neutral"));
        assert!((a.share_right - 1.0 / 3.0).abs() < 1e-12);
        assert!((a.model_probability.unwrap() - 0.2).abs() < 1e-6);
        let q = neutral_question(&per);
        // a.png (named two ways) is mostly called Neutral; j.png is not.
        assert_eq!(q.called_neutral.faces, 1);
        assert!((q.called_neutral.mean_probability - 0.2).abs() < 1e-6);
        assert_eq!(q.rest.faces, 1);
        assert!((q.rest.mean_probability - 0.9).abs() < 1e-6);
    }
}
