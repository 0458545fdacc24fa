//! The region game: exact, seed-free answers per facial region.
//!
//! The named facial regions are the players of a cooperative game. A
//! coalition keeps its regions' pixels and fills the rest of the face with
//! the explanation's background (grey, superpixel mean or blur, the fill
//! LIME uses); its value for a label is the model's probability of that
//! label on the composed face. With R regions every one of the 2^R
//! coalitions is evaluated (1,024 for the ten regions, about one LIME
//! explanation) in one batch through [`evaluate_images`], and from those
//! outputs, exactly and with no random step:
//!
//! - the **Shapley value** of every region (Shapley 1953): the average over
//!   every order of adding regions of what the region adds; they sum to
//!   f(whole face) − f(every region removed), and a region whose pixels the
//!   model never reads gets exactly 0;
//! - the **Shapley interaction index** of every pair (Grabisch & Roubens
//!   1999): what two regions do together beyond what each does alone;
//! - the **smallest sets of regions whose removal changes the predicted
//!   label** (no smaller set inside them does), smallest first.
//!
//! More players than [`MAX_PLAYERS`] are refused, never sampled.

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geometry::regions::{REGIONS, Region, RegionMap};
use crate::lime::perturb::Composer;
use crate::lime::{Background, Superpixels, evaluate_images};
use crate::model::Classifier;
use crate::predict::argmax;
use crate::preprocess::Planes;

/// Most players the game enumerates exactly (2^12 = 4,096 evaluations).
/// Today's regions are ten; more would be refused with a message rather
/// than approximated by sampling.
pub const MAX_PLAYERS: usize = 12;

/// Minimal flipping sets kept per face (smallest first); how many there
/// were in all is kept beside them.
pub const FLIPS_KEPT: usize = 20;

/// Every coalition of the face's regions and the model's answer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionGame {
    /// The regions present on the face, in [`Region::ALL`] order; bit `i`
    /// of a coalition's index keeps `players[i]`.
    pub players: Vec<Region>,
    /// The model's labels.
    pub labels: Vec<String>,
    /// Row-major `2^players × labels`: the model's probabilities.
    pub outputs: Vec<f32>,
}

/// The number of model evaluations a game over `players` regions costs.
pub fn evaluations(players: usize) -> usize {
    1 << players
}

/// Plays the game on `face` (the model's colour planes at their own size):
/// the regions of `map` (drawn at the face's size) are kept or filled with
/// `background` as LIME fills the superpixels `sp`. `progress(done,
/// total)` after every chunk; [`Error::Cancelled`] once `cancel` is set.
pub fn play(
    classifier: &dyn Classifier,
    face: &Planes,
    sp: &Superpixels,
    map: &RegionMap,
    background: Background,
    cancel: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Result<RegionGame> {
    if (map.width, map.height) != (face.width, face.height) {
        return Err(Error::Invalid(format!(
            "the region map is {}x{} but the face is {}x{}",
            map.width, map.height, face.width, face.height
        )));
    }
    let mut sizes = [0usize; REGIONS];
    for &r in &map.labels {
        sizes[r as usize] += 1;
    }
    let players: Vec<Region> = Region::ALL
        .into_iter()
        .filter(|&r| sizes[r as usize] > 0)
        .collect();
    if players.len() > MAX_PLAYERS {
        return Err(Error::Invalid(format!(
            "{} regions make {} coalitions; the region game enumerates at most {MAX_PLAYERS} \
             regions exactly and never samples (use --region-method refit)",
            players.len(),
            evaluations(players.len())
        )));
    }
    // The regions as a segmentation, player i being segment i.
    let mut index = [u32::MAX; REGIONS];
    for (i, &r) in players.iter().enumerate() {
        index[r as usize] = i as u32;
    }
    let segments = Superpixels {
        width: face.width,
        height: face.height,
        labels: map.labels.iter().map(|&r| index[r as usize]).collect(),
        count: players.len(),
    };
    let fill = background.fill(face, sp);
    let composer = Composer::with_fill(face, &segments, &fill, classifier.preprocessor());
    let n = players.len();
    let outputs = evaluate_images(
        classifier,
        evaluations(n),
        |c| {
            let kept: Vec<bool> = (0..n).map(|i| c & (1 << i) != 0).collect();
            composer.compose(&kept)
        },
        cancel,
        progress,
    )?;
    if outputs.iter().any(|p| !p.is_finite()) {
        return Err(Error::Invalid(
            "the model answered a non-finite probability in the region game".into(),
        ));
    }
    Ok(RegionGame {
        players,
        labels: classifier.labels().to_vec(),
        outputs,
    })
}

/// `n choose k` as a float (exact for the sizes used here).
fn choose(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

impl RegionGame {
    /// Number of players.
    pub fn size(&self) -> usize {
        self.players.len()
    }

    /// The coalition that keeps every region.
    pub fn whole(&self) -> usize {
        evaluations(self.size()) - 1
    }

    /// The value of `coalition` for `label`: the model's probability.
    pub fn value(&self, coalition: usize, label: usize) -> f64 {
        self.outputs[coalition * self.labels.len() + label] as f64
    }

    /// The label the model predicts for `coalition`.
    pub fn predicted(&self, coalition: usize) -> usize {
        let c = self.labels.len();
        argmax(&self.outputs[coalition * c..(coalition + 1) * c])
    }

    /// The Shapley value of every player for `label`, in player order.
    pub fn shapley(&self, label: usize) -> Vec<f64> {
        let n = self.size();
        // What a coalition of s others weighs: s!(n−s−1)!/n!.
        let weight: Vec<f64> = (0..n)
            .map(|s| 1.0 / (n as f64 * choose(n - 1, s)))
            .collect();
        (0..n)
            .map(|i| {
                let bit = 1 << i;
                (0..evaluations(n))
                    .filter(|s| s & bit == 0)
                    .map(|s| {
                        weight[(s as u32).count_ones() as usize]
                            * (self.value(s | bit, label) - self.value(s, label))
                    })
                    .sum()
            })
            .collect()
    }

    /// The Shapley interaction index of players `i` and `j` for `label`.
    pub fn interaction(&self, label: usize, i: usize, j: usize) -> f64 {
        let n = self.size();
        if i == j || n < 2 {
            return 0.0;
        }
        let (bi, bj) = (1 << i, 1 << j);
        (0..evaluations(n))
            .filter(|s| s & (bi | bj) == 0)
            .map(|s| {
                let k = (s as u32).count_ones() as usize;
                // s!(n−s−2)!/(n−1)!
                let w = 1.0 / ((n - 1) as f64 * choose(n - 2, k));
                w * (self.value(s | bi | bj, label)
                    - self.value(s | bi, label)
                    - self.value(s | bj, label)
                    + self.value(s, label))
            })
            .sum()
    }

    /// The smallest sets of players whose removal changes the predicted
    /// label (no proper subset of them does), as removed-set bit masks,
    /// smallest first, then by the new label's probability.
    pub fn flipping_sets(&self) -> Vec<usize> {
        let n = self.size();
        let all = self.whole();
        let from = self.predicted(all);
        let flips: Vec<bool> = (0..evaluations(n))
            .map(|removed| self.predicted(all & !removed) != from)
            .collect();
        // Whether any subset of a removed set flips (sum over subsets).
        let mut any = flips.clone();
        for i in 0..n {
            for t in 0..evaluations(n) {
                if t & (1 << i) != 0 && any[t & !(1 << i)] {
                    any[t] = true;
                }
            }
        }
        let mut minimal: Vec<usize> = (0..evaluations(n))
            .filter(|&t| flips[t] && (0..n).all(|i| t & (1 << i) == 0 || !any[t & !(1 << i)]))
            .collect();
        let new_probability = |t: usize| {
            let s = all & !t;
            self.value(s, self.predicted(s))
        };
        minimal.sort_by(|&a, &b| {
            a.count_ones()
                .cmp(&b.count_ones())
                .then(new_probability(b).total_cmp(&new_probability(a)))
                .then(a.cmp(&b))
        });
        minimal
    }

    /// The players of a coalition's bit mask.
    pub fn members(&self, mask: usize) -> Vec<Region> {
        (0..self.size())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| self.players[i])
            .collect()
    }

    /// Everything a front-end shows for `labels` (indices in the model's
    /// output): values, interactions and flips.
    pub fn answer(&self, labels: &[usize]) -> GameAnswer {
        let all = self.whole();
        let values = labels
            .iter()
            .map(|&l| {
                let phi = self.shapley(l);
                let mut per_region = [0.0f64; REGIONS];
                for (p, v) in self.players.iter().zip(&phi) {
                    per_region[*p as usize] = *v;
                }
                LabelValues {
                    label: self.labels[l].clone(),
                    whole: self.value(all, l),
                    removed: self.value(0, l),
                    values: per_region.to_vec(),
                }
            })
            .collect();
        let mut interactions = Vec::new();
        for &l in labels {
            for i in 0..self.size() {
                for j in i + 1..self.size() {
                    interactions.push(Interaction {
                        label: self.labels[l].clone(),
                        a: self.players[i],
                        b: self.players[j],
                        value: self.interaction(l, i, j),
                    });
                }
            }
        }
        let from = self.predicted(all);
        let sets = self.flipping_sets();
        let flip_sets = sets.len();
        let flips = sets
            .into_iter()
            .take(FLIPS_KEPT)
            .map(|t| {
                let kept = all & !t;
                let to = self.predicted(kept);
                Flip {
                    from: self.labels[from].clone(),
                    removed: self.members(t),
                    to: self.labels[to].clone(),
                    probability: self.value(kept, to),
                }
            })
            .collect();
        GameAnswer {
            predicted: self.labels[from].clone(),
            players: self.players.clone(),
            evaluations: evaluations(self.size()),
            values,
            interactions,
            flips,
            flip_sets,
        }
    }
}

/// One label's Shapley values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelValues {
    /// The label.
    pub label: String,
    /// Its probability with every region kept.
    pub whole: f64,
    /// Its probability with every region removed.
    pub removed: f64,
    /// The value of every region, in [`Region::ALL`] order (0 for a region
    /// not on the face). They sum to `whole − removed`.
    pub values: Vec<f64>,
}

/// The Shapley interaction index of two regions for a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The label.
    pub label: String,
    /// One region.
    pub a: Region,
    /// The other.
    pub b: Region,
    /// Positive: the two together do more than each alone.
    pub value: f64,
}

/// A smallest set of regions whose removal changes the prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flip {
    /// The label predicted for the whole face.
    pub from: String,
    /// The regions removed.
    pub removed: Vec<Region>,
    /// The label predicted without them.
    pub to: String,
    /// Its probability.
    pub probability: f64,
}

impl Flip {
    /// "mouth + cheeks".
    pub fn removed_names(&self) -> String {
        joined_names(&self.removed)
    }
}

/// A set of regions as people read it: "mouth + cheeks".
pub fn joined_names(regions: &[Region]) -> String {
    regions
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The region game's answer for one face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameAnswer {
    /// The label predicted for the whole face (as the game composed it).
    pub predicted: String,
    /// The regions that played.
    pub players: Vec<Region>,
    /// Model evaluations made (2^players).
    pub evaluations: usize,
    /// Per explained label, every region's value.
    pub values: Vec<LabelValues>,
    /// Per explained label, every pair of players.
    pub interactions: Vec<Interaction>,
    /// The smallest flipping sets, at most [`FLIPS_KEPT`].
    pub flips: Vec<Flip>,
    /// How many minimal flipping sets there were in all.
    pub flip_sets: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A game given by its values: one label, players 0..n.
    fn game(n: usize, v: impl Fn(usize) -> f64) -> RegionGame {
        RegionGame {
            players: Region::ALL[..n].to_vec(),
            labels: vec!["a".into()],
            outputs: (0..evaluations(n)).map(|s| v(s) as f32).collect(),
        }
    }

    #[test]
    fn two_players_by_hand() {
        // v(∅)=0, v(1)=1, v(2)=2, v(12)=5: φ1 = ½·1 + ½·3 = 2,
        // φ2 = ½·2 + ½·4 = 3, I12 = 5 − 1 − 2 + 0 = 2.
        let g = game(2, |s| [0.0, 1.0, 2.0, 5.0][s]);
        assert_eq!(g.shapley(0), vec![2.0, 3.0]);
        assert_eq!(g.interaction(0, 0, 1), 2.0);
    }

    #[test]
    fn three_players_by_hand() {
        // v = 1 when player 0 and at least one of 1, 2 are kept (a
        // "majority with a veto"): φ0 = 4/6, φ1 = φ2 = 1/6.
        // I01 = Σ_{S⊆{2}} w(S)·Δ: S=∅ (w=½): 1−0−0+0 = 1; S={2} (w=½):
        // 1−1−0+0 = 0, so I01 = ½.
        let g = game(3, |s| if s & 1 != 0 && s & 6 != 0 { 1.0 } else { 0.0 });
        let phi = g.shapley(0);
        for (a, b) in phi.iter().zip([4.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0]) {
            assert!((a - b).abs() < 1e-12, "{phi:?}");
        }
        assert!((g.interaction(0, 0, 1) - 0.5).abs() < 1e-12);
        assert!((g.interaction(0, 1, 2) + 0.5).abs() < 1e-12);
    }

    #[test]
    fn flipping_sets_are_minimal_and_smallest_first() {
        // Two labels. Label 1 wins unless player 0 is removed, or both 1
        // and 2 are; then label 0 wins.
        let n = 3;
        let g = RegionGame {
            players: Region::ALL[..n].to_vec(),
            labels: vec!["x".into(), "y".into()],
            outputs: (0..evaluations(n))
                .flat_map(|s| {
                    let y = s & 1 != 0 && s & 6 != 0;
                    if y { [0.3, 0.7] } else { [0.6, 0.4] }
                })
                .collect(),
        };
        // Removed {0} flips; {1,2} flips; {0,1} and {0,1,2} contain {0}.
        assert_eq!(g.flipping_sets(), vec![0b001, 0b110]);
        let a = g.answer(&[1]);
        assert_eq!(a.flips[0].removed, vec![Region::BrowRight]);
        assert_eq!(a.flips[0].to, "x");
        assert!((a.flips[0].probability - 0.6).abs() < 1e-6);
        assert_eq!(a.flips[1].removed_names(), "brow_left + eye_right");
        assert_eq!(a.flip_sets, 2);
    }

    #[test]
    fn values_add_up_and_null_players_get_zero() {
        // A game on 10 players where player 7 never matters.
        let g = game(10, |s| {
            let s = s & !(1 << 7);
            ((s * 2654435761) % 1000) as f64 / 1000.0
        });
        let phi = g.shapley(0);
        let total: f64 = phi.iter().sum();
        let expected = g.value(g.whole(), 0) - g.value(0, 0);
        assert!((total - expected).abs() < 1e-9, "{total} vs {expected}");
        assert_eq!(phi[7], 0.0);
        for j in 0..10 {
            assert_eq!(g.interaction(0, 7, j), 0.0);
        }
    }
}
