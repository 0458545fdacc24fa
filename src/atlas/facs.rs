//! What emotion research expects the face to show for each emotion, in the
//! regions emotui names, and how an atlas's class maps compare with it.
//!
//! The prototypes are EMFACS's (Ekman & Friesen, 1982; as tabulated by
//! Matsumoto, Keltner, Shiota, O'Sullivan & Frank, 2008, Table 13.1, and
//! used for the masks of Gaya-Morey et al., 2024): the action units of the
//! full display of each basic emotion. Each action unit is placed in the
//! regions whose skin it moves (FACS manual, Ekman, Friesen & Hager, 2002;
//! docs/regions.md); the whole table with reasons is docs/facs.md.

use serde::Serialize;

use super::canonical::CANONICAL;
use crate::emotion;
use crate::geometry::Region;
use crate::geometry::regions::RegionMap;

/// The mean overlap (IoU) of twelve FER networks' explanations with AU
/// masks in Gaya-Morey et al. (2024, arXiv 2401.11835), printed beside
/// ours.
pub const GAYA_MOREY_MEAN_IOU: f64 = 0.27;

/// The fraction of a class map's pixels, highest first, compared with the
/// expected regions.
pub const TOP_FRACTION: f64 = 0.2;

/// Regions each action unit of the prototypes moves.
pub fn au_regions(au: u8) -> &'static [Region] {
    use Region::*;
    match au {
        // Inner and outer brow raisers: the brows and the forehead they
        // wrinkle.
        1 | 2 => &[BrowRight, BrowLeft, Forehead],
        4 => &[BrowRight, BrowLeft],
        // Upper lid raiser, lid tightener.
        5 | 7 => &[EyeRight, EyeLeft],
        // Cheek raiser: the cheeks and the crow's feet round the eyes.
        6 => &[Cheeks, EyeRight, EyeLeft],
        9 => &[Nose],
        // Lip corner puller and depressor, lower lip depressor, lip
        // stretcher, lip tightener.
        12 | 15 | 16 | 20 | 23 => &[Mouth],
        // Jaw drop: the lips part and the chin comes down.
        26 => &[Mouth, Chin],
        _ => &[],
    }
}

/// One emotion's prototype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Prototype {
    /// The emotion (canonical name, [`emotion::EMOTIONS`]).
    pub emotion: &'static str,
    /// Its action units.
    pub aus: &'static [u8],
}

/// EMFACS prototypes of the six basic emotions (neutral has none).
pub const PROTOTYPES: [Prototype; 6] = [
    Prototype {
        emotion: "anger",
        aus: &[4, 5, 7, 23],
    },
    Prototype {
        emotion: "disgust",
        aus: &[9, 15, 16],
    },
    Prototype {
        emotion: "fear",
        aus: &[1, 2, 4, 5, 20, 26],
    },
    Prototype {
        emotion: "joy",
        aus: &[6, 12],
    },
    Prototype {
        emotion: "sadness",
        aus: &[1, 4, 15],
    },
    Prototype {
        emotion: "surprise",
        aus: &[1, 2, 5, 26],
    },
];

impl Prototype {
    /// The prototype of a label (any synonym), if it has one.
    pub fn of(label: &str) -> Option<&'static Prototype> {
        let name = emotion::canonical(label)?;
        PROTOTYPES.iter().find(|p| p.emotion == name)
    }

    /// The regions its action units move, in [`Region::ALL`] order.
    pub fn regions(&self) -> Vec<Region> {
        Region::ALL
            .into_iter()
            .filter(|r| self.aus.iter().any(|&au| au_regions(au).contains(r)))
            .collect()
    }
}

/// Whether each canonical pixel lies in one of `regions` of the template
/// face.
pub fn template_mask(regions: &[Region]) -> Vec<bool> {
    let points: Vec<[f32; 2]> = crate::geometry::template()
        .iter()
        .map(|&[u, v]| [u * CANONICAL as f32, v * CANONICAL as f32])
        .collect();
    let map = RegionMap::new(&points, CANONICAL, CANONICAL);
    (0..CANONICAL * CANONICAL)
        .map(|i| regions.contains(&map.at(i % CANONICAL, i / CANONICAL)))
        .collect()
}

/// The overlap (intersection over union) of a map's top [`TOP_FRACTION`]
/// of pixels (positive ones only, highest first, ties by position) with
/// `mask`.
pub fn top_iou(map: &[f32], mask: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..map.len()).filter(|&i| map[i] > 0.0).collect();
    order.sort_by(|&a, &b| map[b].total_cmp(&map[a]).then(a.cmp(&b)));
    order.truncate((TOP_FRACTION * map.len() as f64).ceil() as usize);
    let inter = order.iter().filter(|&&i| mask[i]).count();
    let union = order.len() + mask.iter().filter(|&&m| m).count() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_name_their_regions() {
        let joy = Prototype::of("happy").unwrap();
        assert_eq!(
            joy.regions(),
            [
                Region::EyeRight,
                Region::EyeLeft,
                Region::Mouth,
                Region::Cheeks
            ]
        );
        assert!(Prototype::of("neutral").is_none());
        let disgust = Prototype::of("DISGUST").unwrap().regions();
        assert_eq!(disgust, [Region::Nose, Region::Mouth]);
        for p in PROTOTYPES {
            assert!(!p.regions().is_empty(), "{}", p.emotion);
        }
    }

    #[test]
    fn the_mouth_mask_is_where_the_template_mouth_is() {
        let mouth = template_mask(&[Region::Mouth]);
        let at = |u: f32, v: f32| {
            mouth[(v * CANONICAL as f32) as usize * CANONICAL + (u * CANONICAL as f32) as usize]
        };
        let lip = crate::geometry::template()[13];
        assert!(at(lip[0], lip[1]));
        let eye = crate::geometry::template()[159];
        assert!(!at(eye[0], eye[1]));
    }

    #[test]
    fn iou_of_the_top_pixels() {
        // 10 pixels: the top 20% is two pixels.
        let map = [0.0, 0.5, 0.3, 0.1, 0.0, 0.0, 0.05, 0.05, 0.0, 0.0];
        let mut mask = [false; 10];
        mask[1] = true;
        assert!((top_iou(&map, &mask) - 0.5).abs() < 1e-12);
        mask[2] = true;
        assert_eq!(top_iou(&map, &mask), 1.0);
        assert_eq!(top_iou(&[0.0; 10], &mask), 0.0);
    }
}
