//! RISE (Petsiuk, Das & Saenko 2018): N random binary grids of s×s cells
//! (each kept with probability p), upsampled bilinearly to (s+1)·cell and
//! cropped at a random shift, so that the masks are smooth; each masked
//! face blends with LIME's background. Saliency S = (1 / (N·p)) Σᵢ f(face ⊙
//! Mᵢ) · Mᵢ, centred on its mean (it is positive everywhere; centred, its
//! sign says above or below the face's average, as the other methods' signs
//! do); a superpixel's importance is the mean of its pixels'.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Attribution, Context, Method, PixelMap};
use crate::error::Result;

/// The random part of one mask: its grid and its shift.
struct Grid {
    cells: Vec<bool>,
    dx: usize,
    dy: usize,
}

/// The masks' shape: `s` cells a side over a `w`×`h` image.
struct Masks {
    s: usize,
    w: usize,
    h: usize,
    cell_w: usize,
    cell_h: usize,
    grids: Vec<Grid>,
}

impl Masks {
    fn new(n: usize, s: usize, p: f64, w: usize, h: usize, seed: u64) -> Masks {
        let (cell_w, cell_h) = (w.div_ceil(s), h.div_ceil(s));
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0215_E5EE);
        let grids = (0..n)
            .map(|_| Grid {
                cells: (0..s * s).map(|_| rng.random::<f64>() < p).collect(),
                dx: rng.random_range(0..cell_w),
                dy: rng.random_range(0..cell_h),
            })
            .collect();
        Masks {
            s,
            w,
            h,
            cell_w,
            cell_h,
            grids,
        }
    }

    /// Mask `i` at the image's resolution, values in [0, 1]: the grid
    /// upsampled bilinearly to (s+1)·cell (pixel centres, edges clamped),
    /// then cropped at the shift. Separable: each row interpolates the two
    /// grid rows around it once, then each pixel between two cells.
    fn mask(&self, i: usize) -> Vec<f32> {
        let g = &self.grids[i];
        let s = self.s;
        // Source coordinate (in cells) of an upsampled pixel's centre: the
        // two cells around it and the weight of the second.
        let around = |u: usize, cell: usize| -> (usize, usize, f32) {
            let c = (u as f32 + 0.5) / cell as f32 - 0.5;
            let lo = c.floor();
            let clamp = |v: f32| (v.max(0.0) as usize).min(s - 1);
            (clamp(lo), clamp(lo + 1.0), c - lo)
        };
        let xs: Vec<(usize, usize, f32)> =
            (0..self.w).map(|x| around(x + g.dx, self.cell_w)).collect();
        let mut row = vec![0.0f32; s];
        let mut out = Vec::with_capacity(self.w * self.h);
        for y in 0..self.h {
            let (y0, y1, fy) = around(y + g.dy, self.cell_h);
            for (c, r) in row.iter_mut().enumerate() {
                let top = g.cells[y0 * s + c] as u8 as f32;
                let bottom = g.cells[y1 * s + c] as u8 as f32;
                *r = top * (1.0 - fy) + bottom * fy;
            }
            out.extend(
                xs.iter()
                    .map(|&(x0, x1, fx)| row[x0] * (1.0 - fx) + row[x1] * fx),
            );
        }
        out
    }

    /// Every mask, made on every core (in order: the result does not depend
    /// on the number of threads).
    fn all(&self) -> Vec<Vec<f32>> {
        let indices: Vec<usize> = (0..self.grids.len()).collect();
        crate::parallel::ordered(&indices, |&i| self.mask(i))
    }
}

/// RISE with `n` masks of `s`×`s` cells kept with probability `p`.
pub fn run(ctx: &Context<'_>, n: usize, s: usize, p: f64) -> Result<Attribution> {
    let face = ctx.face();
    let background = ctx.composer.background();
    let (w, h) = (face.width, face.height);
    let masks = Masks::new(n, s, p, w, h, ctx.seed);
    // Each mask is needed twice (to mask the face, to weight the answer):
    // made once.
    let all = masks.all();
    // Row 0: the face; then one row per mask.
    let probs = ctx.evaluate(n + 1, |r| {
        let mut img = face.clone();
        if r > 0 {
            let m = &all[r - 1];
            for (out, bg) in img.planes.iter_mut().zip(&background.planes) {
                for ((o, b), k) in out.iter_mut().zip(bg).zip(m) {
                    *o = b + k * (*o - b);
                }
            }
        }
        img
    })?;
    let classes = ctx.samples.labels.len();
    let mut sums = vec![vec![0.0f64; w * h]; ctx.labels.len()];
    for (i, m) in all.iter().enumerate() {
        for (li, &label) in ctx.labels.iter().enumerate() {
            let f = probs[(i + 1) * classes + label] as f64;
            for (s, &k) in sums[li].iter_mut().zip(m) {
                *s += f * k as f64;
            }
        }
    }
    let maps = sums
        .iter()
        .map(|sum| {
            // The saliency is an expected score, positive everywhere:
            // centred on its mean, its sign says above or below the face's
            // average, as the other methods' signs do (ranks unchanged).
            let saliency: Vec<f64> = sum.iter().map(|v| v / (n as f64 * p)).collect();
            let mean = saliency.iter().sum::<f64>() / saliency.len().max(1) as f64;
            PixelMap {
                width: w,
                height: h,
                values: saliency.iter().map(|v| v - mean).collect(),
            }
        })
        .collect();
    Ok(ctx.attribution_of_maps(Method::Rise, maps, &probs[..classes], n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_smooth_and_keep_about_p() {
        let m = Masks::new(200, 7, 0.5, 64, 64, 1);
        let mut mean = 0.0;
        for i in 0..200 {
            let v = m.mask(i);
            assert!(v.iter().all(|&x| (0.0..=1.0).contains(&x)));
            // Neighbouring pixels differ by at most one cell's slope.
            for y in 0..64 {
                for x in 1..64 {
                    assert!((v[y * 64 + x] - v[y * 64 + x - 1]).abs() <= 1.0 / 9.0 + 1e-6);
                }
            }
            mean += v.iter().sum::<f32>() as f64 / (64.0 * 64.0 * 200.0);
        }
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
    }
}
