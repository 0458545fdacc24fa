//! The practical's Figure 4: a confusion matrix with each reference column
//! normalised to 100%, coloured by percentage.

use image::{Rgb, RgbImage};

use super::{draw_text, fill_rect, mix, text_width};
use crate::stats::ConfusionMatrix;

const CELL_W: u32 = 84;
const CELL_H: u32 = 40;
const LOW: Rgb<u8> = Rgb([247, 251, 255]);
const HIGH: Rgb<u8> = Rgb([8, 48, 107]);
const INK: Rgb<u8> = Rgb([20, 20, 20]);

/// The column-normalised heatmap of `m` with a title.
pub fn heatmap(m: &ConfusionMatrix, title: &str) -> RgbImage {
    let k = m.levels.len() as u32;
    let label_w = m
        .levels
        .iter()
        .map(|l| text_width(l, 2))
        .max()
        .unwrap_or(0)
        .max(text_width("Prediction", 2))
        + 24;
    let top = 90;
    let width = (label_w + k * CELL_W + 20).max(text_width(title, 2) + 20);
    let height = top + k * CELL_H + 60;
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    draw_text(&mut img, 10, 10, title, 2, INK);
    draw_text(
        &mut img,
        label_w as i64,
        40,
        "Reference (true emotion)",
        1,
        INK,
    );
    draw_text(&mut img, 10, (top - 20) as i64, "Prediction", 2, INK);
    let pct = m.column_percentages();
    for (j, l) in m.levels.iter().enumerate() {
        let x = label_w + j as u32 * CELL_W;
        let lw = text_width(l, 1);
        draw_text(
            &mut img,
            (x + CELL_W.saturating_sub(lw) / 2) as i64,
            (top - 16) as i64,
            l,
            1,
            INK,
        );
    }
    for (i, l) in m.levels.iter().enumerate() {
        let y = top + i as u32 * CELL_H;
        draw_text(&mut img, 10, (y + CELL_H / 2 - 8) as i64, l, 2, INK);
        for j in 0..m.levels.len() {
            let x = label_w + j as u32 * CELL_W;
            let p = pct[i][j];
            let colour = mix(LOW, HIGH, p.unwrap_or(0.0) as f32 / 100.0);
            fill_rect(&mut img, x + 1, y + 1, CELL_W - 2, CELL_H - 2, colour);
            let text = p.map_or("-".to_string(), |p| format!("{p:.1}%"));
            let ink = if p.unwrap_or(0.0) > 50.0 {
                Rgb([255, 255, 255])
            } else {
                INK
            };
            let tw = text_width(&text, 2);
            draw_text(
                &mut img,
                (x + CELL_W.saturating_sub(tw) / 2) as i64,
                (y + CELL_H / 2 - 8) as i64,
                &text,
                2,
                ink,
            );
        }
    }
    let legend_y = top + k * CELL_H + 20;
    for t in 0..200u32 {
        fill_rect(
            &mut img,
            label_w + t,
            legend_y,
            1,
            14,
            mix(LOW, HIGH, t as f32 / 199.0),
        );
    }
    draw_text(
        &mut img,
        label_w as i64 - 24,
        legend_y as i64 + 3,
        "0%",
        1,
        INK,
    );
    draw_text(
        &mut img,
        (label_w + 206) as i64,
        legend_y as i64 + 3,
        "100% of the column",
        1,
        INK,
    );
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn darker_for_larger_share() {
        let m = ConfusionMatrix {
            levels: vec!["A".into(), "B".into()],
            table: vec![vec![9, 0], vec![1, 5]],
        };
        let img = heatmap(&m, "t");
        assert!(img.width() > 100 && img.height() > 100);
    }
}
