//! The atlas's pictures: where the model's weight falls over the mean face
//! of a group (in the canonical frame), grids of them, and each region's
//! share with its interval as bars.

use image::imageops::{FilterType, resize};
use image::{GrayImage, Luma, Rgb, RgbImage};

use super::{draw_text, fill_rect, mix, region_colour, text_width};
use crate::atlas::canonical::CANONICAL;
use crate::atlas::{Group, GroupMap, GroupRegions, Overview};

const PAPER: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([20, 20, 20]);
const FAINT: Rgb<u8> = Rgb([150, 150, 150]);
/// The map's colours, from its weakest shown value to its strongest.
const WARM: Rgb<u8> = Rgb([200, 20, 30]);
const HOT: Rgb<u8> = Rgb([255, 235, 80]);
/// Most of the face that the strongest weight hides.
const OPACITY: f32 = 0.85;
/// Space between and around a grid's cells, in pixels.
const GAP: u32 = 8;

/// A group's map over its mean face, `size` pixels square: the map scaled
/// to its own maximum (where the weight is, not how much), warm to hot.
pub fn map_image(m: &GroupMap, size: u32) -> RgbImage {
    let c = CANONICAL as u32;
    let grey = |v: &[f32]| GrayImage::from_fn(c, c, |x, y| Luma([v[(y * c + x) as usize] as u8]));
    let face = resize(&grey(&m.face), size, size, FilterType::CatmullRom);
    let max = m.map.iter().copied().fold(0.0f32, f32::max);
    let scaled: Vec<f32> = m
        .map
        .iter()
        .map(|v| if max > 0.0 { 255.0 * v / max } else { 0.0 })
        .collect();
    let heat = resize(&grey(&scaled), size, size, FilterType::Triangle);
    RgbImage::from_fn(size, size, |x, y| {
        let g = face.get_pixel(x, y)[0];
        let t = heat.get_pixel(x, y)[0] as f32 / 255.0;
        mix(Rgb([g, g, g]), mix(WARM, HOT, t), OPACITY * t)
    })
}

/// One cell of a [`grid`]: a picture and the line under it.
pub struct Tile {
    /// The picture.
    pub image: RgbImage,
    /// Its caption.
    pub caption: String,
}

/// Pictures in rows and columns with a title, column and row names, and a
/// caption under each; `None` leaves a cell empty (drawn as a dash).
pub fn grid(title: &str, columns: &[String], rows: &[(String, Vec<Option<Tile>>)]) -> RgbImage {
    let cell_w = rows
        .iter()
        .flat_map(|(_, r)| r.iter().flatten())
        .map(|t| t.image.width().max(text_width(&t.caption, 1)))
        .chain(columns.iter().map(|c| text_width(c, 1)))
        .max()
        .unwrap_or(64);
    let cell_h = rows
        .iter()
        .flat_map(|(_, r)| r.iter().flatten())
        .map(|t| t.image.height())
        .max()
        .unwrap_or(64)
        + 14;
    let left = rows
        .iter()
        .map(|(n, _)| text_width(n, 1))
        .max()
        .unwrap_or(0)
        + 2 * GAP;
    let top = 52;
    let ncols = columns.len() as u32;
    let width = (left + ncols * (cell_w + GAP) + GAP).max(text_width(title, 2) + 2 * GAP);
    let height = top + rows.len() as u32 * (cell_h + GAP) + GAP;
    let mut img = RgbImage::from_pixel(width, height, PAPER);
    draw_text(&mut img, GAP as i64, GAP as i64, title, 2, INK);
    for (j, name) in columns.iter().enumerate() {
        let x = left + j as u32 * (cell_w + GAP);
        let dx = cell_w.saturating_sub(text_width(name, 1)) / 2;
        draw_text(&mut img, (x + dx) as i64, (top - 14) as i64, name, 1, INK);
    }
    for (i, (name, cells)) in rows.iter().enumerate() {
        let y = top + i as u32 * (cell_h + GAP);
        draw_text(
            &mut img,
            GAP as i64,
            (y + cell_h / 2 - 4) as i64,
            name,
            1,
            INK,
        );
        for (j, cell) in cells.iter().enumerate() {
            let x = left + j as u32 * (cell_w + GAP);
            match cell {
                Some(t) => {
                    let dx = cell_w.saturating_sub(t.image.width()) / 2;
                    image::imageops::overlay(&mut img, &t.image, (x + dx) as i64, y as i64);
                    let cx = cell_w.saturating_sub(text_width(&t.caption, 1)) / 2;
                    let cy = y + t.image.height() + 4;
                    draw_text(&mut img, (x + cx) as i64, cy as i64, &t.caption, 1, INK);
                }
                None => {
                    let cx = x + cell_w / 2 - 4;
                    draw_text(&mut img, cx as i64, (y + cell_h / 2) as i64, "-", 1, FAINT);
                }
            }
        }
    }
    img
}

/// Each region's mean share of the group's positive weight as a bar in the
/// region's colour, its 95% interval as a line through it; `width` wide.
pub fn region_bars(g: &GroupRegions, width: u32) -> RgbImage {
    let row = 14;
    let label = g
        .regions
        .iter()
        .map(|r| text_width(r.region.name(), 1))
        .max()
        .unwrap_or(0)
        + 6;
    // Room for the widest percentage after the longest bar.
    let scale = width
        .saturating_sub(label + text_width("100%", 1) + 6)
        .max(10) as f64;
    let height = row * g.regions.len() as u32 + 4;
    let mut img = RgbImage::from_pixel(width, height, PAPER);
    for (i, r) in g.regions.iter().enumerate() {
        let y = 2 + i as u32 * row;
        draw_text(&mut img, 0, (y + 3) as i64, r.region.name(), 1, INK);
        let bar = (scale * r.mean.clamp(0.0, 1.0)).round() as u32;
        fill_rect(
            &mut img,
            label,
            y + 2,
            bar,
            row - 4,
            region_colour(r.region),
        );
        let (lo, hi) = (
            label + (scale * r.lower.clamp(0.0, 1.0)) as u32,
            label + (scale * r.upper.clamp(0.0, 1.0)) as u32,
        );
        fill_rect(&mut img, lo, y + row / 2 - 1, (hi - lo).max(1), 2, INK);
        let pct = format!("{:.0}%", 100.0 * r.mean);
        let x = (label + bar).max(hi) + 4;
        draw_text(&mut img, x as i64, (y + 3) as i64, &pct, 1, INK);
    }
    img
}

/// A map tile for the group `group` described by `label`'s explanation, if
/// it has faces.
fn map_tile(o: &Overview, group: &Group, label: usize, size: u32) -> Option<Tile> {
    let i = o.find(group, label)?;
    Some(Tile {
        image: map_image(&o.maps[i], size),
        caption: format!("n={}", o.groups[i].faces.len()),
    })
}

/// The class maps, one column per label: the faces predicted as it (its
/// map), then the faces of the class (its own label's map).
pub fn class_grid(o: &Overview, size: u32) -> RgbImage {
    let row = |name: &str, group: &dyn Fn(String) -> Group| {
        let tiles = (0..o.labels.len())
            .map(|l| map_tile(o, &group(o.labels[l].clone()), l, size))
            .collect();
        (name.to_string(), tiles)
    };
    grid(
        "Where the model looks, per emotion",
        &o.labels,
        &[
            row("predicted", &|label| Group::Predicted { label }),
            row("true class", &|class| Group::True { class }),
        ],
    )
}

/// The confusion matrix's cells: a row per true class, a column per
/// predicted label, each the predicted label's map over the cell's faces.
pub fn cell_grid(o: &Overview, size: u32) -> RgbImage {
    let rows: Vec<(String, Vec<Option<Tile>>)> = o
        .labels
        .iter()
        .map(|class| {
            let tiles = (0..o.labels.len())
                .map(|p| {
                    let group = Group::Cell {
                        class: class.clone(),
                        label: o.labels[p].clone(),
                    };
                    map_tile(o, &group, p, size)
                })
                .collect();
            (class.clone(), tiles)
        })
        .collect();
    grid(
        "Confusion cells (rows: true class; columns: predicted, its map)",
        &o.labels,
        &rows,
    )
}

/// Region bars of every true class and predicted label, `width` each.
pub fn bars_grid(labels: &[String], summary: &[GroupRegions], width: u32) -> RgbImage {
    let row = |name: &str, group: &dyn Fn(String) -> Group| {
        let tiles = labels
            .iter()
            .map(|l| {
                let g = summary.iter().find(|g| g.group == group(l.clone()))?;
                Some(Tile {
                    image: region_bars(g, width),
                    caption: format!("n={}", g.n),
                })
            })
            .collect();
        (name.to_string(), tiles)
    };
    grid(
        "Share of the positive weight per region (95% bootstrap interval)",
        labels,
        &[
            row("predicted", &|label| Group::Predicted { label }),
            row("true class", &|class| Group::True { class }),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_is_hot_where_the_weight_is() {
        let n = CANONICAL * CANONICAL;
        let mut map = vec![0.0; n];
        map[n - 1] = 1.0;
        let img = map_image(
            &GroupMap {
                map,
                face: vec![100.0; n],
            },
            96,
        );
        assert_eq!(img.get_pixel(0, 0), &Rgb([100, 100, 100]));
        let corner = img.get_pixel(95, 95);
        assert!(corner[0] > 150 && corner[2] < 100, "{corner:?}");
    }

    #[test]
    fn a_grid_has_room_for_every_cell() {
        let tile = || {
            Some(Tile {
                image: RgbImage::from_pixel(40, 40, INK),
                caption: "n=3".into(),
            })
        };
        let cols = vec!["a".to_string(), "b".to_string()];
        let img = grid(
            "t",
            &cols,
            &[
                ("x".into(), vec![tile(), None]),
                ("y".into(), vec![tile(), tile()]),
            ],
        );
        assert!(img.width() >= 2 * 40 && img.height() >= 2 * 40 + 52);
    }
}
