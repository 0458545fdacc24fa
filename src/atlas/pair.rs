//! Two models' atlases over the same tree, side by side: per true class and
//! per confusion cell, each region's answer for the group's label from
//! model A and from model B on the same faces, their difference and a
//! paired 95% interval over the faces (R's `t.test(paired = TRUE)`).
//! Labels are matched through emotion synonyms; a label only one model has
//! is named, never dropped silently.

use std::collections::HashMap;

use serde::Serialize;

use super::{Atlas, FaceRecord};
use crate::emotion;
use crate::geometry::regions::{REGIONS, Region};
use crate::stats::paired::mean_difference;
use crate::survey::normalize_label;

/// One region of a group, for both models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPair {
    /// The region.
    pub region: Region,
    /// Mean Shapley value (or refit weight) of the region for the group's
    /// label, model A.
    pub a: f64,
    /// The same for model B.
    pub b: f64,
    /// Mean of A − B over the faces.
    pub difference: f64,
    /// Its 95% interval (none below two faces).
    pub lower: Option<f64>,
    /// Upper end.
    pub upper: Option<f64>,
    /// Whether the interval leaves out 0: a clear difference.
    pub clear: bool,
}

/// What a group of faces is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PairGroup {
    /// The faces of a class, for their true label.
    Class {
        /// The class.
        class: String,
    },
    /// The faces of `class` that A or B labels `label`, for that label.
    Cell {
        /// The true class.
        class: String,
        /// The label one of the models gave them.
        label: String,
    },
}

/// A group's regions for both models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPair {
    /// Which faces, for which label.
    #[serde(flatten)]
    pub group: PairGroup,
    /// Faces with both models' records.
    pub faces: usize,
    /// The regions, largest |difference| first.
    pub regions: Vec<RegionPair>,
}

/// Two atlases compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtlasPair {
    /// The groups: classes first, then cells, by name.
    pub groups: Vec<GroupPair>,
    /// Labels only model A has (its names).
    pub only_a: Vec<String>,
    /// Labels only model B has.
    pub only_b: Vec<String>,
    /// Faces of the tree that one of the models has no record for.
    pub unmatched: usize,
}

/// Every region's value for one label of one face, in [`Region::ALL`] order.
type Values = [f64; REGIONS];

/// Every region's value for `label` in a record.
fn values(r: &FaceRecord, label: usize) -> Values {
    std::array::from_fn(|i| r.regions[label].shares.regions[i].value)
}

/// Compares `a` and `b`, two models' atlases of the same faces (matched by
/// path).
pub fn compare(a: &Atlas, b: &Atlas) -> AtlasPair {
    let by_path: HashMap<_, _> = b
        .faces
        .iter()
        .filter_map(|f| Some((f.face.path.as_path(), f.record.as_ref().ok()?)))
        .collect();
    // Per group, each face's values for both models.
    let mut groups: HashMap<PairGroup, Vec<(Values, Values)>> = HashMap::new();
    let mut unmatched = 0;
    for (i, fa) in a.faces.iter().enumerate() {
        let (Ok(ra), Some(rb)) = (&fa.record, by_path.get(fa.face.path.as_path())) else {
            unmatched += 1;
            continue;
        };
        let Some(class) = a.truth(i).map(|t| normalize_label(&a.labels[t])) else {
            continue;
        };
        let both = |name: &str| {
            let ia = emotion::find(&a.labels, name)?;
            let ib = emotion::find(&b.labels, name)?;
            Some((values(ra, ia), values(rb, ib)))
        };
        if let Some(v) = both(&class) {
            groups
                .entry(PairGroup::Class {
                    class: class.clone(),
                })
                .or_default()
                .push(v);
        }
        let said = [
            normalize_label(&a.labels[ra.predicted()]),
            normalize_label(&b.labels[rb.predicted()]),
        ];
        for (k, label) in said.iter().enumerate() {
            if *label == class || (k == 1 && said[0] == said[1]) {
                continue;
            }
            if let Some(v) = both(label) {
                groups
                    .entry(PairGroup::Cell {
                        class: class.clone(),
                        label: label.clone(),
                    })
                    .or_default()
                    .push(v);
            }
        }
    }
    let mut groups: Vec<GroupPair> = groups
        .into_iter()
        .map(|(group, faces)| {
            let n = faces.len() as f64;
            let mut regions: Vec<RegionPair> = Region::ALL
                .iter()
                .enumerate()
                .map(|(r, &region)| {
                    let diffs: Vec<f64> = faces.iter().map(|(x, y)| x[r] - y[r]).collect();
                    let mean =
                        |k: usize| faces.iter().map(|p| [p.0[r], p.1[r]][k]).sum::<f64>() / n;
                    let interval = mean_difference(&diffs);
                    RegionPair {
                        region,
                        a: mean(0),
                        b: mean(1),
                        difference: diffs.iter().sum::<f64>() / n,
                        lower: interval.map(|i| i.1),
                        upper: interval.map(|i| i.2),
                        clear: interval.is_some_and(|(_, lo, hi)| lo > 0.0 || hi < 0.0),
                    }
                })
                .collect();
            regions.sort_by(|x, y| y.difference.abs().total_cmp(&x.difference.abs()));
            GroupPair {
                group,
                faces: faces.len(),
                regions,
            }
        })
        .collect();
    groups.sort_by(|x, y| x.group.cmp(&y.group));
    AtlasPair {
        groups,
        only_a: emotion::unmatched(&a.labels, &b.labels),
        only_b: emotion::unmatched(&b.labels, &a.labels),
        unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::AtlasFace;
    use crate::atlas::canonical::CanonicalFace;
    use crate::faces::Face;
    use crate::geometry::LandmarkSource;
    use crate::geometry::regions::{RegionShare, RegionShares};
    use crate::methods::regions::{LabelRegions, ShareRule};

    /// A record whose every label gives region `r` the value `v(label, r)`.
    fn record(probabilities: Vec<f32>, v: impl Fn(usize, usize) -> f64) -> FaceRecord {
        let labels = probabilities.len();
        FaceRecord {
            probabilities,
            landmarks: LandmarkSource::Mesh,
            regions: (0..labels)
                .map(|l| LabelRegions {
                    label: l.to_string(),
                    rule: ShareRule::Shapley,
                    r2: None,
                    shares: RegionShares {
                        regions: Region::ALL
                            .iter()
                            .enumerate()
                            .map(|(r, &region)| RegionShare {
                                region,
                                positive: 0.0,
                                negative: 0.0,
                                value: v(l, r),
                            })
                            .collect(),
                    },
                })
                .collect(),
            flips: vec![],
            canonical: CanonicalFace {
                face: vec![],
                superpixel: vec![],
            },
            density: vec![],
        }
    }

    fn atlas(labels: &[&str], faces: Vec<(&str, FaceRecord)>) -> Atlas {
        Atlas {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            seed: 0,
            faces: faces
                .into_iter()
                .map(|(path, r)| AtlasFace {
                    face: Face {
                        path: path.into(),
                        class: path.split('/').next().map(String::from),
                    },
                    record: Ok(r),
                    cached: false,
                })
                .collect(),
        }
    }

    /// A looks at the mouth (region 7) for happy on every JOY face, B at
    /// the eyes (region 2) under another name for the label; B has a label
    /// A lacks, and reads one JOY face as sad (a cell of its own).
    #[test]
    fn regions_are_paired_face_by_face_through_synonyms() {
        let faces = ["JOY/1.png", "JOY/2.png", "JOY/3.png", "JOY/4.png"];
        let a = atlas(
            &["happy", "sad"],
            faces
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mouth = 0.4 + 0.01 * i as f64;
                    (
                        *p,
                        record(
                            vec![0.9, 0.1],
                            move |l, r| if l == 0 && r == 7 { mouth } else { 0.0 },
                        ),
                    )
                })
                .collect(),
        );
        let b = atlas(
            &["SADNESS", "JOY", "CONTEMPT"],
            faces
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let probs = if i == 3 {
                        vec![0.6, 0.3, 0.1]
                    } else {
                        vec![0.1, 0.8, 0.1]
                    };
                    let eyes = 0.2 + 0.02 * i as f64;
                    (
                        *p,
                        record(probs, move |l, r| if l == 1 && r == 2 { eyes } else { 0.0 }),
                    )
                })
                .collect(),
        );
        let pair = compare(&a, &b);
        assert_eq!(pair.only_a, Vec::<String>::new());
        assert_eq!(pair.only_b, vec!["CONTEMPT".to_string()]);
        let joy = &pair.groups[0];
        assert_eq!(
            joy.group,
            PairGroup::Class {
                class: "Joy".into()
            }
        );
        assert_eq!(joy.faces, 4);
        let region =
            |g: &GroupPair, r: Region| g.regions.iter().find(|x| x.region == r).unwrap().clone();
        let mouth = region(joy, Region::ALL[7]);
        assert!((mouth.a - 0.415).abs() < 1e-12 && mouth.b == 0.0 && mouth.clear);
        let eyes = region(joy, Region::ALL[2]);
        assert!((eyes.difference + 0.23).abs() < 1e-12 && eyes.clear);
        let nose = region(joy, Region::ALL[5]);
        assert!(nose.difference == 0.0 && !nose.clear);
        // B's mistake on the fourth face is a cell of one face: no interval.
        let cell = &pair.groups[1];
        assert_eq!(
            cell.group,
            PairGroup::Cell {
                class: "Joy".into(),
                label: "Sadness".into()
            }
        );
        assert_eq!(cell.faces, 1);
        assert!(cell.regions.iter().all(|r| r.lower.is_none() && !r.clear));
    }
}
