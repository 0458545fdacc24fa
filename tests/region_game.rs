//! The region game on models with a known answer: regions a model cannot
//! read get exactly 0, the values add up, and nothing depends on a seed.

mod common;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use emotui::geometry::regions::{REGIONS, Region};
use emotui::geometry::{FaceModels, Landmarks};
use emotui::lime::{self, SamplingOptions};
use emotui::methods::game;
use emotui::methods::regions::{play_regions, refit_regions};
use emotui::model::{BackendChoice, LoadOptions};
use emotui::preprocess::load_image;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled faces.
fn faces() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for class in std::fs::read_dir(root().join("data/test_crop")).unwrap() {
        for f in std::fs::read_dir(class.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out.sort();
    out
}

fn face_models() -> FaceModels {
    FaceModels::load(
        &root().join("models/face"),
        &LoadOptions {
            backend: BackendChoice::Tract,
            ..LoadOptions::default()
        },
    )
    .unwrap()
}

/// The box around `regions` at the model's 64×64, from the face's map.
fn box_around(landmarks: &Landmarks, regions: &[Region]) -> (usize, usize, usize, usize) {
    let map = landmarks.regions_at(64, 64);
    let (mut x0, mut y0, mut x1, mut y1) = (64, 64, 0, 0);
    for y in 0..64 {
        for x in 0..64 {
            if regions.contains(&map.at(x, y)) {
                (x0, y0) = (x0.min(x), y0.min(y));
                (x1, y1) = (x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    (x0, y0, x1, y1)
}

/// The regions none of whose pixels (at the face's own size) come within
/// two model pixels of the box: resizing spreads a pixel over about one
/// model pixel, so the model cannot see them.
fn unseen(
    landmarks: &Landmarks,
    w: usize,
    h: usize,
    b: (usize, usize, usize, usize),
) -> Vec<Region> {
    let map = landmarks.regions_at(w, h);
    let mut near = [false; REGIONS];
    for y in 0..h {
        for x in 0..w {
            let (mx, my) = (
                (x as f64 + 0.5) * 64.0 / w as f64,
                (y as f64 + 0.5) * 64.0 / h as f64,
            );
            if mx > b.0 as f64 - 2.0
                && mx < b.2 as f64 + 2.0
                && my > b.1 as f64 - 2.0
                && my < b.3 as f64 + 2.0
            {
                near[map.at(x, y) as usize] = true;
            }
        }
    }
    Region::ALL
        .into_iter()
        .filter(|r| !near[*r as usize])
        .collect()
}

#[test]
fn regions_a_box_model_cannot_read_get_exactly_zero_and_values_add_up() {
    let models = face_models();
    let mut checked = 0;
    for path in faces() {
        let image = load_image(&path).unwrap();
        let landmarks = models.landmarks(&image, 0).unwrap();
        for (k, looked) in [vec![Region::Mouth], vec![Region::EyeLeft, Region::EyeRight]]
            .into_iter()
            .enumerate()
        {
            let b = box_around(&landmarks, &looked);
            let model = common::BoxModel::new(b, 7 + k as u64);
            let options = SamplingOptions::default();
            let samples =
                lime::sample(&model, &image, &options, &AtomicBool::new(false), |_, _| {}).unwrap();
            let sp = &samples.superpixels;
            let map = landmarks.regions_at(sp.width, sp.height);
            let answer = play_regions(
                &model,
                &map,
                &samples,
                &[0, 1],
                &AtomicBool::new(false),
                |_, _| {},
            )
            .unwrap();
            assert_eq!(answer.evaluations, 1 << answer.players.len());
            let blind = unseen(&landmarks, sp.width, sp.height, b);
            assert!(
                blind.len() >= 3,
                "{}: too few regions away from the box",
                path.display()
            );
            for v in &answer.values {
                let sum: f64 = v.values.iter().sum();
                assert!(
                    (sum - (v.whole - v.removed)).abs() < 1e-9,
                    "{}: values add up to {sum}, not {}",
                    path.display(),
                    v.whole - v.removed
                );
                for r in &blind {
                    assert_eq!(
                        v.values[*r as usize],
                        0.0,
                        "{}: {:?} {}",
                        path.display(),
                        r,
                        v.label
                    );
                }
                let looked_at: f64 = looked.iter().map(|r| v.values[*r as usize].abs()).sum();
                assert!(
                    looked_at > 0.0,
                    "{}: the box's regions get nothing",
                    path.display()
                );
            }
            for i in &answer.interactions {
                if blind.contains(&i.a) || blind.contains(&i.b) {
                    assert_eq!(i.value, 0.0);
                }
            }
            let refit = refit_regions(
                &landmarks,
                &samples,
                &samples.explain(&Default::default()).unwrap(),
            );
            let stray: f64 = refit[0]
                .shares
                .regions
                .iter()
                .filter(|r| blind.contains(&r.region))
                .map(|r| r.positive.max(r.negative))
                .fold(0.0, f64::max);
            eprintln!(
                "{} {:?}: refit puts up to {:.0}% on regions the model cannot read; Shapley 0",
                path.file_name().unwrap().to_string_lossy(),
                looked,
                100.0 * stray
            );
            checked += 1;
        }
    }
    // Both boxes on every bundled face.
    assert_eq!(checked, 2 * faces().len());
    assert!(checked >= 10);
}

#[test]
fn the_game_is_the_same_whatever_the_seed() {
    let image = common::joy_face();
    let landmarks = face_models().landmarks(&image, 0).unwrap();
    let model = common::MouthModel::nonlinear();
    let answers: Vec<game::GameAnswer> = [1u64, 2, 99]
        .into_iter()
        .map(|seed| {
            let options = SamplingOptions {
                seed,
                ..SamplingOptions::default()
            };
            let samples =
                lime::sample(&model, &image, &options, &AtomicBool::new(false), |_, _| {}).unwrap();
            let sp = &samples.superpixels;
            play_regions(
                &model,
                &landmarks.regions_at(sp.width, sp.height),
                &samples,
                &[0],
                &AtomicBool::new(false),
                |_, _| {},
            )
            .unwrap()
        })
        .collect();
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    // The mouth model darkens with the mouth: removing it flips the label.
    assert!(
        answers[0]
            .flips
            .iter()
            .any(|f| f.removed.contains(&Region::Mouth))
    );
}
