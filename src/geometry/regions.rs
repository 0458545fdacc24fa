//! Named facial regions from the face mesh, and how much of an
//! explanation's weight falls in each.
//!
//! The regions follow the areas that the Facial Action Coding System
//! (Ekman, Friesen & Hager, 2002) describes action units in: brows (AU1,
//! AU2, AU4), eyes and lids (AU5, AU6's orbit, AU7), nose (AU9), mouth (AU10,
//! AU12, AU15, AU20, AU23, AU25/26), cheeks (AU6), forehead (the wrinkles of
//! AU1/AU2), chin and jaw (AU17, AU26). They are built from MediaPipe's own
//! contour sets (`face_mesh_connections.py`: `FACEMESH_LEFT_EYEBROW`,
//! `FACEMESH_RIGHT_EYE`, `FACEMESH_LIPS`, `FACEMESH_NOSE`,
//! `FACEMESH_FACE_OVAL`) and a few rules, written down in docs/regions.md.
//! "Left" and "right" are the subject's, as in FACS and MediaPipe: the
//! subject's right eye is on the image's left.

use serde::Serialize;

/// A named part of the face.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// The subject's right brow (image left), with the skin around it.
    BrowRight,
    /// The subject's left brow (image right).
    BrowLeft,
    /// The subject's right eye with its lids.
    EyeRight,
    /// The subject's left eye with its lids.
    EyeLeft,
    /// The nose from its root to the nostrils.
    Nose,
    /// The lips and the corners around them.
    Mouth,
    /// What is left of the face between the brow line and the lower lip.
    Cheeks,
    /// The face above the brows.
    Forehead,
    /// The face below the lower lip.
    Chin,
    /// Outside the face oval (hair, ears, background).
    Outside,
}

impl Region {
    /// Every region, in display order.
    pub const ALL: [Region; 10] = [
        Region::BrowRight,
        Region::BrowLeft,
        Region::EyeRight,
        Region::EyeLeft,
        Region::Nose,
        Region::Mouth,
        Region::Cheeks,
        Region::Forehead,
        Region::Chin,
        Region::Outside,
    ];

    /// The name used in tables, CSV and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Region::BrowRight => "brow_right",
            Region::BrowLeft => "brow_left",
            Region::EyeRight => "eye_right",
            Region::EyeLeft => "eye_left",
            Region::Nose => "nose",
            Region::Mouth => "mouth",
            Region::Cheeks => "cheeks",
            Region::Forehead => "forehead",
            Region::Chin => "chin",
            Region::Outside => "outside",
        }
    }
}

/// `FACEMESH_RIGHT_EYEBROW` as a closed outline: upper edge, then lower.
const BROW_RIGHT: &[usize] = &[70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
/// `FACEMESH_LEFT_EYEBROW` as a closed outline.
const BROW_LEFT: &[usize] = &[300, 293, 334, 296, 336, 285, 295, 282, 283, 276];
/// `FACEMESH_RIGHT_EYE`: lower lid from the outer corner, upper lid back.
const EYE_RIGHT: &[usize] = &[
    33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
];
/// `FACEMESH_LEFT_EYE`.
const EYE_LEFT: &[usize] = &[
    263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
];
/// The outer contour of `FACEMESH_LIPS`.
const LIPS: &[usize] = &[
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185,
];
/// Every point of `FACEMESH_NOSE`; the region is their convex hull.
const NOSE: &[usize] = &[
    168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 97, 326, 327, 294, 278, 344, 440, 275, 45, 220, 115,
    48, 64,
];
/// `FACEMESH_FACE_OVAL` in order around the face.
const FACE_OVAL: &[usize] = &[
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
/// Upper edges of both brows: the forehead starts above their mean.
const BROW_TOPS: &[usize] = &[70, 63, 105, 66, 107, 336, 296, 334, 293, 300];
/// Outer eye corners (subject's right, left): the face's horizontal axis.
pub const EYE_CORNERS: [usize; 2] = [33, 263];
/// Inner brow ends (right, left): between them lies the glabella.
const BROW_INNER: [usize; 2] = [107, 336];
/// The nose root: the glabella ends here.
const NOSE_ROOT: usize = 168;
/// The bottom of the lower lip: the chin starts below it.
const LOWER_LIP_BOTTOM: usize = 17;

/// How much each contour is grown about its centre (across the face, then
/// up and down) so that the region takes in the skin its action units move:
/// the lids around the eye opening (AU5, AU7), the brow's skin (AU1, AU2,
/// AU4), the lip corners and the skin around the lips (AU12, AU15, AU23).
const EYE_GROWTH: [f32; 2] = [1.25, 2.4];
const BROW_GROWTH: [f32; 2] = [1.1, 1.8];
const MOUTH_GROWTH: [f32; 2] = [1.15, 1.35];

/// Every pixel of a face image labelled with its region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionMap {
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Region of each pixel, row-major.
    pub labels: Vec<Region>,
}

type Polygon = Vec<[f32; 2]>;

fn outline(points: &[[f32; 2]], idx: &[usize]) -> Polygon {
    idx.iter().map(|&i| points[i]).collect()
}

/// The face's unit axes: across (along the eye corners) and down.
type Axes = [[f32; 2]; 2];

/// `poly` scaled about its centre by `factor` along the face's `axes`.
fn grown(poly: Polygon, [fa, fd]: [f32; 2], [across, down]: Axes) -> Polygon {
    let n = poly.len() as f32;
    let c = poly
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    poly.into_iter()
        .map(|p| {
            let d = [p[0] - c[0], p[1] - c[1]];
            let a = (d[0] * across[0] + d[1] * across[1]) * fa;
            let b = (d[0] * down[0] + d[1] * down[1]) * fd;
            [
                c[0] + a * across[0] + b * down[0],
                c[1] + a * across[1] + b * down[1],
            ]
        })
        .collect()
}

/// Andrew's monotone chain.
fn convex_hull(mut pts: Polygon) -> Polygon {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let cross = |o: [f32; 2], a: [f32; 2], b: [f32; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Polygon = Vec::new();
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &[f32; 2]>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Where the horizontal line at `y` crosses `poly`'s edges (the even-odd
/// rule's crossings, computed once per row instead of once per pixel).
fn crossings(poly: &[[f32; 2]], y: f32) -> Vec<f32> {
    let mut out = Vec::new();
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[j]);
        if (a[1] > y) != (b[1] > y) {
            out.push((b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]);
        }
        j = i;
    }
    out
}

/// Whether `x` is inside by the even-odd rule, given the row's crossings.
fn inside(crossings: &[f32], x: f32) -> bool {
    crossings.iter().filter(|&&c| x < c).count() % 2 == 1
}

impl RegionMap {
    /// Labels a `width × height` image from its 468 mesh points (pixels).
    pub fn new(points: &[[f32; 2]], width: usize, height: usize) -> RegionMap {
        // The face's own axes: across along the eye corners, down across them.
        let [a, b] = EYE_CORNERS.map(|i| points[i]);
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2))
            .sqrt()
            .max(1e-6);
        let across = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        let down = [-across[1], across[0]];
        let axes = [across, down];
        let contour = |idx: &[usize], growth| grown(outline(points, idx), growth, axes);
        let shapes: [(Region, Polygon); 6] = [
            (Region::EyeRight, contour(EYE_RIGHT, EYE_GROWTH)),
            (Region::EyeLeft, contour(EYE_LEFT, EYE_GROWTH)),
            (Region::BrowRight, contour(BROW_RIGHT, BROW_GROWTH)),
            (Region::BrowLeft, contour(BROW_LEFT, BROW_GROWTH)),
            (Region::Mouth, contour(LIPS, MOUTH_GROWTH)),
            (Region::Nose, convex_hull(outline(points, NOSE))),
        ];
        let oval = outline(points, FACE_OVAL);
        let proj = |p: [f32; 2], axis: [f32; 2]| p[0] * axis[0] + p[1] * axis[1];
        let brow_line = BROW_TOPS
            .iter()
            .map(|&i| proj(points[i], down))
            .sum::<f32>()
            / BROW_TOPS.len() as f32;
        let root = proj(points[NOSE_ROOT], down);
        let lip = proj(points[LOWER_LIP_BOTTOM], down);
        let inner = BROW_INNER.map(|i| proj(points[i], across));
        let midline = (inner[0] + inner[1]) / 2.0;
        let mut labels = Vec::with_capacity(width * height);
        for y in 0..height {
            let py = y as f32 + 0.5;
            let rows: Vec<(Region, Vec<f32>)> =
                shapes.iter().map(|(r, p)| (*r, crossings(p, py))).collect();
            let oval_row = crossings(&oval, py);
            for x in 0..width {
                let px = x as f32 + 0.5;
                let region = if let Some((r, _)) = rows.iter().find(|(_, c)| inside(c, px)) {
                    *r
                } else if !inside(&oval_row, px) {
                    Region::Outside
                } else {
                    let (t, s) = (proj([px, py], down), proj([px, py], across));
                    if t < brow_line {
                        Region::Forehead
                    } else if t > lip {
                        Region::Chin
                    } else if t < root && s >= inner[0].min(inner[1]) && s <= inner[0].max(inner[1])
                    {
                        // The glabella, whose wrinkles belong to the brows (AU4).
                        if (s < midline) == (inner[0] < inner[1]) {
                            Region::BrowRight
                        } else {
                            Region::BrowLeft
                        }
                    } else {
                        Region::Cheeks
                    }
                };
                labels.push(region);
            }
        }
        RegionMap {
            width,
            height,
            labels,
        }
    }

    /// The region at a pixel.
    pub fn at(&self, x: usize, y: usize) -> Region {
        self.labels[y * self.width + x]
    }

    /// Whether a pixel lies on a border between two regions (its right or
    /// lower neighbour differs), for drawing outlines.
    pub fn is_border(&self, x: usize, y: usize) -> bool {
        let r = self.at(x, y);
        (x + 1 < self.width && self.at(x + 1, y) != r)
            || (y + 1 < self.height && self.at(x, y + 1) != r)
    }

    /// The share of each region in a superpixel segmentation of the same
    /// image: `out[s][r]` is the fraction of superpixel `s`'s pixels in
    /// region `r` (index in [`Region::ALL`]).
    pub fn superpixel_fractions(&self, labels: &[u32], count: usize) -> Vec<[f32; REGIONS]> {
        let mut out = vec![[0.0f32; REGIONS]; count];
        let mut sizes = vec![0usize; count];
        for (&s, &r) in labels.iter().zip(&self.labels) {
            out[s as usize][r as usize] += 1.0;
            sizes[s as usize] += 1;
        }
        for (row, n) in out.iter_mut().zip(sizes) {
            if n > 0 {
                row.iter_mut().for_each(|v| *v /= n as f32);
            }
        }
        out
    }
}

/// Number of regions.
pub const REGIONS: usize = Region::ALL.len();

/// Where an explanation's weight falls: per region, the share of all
/// positive weight and of all negative weight (each sums to 1 over the
/// regions when there is any).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionShares {
    /// Region and its shares, in [`Region::ALL`] order.
    pub regions: Vec<RegionShare>,
}

impl RegionShares {
    /// Each region's share of the sum of |value| over the regions, in
    /// [`Region::ALL`] order (all 0 when every value is 0).
    pub fn value_shares(&self) -> Vec<f64> {
        let total: f64 = self.regions.iter().map(|r| r.value.abs()).sum();
        self.regions
            .iter()
            .map(|r| {
                if total > 0.0 {
                    r.value.abs() / total
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// One region's part of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionShare {
    /// The region.
    pub region: Region,
    /// Fraction of the positive (supporting) weight in it.
    pub positive: f64,
    /// Fraction of the negative (contradicting) weight in it.
    pub negative: f64,
    /// The region's own signed value: its Shapley value in the region
    /// game, its coefficient in the refit, its summed weight when spread.
    #[serde(default)]
    pub value: f64,
}

/// Spreads each superpixel's weight evenly over its pixels and adds it up
/// per region. `weights` are `(superpixel, weight)` pairs; `fractions` from
/// [`RegionMap::superpixel_fractions`].
pub fn shares(fractions: &[[f32; REGIONS]], weights: &[(usize, f64)]) -> RegionShares {
    let mut pos = [0.0f64; REGIONS];
    let mut neg = [0.0f64; REGIONS];
    for &(s, w) in weights {
        let Some(row) = fractions.get(s) else {
            continue;
        };
        let target = if w >= 0.0 { &mut pos } else { &mut neg };
        for (t, f) in target.iter_mut().zip(row) {
            *t += w.abs() * *f as f64;
        }
    }
    split(pos, neg)
}

/// The shares of signed per-region values (in [`Region::ALL`] order): each
/// region is its own feature.
pub fn shares_of_values(values: &[f64]) -> RegionShares {
    let mut pos = [0.0f64; REGIONS];
    let mut neg = [0.0f64; REGIONS];
    for (i, &v) in values.iter().enumerate().take(REGIONS) {
        if v >= 0.0 {
            pos[i] = v;
        } else {
            neg[i] = -v;
        }
    }
    split(pos, neg)
}

/// Positive and negative weight per region into shares of each total; the
/// signed value is what is left of the two.
fn split(pos: [f64; REGIONS], neg: [f64; REGIONS]) -> RegionShares {
    let (tp, tn) = (pos.iter().sum::<f64>(), neg.iter().sum::<f64>());
    let norm = |v: f64, t: f64| if t > 0.0 { v / t } else { 0.0 };
    RegionShares {
        regions: Region::ALL
            .iter()
            .enumerate()
            .map(|(i, &region)| RegionShare {
                region,
                positive: norm(pos[i], tp),
                negative: norm(neg[i], tn),
                value: pos[i] - neg[i],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_and_containment() {
        let hull = convex_hull(vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [1.0, 1.0],
            [2.0, 2.0],
            [0.0, 2.0],
        ]);
        assert_eq!(hull.len(), 4, "{hull:?}");
        assert!(inside(&crossings(&hull, 1.5), 1.0));
        assert!(!inside(&crossings(&hull, 1.0), 2.5));
    }

    #[test]
    fn shares_spread_weight_over_pixels() {
        // Superpixel 0 is half mouth, half chin; superpixel 1 all nose.
        let mut f = vec![[0.0f32; REGIONS]; 2];
        f[0][Region::Mouth as usize] = 0.5;
        f[0][Region::Chin as usize] = 0.5;
        f[1][Region::Nose as usize] = 1.0;
        let s = shares(&f, &[(0, 0.2), (1, 0.2), (1, -0.1)]);
        let get = |r: Region| s.regions[r as usize];
        assert!((get(Region::Mouth).positive - 0.25).abs() < 1e-12);
        assert!((get(Region::Nose).positive - 0.5).abs() < 1e-12);
        assert!((get(Region::Nose).negative - 1.0).abs() < 1e-12);
        assert_eq!(get(Region::EyeLeft).positive, 0.0);
    }
}
