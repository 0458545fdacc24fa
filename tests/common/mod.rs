//! Classifiers whose answer is known, shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use std::sync::atomic::AtomicBool;

use emotui::lime::{self, SamplingOptions};
use emotui::model::Classifier;
use emotui::model::card::{Colour, InputSpec, Layout, ResizeFilter};
use emotui::preprocess::{Preprocessor, load_image};

/// The mouth of the demo JOY face (obama.png) in 64×64 model coordinates
/// (x 19..47, y 43..58; source pixels about 90..220 × 200..270).
pub const MOUTH: (usize, usize, usize, usize) = (19, 43, 47, 58);

/// p(dark-mouth) depends only on the mean brightness of the mouth box: 1 −
/// mean, or a steep sigmoid of it (a nonlinear answer, so that LIME's
/// linear fit is not exact); the other class takes the rest.
pub struct MouthModel {
    pub pre: Preprocessor,
    pub labels: Vec<String>,
    pub sigmoid: bool,
}

/// Always the same answer, whatever the image.
pub struct BlindModel {
    pub pre: Preprocessor,
    pub labels: Vec<String>,
}

pub fn spec() -> InputSpec {
    InputSpec {
        layout: Layout::Nhwc,
        width: 64,
        height: 64,
        channels: 1,
        colour: Colour::Gray,
        resize: ResizeFilter::Bilinear,
        scale: 1.0 / 255.0,
        offset: 0.0,
    }
}

impl MouthModel {
    pub fn new() -> Self {
        MouthModel {
            pre: Preprocessor::new(spec()),
            labels: vec!["dark-mouth".into(), "other".into()],
            sigmoid: false,
        }
    }

    pub fn nonlinear() -> Self {
        MouthModel {
            sigmoid: true,
            ..MouthModel::new()
        }
    }
}

impl BlindModel {
    pub fn new() -> Self {
        BlindModel {
            pre: Preprocessor::new(spec()),
            labels: vec!["a".into(), "b".into()],
        }
    }
}

impl Classifier for MouthModel {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.pre
    }
    fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        let (x0, y0, x1, y1) = MOUTH;
        let mut out = Vec::with_capacity(2 * n);
        for img in batch.chunks(64 * 64).take(n) {
            let mut s = 0.0;
            for y in y0..y1 {
                for x in x0..x1 {
                    s += img[y * 64 + x];
                }
            }
            let mean = s / ((x1 - x0) * (y1 - y0)) as f32;
            let p = if self.sigmoid {
                1.0 / (1.0 + (-(0.6 - mean) * 12.0).exp())
            } else {
                1.0 - mean
            };
            out.extend([p, 1.0 - p]);
        }
        Ok(out)
    }
}

impl Classifier for BlindModel {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.pre
    }
    fn predict(&self, _batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        Ok([0.7f32, 0.3].repeat(n))
    }
}

pub fn joy_face() -> image::DynamicImage {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    load_image(&root.join("data/test_crop/JOY/obama.png")).unwrap()
}

/// The demo JOY face sampled by `model` with `options`, never cancelled.
pub fn sample_joy(model: &dyn Classifier, options: &SamplingOptions) -> lime::Samples {
    lime::sample(
        model,
        &joy_face(),
        options,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap()
}

/// p(label 0, "looked-at") = 1 − mean brightness of the pixels of some
/// regions of one face (at the model's 64×64 input); label 1 takes the
/// rest.
pub struct RegionModel {
    pub pre: Preprocessor,
    pub labels: Vec<String>,
    pub mask: Vec<bool>,
}

impl RegionModel {
    /// Looks at `regions` of the face whose regions at 64×64 are `map`.
    pub fn new(map: &emotui::geometry::RegionMap, regions: &[emotui::geometry::Region]) -> Self {
        RegionModel {
            pre: Preprocessor::new(spec()),
            labels: vec!["looked-at".into(), "rest".into()],
            mask: map.labels.iter().map(|r| regions.contains(r)).collect(),
        }
    }
}

impl Classifier for RegionModel {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.pre
    }
    fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        let per = self.mask.len();
        let count = self.mask.iter().filter(|&&m| m).count().max(1) as f32;
        Ok(batch
            .chunks(per)
            .take(n)
            .flat_map(|img| {
                let mean = img
                    .iter()
                    .zip(&self.mask)
                    .filter(|(_, m)| **m)
                    .map(|(v, _)| v)
                    .sum::<f32>()
                    / count;
                [1.0 - mean, mean]
            })
            .collect())
    }
}

/// p(label 0, "looked-at") = sigmoid of a fixed random ±1 pattern over a
/// box of the 64×64 input (model pixels `x0..x1 × y0..y1`) times the
/// pixels: a superpixel's or region's effect can have either sign, and
/// nothing outside the box can change the answer. Label 1 takes the rest.
pub struct BoxModel {
    pub pre: Preprocessor,
    pub labels: Vec<String>,
    pub bounds: (usize, usize, usize, usize),
    pub pattern: Vec<f32>,
}

impl BoxModel {
    /// A box model over `bounds`, its pattern drawn from `seed`.
    pub fn new(bounds: (usize, usize, usize, usize), seed: u64) -> Self {
        let (x0, y0, x1, y1) = bounds;
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pattern = (0..(x1 - x0) * (y1 - y0))
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (state >> 33) & 1 == 1 { 1.0 } else { -1.0 }
            })
            .collect();
        BoxModel {
            pre: Preprocessor::new(spec()),
            labels: vec!["looked-at".into(), "rest".into()],
            bounds,
            pattern,
        }
    }
}

impl Classifier for BoxModel {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.pre
    }
    fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        let (x0, y0, x1, y1) = self.bounds;
        let w = x1 - x0;
        Ok(batch
            .chunks(64 * 64)
            .take(n)
            .flat_map(|img| {
                let mut s = 0.0f32;
                for y in y0..y1 {
                    for x in x0..x1 {
                        s += self.pattern[(y - y0) * w + (x - x0)] * img[y * 64 + x];
                    }
                }
                let logit = 40.0 * s / self.pattern.len() as f32;
                let p = 1.0 / (1.0 + (-logit).exp());
                [p, 1.0 - p]
            })
            .collect())
    }
}
