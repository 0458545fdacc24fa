//! The atlas against people: when a survey names the faces it asked about
//! (an `image` column), which faces people get wrong and what the model
//! looks at on them, and the seed's question: are the faces people call
//! neutral the ones where the model is least sure, and does it look at
//! them differently?

use std::collections::HashMap;
use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{Atlas, RegionStat, stats};
use crate::emotion;
use crate::geometry::regions::{REGIONS, Region};
use crate::survey::Survey;

/// People get a face wrong when fewer than this share of their answers
/// name its class.
pub const PEOPLE_WRONG: f64 = 0.5;
/// Regions listed for each hard face.
const TOP_REGIONS: usize = 3;

/// How people answered one face, and what the model did with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceVotes {
    /// Index in [`Atlas::faces`].
    pub face: usize,
    /// The face's file.
    pub path: String,
    /// Its class (folder).
    pub class: String,
    /// Answers about it.
    pub answers: u64,
    /// Share of the answers naming its class.
    pub people_right: f64,
    /// People's most common answer.
    pub people_answer: String,
    /// The model's label and its probability.
    pub model_label: String,
    /// See `model_label`.
    pub model_confidence: f32,
    /// Where the model's weight for its label falls: the largest regions.
    pub model_regions: Vec<(Region, f64)>,
}

/// A set of faces: how sure the model is and where it looks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceSet {
    /// Faces.
    pub n: usize,
    /// The model's mean probability of its own prediction.
    pub mean_confidence: f64,
    /// Region shares of the model's predicted label, with 95% bootstrap
    /// intervals.
    pub regions: Vec<RegionStat>,
}

/// The atlas beside the survey.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct People {
    /// Faces of the atlas the survey asks about, by tree order.
    pub faces: Vec<FaceVotes>,
    /// Survey images that match no face (or more than one) of the tree.
    pub unmatched: Vec<String>,
    /// Faces whose plurality answer is neutral (their class is not).
    pub called_neutral: Option<FaceSet>,
    /// The other faces the survey asks about.
    pub rest: Option<FaceSet>,
}

impl People {
    /// The faces people get wrong ([`PEOPLE_WRONG`]).
    pub fn hard(&self) -> impl Iterator<Item = &FaceVotes> {
        self.faces.iter().filter(|f| f.people_right < PEOPLE_WRONG)
    }
}

/// The faces of an atlas by file name, to find the one a survey's image
/// names.
struct FaceIndex<'a> {
    atlas: &'a Atlas,
    by_name: HashMap<&'a std::ffi::OsStr, Vec<usize>>,
}

impl<'a> FaceIndex<'a> {
    fn new(atlas: &'a Atlas) -> FaceIndex<'a> {
        let mut by_name: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, f) in atlas.faces.iter().enumerate() {
            if let Some(name) = f.face.path.file_name() {
                by_name.entry(name).or_default().push(i);
            }
        }
        FaceIndex { atlas, by_name }
    }

    /// The face whose path ends with `image` (`JOY/face1.png` or
    /// `face1.png`), if exactly one does.
    fn find(&self, image: &str) -> Option<usize> {
        let wanted = PathBuf::from(image.trim().replace('\\', "/"));
        let mut hits = self
            .by_name
            .get(wanted.file_name()?)?
            .iter()
            .filter(|&&i| self.atlas.faces[i].face.path.ends_with(&wanted));
        let first = *hits.next()?;
        hits.next().is_none().then_some(first)
    }
}

impl Atlas {
    /// The atlas beside `survey`'s answers about named faces (rows without
    /// an image are not used); intervals drawn with the run's seed.
    pub fn people(&self, survey: &Survey) -> People {
        // Per face: answers by canonical emotion (or as written).
        let mut votes: HashMap<usize, HashMap<String, u64>> = HashMap::new();
        let mut unmatched: Vec<String> = Vec::new();
        let index = FaceIndex::new(self);
        for a in &survey.answers {
            let Some(image) = &a.image else { continue };
            match index.find(image) {
                Some(i) => {
                    let said = emotion::canonical(&a.predicted)
                        .map_or_else(|| a.predicted.trim().to_lowercase(), str::to_string);
                    *votes.entry(i).or_default().entry(said).or_default() += a.count;
                }
                None if !unmatched.iter().any(|u| **u == **image) => {
                    unmatched.push(image.to_string())
                }
                None => {}
            }
        }
        let mut faces: Vec<FaceVotes> = Vec::new();
        for (&i, v) in &votes {
            let f = &self.faces[i];
            let (Ok(r), Some(class)) = (&f.record, f.face.class.as_deref()) else {
                continue;
            };
            let answers: u64 = v.values().sum();
            let truth = emotion::canonical(class).unwrap_or(class);
            let right = v.get(truth).copied().unwrap_or(0);
            let (answer, _) = v
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .expect("a face with votes has an answer");
            let p = r.predicted();
            let mut regions: Vec<(Region, f64)> = r.regions[p]
                .shares
                .regions
                .iter()
                .map(|s| (s.region, s.positive))
                .collect();
            regions.sort_by(|a, b| b.1.total_cmp(&a.1));
            regions.truncate(TOP_REGIONS);
            faces.push(FaceVotes {
                face: i,
                path: f.face.path.display().to_string(),
                class: class.to_string(),
                answers,
                people_right: right as f64 / answers.max(1) as f64,
                people_answer: answer.clone(),
                model_label: self.labels[p].clone(),
                model_confidence: r.probabilities[p],
                model_regions: regions,
            });
        }
        faces.sort_by_key(|f| f.face);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut set = |keep: &dyn Fn(&FaceVotes) -> bool| -> Option<FaceSet> {
            let records: Vec<_> = faces
                .iter()
                .filter(|f| keep(f))
                .filter_map(|f| self.faces[f.face].record.as_ref().ok())
                .collect();
            if records.is_empty() {
                return None;
            }
            let shares: Vec<[f64; REGIONS]> = records
                .iter()
                .map(|r| {
                    let p = r.predicted();
                    std::array::from_fn(|k| r.regions[p].shares.regions[k].positive)
                })
                .collect();
            Some(FaceSet {
                n: records.len(),
                mean_confidence: records
                    .iter()
                    .map(|r| r.probabilities[r.predicted()] as f64)
                    .sum::<f64>()
                    / records.len() as f64,
                regions: stats(&shares, &mut rng),
            })
        };
        let neutral = |f: &FaceVotes| {
            f.people_answer == "neutral" && emotion::canonical(&f.class) != Some("neutral")
        };
        People {
            called_neutral: set(&neutral),
            rest: set(&|f| !neutral(f)),
            faces,
            unmatched,
        }
    }
}
