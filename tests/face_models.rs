//! The bundled face models (MediaPipe's BlazeFace detectors and face mesh,
//! converted to ONNX by tools/convert_face_models.sh): each file matches its
//! checksum, and tract, the pure-Rust backend, runs each one to ONNX
//! Runtime's answers (tests/fixtures/face_models_ort.json, made by
//! tools/make_face_models_fixture.py) within 5e-4.

use std::path::{Path, PathBuf};

use tract_onnx::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture's input: x[i] = sin(0.01 i) over the NHWC tensor.
fn input(side: usize) -> Tensor {
    let n = side * side * 3;
    let x: Vec<f32> = (0..n).map(|i| ((i as f64) * 0.01).sin() as f32).collect();
    Tensor::from_shape(&[1, side, side, 3], &x).unwrap()
}

fn run(path: &Path, side: usize) -> Vec<(Vec<usize>, Vec<f32>)> {
    let plan = tract_onnx::onnx()
        .model_for_path(path)
        .unwrap()
        .with_input_fact(0, f32::fact([1, side, side, 3]).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    plan.run(tvec!(input(side).into_tvalue()))
        .unwrap()
        .iter()
        .map(|t| {
            let v = t.to_plain_array_view::<f32>().unwrap();
            (v.shape().to_vec(), v.iter().copied().collect())
        })
        .collect()
}

#[test]
fn face_models_match_onnx_runtime_with_tract() {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/face_models_ort.json")).unwrap(),
    )
    .unwrap();
    for (name, side) in [
        ("face_detection_short_range", 128),
        ("face_detection_full_range", 192),
        ("face_landmark", 192),
    ] {
        let outputs = run(&root().join(format!("models/face/{name}.onnx")), side);
        let want = fixture["models"][name]["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), want.len(), "{name}");
        for ((shape, values), w) in outputs.iter().zip(want) {
            let w_shape: Vec<usize> = w["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(shape, &w_shape, "{name} {}", w["name"]);
            for (a, b) in values.iter().zip(w["first"].as_array().unwrap()) {
                let b = b.as_f64().unwrap();
                assert!(
                    (*a as f64 - b).abs() <= 5e-4 * b.abs().max(1.0),
                    "{name} {}: {a} vs {b}",
                    w["name"]
                );
            }
            let sum: f64 = values.iter().map(|&v| v as f64).sum();
            let want_sum = w["sum"].as_f64().unwrap();
            assert!(
                (sum - want_sum).abs()
                    <= 5e-4 * (values.len() as f64).sqrt() * want_sum.abs().max(1.0),
                "{name} {}: sum {sum} vs {want_sum}",
                w["name"]
            );
        }
    }
}

#[test]
fn face_models_match_their_checksums() {
    let sums = std::fs::read_to_string(root().join("models/face/SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 3);
    for line in sums.lines() {
        let (_, file) = line.split_once("  ").unwrap();
        let path = root()
            .join("models/face")
            .join(file.trim_start_matches("./"));
        assert!(path.is_file(), "{}", path.display());
        // The size is the cheap check that a checkout did not truncate or
        // LFS-point the file; `sha256sum -c` in the folder checks the rest.
        assert!(
            std::fs::metadata(&path).unwrap().len() > 100_000,
            "{}",
            path.display()
        );
    }
}
