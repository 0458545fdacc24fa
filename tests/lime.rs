//! LIME on classifiers whose answer is known, the ridge against an
//! independent numpy computation, and the real model on a real face.

mod common;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use common::{BlindModel, MOUTH, MouthModel, joy_face, sample_joy};

use emotui::lime::regression::Moments;
use emotui::lime::{
    self, Background, FeatureSelect, FitOptions, Kernel, LabelChoice, SamplingOptions,
};
use emotui::model::{BackendChoice, LoadOptions, Model};
use serde::Deserialize;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options(seed: u64) -> SamplingOptions {
    SamplingOptions {
        n_superpixels: 40,
        seed,
        ..SamplingOptions::default()
    }
}

/// The teeth and lips of the demo JOY face (obama.png) in 64×64 model
/// coordinates (source pixels about 100..215 × 205..265; MediaPipe's mouth
/// corners and lip edges, tests/fixtures/face_reference.json).
const LIPS: (usize, usize, usize, usize) = (21, 44, 46, 56);

/// Share of a superpixel's pixels inside the mouth box (source coordinates).
fn mouth_share(s: &lime::Samples, id: usize) -> f64 {
    box_share(s, id, MOUTH)
}

/// Share of a superpixel's pixels inside a box given in model coordinates.
fn box_share(s: &lime::Samples, id: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> f64 {
    let sp = &s.superpixels;
    let (fx, fy) = (sp.width as f64 / 64.0, sp.height as f64 / 64.0);
    let members = sp.members();
    let inside = members[id]
        .iter()
        .filter(|&&i| {
            let (x, y) = (
                (i as usize % sp.width) as f64,
                (i as usize / sp.width) as f64,
            );
            x >= x0 as f64 * fx && x < x1 as f64 * fx && y >= y0 as f64 * fy && y < y1 as f64 * fy
        })
        .count();
    inside as f64 / members[id].len() as f64
}

#[test]
fn known_answer_model_is_explained_by_the_mouth() {
    let model = MouthModel::new();
    let cancel = AtomicBool::new(false);
    for bg in [Background::Grey, Background::Mean, Background::Blur] {
        let s = lime::sample(
            &model,
            &joy_face(),
            &SamplingOptions {
                background: bg,
                ..options(1)
            },
            &cancel,
            |_, _| {},
        )
        .unwrap();
        for select in [
            FeatureSelect::ForwardSelection,
            FeatureSelect::HighestWeights,
            FeatureSelect::LassoPath,
        ] {
            let e = s
                .explain(&FitOptions {
                    labels: LabelChoice::Names(vec!["dark-mouth".into()]),
                    n_features: 4,
                    feature_select: select,
                    kernel: Kernel::R,
                })
                .unwrap();
            let l = &e.labels[0];
            // glmnet's penalty is lambda / sd(y): with the mean background
            // the answer moves little, so the ridge shrinks more and the fit
            // is lower (0.76 at this seed) than with the grey one.
            assert!(l.r2 > 0.7, "{bg:?} {select:?}: fit {}", l.r2);
            // The strongest superpixel lies mostly in the mouth, and every
            // superpixel outside the mouth has a negligible weight.
            let top = &l.features[0];
            assert!(
                mouth_share(&s, top.superpixel) > 0.3,
                "{bg:?} {select:?}: top {top:?}"
            );
            for f in &l.features {
                if mouth_share(&s, f.superpixel) == 0.0 {
                    assert!(
                        f.weight.abs() < 0.01,
                        "{bg:?} {select:?}: {f:?} outside the mouth"
                    );
                }
            }
        }
    }
}

#[test]
fn blind_model_gets_zero_weights_and_no_fit() {
    let model = BlindModel::new();
    let s = sample_joy(&model, &options(3));
    let e = s.explain(&FitOptions::default()).unwrap();
    for l in &e.labels {
        assert_eq!(l.r2, 0.0);
        assert!(
            l.features
                .iter()
                .all(|f| f.weight.abs() < 1e-9 && f.weight.is_finite())
        );
        assert!(l.intercept.is_finite() && l.prediction.is_finite());
    }
}

#[test]
fn all_removed_rows_do_not_make_nan() {
    // With p_remove close to 1 many rows remove every superpixel.
    let model = MouthModel::new();
    let s = lime::sample(
        &model,
        &joy_face(),
        &SamplingOptions {
            n_superpixels: 4,
            p_remove: 0.95,
            ..options(5)
        },
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    for kernel in [Kernel::R, Kernel::Python] {
        assert!(s.weights(kernel).iter().all(|w| w.is_finite()));
        let e = s
            .explain(&FitOptions {
                kernel,
                ..FitOptions::default()
            })
            .unwrap();
        assert!(
            e.labels
                .iter()
                .all(|l| l.r2.is_finite() && l.features.iter().all(|f| f.weight.is_finite()))
        );
    }
}

#[test]
fn cancellation_stops_sampling() {
    let cancel = AtomicBool::new(true);
    let r = lime::sample(
        &MouthModel::new(),
        &joy_face(),
        &options(1),
        &cancel,
        |_, _| {},
    );
    assert!(matches!(r, Err(emotui::Error::Cancelled)));
}

#[derive(Deserialize)]
struct RidgeCase {
    n: usize,
    k: usize,
    lambda: f64,
    kept: Vec<u8>,
    y: Vec<f64>,
    w: Vec<f64>,
    intercept: f64,
    coefficients: Vec<f64>,
    r2: f64,
}

#[test]
fn ridge_matches_numpy_glmnet_definition() {
    #[derive(Deserialize)]
    struct F {
        cases: Vec<RidgeCase>,
    }
    let f: F = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/ridge_glmnet.json")).unwrap(),
    )
    .unwrap();
    for c in f.cases {
        let kept: Vec<bool> = c.kept.iter().map(|&b| b == 1).collect();
        let rows: Vec<usize> = (0..c.n).collect();
        let m = Moments::new(&kept, c.k, &c.y, &c.w, &rows);
        let cols: Vec<usize> = (0..c.k).collect();
        let fit = m.fit(&cols, c.lambda);
        assert!((fit.intercept - c.intercept).abs() < 1e-10, "n={}", c.n);
        for (a, b) in fit.coefficients.iter().zip(&c.coefficients) {
            assert!((a - b).abs() < 1e-10, "n={}: {a} vs {b}", c.n);
        }
        assert!((fit.r2 - c.r2).abs() < 1e-10);
    }
}

fn real_model(threads: usize) -> Model {
    Model::load(
        &root().join("models/emotion_fer_minixception.onnx"),
        &LoadOptions {
            backend: BackendChoice::Tract,
            threads: Some(threads),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn same_seed_same_explanation_whatever_the_threads() {
    let opts = SamplingOptions {
        n_permutations: 300,
        ..options(11)
    };
    let a = lime::sample(
        &real_model(1),
        &joy_face(),
        &opts,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    let b = lime::sample(
        &real_model(2),
        &joy_face(),
        &opts,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(a.kept, b.kept);
    assert_eq!(a.probabilities, b.probabilities);
    let fit = FitOptions::default();
    assert_eq!(a.explain(&fit).unwrap(), b.explain(&fit).unwrap());
    let c = lime::sample(
        &real_model(2),
        &joy_face(),
        &SamplingOptions { seed: 12, ..opts },
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    assert_ne!(a.kept, c.kept);
}

#[test]
fn real_model_smiles_with_the_mouth() {
    let s = lime::sample(
        &real_model(2),
        &joy_face(),
        &options(42),
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    let e = s
        .explain(&FitOptions {
            labels: LabelChoice::Names(vec!["JOY".into()]),
            ..FitOptions::default()
        })
        .unwrap();
    let happy = &e.labels[0];
    assert_eq!(happy.name, "happy");
    let top: Vec<usize> = happy
        .features
        .iter()
        .filter(|f| f.weight > 0.0)
        .take(4)
        .map(|f| f.superpixel)
        .collect();
    // The strongest support is the superpixel holding the most of the lips
    // and teeth, and the top four together cover most of them.
    let sp = &s.superpixels;
    let (x0, y0, x1, y1) = LIPS;
    let (fx, fy) = (sp.width as f64 / 64.0, sp.height as f64 / 64.0);
    let mut held = vec![0usize; sp.count];
    let (mut inside, mut covered) = (0, 0);
    for y in (y0 as f64 * fy) as usize..(y1 as f64 * fy) as usize {
        for x in (x0 as f64 * fx) as usize..(x1 as f64 * fx) as usize {
            let label = sp.labels[y * sp.width + x] as usize;
            inside += 1;
            held[label] += 1;
            covered += top.contains(&label) as usize;
        }
    }
    let most = (0..sp.count).max_by_key(|&i| held[i]).unwrap();
    assert_eq!(top[0], most, "{top:?}, lips held {held:?}");
    assert!(
        covered as f64 > 0.6 * inside as f64,
        "top {top:?} cover {covered}/{inside} of the mouth"
    );
}

#[test]
fn python_kernel_matches_python_lime() {
    #[derive(Deserialize)]
    struct Case {
        k: usize,
        weights: Vec<f64>,
    }
    #[derive(Deserialize)]
    struct F {
        cases: Vec<Case>,
    }
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/python_lime_weights.json")).unwrap();
    let f: F = serde_json::from_str(&text).unwrap();
    for c in f.cases {
        for (kept, want) in c.weights.iter().enumerate() {
            let got = Kernel::Python.weight(kept, c.k);
            assert!(
                (got - want).abs() < 1e-12,
                "k={} kept={kept}: {got} vs {want}",
                c.k
            );
        }
    }
}

/// The explorer's first explanation of the demo face (R lime's 1,000
/// perturbations with the balanced design, the two most probable labels)
/// gets the verdicts that ten explanations with other seeds give: stable
/// for both. The row bootstrap treating the design's rows as independent
/// draws called the second label shaky (top-8 Jaccard 0.72 against the
/// seeds' 0.80).
#[test]
fn the_bootstrap_verdicts_are_what_other_seeds_say() {
    use emotui::lime::trust::{self, Verdict};
    let (model, face, cancel) = (real_model(2), joy_face(), AtomicBool::new(false));
    let opts = options(42);
    let s = lime::sample(&model, &face, &opts, &cancel, |_, _| {}).unwrap();
    let e = s.explain(&FitOptions::default()).unwrap();
    let boot = trust::bootstrap(&s, &e, 100, opts.seed, &cancel).unwrap();
    let seeds = trust::seeds(&model, &face, &opts, &s, &e, 10, &cancel).unwrap();
    for (b, o) in boot.iter().zip(&seeds) {
        assert_eq!(
            (b.verdict, o.verdict),
            (Verdict::Stable, Verdict::Stable),
            "label {}: bootstrap Jaccard {:.2}, seeds {:.2}",
            b.label,
            b.jaccard,
            o.jaccard
        );
    }
}
