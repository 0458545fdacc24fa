//! The other attribution methods against known answers: an additive model
//! (KernelSHAP returns each superpixel's contribution), a model that looks
//! only at the mouth (occlusion and RISE peak there), and Python shap's own
//! KernelExplainer (tests/fixtures/shap_kernel.json, made by
//! tools/make_shap_fixture.py with shap 0.51.0).

mod common;

use std::sync::atomic::AtomicBool;

use common::{MOUTH, MouthModel, sample_joy};
use emotui::lime::{FitOptions, SamplingOptions};
use emotui::methods::kernelshap::{self, Design};
use emotui::methods::{self, Context, Method, MethodOptions};
use serde_json::Value;

fn fixture() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shap_kernel.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The fixture's function: a sigmoid of a linear part with interactions.
fn fixture_f(a: &[f64], z: &[bool]) -> f64 {
    let x = |i: usize| z[i] as u8 as f64;
    let s: f64 = z
        .iter()
        .zip(a)
        .map(|(k, c)| *k as u8 as f64 * c)
        .sum::<f64>()
        + 1.5 * x(0) * x(1)
        - 2.0 * x(2) * x(3) * x(4)
        - 0.5;
    1.0 / (1.0 + (-s).exp())
}

#[test]
fn exact_shapley_values_match_python_shap() {
    let case = &fixture()["enumerated"];
    let m = case["m"].as_u64().unwrap() as usize;
    let a = floats(&case["coefficients"]);
    let d = kernelshap::enumerate(m);
    let ey: Vec<f64> = (0..d.rows())
        .map(|r| fixture_f(&a, &d.masks[r * m..(r + 1) * m]))
        .collect();
    let phi = kernelshap::solve(
        &d,
        &ey,
        fixture_f(&a, &vec![false; m]),
        fixture_f(&a, &vec![true; m]),
    );
    for (ours, shap) in phi.iter().zip(floats(&case["phi"])) {
        assert!((ours - shap).abs() < 1e-3, "{phi:?}");
    }
}

#[test]
fn the_solver_on_shaps_own_coalitions_gives_shaps_values() {
    let case = &fixture()["sampled"];
    let m = case["m"].as_u64().unwrap() as usize;
    let masks: Vec<bool> = case["masks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| floats(row).into_iter().map(|x| x == 1.0))
        .collect();
    let weights = floats(&case["weights"]);
    let design = Design {
        m,
        fixed: weights.len(),
        masks,
        weights,
    };
    let phi = kernelshap::solve(
        &design,
        &floats(&case["ey"]),
        case["fnull"].as_f64().unwrap(),
        case["fx"].as_f64().unwrap(),
    );
    for (ours, shap) in phi.iter().zip(floats(&case["phi"])) {
        assert!((ours - shap).abs() < 1e-3, "{phi:?}");
    }
    // Our sampler enumerates the same small subset sizes, in the same order
    // and with the same weights, before it draws at random.
    let ours = kernelshap::sample(m, design.rows(), 1);
    assert!(ours.fixed > 0);
    assert_eq!(ours.masks[..ours.fixed * m], design.masks[..ours.fixed * m]);
    for (a, b) in ours.weights[..ours.fixed].iter().zip(&design.weights) {
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }
}

/// The mouth model's first label is linear in the pixels, and composing a
/// face adds each kept superpixel's part: so the label is additive over
/// superpixels and its Shapley values are f({j}) − f(∅).
fn check_additive(n_superpixels: usize, tolerance: f64) {
    let model = MouthModel::new();
    let options = SamplingOptions {
        n_superpixels,
        n_permutations: 200,
        ..SamplingOptions::default()
    };
    let samples = sample_joy(&model, &options);
    let expl = samples
        .explain(&FitOptions {
            labels: emotui::lime::LabelChoice::Top(1),
            ..FitOptions::default()
        })
        .unwrap();
    let cancel = AtomicBool::new(false);
    let ctx = Context::new(&model, &samples, &expl, 5, &cancel);
    let shap = methods::run(Method::KernelShap, &ctx, &MethodOptions::default()).unwrap();
    let k = ctx.superpixels();
    let label = expl.labels[0].label;
    let f = |kept: &[bool]| -> f64 {
        let img = ctx.composer.compose(kept);
        let mut t = vec![0.0; model.pre.spec().len()];
        model.pre.fill_tensor(&img, &mut t);
        use emotui::model::Classifier;
        model.predict(&t, 1).unwrap()[label] as f64
    };
    let empty = f(&vec![false; k]);
    let phi = shap.importance(0, k);
    for j in 0..k {
        let mut only = vec![false; k];
        only[j] = true;
        let a = f(&only) - empty;
        assert!(
            (phi[j] - a).abs() < tolerance,
            "superpixel {j}: {} vs {a} ({k} superpixels)",
            phi[j]
        );
    }
}

#[test]
fn kernelshap_returns_additive_contributions_exactly_by_enumeration() {
    check_additive(12, 1e-5);
}

#[test]
fn kernelshap_returns_additive_contributions_by_sampling() {
    check_additive(40, 1e-2);
}

#[test]
fn occlusion_and_rise_peak_on_the_mouth() {
    let model = MouthModel::nonlinear();
    let samples = sample_joy(&model, &SamplingOptions::default());
    let expl = samples
        .explain(&FitOptions {
            labels: emotui::lime::LabelChoice::Names(vec!["dark-mouth".into()]),
            ..FitOptions::default()
        })
        .unwrap();
    let cancel = AtomicBool::new(false);
    let ctx = Context::new(&model, &samples, &expl, 9, &cancel);
    let (x0, y0, x1, y1) = MOUTH;
    for method in [Method::Occlusion, Method::Rise] {
        let a = methods::run(method, &ctx, &MethodOptions::default()).unwrap();
        let map = a.maps[0].as_ref().unwrap();
        let best = (0..map.values.len())
            .max_by(|&i, &j| map.values[i].total_cmp(&map.values[j]))
            .unwrap();
        let (x, y) = (best % map.width, best / map.width);
        assert!(
            (x0..x1).contains(&x) && (y0..y1).contains(&y),
            "{method:?} peaks at ({x}, {y}), outside the mouth {MOUTH:?}"
        );
        // Same seed, same answer.
        let again = methods::run(method, &ctx, &MethodOptions::default()).unwrap();
        let json = |e: &emotui::lime::Explanation| serde_json::to_string(e).unwrap();
        assert_eq!(json(&again.explanation), json(&a.explanation));
    }
}

#[test]
fn compare_runs_every_method_and_agrees_with_itself() {
    let model = MouthModel::nonlinear();
    let image = common::joy_face();
    let request = emotui::explain::Request::default();
    let outcome =
        emotui::explain::run(&model, &image, &request, &AtomicBool::new(false), |_| {}).unwrap();
    let cmp = methods::compare(
        &model,
        &outcome,
        &Method::ALL,
        &MethodOptions::default(),
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(cmp.attributions.len(), 4);
    assert_eq!(cmp.agreement.len(), outcome.explanation.labels.len());
    let l = &cmp.agreement[0];
    assert_eq!(l.pairs.len(), 6);
    // On a model that looks only at the mouth, the methods broadly agree.
    assert!(l.mean_spearman > 0.3, "{l:?}");
    for a in &cmp.attributions {
        assert!(a.evaluations > 0);
    }
}
