//! An explanation as R's `as.data.frame(explanation)`: one row per
//! (label, feature), for tables, CSV and JSON.

use serde::Serialize;

use super::trust::Trust;
use super::{Explanation, Samples};

/// One row of R lime's explanation data frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The face's file name.
    pub case: String,
    /// Label name.
    pub label: String,
    /// The label's probability on the original face.
    pub label_prob: f64,
    /// Explanation fit (weighted R²).
    pub model_r2: f64,
    /// Intercept of the local model.
    pub model_intercept: f64,
    /// Local prediction with every superpixel present.
    pub model_prediction: f64,
    /// Superpixel id.
    pub feature: usize,
    /// Its weight.
    pub feature_weight: f64,
    /// Its bounding box, "[x0-x1], [y0-y1]" (1-based).
    pub feature_desc: String,
    /// Perturbations the explanation used.
    pub n_samples: usize,
    /// 2.5% quantile of the weight across stability replicates.
    pub weight_lower: Option<f64>,
    /// 97.5% quantile of the weight across stability replicates.
    pub weight_upper: Option<f64>,
    /// Mean pairwise Jaccard overlap of the label's top-k sets.
    pub stability_jaccard: Option<f64>,
    /// Sign agreement of the label's top-k weights.
    pub sign_agreement: Option<f64>,
    /// One-word verdict.
    pub verdict: Option<String>,
    /// Deletion curve area.
    pub deletion_auc: Option<f64>,
    /// Deletion area relative to random orders (below 1 is good).
    pub deletion_ratio: Option<f64>,
    /// Insertion curve area.
    pub insertion_auc: Option<f64>,
    /// Insertion area relative to random orders (above 1 is good).
    pub insertion_ratio: Option<f64>,
    /// The attribution method, when several were run (`--method`); the
    /// column is absent otherwise, so LIME's data frame keeps R's shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// The data frame of an explanation, with trust columns where known.
pub fn rows(case: &str, samples: &Samples, expl: &Explanation, trust: &Trust) -> Vec<Row> {
    let boxes = samples.superpixels.bounding_boxes();
    let boxes = &boxes;
    expl.labels
        .iter()
        .flat_map(|l| {
            let st = trust.stability_of(l.label);
            let fa = trust.faithfulness_of(l.label);
            l.features.iter().map(move |f| {
                let (x0, y0, x1, y1) = boxes[f.superpixel];
                let iv = st.and_then(|s| s.intervals.iter().find(|i| i.superpixel == f.superpixel));
                Row {
                    case: case.to_string(),
                    label: l.name.clone(),
                    label_prob: l.probability,
                    model_r2: l.r2,
                    model_intercept: l.intercept,
                    model_prediction: l.prediction,
                    feature: f.superpixel,
                    feature_weight: f.weight,
                    feature_desc: format!("[{}-{}], [{}-{}]", x0 + 1, x1 + 1, y0 + 1, y1 + 1),
                    n_samples: expl.n_samples,
                    weight_lower: iv.map(|i| i.lower),
                    weight_upper: iv.map(|i| i.upper),
                    stability_jaccard: st.map(|s| s.jaccard),
                    sign_agreement: st.map(|s| s.sign_agreement),
                    verdict: st.map(|s| s.verdict.word().to_string()),
                    deletion_auc: fa.map(|f| f.deletion.auc),
                    deletion_ratio: fa.map(|f| f.deletion_ratio),
                    insertion_auc: fa.map(|f| f.insertion.auc),
                    insertion_ratio: fa.map(|f| f.insertion_ratio),
                    method: None,
                }
            })
        })
        .collect()
}

/// Writes rows as CSV with R's column names.
pub fn write_csv<W: std::io::Write>(rows: &[Row], out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}
