//! One face frame for every face: each face's explanation warped by its
//! landmarks onto the template face, so that maps of different faces can
//! be averaged pixel by pixel.
//!
//! The warp is the affine map that takes the template's 468 points to the
//! face's in the least-squares sense. It undoes position, size, tilt and
//! the crop's aspect; it does not undo expression (an open mouth stays
//! open), which is what the atlas is about.

use serde::{Deserialize, Serialize};

use crate::geometry::template;
use crate::lime::Superpixels;
use crate::preprocess::Planes;

/// Side of the canonical frame in pixels: the template's unit square.
pub const CANONICAL: usize = 48;

/// A face sampled in the canonical frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalFace {
    /// The face's grey level (0–255) at each canonical pixel, row-major
    /// `CANONICAL²`; 0 where the frame falls outside the image.
    pub face: Vec<u8>,
    /// The superpixel at each canonical pixel, or `None` outside the image.
    pub superpixel: Vec<Option<u16>>,
}

impl CanonicalFace {
    /// Samples `face` and its superpixels (same size) at the canonical
    /// frame's pixel centres, through the affine map from the template to
    /// `points` (the face's landmarks in `face`'s pixels).
    pub fn new(face: &Planes, superpixels: &Superpixels, points: &[[f32; 2]]) -> CanonicalFace {
        let a = fit_affine(template(), points);
        let n = CANONICAL * CANONICAL;
        let mut out = CanonicalFace {
            face: vec![0; n],
            superpixel: vec![None; n],
        };
        let planes = face.planes.len().max(1) as f32;
        for i in 0..n {
            let u = ((i % CANONICAL) as f32 + 0.5) / CANONICAL as f32;
            let v = ((i / CANONICAL) as f32 + 0.5) / CANONICAL as f32;
            let x = a[0] * u + a[1] * v + a[2];
            let y = a[3] * u + a[4] * v + a[5];
            if x < 0.0 || y < 0.0 {
                continue;
            }
            let (x, y) = (x as usize, y as usize);
            if x >= face.width || y >= face.height {
                continue;
            }
            let p = y * face.width + x;
            let grey = face.planes.iter().map(|c| c[p]).sum::<f32>() / planes;
            out.face[i] = grey.clamp(0.0, 255.0) as u8;
            out.superpixel[i] = u16::try_from(superpixels.labels[p]).ok();
        }
        out
    }

    /// The canonical map of one label: each superpixel's positive
    /// `density` (weight per pixel of the face) at the canonical pixels it
    /// covers, scaled to sum to 1 (all zeros when nothing is positive).
    pub fn map(&self, density: &[f32]) -> Vec<f32> {
        let mut m: Vec<f32> = self
            .superpixel
            .iter()
            .map(|s| {
                s.and_then(|s| density.get(s as usize))
                    .map_or(0.0, |d| d.max(0.0))
            })
            .collect();
        let total: f32 = m.iter().sum();
        if total > 0.0 {
            m.iter_mut().for_each(|v| *v /= total);
        }
        m
    }
}

/// The affine map `[a b c; d e f]` taking `from` (the template, unit
/// square) to `to` in the least-squares sense: `x = a·u + b·v + c`,
/// `y = d·u + e·v + f`.
fn fit_affine(from: &[[f32; 2]], to: &[[f32; 2]]) -> [f32; 6] {
    let mut m = [0.0f64; 9];
    let mut bx = [0.0f64; 3];
    let mut by = [0.0f64; 3];
    for (f, t) in from.iter().zip(to) {
        let z = [f[0] as f64, f[1] as f64, 1.0];
        for i in 0..3 {
            for j in 0..3 {
                m[i * 3 + j] += z[i] * z[j];
            }
            bx[i] += z[i] * t[0] as f64;
            by[i] += z[i] * t[1] as f64;
        }
    }
    let px = crate::lime::regression::solve_spd(&m, &bx, 3);
    let py = crate::lime::regression::solve_spd(&m, &by, 3);
    [px[0], px[1], px[2], py[0], py[1], py[2]].map(|v| v as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_affine_fit_recovers_a_known_map() {
        let to: Vec<[f32; 2]> = template()
            .iter()
            .map(|&[u, v]| [30.0 * u - 5.0 * v + 7.0, 2.0 * u + 40.0 * v - 3.0])
            .collect();
        let a = fit_affine(template(), &to);
        for (got, want) in a.iter().zip([30.0, -5.0, 7.0, 2.0, 40.0, -3.0]) {
            assert!((got - want).abs() < 1e-3, "{a:?}");
        }
    }

    #[test]
    fn a_template_face_maps_onto_itself_and_maps_sum_to_one() {
        // A 96×96 face whose landmarks are the template: the frame is the
        // image scaled down, so the left half of the frame is superpixel 0.
        let (w, h) = (96, 96);
        let sp = Superpixels {
            width: w,
            height: h,
            labels: (0..w * h).map(|p| u32::from(p % w >= w / 2)).collect(),
            count: 2,
        };
        let face = Planes {
            width: w,
            height: h,
            planes: vec![(0..w * h).map(|p| (p / w) as f32).collect()],
        };
        let points: Vec<[f32; 2]> = template()
            .iter()
            .map(|&[u, v]| [u * w as f32, v * h as f32])
            .collect();
        let c = CanonicalFace::new(&face, &sp, &points);
        assert_eq!(c.superpixel[0], Some(0));
        assert_eq!(c.superpixel[CANONICAL - 1], Some(1));
        assert_eq!(c.face[CANONICAL * (CANONICAL - 1)], 95);
        let m = c.map(&[1.0, -2.0]);
        let total: f32 = m.iter().sum();
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        assert_eq!(m[CANONICAL - 1], 0.0, "negative weight is not shown");
        assert!(c.map(&[0.0, -1.0]).iter().all(|&v| v == 0.0));
    }
}
