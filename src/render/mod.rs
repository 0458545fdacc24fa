//! Pictures: heatmaps, superpixels, explanation panels and weight plots, as
//! plain RGB images. The TUI shows them inline; the CLI writes them as PNG.
//!
//! Text uses the public-domain 8×8 bitmap font from `font8x8`, scaled by an
//! integer factor: no font files to find on a lab machine.

mod atlas;
mod explanation;
mod heatmap;
mod plot;
mod regions;
pub use atlas::{Tile, bars_grid, cell_grid, class_grid, grid, map_image, region_bars};
pub use plot::sanity_curve;
pub use regions::{draw_regions, region_colour, region_values_image, regions_image};

pub use explanation::{
    Caption, Display, PanelKind, PanelOptions, caption, density_plot, explanation_overlay,
    explanation_panel, faithfulness_plot, pixel_map_image, selected, superpixels_image, two_digits,
    weight_density,
};
pub use heatmap::heatmap;

use std::path::Path;

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage};

use crate::error::{Error, Result};

/// Width in pixels of one character at scale 1.
pub const GLYPH: u32 = 8;

/// Writes `img` as PNG. An existing file is an error unless `force`.
pub fn save_png(img: &RgbImage, path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::file(
            path,
            "already exists; pass --force to overwrite it",
        ));
    }
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| Error::file(path, e))
}

/// Width in pixels of `text` at `scale`.
pub fn text_width(text: &str, scale: u32) -> u32 {
    text.chars().count() as u32 * GLYPH * scale
}

/// Draws `text` with its top-left corner at (x, y); clipped at the edges.
pub fn draw_text(img: &mut RgbImage, x: i64, y: i64, text: &str, scale: u32, colour: Rgb<u8>) {
    let fonts = font8x8::BASIC_FONTS;
    for (i, ch) in text.chars().enumerate() {
        let glyph = fonts
            .get(ch)
            .or_else(|| font8x8::LATIN_FONTS.get(ch))
            .or_else(|| fonts.get('?'))
            .unwrap_or([0; 8]);
        let gx = x + (i as u32 * GLYPH * scale) as i64;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let px = gx + (col * scale + dx) as i64;
                        let py = y + (row as u32 * scale + dy) as i64;
                        if px >= 0
                            && py >= 0
                            && (px as u32) < img.width()
                            && (py as u32) < img.height()
                        {
                            img.put_pixel(px as u32, py as u32, colour);
                        }
                    }
                }
            }
        }
    }
}

/// Fills a rectangle, clipped at the edges.
pub fn fill_rect(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            img.put_pixel(px, py, colour);
        }
    }
}

/// Linear blend of two colours, `t` = 0 gives `a`.
pub fn mix(a: Rgb<u8>, b: Rgb<u8>, t: f32) -> Rgb<u8> {
    let t = t.clamp(0.0, 1.0);
    Rgb(std::array::from_fn(|i| {
        (a[i] as f32 * (1.0 - t) + b[i] as f32 * t).round() as u8
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.png");
        std::fs::write(&p, b"precious").unwrap();
        let img = RgbImage::new(2, 2);
        let e = save_png(&img, &p, false).unwrap_err();
        assert!(e.to_string().contains("--force"));
        assert_eq!(std::fs::read(&p).unwrap(), b"precious");
        save_png(&img, &p, true).unwrap();
    }

    #[test]
    fn text_is_drawn() {
        let mut img = RgbImage::new(40, 10);
        draw_text(&mut img, 1, 1, "Hi", 1, Rgb([255, 255, 255]));
        assert!(img.pixels().any(|p| p[0] == 255));
    }
}
