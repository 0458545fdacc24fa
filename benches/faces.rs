//! Faces from photos: `cargo bench --bench faces`.
//!
//! With ort (when its library is found) and tract:
//! - each stage on one face, network with its own pre- and post-processing
//!   (short-range detection, full-range detection, mesh), and the whole
//!   landmarks pipeline per bundled face (letterbox, detection, decoding,
//!   mesh crop, mesh, projection), on one thread;
//! - `crop` throughput on a folder of 100 photos (1 to 3 faces each, made
//!   from the bundled faces on a 640×480 background), on every core;
//! - landmarks of 400 distinct faces without the cache, then from it.
//!
//! Medians of 5 runs after a warm-up.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use common::{root, timed};
use emotui::cache::Store;
use emotui::geometry::crop::{CropOptions, DetectorChoice, crop_photo};
use emotui::geometry::{DetectorKind, FaceModels, LazyFaceModels, landmarks_of_files};
use emotui::model::card::Colour;
use emotui::model::{BackendChoice, LoadOptions};
use emotui::preprocess::{load_image, to_planes};

fn bundled_faces() -> Vec<image::DynamicImage> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("data/test_crop"))
        .unwrap()
        .flat_map(|c| std::fs::read_dir(c.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| load_image(p).unwrap()).collect()
}

/// 100 photos of 640×480, each with 1 to 3 of the bundled faces at 100 to
/// 160 px, written to `dir`.
fn photos(dir: &Path, faces: &[image::DynamicImage]) -> Vec<PathBuf> {
    let mut seed = 7u32;
    let mut next = |n: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) % n
    };
    (0..100)
        .map(|i| {
            let mut photo = image::RgbImage::from_pixel(640, 480, image::Rgb([70, 80, 90]));
            let n = 1 + i % 3;
            for k in 0..n {
                let face = &faces[next(faces.len() as u32) as usize];
                let side = 100 + next(61);
                let small = face
                    .resize_exact(side, side, image::imageops::FilterType::Triangle)
                    .to_rgb8();
                let x = k * 210 + next(40);
                let y = 60 + next(200);
                image::imageops::overlay(&mut photo, &small, x as i64, y as i64);
            }
            let p = dir.join(format!("photo_{i:03}.png"));
            photo.save(&p).unwrap();
            p
        })
        .collect()
}

fn main() {
    let faces = bundled_faces();
    let tmp = tempfile::tempdir().unwrap();
    let photo_paths = photos(tmp.path(), &faces);
    // 400 distinct faces: the bundled ones, each shifted by a pixel or two.
    let many: Vec<PathBuf> = (0..400)
        .map(|i| {
            let f = &faces[i % faces.len()];
            let (w, h) = (f.width(), f.height());
            let shifted = f.crop_imm((i / faces.len()) as u32 % 5, 0, w - 5, h - 5);
            let p = tmp.path().join(format!("face_{i:03}.png"));
            shifted.save(&p).unwrap();
            p
        })
        .collect();
    let cores = emotui::parallel::cores();
    println!("{} cores; times are medians of 5 runs", cores);
    for (name, backend) in [("ort", BackendChoice::Ort), ("tract", BackendChoice::Tract)] {
        let options = LoadOptions {
            backend,
            ..Default::default()
        };
        let models = match FaceModels::load(&root().join("models/face"), &options) {
            Ok(m) => m,
            Err(e) => {
                println!("{name:>5}: not available ({e})");
                continue;
            }
        };
        let rgb: Vec<_> = faces.iter().map(|f| to_planes(f, Colour::Rgb)).collect();
        // The networks alone, one inference each, on the first face's inputs.
        let short = timed(|| {
            models.detect(&rgb[0], DetectorKind::Short, 0).unwrap();
        });
        let full = timed(|| {
            models.detect(&rgb[0], DetectorKind::Full, 0).unwrap();
        });
        let face0 = models
            .detect(&rgb[0], DetectorKind::Short, 0)
            .unwrap()
            .remove(0);
        let mesh = timed(|| {
            models.mesh(&rgb[0], &face0, 0).unwrap();
        });
        let pipeline = timed(|| {
            for f in &faces {
                models.landmarks(f, 0).unwrap();
            }
        }) / faces.len() as f64;
        println!(
            "{name:>5}: short-range detection {:.1} ms, full-range {:.1} ms, mesh {:.1} ms; \
             landmarks of a face (detection + mesh, one thread) {:.1} ms",
            short * 1e3,
            full * 1e3,
            mesh * 1e3,
            pipeline * 1e3
        );
        let cancel = AtomicBool::new(false);
        let opts = CropOptions::default();
        let mut found = 0;
        let crop = timed(|| {
            let r = emotui::parallel::map(&photo_paths, cores, &cancel, |w, p| {
                crop_photo(&models, p, DetectorChoice::Auto, &opts, w)
                    .unwrap()
                    .faces
                    .len()
            });
            found = r.iter().flatten().sum::<usize>();
        });
        // Tight crops pasted on a plain background are harder than real
        // photos: not every one is found.
        println!(
            "{name:>5}: crop 100 photos in {:.2} s: {:.0} photos/s, {:.0} faces/s ({found} of the 200 pasted faces found)",
            crop,
            100.0 / crop,
            found as f64 / crop
        );
        let lazy = LazyFaceModels::new(&root().join("models/face"), &options).unwrap();
        let cache = tmp.path().join(format!("{name}.sqlite"));
        let t = Instant::now();
        let mut store = Store::open(&cache).unwrap();
        landmarks_of_files(&lazy, Some(&mut store), &many, cores, &cancel, |_, _| {}).unwrap();
        let cold = t.elapsed().as_secs_f64();
        let warm = timed(|| {
            let lazy = LazyFaceModels::new(&root().join("models/face"), &options).unwrap();
            let mut store = Store::open(&cache).unwrap();
            landmarks_of_files(&lazy, Some(&mut store), &many, cores, &cancel, |_, _| {}).unwrap();
        });
        println!(
            "{name:>5}: landmarks of 400 faces: {:.2} s computed ({:.0} faces/s), {:.3} s from the cache ({:.0}× faster)",
            cold,
            400.0 / cold,
            warm,
            cold / warm
        );
    }
}
