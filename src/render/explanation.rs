//! R lime's pictures: `plot_superpixels`, `plot_image_explanation` (outline
//! and block displays, supports in blue and contradicts in red, a caption
//! with label, probability and explanation fit), and the practical's density
//! plot of feature weights.
//!
//! Faces are upscaled with a smooth filter before any line is drawn, so a
//! 64×64 face still shows crisp one-pixel boundaries at terminal sizes.

use image::{Rgb, RgbImage, imageops::FilterType};
use serde::Serialize;

use super::plot::{Series, line_plot};
use super::{GLYPH, draw_text, fill_rect, mix, text_width};
use crate::lime::trust::Faithfulness;
use crate::lime::{LabelExplanation, Superpixels};
use crate::preprocess::Planes;
use crate::stats::rformat::format_vector;

const SUPPORT: Rgb<u8> = Rgb([0, 0, 255]);
const CONTRADICT: Rgb<u8> = Rgb([255, 0, 0]);
const BLOCK: Rgb<u8> = Rgb([190, 190, 190]);
const INK: Rgb<u8> = Rgb([20, 20, 20]);
const PAPER: Rgb<u8> = Rgb([255, 255, 255]);

/// How selected superpixels are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Display {
    /// Tinted at `fill_alpha` with an opaque edge.
    #[default]
    Outline,
    /// Everything not selected painted grey.
    Block,
}

/// plot_image_explanation's options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PanelOptions {
    /// Outline or block.
    pub display: Display,
    /// Also show the contradicting superpixels (a second panel).
    pub show_negative: bool,
    /// Minimum |weight| for a superpixel to be shown (probability units).
    pub threshold: f64,
    /// Tint opacity in outline mode.
    pub fill_alpha: f32,
}

impl Default for PanelOptions {
    fn default() -> Self {
        PanelOptions {
            display: Display::Outline,
            show_negative: false,
            threshold: 0.02,
            fill_alpha: 0.3,
        }
    }
}

/// Size to draw a face at: the longer side `target` pixels.
pub(crate) fn display_size(face: &Planes, target: u32) -> (u32, u32) {
    let (w, h) = (face.width as f64, face.height as f64);
    let s = target as f64 / w.max(h);
    (
        ((w * s).round() as u32).max(1),
        ((h * s).round() as u32).max(1),
    )
}

/// The face as an RGB image, smoothly resized to `size`.
pub(crate) fn face_image(face: &Planes, size: (u32, u32)) -> RgbImage {
    let (w, h) = (face.width as u32, face.height as u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let i = (y * w + x) as usize;
        let v = |c: usize| {
            face.planes[c.min(face.planes.len() - 1)][i]
                .round()
                .clamp(0.0, 255.0) as u8
        };
        Rgb([v(0), v(1), v(2)])
    });
    image::imageops::resize(&img, size.0, size.1, FilterType::CatmullRom)
}

/// The superpixel id under each display pixel (nearest).
fn label_at(sp: &Superpixels, size: (u32, u32)) -> Vec<u32> {
    let (dw, dh) = size;
    let mut out = Vec::with_capacity((dw * dh) as usize);
    for y in 0..dh {
        let sy = ((y as f64 + 0.5) * sp.height as f64 / dh as f64) as usize;
        for x in 0..dw {
            let sx = ((x as f64 + 0.5) * sp.width as f64 / dw as f64) as usize;
            out.push(sp.labels[sy.min(sp.height - 1) * sp.width + sx.min(sp.width - 1)]);
        }
    }
    out
}

/// Whether display pixel (x, y) is on the edge of the region `inside`.
fn on_edge(inside: &dyn Fn(u32, u32) -> bool, x: u32, y: u32, w: u32, h: u32) -> bool {
    if !inside(x, y) {
        return false;
    }
    let out = |nx: i64, ny: i64| {
        nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 || !inside(nx as u32, ny as u32)
    };
    let (x, y) = (x as i64, y as i64);
    out(x - 1, y) || out(x + 1, y) || out(x, y - 1) || out(x, y + 1)
}

/// plot_superpixels: the face with superpixel boundaries in black, the
/// longer side `target` pixels.
pub fn superpixels_image(face: &Planes, sp: &Superpixels, target: u32) -> RgbImage {
    let size = display_size(face, target);
    let mut img = face_image(face, size);
    let labels = label_at(sp, size);
    let (w, h) = size;
    for y in 0..h {
        for x in 0..w {
            let l = labels[(y * w + x) as usize];
            let right = x + 1 < w && labels[(y * w + x + 1) as usize] != l;
            let down = y + 1 < h && labels[((y + 1) * w + x) as usize] != l;
            if right || down {
                img.put_pixel(x, y, Rgb([0, 0, 0]));
            }
        }
    }
    img
}

/// R's `format(x, digits = 2)`, as the panel captions show numbers.
pub fn two_digits(x: f64) -> String {
    format_vector(&[Some(x)], 2).remove(0).trim().to_string()
}

/// Which superpixels a panel colours: (supports, contradicts).
pub fn selected(expl: &LabelExplanation, threshold: f64) -> (Vec<usize>, Vec<usize>) {
    let sup = expl
        .features
        .iter()
        .filter(|f| f.weight > threshold)
        .map(|f| f.superpixel)
        .collect();
    let con = expl
        .features
        .iter()
        .filter(|f| f.weight <= -threshold)
        .map(|f| f.superpixel)
        .collect();
    (sup, con)
}

fn draw_region(
    img: &mut RgbImage,
    labels: &[u32],
    chosen: &[usize],
    colour: Rgb<u8>,
    opts: &PanelOptions,
) {
    let (w, h) = img.dimensions();
    let mut mask = vec![false; labels.len()];
    for (i, &l) in labels.iter().enumerate() {
        mask[i] = chosen.contains(&(l as usize));
    }
    match opts.display {
        Display::Outline => {
            let inside = |x: u32, y: u32| mask[(y * w + x) as usize];
            for y in 0..h {
                for x in 0..w {
                    if !inside(x, y) {
                        continue;
                    }
                    let p = if on_edge(&inside, x, y, w, h) {
                        colour
                    } else {
                        mix(*img.get_pixel(x, y), colour, opts.fill_alpha)
                    };
                    img.put_pixel(x, y, p);
                }
            }
        }
        Display::Block => {
            for (i, m) in mask.iter().enumerate() {
                if !m {
                    img.put_pixel(i as u32 % w, i as u32 / w, BLOCK);
                }
            }
        }
    }
}

/// A picture with a caption block above it.
fn with_caption(img: &RgbImage, lines: &[String]) -> RgbImage {
    let scale = if img.width() >= 240 { 2 } else { 1 };
    let line_h = GLYPH * scale + 6;
    let top = lines.len() as u32 * line_h + 8;
    let width = img.width().max(
        lines
            .iter()
            .map(|l| text_width(l, scale))
            .max()
            .unwrap_or(0)
            + 12,
    );
    let mut out = RgbImage::from_pixel(width, img.height() + top, PAPER);
    fill_rect(&mut out, 0, 0, width, top - 4, Rgb([235, 235, 235]));
    for (i, l) in lines.iter().enumerate() {
        draw_text(&mut out, 6, (4 + i as u32 * line_h) as i64, l, scale, INK);
    }
    image::imageops::overlay(&mut out, img, 0, top as i64);
    out
}

/// Which panel of plot_image_explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKind {
    /// Superpixels with weight > threshold, in blue.
    Supports,
    /// Superpixels with weight ≤ −threshold, in red.
    Contradicts,
}

/// One panel's picture without its caption (the TUI writes captions as
/// text, which stays legible where a picture is only a few cells wide).
pub fn explanation_overlay(
    face: &Planes,
    sp: &Superpixels,
    expl: &LabelExplanation,
    opts: &PanelOptions,
    target: u32,
    kind: PanelKind,
) -> RgbImage {
    let size = display_size(face, target);
    let mut img = face_image(face, size);
    let labels = label_at(sp, size);
    let (sup, con) = selected(expl, opts.threshold);
    match kind {
        PanelKind::Supports => draw_region(&mut img, &labels, &sup, SUPPORT, opts),
        PanelKind::Contradicts if con.is_empty() && opts.display == Display::Block => {
            // R shows a blank block-coloured image when nothing contradicts.
            for p in img.pixels_mut() {
                *p = BLOCK;
            }
        }
        PanelKind::Contradicts => draw_region(&mut img, &labels, &con, CONTRADICT, opts),
    }
    img
}

/// A panel's caption as R lime writes it: label, probability and
/// explanation fit (2 significant digits), and the type when negatives are
/// shown. Front-ends lay the fields out as they fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caption {
    /// The label's name.
    pub label: String,
    /// Its probability, 2 significant digits.
    pub probability: String,
    /// The explanation fit (weighted R²), 2 significant digits.
    pub fit: String,
    /// "Supports" or "Contradicts" when both panels are shown.
    pub kind: Option<&'static str>,
}

impl Caption {
    /// R lime's caption lines: "Label: …", "Probability: …",
    /// "Explanation Fit: …" and "Type: …".
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![
            format!("Label: {}", self.label),
            format!("Probability: {}", self.probability),
            format!("Explanation Fit: {}", self.fit),
        ];
        if let Some(k) = self.kind {
            v.push(format!("Type: {k}"));
        }
        v
    }
}

/// The caption of one label's panel.
pub fn caption(expl: &LabelExplanation, opts: &PanelOptions, kind: PanelKind) -> Caption {
    Caption {
        label: expl.name.clone(),
        probability: two_digits(expl.probability),
        // Methods without a fitted local model (occlusion, RISE) have no fit.
        fit: if expl.r2.is_nan() {
            "n/a".to_string()
        } else {
            two_digits(expl.r2)
        },
        kind: opts.show_negative.then_some(match kind {
            PanelKind::Supports => "Supports",
            PanelKind::Contradicts => "Contradicts",
        }),
    }
}

/// plot_image_explanation for one label: the caption (Label, Probability,
/// Explanation Fit) over the face with supporting superpixels in blue; with
/// `show_negative`, a second panel with the contradicting ones in red.
pub fn explanation_panel(
    face: &Planes,
    sp: &Superpixels,
    expl: &LabelExplanation,
    opts: &PanelOptions,
    target: u32,
) -> RgbImage {
    let panel = |kind| {
        with_caption(
            &explanation_overlay(face, sp, expl, opts, target, kind),
            &caption(expl, opts, kind).lines(),
        )
    };
    let left = panel(PanelKind::Supports);
    if !opts.show_negative {
        return left;
    }
    let right = panel(PanelKind::Contradicts);
    let gap = 8;
    let mut out = RgbImage::from_pixel(
        left.width() + gap + right.width(),
        left.height().max(right.height()),
        PAPER,
    );
    image::imageops::overlay(&mut out, &left, 0, 0);
    image::imageops::overlay(&mut out, &right, (left.width() + gap) as i64, 0);
    out
}

/// A Gaussian kernel density estimate of feature weights, as R's
/// `density()` with its default bandwidth (`bw.nrd0`): 512 points spanning
/// the range plus three bandwidths. Empty for fewer than two weights.
pub fn weight_density(weights: &[f64]) -> Vec<(f64, f64)> {
    let n = weights.len();
    if n < 2 {
        return Vec::new();
    }
    let mean = weights.iter().sum::<f64>() / n as f64;
    let sd = (weights.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let mut sorted = weights.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| {
        // R's default quantile (type 7).
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        sorted[lo] + (h - lo as f64) * (sorted[(lo + 1).min(n - 1)] - sorted[lo])
    };
    let iqr = q(0.75) - q(0.25);
    let mut lo = sd.min(iqr / 1.34);
    if lo <= 0.0 {
        lo = if sd > 0.0 {
            sd
        } else if weights[0] != 0.0 {
            weights[0].abs()
        } else {
            1.0
        };
    }
    let bw = 0.9 * lo * (n as f64).powf(-0.2);
    let (from, to) = (sorted[0] - 3.0 * bw, sorted[n - 1] + 3.0 * bw);
    (0..512)
        .map(|i| {
            let x = from + (to - from) * i as f64 / 511.0;
            let d = weights
                .iter()
                .map(|w| (-0.5 * ((x - w) / bw).powi(2)).exp())
                .sum::<f64>()
                / (n as f64 * bw * (2.0 * std::f64::consts::PI).sqrt());
            (x, d)
        })
        .collect()
}

/// The density of one label's feature weights as a small line plot, with a
/// rug of the weights (supports blue, contradicts red).
pub fn density_plot(expl: &LabelExplanation, width: u32, height: u32) -> RgbImage {
    let weights: Vec<f64> = expl.features.iter().map(|f| f.weight).collect();
    let curve = weight_density(&weights);
    let marks: Vec<(f64, Rgb<u8>)> = weights
        .iter()
        .map(|&w| (w, if w >= 0.0 { SUPPORT } else { CONTRADICT }))
        .collect();
    line_plot(
        &format!("{}: density of feature weights", expl.name),
        &[Series {
            points: &curve,
            colour: INK,
            dashed: false,
        }],
        &marks,
        width,
        height,
    )
}

/// Deletion (red) and insertion (blue) curves of one label against the
/// mean of random orders (dashed), x = share of superpixels changed.
pub fn faithfulness_plot(name: &str, f: &Faithfulness, width: u32, height: u32) -> RgbImage {
    let (d, rd) = (f.deletion.points(), f.random_deletion.points());
    let (i, ri) = (f.insertion.points(), f.random_insertion.points());
    line_plot(
        &format!(
            "{name}: deletion {:.2}x, insertion {:.2}x random (dashed)",
            f.deletion_ratio, f.insertion_ratio
        ),
        &[
            Series {
                points: &rd,
                colour: Rgb([240, 150, 150]),
                dashed: true,
            },
            Series {
                points: &ri,
                colour: Rgb([150, 150, 240]),
                dashed: true,
            },
            Series {
                points: &d,
                colour: CONTRADICT,
                dashed: false,
            },
            Series {
                points: &i,
                colour: SUPPORT,
                dashed: false,
            },
        ],
        &[],
        width,
        height,
    )
}

/// A method's pixel map as a picture: blue where it supports the label,
/// red where it contradicts, white at 0, each scaled by the largest |value|
/// (the panels' colours); nearest-neighbour up to `size` pixels a side.
pub fn pixel_map_image(map: &crate::methods::PixelMap, size: u32) -> RgbImage {
    let (w, h) = (map.width.max(1), map.height.max(1));
    let scale = (size as f64 / w.max(h) as f64).max(1.0);
    let (out_w, out_h) = ((w as f64 * scale) as u32, (h as f64 * scale) as u32);
    let max = map.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    RgbImage::from_fn(out_w.max(1), out_h.max(1), |x, y| {
        let (mx, my) = ((x as f64 / scale) as usize, (y as f64 / scale) as usize);
        let v = map.values[my.min(h - 1) * w + mx.min(w - 1)];
        let t = if max > 0.0 { v.abs() / max } else { 0.0 };
        super::mix(PAPER, if v >= 0.0 { SUPPORT } else { CONTRADICT }, t as f32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_integrates_to_one() {
        let d = weight_density(&[0.1, -0.05, 0.02, 0.3, 0.0]);
        let dx = d[1].0 - d[0].0;
        let area: f64 = d.iter().map(|p| p.1).sum::<f64>() * dx;
        assert!((area - 1.0).abs() < 0.01, "{area}");
        assert!(weight_density(&[0.5]).is_empty());
    }

    #[test]
    fn captions_use_two_significant_digits() {
        assert_eq!(two_digits(0.995_617_5), "1");
        assert_eq!(two_digits(0.003_896_179), "0.0039");
        assert_eq!(two_digits(0.8712), "0.87");
    }
}
