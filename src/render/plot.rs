//! A minimal line plot: a title, axes, and a few series.

use image::{Rgb, RgbImage};

use super::{draw_text, fill_rect, text_width};
use crate::methods::Method;
use crate::methods::sanity::Report;

const INK: Rgb<u8> = Rgb([20, 20, 20]);
const PAPER: Rgb<u8> = Rgb([255, 255, 255]);

/// One line of a plot.
pub struct Series<'a> {
    /// Points (x, y).
    pub points: &'a [(f64, f64)],
    /// Its colour.
    pub colour: Rgb<u8>,
    /// Drawn dashed (reference lines).
    pub dashed: bool,
}

/// Draws `series` in a `width × height` image with `title` on top, the x
/// range labelled under the axis, and marks (x, colour) under it.
pub fn line_plot(
    title: &str,
    series: &[Series],
    marks: &[(f64, Rgb<u8>)],
    width: u32,
    height: u32,
) -> RgbImage {
    let mut img = RgbImage::from_pixel(width, height, PAPER);
    draw_text(&mut img, 6, 4, title, 1, INK);
    let all: Vec<&(f64, f64)> = series.iter().flat_map(|s| s.points.iter()).collect();
    let (left, right, top, bottom) = (
        40u32,
        width.saturating_sub(10),
        20u32,
        height.saturating_sub(24),
    );
    if all.is_empty() || right <= left || bottom <= top {
        draw_text(&mut img, 6, 24, "nothing to plot", 1, INK);
        return img;
    }
    let x0 = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x1 = all.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let ymax = all.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-300);
    let span = if x1 > x0 { x1 - x0 } else { 1.0 };
    let px = |x: f64| left as f64 + (x - x0) / span * (right - left) as f64;
    let py = |y: f64| bottom as f64 - y / ymax * (bottom - top) as f64;
    fill_rect(&mut img, left, bottom, right - left, 1, INK);
    fill_rect(&mut img, left, top, 1, bottom - top, INK);
    if x0 < 0.0 && x1 > 0.0 {
        let zx = px(0.0) as u32;
        for y in (top..bottom).step_by(3) {
            img.put_pixel(zx, y, Rgb([150, 150, 150]));
        }
    }
    for &(x, colour) in marks {
        fill_rect(&mut img, px(x) as u32, bottom + 2, 1, 5, colour);
    }
    for s in series {
        let mut prev: Option<(f64, f64)> = None;
        let mut step = 0usize;
        for &(x, y) in s.points {
            let p = (px(x), py(y));
            if let Some(q) = prev {
                let n = ((p.0 - q.0).abs().max((p.1 - q.1).abs()).ceil() as usize).max(1);
                for i in 0..=n {
                    step += 1;
                    if s.dashed && (step / 4) % 2 == 1 {
                        continue;
                    }
                    let t = i as f64 / n as f64;
                    let (xx, yy) = (q.0 + (p.0 - q.0) * t, q.1 + (p.1 - q.1) * t);
                    if xx >= 0.0 && yy >= 0.0 && (xx as u32) < width && (yy as u32) < height {
                        img.put_pixel(xx as u32, yy as u32, s.colour);
                    }
                }
            }
            prev = Some(p);
        }
    }
    let fmt = |v: f64| format!("{v:.3}");
    draw_text(
        &mut img,
        left as i64,
        (bottom + 10) as i64,
        &fmt(x0),
        1,
        INK,
    );
    let r = fmt(x1);
    draw_text(
        &mut img,
        (right - text_width(&r, 1)) as i64,
        (bottom + 10) as i64,
        &r,
        1,
        INK,
    );
    draw_text(&mut img, 2, top as i64, &format!("{ymax:.2}"), 1, INK);
    img
}

/// Line colours, one per method in [`Method::ALL`]'s order.
const METHOD_COLOURS: [[u8; 3]; 4] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [148, 103, 189],
];

fn method_colour(m: Method) -> Rgb<u8> {
    let i = Method::ALL.iter().position(|x| *x == m).unwrap_or(0);
    Rgb(METHOD_COLOURS[i])
}

/// Similarity (Spearman ρ of |importance|, solid; SSIM, dashed) per step,
/// one colour per method; below 0 drawn at 0.
pub fn sanity_curve(r: &Report) -> RgbImage {
    // Per method: its rank-correlation line and its SSIM line.
    type Lines = (Method, Vec<(f64, f64)>, Vec<(f64, f64)>);
    let points: Vec<Lines> = r
        .methods
        .iter()
        .enumerate()
        .map(|(mi, &m)| {
            let at = |f: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
                std::iter::once((0.0, 1.0))
                    .chain((0..r.steps.len()).map(|i| ((i + 1) as f64, f(i).max(0.0))))
                    .collect()
            };
            (
                m,
                at(&|i| r.steps[i].similarity[mi].spearman_abs),
                at(&|i| r.steps[i].similarity[mi].ssim),
            )
        })
        .collect();
    let series: Vec<Series> = points
        .iter()
        .flat_map(|(m, rho, ssim)| {
            [
                Series {
                    points: rho,
                    colour: method_colour(*m),
                    dashed: false,
                },
                Series {
                    points: ssim,
                    colour: method_colour(*m),
                    dashed: true,
                },
            ]
        })
        .collect();
    let mut img = line_plot(
        "Similarity to the original explanation, layers randomised from the output (rho solid, SSIM dashed)",
        &series,
        &[],
        820,
        360,
    );
    // A legend: each method's name in its colour, under the title.
    let mut x = 64;
    for &m in &r.methods {
        draw_text(&mut img, x, 20, m.name(), 1, method_colour(m));
        x += text_width(m.name(), 1) as i64 + 16;
    }
    img
}
