//! The atlas: where the model looks, per emotion and per confusion, over a
//! whole faces tree.
//!
//! Every face is explained once (LIME's perturbations, then one small fit on
//! the facial regions per label from the same samples: seven labels cost
//! seven fits, not seven times the model) and the result is kept in the
//! store, keyed by the model's and card's bytes, the explanation's
//! parameters and the image's bytes: a changed image or model is never
//! served an old answer, and a run that stops (Ctrl-C, a crash) loses only
//! the face in flight. Faces are then grouped by true class, by predicted
//! class and by confusion cell, and each region's share of the weight is
//! averaged over the group's faces with a 95% bootstrap interval.
//!
//! The regions' answers are the region game's by default
//! ([`crate::methods::game`]: exact Shapley values of the regions for every
//! label, and the smallest sets of regions whose removal changes the
//! prediction, 2^regions more evaluations per face); `RegionMethod::Refit`
//! keeps LIME's refit on the regions from the same samples instead.

pub mod canonical;
pub mod facs;
mod key;
pub mod pair;
pub mod people;
mod run;

pub use key::{RecordKey, check_merge, record_key};
pub use run::AtlasRun;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::emotion;
use crate::error::Result;
use crate::faces::Face;
use crate::geometry::LandmarkSource;
use crate::geometry::regions::{REGIONS, Region};
use crate::lime::{Kernel, SamplingOptions};
use crate::methods::game::{self, Flip};
use crate::methods::regions::{LabelRegions, RegionMethod};
use crate::predict::argmax;
use canonical::{CANONICAL, CanonicalFace};

/// Bumped whenever what a face's record holds or how it is computed
/// changes, so that old records are never read as new ones (5: the
/// balanced sampler's unfolded high-resolution design).
pub(crate) const RECORD_VERSION: u32 = 5;
/// Bootstrap resamples of the faces for each interval.
pub const BOOTSTRAP: usize = 1000;
/// Superpixels per face in the atlas. The atlas fits the regions (ten
/// features), not the superpixels, so finer superpixels only help: fewer of
/// them straddle two regions, and the regions' kept fractions vary more
/// independently. A model that looks only at the eyes gets 86% of its
/// weight there with 40 superpixels, 90% with 60 and 92.5% with 100
/// (`tests/atlas.rs`).
pub const ATLAS_SUPERPIXELS: usize = 100;
/// LIME's perturbations per face in the atlas. Its maps need LIME; its
/// region answers come from the region game (1,024 evaluations), so LIME
/// takes half of R lime's 1,000. A face's map from two seeds correlates
/// 0.72 (median over the 500-face tree) against 0.80 for R lime's draws at
/// 1,000, and 0.63 and 0.55 at 385 and 257: fewer would cost the maps
/// more than the atlas gains in speed (README, "The atlas").
pub const ATLAS_PERMUTATIONS: usize = 500;

/// What every face of an atlas is explained with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtlasRequest {
    /// LIME's sampling (superpixels, perturbations, background, seed).
    pub sampling: SamplingOptions,
    /// How samples are weighted in the fits.
    pub kernel: Kernel,
    /// How each face's answer per region is found.
    pub regions: RegionMethod,
}

impl Default for AtlasRequest {
    fn default() -> AtlasRequest {
        AtlasRequest {
            sampling: SamplingOptions {
                n_superpixels: ATLAS_SUPERPIXELS,
                n_permutations: ATLAS_PERMUTATIONS,
                ..SamplingOptions::default()
            },
            kernel: Kernel::default(),
            regions: RegionMethod::default(),
        }
    }
}

/// Every `n`-th face from the `k`-th (1-based), so that `n` jobs of a
/// batch scheduler's array split a tree between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This job, 1..=n.
    pub k: usize,
    /// Jobs in all.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not K/N (for example 3/10)"))?;
        let num = |v: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("{v:?} is not a whole number"))
        };
        let (k, n) = (num(k)?, num(n)?);
        if n == 0 || k == 0 || k > n {
            return Err(format!("K/N needs 1 ≤ K ≤ N (got {k}/{n})"));
        }
        Ok(Shard { k, n })
    }

    /// Whether the face at `index` in the tree is this shard's.
    pub fn takes(self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

/// One face explained for the atlas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceRecord {
    /// The model's probabilities, in its label order.
    pub probabilities: Vec<f32>,
    /// Where the face's regions came from.
    pub landmarks: LandmarkSource,
    /// Every label's region answer, in the model's label order.
    pub regions: Vec<LabelRegions>,
    /// With the region game: the smallest sets of regions whose removal
    /// changes the prediction, smallest first.
    #[serde(default)]
    pub flips: Vec<Flip>,
    /// The face and its superpixels in the canonical frame.
    pub canonical: CanonicalFace,
    /// Per label (model order), each superpixel's weight per pixel of the
    /// face, from a LIME fit on every superpixel (ridge as R lime's).
    pub density: Vec<Vec<f32>>,
}

impl FaceRecord {
    /// The predicted label's index.
    pub fn predicted(&self) -> usize {
        argmax(&self.probabilities)
    }
}

/// A face of the atlas and what became of it.
#[derive(Debug)]
pub struct AtlasFace {
    /// The face.
    pub face: Face,
    /// Its record, or why there is none.
    pub record: Result<FaceRecord>,
    /// Whether the record came from the store.
    pub cached: bool,
}

/// Every face of a tree (or shard) explained.
#[derive(Debug)]
pub struct Atlas {
    /// The model's labels.
    pub labels: Vec<String>,
    /// The seed of the run: the intervals' bootstrap draws with it too.
    pub seed: u64,
    /// The faces, in tree order.
    pub faces: Vec<AtlasFace>,
}

/// A set of faces the atlas describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Group {
    /// Faces of a true class (their folder).
    True {
        /// The class, as the model's label.
        class: String,
    },
    /// Faces the model predicts as a label.
    Predicted {
        /// The predicted label.
        label: String,
    },
    /// Faces of a true class predicted as a label: a cell of the model's
    /// confusion matrix.
    Cell {
        /// The true class, as the model's label.
        class: String,
        /// The predicted label.
        label: String,
    },
}

/// One region's share over a group's faces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegionStat {
    /// The region.
    pub region: Region,
    /// Mean share of the positive weight.
    pub mean: f64,
    /// 95% bootstrap interval over the faces (percentile).
    pub lower: f64,
    /// See `lower`.
    pub upper: f64,
    /// Mean signed value (the region game's Shapley value, or the refit's
    /// coefficient).
    pub value: f64,
}

/// Where one label's positive weight falls, over a group's faces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRegions {
    /// The faces.
    pub group: Group,
    /// Whose explanation: the group's predicted label, or its true class.
    pub label: String,
    /// Number of faces.
    pub n: usize,
    /// Per region, in [`Region::ALL`] order.
    pub regions: Vec<RegionStat>,
}

/// A group's faces and the label whose explanation describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Members {
    /// The faces.
    pub group: Group,
    /// Whose explanation (index in the model's labels).
    pub label: usize,
    /// Indices in [`Atlas::faces`] (faces with a record only).
    pub faces: Vec<usize>,
}

/// A group's average face and map in the canonical frame
/// ([`canonical::CANONICAL`]² pixels, row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMap {
    /// The mean of the faces' maps of the label, each summing to 1: the
    /// share of the positive weight at each pixel.
    pub map: Vec<f32>,
    /// The faces' mean grey level.
    pub face: Vec<f32>,
}

/// How the model's map of a class compares with the class's FACS
/// prototype ([`facs`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassCheck {
    /// The class (model's label).
    pub class: String,
    /// Faces of the class.
    pub n: usize,
    /// The prototype's action units.
    pub aus: Vec<u8>,
    /// The regions they move.
    pub expected: Vec<Region>,
    /// The region with the largest mean share of the class's own label.
    pub top_region: Region,
    /// Its share.
    pub top_share: f64,
    /// Whether it is one of `expected`.
    pub top_expected: bool,
    /// Overlap of the class map's top [`facs::TOP_FRACTION`] with the
    /// expected regions of the template face.
    pub iou: f64,
}

impl Atlas {
    /// The true class of face `i` as the model's label, if its folder
    /// names one.
    pub fn truth(&self, i: usize) -> Option<usize> {
        self.faces[i]
            .face
            .class
            .as_deref()
            .and_then(|c| emotion::find(&self.labels, c))
    }

    /// Every group with faces: per true class (the true label's
    /// explanation), per predicted label (the predicted label's), per
    /// confusion cell (the predicted label's, and the true label's when
    /// they differ).
    pub fn groups(&self) -> Vec<Members> {
        let done: Vec<(usize, Option<usize>, usize)> = (0..self.faces.len())
            .filter_map(|i| {
                let r = self.faces[i].record.as_ref().ok()?;
                Some((i, self.truth(i), r.predicted()))
            })
            .collect();
        let members = |keep: &dyn Fn(Option<usize>, usize) -> bool| -> Vec<usize> {
            done.iter()
                .filter(|(_, t, p)| keep(*t, *p))
                .map(|(i, _, _)| *i)
                .collect()
        };
        let name = |i: usize| self.labels[i].clone();
        let classes = 0..self.labels.len();
        let mut out = Vec::new();
        let mut add = |group: Group, label: usize, faces: Vec<usize>| {
            if !faces.is_empty() {
                out.push(Members {
                    group,
                    label,
                    faces,
                });
            }
        };
        for c in classes.clone() {
            add(
                Group::True { class: name(c) },
                c,
                members(&|t, _| t == Some(c)),
            );
        }
        for p in classes.clone() {
            add(
                Group::Predicted { label: name(p) },
                p,
                members(&|_, q| q == p),
            );
        }
        for c in classes.clone() {
            for p in classes.clone() {
                let of = members(&|t, q| t == Some(c) && q == p);
                let cell = || Group::Cell {
                    class: name(c),
                    label: name(p),
                };
                add(cell(), p, of.clone());
                if c != p {
                    add(cell(), c, of);
                }
            }
        }
        out
    }

    /// The records of a group's faces.
    fn records<'a>(&'a self, m: &'a Members) -> impl Iterator<Item = &'a FaceRecord> + 'a {
        m.faces
            .iter()
            .filter_map(|&i| self.faces[i].record.as_ref().ok())
    }

    /// Each face's positive share per region for the group's label.
    fn shares(&self, m: &Members) -> Vec<[f64; REGIONS]> {
        self.records(m)
            .map(|r| std::array::from_fn(|i| r.regions[m.label].shares.regions[i].positive))
            .collect()
    }

    /// Each face's signed value per region for the group's label.
    fn values(&self, m: &Members) -> Vec<[f64; REGIONS]> {
        self.records(m)
            .map(|r| std::array::from_fn(|i| r.regions[m.label].shares.regions[i].value))
            .collect()
    }

    /// Per confusion cell among `groups` ([`Atlas::groups`]), the most
    /// frequent smallest flipping sets of its faces (each face counts its
    /// sets of the smallest size).
    pub fn cell_flips(&self, groups: &[Members]) -> Vec<CellFlips> {
        let mut out = Vec::new();
        for m in groups {
            let Group::Cell { class, label } = &m.group else {
                continue;
            };
            // Each cell is listed once, under its predicted label.
            if self.labels[m.label] != *label {
                continue;
            }
            let mut counts: Vec<(Vec<Region>, String, usize)> = Vec::new();
            let mut n = 0;
            for r in self.records(m) {
                n += 1;
                let Some(size) = r.flips.first().map(|f| f.removed.len()) else {
                    continue;
                };
                for f in r.flips.iter().take_while(|f| f.removed.len() == size) {
                    match counts
                        .iter_mut()
                        .find(|(set, to, _)| *set == f.removed && *to == f.to)
                    {
                        Some(c) => c.2 += 1,
                        None => counts.push((f.removed.clone(), f.to.clone(), 1)),
                    }
                }
            }
            counts.sort_by(|a, b| {
                b.2.cmp(&a.2)
                    .then(a.0.len().cmp(&b.0.len()))
                    .then(a.0.cmp(&b.0))
            });
            out.push(CellFlips {
                class: class.clone(),
                label: label.clone(),
                n,
                sets: counts
                    .into_iter()
                    .map(|(removed, to, faces)| FlipCount { removed, to, faces })
                    .collect(),
            });
        }
        out
    }

    /// The groups ([`Atlas::groups`]) and their region shares, intervals
    /// from [`BOOTSTRAP`] resamples drawn with the run's seed.
    pub fn summary(&self) -> Vec<GroupRegions> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        self.groups()
            .into_iter()
            .map(|m| {
                let shares = self.shares(&m);
                let mut regions = stats(&shares, &mut rng);
                let values = self.values(&m);
                for (i, r) in regions.iter_mut().enumerate() {
                    r.value = values.iter().map(|v| v[i]).sum::<f64>() / values.len().max(1) as f64;
                }
                GroupRegions {
                    label: self.labels[m.label].clone(),
                    n: shares.len(),
                    regions,
                    group: m.group,
                }
            })
            .collect()
    }

    /// A group's mean map and mean face in the canonical frame.
    pub fn map(&self, m: &Members) -> GroupMap {
        let n = CANONICAL * CANONICAL;
        let mut out = GroupMap {
            map: vec![0.0; n],
            face: vec![0.0; n],
        };
        let count = m.faces.len().max(1) as f32;
        for r in self.records(m) {
            let map = r.canonical.map(&r.density[m.label]);
            for ((o, v), (f, g)) in out
                .map
                .iter_mut()
                .zip(map)
                .zip(out.face.iter_mut().zip(&r.canonical.face))
            {
                *o += v / count;
                *f += *g as f32 / count;
            }
        }
        out
    }

    /// Faces per true class (rows) and predicted label (columns), in the
    /// model's label order: the model's confusion matrix on the atlas.
    pub fn confusion(&self) -> Vec<Vec<usize>> {
        let k = self.labels.len();
        let mut m = vec![vec![0; k]; k];
        for (i, f) in self.faces.iter().enumerate() {
            if let (Some(t), Ok(r)) = (self.truth(i), &f.record) {
                m[t][r.predicted()] += 1;
            }
        }
        m
    }

    /// Everything the atlas shows: groups, their region shares (intervals
    /// drawn with the run's seed) and maps, the FACS comparison, the confusion
    /// matrix.
    pub fn overview(&self) -> Overview {
        let groups = self.groups();
        let maps: Vec<GroupMap> = groups.iter().map(|m| self.map(m)).collect();
        let facs = self.facs(&groups, &maps);
        let flips = self.cell_flips(&groups);
        Overview {
            summary: self.summary(),
            facs,
            maps,
            groups,
            confusion: self.confusion(),
            flips,
            labels: self.labels.clone(),
        }
    }

    /// Every true class with a FACS prototype: where the model's weight
    /// for the class falls on its faces against where the prototype moves
    /// the face.
    fn facs(&self, groups: &[Members], maps: &[GroupMap]) -> Vec<ClassCheck> {
        groups
            .iter()
            .zip(maps)
            .filter(|(m, _)| matches!(m.group, Group::True { .. }))
            .filter_map(|(m, map)| {
                let proto = facs::Prototype::of(&self.labels[m.label])?;
                let expected = proto.regions();
                let shares = self.shares(m);
                let mean: Vec<f64> = (0..REGIONS)
                    .map(|r| shares.iter().map(|s| s[r]).sum::<f64>() / shares.len() as f64)
                    .collect();
                let top = (0..REGIONS).max_by(|&a, &b| mean[a].total_cmp(&mean[b]))?;
                let top_region = Region::ALL[top];
                Some(ClassCheck {
                    class: self.labels[m.label].clone(),
                    n: shares.len(),
                    aus: proto.aus.to_vec(),
                    top_region,
                    top_share: mean[top],
                    top_expected: expected.contains(&top_region),
                    iou: facs::top_iou(&map.map, &facs::template_mask(&expected)),
                    expected,
                })
            })
            .collect()
    }
}

/// How often a set of regions is among the smallest whose removal changes
/// the prediction, over a confusion cell's faces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlipCount {
    /// The regions removed.
    pub removed: Vec<Region>,
    /// The label predicted without them.
    pub to: String,
    /// Faces of the cell for which it is one of the smallest sets.
    pub faces: usize,
}

impl FlipCount {
    /// "mouth + brow_left".
    pub fn removed_names(&self) -> String {
        game::joined_names(&self.removed)
    }
}

/// A confusion cell's flipping sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellFlips {
    /// The true class.
    pub class: String,
    /// The predicted label (what the sets flip away from).
    pub label: String,
    /// Faces in the cell.
    pub n: usize,
    /// The sets, most frequent first.
    pub sets: Vec<FlipCount>,
}

/// Everything an atlas shows, computed once ([`Atlas::overview`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// The model's labels.
    pub labels: Vec<String>,
    /// The groups with faces.
    pub groups: Vec<Members>,
    /// Their region shares, in the same order.
    pub summary: Vec<GroupRegions>,
    /// Their maps, in the same order.
    pub maps: Vec<GroupMap>,
    /// Each class against its FACS prototype.
    pub facs: Vec<ClassCheck>,
    /// Faces per true class and predicted label ([`Atlas::confusion`]).
    pub confusion: Vec<Vec<usize>>,
    /// Per confusion cell, the most frequent smallest flipping sets
    /// (empty with the refit).
    pub flips: Vec<CellFlips>,
}

impl Overview {
    /// The position of a group described by `label`'s explanation.
    pub fn find(&self, group: &Group, label: usize) -> Option<usize> {
        self.groups
            .iter()
            .position(|m| &m.group == group && m.label == label)
    }
}

/// Mean and percentile bootstrap interval of each region's share.
fn stats(shares: &[[f64; REGIONS]], rng: &mut ChaCha8Rng) -> Vec<RegionStat> {
    let n = shares.len();
    let mean = |pick: &mut dyn FnMut() -> usize| -> [f64; REGIONS] {
        let mut m = [0.0; REGIONS];
        for _ in 0..n {
            let s = &shares[pick()];
            for (a, b) in m.iter_mut().zip(s) {
                *a += b / n as f64;
            }
        }
        m
    };
    let mut i = 0;
    let centre = mean(&mut || {
        i += 1;
        i - 1
    });
    let mut boot: Vec<[f64; REGIONS]> = (0..BOOTSTRAP)
        .map(|_| mean(&mut || rng.random_range(0..n)))
        .collect();
    Region::ALL
        .iter()
        .enumerate()
        .map(|(r, &region)| {
            boot.sort_by(|a, b| a[r].total_cmp(&b[r]));
            let at = |q: f64| boot[((q * BOOTSTRAP as f64) as usize).min(BOOTSTRAP - 1)][r];
            RegionStat {
                region,
                mean: centre[r],
                lower: at(0.025),
                upper: at(0.975),
                value: 0.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_tree_between_them() {
        let s = Shard::parse("2/3").unwrap();
        let mine: Vec<usize> = (0..9).filter(|&i| s.takes(i)).collect();
        assert_eq!(mine, [1, 4, 7]);
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("3").is_err());
    }

    #[test]
    fn intervals_hold_the_mean_and_shrink_to_it_without_spread() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut same = [0.0; REGIONS];
        same[0] = 0.5;
        let s = stats(&[same; 4], &mut rng);
        assert_eq!((s[0].mean, s[0].lower, s[0].upper), (0.5, 0.5, 0.5));
        let mut other = same;
        other[0] = 1.0;
        let s = stats(&[same, other, same, other], &mut rng);
        assert!((s[0].mean - 0.75).abs() < 1e-12);
        assert!(s[0].lower < 0.75 && s[0].upper > 0.75);
    }
}
