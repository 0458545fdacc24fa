//! Occlusion (Zeiler & Fergus 2014; captum's `Occlusion`): a square patch
//! of LIME's background slid over the face at the model's resolution. A
//! pixel's attribution is the mean, over the patches that cover it, of
//! f(face) − f(face with the patch occluded); a superpixel's is the mean of
//! its pixels'.

use super::{Attribution, Context, Method, PixelMap};
use crate::error::Result;

/// Top-left corners along a side of `size` pixels: every `stride` pixels,
/// the patch inside the image (captum's count, floor((size − patch) /
/// stride) + 1).
fn positions(size: usize, patch: usize, stride: usize) -> Vec<usize> {
    (0..=size.saturating_sub(patch)).step_by(stride).collect()
}

/// Occlusion with a `patch`-pixel square moved by `stride` pixels.
pub fn run(ctx: &Context<'_>, patch: usize, stride: usize) -> Result<Attribution> {
    let face = ctx.face();
    let background = ctx.composer.background();
    let (w, h) = (face.width, face.height);
    let xs = positions(w, patch, stride);
    let ys = positions(h, patch, stride);
    let corners: Vec<(usize, usize)> = ys
        .iter()
        .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
        .collect();
    // Row 0: the face; then one row per patch position.
    let p = ctx.evaluate(corners.len() + 1, |r| {
        let mut img = face.clone();
        if r > 0 {
            let (x0, y0) = corners[r - 1];
            for (out, bg) in img.planes.iter_mut().zip(&background.planes) {
                for y in y0..(y0 + patch).min(h) {
                    let row = y * w;
                    out[row + x0..row + (x0 + patch).min(w)]
                        .copy_from_slice(&bg[row + x0..row + (x0 + patch).min(w)]);
                }
            }
        }
        img
    })?;
    let classes = ctx.samples.labels.len();
    let maps = ctx
        .labels
        .iter()
        .map(|&label| {
            let fx = p[label] as f64;
            let mut sum = vec![0.0; w * h];
            let mut count = vec![0u32; w * h];
            for (i, &(x0, y0)) in corners.iter().enumerate() {
                let drop = fx - p[(i + 1) * classes + label] as f64;
                for y in y0..(y0 + patch).min(h) {
                    for x in x0..(x0 + patch).min(w) {
                        sum[y * w + x] += drop;
                        count[y * w + x] += 1;
                    }
                }
            }
            PixelMap {
                width: w,
                height: h,
                values: sum
                    .iter()
                    .zip(&count)
                    .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
                    .collect(),
            }
        })
        .collect();
    Ok(ctx.attribution_of_maps(Method::Occlusion, maps, &p[..classes], corners.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_cover_the_side_as_captum_counts_them() {
        assert_eq!(positions(64, 8, 4).len(), 15);
        assert_eq!(*positions(64, 8, 4).last().unwrap(), 56);
        assert_eq!(positions(10, 10, 3), [0]);
        assert_eq!(positions(10, 4, 4), [0, 4]);
    }
}
