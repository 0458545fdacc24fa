//! What the benchmarks share: the bundled model with each backend that
//! loads here, the faces they time, and medians.
#![allow(dead_code)]

use std::path::PathBuf;

use image::imageops::FilterType;

use emotui::model::{BackendChoice, LoadOptions, Model};
use emotui::preprocess::load_image;

/// The repository.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The median time of 5 runs of `f`, after one to warm up.
pub fn timed(mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// The median of the runs.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The bundled model with ort (when its library is found) and tract,
/// saying which could not be loaded.
pub fn models() -> Vec<(&'static str, Model)> {
    [("ort", BackendChoice::Ort), ("tract", BackendChoice::Tract)]
        .into_iter()
        .filter_map(|(name, backend)| {
            match Model::load(
                &root().join("models/emotion_fer_minixception.onnx"),
                &LoadOptions {
                    backend,
                    ..Default::default()
                },
            ) {
                Ok(m) => Some((name, m)),
                Err(e) => {
                    println!("{name:>5}: not available ({e})");
                    None
                }
            }
        })
        .collect()
}

/// One face at 64×64 and the same at 320×320 (the bundled SURPRISE face).
pub fn faces() -> [(&'static str, image::DynamicImage); 2] {
    let big = load_image(&root().join("data/test_crop/JOY/obama3.png")).unwrap();
    let small =
        image::DynamicImage::ImageRgb8(big.resize_exact(64, 64, FilterType::Triangle).to_rgb8());
    [("64×64", small), ("320×320", big)]
}
