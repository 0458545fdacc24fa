//! Perturbed faces, built directly at the model's resolution.
//!
//! Python lime copies the full-size face for every sample and masks it
//! pixel by pixel (2.2–2.9 s of its 2.9–4.3 s on a 320×320 face). Resizing
//! is linear, so we resize each superpixel's contribution once: a perturbed
//! input is the resized background plus the resized (face − background) of
//! every kept superpixel, each stored only over its own small box. A sample
//! then costs about one model-sized image of additions, whatever the size of
//! the source face. (Because the parts are resized without PIL's 8-bit
//! rounding, inputs can differ from resizing each composite by less than one
//! grey level.)

use crate::preprocess::{Planes, Preprocessor};

use super::slic::Superpixels;

/// What removed superpixels are filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    /// R lime's default: opaque rgb(190,190,190).
    #[default]
    Grey,
    /// Each superpixel's own mean colour (Python lime's `hide_color=None`).
    Mean,
    /// A strongly blurred copy of the face: removes detail, keeps shading.
    Blur,
}

impl Background {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Background::Grey => "grey",
            Background::Mean => "mean",
            Background::Blur => "blur",
        }
    }

    /// The full-size fill image for a face.
    pub fn fill(self, face: &Planes, sp: &Superpixels) -> Planes {
        let planes = match self {
            Background::Grey => face.planes.iter().map(|p| vec![190.0; p.len()]).collect(),
            Background::Mean => face
                .planes
                .iter()
                .map(|p| {
                    let mut sum = vec![0.0f64; sp.count];
                    let mut cnt = vec![0usize; sp.count];
                    for (i, &l) in sp.labels.iter().enumerate() {
                        sum[l as usize] += p[i] as f64;
                        cnt[l as usize] += 1;
                    }
                    sp.labels
                        .iter()
                        .map(|&l| (sum[l as usize] / cnt[l as usize].max(1) as f64) as f32)
                        .collect()
                })
                .collect(),
            Background::Blur => {
                let sigma = 0.06 * face.width.max(face.height) as f32;
                face.planes
                    .iter()
                    .map(|p| gaussian_blur(p, face.width, face.height, sigma.max(1.0)))
                    .collect()
            }
        };
        Planes {
            width: face.width,
            height: face.height,
            planes,
        }
    }
}

/// Separable Gaussian blur with edge clamping.
fn gaussian_blur(p: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil() as i64;
    let kernel: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let pass = |src: &[f32], horizontal: bool| {
        let mut out = vec![0.0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for (t, k) in kernel.iter().enumerate() {
                    let o = t as i64 - r;
                    let (sx, sy) = if horizontal {
                        ((x as i64 + o).clamp(0, w as i64 - 1) as usize, y)
                    } else {
                        (x, (y as i64 + o).clamp(0, h as i64 - 1) as usize)
                    };
                    acc += k * src[sy * w + sx];
                }
                out[y * w + x] = acc;
            }
        }
        out
    };
    pass(&pass(p, true), false)
}

/// One superpixel's contribution at model resolution, over its box.
#[derive(Debug, Clone)]
struct Part {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    /// Per channel, `w * h` values of (face − background), resized.
    delta: Vec<Vec<f32>>,
}

/// Everything needed to build any perturbed input quickly.
#[derive(Debug, Clone)]
pub struct Composer {
    base: Planes,
    parts: Vec<Part>,
}

impl Composer {
    /// Precomputes the resized background and per-superpixel parts.
    pub fn new(
        face: &Planes,
        sp: &Superpixels,
        background: Background,
        pre: &Preprocessor,
    ) -> Composer {
        Composer::with_fill(face, sp, &background.fill(face, sp), pre)
    }

    /// Like [`Composer::new`] with the fill already made: the region game
    /// composes facial regions over the fill of the explanation's own
    /// superpixels (a superpixel-mean background stays the explanation's).
    pub fn with_fill(face: &Planes, sp: &Superpixels, bg: &Planes, pre: &Preprocessor) -> Composer {
        let base = pre.resize(bg, false);
        let (mw, mh) = (base.width, base.height);
        let mut parts = Vec::with_capacity(sp.count);
        let mut masked = Planes {
            width: face.width,
            height: face.height,
            planes: vec![vec![0.0; face.pixels()]; face.planes.len()],
        };
        let members = sp.members();
        let resizer = pre.resizer_for(face, false);
        for m in &members {
            let first = m.first().map_or(0, |&i| i as usize / face.width);
            let last = m.last().map_or(0, |&i| i as usize / face.width);
            for (c, plane) in masked.planes.iter_mut().enumerate() {
                for &i in m {
                    plane[i as usize] = face.planes[c][i as usize] - bg.planes[c][i as usize];
                }
            }
            let resized = resizer.resize(&masked, first..last + 1);
            for plane in masked.planes.iter_mut() {
                for &i in m {
                    plane[i as usize] = 0.0;
                }
            }
            // The resized part is nonzero only near the superpixel: keep the
            // box where any channel is nonzero.
            let (mut x0, mut y0, mut x1, mut y1) = (mw, mh, 0, 0);
            for y in 0..mh {
                for x in 0..mw {
                    if resized.planes.iter().any(|p| p[y * mw + x] != 0.0) {
                        (x0, y0) = (x0.min(x), y0.min(y));
                        (x1, y1) = (x1.max(x + 1), y1.max(y + 1));
                    }
                }
            }
            if x0 >= x1 {
                (x0, y0, x1, y1) = (0, 0, 0, 0);
            }
            let (w, h) = (x1 - x0, y1 - y0);
            let delta = resized
                .planes
                .iter()
                .map(|p| {
                    let mut d = Vec::with_capacity(w * h);
                    for y in y0..y1 {
                        d.extend_from_slice(&p[y * mw + x0..y * mw + x1]);
                    }
                    d
                })
                .collect();
            parts.push(Part {
                x0,
                y0,
                w,
                h,
                delta,
            });
        }
        Composer { base, parts }
    }

    /// The background at the model's resolution: what removed parts show.
    pub fn background(&self) -> &Planes {
        &self.base
    }

    /// Number of superpixels.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether there are no superpixels.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The model-sized image (0..255 planes) with superpixel `j` present
    /// where `kept[j]`, background elsewhere.
    pub fn compose(&self, kept: &[bool]) -> Planes {
        let mut out = self.base.clone();
        let mw = out.width;
        for (part, _) in self.parts.iter().zip(kept).filter(|(_, k)| **k) {
            for (c, plane) in out.planes.iter_mut().enumerate() {
                let d = &part.delta[c];
                for y in 0..part.h {
                    let row = &mut plane
                        [(part.y0 + y) * mw + part.x0..(part.y0 + y) * mw + part.x0 + part.w];
                    for (o, v) in row.iter_mut().zip(&d[y * part.w..(y + 1) * part.w]) {
                        *o += v;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lime::slic::slic;
    use crate::model::card::{Colour, InputSpec, Layout, ResizeFilter};

    fn spec(filter: ResizeFilter) -> InputSpec {
        InputSpec {
            layout: Layout::Nhwc,
            width: 16,
            height: 16,
            channels: 1,
            colour: Colour::Gray,
            resize: filter,
            scale: 1.0,
            offset: 0.0,
        }
    }

    #[test]
    fn composing_equals_resizing_the_composite() {
        let (w, h) = (50, 40);
        let face = Planes {
            width: w,
            height: h,
            planes: vec![(0..w * h).map(|i| ((i * 37) % 251) as f32).collect()],
        };
        let sp = slic(&face, 12, 20.0, 10);
        for filter in [
            ResizeFilter::Bilinear,
            ResizeFilter::Nearest,
            ResizeFilter::Lanczos,
        ] {
            let pre = Preprocessor::new(spec(filter));
            for bg in [Background::Grey, Background::Mean, Background::Blur] {
                let comp = Composer::new(&face, &sp, bg, &pre);
                let kept: Vec<bool> = (0..sp.count).map(|j| j % 3 != 1).collect();
                let fast = comp.compose(&kept);
                let fill = bg.fill(&face, &sp);
                let composite = Planes {
                    width: w,
                    height: h,
                    planes: vec![
                        (0..w * h)
                            .map(|i| {
                                if kept[sp.labels[i] as usize] {
                                    face.planes[0][i]
                                } else {
                                    fill.planes[0][i]
                                }
                            })
                            .collect(),
                    ],
                };
                let slow = pre.resize(&composite, false);
                for (a, b) in fast.planes[0].iter().zip(&slow.planes[0]) {
                    assert!((a - b).abs() < 1e-3, "{filter:?} {bg:?}: {a} vs {b}");
                }
            }
        }
    }
}
