//! The atlas's throughput: `cargo bench --bench atlas`.
//!
//! A tree of 40 faces (`ATLAS_FACES=1000` for more; the bundled ones, each shifted by a pixel or two so
//! that no two files are alike) explained for the atlas with the default
//! request (100 superpixels, 500 perturbations with the balanced sampler,
//! the region game's 1,024 coalitions, every label), without a store,
//! against the same number of model evaluations alone (40 × 1,524 on a
//! prepared batch, in the engine's chunks), with ort (when its library is
//! found) and tract. `ATLAS_REGIONS=refit` times the refit on regions
//! instead of the game (no evaluation beyond LIME's). Target: within 1.15×. The atlas prepares the next
//! face (decoding, SLIC, perturbations, landmarks, canonical frame) on a
//! second thread while the model works on this one. On 2 cores the
//! model already uses both, so what counts is the preparation's own cost:
//! the regions are drawn a row at a time (each polygon's crossings once per
//! row, not once per pixel): 1.08× with ort and 1.02× with tract (1.25×
//! for both in one thread, before).

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use common::{models, root};
use emotui::atlas::{self, AtlasRequest};
use emotui::faces::Face;
use emotui::geometry::LazyFaceModels;
use emotui::geometry::regions::REGIONS;
use emotui::methods::game;
use emotui::methods::regions::RegionMethod;
use emotui::model::{BackendChoice, Classifier, LoadOptions};

/// Faces in the tree, unless `ATLAS_FACES` says otherwise.
const FACES: usize = 40;

fn main() {
    let n_faces: usize = std::env::var("ATLAS_FACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(FACES);
    let tmp = tempfile::tempdir().unwrap();
    let bundled: Vec<_> = walk(&root().join("data/test_crop"));
    let faces: Vec<Face> = (0..n_faces)
        .map(|i| {
            let img = image::open(&bundled[i % bundled.len()]).unwrap();
            let (w, h) = (img.width(), img.height());
            let shift = (i / bundled.len()) as u32 % 5;
            let path = tmp.path().join(format!("face_{i:02}.png"));
            img.crop_imm(shift, 0, w - 5, h - 5).save(&path).unwrap();
            Face {
                path,
                class: Some("JOY".into()),
            }
        })
        .collect();
    let mut request = AtlasRequest::default();
    if std::env::var("ATLAS_REGIONS").is_ok_and(|v| v == "refit") {
        request.regions = RegionMethod::Refit;
    }
    // Every bundled face has all ten regions.
    let per_face = request.sampling.n_permutations
        + match request.regions {
            RegionMethod::Shapley => game::evaluations(REGIONS),
            RegionMethod::Refit => 0,
        };
    for (name, model) in models() {
        let backend = if name == "ort" {
            BackendChoice::Ort
        } else {
            BackendChoice::Tract
        };
        let face_models = LazyFaceModels::new(
            &root().join("models/face"),
            &LoadOptions {
                backend,
                ..Default::default()
            },
        )
        .unwrap();
        // Load the face models before timing: a long run loads them once.
        face_models.get().unwrap();
        let t = Instant::now();
        atlas::AtlasRun::new(&model, "bench", &face_models, request.clone())
            .unwrap()
            .run(&faces, &AtomicBool::new(false), |_, _| {})
            .unwrap();
        let atlas_s = t.elapsed().as_secs_f64();
        let face = image::open(&faces[0].path).unwrap();
        let one = model.preprocessor().tensor(&face);
        let chunk = 100;
        let batch = one.repeat(chunk);
        let evaluations = n_faces * per_face;
        let t = Instant::now();
        let mut left = evaluations;
        while left > 0 {
            let k = left.min(chunk);
            model.predict(&batch[..k * one.len()], k).unwrap();
            left -= k;
        }
        let alone = t.elapsed().as_secs_f64();
        println!(
            "{name:>5}: atlas of {n_faces} faces {atlas_s:.2} s ({:.1} faces/s); {evaluations} evaluations alone {alone:.2} s; ratio {:.2}×",
            n_faces as f64 / atlas_s,
            atlas_s / alone
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|c| std::fs::read_dir(c.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}
