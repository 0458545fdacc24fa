//! Our preprocessing and both inference backends against Keras itself.
//!
//! tests/fixtures/keras_fer.json was written by tools/make_keras_fixture.py
//! with tf_keras: the 64×64 pixels Keras' `load_img` produces for our faces,
//! and the probabilities fer's .h5 model gives for them.

use std::path::{Path, PathBuf};

use emotui::model::card::ResizeFilter;
use emotui::model::{BackendChoice, Classifier, LoadOptions, Model};
use emotui::preprocess::{Preprocessor, load_image};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    preprocess: Vec<PreCase>,
    predict: Vec<PredCase>,
}

#[derive(Deserialize)]
struct PreCase {
    image: String,
    interpolation: String,
    pixels: Vec<u8>,
}

#[derive(Deserialize)]
struct PredCase {
    name: String,
    pixels: Vec<u8>,
    probabilities: Vec<f32>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(root().join("tests/fixtures/keras_fer.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn model_path() -> PathBuf {
    root().join("models/emotion_fer_minixception.onnx")
}

fn preprocessor_with(filter: ResizeFilter) -> Preprocessor {
    let mut spec = emotui::model::ModelCard::load_for(&model_path())
        .unwrap()
        .input;
    spec.resize = filter;
    Preprocessor::new(spec)
}

fn filter(name: &str) -> ResizeFilter {
    match name {
        "nearest" => ResizeFilter::Nearest,
        "bilinear" => ResizeFilter::Bilinear,
        "bicubic" => ResizeFilter::Bicubic,
        "lanczos" => ResizeFilter::Lanczos,
        other => panic!("unknown filter {other}"),
    }
}

/// Pixels that differ from Keras, and the largest difference.
fn compare_pixels(image: &Path, f: ResizeFilter, want: &[u8]) -> (usize, u8) {
    let img = load_image(image).unwrap();
    let got = preprocessor_with(f).resized_planes(&img);
    assert_eq!(got.planes[0].len(), want.len());
    let mut n = 0;
    let mut worst = 0;
    for (g, &w) in got.planes[0].iter().zip(want) {
        let d = (*g as i32 - w as i32).unsigned_abs() as u8;
        if d > 0 {
            n += 1;
            worst = worst.max(d);
        }
    }
    (n, worst)
}

#[test]
fn preprocessing_matches_keras_load_img() {
    let fx = fixture();
    let mut cases = 0;
    for c in &fx.preprocess {
        let (n, worst) =
            compare_pixels(&root().join(&c.image), filter(&c.interpolation), &c.pixels);
        // We use PIL's own fixed-point arithmetic, so every pixel is exact.
        assert_eq!(
            (n, worst),
            (0, 0),
            "{} {}: {n} pixels differ, by up to {worst}",
            c.image,
            c.interpolation
        );
        cases += 1;
    }
    for c in fx.predict.iter().filter(|c| c.name.ends_with(".png")) {
        let (n, worst) = compare_pixels(&root().join(&c.name), ResizeFilter::Bilinear, &c.pixels);
        assert_eq!((n, worst), (0, 0), "{}: {n} pixels differ", c.name);
        cases += 1;
    }
    assert!(cases >= 20);
}

fn check_backend(choice: BackendChoice) {
    let model = Model::load(
        &model_path(),
        &LoadOptions {
            backend: choice,
            ..Default::default()
        },
    )
    .unwrap();
    let fx = fixture();
    let pre = model.preprocessor();
    let mut batch = Vec::new();
    for c in &fx.predict {
        let planes = emotui::preprocess::Planes {
            width: 64,
            height: 64,
            planes: vec![c.pixels.iter().map(|&v| v as f32).collect()],
        };
        pre.write_tensor(&planes, &mut batch);
    }
    let n = fx.predict.len();
    let probs = model.predict(&batch, n).unwrap();
    let mut worst = 0.0f32;
    for (i, c) in fx.predict.iter().enumerate() {
        for (k, &want) in c.probabilities.iter().enumerate() {
            worst = worst.max((probs[i * 7 + k] - want).abs());
        }
    }
    eprintln!(
        "{}: max abs difference from Keras {worst:e}",
        model.backend_name()
    );
    assert!(
        worst <= 1e-5,
        "{}: max abs difference from Keras {worst:e}",
        model.backend_name()
    );
    // One at a time must give the same numbers as the batch.
    let single = model.predict(&batch[..64 * 64], 1).unwrap();
    assert_eq!(&single[..], &probs[..7]);
}

#[test]
fn tract_reproduces_keras() {
    check_backend(BackendChoice::Tract);
}

/// ort needs libonnxruntime.so, which the README's commands do not install;
/// `.ci/run` installs the PyPI wheel and runs the ignored tests.
#[test]
#[ignore = "needs the ONNX Runtime library: python3 -m pip install onnxruntime==1.31.1"]
fn ort_reproduces_keras() {
    check_backend(BackendChoice::Ort);
}

#[test]
fn sixteen_bit_and_alpha_images_load() {
    use emotui::model::card::Colour;
    use emotui::preprocess::to_planes;
    // gray16_face.png holds an 8-bit face times 257 (written by
    // tools/make_keras_fixture.py): it must come back as that 8-bit face.
    // (Keras would clip it to 255 through PIL's I;16 -> L; we scale.)
    let g16 = load_image(&root().join("tests/fixtures/gray16_face.png")).unwrap();
    let raw: Vec<u16> = match &g16 {
        image::DynamicImage::ImageLuma16(b) => b.as_raw().clone(),
        other => panic!("expected 16-bit gray, got {:?}", other.color()),
    };
    let planes = to_planes(&g16, Colour::Gray);
    assert_eq!(planes.planes[0].len(), raw.len());
    for (v, r) in planes.planes[0].iter().zip(&raw) {
        assert_eq!(*v as u32 * 257, *r as u32);
    }
    // Alpha is dropped without compositing, as PIL's convert("L") does:
    // the RGBA fixture gives the same gray as its RGB twin.
    let rgba = load_image(&root().join("tests/fixtures/colour_face_alpha.png")).unwrap();
    let rgb = load_image(&root().join("tests/fixtures/colour_face.png")).unwrap();
    assert!(rgba.color().has_alpha());
    assert_eq!(
        to_planes(&rgba, Colour::Gray),
        to_planes(&rgb, Colour::Gray)
    );
}
