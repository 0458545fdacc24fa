//! An explanation as R's `as.data.frame(explanation)`: one row per
//! (label, feature), for tables, CSV and JSON.

use serde::Serialize;

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
}

/// The data frame of an explanation.
pub fn rows(case: &str, samples: &Samples, expl: &Explanation) -> Vec<Row> {
    let boxes = samples.superpixels.bounding_boxes();
    let boxes = &boxes;
    expl.labels
        .iter()
        .flat_map(|l| {
            l.features.iter().map(move |f| {
                let (x0, y0, x1, y1) = boxes[f.superpixel];
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
