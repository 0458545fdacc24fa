//! A face with its landmarks and named regions drawn over it.

use image::{Rgb, RgbImage};

use super::explanation::{display_size, face_image};
use super::mix;
use crate::geometry::{LandmarkSource, Landmarks, Region};
use crate::preprocess::Planes;

/// How strongly a region's colour tints the face inside it.
const TINT: f32 = 0.28;

/// The colour each region is drawn in (`Outside` is left untinted).
pub fn region_colour(r: Region) -> Rgb<u8> {
    Rgb(match r {
        Region::BrowRight | Region::BrowLeft => [255, 170, 40],
        Region::EyeRight | Region::EyeLeft => [70, 160, 255],
        Region::Nose => [190, 120, 255],
        Region::Mouth => [255, 70, 90],
        Region::Cheeks => [80, 210, 120],
        Region::Forehead => [240, 230, 90],
        Region::Chin => [60, 220, 220],
        Region::Outside => [128, 128, 128],
    })
}

/// The face, its longer side `target` pixels, each region tinted in its
/// colour with its outline, and the mesh points as dots.
pub fn regions_image(face: &Planes, landmarks: &Landmarks, target: u32) -> RgbImage {
    let mut img = face_image(face, display_size(face, target));
    draw_regions(&mut img, landmarks, true);
    img
}

/// Draws the regions of `landmarks` over a picture of the same face (any
/// size): outlines in each region's colour, the inside tinted when `tint`,
/// and the mesh points (white for the face's own mesh, grey for the
/// template).
pub fn draw_regions(img: &mut RgbImage, landmarks: &Landmarks, tint: bool) {
    let (w, h) = img.dimensions();
    let map = landmarks.regions_at(w as usize, h as usize);
    for y in 0..h {
        for x in 0..w {
            let r = map.at(x as usize, y as usize);
            if r == Region::Outside {
                continue;
            }
            let c = region_colour(r);
            if map.is_border(x as usize, y as usize) {
                img.put_pixel(x, y, c);
            } else if tint {
                let px = *img.get_pixel(x, y);
                img.put_pixel(x, y, mix(px, c, TINT));
            }
        }
    }
    let dot = match landmarks.source {
        LandmarkSource::Mesh => Rgb([255, 255, 255]),
        LandmarkSource::Template(_) => Rgb([150, 150, 150]),
    };
    for p in landmarks.points_at(w as usize, h as usize) {
        let (x, y) = (p[0].floor(), p[1].floor());
        if x >= 0.0 && y >= 0.0 && (x as u32) < w && (y as u32) < h {
            img.put_pixel(x as u32, y as u32, dot);
        }
    }
}

/// Supporting regions' tint (as the explanation panels' supports).
const SUPPORT: Rgb<u8> = Rgb([40, 110, 255]);
/// Contradicting regions' tint.
const CONTRADICT: Rgb<u8> = Rgb([235, 50, 50]);

/// The face, its longer side `target` pixels, each region tinted blue
/// (supports) or red (contradicts) in proportion to its signed value
/// (`values` in [`Region::ALL`] order; the largest |value| is full tint),
/// with the regions' outlines.
pub fn region_values_image(
    face: &Planes,
    landmarks: &Landmarks,
    values: &[f64],
    target: u32,
) -> RgbImage {
    let mut img = face_image(face, display_size(face, target));
    let (w, h) = img.dimensions();
    let map = landmarks.regions_at(w as usize, h as usize);
    let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for y in 0..h {
        for x in 0..w {
            let r = map.at(x as usize, y as usize);
            let px = *img.get_pixel(x, y);
            if map.is_border(x as usize, y as usize) {
                img.put_pixel(x, y, mix(px, Rgb([255, 255, 255]), 0.6));
                continue;
            }
            let v = values.get(r as usize).copied().unwrap_or(0.0);
            if max > 0.0 && v != 0.0 {
                let c = if v > 0.0 { SUPPORT } else { CONTRADICT };
                img.put_pixel(x, y, mix(px, c, 0.75 * (v.abs() / max) as f32));
            }
        }
    }
    img
}
