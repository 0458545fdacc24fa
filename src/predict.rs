//! Predictions for many faces: decoding in parallel, inference in batches,
//! results streamed back as they are ready, with cancellation.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::emotion;
use crate::error::{Error, Result};
use crate::faces::Face;
use crate::model::Classifier;
use crate::parallel;
use crate::preprocess::load_image;

/// The model's answer for one face.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Probability per label, in the model's label order.
    pub probabilities: Vec<f32>,
    /// Index of the most probable label.
    pub predicted: usize,
}

impl Prediction {
    /// Wraps a probability row.
    pub fn from_probabilities(probabilities: Vec<f32>) -> Prediction {
        let predicted = argmax(&probabilities);
        Prediction {
            probabilities,
            predicted,
        }
    }

    /// Whether the prediction names the same class as `class` (a folder name),
    /// through the emotion synonyms. `None` when the class is unknown.
    pub fn is_correct(&self, labels: &[String], class: Option<&str>) -> Option<bool> {
        let class = class?;
        Some(emotion::same_class(&labels[self.predicted], class))
    }

    /// Label indices sorted by decreasing probability (ties by index).
    pub fn ranking(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.probabilities.len()).collect();
        idx.sort_by(|&a, &b| {
            self.probabilities[b]
                .total_cmp(&self.probabilities[a])
                .then(a.cmp(&b))
        });
        idx
    }
}

/// Index of the largest value (the first one on ties; NaN never wins).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

/// Faces decoded and run per round: big enough to keep both cores busy,
/// small enough that progress and cancellation stay responsive.
const CHUNK: usize = 64;

/// Predicts every face. `on_result(i, result)` is called once per face
/// index, in order, as soon as its chunk is done; `progress(done, total)`
/// after each chunk. Returns `Err(Error::Cancelled)` when `cancel` is set.
pub fn predict_faces(
    model: &dyn Classifier,
    faces: &[Face],
    cancel: &AtomicBool,
    mut on_result: impl FnMut(usize, Result<Prediction>),
    mut progress: impl FnMut(usize, usize),
) -> Result<()> {
    let pre = model.preprocessor();
    let per = pre.spec().len();
    let classes = model.labels().len();
    let workers = parallel::cores();
    for start in (0..faces.len()).step_by(CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let chunk = &faces[start..(start + CHUNK).min(faces.len())];
        let tensors: Vec<Result<Vec<f32>>> = parallel::map(chunk, workers, cancel, |_, face| {
            load_image(&face.path).map(|img| pre.tensor(&img))
        })
        .into_iter()
        .map(|t| t.unwrap_or(Err(Error::Cancelled)))
        .collect();
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let ok: Vec<usize> = (0..tensors.len()).filter(|&i| tensors[i].is_ok()).collect();
        let mut batch = Vec::with_capacity(ok.len() * per);
        for &i in &ok {
            if let Ok(t) = &tensors[i] {
                batch.extend_from_slice(t);
            }
        }
        // One row of probabilities per decoded face. When the batch fails
        // (a face the model answers NaN for), each face is run on its own,
        // so that the error is that face's alone.
        let rows: Vec<Result<Vec<f32>>> = match model.predict(&batch, ok.len()) {
            Ok(p) => p.chunks(classes).map(|r| Ok(r.to_vec())).collect(),
            Err(e) if ok.len() == 1 => vec![Err(e)],
            Err(_) => batch.chunks(per).map(|t| model.predict(t, 1)).collect(),
        };
        let mut rows = rows.into_iter();
        for (i, t) in tensors.into_iter().enumerate() {
            let r = t.and_then(|_| {
                rows.next()
                    .unwrap_or(Err(Error::Cancelled))
                    .map(Prediction::from_probabilities)
                    .map_err(|e| Error::Image {
                        path: chunk[i].path.clone(),
                        problem: e.to_string(),
                    })
            });
            on_result(start + i, r);
        }
        progress(start + chunk.len(), faces.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_on_ties_and_skips_nan() {
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.2, 0.1]), 1);
    }

    #[test]
    fn ranking_is_descending() {
        let p = Prediction::from_probabilities(vec![0.2, 0.7, 0.1]);
        assert_eq!(p.ranking(), vec![1, 0, 2]);
        assert_eq!(p.predicted, 1);
    }
}
